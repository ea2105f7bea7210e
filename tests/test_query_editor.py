"""The query page's editor, in a real headless Chromium against the live server (issue 15).

The editor is CodeMirror 5 vendored under ``static/vendor/`` (no network: every request that
is not to 127.0.0.1 is blocked and recorded, and none may be attempted), with SPARQL
highlighting, completion of our ontology's terms, Ctrl+Enter, a sorting and paging table,
CSV/JSON downloads, ``?query=`` in the address bar, readable errors -- and no CSP violation.
Without JavaScript the plain form still works.  Skipped only when Chromium cannot be had.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from html import unescape as html_unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from conftest import ROOT, start_server, stop_server

pytestmark = pytest.mark.browser

STATIC = ROOT / "server" / "sistercities" / "static"
PREFIXES = ("PREFIX tw: <https://w3id.org/twinning/ontology/>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
CITIES = PREFIXES + 'SELECT ?city ?label WHERE { ?city a tw:City ; rdfs:label ?label FILTER(LANG(?label) = "en") }\n'
LABELS = PREFIXES + 'SELECT ?thing ?label WHERE { ?thing rdfs:label ?label FILTER(LANG(?label) = "en") }\n'
# records what the page did that it must not: CSP violations (the event), requests off this machine
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });
"""


class Page:
    """A page in an offline context: only 127.0.0.1 answers; console and CSP events kept."""

    def __init__(self, browser: Any, **ctx: Any) -> None:
        self.ctx = browser.new_context(viewport={"width": 1200, "height": 900}, **ctx)
        self.outside: list[str] = []
        self.console: list[str] = []
        self.ctx.route("**/*", self._route)
        self.ctx.add_init_script(WATCH)
        self.page = self.ctx.new_page()
        self.page.set_default_timeout(20_000)
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    def _route(self, route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def set_query(self, text: str) -> None:
        self.page.evaluate("t => { const cm = document.querySelector('.CodeMirror').CodeMirror; "
                           "cm.setValue(t); cm.focus(); cm.setCursor(cm.lineCount(), 0); }", text)

    def query(self) -> str:
        return str(self.page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()"))

    def run(self) -> None:
        self.page.locator(".CodeMirror textarea").focus()
        self.page.keyboard.press("Control+Enter")

    def csp_violations(self) -> list[str]:
        events = list(self.page.evaluate("window.__csp || []"))
        return events + [m for m in self.console if "Content Security Policy" in m or "Refused to" in m]

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture()
def tab(browser: Any) -> Iterator[Page]:
    p = Page(browser, permissions=["clipboard-read", "clipboard-write"])
    try:
        yield p
    finally:
        p.close()


def value(text: str) -> str:
    """A cell's value without its language or datatype note."""
    return re.sub(r" (@[\w-]+|xsd:\w+)$", "", text.strip())


def visible_column(page: Any, col: int) -> list[str]:
    return [value(t) for t in page.locator(f"table.sparql-results tbody tr:not([hidden]) td:nth-child({col})").all_inner_texts()]


def all_column(page: Any, col: int) -> list[str]:
    return [value(t) for t in page.locator(f"table.sparql-results tbody td:nth-child({col})").all_text_contents()]


def test_editor_offline_highlights_completes_runs_sorts_pages_downloads(tab: Page, live_server: str) -> None:
    page = tab.page
    page.goto(live_server + "/sparql")
    page.locator(".CodeMirror").wait_for()
    assert not page.locator("textarea#query").is_visible()  # replaced by the editor, kept for the form
    keywords = page.locator(".CodeMirror .cm-keyword").all_inner_texts()
    assert "SELECT" in [k.upper() for k in keywords]
    assert page.locator(".CodeMirror .cm-variable-2").count() > 0  # ?city, ?label

    # completion from our ontology: "tw:twin" offers tw:twinnedWith; Enter takes it
    tab.set_query(PREFIXES + "SELECT ?a ?b WHERE {\n  ?a ")
    page.keyboard.type("tw:twin")
    hints = page.locator(".CodeMirror-hints")
    hints.wait_for()
    assert "tw:twinnedWith" in hints.inner_text()
    page.locator(".CodeMirror-hint", has_text="tw:twinnedWith").first.click()
    hints.wait_for(state="detached")  # the pick is in; under load a key typed before this can be lost
    # the click on the list took the focus; CodeMirror gives it back asynchronously: keys typed before go nowhere
    from playwright.sync_api import expect

    expect(page.locator(".CodeMirror textarea")).to_be_focused()
    page.keyboard.type(" ?b }\nLIMIT 3")
    assert "?a tw:twinnedWith ?b }" in tab.query()

    # Ctrl+Enter runs; the address bar then holds the query
    tab.run()
    page.locator("table.sparql-results tbody tr").first.wait_for()
    assert page.locator("table.sparql-results tbody tr").count() == 3
    assert parse_qs(urlsplit(page.url).query)["query"] == [tab.query()]

    # a bigger result: pages of 50, sorting on a header click (both ways)
    tab.set_query(LABELS)
    tab.run()
    page.wait_for_function("q => new URLSearchParams(location.search).get('query') === q", arg=LABELS)
    count = page.locator("p.sparql-count").inner_text()
    total = int(re.match(r"(\d+) results", count).group(1))  # type: ignore[union-attr]
    assert total > 50, count
    assert len(visible_column(page, 2)) == 50
    pager = page.locator(".sparql-pager")
    assert f"of {total}" in pager.inner_text()
    header = page.locator("table.sparql-results th", has_text="label")
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    asc = all_column(page, 2)
    assert asc == page.evaluate("a => a.slice().sort((x, y) => x.localeCompare(y))", asc)
    assert visible_column(page, 2) == asc[:50]
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    desc = all_column(page, 2)
    assert desc == asc[::-1] and visible_column(page, 2) == desc[:50]
    pager.get_by_role("button", name="next").click()
    second = visible_column(page, 2)
    assert second == desc[50:100]

    # downloads: real links to the endpoint in CSV and JSON
    csv_link = page.locator(".sparql-links a[data-format=csv]")
    with page.expect_download() as dl:
        csv_link.click()
    saved = Path(dl.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(saved)))
    assert rows[0] == ["thing", "label"] and len(rows) == total + 1
    js = requests.get(live_server + str(page.locator(".sparql-links a[data-format=json]").get_attribute("href")),
                      timeout=30)
    assert js.status_code == 200 and js.headers["Content-Type"].startswith("application/sparql-results+json")
    assert len(js.json()["results"]["bindings"]) == total

    # copy link puts the query's URL on the clipboard
    page.locator("button#copy-link").click()
    page.wait_for_function("() => document.getElementById('sparql-status').textContent.includes('copied')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert parse_qs(urlsplit(copied).query)["query"] == [LABELS]

    # reloading the address bar's URL restores the query and its results (rendered by the server)
    page.reload()
    page.locator(".CodeMirror").wait_for()
    assert tab.query() == LABELS
    assert page.locator("table.sparql-results tbody tr").count() == total
    assert page.locator("table.sparql-results th button.sort").count() == 2  # sortable here too
    assert len(visible_column(page, 2)) == 50

    assert tab.outside == [], "requests off this machine were attempted"
    assert tab.csp_violations() == []
    assert not [m for m in tab.console if m.startswith("pageerror")], tab.console


def test_example_links_open_with_query_and_results(tab: Page, live_server: str) -> None:
    page = tab.page
    page.goto(live_server + "/sparql")
    first = page.locator("a.run-example").first
    href = str(first.get_attribute("href"))
    expected = parse_qs(urlsplit(href).query)["query"][0]
    assert urlsplit(href).path == "/sparql"
    page.goto(live_server + href)  # opening the link itself: the page, the query, the results
    page.locator(".CodeMirror").wait_for()
    assert tab.query().strip() == expected.strip()
    assert page.locator("#results table.sparql-results, #results p.sparql-count").count() > 0
    # clicking an example runs it here and puts its link in the address bar
    page.goto(live_server + "/sparql")
    page.locator("a.run-example").nth(1).click()
    page.wait_for_url(re.compile(r"/sparql\?query="))
    page.locator("#results p.sparql-count").wait_for()
    assert tab.csp_violations() == []


def test_results_with_coordinates_get_a_map(tab: Page, live_server: str) -> None:
    page = tab.page
    page.goto(live_server + "/sparql")
    page.locator(".CodeMirror").wait_for()
    tab.set_query("PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>\n"
                  "SELECT ?city ?lat ?long WHERE { ?city wgs:lat ?lat ; wgs:long ?long }")
    tab.run()
    page.locator("#results table.sparql-results tbody tr").first.wait_for()
    rows = page.locator("#results table.sparql-results tbody tr").count()
    assert rows > 1 and page.locator("svg.results-map circle").count() == rows
    assert "khabarovsk" in page.locator("svg.results-map").inner_html()
    page.reload()  # the server's table gets the same map
    page.locator("svg.results-map").wait_for()
    assert page.locator("svg.results-map circle").count() == rows
    page.screenshot(path=str(ROOT / "test-artifacts" / "query-editor-map.png"))
    assert tab.csp_violations() == []


def test_invalid_query_shows_line_and_column(tab: Page, live_server: str) -> None:
    page = tab.page
    page.goto(live_server + "/sparql")
    page.locator(".CodeMirror").wait_for()
    tab.set_query("SELECT ?x WHERE {\n  ?x ?y ?z .\n  FILTER(?x = \n}")
    tab.run()
    box = page.locator("#results .sparql-error")
    box.wait_for()
    text = box.inner_text()
    assert re.search(r"Syntax error at line \d+, column \d+", text), text
    assert "^" in text  # the offending line with a caret under the column
    assert page.locator(".CodeMirror .sparql-error-line").count() == 1
    # the address bar holds the broken query too; opened, the server says the same, the editor points there
    assert "?query=" in page.url
    page.reload()
    page.locator(".CodeMirror").wait_for()
    assert re.search(r"line \d+, column \d+", page.locator("#results .sparql-error").inner_text())
    assert page.locator(".CodeMirror .sparql-error-line").count() == 1
    assert tab.csp_violations() == []


def test_killed_connection_shows_the_engine_failed(browser: Any, build_dir: Path, tmp_path: Path) -> None:
    proc, root = start_server(build_dir, workers=1, log=tmp_path / "server.log")
    tab = Page(browser)
    try:
        page = tab.page
        page.goto(root + "/sparql")
        page.locator(".CodeMirror").wait_for()
        stop_server(proc)  # the engine is gone before the query runs
        tab.run()
        box = page.locator("#results .sparql-error")
        box.wait_for()
        assert "the query engine failed on this query" in box.inner_text().lower()
        assert "TypeError" not in box.inner_text() and "Failed to fetch" not in box.inner_text()
    finally:
        tab.close()
        stop_server(proc)


def test_without_javascript_the_form_still_works(browser: Any, live_server: str) -> None:
    tab = Page(browser, java_script_enabled=False)
    try:
        page = tab.page
        page.goto(live_server + "/sparql")
        assert page.locator("textarea#query").is_visible() and page.locator(".CodeMirror").count() == 0
        page.fill("textarea#query", CITIES + "LIMIT 7")
        page.get_by_role("button", name="Run query").click()
        page.locator("table.sparql-results").wait_for()
        assert page.locator("table.sparql-results tbody tr").count() == 7
        perm = str(page.locator("a.sparql-permalink").get_attribute("href"))
        assert parse_qs(urlsplit(perm).query)["query"][0].replace("\r\n", "\n") == CITIES + "LIMIT 7"
        r = requests.get(live_server + str(page.locator(".sparql-links a[data-format=csv]").get_attribute("href")),
                         timeout=30)
        assert r.headers["Content-Type"].startswith("text/csv") and len(r.text.strip().splitlines()) == 8
        assert tab.outside == []
    finally:
        tab.close()


def test_page_carries_the_ontology_terms_for_completion(live_server: str) -> None:
    html = requests.get(live_server + "/sparql", headers={"Accept": "text/html"}, timeout=30).text
    m = re.search(r'data-editor="([^"]*)"', html)
    assert m
    doc = json.loads(html_unescape(m.group(1)))
    assert doc["ns"] == "https://w3id.org/twinning/ontology/"
    names = {t["n"]: t["k"] for t in doc["terms"]}
    assert names["twinnedWith"] == "property" and names["City"] == "class"
    assert doc["prefixes"]["tw"] == doc["ns"]
    assert "<script>" not in html.replace('<script type="application/ld+json">', "")  # no inline script


def test_vendored_editor_is_pinned_with_its_licence() -> None:
    readme = (STATIC / "vendor" / "README.md").read_text(encoding="utf-8")
    folder = STATIC / "vendor" / "codemirror-5.65.20"
    assert "codemirror" in readme and "5.65.20" in readme and "MIT" in readme
    assert 'CodeMirror.version = "5.65.20"' in (folder / "codemirror.js").read_text(encoding="utf-8")
    assert "MIT License" in (folder / "LICENSE").read_text(encoding="utf-8")
    # no eval-like code the CSP (script-src 'self') would block
    for f in folder.glob("*.js"):
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"\beval\(|new Function\(", text), f.name
