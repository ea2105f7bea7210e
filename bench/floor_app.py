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

import http.client
import io
import os
from collections.abc import Callable, Iterable
from typing import IO, Any, cast
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

_store: ox.Store | None = None
_union = os.environ.get("UNION", "1") != "0"
_upstream = urlsplit(os.environ.get("UPSTREAM", ""))
_conn: http.client.HTTPConnection | None = None


def forward(body: bytes, accept: str) -> tuple[str, str, bytes]:
    """(status line, Content-Type, body) of the upstream's answer to ``body``; the connection is
    kept while the upstream keeps it, and a request on a connection it dropped is sent once more."""
    global _conn
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
    for attempt in (1, 2):
        if _conn is None:
            _conn = http.client.HTTPConnection(_upstream.hostname or "127.0.0.1", _upstream.port or 80, timeout=600)
        try:
            _conn.request("POST", _upstream.path or "/", body=body, headers=headers)
            resp = _conn.getresponse()
            data = resp.read()
        except (http.client.RemoteDisconnected, ConnectionError):
            _conn.close()
            _conn = None
            if attempt == 2:
                raise
            continue
        if resp.will_close:
            _conn.close()
            _conn = None
        return f"{resp.status} {resp.reason}", resp.getheader("Content-Type", "application/octet-stream"), data
    raise AssertionError("unreachable")


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    global _store
    if environ.get("PATH_INFO") == "/h":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    if _upstream.netloc:
        n = int(environ.get("CONTENT_LENGTH") or 0)
        status, mime, body = forward(environ["wsgi.input"].read(n), environ.get("HTTP_ACCEPT", "*/*"))
        start_response(status, [("Content-Type", mime), ("Content-Length", str(len(body)))])
        return [body]
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
