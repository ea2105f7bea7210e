"""``sistercities wikidata import [--all]`` against the Wikidata-shaped fixture on a real Oxigraph
server (tests/fixtures/wikidata/wikidata.ttl), through SPARQLWrapper; then validate and build the
project with the written data/wikidata.ttl and render city pages from that build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rdflib
from bench.generate_wikidata import generate
from click.testing import CliRunner
from rdflib.namespace import OWL, RDF, RDFS

from conftest import start_oxigraph, stop_server
from sistercities.build import build as do_build
from sistercities.cli import main
from sistercities.report import ERROR, WARNING, Report
from sistercities.validate import validate_project
from sistercities.wikidata import dates
from sistercities.wikidata.client import WikidataClient
from sistercities.wikidata.importer import run_import
from wikidata_stubs import Behaviour, endpoint

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/twinning/"
TW = rdflib.Namespace(BASE + "ontology/")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
SCHEMA = rdflib.Namespace("https://schema.org/")
WD = rdflib.Namespace("http://www.wikidata.org/entity/")
WDS = rdflib.Namespace("http://www.wikidata.org/entity/statement/")
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")


def city(slug: str) -> rdflib.URIRef:
    return rdflib.URIRef(f"{BASE}id/city/{slug}")


def record(statement: str) -> rdflib.URIRef:
    return rdflib.URIRef(f"{BASE}id/twinning/wikidata-{statement}")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    p = tmp_path / "project"
    for d in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / d, p / d)
    return p


def env(url: str, tmp: Path) -> dict[str, str]:
    return {"SISTERCITIES_WIKIDATA_SPARQL_URL": url, "SISTERCITIES_WIKIDATA_CACHE_DIR": str(tmp / "cache"),
            "SISTERCITIES_WIKIDATA_RATE": "0", "SISTERCITIES_WIKIDATA_TIMEOUT": "5", "SISTERCITIES_BASE_IRI": BASE,
            "SISTERCITIES_BUILD_DIR": str(tmp / "build")}


def run(project: Path, url: str, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["wikidata", "import", "--project", str(project), *args],
                           env=env(url, project.parent))
    return r.exit_code, r.stdout, r.stderr


def client(url: str, project: Path, **kw: object) -> WikidataClient:
    return WikidataClient(endpoint=url, rate=0, timeout=5, cache_dir=project.parent / "cache", **kw)  # type: ignore[arg-type]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def imported(project: Path, wikidata_endpoint: str) -> rdflib.Graph:
    code, out, err = run(project, wikidata_endpoint)
    assert code == 0, out + err
    assert "Wrote" in out and "15 Wikidata twinnings" in out
    g = rdflib.Graph()
    g.parse(project / "data" / "wikidata.ttl", format="turtle", publicID=BASE)
    return g


# --- the model --------------------------------------------------------------------------------


def test_dates_at_wikidata_precision(imported: rdflib.Graph) -> None:
    g = imported
    kn, nk = record("Q4454-0A1B2C3D-0001"), record("Q179691-0A1B2C3D-0002")
    assert g.value(kn, TW.startDate) == rdflib.Literal("1965", datatype=XSD.gYear)
    assert g.value(nk, TW.startDate) == rdflib.Literal("1965-04-23", datatype=XSD.date)
    assert g.value(kn, TW.statedOn) == city("khabarovsk") and g.value(nk, TW.statedOn) == city("niigata")
    assert set(g.objects(kn, TW.partner)) == {city("khabarovsk"), city("niigata")}
    assert (kn, RDF.type, TW.WikidataTwinning) in g
    assert g.value(kn, PROV.wasDerivedFrom) == WDS["Q4454-0A1B2C3D-0001"]
    assert "as Wikidata states it on Khabarovsk" in str(g.value(kn, RDFS.label))


def test_ended_twinning(imported: rdflib.Graph) -> None:
    g, os_ = imported, record("Q1874-0A1B2C3D-0010")
    assert g.value(os_, TW.endDate) == rdflib.Literal("2022-03", datatype=XSD.gYearMonth)
    assert g.value(os_, TW.startDate) == rdflib.Literal("1968", datatype=XSD.gYear)
    assert g.value(os_, TW.endCause) == WD.Q110999040
    assert g.value(WD.Q110999040, RDFS.label) == rdflib.Literal("Russian invasion of Ukraine", lang="en")
    assert g.value(os_, TW.status) == rdflib.URIRef(BASE + "id/concept/relationship-status/ended")
    assert g.value(record("Q4454-0A1B2C3D-0001"), TW.status) is None  # a status only when it ended


def test_one_record_per_statement(imported: rdflib.Graph) -> None:
    g = imported
    records = set(g.subjects(RDF.type, TW.WikidataTwinning))
    assert len(records) == 15
    victoria = [r for r in records if city("victoria") in set(g.objects(r, TW.partner))]
    assert victoria == [record("Q4454-0A1B2C3D-0005")]  # one direction only in Wikidata
    # never the curated meaning: no explicit tw:Twinning, no tw:twinnedWith shortcut, no owl:sameAs
    assert not list(g.subjects(RDF.type, TW.Twinning))
    assert not list(g.triples((None, TW.twinnedWith, None)))
    assert not list(g.triples((None, OWL.sameAs, None)))


def test_unknown_partner_is_a_place_of_its_own(imported: rdflib.Graph) -> None:
    g, lyon = imported, city("wikidata-Q456")
    assert (lyon, RDF.type, TW.City) in g
    assert g.value(lyon, TW.wikidataItem) == WD.Q456
    assert g.value(lyon, RDFS.label) == rdflib.Literal("Lyon", lang="en")
    france = g.value(lyon, TW.country)
    assert france == rdflib.URIRef(BASE + "id/country/wikidata-Q142")
    assert (france, RDF.type, TW.Country) in g and g.value(france, TW.wikidataItem) == WD.Q142
    assert str(g.value(lyon, rdflib.URIRef("http://www.w3.org/2003/01/geo/wgs84_pos#lat"))) == "45.7589"
    # a partner in a country we link gets our country
    assert g.value(city("wikidata-Q656"), TW.country) == rdflib.URIRef(BASE + "id/country/russia")
    assert (city("yokohama"), TW.wikidataItem, None) not in g  # our cities stay ours
    assert record("Q456-0A1B2C3D-0015") in set(g.subjects(TW.statedOn, lyon))


def test_references_and_retrieval(imported: rdflib.Graph, wikidata_endpoint: str) -> None:
    g = imported
    ref = rdflib.URIRef("http://www.wikidata.org/reference/ref0001")
    assert ref in set(g.objects(record("Q4454-0A1B2C3D-0003"), TW.wikidataReference))
    assert (ref, RDF.type, TW.StatementReference) in g
    assert g.value(ref, SCHEMA.url) == rdflib.URIRef("https://www.portland.gov/sister-cities/khabarovsk")
    assert g.value(ref, TW.retrieved) == rdflib.Literal("2024-05-02", datatype=XSD.date)
    ref2 = rdflib.URIRef("http://www.wikidata.org/reference/ref0002")
    assert g.value(ref2, rdflib.URIRef("http://purl.org/dc/terms/source")) == WD.Q38283
    (retrieval,) = set(g.objects(None, PROV.wasGeneratedBy))
    assert (retrieval, RDF.type, PROV.Activity) in g
    assert g.value(retrieval, PROV.used) == rdflib.URIRef(wikidata_endpoint)
    assert g.value(retrieval, PROV.startedAtTime) is not None and g.value(retrieval, PROV.endedAtTime) is not None
    texts = [str(q) for q in g.objects(retrieval, TW.query)]
    assert any("p:P190 ?statement" in t and "VALUES ?item" in t for t in texts)
    assert any("VALUES ?partner" in t for t in texts)  # statements on other items naming ours
    assert any("pr:P854" in t for t in texts)


# --- reruns -----------------------------------------------------------------------------------


def test_rerun_is_byte_identical_and_refresh_asks_again(project: Path, wikidata_endpoint: str) -> None:
    first = run_import(project, BASE, client(wikidata_endpoint, project))
    text = first.path.read_bytes()
    assert first.requests == 5 and first.cache_hits == 0
    again = run_import(project, BASE, client(wikidata_endpoint, project))
    assert again.requests == 0 and again.cache_hits == 5
    assert first.path.read_bytes() == text
    code, out, _err = run(project, wikidata_endpoint, "--refresh")
    assert code == 0 and "(5 requests, 0 cached)" in out


# --- failures leave data/ alone -----------------------------------------------------------------


@pytest.mark.parametrize("behaviour,expected", [
    (Behaviour(status=500, body=b"boom"), "500"),
    (Behaviour(status=200, body=b"<html>not json</html>"), "malformed SPARQL results"),
    (Behaviour(status=200, body=b'{"head": {}, "results": {"bindings": [{"statement": "x"}]}}'),
     "malformed SPARQL results"),
], ids=["http-500", "not-json", "bad-bindings"])
def test_misbehaving_endpoint(project: Path, behaviour: Behaviour, expected: str) -> None:
    before = snapshot(project / "data")
    with endpoint(behaviour) as url:
        code, _out, err = run(project, url)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and url in lines[0] and expected in lines[0], err
    assert "nothing was written" in lines[0]
    assert snapshot(project / "data") == before


def test_broken_data_file(project: Path, wikidata_endpoint: str) -> None:
    (project / "data" / "broken.ttl").write_text("@prefix tw: <ontology/> .\n<id/city/x> a tw:City\n", encoding="utf-8")
    before = snapshot(project / "data")
    code, _out, err = run(project, wikidata_endpoint)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and "data/broken.ttl:" in lines[0] and "nothing was written" in lines[0]
    assert snapshot(project / "data") == before


def test_unreachable_endpoint(project: Path) -> None:
    from conftest import free_port

    before = snapshot(project / "data")
    url = f"http://127.0.0.1:{free_port()}/sparql"
    code, _out, err = run(project, url)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "unreachable" in err and url in err
    assert snapshot(project / "data") == before


# --- the imported graph validates, builds and serves with the curated data ------------------------


def test_validate_build_and_pages(project: Path, imported: rdflib.Graph, tmp_path: Path) -> None:
    baseline = validate_project(ROOT, BASE, sources_dir=tmp_path / "none")
    report = validate_project(project, BASE, sources_dir=tmp_path / "none")
    assert report.ok, report.format("")
    # the import adds no warning: the curated shapes and quality queries do not see graph/wikidata
    def warnings(r: Report) -> list[tuple[str, str]]:
        return sorted((i.focus or "", i.message) for i in r.issues if i.severity == WARNING and i.kind != "evidence")

    assert warnings(report) == warnings(baseline)
    build_dir = tmp_path / "build"
    do_build(project, build_dir, BASE, sources_dir=tmp_path / "none")
    from sistercities.app import create_app

    app = create_app({"BUILD_DIR": str(build_dir)})
    app.config["TESTING"] = True
    c = app.test_client()
    for path in ("/id/city/khabarovsk", "/id/city/wikidata-Q456", "/id/twinning/wikidata-Q1874-0A1B2C3D-0010"):
        r = c.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
        assert r.status_code == 200, path


def test_shapes_check_the_imported_graph(project: Path, imported: rdflib.Graph, tmp_path: Path) -> None:
    path = project / "data" / "wikidata.ttl"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("tw:statedOn <id/city/khabarovsk>", "tw:statedOn <id/city/harbin>", 1),
                    encoding="utf-8")
    report = validate_project(project, BASE, sources_dir=tmp_path / "none")
    bad = [i for i in report.issues if i.severity == ERROR and i.rule == "<shapes/WikidataStatedOnShape>"]
    assert bad and bad[0].file == "data/wikidata.ttl" and bad[0].line is not None


# --- dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value,precision,lexical,datatype", [
    ("1965-01-01T00:00:00Z", 9, "1965", dates.GYEAR),
    ("2022-03-01T00:00:00Z", 10, "2022-03", dates.GYEARMONTH),
    ("1965-04-23T00:00:00Z", 11, "1965-04-23", dates.DATE),
    ("1965-04-23T10:30:00Z", 14, "1965-04-23", dates.DATE),
    ("+1965-00-00T00:00:00Z", 9, "1965", dates.GYEAR),
    ("1960-01-01T00:00:00Z", 8, None, None),
    ("1900-01-01T00:00:00Z", 7, None, None),
    ("1965-00-00T00:00:00Z", 10, None, None),
    ("1965-04-00T00:00:00Z", 11, None, None),
    ("-0044-03-15T00:00:00Z", 11, None, None),
    ("1965-02-30T00:00:00Z", 11, None, None),
])
def test_precision_to_datatype(value: str, precision: int, lexical: str | None, datatype: str | None) -> None:
    d = dates.to_literal(value, precision)
    assert (d.lexical, d.datatype) == (lexical, datatype)
    assert (d.note is None) == (lexical is not None)


# --- --all: pages, interrupted and resumed -----------------------------------------------------------


@pytest.fixture(scope="module")
def big_endpoint(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    d = tmp_path_factory.mktemp("wikidata-2000")
    (d / "wikidata.ttl").write_text(generate(2000, 7), encoding="utf-8")
    proc, url = start_oxigraph([d / "wikidata.ttl"], d / "store")
    try:
        yield url
    finally:
        stop_server(proc)


def test_all_in_pages_resumes_after_interruption(project: Path, big_endpoint: str) -> None:
    before = snapshot(project / "data")
    proxy = Behaviour(forward_to=big_endpoint, fail_from=3)  # the third request (page 3) fails
    with endpoint(proxy) as url:  # one URL throughout: the cache is keyed by endpoint and query text
        code, _out, err = run(project, url, "--all", "--page-size", "500")
        assert code == 1 and "500" in err.strip().splitlines()[-1]
        assert "page 2: 500 statements" in err and "page 3" not in err  # progress on stderr
        assert proxy.requests == 3
        assert snapshot(project / "data") == before
        proxy.fail_from, proxy.requests = None, 0
        code, out, err = run(project, url, "--all", "--page-size", "500")
        assert code == 0, err
        # pages 1-2 from the cache; asked: pages 3, 4, 5 (empty), 4 reference, 2 place and 2 label batches
        assert "page 1: 500 statements (500 so far) (cached)" in err
        assert proxy.requests == 11 and "(11 requests, 2 cached)" in out
        text = (project / "data" / "wikidata.ttl").read_bytes()
        code, out, _err = run(project, url, "--all", "--page-size", "500")
        assert code == 0 and proxy.requests == 11 and "(0 requests, 13 cached)" in out
        assert (project / "data" / "wikidata.ttl").read_bytes() == text
    g = rdflib.Graph()
    g.parse(data=text.decode(), format="turtle", publicID=BASE)
    assert len(set(g.subjects(RDF.type, TW.WikidataTwinning))) == 2000


def test_coarse_precision_gives_a_note_not_a_date() -> None:
    from sistercities.wikidata.importer import Fetched, Statement
    from sistercities.wikidata.model import Ours, build_graph

    wd = "http://www.wikidata.org/entity/"
    st = Statement(f"{wd}statement/Q1-X", f"{wd}Q1", f"{wd}Q2",
                   starts={("1960-01-01T00:00:00Z", "8")},
                   ends={("1990-01-01T00:00:00Z", "9"), ("1991-05-01T00:00:00Z", "10")})
    f = Fetched("http://127.0.0.1:1/sparql", statements={st.iri: st}, retrieved={"2026-12-03T16:15:00Z"},
                coords={f"{wd}Q2": {"<http://www.wikidata.org/entity/Q405> Point(1 2)"}})
    ours = Ours(BASE, {f"{wd}Q1": BASE + "id/city/a"}, {}, {BASE + "id/city/a": "A"}, ["en"])
    g, places = build_graph(f, ours)
    text = g.serialize("# test")
    parsed = rdflib.Graph().parse(data=text, format="turtle", publicID=BASE)
    rec = record("Q1-X")
    assert parsed.value(rec, TW.startDate) is None
    notes = [str(n) for n in parsed.objects(rec, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#editorialNote"))]
    assert any("start time (P580) is given only to the decade (precision 8)" in n for n in notes), notes
    assert parsed.value(rec, TW.endDate) == rdflib.Literal("1990", datatype=XSD.gYear)  # first of two, noted
    assert any("gives 2 values of the end time" in n for n in notes)
    assert parsed.value(rec, TW.status) is not None
    assert places == 1
    moon = city("wikidata-Q2")  # coordinates on another globe are not Earth coordinates
    assert parsed.value(moon, rdflib.URIRef("http://www.w3.org/2003/01/geo/wgs84_pos#lat")) is None
    assert (BASE + "id/retrieval/wikidata-20261203T161500Z") in {str(o) for o in parsed.objects(rec, PROV.wasGeneratedBy)}
