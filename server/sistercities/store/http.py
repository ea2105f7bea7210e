"""The remote store's HTTP/1.1 client: kept-alive connections per thread, on :mod:`http.client`.

What :class:`~sistercities.store.remote.RemoteStore` needs of HTTP and nothing more: one
request at a time per thread, each thread keeping its connection to the store alive between
requests; a connect timeout and a read timeout; the body read as it arrives (chunked or not,
gzip/deflate decoded); no proxies, no ``.netrc``, no cookies, no redirects.  The standard
library does the protocol (request line, headers, chunked transfer); this module adds the
pooling, the timeouts and errors that say what happened.

Why not requests: a query to the Oxigraph server on loopback took 0.84 ms through a
``requests.Session``, 0.41 ms through urllib3's pool and 0.27 ms through ``http.client``
(median of 2,000 alternating ``ASK {}``; 1.22 / 0.71 / 0.56 ms with the 42 dataset fields of a
served release): the session's merging and preparing, urllib3's response wrapper and
``requests``' hooks ran on every query, and on two cores that time is taken from the store.

Errors (all :class:`HTTPFailure`): :class:`ConnectTimeout` (no connection within the connect
timeout), :class:`ConnectFailed` (refused, unknown host, reset while connecting),
:class:`Dropped` (the connection was closed or reset before any answer: what a store that
closes an idle kept-alive connection at the moment a request goes out on it looks like),
:class:`ReadTimeout` (no byte within the read timeout), :class:`BrokenAnswer` (an answer that
is not HTTP, or that broke off).  Each carries ``reason``, a few words without the URL.
Never imports Flask.
"""

from __future__ import annotations

import base64
import http.client
import socket
import urllib.parse
import zlib
from collections.abc import Mapping
from email.message import Message
from typing import Any

from sistercities import __version__

#: Sent with every request (a store's log then names who asked).
USER_AGENT = f"sistercities/{__version__}"
#: Largest body :attr:`Response.text` reads (an error message; answers are read with :meth:`Response.read1`).
TEXT_LIMIT = 1 << 20
_DECODED_STEP = 1 << 20  # a compressed chunk is inflated at most this much at a time


