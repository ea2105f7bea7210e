"""The remote store's HTTP client (sistercities.store.http) over real loopback sockets.

Kept-alive connections (Content-Length, chunked, close-delimited and Connection: close
answers), decoded gzip/deflate bodies, part-read answers, and what each way a store can fail
becomes: refused, dropped, silent, not HTTP, broken off.  A property test sends arbitrary
bytes as a store's answer through RemoteStore: it must say the store is unavailable or
refused, never raise anything else.
"""

from __future__ import annotations

import gzip
import http.client
import http.server
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import free_port, loopback_http
from sistercities.store import RemoteStore, StoreError, StoreUnavailable
from sistercities.store.http import BrokenAnswer, Client, ConnectFailed, ConnectTimeout, Dropped, ReadTimeout

BODY = b'{ "head": {}, "boolean": true }'


class _Echo(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1, kept alive; the path picks the answer: /length, /chunked, /close, /gzip, /deflate,
    /big (1 MiB, Content-Length); every request is recorded as (client port, method, path, headers, body)."""

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.client_address[1], self.command, self.path,  # type: ignore[attr-defined]
                                 dict(self.headers), body))
        path = self.path.split("?")[0]
        data = b"x" * (1 << 20) if path == "/big" else BODY
        if path == "/gzip":
            data, coding = gzip.compress(BODY), "gzip"
        elif path == "/deflate":
            data, coding = zlib.compress(BODY), "deflate"
        else:
            coding = ""
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json; charset=utf-8")
        if coding:
            self.send_header("Content-Encoding", coding)
        if path == "/close":
            self.send_header("Connection", "close")
            self.close_connection = True
        if path == "/chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (data[:5], data[5:]):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *a: object) -> None:
        pass


@pytest.fixture()
def echo() -> Iterator[tuple[http.server.ThreadingHTTPServer, str]]:
    with loopback_http(_Echo) as (srv, root):
        srv.seen = []  # type: ignore[attr-defined]
        yield srv, root


def _ports(srv: http.server.ThreadingHTTPServer) -> set[int]:
    return {s[0] for s in srv.seen}  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/length", "/chunked", "/gzip", "/deflate"])
def test_one_connection_serves_request_after_request(echo: tuple[http.server.ThreadingHTTPServer, str],
                                                     path: str) -> None:
    srv, root = echo
    c = Client()
    for _ in range(5):
        assert c.request("POST", root + path, data=b"q").content == BODY
        r = c.request("GET", root + path, stream=True)
        assert r.read() == BODY  # streamed, read to the end
        r.close()
    assert len(srv.seen) == 10 and len(_ports(srv)) == 1  # type: ignore[attr-defined]
    c.close()


def test_an_answer_that_closes_the_connection_gets_a_new_one_next(echo: tuple[http.server.ThreadingHTTPServer, str]) -> None:
    srv, root = echo
    c = Client()
    for _ in range(3):
        assert c.request("GET", root + "/close").content == BODY
    assert len(_ports(srv)) == 3


def test_a_part_read_answer_drops_its_connection_and_the_next_request_works(
        echo: tuple[http.server.ThreadingHTTPServer, str]) -> None:
    srv, root = echo
    c = Client()
    r = c.request("GET", root + "/big", stream=True)
    assert len(r.read1(1000)) <= 1000
    r.close()  # the rest is not read: that connection cannot carry another request
    assert c.request("GET", root + "/length").content == BODY
    assert len(_ports(srv)) == 2


def test_form_fields_params_and_headers_are_sent(echo: tuple[http.server.ThreadingHTTPServer, str]) -> None:
    srv, root = echo
    c = Client({"X-Extra": "1"}, auth=("alice", "pa:ss"))
    c.request("POST", root + "/length?a=1", params={"graph": "urn:g 1"}, data={"query": "ASK {}", "x": "é&"})
    c.request("PUT", root + "/length", data=b"<a> <b> <c> .", headers={"Content-Type": "application/n-triples"})
    (_, method, path, headers, body), (_, put, _, put_headers, put_body) = srv.seen  # type: ignore[attr-defined]
    assert (method, path) == ("POST", "/length?a=1&graph=urn%3Ag+1")
    assert body == b"query=ASK+%7B%7D&x=%C3%A9%26"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert headers["Authorization"] == "Basic YWxpY2U6cGE6c3M="
    assert headers["X-Extra"] == "1" and headers["User-Agent"].startswith("sistercities/")
    assert (put, put_body, put_headers["Content-Type"]) == ("PUT", b"<a> <b> <c> .", "application/n-triples")


def test_text_uses_the_answer_charset(echo: tuple[http.server.ThreadingHTTPServer, str]) -> None:
    _, root = echo
    r = Client().request("GET", root + "/length")
    assert r.text == BODY.decode() and r.status_code == 200 and r.headers.get("content-type", "").startswith("application")


def test_refused_and_unknown_hosts() -> None:
    with pytest.raises(ConnectFailed, match="connection refused"):
        Client().request("GET", f"http://127.0.0.1:{free_port()}/")
    with pytest.raises(ConnectFailed, match="unknown host"):
        Client().request("GET", "http://no-such-host.invalid/")
    with pytest.raises(ConnectFailed, match="not an http"):
        Client().request("GET", "ftp://127.0.0.1/")


@contextmanager
def _raw(answer: bytes | None, *, wait: float = 0) -> Iterator[str]:
    """A loopback 'store' that reads each request's head and then sends ``answer`` and closes
    (``None``: closes without a byte; ``wait``: sleeps first)."""
    lsock = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        lsock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = lsock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                got = b""
                while b"\r\n\r\n" not in got:
                    part = conn.recv(65536)
                    if not part:
                        break
                    got += part
                if wait:
                    stop.wait(wait)
                if answer:
                    conn.sendall(answer)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{lsock.getsockname()[1]}/sparql"
    finally:
        stop.set()
        t.join()
        lsock.close()


def test_each_way_a_store_fails_has_its_own_error() -> None:
    with _raw(None) as url, pytest.raises(Dropped):
        Client().request("POST", url, data=b"query=x")
    with _raw(b"hello\r\n") as url, pytest.raises(BrokenAnswer):
        Client().request("POST", url, data=b"query=x")
    with _raw(b"", wait=3) as url:
        started = time.monotonic()
        with pytest.raises(ReadTimeout):
            Client().request("POST", url, data=b"query=x", timeout=(5, 0.5))
        assert time.monotonic() - started < 2.5
    broken = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"  # then the connection closes
    with _raw(broken) as url:
        r = Client().request("POST", url, data=b"query=x", stream=True)
        with pytest.raises(http.client.IncompleteRead):  # RemoteStore.read_body: "broke off its answer"
            r.read()
        r.close()


def test_a_connect_timeout_is_its_own_error() -> None:
    # a listening socket whose backlog is full does not complete new handshakes
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(0)
    port = lsock.getsockname()[1]
    held = []
    try:
        for _ in range(4):  # fill the backlog
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            held.append(s)
        time.sleep(0.2)
        started = time.monotonic()
        with pytest.raises(ConnectTimeout, match=r"no connection within 0\.3 s"):
            Client().request("GET", f"http://127.0.0.1:{port}/", timeout=(0.3, 5))
        assert time.monotonic() - started < 2
    finally:
        for s in held:
            s.close()
        lsock.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.binary(max_size=300),
    st.builds(lambda status, headers, body: b"HTTP/1.1 %d X\r\n%s\r\n%s" % (status, headers, body),
              st.integers(min_value=100, max_value=999),
              st.lists(st.sampled_from([b"Content-Length: 5\r\n", b"Content-Length: -1\r\n", b"Content-Length: x\r\n",
                                        b"Transfer-Encoding: chunked\r\n", b"Content-Encoding: gzip\r\n",
                                        b"Content-Encoding: deflate\r\n", b"Content-Type: application/json\r\n",
                                        b"Content-Type: text/plain; charset=nonsense\r\n", b"Connection: close\r\n",
                                        b"X-SQL-State: 37000\r\n", b"Server: Virtuoso/07\r\n", b"\xff\xfe: \x00\r\n"]),
                       max_size=4).map(b"".join),
              st.binary(max_size=200))))
def test_whatever_a_store_sends_is_an_outage_or_a_refusal(answer: bytes) -> None:
    with _raw(answer) as url:
        for dialect in ("standard", "auto"):
            from sistercities.store import DIALECTS

            store = RemoteStore(url, creds={}, timeout=2, dialect=DIALECTS[dialect]())
            try:
                store.ask("ASK {}")
            except (StoreUnavailable, StoreError):
                pass
            finally:
                store.close()
