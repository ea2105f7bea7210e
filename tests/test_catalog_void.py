"""VoID statistics against counts computed independently with SPARQL on the store,
and the agreement of VoID, the SPARQL service description and DCAT."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import rdflib
from rdflib.namespace import DCAT, OWL, RDF, RDFS, VOID

from sistercities import create_app, describe
from sistercities.uris import URLs

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
ROOT = "http://harvest.example.org"


@pytest.fixture(scope="module")
def served(build_dir) -> dict[str, rdflib.Graph]:  # type: ignore[no-untyped-def]
    c = create_app({"BUILD_DIR": str(build_dir), "PUBLIC_URL": ROOT}).test_client()
    out = {}
    for name, path in (("void", "/.well-known/void"), ("dcat", "/catalog")):
        r = c.get(path, headers={"Accept": "application/n-triples"})
        assert r.status_code == 200 and r.mimetype == "application/n-triples"
        out[name] = rdflib.Graph().parse(data=r.data, format="nt")
    return out


@pytest.fixture(scope="module")
def sd(built) -> rdflib.Graph:  # type: ignore[no-untyped-def]
    from sistercities import settings

    cfg = settings.load({"BUILD_DIR": "unused"})
    return describe.service_description(built, cfg, URLs(base=cfg["BASE_IRI"], root=ROOT))


def n(sparql: Callable[[str], list[dict[str, Any]]], q: str) -> int:
    return int(sparql(q)[0]["n"].value)


def one(g: rdflib.Graph, s: Any, p: Any) -> int:
    v = g.value(s, p)
    assert v is not None, f"no {p} on {s}"
    return int(v)


def test_void_counts_match_the_store(served: dict[str, rdflib.Graph], sparql, built) -> None:  # type: ignore[no-untyped-def]
    g = served["void"]
    ds = rdflib.URIRef(built.manifest["base_iri"] + "dataset")
    assert (ds, RDF.type, VOID.Dataset) in g
    union = "{ SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
    assert one(g, ds, VOID.triples) == n(sparql, f"SELECT (COUNT(*) AS ?n) WHERE {union}")
    assert one(g, ds, VOID.distinctSubjects) == n(sparql, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert one(g, ds, VOID.distinctObjects) == n(sparql, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert one(g, ds, VOID.properties) == n(sparql, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert one(g, ds, VOID.classes) == n(sparql, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?s a ?c } FILTER(isIRI(?c)) }")
    # every named graph is a subset whose triples add up to the quads in the store
    subsets = [s for s in g.objects(ds, VOID.subset) if (s, RDF.type, VOID.Linkset) not in g]
    total = n(sparql, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert sum(one(g, s, VOID.triples) for s in subsets) == total == built.manifest["triples"]


def test_class_and_property_partitions(served: dict[str, rdflib.Graph], sparql, built) -> None:  # type: ignore[no-untyped-def]
    g = served["void"]
    ds = rdflib.URIRef(built.manifest["base_iri"] + "dataset")
    expected_classes = {r["c"].value: int(r["n"].value) for r in sparql(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } FILTER(isIRI(?c)) } GROUP BY ?c")}
    got_classes = {str(g.value(p, VOID["class"])): one(g, p, VOID.entities) for p in g.objects(ds, VOID.classPartition)}
    assert got_classes == expected_classes
    expected_props = {r["p"].value: int(r["n"].value) for r in sparql(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?p")}
    got_props = {str(g.value(p, VOID.property)): one(g, p, VOID.triples) for p in g.objects(ds, VOID.propertyPartition)}
    assert got_props == expected_props


@pytest.mark.parametrize(("key", "predicate", "space"), [
    ("wikidata", OWL.sameAs, "http://www.wikidata.org/entity/"),
    ("geonames", RDFS.seeAlso, "https://sws.geonames.org/"),
])
def test_linksets(served: dict[str, rdflib.Graph], sparql, built, key: str, predicate: rdflib.URIRef, space: str) -> None:  # type: ignore[no-untyped-def]
    g = served["void"]
    base = built.manifest["base_iri"]
    ls = rdflib.URIRef(f"{base}dataset#links-{key}")
    assert (ls, RDF.type, VOID.Linkset) in g
    assert g.value(ls, VOID.linkPredicate) == predicate
    assert g.value(ls, VOID.subjectsTarget) == rdflib.URIRef(base + "dataset")
    expected = n(sparql, f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{predicate}> ?o }}
                 FILTER(STRSTARTS(STR(?o), "{space}") && STRSTARTS(STR(?s), "{base}id/")) }} }}""")
    assert expected > 0
    assert one(g, ls, VOID.triples) == expected