class HTTPFailure(Exception):
    """A request that got no usable answer; ``reason`` says why in a few words (never the URL)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConnectTimeout(HTTPFailure):
    pass


class ConnectFailed(HTTPFailure):
    pass


class Dropped(HTTPFailure):
    pass


class ReadTimeout(HTTPFailure):
    pass


class BrokenAnswer(HTTPFailure):
    pass


#: What reading an answer's body can raise when the store breaks off or sends nonsense.
READ_ERRORS = (http.client.HTTPException, OSError, ValueError, zlib.error)

_DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


def _connect_reason(e: OSError) -> str:
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    if isinstance(e, socket.gaierror):
        return "unknown host"
    if isinstance(e, ConnectionResetError):
        return "connection reset"
    return "connection failed"


class Response:
    """A store's answer: status, headers (case-insensitive ``headers.get``), the body by
    :meth:`read1` as it arrives, or whole as :attr:`content` / :attr:`text`.  :meth:`close`
    gives the connection back for the next request when the body was read to its end, and
    closes it otherwise."""

    def __init__(self, raw: http.client.HTTPResponse, url: str, release: Any) -> None:
        self._raw = raw
        self._release = release  # callable(keep: bool): the client takes the connection back or drops it
        self.url = url
        self.status_code = raw.status
        self.reason = raw.reason
        self.headers: Message = raw.msg
        self._content: bytes | None = None
        coding = (raw.getheader("Content-Encoding") or "").strip().lower()
        wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}.get(coding)
        self._inflate = zlib.decompressobj(wbits) if wbits else None

    def read1(self, n: int = 1 << 16) -> bytes:
        """Up to about ``n`` bytes of the (decoded) body as they arrive; b"" at its end."""
        d = self._inflate
        if d is not None and d.unconsumed_tail:
            return d.decompress(d.unconsumed_tail, _DECODED_STEP)
        while True:
            chunk = self._raw.read1(n)
            if d is None or not chunk:
                if not chunk and d is not None:
                    return d.flush()
                return chunk
            out = d.decompress(chunk, _DECODED_STEP)
            if out:
                return out

    def read(self, limit: int = 0) -> bytes:
        """The rest of the body (with ``limit``, at most about that many bytes)."""
        buf = bytearray()
        while chunk := self.read1():
            buf += chunk
            if limit and len(buf) >= limit:
                break
        return bytes(buf)

    @property
    def content(self) -> bytes:
        if self._content is None:
            self._content = self.read()
        return self._content

    @property
    def text(self) -> str:
        """The body as text (the charset of its Content-Type, else UTF-8), at most TEXT_LIMIT bytes of it."""
        if self._content is None:
            self._content = self.read(TEXT_LIMIT)
        charset = self.headers.get_content_charset() or "utf-8"
        try:
            return self._content.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return self._content.decode("utf-8", errors="replace")

    def close(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            # read to its end: http.client closes a chunked or close-delimited body there, but
            # leaves one with a Content-Length open with nothing left to read
            done = self._raw.isclosed() or self._raw.length == 0
            release(done and not self._raw.will_close)
            self._raw.close()


class Client:
    """HTTP for one thread: at most one kept-alive connection per origin, reused while the
    server keeps it open; ``headers`` go with every request, ``auth`` is (user, password)
    for HTTP basic."""

    def __init__(self, headers: Mapping[str, str] | None = None, auth: tuple[str, str] | None = None) -> None:
        self.headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", "Accept": "*/*",
                        **(headers or {})}
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            self.headers["Authorization"] = "Basic " + token
        self._idle: dict[tuple[str, str, int], http.client.HTTPConnection] = {}

    def request(self, method: str, url: str, *, params: Mapping[str, str] | None = None, data: Any = None,
                headers: Mapping[str, str] | None = None, timeout: tuple[float, float] = (5.0, 30.0),
                stream: bool = False) -> Response:
        """Send one request; the answer with its body still to read (``stream``) or read whole.
        ``data``: bytes, text, or form fields (a mapping or a list of pairs, form-encoded)."""
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ConnectFailed("not an http(s) URL")
        try:
            port = u.port or (443 if u.scheme == "https" else 80)
        except ValueError:
            raise ConnectFailed("not a valid port") from None
        origin = (u.scheme, u.hostname, port)
        target = (u.path or "/") + (f"?{u.query}" if u.query else "")
        if params:
            target += ("&" if u.query else "?") + urllib.parse.urlencode(params)
        hdrs = {**self.headers, **(headers or {})}
        body = _body(data, hdrs)  # http.client adds Content-Length
        conn = self._idle.pop(origin, None)
        if conn is None:
            conn = _connect(origin, timeout[0])
        try:
            assert conn.sock is not None
            conn.sock.settimeout(timeout[1])
            conn.request(method, target, body=body, headers=hdrs)
            raw = conn.getresponse()
        except BaseException as e:
            conn.close()
            raise _failure(e) from None

        def release(keep: bool) -> None:
            if keep:
                old = self._idle.pop(origin, None)
                if old is not None:
                    old.close()
                self._idle[origin] = conn
            else:
                conn.close()

        resp = Response(raw, url, release)
        if not stream:
            try:
                resp._content = resp.read()
            except BaseException as e:
                resp.close()
                raise _failure(e) from None
            resp.close()
        return resp

    def close(self) -> None:
        for conn in self._idle.values():
            conn.close()
        self._idle.clear()


def _connect(origin: tuple[str, str, int], timeout: float) -> http.client.HTTPConnection:
    scheme, host, port = origin
    cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    conn = cls(host, port, timeout=timeout)
    try:
        conn.connect()  # http.client sets TCP_NODELAY on the socket
    except TimeoutError:
        conn.close()
        raise ConnectTimeout(f"no connection within {timeout:g} s") from None
    except OSError as e:
        conn.close()
        raise ConnectFailed(_connect_reason(e)) from None
    return conn


def _failure(e: BaseException) -> BaseException:
    if isinstance(e, TimeoutError):
        return ReadTimeout("no answer in time")
    if isinstance(e, _DROPPED):
        return Dropped("connection closed by the store" if isinstance(e, http.client.RemoteDisconnected)
                       else "connection reset")
    if isinstance(e, (http.client.HTTPException, zlib.error, ValueError)):
        return BrokenAnswer(f"a broken answer ({type(e).__name__})")
    if isinstance(e, OSError):
        return ConnectFailed(_connect_reason(e))
    return e  # KeyboardInterrupt, SystemExit, a worker being stopped: not ours to rename


_FORM = "application/x-www-form-urlencoded"


def _body(data: Any, headers: dict[str, str]) -> bytes | None:
    if data is None:
        return None
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, Mapping):
        data = list(data.items())
    if not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = _FORM
    return urllib.parse.urlencode(list(data)).encode("ascii")

