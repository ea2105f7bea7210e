"""VoID and the SPARQL 1.1 Service Description, from a :class:`Description`.

Both describe the same dataset node as the DCAT catalogue, with the same
endpoint, dumps and counts.  Never imports Flask.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, VOID, XSD

from sistercities.catalog.facts import GEONAMES, WIKIDATA
from sistercities.catalog.model import Description

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

#: Result formats the SPARQL endpoint answers in (W3C format IRIs).
RESULT_FORMATS = (
    "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
    "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "TriG", "N-Quads",
)
#: W3C format IRI (local name) of each dump syntax, for void:feature.
DUMP_FEATURE = {
    "text/turtle": "Turtle", "application/n-triples": "N-Triples", "application/n-quads": "N-Quads",
    "application/trig": "TriG", "application/ld+json": "JSON-LD", "application/rdf+xml": "RDF_XML",
}
#: Targets of the linksets: (key in stats.linksets, label, target dataset IRI, uriSpace, link predicate).
LINK_TARGETS = (
    ("wikidata", "Wikidata", "http://www.wikidata.org/entity/", WIKIDATA, OWL.sameAs),
    ("geonames", "GeoNames", "https://sws.geonames.org/", GEONAMES, RDFS.seeAlso),
)


def _int(n: object) -> Literal:
    return Literal(int(n), datatype=XSD.integer)  # type: ignore[call-overload]


def void_graph(d: Description) -> Graph:
    g = Graph()
    ds = URIRef(d.dataset)
    s = d.stats
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal(d.title, lang="en")))
    g.add((ds, DCTERMS.description, Literal(d.description, lang="en")))
    g.add((ds, DCTERMS.license, URIRef(d.license)))
    g.add((ds, DCTERMS.modified, Literal(d.modified, datatype=XSD.dateTime)))
    g.add((ds, OWL.versionInfo, Literal(d.version)))
    g.add((ds, FOAF.homepage, URIRef(d.landing_page)))
    g.add((ds, RDFS.seeAlso, URIRef(d.catalog_url)))
    g.add((ds, VOID.sparqlEndpoint, URIRef(d.endpoint)))
    g.add((ds, VOID.uriSpace, Literal(d.uri_space)))
    for f in sorted({DUMP_FEATURE[dump.media_type] for dump in d.dumps if dump.media_type in DUMP_FEATURE}):
        g.add((ds, VOID.feature, FORMATS[f]))
    for dump in d.dumps:
        g.add((ds, VOID.dataDump, URIRef(dump.url)))
    g.add((ds, VOID.triples, _int(d.triples)))
    for key, prop in (("entities", VOID.entities), ("distinct_subjects", VOID.distinctSubjects),
                      ("distinct_objects", VOID.distinctObjects), ("classes", VOID.classes), ("properties", VOID.properties)):
        if s.get(key) is not None:
            g.add((ds, prop, _int(s[key])))
    for v in s.get("vocabularies") or []:
        g.add((ds, VOID.vocabulary, URIRef(v)))
    for ex in s.get("example_resources") or []:
        g.add((ds, VOID.exampleResource, URIRef(ex)))
    for cp in s.get("class_partitions") or []:
        part = URIRef(f"{d.dataset}#class-{_slug(cp['class'])}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, RDF.type, VOID.Dataset))
        g.add((part, VOID["class"], URIRef(cp["class"])))
        g.add((part, VOID.entities, _int(cp["entities"])))
    for pp in s.get("property_partitions") or []:
        part = URIRef(f"{d.dataset}#property-{_slug(pp['property'])}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, RDF.type, VOID.Dataset))
        g.add((part, VOID.property, URIRef(pp["property"])))
        g.add((part, VOID.triples, _int(pp["triples"])))
    for graph in d.graphs:
        gi = URIRef(graph.iri)
        g.add((ds, VOID.subset, gi))
        g.add((gi, RDF.type, VOID.Dataset))
        if graph.triples is not None:
            g.add((gi, VOID.triples, _int(graph.triples)))
    links = s.get("linksets") or {}
    for key, label, target, space, pred in LINK_TARGETS:
        if key not in links:
            continue
        ls = URIRef(f"{d.dataset}#links-{key}")
        tgt = URIRef(target)
        g.add((ds, VOID.subset, ls))
        g.add((ls, RDF.type, VOID.Linkset))
        g.add((ls, DCTERMS.title, Literal(f"Links to {label}", lang="en")))
        g.add((ls, VOID.linkPredicate, pred))
        g.add((ls, VOID.subjectsTarget, ds))
        g.add((ls, VOID.objectsTarget, tgt))
        g.add((ls, VOID.triples, _int(links[key])))
        g.add((tgt, RDF.type, VOID.Dataset))
        g.add((tgt, DCTERMS.title, Literal(label)))
        g.add((tgt, VOID.uriSpace, Literal(space)))
    return g


def _slug(iri: str) -> str:
    import hashlib

    local = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    safe = "".join(c if c.isalnum() else "-" for c in local)[:40]
    return f"{safe}-{hashlib.sha1(iri.encode(), usedforsecurity=False).hexdigest()[:6]}"


def service_graph(d: Description) -> Graph:
    """SPARQL 1.1 Service Description of the endpoint."""
    g = Graph()
    svc = URIRef(d.service)
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, URIRef(d.endpoint)))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((svc, SD.feature, SD.UnionDefaultGraph))
    for f in RESULT_FORMATS:
        g.add((svc, SD.resultFormat, FORMATS[f]))
    dsn = URIRef(d.dataset)
    g.add((svc, SD.defaultDataset, dsn))
    g.add((dsn, RDF.type, SD.Dataset))
    g.add((dsn, RDF.type, VOID.Dataset))
    g.add((dsn, VOID.triples, _int(d.triples)))
    g.add((dsn, VOID.sparqlEndpoint, URIRef(d.endpoint)))
    for dump in d.dumps:
        g.add((dsn, VOID.dataDump, URIRef(dump.url)))
    dg = BNode("defaultgraph")
    g.add((dsn, SD.defaultGraph, dg))
    g.add((dg, RDF.type, SD.Graph))
    g.add((dg, VOID.triples, _int(d.triples)))
    for graph in d.graphs:
        ng = BNode()
        gi = URIRef(graph.iri)
        g.add((dsn, SD.namedGraph, ng))
        g.add((ng, RDF.type, SD.NamedGraph))
        g.add((ng, SD.name, gi))
        g.add((ng, SD.graph, gi))
        g.add((gi, RDF.type, SD.Graph))
        if graph.triples is not None:
            g.add((gi, VOID.triples, _int(graph.triples)))
    return g
