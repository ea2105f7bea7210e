"""The preview card (/reconcile/preview?id=…) over real HTTP against a real server, read with a real
HTML parser: label, type, country, Wikidata link, sister cities with dates, licence; framable by any
client (CSP frame-ancestors *); every literal escaped (a build full of markup); unknown and bad ids
answered 404/400, never a 500."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BASE, ROOT, start_server, stop_server
from html_helpers import parse, visible_text
from sistercities.build import build as do_build

PREVIEW = "/reconcile/preview"
ID = BASE + "id/"


def card(root: str, ident: str, status: int = 200) -> str:
    r = requests.get(root + PREVIEW, params={"id": ident}, timeout=10)
    assert r.status_code == status, r.text[:300]
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "frame-ancestors *" in r.headers["Content-Security-Policy"]  # shown in the client's <iframe>
    return r.text


def links(html: str) -> dict[str, str]:
    p = parse(html)
    return {str(a.get("href")): str(a.get("rel")) for t, a in p.elements if t == "a"}


@pytest.mark.parametrize("ident", [ID + "city/khabarovsk", "id/city/khabarovsk", "/id/city/khabarovsk"])
def test_city_card(live_server: str, ident: str) -> None:
    html = card(live_server, ident)
    text = " ".join(visible_text(html).split())
    assert text.startswith("Khabarovsk Хабаровск City in Russia · Wikidata Q4454 · GeoNames 2022890")
    assert ("Sister cities: Bucheon, Harbin (since 1993-06-15), Niigata (since 1965-04-23), "
            "Portland (since 1988-06-10), Victoria (since 1990-05-25)") in text
    assert "Data CC BY 4.0" in text
    a = links(html)
    assert "https://www.wikidata.org/wiki/Q4454" in a
    assert live_server + "/id/city/khabarovsk" in a and live_server + "/id/country/russia" in a
    assert a["https://creativecommons.org/licenses/by/4.0/"] == "license noopener"
    # links leave the iframe for a new tab, and a card has no script
    assert all("noopener" in rel for rel in a.values())
    assert not parse(html).scripts
    css = [x.get("href") for t, x in parse(html).elements if t == "link"]
    assert css == [live_server + "/static/reconcile-preview.css"]
    assert requests.get(str(css[0]), timeout=10).status_code == 200


def test_gyear_twinning_and_other_kinds(live_server: str) -> None:
    text = " ".join(visible_text(card(live_server, ID + "city/odesa")).split())
    assert text.startswith("Odesa Одесса · Одеса · Odessa City in Ukraine") and "Sister cities: Yokohama (since 1965)" in text
    text = " ".join(visible_text(card(live_server, ID + "twinning/khabarovsk-niigata")).split())
    assert text.startswith("Twinning of Khabarovsk and Niigata Twinning, since 1965-04-23")
    assert "Partners: Khabarovsk, Niigata" in text
    text = " ".join(visible_text(card(live_server, ID + "country/japan")).split())
    assert text.startswith("Japan 日本 Country · Wikidata Q17")
    text = " ".join(visible_text(card(live_server, ID + "source/khabarovsk-sister-cities")).split())
    assert text.startswith("Khabarovsk sister cities Untitled page of the friend cities section of the Khabarovsk "
                           "City Administration site Source document")
    text = " ".join(visible_text(card(live_server, ID + "city/maizuru")).split())
    assert "Wikidata" not in text  # no verified item, no link


@pytest.mark.parametrize("ident", [ID + "city/atlantis", "Q4454", "https://example.org/x", "id/city/a b",
                                   "<script>alert(1)</script>", "id/city/\u0000", "é" * 300])
def test_unknown_ids_are_404(live_server: str, ident: str) -> None:
    html = card(live_server, ident, 404 if "\u0000" not in ident else 400)
    assert "<script>alert" not in html
    assert not parse(html).scripts


def test_missing_id_is_400(live_server: str) -> None:
    assert "Missing id" in card(live_server, "", 400)
    r = requests.get(live_server + PREVIEW, timeout=10)
    assert r.status_code == 400 and "Missing id" in r.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ident=st.one_of(st.text(max_size=80), st.text(max_size=30).map(lambda t: "id/city/" + t),
                       st.text(max_size=30).map(lambda t: ID + t)))
def test_hostile_ids_never_500(live_server: str, ident: str) -> None:
    r = requests.get(live_server + PREVIEW, params={"id": ident}, timeout=10)
    assert r.status_code in (200, 400, 404), (ident, r.status_code)
    assert not parse(r.text).scripts


# --- every literal escaped --------------------------------------------------------------------------
EVIL = "<script>alert('x')</script>"
DATA = f"""
@prefix tw: <ontology/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
<id/city/evil> a tw:City ; rdfs:label "{EVIL}"@en ; skos:altLabel "<img src=x onerror=alert(2)>"@en ;
    tw:country <id/country/evil> ; tw:geonamesId "<b>1</b>" ; wgs:lat 1.0 ; wgs:long 2.0 ;
    tw:twinnedWith <id/city/good> .
