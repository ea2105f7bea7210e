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

from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
ARGS = CHROMIUM_ARGS


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


# --- every kind of page at phone width: no sideways scrolling, legible drawings, axe, the Nu checker ------------

PHONE = {"width": 390, "height": 844}
PAGE_KINDS = {
    "home": "/",
    "city": "/id/city/khabarovsk",
    "twinning": "/id/twinning/khabarovsk-niigata",
    "agreement": "/id/agreement/odesa-yokohama-mou-2023",
    "event": "/id/event/trukhanov-visit-yokohama-2023",
    "person": "/id/person/tatiana-ivanova",
    "organisation": "/id/org/business-yokohama",
    "source document": "/id/source/khabarovsk-japanese-delegation",
    "paragraph": "/id/source/khabarovsk-japanese-delegation/p2",
    "dataset": "/dataset.html",
    "ontology": "/ontology",
    "shapes": "/shapes",
    "SPARQL page": "/sparql",
    "SPARQL results": "/sparql?query=SELECT+*+WHERE+%7B%3Fs+%3Fp+%3Fo%7D+LIMIT+5",
    "search results": "/search?q=khabarovsk",
    "dumps": "/dumps/",
    # the real build has no Wikidata graph: the page says how to import one (404); the full page with its
    # tables is checked in tests/test_wikidata_page.py
    "no wikidata comparison": "/wikidata/compare",
    "not found": "/id/city/no-such-city",
    "bad request": "/search?q=",
}
ERROR_KINDS = {"not found": 404, "bad request": 400, "no wikidata comparison": 404}

