"""The page /wikidata/compare over real HTTP: a real ``sistercities serve`` (gunicorn) on a build of
the real project plus the hand-written imported Wikidata graph; the HTML read with a real parser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests

from conftest import start_server, stop_server
from html_helpers import elements, parse, visible_text
from sistercities.release import current
from sistercities.wikidata.compare_format import RELEASE_FILE
from wikidata_project import build_project, make_project

WDS = "http://www.wikidata.org/entity/statement/"


@pytest.fixture(scope="module")
def wd_build(wikidata_build: Path) -> Path:
    return wikidata_build


@pytest.fixture(scope="module")
def server(wd_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, root = start_server(wd_build, workers=1, log=tmp_path_factory.mktemp("wd-page-log") / "server.log")
    try:
        yield root
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def page(server: str) -> str:
    r = requests.get(server + "/wikidata/compare", headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "Accept" in r.headers["Vary"]
    return r.text


class _Tables(HTMLParser):
    """Each table: its kind (data-kind), caption, header cells (with scope) and its body rows' cells as text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, Any]] = []
        self._cell: list[str] | None = None
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.tables.append({"id": a.get("data-kind"), "caption": "", "th": [], "rows": []})
        elif self.tables and tag == "tr" and "tbody" in self._in:
            self.tables[-1]["rows"].append([])
        elif self.tables and tag in ("td", "th"):
            self._cell = []
            if tag == "th":
                self.tables[-1]["th"].append(a.get("scope"))
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and "tbody" in self._in:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
        if tag in ("td", "th"):
            self._cell = None
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.tables and self._in and self._in[-1] == "caption":
            self.tables[-1]["caption"] += data
        if self._cell is not None:
            self._cell.append(data)


def _tables(html: str) -> dict[str, dict[str, Any]]:
    p = _Tables()
    p.feed(html)
    p.close()
    return {t["id"]: t for t in p.tables}


def test_each_kind_is_a_captioned_table_with_every_row(page: str) -> None:
    tables = _tables(page)
    assert {k: len(t["rows"]) for k, t in tables.items()} == {
        "ours-only": 1, "wikidata-only": 3, "start-date": 7, "one-directional": 1, "ended": 1}
    for t in tables.values():
        assert t["caption"].strip()
        assert set(t["th"]) == {"col", "row"}  # column headers, and each row headed by its twinning
    year = next(r for r in tables["start-date"]["rows"] if "agrees at year precision only" in r[1])
    assert year[0].startswith("Khabarovsk (Q4454) – Niigata (Q179691)")
    assert "ours 1965-04-23, Wikidata 1965 (year precision) on Khabarovsk" in year[1]
    assert "Khabarovsk sister cities, paragraph 1" in year[2]
    assert WDS + "Q4454-0A1B2C3D-0001" in year[3]  # the statement IRI, as text
    harbin = tables["ours-only"]["rows"][0]
    assert harbin[0].startswith("Harbin (Q42956) – Khabarovsk (Q4454)") and "our record" in harbin[0]
    assert harbin[3] == "—"
    assert "disagrees: ours 1990-05-25, Wikidata 1991" in " ".join(" ".join(r) for r in tables["start-date"]["rows"])