<id/country/evil> a tw:Country ; rdfs:label "Land & <i>sea</i>"@en .
<id/city/good> a tw:City ; rdfs:label "Good \\"town\\" </p><p>"@en ; tw:twinnedWith <id/city/evil> .
<id/twinning/evil-good> a tw:Twinning ; rdfs:label "{EVIL} twinning"@en ;
    tw:partner <id/city/evil> , <id/city/good> ; tw:startDate "1999-02"^^xsd:gYearMonth .
"""


@pytest.fixture(scope="module")
def evil_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    project = tmp_path_factory.mktemp("evil-preview")
    shutil.copytree(ROOT / "ontology", project / "ontology")
    (project / "data").mkdir()
    (project / "data" / "evil.ttl").write_text(DATA, encoding="utf-8")
    build_dir: Path = tmp_path_factory.mktemp("evil-preview-build")
    do_build(project, build_dir, BASE, validate=False)
    proc, root = start_server(build_dir, workers=1)
    try:
        yield root
    finally:
        stop_server(proc)


def test_markup_in_literals_is_escaped(evil_server: str) -> None:
    html = card(evil_server, ID + "city/evil")
    p = parse(html)
    assert not p.scripts and not [t for t, _ in p.elements if t in ("img", "b", "i", "script")]
    assert len([t for t, _ in p.elements if t == "p"]) == html.count("<p")  # no injected paragraph
    assert "<script>alert" not in html and "<img src=x" not in html
    text = " ".join(visible_text(html).split())
    assert text.startswith(EVIL + " <img src=x onerror=alert(2)> City in Land & <i>sea</i> · GeoNames <b>1</b>")
    assert 'Sister cities: Good "town" </p><p> (since 1999-02)' in text


# --- in a client's <iframe>, as OpenRefine shows it ----------------------------------------------------
class _Client(BaseHTTPRequestHandler):
    """The page of a reconciliation client on another origin (a second loopback server)."""

    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.browser
def test_card_renders_in_a_cross_origin_iframe(browser, build_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """A real Chromium frames the card, at the manifest's size, in a page of another origin
    (http://localhost:<port>, a real loopback server: a page Playwright fulfils itself counts as
    public and Chromium's private-network rules would refuse any loopback frame); a site page
    in the same kind of frame is refused (frame-ancestors 'none'), so a refused card would show."""
    proc, root = start_server(build_dir, workers=4)  # Chromium's preconnects each hold a sync worker
    client = ThreadingHTTPServer(("127.0.0.1", 0), _Client)
    threading.Thread(target=client.serve_forever, daemon=True).start()
    try:
        m = requests.get(root + "/reconcile", timeout=10).json()["preview"]
        url = m["url"].replace("{{id}}", requests.utils.quote(ID + "city/khabarovsk", safe=""))
        size = f'width="{m["width"]}" height="{m["height"]}"'
        _Client.page = (f'<!doctype html><title>client</title><iframe id="card" src="{url}" {size}></iframe>'
                        f'<iframe id="page" src="{root}/doc/city/khabarovsk.html" {size}></iframe>').encode()
        ctx = browser.new_context(viewport={"width": 900, "height": 400})
        page = ctx.new_page()
        page.set_default_timeout(20_000)
        try:
            page.goto(f"http://localhost:{client.server_address[1]}/")
            card_frame = page.frame_locator("#card")
            assert card_frame.locator("h1 > a").inner_text() == "Khabarovsk"
            assert "Sister cities" in card_frame.locator("p.partners").inner_text()
            # the stylesheet applied (CSP style-src 'self' lets it in): the partners' label is bold
            weight = card_frame.locator("p.partners .what").evaluate("e => getComputedStyle(e).fontWeight")
            assert int(weight) >= 600
            shots = ROOT / "test-artifacts"
            shots.mkdir(exist_ok=True)
            page.locator("#card").screenshot(path=str(shots / "reconcile-preview-card.png"))
            # it fits the frame: the licence line is inside the manifest's height, no scrolling
            assert card_frame.locator("body").evaluate("b => b.scrollHeight") <= m["height"]
            assert "Khabarovsk" not in page.frame_locator("#page").locator("body").inner_text()
        finally:
            ctx.close()
    finally:
        client.shutdown()
        stop_server(proc)