TOOLS = Path(os.environ.get("SISTERCITIES_TEST_TOOLS")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sistercities-test-tools")
AXE = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
VNU = TOOLS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

MEASURE = """() => {
  const de = document.documentElement, small = [];
  for (const t of document.querySelectorAll('svg text')) {
    const r = t.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;              // not drawn
    const px = parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a;
    if (px < 11) small.push(`${t.textContent.trim()} at ${px.toFixed(1)} px`);
  }
  return {scrollWidth: de.scrollWidth, clientWidth: de.clientWidth, svgTexts: document.querySelectorAll('svg text').length, small};
}"""


def ensure_test_tools() -> None:
    """axe-core and vnu.jar from npm (pinned in scripts/install-browser), Java for vnu.jar."""
    if not (AXE.exists() and VNU.exists() and shutil.which("java")):
        result = subprocess.run(["bash", str(ROOT / "scripts" / "install-browser")], capture_output=True, text=True,
                                timeout=900)
        if not (AXE.exists() and VNU.exists() and shutil.which("java")):
            pytest.skip(f"axe-core / vnu.jar / Java cannot be installed here: {result.stderr.strip()[-300:]}")


@pytest.fixture(scope="module")
def phone(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(locale="en-GB", viewport=PHONE, device_scale_factor=1)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    try:
        yield page
    finally:
        ctx.close()


@pytest.mark.parametrize("kind", list(PAGE_KINDS))
def test_phone_width_no_sideways_scroll_and_legible_drawings(phone: Any, live_server: str, shots: Path,
                                                             kind: str) -> None:
    response = phone.goto(live_server + PAGE_KINDS[kind])
    assert response is not None and response.status == ERROR_KINDS.get(kind, 200), kind
    m = phone.evaluate(MEASURE)
    phone.screenshot(path=str(shots / f"browser-phone-{kind.replace(' ', '-')}.png"), full_page=True)
    assert m["clientWidth"] == PHONE["width"]
    assert m["scrollWidth"] <= m["clientWidth"], f"{kind}: the page is {m['scrollWidth']} px wide at 390 px"
    assert not m["small"], f"{kind}: drawing text below 11 px: {m['small'][:5]}"
    if kind == "city":
        assert m["svgTexts"] > 5  # the map and the timeline were measured, not skipped


def test_phone_width_measurement_can_fail(phone: Any, live_server: str) -> None:
    """The same measurement sees a page made too wide, and a drawing with tiny text."""
    phone.goto(live_server + "/")
    phone.evaluate("""() => { const d = document.createElement('div'); d.style.width = '600px'; d.textContent = 'x';
      document.querySelector('main').append(d);
      document.querySelector('main').insertAdjacentHTML('beforeend',
        '<svg viewBox="0 0 640 100" width="640" height="100"><text x="0" y="50" font-size="12">tiny</text></svg>'); }""")
    m = phone.evaluate(MEASURE)
    assert m["scrollWidth"] > m["clientWidth"]
    assert m["small"] and m["small"][0].startswith("tiny")


def _axe(page: Any) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")  # evaluated by the driver: the site's CSP stays strict
    result: list[dict[str, Any]] = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
      .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
    return result


@pytest.mark.parametrize("width", [PHONE["width"], 1100])
def test_axe_finds_no_serious_violations_on_any_page_kind(browser: Any, live_server: str, width: int) -> None:
    ensure_test_tools()
    ctx = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        for kind, path in PAGE_KINDS.items():
            page.goto(live_server + path)
            bad = [v for v in _axe(page) if v["impact"] in ("serious", "critical") or v["id"] == "landmark-unique"]
            if bad:
                found[kind] = bad
        # and axe does report: a control with no name, an image with no text
        page.goto(live_server + "/")
        page.evaluate("() => document.querySelector('main').insertAdjacentHTML('beforeend', "
                      "'<input type=\"text\"><img src=\"/static/site.css\">')")
        planted = {v["id"] for v in _axe(page)}
        assert {"label", "image-alt"} <= planted, planted
    finally:
        ctx.close()
    assert not found, found


def test_nu_html_checker_finds_no_errors_on_any_page_kind(live_server: str, tmp_path: Path) -> None:
    import json

    import requests

    ensure_test_tools()
    files: dict[str, str] = {}
    for i, (kind, path) in enumerate(PAGE_KINDS.items()):
        r = requests.get(live_server + path, headers={"Accept": "text/html"}, timeout=30)
        assert r.status_code == ERROR_KINDS.get(kind, 200) and r.headers["Content-Type"].startswith("text/html"), kind
        f = tmp_path / f"page{i:02d}.html"
        f.write_text(r.text, encoding="utf-8")
        files[f.resolve().as_uri()] = kind
    broken = tmp_path / "broken.html"  # the checker does find errors
    broken.write_text("<!doctype html><html lang=en><head></head><body><p><div></span></body></html>", encoding="utf-8")
    java = shutil.which("java") or "java"
    r = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json", *sorted(tmp_path.glob("*.html"))],
                       capture_output=True, text=True, timeout=600)
    messages = json.loads(r.stderr or r.stdout)["messages"]
    errors: dict[str, list[str]] = {}
    for msg in messages:
        if msg.get("type") in ("error", "non-document-error"):
            url = msg.get("url", "")
            key = files.get(url, "broken" if url.endswith("broken.html") else url)
            errors.setdefault(key, []).append(f"{msg.get('lastLine')}: {msg['message']}")
    assert "broken" in errors, messages
    errors.pop("broken")
    assert not errors, errors


def _luminance(rgb: tuple[int, ...]) -> float:
    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_focus_ring_contrasts_with_the_page(phone: Any, live_server: str) -> None:
    phone.goto(live_server + "/id/city/khabarovsk")
    seen = 0
    for _ in range(6):  # skip link, brand, the site's navigation ...
        phone.keyboard.press("Tab")
        ring = phone.evaluate("""() => { const el = document.activeElement, s = getComputedStyle(el);
          let bg = null;
          for (let e = el; e && !bg; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
            if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') bg = c; }
          return {tag: el.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
                  bg: bg || 'rgb(255, 255, 255)'}; }""")
        if ring["tag"] == "BODY":
            continue
        seen += 1
        nums = [tuple(int(x) for x in re.findall(r"\d+", ring[k])[:3]) for k in ("color", "bg")]
        assert ring["style"] != "none" and ring["width"] >= 2, ring
        assert _contrast(nums[0], nums[1]) >= 3, ring
    assert seen >= 3
