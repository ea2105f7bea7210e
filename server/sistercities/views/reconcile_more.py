"""Reconciliation API (0.2) services beyond matching: suggest, preview, property proposals, data extension.

Thin handlers over :mod:`sistercities.reconcile.suggest`, :mod:`~sistercities.reconcile.preview`,
:mod:`~sistercities.reconcile.properties` and :mod:`~sistercities.reconcile.extend`.  Every answer
carries ``Access-Control-Allow-Origin: *`` (errors too); JSON answers become JSONP with
``callback=``.  Bad input gets 400 (413 for too much) with ``{"status": "error", "message": ...}``.

``extend_response(raw)`` answers a data extension query; the service root ``/reconcile``
(views/reconcile.py) calls it when a request carries ``extend`` (POST form field or query string:
the 0.2 protocol sends data extension there).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Response, render_template, request

from sistercities.conneg import HTML, parse_accept_language
from sistercities.reconcile import extend as ext
from sistercities.reconcile import preview as pv
from sistercities.reconcile import properties, suggest
from sistercities.reconcile.types import Types, types_of
from sistercities.search import LabelIndex
from sistercities.security import CSP
from sistercities.views import resource
from sistercities.views.common import site, urls

JSON = "application/json"
CORS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
             "Access-Control-Allow-Headers": "Content-Type, Accept", "Access-Control-Max-Age": "86400"}
#: A JSONP callback: a JavaScript identifier path (``cb``, ``jQuery123_456``, ``a.b``), nothing else.
CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,80}(?:\.[A-Za-z_$][A-Za-z0-9_$]{0,80}){0,4}")
#: The preview is shown in an <iframe> of the client (OpenRefine's page): it may be framed by anyone.
PREVIEW_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")


class Fail(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _cors(resp: Response) -> Response:
    for k, v in CORS.items():
        resp.headers[k] = v
    return resp


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    callback = request.args.get("callback")
    if callback is not None and not CALLBACK.fullmatch(callback):
        body = json.dumps({"status": "error", "message": "callback must be a JavaScript name (letters, digits, "
                                                         "_ and $, dotted), e.g. callback=jsonp123."})
        status, callback = 400, None
    if callback is not None:  # U+2028/U+2029 are valid in JSON but end a line in older JavaScript
        body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        resp = Response(f"/**/{callback}({body});", status=status, mimetype="application/javascript")
    else:
        resp = Response(body, status=status, mimetype=JSON)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    if status < 400 and request.method in ("GET", "HEAD"):
        resp.headers["Cache-Control"] = f"public, max-age={site().settings['CACHE_MAX_AGE']}"
    return _cors(resp)


def _fail(e: Fail) -> Response:
    return _json({"status": "error", "message": e.message}, e.status, e.headers)


def _preflight() -> Response:
    resp = Response(status=204, headers=PREFLIGHT)
    del resp.headers["Content-Type"]
    return resp


def _store_and_types() -> tuple[resource.Deref, Types]:
    d = resource.deref()
    if d is None:
        raise Fail(503, "No dataset is loaded: run `sistercities build` first.")
    return d, types_of(d.docs.store, d.docs.base)


def _index(d: resource.Deref) -> LabelIndex:
    index = d.labels()
    if index is None:
        raise Fail(503, "The search index is still being built (large datasets take a few seconds after a "
                        "server starts); try again shortly.", {"Retry-After": str(resource.INDEX_RETRY_AFTER)})
    return index


def _arg(name: str) -> str | None:
    v = request.args.get(name)
    if v is not None and "\x00" in v:
        raise Fail(400, f"{name} contains a NUL character.")
    return v


def _page() -> suggest.Page:
    try:
        return suggest.page(_arg("cursor"), _arg("limit"))
    except suggest.BadSuggest as e:
        raise Fail(400, str(e)) from None


def _langs() -> list[str]:
    return parse_accept_language(request.headers.get("Accept-Language"))


# --- suggest ---------------------------------------------------------------------------------
def suggest_entity() -> Response:
    if request.method == "OPTIONS":
        return _preflight()
    try:
        d, types = _store_and_types()
        pg = _page()
        return _json(suggest.entities(_index(d), d.docs.store, types, _arg("prefix"), _arg("type"), pg, _langs()))
    except suggest.BadSuggest as e:
        return _fail(Fail(400, str(e)))
    except Fail as e:
        return _fail(e)


def suggest_type() -> Response:
    if request.method == "OPTIONS":
        return _preflight()
    try:
        _, types = _store_and_types()
        return _json(suggest.types_(types, _arg("prefix"), _page()))
    except suggest.BadSuggest as e:
        return _fail(Fail(400, str(e)))
    except Fail as e:
        return _fail(e)


def suggest_property() -> Response:
    if request.method == "OPTIONS":
        return _preflight()
    try:
        _, types = _store_and_types()
        return _json(suggest.props(types, _arg("prefix"), _arg("type"), _page()))
    except suggest.BadSuggest as e:
        return _fail(Fail(400, str(e)))
    except Fail as e:
        return _fail(e)


# --- data extension ----------------------------------------------------------------------------
def propose_properties() -> Response:
    """``?type=<class>&limit=<n>``: the properties of that type (every property without a type)."""
    if request.method == "OPTIONS":
        return _preflight()
    try:
        _, types = _store_and_types()
        raw_limit = _arg("limit")
        limit = None
        if raw_limit is not None and raw_limit.strip():
            t = raw_limit.strip()
            if not (t.isascii() and t.isdigit()) or not 0 < int(t) <= 1000:
                raise Fail(400, f"limit must be a whole number from 1 to 1000, got {raw_limit[:40]!r}.")
            limit = int(t)
        type_ = _arg("type")
        out: dict[str, Any] = {"properties": properties.proposals(suggest.classes_of(types, type_), types.tw, limit)}
        if type_ is not None:
            out["type"] = type_
        if limit is not None:
            out["limit"] = limit
        return _json(out)
    except Fail as e:
        return _fail(e)


def extend_response(raw: str) -> Response:
    """The answer to the data extension query ``raw`` (the ``extend`` parameter's JSON text)."""
    try:
        d, types = _store_and_types()
        if "\x00" in raw:
            raise Fail(400, "extend contains a NUL character.")
        query = ext.parse(raw)
        return _json(ext.extend(d.docs.store, d.docs.base, types, query))
    except ext.BadExtend as e:
        return _fail(Fail(e.status, str(e)))
    except Fail as e:
        return _fail(e)


# --- preview -----------------------------------------------------------------------------------
def preview() -> Response:
    """``?id=<entity id>``: a small HTML card, for an <iframe>."""
    if request.method == "OPTIONS":
        return _preflight()
    s = site()
    status, card, message = 200, None, ""
    try:
        ident = _arg("id")
        d, types = _store_and_types()
        if ident is None or not ident.strip():
            raise Fail(400, "Missing id: /reconcile/preview?id=<an entity IRI, e.g. "
                            f"{s.settings['BASE_IRI']}id/city/khabarovsk>.")
        iri = ext.local_iri(ident, d.docs.base)
        card = pv.card(d.docs.store, d.docs.base, types, iri, _langs()) if iri else None
        if card is None:
            status, message = 404, f"Nothing is known about {ident[:200]!r}."
    except Fail as e:
        status, message = e.status, e.message
    u = urls(absolute=True)
    body = render_template("reconcile_preview.html", card=card, status=status, message=message,
                           link=u.link, wikidata_url=pv.wikidata_url, root=u.root,
                           version=s.release.version if s.release else "")
    resp = Response(body, status=status, mimetype=HTML)
    resp.headers["Content-Security-Policy"] = PREVIEW_CSP
    resp.headers["Vary"] = "Accept-Language"
    if status == 200:
        resp.headers["Cache-Control"] = f"public, max-age={s.settings['CACHE_MAX_AGE']}"
    return _cors(resp)
