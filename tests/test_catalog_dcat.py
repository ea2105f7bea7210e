"""The DCAT-AP catalogue against the official DCAT-AP 3.0.1 SHACL shapes (SEMIC),
run with pySHACL and no inference, as the EU test bed profiles do."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SH, XSD

from sistercities.catalog.dcat import centre, date_literal, wkt_box
from sistercities.catalog.facts import bounding_box

VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/"

#: The "well-known subclass axioms" the shapes README says the range shapes are run with.
SUBCLASS_AXIOMS = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix dct: <http://purl.org/dc/terms/> .
foaf:Organization rdfs:subClassOf foaf:Agent .
foaf:Person rdfs:subClassOf foaf:Agent .
vcard:Organization rdfs:subClassOf vcard:Kind .
vcard:Individual rdfs:subClassOf vcard:Kind .
dct:MediaType rdfs:subClassOf dct:MediaTypeOrExtent .
"""


@pytest.fixture(scope="module")
def shapes_dir(shared_dir: Path) -> Path:
    d = shared_dir / "standards" / "dcat-ap" / "3.0.1"
    assert (d / "shapes.ttl").is_file(), f"DCAT-AP shapes missing in {d}"
    return d


@pytest.fixture(scope="module")
def catalog(built, build_dir) -> rdflib.Graph:  # type: ignore[no-untyped-def]
    from sistercities import create_app

    app = create_app({"BUILD_DIR": str(build_dir), "PUBLIC_URL": "http://cat.example.org"})
    resp = app.test_client().get("/catalog", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    return rdflib.Graph().parse(data=resp.data, format="turtle")


def results(data: rdflib.Graph, shapes_file: Path) -> list[dict[str, str]]:
    shapes = rdflib.Graph().parse(shapes_file, format="turtle")
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        out.append({
            "severity": str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
            "focus": str(report.value(r, SH.focusNode)),
            "path": str(report.value(r, SH.resultPath)),
            "message": str(report.value(r, SH.resultMessage)),
        })
    return out


def test_base_shapes_zero_violations(catalog: rdflib.Graph, shapes_dir: Path) -> None:
    found = results(catalog, shapes_dir / "shapes.ttl")
    assert found == []


def test_range_shapes_zero_violations(catalog: rdflib.Graph, shapes_dir: Path) -> None:
    data = rdflib.Graph()
    for t in catalog:
        data.add(t)
    data.parse(data=SUBCLASS_AXIOMS, format="turtle")
    found = results(data, shapes_dir / "range.ttl")
    assert found == []


def test_recommended_properties_present(catalog: rdflib.Graph, shapes_dir: Path) -> None:
    found = results(catalog, shapes_dir / "shapes_recommended.ttl")
    # The one documented exception: no bbox/centroid on the EU authority country IRIs
    # (our own dct:Location node carries both).
    unexpected = [r for r in found if not (r["focus"].startswith(EU_COUNTRY)
                                           and r["path"] in (str(DCAT.bbox), str(DCAT.centroid)))]
    assert unexpected == []
    own = [loc for loc in catalog.subjects(RDF.type, DCTERMS.Location) if not str(loc).startswith(EU_COUNTRY)]
    assert own and all(catalog.value(loc, DCAT.bbox) and catalog.value(loc, DCAT.centroid) for loc in own)


def test_dates_have_date_datatypes(catalog: rdflib.Graph) -> None:
    """shapes.ttl's date checks use sh:shape (not SHACL Core), so check them here."""
    dated = list(catalog.subject_objects(DCTERMS.modified)) + list(catalog.subject_objects(DCTERMS.issued))
    assert len(dated) >= 4
    for _, o in dated:
        assert isinstance(o, rdflib.Literal) and o.datatype in (XSD.date, XSD.dateTime), o
        assert o.value is not None and not isinstance(o.value, str), f"ill-formed date {o!r}"
    for _, o in list(catalog.subject_objects(DCAT.startDate)) + list(catalog.subject_objects(DCAT.endDate)):
        assert o.datatype in (XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth), o


def test_every_object_is_typed(catalog: rdflib.Graph) -> None:
    untyped_ok = {RDF.type, DCAT.accessURL, DCAT.downloadURL, DCAT.endpointURL, DCAT.endpointDescription,
                  RDFS.seeAlso, VCARD.hasEmail, DCTERMS.identifier, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"),
                  rdflib.URIRef("http://www.w3.org/2004/02/skos/core#inScheme"),
                  rdflib.URIRef("http://spdx.org/rdf/terms#algorithm")}
    missing = {(str(p), str(o)) for _, p, o in catalog
               if isinstance(o, (rdflib.URIRef, rdflib.BNode)) and p not in untyped_ok and catalog.value(o, RDF.type) is None}
    assert missing == set()


def test_catalogue_content(catalog: rdflib.Graph, built) -> None:  # type: ignore[no-untyped-def]
    ds = rdflib.URIRef(built.manifest["base_iri"] + "dataset")
    assert (ds, RDF.type, DCAT.Dataset) in catalog
    assert str(catalog.value(ds, rdflib.URIRef(str(DCAT) + "version"))) == built.version
    pub = catalog.value(ds, DCTERMS.publisher)
    assert (pub, RDF.type, FOAF.Organization) in catalog and catalog.value(pub, FOAF.name)
    contact = catalog.value(ds, DCAT.contactPoint)
    assert str(catalog.value(contact, VCARD.hasEmail)).startswith("mailto:")
    themes = {str(t).rsplit("/", 1)[-1] for t in catalog.objects(ds, DCAT.theme)}
    assert {"GOVE", "SOCI", "REGI"} <= themes
    spatial = {str(s) for s in catalog.objects(ds, DCTERMS.spatial)}
    assert EU_COUNTRY + "RUS" in spatial and EU_COUNTRY + "JPN" in spatial
    svc = catalog.value(None, RDF.type, DCAT.DataService)
    assert str(catalog.value(svc, DCAT.endpointURL)) == "http://cat.example.org/sparql"
    assert (svc, DCTERMS.conformsTo, rdflib.URIRef("https://www.w3.org/TR/sparql11-protocol/")) in catalog
    dumps = [d for d in catalog.objects(ds, DCAT.distribution) if catalog.value(d, DCAT.downloadURL)]
    assert len(dumps) == len(built.manifest["dumps"]) >= 1
    for dist in catalog.objects(ds, DCAT.distribution):
        assert catalog.value(dist, DCTERMS.license) is not None
        assert catalog.value(dist, DCAT.accessURL) is not None


def test_date_literal_precision() -> None:
    assert date_literal("1965").datatype == XSD.gYear
    assert date_literal("2005-05").datatype == XSD.gYearMonth
    assert date_literal("2023-03-16").datatype == XSD.date
    assert date_literal("2026-01-02T03:04:05Z").datatype == XSD.dateTime


@pytest.mark.parametrize(
    ("points", "wkt_start", "lon"),
    [
        ([(10.0, 1.0), (20.0, 2.0)], "POLYGON((10.0 1.0,20.0 1.0", 15.0),
        # Odesa, Khabarovsk and Portland: the short way round crosses 180°, so the box is split there
        ([(30.7, 46.5), (135.1, 48.5), (-122.7, 45.5)], "MULTIPOLYGON(((30.7 45.5,180 45.5", 134.0),
    ],
)
def test_bounding_box_takes_the_short_way_round(points: list[tuple[float, float]], wkt_start: str, lon: float) -> None:
    box = bounding_box(points)
    assert box is not None
    assert wkt_box(box).startswith(wkt_start)
    assert centre(box)[0] == pytest.approx(lon)


def test_shapes_catch_a_broken_catalogue(catalog: rdflib.Graph, shapes_dir: Path) -> None:
    """The validation above can fail: a dataset without a title and a byte size as a string are violations."""
    broken = rdflib.Graph()
    for t in catalog:
        broken.add(t)
    ds = next(broken.subjects(RDF.type, DCAT.Dataset))
    broken.remove((ds, DCTERMS.title, None))
    dist = next(d for d in broken.subjects(DCAT.byteSize, None))
    broken.set((dist, DCAT.byteSize, rdflib.Literal("12 kB")))
    paths = {r["path"] for r in results(broken, shapes_dir / "shapes.ttl") if r["severity"] == "Violation"}
    assert {str(DCTERMS.title), str(DCAT.byteSize)} <= paths
