"""/-/health and /-/version."""

from __future__ import annotations

from flask import Response, jsonify

from sistercities import __version__
from sistercities.views.common import site


def health() -> Response:
    s = site()
    ok = s.release is not None and s.store is not None
    return jsonify(status="ok" if ok else "no-build"), (200 if ok else 503)  # type: ignore[return-value]


def version() -> Response:
    rel = site().release
    return jsonify(
        software="sistercities",
        software_version=__version__,
        dataset_version=rel.version if rel else None,
        build_time=rel.build_time if rel else None,
        modified=rel.modified if rel else None,
        triples=rel.triples if rel else None,
    )
