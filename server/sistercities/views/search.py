"""``/search``: labels and Wikidata/GeoNames ids, paged and filtered by type (:mod:`sistercities.search`).

The label index is the one :class:`sistercities.views.resource.Deref` builds per worker.
"""

from __future__ import annotations

from flask import Response, jsonify, request
from markupsafe import escape

from sistercities.conneg import HTML, negotiate, parse_accept_language
from sistercities.search import SEARCH_TYPES, BadQuery, Hit, Results
from sistercities.views import resource
from sistercities.views.common import error, site, urls

JSON = "application/json"


def search() -> Response:
    d = resource.deref()
    if d is None:
        return error(503, "No dataset is loaded: run `sistercities build` first.")
    fmt = (request.args.get("format") or "").lower()
    as_json = fmt == "json" or (not fmt and negotiate(request.headers.get("Accept"), [HTML, JSON]) == JSON)
    langs = parse_accept_language(request.headers.get("Accept-Language"))
    q = request.args.get("q")
    results: Results | None = None
    if q is None and as_json:
        return error(400, "Missing query: /search?q=<some letters of a name>.")
    page = resource._page()
    if isinstance(page, Response):
        return page
    kind = request.args.get("type")
    if kind is not None and kind not in SEARCH_TYPES:
        return error(400, f"Unknown type {kind[:40]!r}: use one of {', '.join(SEARCH_TYPES)}.")
    if q is not None:
        index = d.labels()
        if index is None:
            return error(503, "The search index is still being built (large datasets take a few seconds "
                              "after a server starts); try again shortly.", {"Retry-After": str(resource.INDEX_RETRY_AFTER)})
        try:
            results = index.query(q, langs=langs, page=page, type=kind or None)
        except BadQuery as e:
            return error(400, str(e))
    hits = results.hits if results else []
    if as_json:
        absolute = urls(absolute=True)
        resp = jsonify([{"iri": h.iri, "label": h.label, "alt_labels": h.alt_labels, "types": h.types,
                         "kind": h.kind, "score": h.score, "url": absolute.link(h.iri)} for h in hits])
        if results is not None:
            resp.headers["X-Total-Count"] = str(results.total)
            links = _search_links(results)
            if links:
                resp.headers["Link"] = links
    else:
        resp = Response(_search_html(q or "", hits, langs, results), mimetype=HTML)
    resp.headers["Vary"] = "Accept, Accept-Language"
    resp.headers["Cache-Control"] = f"public, max-age={site().settings['CACHE_MAX_AGE']}"
    return resp


def _search_links(r: Results) -> str:
    """``Link`` header of a page of results: next and prev pages (same query, type and format)."""
    args = {k: v for k, v in request.args.items() if k != "page"}
    rels = ([("prev", r.page - 1)] if r.page > 1 else []) + ([("next", r.page + 1)] if r.page < r.last else [])
    return ", ".join(f'<{urls(absolute=True).url("search", **args, **({"page": str(n)} if n > 1 else {}))}>; rel="{rel}"'
                     for rel, n in rels)


def _search_html(q: str, hits: list[Hit], langs: list[str], results: Results | None = None) -> str:
    render_search = resource._html_function("render_search")
    if render_search is not None:
        return str(render_search(q, hits, urls=urls(), langs=langs, results=results))
    u = urls()
    items = "".join(f'<li><a href="{escape(u.link(h.iri))}">{escape(h.label)}</a></li>' for h in hits)
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Search</title></head><body>'
            f'<form action="/search"><input name="q" value="{escape(q)}"><button>Search</button></form>'
            f"<ol>{items}</ol></body></html>")
