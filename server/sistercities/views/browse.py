"""Lists of things by kind, ``/id/<kind>/``: a thin handler over :mod:`sistercities.browse`.

A trailing-slash list never shadows an IRI: when ``{base}id/<kind>/`` is itself
a known resource, the request is dereferenced like any other ``/id/`` path.
"""

from __future__ import annotations

from flask import Response, current_app, request

from sistercities.browse import KINDS, BadBrowse, Listing, Row, browse
from sistercities.conneg import HTML, parse_accept_language
from sistercities.html.render import render
from sistercities.views import resource
from sistercities.views.common import error, site, urls

SORT_LABELS = {"name": "name", "-name": "name (Z–A)", "date": "date (oldest first)", "-date": "date (newest first)",
               "partners": "most partners", "-partners": "fewest partners"}


def listing(kind: str) -> Response:
    d = resource.deref()
    if d is None:
        return error(503, "No dataset is loaded: run `sistercities build` first.")
    if d.kind(urls().iri_for_path(f"/id/{kind}/")) is not None:  # a real IRI: dereference it
        return resource.thing(f"{kind}/")
    langs = parse_accept_language(request.headers.get("Accept-Language"))
    try:
        b = browse(d.docs.store, d.docs.base, kind, sort=request.args.get("sort"), page=request.args.get("page"),
                   langs=langs, cache=_cache(d.version))
    except BadBrowse as e:
        return error(400, str(e))
    resp = Response(_html(b), mimetype=HTML)
    resp.headers["Vary"] = "Accept-Language"
    resp.headers["Cache-Control"] = f"public, max-age={site().settings['CACHE_MAX_AGE']}"
    return resp


def _cache(version: str) -> dict[tuple[str, str], list[Row]]:
    """The orders of the lists computed by this worker for the release being served."""
    held = current_app.extensions.get("sistercities.browse")
    if held is None or held[0] != version:
        held = current_app.extensions["sistercities.browse"] = (version, {})
    return held[1]  # type: ignore[no-any-return]


def iri(kind: str) -> Response:
    """``/id/city`` (no slash) names an IRI like any other ``/id/`` path, not the list."""
    return resource.thing(kind)


def _href(kind: str, sort: str, page: int = 1) -> str:
    params = {k: v for k, v in (("sort", sort if sort != "name" else None),
                                ("page", str(page) if page > 1 else None)) if v}
    return urls().url(f"id/{kind}/", **params)


def _html(b: Listing) -> str:
    u = urls()
    name = b.kind.name
    sort_links = [(s, SORT_LABELS[s], _href(name, s), s == b.sort)
                  for key in b.sorts for s in ((key, "-" + key) if key != "partners" else (key,))]
    return render("browse.html", u, b=b, link=u.link, sort_links=sort_links, sort_label=SORT_LABELS[b.sort],
                  others=[(k.title.lower(), _href(k.name, "name")) for k in KINDS.values() if k.name != name],
                  prev_href=_href(name, b.sort, b.page - 1) if b.page > 1 else None,
                  next_href=_href(name, b.sort, b.page + 1) if b.page < b.last else None)
