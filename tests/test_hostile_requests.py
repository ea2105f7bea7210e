"""Property-based tests over the whole request surface of the real app (issue 9).

Hypothesis generates requests for every rule of the route table — paths with any
code points, valid and broken percent-encodings, over-long segments; ``Accept``,
``Accept-Language``, ``If-None-Match``, ``If-Modified-Since``; the query parameters
handlers read; SPARQL strings; form and direct POST bodies; non-UTF-8 bytes — and
asserts what must hold for any request:

* no 5xx other than 503;
* no stack trace and no internal path in the body;
* every 4xx says what is wrong (a non-empty message);
* HEAD mirrors GET (same status and content type, no body).

``make test`` runs a bounded number of examples (profile ``ci``); ``make fuzz``
runs many more (``HYPOTHESIS_PROFILE=fuzz``).  The regressions hypothesis found
are pinned as explicit examples and in :func:`test_found_regressions`.
"""

from __future__ import annotations

import os
import re
import string
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sistercities import create_app
from sistercities.routes import ROUTES

settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("fuzz", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
#: What must never show in a body: Python's traceback, our source tree, the virtual environment.
LEAKS = re.compile(r"Traceback \(most recent call last\)|File \"/|site-packages|" + re.escape(str(ROOT)))

# --- strategies -------------------------------------------------------------------

_segment_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_broken_percent = st.sampled_from(["%", "%2", "%G0", "%zz", "%%", "%25", "%FF", "%C3", "%C3%28", "%ED%A0%80",
                                   "%00", "%0A", "%2F", "%2E%2E", "%22", "%3C", "%7B", "%5C", "%7C", "%5E", "%60"])
_ascii_odd = st.sampled_from(list('"<>{}|\\^`[] #?;,=+&$@!\'()*'))


_SLUGS = st.sampled_from(["khabarovsk", "niigata", "city", "twinning", "reference", "sources", "Twinning", "x"])


@st.composite
def segment(draw: st.DrawFn) -> str:
    """One path segment: a real-looking slug with one odd piece, or a mix of encoded text,
    broken escapes and raw odd characters."""
    if draw(st.booleans()):
        odd = draw(st.one_of(_broken_percent, _ascii_odd, _segment_text.map(lambda t: quote(t, safe=""))))
        return _no_delims(draw(_SLUGS) + odd + draw(st.sampled_from(["", ".ttl", ".html", ".nq"])))
    parts = draw(st.lists(st.one_of(
        _segment_text.map(lambda t: quote(t, safe="")),
        _segment_text.map(lambda t: quote(t, safe="%")),
        _broken_percent,
        _ascii_odd,
        st.sampled_from(["khabarovsk", "city", "niigata", "id", ".", "..", "ttl", "x.ttl", "x.html"]),
    ), max_size=4))
    s = "".join(parts)
    if draw(st.integers(0, 40)) == 0:
        s += "a" * draw(st.sampled_from([2100, 7000]))  # over-long
    return _no_delims(s)


def _no_delims(s: str) -> str:
    """Keep a segment one segment: no raw '/', and no '?' or '#' that would end the path."""
    return s.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")


def _fill(rule: str, draw: st.DrawFn) -> str:
    out = []
    for token in re.split(r"(<[^>]+>)", rule):
        if not token.startswith("<"):
            out.append(token)
        elif token.startswith("<int:"):
            out.append(str(draw(st.integers(-5, 10**12))))
        elif token.startswith("<any(") and draw(st.booleans()):  # one of the choices, or (below) anything
            out.append(draw(st.sampled_from(token[len("<any("):token.index(")")].split(","))))
        elif token.startswith(("<anypath:", "<path:")):
            out.append("/".join(draw(st.lists(segment(), min_size=1, max_size=4))) or "x")
        else:
            out.append(draw(segment()) or "x")
    return "".join(out)


MEDIA = ["text/html", "text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples",
         "application/trig", "application/n-quads", "application/sparql-results+json", "application/sparql-results+xml",
         "text/csv", "text/tab-separated-values", "application/json", "*/*", "text/*", "image/png", "", "garbage", ";;",
         "text/html;q=0", "text/turtle;q=abc", "*/*;q=-1", "text/html;level=1;q=0.5", "application/*;q=1.5"]
SPARQL = ["ASK {}", "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2",
          "DESCRIBE <https://w3id.org/twinning/id/city/khabarovsk>", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
          "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "INSERT DATA { <a:b> <a:c> 1 }", "SELECT",
          "PREFIX : <x> SELECT * { :a :b \"\\u0000\" }", "SELECT * FROM <http://127.0.0.1:1/> { ?s ?p ?o }",
          "SELECT * { <id/city/khabarovsk> ?p ?o }", "SELECT ?x { BIND(<\"> AS ?x) }", "#"]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)