def test_example_resources_and_uri_space(served: dict[str, rdflib.Graph], sparql, built) -> None:  # type: ignore[no-untyped-def]
    g = served["void"]
    base = built.manifest["base_iri"]
    ds = rdflib.URIRef(base + "dataset")
    assert str(g.value(ds, VOID.uriSpace)) == base + "id/"
    examples = list(g.objects(ds, VOID.exampleResource))
    assert examples
    for ex in examples:
        assert str(ex).startswith(base + "id/")
        assert sparql(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{ex}> ?p ?o }} }}")[0]["n"].value != "0"
    assert rdflib.URIRef(base + "ontology/") in set(g.objects(ds, VOID.vocabulary))


def test_sd_void_dcat_agree(served: dict[str, rdflib.Graph], sd: rdflib.Graph, built) -> None:  # type: ignore[no-untyped-def]
    void, dcat = served["void"], served["dcat"]
    ds = rdflib.URIRef(built.manifest["base_iri"] + "dataset")
    svc = next(sd.subjects(RDF.type, SD.Service))
    endpoint = ROOT + "/sparql"
    # one endpoint
    assert str(sd.value(svc, SD.endpoint)) == endpoint
    assert str(void.value(ds, VOID.sparqlEndpoint)) == endpoint
    assert {str(u) for u in dcat.objects(None, DCAT.endpointURL)} == {endpoint}
    # the same dataset node, the same dumps
    assert sd.value(svc, SD.defaultDataset) == ds
    dumps_void = {str(u) for u in void.objects(ds, VOID.dataDump)}
    dumps_sd = {str(u) for u in sd.objects(ds, VOID.dataDump)}
    dumps_dcat = {str(u) for u in dcat.objects(None, DCAT.downloadURL)}
    expected = {f"{ROOT}/dumps/{d['file']}" for d in built.manifest["dumps"]}
    assert dumps_void == dumps_sd == dumps_dcat == expected
    # the same counts: default graph = dataset triples, named graphs = VoID subsets
    dg = sd.value(ds, SD.defaultGraph)
    assert one(sd, dg, VOID.triples) == one(void, ds, VOID.triples) == one(sd, ds, VOID.triples)
    named_sd = {str(sd.value(ng, SD.name)): one(sd, sd.value(ng, SD.name), VOID.triples) for ng in sd.objects(ds, SD.namedGraph)}
    named_void = {str(s): one(void, s, VOID.triples) for s in void.objects(ds, VOID.subset) if (s, RDF.type, VOID.Linkset) not in void}
    assert named_sd == named_void == {gr["iri"]: gr["triples"] for gr in built.manifest["graphs"]}
    # the version is the build's everywhere
    assert str(dcat.value(ds, OWL.versionInfo)) == str(void.value(ds, OWL.versionInfo)) == built.version


def test_sd_features_and_formats(sd: rdflib.Graph) -> None:
    svc = next(sd.subjects(RDF.type, SD.Service))
    assert (svc, SD.supportedLanguage, SD.SPARQL11Query) in sd
    assert (svc, SD.feature, SD.UnionDefaultGraph) in sd
    formats = {str(f).rsplit("/", 1)[-1] for f in sd.objects(svc, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
            "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "TriG", "N-Quads"} <= formats
