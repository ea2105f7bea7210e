"""Dereferencing on a generated build served by its own real server process.

The build has a non-default BASE_IRI (the server maps request paths onto it),
a city with a Cyrillic slug, a label that is an HTML injection attempt, and a
hub city that 450 twinning records point at (paging of incoming links).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import rdflib
import requests

from conftest import ROOT, start_server, stop_server

BASE = "http://data.example.org/twinning/"
TW = rdflib.Namespace(BASE + "ontology/")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
N_RECORDS = 450
PAGE_SIZE = 200  # the default setting
CYRILLIC_SLUG = "хабаровск-тест"
HUB = rdflib.URIRef(BASE + "id/city/hub")

HEADER = """\
@prefix tw: <ontology/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""


def _data() -> str:
    lines = [HEADER]
    lines.append(f'<id/city/{CYRILLIC_SLUG}> a tw:City ; rdfs:label "Хабаровск-тест"@ru , "Khabarovsk test"@en .')
    lines.append('<id/city/evil> a tw:City ; rdfs:label "<script>alert(1)</script>"@en ; '
                 'owl:sameAs <http://www.wikidata.org/entity/Q999000999> .')
    lines.append('<id/city/hub> a tw:City ; rdfs:label "Hub"@en .')
    for i in range(N_RECORDS):
        lines.append(f'<id/city/c{i:03d}> a tw:City ; rdfs:label "City {i:03d}"@en .')
        lines.append(f'<id/twinning/c{i:03d}-hub> a tw:Twinning ; rdfs:label "Twinning {i:03d}"@en ; '
                     f'tw:partner <id/city/hub> , <id/city/c{i:03d}> ; tw:startDate "{1950 + i % 70}"^^xsd:gYear ; '
                     f'prov:wasDerivedFrom <id/source/generated/p1> .')
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def gen_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sistercities.build import build

    project = tmp_path_factory.mktemp("genproject")
    shutil.copytree(ROOT / "ontology", project / "ontology")
    (project / "shapes").mkdir()
    (project / "data").mkdir()
    (project / "data" / "generated.ttl").write_text(_data(), encoding="utf-8")
    build_dir = tmp_path_factory.mktemp("genbuild")
    build(project, build_dir, BASE, validate=False)
    log = tmp_path_factory.mktemp("genlog") / "server.log"
    proc, root = start_server(Path(build_dir), workers=1, env={"SISTERCITIES_BASE_IRI": BASE}, log=log)
    try:
        yield root
    finally:
        stop_server(proc)


def test_cyrillic_slug(gen_server: str) -> None:
    path = "/id/city/" + quote(CYRILLIC_SLUG)
    r = requests.get(gen_server + path, headers={"Accept": "text/turtle"}, allow_redirects=False, timeout=10)
    assert r.status_code == 303
    assert urlsplit(r.headers["Location"]).path == "/doc" + path + ".ttl"
    g = rdflib.Graph().parse(gen_server + path)  # follows the 303
    iri = rdflib.URIRef(BASE + "id/city/" + CYRILLIC_SLUG)
    assert (iri, rdflib.RDFS.label, rdflib.Literal("Хабаровск-тест", lang="ru")) in g


def test_documents_use_the_configured_base_not_the_host(gen_server: str) -> None:
    text = requests.get(gen_server + "/doc/id/city/c001.ttl", timeout=10).text
    assert BASE + "id/city/c001" in text
    assert "127.0.0.1" not in text
    assert "w3id.org/twinning/id/" not in text


def test_label_is_escaped_in_html(gen_server: str) -> None:
    r = requests.get(gen_server + "/doc/id/city/evil.html", timeout=10)
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;alert(1)" in r.text
    s = requests.get(gen_server + "/search", params={"q": "script"}, headers={"Accept": "text/html"}, timeout=10)
    assert s.status_code == 200
    assert "<script>alert(1)" not in s.text


def test_wikidata_lookup_on_generated(gen_server: str) -> None:
    r = requests.get(gen_server + "/wikidata/Q999000999", allow_redirects=False, timeout=10)
    assert r.status_code == 303
    assert r.headers["Location"] == gen_server + "/id/city/evil"


def _page(root: str, n: int) -> tuple[requests.Response, rdflib.Graph]:
    url = root + "/doc/id/city/hub.ttl" + ("" if n == 1 else f"?page={n}")
    r = requests.get(url, timeout=30)
    assert r.status_code == 200, r.text
    return r, rdflib.Graph().parse(data=r.content, format="turtle")


def test_paging_of_incoming_links(gen_server: str) -> None:
    doc = BASE + "doc/id/city/hub.ttl"
    r1, g1 = _page(gen_server, 1)
    incoming1 = set(g1.subjects(TW.partner, HUB))
    assert len(incoming1) == PAGE_SIZE
    d1 = rdflib.URIRef(doc)
    assert int(g1.value(d1, HYDRA.totalItems)) == N_RECORDS
    assert g1.value(d1, HYDRA.next) == rdflib.URIRef(doc + "?page=2")
    assert g1.value(d1, HYDRA.last) == rdflib.URIRef(doc + "?page=3")
    assert '</doc/id/city/hub.ttl?page=2>; rel="next"' in r1.headers["Link"]
    # each record on the page comes with its dates and its other partner's label
    some = sorted(incoming1)[0]
    assert g1.value(some, TW.startDate) is not None
    other = next(p for p in g1.objects(some, TW.partner) if p != HUB)
    assert g1.value(other, rdflib.RDFS.label) is not None

    r2, g2 = _page(gen_server, 2)
    r3, g3 = _page(gen_server, 3)
    incoming2 = set(g2.subjects(TW.partner, HUB))
    incoming3 = set(g3.subjects(TW.partner, HUB))
    assert len(incoming3) == N_RECORDS - 2 * PAGE_SIZE
    assert not (incoming1 & incoming2) and not (incoming2 & incoming3)
    assert len(incoming1 | incoming2 | incoming3) == N_RECORDS
    d3 = rdflib.URIRef(doc + "?page=3")
    assert g3.value(d3, HYDRA.next) is None
    assert g3.value(d3, HYDRA.previous) == rdflib.URIRef(doc + "?page=2")
    assert 'rel="next"' not in r3.headers["Link"]
    assert r1.headers["ETag"] != r2.headers["ETag"]
    assert requests.get(gen_server + "/doc/id/city/hub.ttl?page=4", timeout=10).status_code == 404


def test_paged_thing_redirect_keeps_the_page(gen_server: str) -> None:
    r = requests.get(gen_server + "/id/city/hub?page=2", headers={"Accept": "text/turtle"}, allow_redirects=False, timeout=10)
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/doc/id/city/hub.ttl?page=2")
