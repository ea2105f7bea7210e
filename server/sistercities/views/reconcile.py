"""``/reconcile``: the W3C Reconciliation Service API 0.2 endpoint (thin view over :mod:`sistercities.reconcile`).

* ``GET /reconcile`` (no parameters): the service manifest, JSONP with ``callback=``;
* ``queries=`` (POST form field, the way OpenRefine sends it, or GET parameter; a JSON body
  ``{"queries": …}`` too): a reconciliation result batch;  ``query=``: one query, its result;
* ``extend=``: a data extension batch, answered by :func:`sistercities.views.reconcile_more.extend_response`.

Every answer carries ``Access-Control-Allow-Origin: *``; errors are JSON ``{"status": "error", "message"}``
with 400 (bad batch), 413 (too large) or 503 (no data / index still being built), never 500.
The suggest, preview and property-proposal views live in :mod:`sistercities.views.reconcile_more`.
"""

from __future__ import annotations

import importlib
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from flask import Response, request
from werkzeug.exceptions import HTTPException

from sistercities import __version__
from sistercities.reconcile import manifest as manifest_mod
from sistercities.reconcile.index import MatchIndex, match_index
from sistercities.reconcile.match import reconcile as run_query
from sistercities.reconcile.requests import BadRequest, parse_batch
from sistercities.reconcile.types import types_of
from sistercities.views import resource
from sistercities.views.common import site, urls

JSON = "application/json"
CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]{0,63}")
CORS = {"Access-Control-Allow-Origin": "*"}


def cors(resp: Response) -> Response:
    for k, v in CORS.items():
        resp.headers[k] = v
    return resp


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    resp = Response(json.dumps({"status": "error", "message": message}, ensure_ascii=False) + "\n",
                    status=status, mimetype=JSON)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return cors(resp)


def answer(data: Any, callback: str | None = None) -> Response:
    """JSON (or JSONP when a valid ``callback`` is given), with CORS."""
    body = json.dumps(data, ensure_ascii=False)
    if callback:  # U+2028/U+2029 are valid in JSON but end a line in older JavaScript
        body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        return cors(Response(f"/**/{callback}({body});", mimetype="application/javascript"))
    return cors(Response(body, mimetype=JSON))


def index() -> MatchIndex | Response:
    """The match index of this worker, or the error answer when there is none yet."""
    d = resource.deref()
    if d is None:
        return json_error(503, "No dataset is loaded: run `sistercities build` first.")
    labels = d.labels()
    if labels is None:
        return json_error(503, "The search index is still being built (large datasets take a few seconds "
                               "after a server starts); try again shortly.",
                          {"Retry-After": str(resource.INDEX_RETRY_AFTER)})
    idx = match_index(labels, d.docs.store, wait=resource.INDEX_WAIT)
    if idx is None:
        return json_error(503, "The reconciliation index is still being built; try again shortly.",
                          {"Retry-After": str(resource.INDEX_RETRY_AFTER)})
    return idx


def service_url() -> str:
    return urls(absolute=True).url(manifest_mod.PATH)


def params() -> dict[str, str] | Response:
    """The request's parameters: URL query, form body or JSON body (decoded as UTF-8)."""
    try:
        out = {k: v for k, v in request.args.items()}
        if request.method == "POST":
            if request.mimetype == JSON:
                raw = request.get_data(cache=True)
                try:
                    body = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    return json_error(400, "The JSON body is not UTF-8.")
                except (ValueError, RecursionError):
                    return json_error(400, "The JSON body is not valid JSON.")
                if isinstance(body, dict) and set(body) <= {"queries", "extend", "callback"} and body:
                    for k, v in body.items():
                        out[k] = v if isinstance(v, str) else json.dumps(v)
                else:
                    out["queries"] = json.dumps(body)
            elif request.mimetype == "application/x-www-form-urlencoded" or not request.mimetype:
                # parsed here, strictly: werkzeug drops a form with non-UTF-8 bytes without a word
                try:
                    text = request.get_data(cache=True).decode("utf-8")
                    pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                                      max_num_fields=20)
                except UnicodeDecodeError:
                    return json_error(400, "The form body is not UTF-8 (percent-encode the UTF-8 bytes of queries).")
                except ValueError:
                    return json_error(400, "The form body has too many fields.")
                out.update(pairs)
            else:
                out.update({k: v for k, v in request.form.items()})
    except HTTPException as e:  # 413 from MAX_CONTENT_LENGTH, a broken form body
        return json_error(e.code or 400, _too_large() if e.code == 413 else (e.description or e.name))
    return out


def _too_large() -> str:
    return (f"The request is larger than {site().settings['MAX_REQUEST_BYTES']} bytes (MAX_REQUEST_BYTES): "
            "send fewer queries per batch.")


def reconcile() -> Response:
    if request.method == "OPTIONS":
        resp = cors(Response(status=204))
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
        resp.headers["Access-Control-Max-Age"] = "86400"
        return resp
    p = params()
    if isinstance(p, Response):
        return p
    callback = p.get("callback")
    if callback is not None and not CALLBACK.fullmatch(callback):
        return json_error(400, "callback must be a JavaScript name: letters, digits, _, $ and dots, "
                               "at most 64 characters, not starting with a digit.")
    if "extend" in p:
        try:
            more = importlib.import_module("sistercities.views.reconcile_more")
        except ModuleNotFoundError as e:
            if e.name != "sistercities.views.reconcile_more":
                raise
            more = None
        extend_response = getattr(more, "extend_response", None)
        if extend_response is None:
            return json_error(501, "Data extension is not available in this version.")
        return cors(extend_response(p["extend"]))
    if "queries" not in p and "query" not in p:
        if request.method == "POST":
            return json_error(400, "Nothing to do: POST a form field queries (a reconciliation query batch) "
                                   "or extend (a data extension query); GET /reconcile gives the manifest.")
        return _manifest(callback)
    idx = index()
    if isinstance(idx, Response):
        return idx
    try:
        if "queries" in p:
            batch = parse_batch(p["queries"], idx.types)
            return answer({q.id: {"result": run_query(idx, q)} for q in batch}, callback)
        (q,) = parse_batch(p["query"], idx.types, single=True)
        return answer({"result": run_query(idx, q)}, callback)
    except BadRequest as e:
        return json_error(e.status, str(e))


def _manifest(callback: str | None) -> Response:
    s = site()
    if s.store is None:
        return json_error(503, "No dataset is loaded: run `sistercities build` first.")
    base = s.settings["BASE_IRI"]
    m = manifest_mod.manifest(service_url(), base, types_of(s.store, base), name=str(s.settings["TITLE"]),
                              version=__version__)
    resp = answer(m, callback)
    resp.headers["Cache-Control"] = f"public, max-age={s.settings['CACHE_MAX_AGE']}"
    return resp
