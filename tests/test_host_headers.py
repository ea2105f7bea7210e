"""Issue 9: no foreign URLs from Host / X-Forwarded-* headers, no open redirect,
no directory traversal.

Over real HTTP (gunicorn, one live server) where it matters: gunicorn itself
would trust X-Forwarded-Proto from 127.0.0.1 unless told not to.
"""

from __future__ import annotations

import http.client
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from sistercities.app import create_app

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

EVIL = "evil.example"
REDIRECTS = ("/id/city/khabarovsk", "/wikidata/Q4454")
FORWARDED = {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "gopher", "X-Forwarded-For": "203.0.113.9"}
HTML_ACCEPT = {"Accept": "text/html"}
TURTLE_ACCEPT = {"Accept": "text/turtle"}


def _raw(root: str, method: str, target: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    """Send ``target`` exactly as written (no client-side normalisation)."""
    u = urlsplit(root)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=30)
    conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    hdrs = {"Host": u.netloc, **(headers or {})}
    for k, v in hdrs.items():
        conn.putheader(k, v)
    conn.endheaders()
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def _raw_body(root: str, target: str) -> tuple[int, bytes, str | None]:
    u = urlsplit(root)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=30)
    conn.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", u.netloc)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body, resp.getheader("Location")


# --- (a) headers never leak into redirects or cached content ---------------------------------


@pytest.mark.parametrize("path", REDIRECTS)
@pytest.mark.parametrize("accept", [HTML_ACCEPT, TURTLE_ACCEPT])
def test_forwarded_headers_are_ignored_by_default(live_server: str, path: str, accept: dict[str, str]) -> None:
    resp = _raw(live_server, "GET", path, {**accept, **FORWARDED})
    assert resp.status == 303
    loc = resp.getheader("Location") or ""
    assert EVIL not in loc and "gopher" not in loc
    assert urlsplit(loc).netloc == urlsplit(live_server).netloc
    assert urlsplit(loc).scheme == "http"


def test_x_forwarded_proto_https_is_ignored_from_localhost(live_server: str) -> None:
    # gunicorn's default forwarded_allow_ips trusts 127.0.0.1: it must not here
    resp = _raw(live_server, "GET", "/id/city/khabarovsk", {**HTML_ACCEPT, "X-Forwarded-Proto": "https",
                                                           "X-Forwarded-Ssl": "on"})
    assert resp.status == 303
    assert (resp.getheader("Location") or "").startswith(live_server + "/")


@pytest.mark.parametrize("path", REDIRECTS)
def test_host_header_redirect_stays_on_requested_host(live_server: str, path: str) -> None:
    resp = _raw(live_server, "GET", path, {**HTML_ACCEPT, "Host": EVIL})
    assert resp.status == 303
    # the client asked for evil.example itself: its own host, not an open redirect
    assert urlsplit(resp.getheader("Location") or "").netloc == EVIL


CLEAN_CHECKS: tuple[tuple[str, dict[str, str]], ...] = (
    ("/id/city/khabarovsk", HTML_ACCEPT),
    ("/id/city/khabarovsk", TURTLE_ACCEPT),
    ("/wikidata/Q4454", HTML_ACCEPT),
    ("/catalog", TURTLE_ACCEPT),
    ("/catalog", {"Accept": "application/ld+json"}),
    ("/sitemap.xml", {}),
    ("/robots.txt", {}),
    ("/.well-known/void", TURTLE_ACCEPT),
    ("/dataset.html", HTML_ACCEPT),
    ("/sparql", TURTLE_ACCEPT),
    ("/sparql", HTML_ACCEPT),
)


def test_evil_request_does_not_poison_later_clean_ones(live_server: str) -> None:
    # documents the redirects point to, in HTML and Turtle
    docs = []
    for accept in (HTML_ACCEPT, TURTLE_ACCEPT):
        r = requests.get(live_server + "/id/city/khabarovsk", headers=accept, allow_redirects=False, timeout=30)
        assert r.status_code == 303
        docs.append((urlsplit(r.headers["Location"]).path, accept))
    targets = [*CLEAN_CHECKS, *docs]
    # several rounds: with 2 workers, each worker gets at least one evil request first
    for _ in range(3):
        for path, accept in targets:
            for evil in ({"Host": EVIL}, FORWARDED, {"Host": EVIL, **FORWARDED}):
                _raw(live_server, "GET", path, {**accept, **evil})
    for path, accept in targets:
        for _ in range(3):
            r = requests.get(live_server + path, headers=accept, allow_redirects=False, timeout=30)
            assert r.status_code in (200, 303), (path, r.status_code)
            assert EVIL not in r.text, (path, accept)
            assert all(EVIL not in v for v in r.headers.values()), (path, accept)


# --- (b) TRUSTED_PROXIES honours the proxy's headers -------------------------------------


def test_trusted_proxies_default_is_zero() -> None:
    from sistercities.settings import load

    assert load(environ={})["TRUSTED_PROXIES"] == 0


def test_untrusted_app_ignores_forwarded_headers(build_dir: Path) -> None:
    client = create_app({"BUILD_DIR": str(build_dir)}).test_client()
    r = client.get("/id/city/khabarovsk", headers={**HTML_ACCEPT, **FORWARDED})
    assert r.status_code == 303
    assert r.headers["Location"].startswith("http://localhost/")


