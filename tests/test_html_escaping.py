"""Every literal is escaped: a generated build full of markup renders as text, over real HTTP too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests

from conftest import BASE, ROOT, start_server, stop_server
from html_helpers import jsonld_blocks, parse, svg, visible_text
from sistercities.build import build as do_build
from sistercities.html import render_resource, render_search
from sistercities.release import current
from sistercities.search import Hit
from sistercities.store import EmbeddedStore
from sistercities.uris import URLs

EVIL = "<script>alert('x')</script>"
CLOSE = "</script><script>alert(2)</script>"

# inline Turtle: a city whose every literal carries markup, twinned with a city that has coordinates
DATA = f"""
@prefix tw: <ontology/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<id/city/evil> a tw:City ; rdfs:label "{EVIL}"@en , "Ev&il \\"quoted\\" <b>bold</b>"@ru ;
    skos:altLabel "{CLOSE}"@en ; skos:editorialNote "<img src=x onerror=alert(3)> note"@en ;
    wgs:lat 10.0 ; wgs:long 20.0 ; tw:twinnedWith <id/city/good> .
<id/city/good> a tw:City ; rdfs:label "Good <i>town</i> & co"@en ; wgs:lat 12.5 ; wgs:long 25.0 ;
    tw:twinnedWith <id/city/evil> .
<id/twinning/evil-good> a tw:Twinning ; rdfs:label "{EVIL} twinning"@en ;
    tw:partner <id/city/evil> , <id/city/good> ; tw:startDate "1999-02"^^xsd:gYearMonth .
"""


@pytest.fixture(scope="module")
def evil_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("evil-project")
    shutil.copytree(ROOT / "ontology", project / "ontology")
    (project / "data").mkdir()
    (project / "data" / "evil.ttl").write_text(DATA, encoding="utf-8")
    build_dir = tmp_path_factory.mktemp("evil-build")
    do_build(project, build_dir, BASE, validate=False)
    return build_dir


def assert_safe(html: str) -> None:
    p = parse(html)
    # the only scripts are our JSON-LD blocks, and each parses as JSON
    assert [a.get("type") for a, _ in p.scripts] == ["application/ld+json"] * len(p.scripts)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert not [a for t, a in p.elements if t in ("img", "b", "i")]
    assert not [a for _, a in p.elements if any(k.startswith("on") for k in a)]
    jsonld_blocks(html)


def test_markup_in_literals_renders_as_text(evil_build: Path) -> None:
    rel = current(evil_build)
    store = EmbeddedStore(rel.store_dir)
    u = URLs()
    for langs in ([], ["ru"]):
        html = render_resource(store, u.iri("id/city/evil"), urls=u, langs=langs, release=rel, settings={})
        assert html is not None
        assert_safe(html)
    html = render_resource(store, u.iri("id/city/evil"), urls=u, langs=[], release=rel, settings={})
    text = visible_text(html)
    assert EVIL in text and CLOSE in text and "<img src=x onerror=alert(3)> note" in text
    assert "since February 1999" in text
    # JSON-LD keeps the exact label, and `</script>` could not close its element
    d = jsonld_blocks(html)[0]
    assert d["name"] == EVIL and CLOSE in d["alternateName"]
    # the SVG map is well-formed XML with the labels as text
    labels = {t.text for t in svg(html, "twin-map").iter("{http://www.w3.org/2000/svg}text")}
    assert EVIL in labels and "Good <i>town</i> & co" in labels
    ru = render_resource(store, u.iri("id/city/evil"), urls=u, langs=["ru"], release=rel, settings={})
    assert 'Ev&il "quoted" <b>bold</b>' in visible_text(ru)
    twin = render_resource(store, u.iri("id/twinning/evil-good"), urls=u, langs=[], release=rel, settings={})
    assert_safe(twin)


def test_search_page_escapes_query_and_hits() -> None:
    u = URLs()
    hits = [Hit(iri=u.iri("id/city/evil"), label=EVIL, alt_labels=[CLOSE], types=[EVIL], score=1)]
    html = render_search(f'"><{EVIL}', hits, urls=u)
    assert_safe(html)
    assert EVIL in visible_text(html)


def test_served_page_is_escaped(evil_build: Path, tmp_path: Path) -> None:
    proc, root = start_server(evil_build, workers=1, log=tmp_path / "server.log")
    try:
        r = requests.get(root + "/id/city/evil", headers={"Accept": "text/html"}, timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
        assert r.url.endswith("/doc/id/city/evil.html")
        assert_safe(r.text)
        assert EVIL in visible_text(r.text)
    finally:
        stop_server(proc)
