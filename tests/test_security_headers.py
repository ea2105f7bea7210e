"""Security headers on every response: ``nosniff`` everywhere, CSP and friends on HTML;
and every kind of HTML page keeps inside that CSP (no inline script, handler or style)."""

from __future__ import annotations

import re

import pytest
import requests

from html_helpers import parse
from sistercities.release import Release
from sistercities.security import CSP, security_headers

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

NOSNIFF = ("X-Content-Type-Options", "nosniff")
HTML_ONLY = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}

HTML_ACCEPT = {"Accept": "text/html"}

# (path, request headers, expected status, is it an HTML response)
ROUTES = [
    ("/", HTML_ACCEPT, 200, True),
    ("/sparql", HTML_ACCEPT, 200, True),
    ("/sparql?query=ASK{}", {"Accept": "application/sparql-results+json"}, 200, False),
    ("/sparql?query=SELECT", {"Accept": "application/sparql-results+json"}, 400, False),
    ("/id/city/khabarovsk", HTML_ACCEPT, 303, None),
    ("/id/city/%ZZ", HTML_ACCEPT, 400, True),
    ("/doc/id/city/khabarovsk.html", {}, 200, True),
    ("/doc/id/city/khabarovsk.ttl", {}, 200, False),
    ("/doc/id/city/no-such-city.html", HTML_ACCEPT, 404, True),
    ("/search?q=khabarovsk", HTML_ACCEPT, 200, True),
    ("/search?q=khabarovsk&page=0", HTML_ACCEPT, 400, True),
    ("/id/city/", HTML_ACCEPT, 200, True),
    ("/id/twinning/?sort=-date", HTML_ACCEPT, 200, True),
    ("/id/city/?sort=nope", HTML_ACCEPT, 400, True),
    ("/doc/id/country/japan.html", {}, 200, True),
    ("/ontology", HTML_ACCEPT, 303, None),
    ("/dataset.html", {}, 200, True),
    ("/catalog", {"Accept": "text/turtle"}, 200, False),
    ("/dumps/", {}, 200, True),
    ("/dumps/latest/sistercities.nt.gz", {}, 302, None),
    ("/dumps/latest/nope", HTML_ACCEPT, 404, True),
    ("/static/site.css", {}, 200, False),
    ("/static/sparql/sparql.js", {}, 200, False),
    ("/no/such/route", HTML_ACCEPT, 404, True),
    ("/sitemap.xml", {}, 200, False),
    ("/robots.txt", {}, 200, False),
    ("/-/health", {}, 200, False),
]


def check(status: int, headers, want_status: int, html: bool | None) -> None:  # type: ignore[no-untyped-def]
    assert status == want_status
    assert headers.get(NOSNIFF[0]) == NOSNIFF[1]
    ctype = headers.get("Content-Type", "")
    if html is not None:
        assert ctype.startswith("text/html") is html, ctype
    for name, value in HTML_ONLY.items():
        if ctype.startswith("text/html"):
            assert headers.get(name) == value, name
        else:
            assert name not in headers, name


def test_table_is_pure() -> None:
    assert security_headers("text/turtle; charset=utf-8") == {"X-Content-Type-Options": "nosniff"}
    assert security_headers(None) == {"X-Content-Type-Options": "nosniff"}
    html = security_headers("Text/HTML; charset=utf-8")
    assert html == {"X-Content-Type-Options": "nosniff", **HTML_ONLY}
    assert security_headers("text/html") is not security_headers("text/html")  # a fresh dict each time
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    import sistercities.security as mod
    assert not [n for n in vars(mod) if n in ("Flask", "flask", "Response")]


@pytest.mark.parametrize(("path", "headers", "status", "html"), ROUTES)
def test_every_route_carries_the_headers(client, path: str, headers: dict[str, str], status: int,
                                         html: bool | None) -> None:  # type: ignore[no-untyped-def]
    r = client.get(path, headers=headers)
    check(r.status_code, r.headers, status, html)