@pytest.mark.parametrize("path", REDIRECTS)
def test_trusted_proxy_headers_are_honoured(build_dir: Path, path: str) -> None:
    client = create_app({"BUILD_DIR": str(build_dir), "TRUSTED_PROXIES": 1}).test_client()
    r = client.get(path, headers={**HTML_ACCEPT, "X-Forwarded-Host": "twinning.example.org",
                                  "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert r.status_code == 303
    assert r.headers["Location"].startswith("https://twinning.example.org/")


def test_trusted_proxy_uses_only_the_last_hop(build_dir: Path) -> None:
    client = create_app({"BUILD_DIR": str(build_dir), "TRUSTED_PROXIES": 1}).test_client()
    r = client.get("/id/city/khabarovsk", headers={**HTML_ACCEPT, "X-Forwarded-Host": f"{EVIL}, proxy.example",
                                                  "X-Forwarded-Proto": "gopher, https"})
    assert r.headers["Location"].startswith("https://proxy.example/")


def test_public_url_wins_over_everything(build_dir: Path) -> None:
    client = create_app({"BUILD_DIR": str(build_dir), "TRUSTED_PROXIES": 1,
                         "PUBLIC_URL": "https://twinning.example.org"}).test_client()
    r = client.get("/id/city/khabarovsk", headers={**HTML_ACCEPT, "Host": EVIL, **FORWARDED})
    assert r.headers["Location"].startswith("https://twinning.example.org/")


# --- (c) open redirects ----------------------------------------------------------------------

PROBES = (
    "//evil.example/x",
    "//evil.example/id/city/khabarovsk",
    "/id/%2F%2Fevil.example",
    "/id//evil.example",
    "/id/%2F%2Fevil.example%2Fx",
    "/id/city/khabarovsk?next=http://evil.example",
    "/wikidata/Q1?next=http://evil.example",
    "/wikidata/Q4454?next=//evil.example",
    "/doc//evil.example",
    "/doc/%2F%2Fevil.example",
    "/doc/%5C%5Cevil.example",
    "/dataset?next=http://evil.example",
    "/id/city/khabarovsk/..%2F..%2F%2Fevil.example",
    "/\\evil.example",
    "/id/http://evil.example",
    "/id/https:%2F%2Fevil.example",
)


@pytest.mark.parametrize("target", PROBES)
@pytest.mark.parametrize("accept", [HTML_ACCEPT, TURTLE_ACCEPT])
def test_no_open_redirect(live_server: str, target: str, accept: dict[str, str]) -> None:
    resp = _raw(live_server, "GET", target, accept)
    assert resp.status < 500 or resp.status == 503
    loc = resp.getheader("Location")
    if loc is not None:
        parts = urlsplit(loc)
        assert parts.netloc in ("", urlsplit(live_server).netloc), loc
        assert not loc.startswith("//") and not loc.startswith("/\\"), loc
        assert EVIL not in parts.netloc


# --- (d) directory traversal -----------------------------------------------------------------

TRAVERSALS = (
    "/dumps/../manifest.json",
    "/dumps/%2E%2E/manifest.json",
    "/dumps/%2e%2e%2fmanifest.json",
    "/dumps/..%2F..%2Fetc%2Fpasswd",
    "/dumps/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/dumps/%2Fetc%2Fpasswd",
    "/dumps//etc/passwd",
    "/dumps/..%5C..%5Cmanifest.json",
    "/dumps/%00",
    "/dumps/manifest.json%00.nt",
    "/static/../app.py",
    "/static/%2E%2E/app.py",
    "/static/..%2Fapp.py",
    "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/static/%2Fetc%2Fpasswd",
    "/static//etc/passwd",
    "/static/..%5Capp.py",
)


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_directory_traversal(live_server: str, target: str) -> None:
    status, body, loc = _raw_body(live_server, target)
    if status == 308:
        # werkzeug merges a doubled slash: the redirect stays on this host, inside the folder
        parts = urlsplit(loc or "")
        assert parts.netloc in ("", urlsplit(live_server).netloc), loc
        assert parts.path.startswith(target[:target.index("/", 1) + 1]) and ".." not in parts.path, loc
        status, body, loc = _raw_body(live_server, parts.path)
    assert 400 <= status < 500, (target, status)
    assert b"root:" not in body
    assert b"def create_app" not in body
    assert b'"store_dir"' not in body and b'"version":' not in body
    assert loc is None, loc


@pytest.mark.parametrize("target", ["/dumps/../manifest.json", "/static/../app.py", "/dumps/..%2F..%2Fetc%2Fpasswd"])
def test_no_directory_traversal_with_requests(live_server: str, target: str) -> None:
    url = live_server + target
    s = requests.Session()
    req = requests.Request("GET", url).prepare()
    req.url = url  # sent as written, not normalised
    r = s.send(req, allow_redirects=False, timeout=30)
    assert 400 <= r.status_code < 500
    assert "root:" not in r.text and "def create_app" not in r.text


def test_real_static_and_dump_still_served(live_server: str) -> None:
    assert requests.get(live_server + "/static/site.css", timeout=30).status_code == 200
