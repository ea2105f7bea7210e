"""The preview card (/reconcile/preview?id=…) over real HTTP against a real server, read with a real
HTML parser: label, type, country, Wikidata link, sister cities with dates, licence; framable by any
client (CSP frame-ancestors *); every literal escaped (a build full of markup); unknown and bad ids
answered 404/400, never a 500."""

from __future__ import annotations

import shutil
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
    assert text.startswith("Khabarovsk City in Russia")
    assert "Also: Хабаровск" in text and "Wikidata Q4454" in text and "GeoNames 2022890" in text
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
    assert "Also: Одесса · Одеса · Odessa" in text and "Sister cities: Yokohama (since 1965)" in text
    text = " ".join(visible_text(card(live_server, ID + "twinning/khabarovsk-niigata")).split())
    assert text.startswith("Twinning of Khabarovsk and Niigata Twinning, since 1965-04-23")
    assert "Partners: Khabarovsk, Niigata" in text
    text = " ".join(visible_text(card(live_server, ID + "country/japan")).split())
    assert text.startswith("Japan Country") and "Wikidata Q17" in text
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
    assert text.startswith(EVIL + " City in Land & <i>sea</i>")
    assert "Also: <img src=x onerror=alert(2)>" in text and "GeoNames <b>1</b>" in text
    assert 'Sister cities: Good "town" </p><p> (since 1999-02)' in text
