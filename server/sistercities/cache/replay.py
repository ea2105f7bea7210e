"""Replay: a repeated SPARQL GET answered from this worker's memory before Flask is entered.

A hit in the result cache still cost a full Flask request (routing, the protocol parser, the
safety tokenizer, content negotiation, the after-request hooks): ~0.25 ms of Python, which on
this machine holds a worker to ~0.15x of the Oxigraph server on a trivial lookup.  A bare WSGI
callable reaches ~0.25x (bench/floor_app.py).  :class:`Replay` is that callable in front of
the application: it keeps the *complete* answers Flask gave to ``GET /sparql`` (status line,
every header the app and its hooks wrote, body) keyed by everything in the request that an
answer can depend on, and sends them again byte for byte, with ``X-Cache: hit-local`` as
the application itself says for an answer from this worker's memory.

What it keeps: only ``200`` answers the application marked as cache hits or misses of its
result cache (``X-Cache``) with ``Cache-Control: public`` and a strong ``ETag`` -- so never
an error, a timeout, a refusal or an HTML page -- and that the application did not mark
:data:`NOT_REPLAYED` (a result it writes to the shared cache only when asked again,
``SHARED_CACHE_ADMIT``); bounded in bytes (least recently used go).
What it never answers: anything but ``GET /sparql?…``, a conditional request (the
application answers ``If-None-Match`` itself, cheaply), any request while ``version()`` says
no release has been confirmed (a remote store's manifest is re-read inside Flask: the
replay steps aside until it has been), and nothing when per-client rate limits are on (each
request must be counted).  The release version is part of the key, so a new release never
replays an old answer.  Never imports Flask.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

#: Request headers (WSGI names) an answer of /sparql may depend on, besides the query string.
#: (Not X-Forwarded-For: the client's address changes no answer, only rate limits, and with
#: those on nothing is replayed.)
KEY_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_HOST", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
               "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_ORIGIN")
STORED_STATES = frozenset({"hit-local", "hit-shared", "miss"})
#: Set (to True) in the WSGI environ by the application for an answer the replay must not keep:
#: a result the worker holds back from the shared cache until it is asked again
#: (``SHARED_CACHE_ADMIT``), which a replayed answer would never let the application see.
NOT_REPLAYED = "sistercities.not_replayed"
PATH = "/sparql"

Answer = tuple[str, list[tuple[str, str]], bytes]


class Replay:
    """WSGI middleware around ``app`` (see the module docstring)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], version: Callable[[], str | None], *,
                 max_bytes: int, max_entry: int | None = None) -> None:
        self.app = app
        self.version = version
        self.max_bytes = max_bytes
        self.max_entry = max_entry if max_entry is not None else max_bytes // 4
        self._data: OrderedDict[tuple[str | None, ...], Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.replayed = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
                self.replayed += 1
        if found is not None:
            status, headers, body = found
            start_response(status, headers)
            return [body]
        return self._pass(key, environ, start_response)

    def _key(self, environ: dict[str, Any]) -> tuple[str | None, ...] | None:
        if (environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != PATH
                or not environ.get("QUERY_STRING") or "HTTP_IF_NONE_MATCH" in environ
                or "HTTP_IF_MATCH" in environ):
            return None
        version = self.version()
        if version is None:
            return None
        return (version, environ.get("SCRIPT_NAME", ""), environ.get("wsgi.url_scheme", ""),
                environ["QUERY_STRING"], *(environ.get(h) for h in KEY_HEADERS))

    def _pass(self, key: tuple[str | None, ...], environ: dict[str, Any],
              start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen: dict[str, Any] = {}

        def record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.app(environ, record)
        headers = seen.get("headers")
        if (not seen.get("status", "").startswith("200 ") or headers is None or not _storable(headers)
                or environ.get(NOT_REPLAYED)):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if len(body) <= self.max_entry:
            stored = [(k, "hit-local" if k.lower() == "x-cache" else v) for k, v in headers]
            self._put(key, (seen["status"], stored, body))
        return [body]

    def _put(self, key: tuple[str | None, ...], answer: Answer) -> None:
        size = len(answer[2])
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= len(old[2])
            self._data[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes and self._data:
                _, gone = self._data.popitem(last=False)
                self._bytes -= len(gone[2])

    def __len__(self) -> int:
        return len(self._data)


def _storable(headers: list[tuple[str, str]]) -> bool:
    h = {k.lower(): v for k, v in headers}
    return (h.get("x-cache") in STORED_STATES and "public" in h.get("cache-control", "")
            and h.get("etag", "").startswith('"') and not h.get("content-type", "").startswith("text/html")
            and "set-cookie" not in h)