def test_rows_link_our_records_and_paragraphs_and_the_wikidata_statements(page: str, server: str) -> None:
    statements = [a for a in elements(page, "a") if "statement" in (a.get("class") or "").split()]
    assert {"href": "https://www.wikidata.org/wiki/Q4454#P190", "class": "ext statement",
            "title": WDS + "Q4454-0A1B2C3D-0005"} in statements
    assert {a["title"] for a in statements} >= {WDS + "Q179691-0A1B2C3D-0002", WDS + "Q656-0A1B2C3D-0011"}
    hrefs = {str(a.get("href")) for a in elements(page, "a")}
    assert {"/id/source/khabarovsk-sister-cities#p1", "/id/source/odesa-yokohama-2023#p5",
            "/id/twinning/harbin-khabarovsk", "/id/city/khabarovsk", "/id/city/wikidata-Q656",
            "/id/twinning/wikidata-Q4454-0A1B2C3D-0001", "https://www.wikidata.org/wiki/Q42956"} <= hrefs
    # every link of ours resolves (303 to its document, or the page itself)
    for href in sorted(h for h in hrefs if h.startswith("/id/")):
        r = requests.get(server + href.split("#")[0], headers={"Accept": "text/html"}, timeout=30,
                         allow_redirects=False)
        assert r.status_code in (200, 303), href
    # the paragraph link lands on the paragraph of the document's page, named by its IRI
    (p1,) = {a["title"] for a in elements(page, "a", href="/id/source/khabarovsk-sister-cities#p1")}
    assert p1 == "https://w3id.org/twinning/id/source/khabarovsk-sister-cities/p1"
    r = requests.get(server + "/id/source/khabarovsk-sister-cities", headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200 and any(a.get("id") == "p1" for _, a in parse(r.text).elements)
    text = visible_text(page)
    assert "this page never asks Wikidata" in text and "3 December 2026" in text
    # the list of kinds links to each kind's section
    ids = {a.get("id") for _, a in parse(page).elements}
    kinds = [str(a["href"]) for a in elements(page, "a") if str(a.get("href")).startswith("#")][1:]  # after "skip"
    assert kinds == ["#ours-only", "#wikidata-only", "#start-date", "#one-directional", "#ended"]
    assert {k[1:] for k in kinds} <= ids


def test_json_by_accept_and_at_its_own_url(server: str, wd_build: Path) -> None:
    on_disk = json.loads((current(wd_build).path / RELEASE_FILE).read_text(encoding="utf-8"))
    a = requests.get(server + "/wikidata/compare", headers={"Accept": "application/json"}, timeout=30)
    b = requests.get(server + "/wikidata/compare.json", timeout=30)
    for r in (a, b):
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
        assert r.json() == on_disk
    assert on_disk["counts"]["start-date"] == 7
    h = requests.get(server + "/wikidata/compare", headers={"Accept": "text/html"}, timeout=30)
    assert '</wikidata/compare.json>; rel="alternate"; type="application/json"' in h.headers["Link"]
    assert requests.get(server + "/wikidata/compare", headers={"Accept": "image/png"}, timeout=30).status_code == 406


def test_linked_from_the_home_page_and_qids_still_redirect(server: str) -> None:
    home = requests.get(server + "/", timeout=30).text
    (link,) = [a for a in elements(home, "a") if a.get("href") == "/wikidata/compare"]
    assert link is not None and "Our twinnings and Wikidata's" in visible_text(home)
    r = requests.get(server + "/wikidata/Q4454", timeout=30, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/id/city/khabarovsk")


def test_a_build_without_a_wikidata_graph_explains_how_to_import(tmp_path: Path) -> None:
    b = build_project(make_project(tmp_path / "project", wikidata=False), tmp_path / "build")
    proc, root = start_server(b, workers=1)
    try:
        r = requests.get(root + "/wikidata/compare", headers={"Accept": "text/html"}, timeout=30)
        assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")
        text = visible_text(r.text)
        assert "This build has no Wikidata graph" in text
        assert "sistercities wikidata import sistercities build" in text
        j = requests.get(root + "/wikidata/compare.json", timeout=30)
        assert j.status_code == 404 and "sistercities wikidata import" in j.json()["error"]
        home = requests.get(root + "/", timeout=30).text
        assert not [a for a in elements(home, "a") if a.get("href") == "/wikidata/compare"]
    finally:
        stop_server(proc)


# --- in a real browser: axe and the Nu HTML checker on the page with its tables (like tests/test_browser.py) ----

@pytest.mark.browser
def test_axe_and_the_nu_checker_find_nothing_on_the_full_page(browser: Any, server: str, page: str,
                                                              tmp_path: Path) -> None:
    import shutil
    import subprocess

    from test_browser import PHONE, VNU, _axe, ensure_test_tools

    ensure_test_tools()
    for width in (PHONE["width"], 1100):
        ctx = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
        try:
            p = ctx.new_page()
            p.goto(server + "/wikidata/compare")
            bad = [v for v in _axe(p) if v["impact"] in ("serious", "critical") or v["id"] == "landmark-unique"]
            assert not bad, bad
            m = p.evaluate("() => ({s: document.documentElement.scrollWidth, c: document.documentElement.clientWidth})")
            assert m["s"] <= m["c"], f"{m['s']} px wide at {width} px"
        finally:
            ctx.close()
    f = tmp_path / "compare.html"
    f.write_text(page, encoding="utf-8")
    r = subprocess.run([shutil.which("java") or "java", "-jar", str(VNU), "--errors-only", "--format", "json", str(f)],
                       capture_output=True, text=True, timeout=300)
    errors = [m for m in json.loads(r.stderr or r.stdout)["messages"] if m.get("type") in ("error", "non-document-error")]
    assert not errors, errors
