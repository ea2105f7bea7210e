"""The floor of a Python SPARQL server on this machine: the least a gunicorn handler can do.

A bare WSGI callable (no Flask, no checks, no timeout, no size limit, no network isolation) that
runs the form-encoded query in-process on the read-only pyoxigraph store and returns the bytes.
It is not something to serve (it has none of the endpoint's safety); the benchmark runs it beside
our server and the Oxigraph server to show what any Python handler under gunicorn can reach here.

    STORE=path/to/store gunicorn -w 2 bench.floor_app:app   (POST /q or GET /q?query=..., GET /h)

The query reads the union of the store's graphs, as ``oxigraph serve-read-only --union-default-graph``
does; with ``UNION=0`` the store's own default graph, as ``sistercities serve`` and the Oxigraph server
without that flag do (the build writes the union there, each triple once), so its answers are ours.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable
from typing import IO, Any, cast
from urllib.parse import parse_qs

import pyoxigraph as ox

from sistercities.store.http import Client, Dropped, Response

_store: ox.Store | None = None
_union = os.environ.get("UNION", "1") != "0"
_upstream = os.environ.get("UPSTREAM", "")
_client: Client | None = None  # sync workers: one thread each, so one client (one kept-alive connection)


def forward(body: bytes, accept: str) -> Response:
    """The upstream's answer to ``body``, through the remote backend's own HTTP client (its kept-alive
    connection per thread); a request on a connection the upstream had dropped is sent once more."""
    global _client
    if _client is None:
        _client = Client()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
    try:
        return _client.request("POST", _upstream, data=body, headers=headers, timeout=(5.0, 600.0))
    except Dropped:
        return _client.request("POST", _upstream, data=body, headers=headers, timeout=(5.0, 600.0))


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    global _store
    if environ.get("PATH_INFO") == "/h":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    if _upstream:
        n = int(environ.get("CONTENT_LENGTH") or 0)
        resp = forward(environ["wsgi.input"].read(n), environ.get("HTTP_ACCEPT", "*/*"))
        mime = resp.headers.get("Content-Type", "application/octet-stream")
        start_response(f"{resp.status_code} {resp.reason}", [("Content-Type", mime),
                                                             ("Content-Length", str(len(resp.content)))])
        return [resp.content]
    if _store is None:
        _store = ox.Store.read_only(os.environ["STORE"])
    if environ.get("REQUEST_METHOD") == "GET":  # GET /q?query=... (the cache-tier bench sends GET)
        query = parse_qs(environ.get("QUERY_STRING", ""))["query"][0]
    else:
        n = int(environ.get("CONTENT_LENGTH") or 0)
        query = parse_qs(environ["wsgi.input"].read(n).decode())["query"][0]
    res = _store.query(query, use_default_graph_as_union=_union)
    out = io.BytesIO()
    if isinstance(res, ox.QueryTriples):
        mime = "application/n-triples"
        res.serialize(cast(IO[bytes], out), format=ox.RdfFormat.N_TRIPLES)
    else:
        mime = "application/sparql-results+json"
        res.serialize(cast(IO[bytes], out), format=ox.QueryResultsFormat.JSON)
    body = out.getvalue()
    start_response("200 OK", [("Content-Type", mime), ("Content-Length", str(len(body)))])
    return [body]
