"""/-/health and /-/version."""

from __future__ import annotations

from flask import Response, jsonify

from sistercities import __version__
from sistercities.release import Release
from sistercities.store import RemoteStore, StoreError
from sistercities.views.common import site


def health() -> Response:
    """ok (200); no-build or store-unreachable (503), the latter with a message and Retry-After.
    A remote store is asked a trivial query on every probe."""
    s = site()
    if isinstance(s.store, RemoteStore):
        try:
            s.store.ask("ASK {}")
        except StoreError as e:
            resp = jsonify(status="store-unreachable", message=str(e))
            resp.status_code = 503
            resp.headers["Retry-After"] = "10"
            return resp
    ok = s.release is not None and s.store is not None
    return jsonify(status="ok" if ok else "no-build"), (200 if ok else 503)  # type: ignore[return-value]


def counts(rel: Release | None) -> tuple[int | None, int | None]:
    """(quads, distinct triples) of a release.

    The store holds quads: the same triple stated in two named graphs is two quads.  The manifest's
    top-level ``triples`` is that quad count (``len(store)``); ``stats.triples`` is the number of
    distinct triples over all graphs, which is what the dumps' triple formats hold."""
    if rel is None:
        return None, None
    quads = rel.triples
    distinct = (rel.manifest.get("stats") or {}).get("triples")
    return quads, int(distinct) if distinct is not None else None


def version() -> Response:
    rel = site().release
    quads, triples = counts(rel)
    return jsonify(
        software="sistercities",
        software_version=__version__,
        dataset_version=rel.version if rel else None,
        build_time=rel.build_time if rel else None,
        modified=rel.modified if rel else None,
        quads=quads,  # statements in the store, one per (triple, named graph)
        triples=triples,  # distinct triples over all named graphs
    )


def favicon() -> Response:
    """/favicon.ico: the site's SVG icon (pages link /static/favicon.svg; this answers clients that ask anyway)."""
    from pathlib import Path

    svg = (Path(__file__).resolve().parent.parent / "static" / "favicon.svg").read_bytes()
    resp = Response(svg, mimetype="image/svg+xml")
    resp.headers["Cache-Control"] = f"public, max-age={site().settings['CACHE_MAX_AGE']}"
    return resp
