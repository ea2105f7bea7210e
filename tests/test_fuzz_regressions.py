"""Inputs found by the atheris fuzz run (fuzz/atheris_targets.py).

A path with a leading '//' did not round-trip: ``URLs.path_for_iri("{base}/x")``
is ``"//x"`` but ``URLs.iri_for_path`` stripped *every* '/', so ``iri_for(u, "//x")``
named ``{base}x``: two IRIs shared one path.  Fixed: exactly one '/' is dropped.
"""

from __future__ import annotations

import pytest

from sistercities import iripath
from sistercities.uris import URLs


@pytest.mark.parametrize("rest", ["//", "/", "/id/city/x"])
def test_round_trip_of_iri_with_leading_slash(rest: str) -> None:
    u = URLs()
    iri = u.base + rest
    path = u.path_for_iri(iri)
    assert path is not None
    assert iripath.iri_for(u, path) == iri
