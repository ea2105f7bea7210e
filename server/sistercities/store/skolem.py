"""Skolem IRIs for blank nodes in a remote store (RDF 1.1 Concepts §3.5): see
:mod:`sistercities.store.remote`.  Never imports Flask.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox

GENID = ".well-known/genid/"


def skolem_prefix(base: str) -> str:
    """Where the Skolem IRIs of ``base`` live: ``<BASE_IRI>.well-known/genid/``."""
    if base.endswith(GENID):
        return base
    return base.rstrip("#").rstrip("/") + "/" + GENID


def skolemise(quads: Iterator[ox.Quad] | list[ox.Quad], base: str) -> Iterator[ox.Quad]:
    """Replace every blank node by its Skolem IRI under ``base`` (the label kept)."""
    prefix = skolem_prefix(base)

    def sk(t: Any) -> Any:
        return ox.NamedNode(prefix + t.value) if isinstance(t, ox.BlankNode) else t

    for q in quads:
        yield ox.Quad(sk(q.subject), q.predicate, sk(q.object), q.graph_name)