@st.composite
def hostile_request(draw: st.DrawFn) -> dict[str, Any]:
    route = draw(st.sampled_from(ROUTES))
    method = draw(st.sampled_from([m for m in route.methods if m != "HEAD"] + ["GET", "POST", "PUT"]))
    path = _fill(route.rule, draw)
    params: list[tuple[str, str]] = []
    for name in draw(st.lists(st.sampled_from(["page", "format", "q", "query", "default-graph-uri",
                                               "named-graph-uri", "callback", "lang", "x", "sort", "type"]),
                                    max_size=4)):
        value = draw(st.one_of(TEXT, st.sampled_from(SPARQL), st.sampled_from(
            ["0", "-1", "1", "2", "99999999999", "1e3", "ttl", "json", "html", "xml", "nq", "ｔｔｌ", "", "Q4454", "q4454",
             "²", "name", "-date", "partners", "city", "paragraph"])))
        params.append((name, value))
    headers = {}
    if draw(st.booleans()):
        headers["Accept"] = draw(st.one_of(st.sampled_from(MEDIA), HEADER_TEXT,
                                           st.lists(st.sampled_from(MEDIA), max_size=4).map(", ".join)))
    if draw(st.booleans()):
        headers["Accept-Language"] = draw(st.one_of(st.sampled_from(["en", "ru, ja;q=0.5", "*", "x-;q=", "zz-ZZ"]),
                                                    HEADER_TEXT))
    if draw(st.integers(0, 3)) == 0:
        headers["If-None-Match"] = draw(st.one_of(st.sampled_from(['"abc"', "*", 'W/"x"', '"', ""]), HEADER_TEXT))
    if draw(st.integers(0, 3)) == 0:
        headers["If-Modified-Since"] = draw(st.one_of(
            st.sampled_from(["Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "yesterday", ""]),
            HEADER_TEXT))
    body: bytes | None = None
    if method in ("POST", "PUT"):
        kind = draw(st.sampled_from(["form", "direct", "bytes", "none"]))
        if kind == "form":
            q = draw(st.one_of(st.sampled_from(SPARQL), TEXT))
            body = ("query=" + quote(q)).encode()
            if draw(st.booleans()):
                body += b"&default-graph-uri=" + quote(draw(TEXT)).encode()
            headers["Content-Type"] = draw(st.sampled_from(["application/x-www-form-urlencoded",
                                                            "application/x-www-form-urlencoded; charset=latin-1"]))
        elif kind == "direct":
            body = draw(st.one_of(st.sampled_from(SPARQL), TEXT)).encode()
            headers["Content-Type"] = draw(st.sampled_from(["application/sparql-query", "application/sparql-update",
                                                            "application/sparql-query; charset=utf-16", "text/plain"]))
        elif kind == "bytes":
            body = draw(st.binary(max_size=200)) + b"\xff\xfe\xc3"
            headers["Content-Type"] = draw(st.sampled_from(["application/sparql-query",
                                                            "application/x-www-form-urlencoded", "application/json"]))
    return {"method": method, "path": path, "params": params, "headers": headers, "body": body}


# --- the app ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_client(build_dir: Path):  # type: ignore[no-untyped-def]
    app = create_app({"BUILD_DIR": str(build_dir)})
    # TESTING stays off: the real error handlers answer, as they do in production
    return app.test_client()


def _send(client: Any, req: dict[str, Any], method: str | None = None) -> Any:
    return client.open(req["path"], method=method or req["method"], query_string=req["params"],
                       headers=req["headers"], data=req["body"])


def check_response(resp: Any, req: dict[str, Any], *, head: bool = False) -> None:
    status = resp.status_code
    body = resp.get_data()
    where = f"{req['method']} {req['path'][:300]!r} params={req['params']!r} headers={req['headers']!r}"
    assert status < 500 or status == 503, f"{status} for {where}: {body[:500]!r}"
    text = body.decode("utf-8", "replace")
    assert not LEAKS.search(text), f"internal detail leaked for {where}: {text[:500]!r}"
    if 400 <= status < 500 and not head:
        assert text.strip(), f"{status} without a message for {where}"


@given(hostile_request())
@example({"method": "GET", "path": "/id/city/khabarovsk%22", "params": [], "headers": {}, "body": None})
@example({"method": "GET", "path": "/doc/id/city/khabarovsk%25", "params": [], "headers": {}, "body": None})
@example({"method": "GET", "path": "/graph/reference%7B.ttl", "params": [], "headers": {}, "body": None})
def test_no_request_gets_a_server_error(hostile_client: Any, req: dict[str, Any]) -> None:
    check_response(_send(hostile_client, req), req)


@given(hostile_request().filter(lambda r: r["method"] == "GET"))
def test_head_mirrors_get(hostile_client: Any, req: dict[str, Any]) -> None:
    get = _send(hostile_client, req)
    head = _send(hostile_client, req, method="HEAD")
    check_response(head, req, head=True)
    assert head.status_code == get.status_code, req
    assert head.headers.get("Content-Type") == get.headers.get("Content-Type"), req
    assert head.get_data() == b"", req


# --- what hypothesis (and the issue) found, pinned ----------------------------------

FOUND = [
    # issue 9: characters that cannot appear in an IRI reached pyoxigraph.NamedNode and raised
    "/id/city/khabarovsk%22", "/doc/id/city/khabarovsk%25", "/graph/reference%7B.ttl", "/id/city/a%3Cb",
    "/id/city/a%5Cb", "/id/city/a%7Cb", "/id/city/a%5Eb", "/id/city/a%60b", "/id/city/a%20b", "/doc/id/%7D.html",
    "/ontology/%22", "/shapes/%3E", "/doc/ontology%25zz.ttl", "/id/%5B", "/id/city/x%5D",
]


@pytest.mark.parametrize("path", FOUND)
def test_found_regressions(hostile_client: Any, path: str) -> None:
    resp = hostile_client.get(path, headers={"Accept": "text/turtle"})
    assert resp.status_code == 400, (path, resp.status_code, resp.get_data()[:300])
    assert "names no IRI" in resp.get_data(as_text=True)


def test_strategy_reaches_every_route() -> None:
    """The generator can produce a request for each rule of the route table (no route left untested)."""
    rules = {r.rule for r in ROUTES}
    assert len(rules) == len(ROUTES) > 20
    assert all(set(r.rule) <= set(string.printable) for r in ROUTES)


# --- the same requests over real HTTP, through gunicorn ------------------------------

class _Raw:
    """A response read by http.client, shaped like the test client's for :func:`check_response`."""

    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status_code, self.headers, self._body = status, headers, body

    def get_data(self) -> bytes:
        return self._body


def _send_http(root: str, req: dict[str, Any], method: str | None = None) -> _Raw:
    import http.client
    from urllib.parse import urlencode, urlsplit

    u = urlsplit(root)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    target = req["path"] + ("?" + urlencode(req["params"]) if req["params"] else "")
    try:
        conn.putrequest(method or req["method"], target, skip_accept_encoding=True)
        for k, v in req["headers"].items():
            conn.putheader(k, v)
        body = req["body"] or b""
        if body or (method or req["method"]) in ("POST", "PUT"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        resp = conn.getresponse()
        return _Raw(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def _http_safe(req: dict[str, Any]) -> bool:
    """http.client refuses control characters and non-ASCII in a request line or header (a client-side
    check); such requests are covered in-process above."""
    line = req["path"] + "".join(k + v for k, v in req["headers"].items())
    return all(0x20 < ord(c) < 0x7F for c in req["path"]) and all(0x20 <= ord(c) < 0x7F for c in line)


@settings(max_examples=int(os.environ.get("HOSTILE_HTTP_EXAMPLES", "60")))
@given(hostile_request().filter(_http_safe))
def test_no_request_gets_a_server_error_over_http(live_server: str, req: dict[str, Any]) -> None:
    resp = _send_http(live_server, req)
    check_response(resp, req)
    if req["method"] == "GET":
        head = _send_http(live_server, req, method="HEAD")
        check_response(head, req, head=True)
        assert head.status_code == resp.status_code, req
        assert head.get_data() == b"", req
