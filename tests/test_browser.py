"""A real headless Chromium (Debian's, driven by Playwright) reads the site like a person would.

Home page -> type "Pucheon" in the search box -> the Bucheon result -> its sister city
Khabarovsk -> an agreement -> back.  Checks what is visible on screen and saves a
screenshot of every step to ``test-artifacts/``.  Skipped (with the reason) only when
Chromium is absent and ``scripts/install-browser`` cannot install it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def ensure_chromium() -> str:
    if not Path(CHROMIUM).exists():
        script = ROOT / "scripts" / "install-browser"
        result = subprocess.run([str(script)], capture_output=True, text=True, timeout=900)
        if not Path(CHROMIUM).exists():
            pytest.skip(f"Chromium is not installed and cannot be installed here: {result.stderr.strip()[-300:]}")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    exe = ensure_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def shots() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("browser-*.png"):
        old.unlink()
    return ARTIFACTS


def test_search_follow_links_and_back(browser: Any, live_server: str, shots: Path) -> None:
    ctx = browser.new_context(locale="en-GB", viewport={"width": 1100, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(live_server + "/")
        assert page.locator("h1").inner_text().startswith("Sister Cities")
        assert re.search(r"\d+\s+cities", page.locator("ul.counts").inner_text())
        assert page.get_by_role("link", name="SPARQL endpoint").is_visible()
        page.screenshot(path=str(shots / "browser-1-home.png"), full_page=True)

        # search for the spelling the source uses
        page.get_by_label("Search cities, people, agreements").fill("Pucheon")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url(re.compile(r"/search\?q=Pucheon"))
        results = page.locator("ol.hits")
        assert "Bucheon" in results.inner_text()
        assert "Matched “Pucheon”, another name of Bucheon." in results.inner_text()
        page.screenshot(path=str(shots / "browser-2-search.png"), full_page=True)

        # follow the hit: the IRI answers 303 to the HTML document
        results.get_by_role("link", name="Bucheon").first.click()
        page.wait_for_url(re.compile(r"/doc/id/city/bucheon(\.html)?$"))
        assert page.locator("h1").inner_text() == "Bucheon"
        sisters = page.locator("table.sisters")
        assert "Khabarovsk" in sisters.inner_text()
        assert page.locator("ul.names").inner_text().count("Pucheon") == 1
        page.screenshot(path=str(shots / "browser-3-bucheon.png"), full_page=True)

        # on to its sister city
        sisters.get_by_role("link", name="Khabarovsk").first.click()
        page.wait_for_url(re.compile(r"/doc/id/city/khabarovsk(\.html)?$"))
        assert page.locator("h1").inner_text() == "Khabarovsk"
        table = page.locator("table.sisters").inner_text()
        assert "Niigata" in table and "since 23 April 1965" in table
        twin_map = page.locator("svg.twin-map")
        assert twin_map.is_visible() and twin_map.locator("line.twin-link").count() == 5
        page.screenshot(path=str(shots / "browser-4-khabarovsk.png"), full_page=True)

        # an agreement, then back
        page.get_by_role("link", name="Agreement about sisters affiliation between Khabarovsk and Niigata (1965)").first.click()
        page.wait_for_url(re.compile(r"/doc/id/agreement/khabarovsk-niigata-1965(\.html)?$"))
        facts = page.locator("dl.facts").first.inner_text()
        assert "Niigata" in facts and "1965" in facts
        assert "Curator's note" in page.locator("aside.note").first.inner_text()
        page.screenshot(path=str(shots / "browser-5-agreement.png"), full_page=True)

        # the source paragraph link lands on the paragraph of the source page
        page.locator("p.provenance a", has_text="3").first.click()
        page.wait_for_url(re.compile(r"/doc/id/source/khabarovsk-sister-cities(\.html)?#p3$"))
        assert "Paragraph 3" in page.locator("#p3").inner_text()
        page.screenshot(path=str(shots / "browser-6-source.png"), full_page=False)

        page.go_back()
        page.go_back()
        page.wait_for_url(re.compile(r"/doc/id/city/khabarovsk(\.html)?$"))
        assert page.locator("h1").inner_text() == "Khabarovsk"
    finally:
        ctx.close()


def test_russian_reader_gets_russian_names(browser: Any, live_server: str, shots: Path) -> None:
    ctx = browser.new_context(locale="ru-RU")
    page = ctx.new_page()
    try:
        page.goto(live_server + "/id/city/khabarovsk")
        assert page.locator("h1").inner_text() == "Хабаровск"
        assert page.title().startswith("Хабаровск")
        assert page.locator("h1 [lang=ru]").count() == 1
        page.screenshot(path=str(shots / "browser-7-russian.png"))
    finally:
        ctx.close()


def test_evidence_opens_next_to_the_fact(browser: Any, live_server: str, shots: Path) -> None:
    page = browser.new_page()
    try:
        page.goto(live_server + "/id/twinning/khabarovsk-niigata")
        box = page.locator("details.evidence").filter(has_text="23 rd of April 1965").first
        assert not box.locator("blockquote").first.is_visible()  # closed until asked for
        box.locator("summary").click()
        assert box.locator("blockquote").first.is_visible()
        assert "paragraph 1" in box.inner_text()
        page.screenshot(path=str(shots / "browser-8-evidence.png"))
    finally:
        page.close()


def test_query_page_shows_the_undeclared_term_warning_with_javascript(browser: Any, live_server: str,
                                                                      shots: Path) -> None:
    page = browser.new_page()
    try:
        page.goto(live_server + "/sparql")
        page.locator(".CodeMirror").wait_for()  # the editor (tests/test_query_editor.py) replaces the textarea
        page.evaluate("q => document.querySelector('.CodeMirror').CodeMirror.setValue(q)",
                      "PREFIX tw: <https://w3id.org/twinning/ontology/>\nSELECT ?a ?b WHERE { ?a tw:twinedWith ?b }")
        page.locator("form button[type=submit], form input[type=submit]").first.click()
        warning = page.locator(".sparql-warning")
        warning.wait_for(timeout=15000)
        assert "twinnedWith" in warning.inner_text()
        page.screenshot(path=str(shots / "browser-9-sparql-warning.png"))
    finally:
        page.close()


def test_install_script_is_idempotent() -> None:
    if not Path(CHROMIUM).exists() and os.geteuid() != 0:
        pytest.skip("Chromium missing and not root")
    bash = shutil.which("bash") or "/bin/bash"
    r = subprocess.run([bash, str(ROOT / "scripts" / "install-browser")], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    assert Path(CHROMIUM).exists()