def test_dumps_not_modified_and_method_errors(client, built: Release) -> None:  # type: ignore[no-untyped-def]
    names = [d["file"] for d in built.manifest["dumps"]]
    assert names
    for name in names:
        r = client.get("/dumps/" + name)
        check(r.status_code, r.headers, 200, False)
        again = client.get("/dumps/" + name, headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304 and again.headers.get(NOSNIFF[0]) == NOSNIFF[1]
    r = client.get("/doc/id/city/khabarovsk.html")
    again = client.get("/doc/id/city/khabarovsk.html", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.headers.get(NOSNIFF[0]) == NOSNIFF[1]
    r = client.put("/sparql")
    assert r.status_code == 405 and r.headers.get(NOSNIFF[0]) == NOSNIFF[1] and "Allow" in r.headers
    r = client.head("/doc/id/city/khabarovsk.html")
    check(r.status_code, r.headers, 200, True)


def test_a_handler_header_is_not_overwritten(app) -> None:  # type: ignore[no-untyped-def]
    from flask import Response

    @app.route("/-/test-own-headers")
    def own() -> Response:
        return Response("<p>x</p>", mimetype="text/html",
                        headers={"X-Frame-Options": "SAMEORIGIN", "Content-Security-Policy": "default-src 'self'"})

    r = app.test_client().get("/-/test-own-headers")
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert r.headers["Content-Security-Policy"] == "default-src 'self'"
    assert r.headers.get_all("X-Frame-Options") == ["SAMEORIGIN"]
    assert r.headers["Referrer-Policy"] == HTML_ONLY["Referrer-Policy"]
    assert r.headers[NOSNIFF[0]] == NOSNIFF[1]


def test_over_real_http(live_server: str) -> None:
    r = requests.get(live_server + "/doc/id/city/khabarovsk.html", timeout=10)
    check(r.status_code, r.headers, 200, True)
    r = requests.get(live_server + "/id/city/khabarovsk", headers=HTML_ACCEPT, allow_redirects=False, timeout=10)
    check(r.status_code, r.headers, 303, None)
    r = requests.get(live_server + "/static/site.css", timeout=10)
    check(r.status_code, r.headers, 200, False)
    r = requests.get(live_server + "/no/such/route", headers=HTML_ACCEPT, timeout=10)
    check(r.status_code, r.headers, 404, True)
    r = requests.get(live_server + "/sparql", params={"query": "ASK{}"},
                     headers={"Accept": "application/sparql-results+json"}, timeout=10)
    check(r.status_code, r.headers, 200, False)


# one page of every kind the site renders (home, query page, search, dataset, ontology, shapes,
# every resource kind, errors)
HTML_PAGES = [
    "/", "/sparql", "/search?q=khabarovsk", "/search?q=", "/dataset.html",
    "/doc/ontology.html", "/doc/shapes.html",
    "/doc/id/city/khabarovsk.html", "/doc/id/city/no-such-city.html", "/id/city/%ZZ", "/no/such/route",
]


def resource_pages(client) -> list[str]:  # type: ignore[no-untyped-def]
    """One HTML document of each resource kind: the first ``/id/<kind>/...`` in the sitemap(s)."""
    def locs(path: str) -> list[str]:
        text = client.get(path).get_data(as_text=True)
        return ["/" + u.split("/", 3)[3] for u in re.findall(r"<loc>([^<]+)</loc>", text)]

    urls = locs("/sitemap.xml")
    urls += [u for sub in urls if sub.endswith(".xml") for u in locs(sub)]
    by_kind: dict[str, str] = {}
    for url in sorted(urls):
        m = re.match(r"/(?:doc/)?id/([^/]+)/", url)
        if m and m.group(1) not in by_kind:
            by_kind[m.group(1)] = url
    return list(by_kind.values())


def test_every_html_page_kind_fits_the_csp(client, built: Release) -> None:  # type: ignore[no-untyped-def]
    extra = resource_pages(client)
    assert len(extra) >= 3, extra
    seen = 0
    for path in HTML_PAGES + extra:
        r = client.get(path, headers=HTML_ACCEPT, follow_redirects=True)
        assert r.headers["Content-Type"].startswith("text/html"), path
        assert r.headers["Content-Security-Policy"] == CSP, path
        html = r.get_data(as_text=True)
        p = parse(html)
        for attrs, body in p.scripts:
            assert attrs.get("src") or attrs.get("type") == "application/ld+json", (path, attrs)
            if attrs.get("src"):
                assert attrs["src"].startswith("/static/") and not body.strip(), (path, attrs)
        for tag, attrs in p.elements:
            assert tag != "style", path
            assert "style" not in attrs, (path, tag, attrs)
            assert not [k for k in attrs if k.startswith("on")], (path, tag, attrs)
            for k in ("href", "src", "action", "formaction", "xlink:href"):
                assert not (attrs.get(k) or "").strip().lower().startswith("javascript:"), (path, tag, attrs)
            if tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
                assert (attrs.get("href") or "").startswith("/static/"), (path, attrs)
            if tag == "img":
                assert (attrs.get("src") or "").startswith(("/", "data:")), (path, attrs)
            if tag == "form":
                assert (attrs.get("action") or "/").startswith("/"), (path, attrs)
        seen += 1
    assert seen == len(HTML_PAGES) + len(extra)


@pytest.mark.browser
def test_real_browser_reports_no_csp_violation(live_server: str) -> None:
    """Chromium enforces the policy: pages render, styles load, and the SPARQL page's script
    runs a query with fetch() and draws the table, with no violation logged."""
    from conftest import CHROMIUM_ARGS as ARGS
    from conftest import ensure_chromium

    exe = ensure_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        try:
            page = b.new_page()
            page.set_default_timeout(20_000)
            console: list[str] = []
            page.on("console", lambda m: console.append(m.text))
            for path in ("/", "/doc/id/city/khabarovsk.html", "/dataset.html", "/search?q=khabarovsk",
                         "/doc/ontology.html", "/dumps/", "/no/such/page"):
                page.goto(live_server + path)
                # site.css is applied (not blocked): its body rule sets the font and a 62rem max width
                assert "system-ui" in page.evaluate("getComputedStyle(document.body).fontFamily"), path
                assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none", path
            page.goto(live_server + "/sparql")
            page.wait_for_selector(".CodeMirror")  # the vendored editor loaded and replaced the textarea
            page.evaluate("q => document.querySelector('.CodeMirror').CodeMirror.setValue(q)",
                          "SELECT ?s WHERE { ?s a <https://w3id.org/twinning/ontology/City> } LIMIT 3")
            page.click("button[type=submit]")
            page.wait_for_selector("#results table.sparql-results")
            assert "/sparql?query=" in page.url  # run by the script (a form post has no ?query=)
            assert page.locator("#results p.sparql-count").inner_text() == "3 results."
            assert page.locator("#sparql-status").inner_text().startswith("HTTP 200")
            assert not [m for m in console if "Content Security Policy" in m or "Refused to" in m], console
        finally:
            b.close()


# --- framing and CORS on the answers no handler wrote -------------------------------------------

def test_framable_reads_frame_ancestors() -> None:
    from sistercities.security import framable
    assert framable("default-src 'none'; frame-ancestors *")
    assert framable("frame-ancestors https://openrefine.example")
    assert not framable(CSP)  # ours: frame-ancestors 'none'
    assert not framable("default-src 'self'")  # no directive: not a licence to frame
    assert not framable(None)
    html = security_headers("text/html", csp="default-src 'none'; frame-ancestors *")
    assert "X-Frame-Options" not in html and html["Referrer-Policy"]
    assert security_headers("text/html", csp=CSP)["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(("path", "cors"), [
    ("/sparql", True), ("/sparql/", True), ("/reconcile", True), ("/reconcile/preview", True),
    ("/sparqlx", False), ("/doc/id/city/khabarovsk.ttl", False), ("/", False),
])
def test_cors_table(path: str, cors: bool) -> None:
    got = security_headers("application/json", path=path)
    assert (got.get("Access-Control-Allow-Origin") == "*") is cors


def test_the_preview_card_may_be_framed_and_says_so_once(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/reconcile/preview", query_string={"id": "https://w3id.org/twinning/id/city/khabarovsk"})
    assert r.status_code == 200 and r.content_type.startswith("text/html")
    assert "frame-ancestors *" in r.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in r.headers  # DENY would contradict the policy in older browsers
    page = client.get("/doc/id/city/khabarovsk.html")
    assert page.headers["X-Frame-Options"] == "DENY"


def test_method_and_rate_errors_of_the_apis_carry_cors(build_dir) -> None:  # type: ignore[no-untyped-def]
    """A browser client on another origin (OpenRefine, a SPARQL editor) can read why it was refused."""
    from sistercities.app import create_app
    c = create_app({"BUILD_DIR": str(build_dir)}).test_client()
    for path in ("/sparql", "/reconcile", "/reconcile/suggest/entity"):
        r = c.put(path)
        assert r.status_code == 405 and r.headers["Access-Control-Allow-Origin"] == "*", path
    assert "Access-Control-Allow-Origin" not in c.put("/doc/id/city/khabarovsk.ttl").headers
    limited = create_app({"BUILD_DIR": str(build_dir), "RATE_LIMIT": 1}).test_client()
    statuses = [limited.get("/reconcile").status_code for _ in range(3)]
    assert 429 in statuses
    r = limited.get("/reconcile")
    assert r.status_code == 429 and r.headers["Access-Control-Allow-Origin"] == "*"
    assert "RATE_LIMIT" in r.get_data(as_text=True)
