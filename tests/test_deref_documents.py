"""What the documents contain, and how they behave as HTTP resources (caching, HEAD, errors)."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
import rdflib
import requests
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, VOID, XSD

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

BASE = "https://w3id.org/twinning/"
TW = rdflib.Namespace(BASE + "ontology/")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
KHABAROVSK = rdflib.URIRef(BASE + "id/city/khabarovsk")
NIIGATA = rdflib.URIRef(BASE + "id/city/niigata")
TWINNING = rdflib.URIRef(BASE + "id/twinning/khabarovsk-niigata")
RDFLIB_FORMAT = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt", "trig": "trig", "nq": "nquads"}

DOCS = [
    ("id/city/khabarovsk", KHABAROVSK),
    ("id/twinning/khabarovsk-niigata", TWINNING),
    ("id/person/alexander-sokolov", rdflib.URIRef(BASE + "id/person/alexander-sokolov")),
    ("id/concept/fields/tourism", rdflib.URIRef(BASE + "id/concept/fields/tourism")),
    ("ontology/City", TW.City),
    ("ontology/partner", TW.partner),
]


def _parse(body: bytes, ext: str) -> rdflib.Graph:
    if ext in ("trig", "nq"):
        ds = rdflib.Dataset()
        ds.parse(data=body, format=RDFLIB_FORMAT[ext])
        g = rdflib.Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
        return g
    return rdflib.Graph().parse(data=body, format=RDFLIB_FORMAT[ext])


@pytest.mark.parametrize("ext", sorted(RDFLIB_FORMAT))
@pytest.mark.parametrize(("path", "iri"), DOCS)
def test_every_format_parses_and_describes_the_iri(live_server: str, path: str, iri: rdflib.URIRef, ext: str) -> None:
    r = requests.get(f"{live_server}/doc/{path}.{ext}", timeout=10)
    assert r.status_code == 200
    g = _parse(r.content, ext)
    assert (iri, None, None) in g, f"no triple about {iri} in the {ext} document"
    assert len(g) > 3


@pytest.mark.parametrize("ext", sorted(RDFLIB_FORMAT))
def test_graph_document_is_the_whole_graph(live_server: str, store, ext: str) -> None:  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    graph = BASE + "graph/khabarovsk-sister-cities"
    expected = {(q.subject, q.predicate, q.object) for q in store.quads(None, None, None, ox.NamedNode(graph))}
    r = requests.get(f"{live_server}/doc/graph/khabarovsk-sister-cities.{ext}", timeout=10)
    assert r.status_code == 200
    if ext in ("trig", "nq"):
        ds = rdflib.Dataset()
        ds.parse(data=r.content, format=RDFLIB_FORMAT[ext])
        names = {str(c.identifier) for c in ds.graphs() if len(c)}
        assert graph in names
        triples = {(s, p, o) for s, p, o, _ in ds.quads((None, None, None, rdflib.URIRef(graph)))}
    else:
        triples = set(_parse(r.content, ext))
    assert len(triples) == len(expected)


def test_rdflib_follows_the_303(live_server: str) -> None:
    g = rdflib.Graph().parse(live_server + "/id/city/khabarovsk")
    assert (KHABAROVSK, RDFS.label, rdflib.Literal("Khabarovsk", lang="en")) in g
    term = rdflib.Graph().parse(live_server + "/ontology/City")
    assert (TW.City, RDF.type, OWL.Class) in term
    assert (rdflib.URIRef(BASE + "ontology"), RDF.type, OWL.Ontology) in term  # the ontology header


def test_city_document_content(live_server: str) -> None:
    g = rdflib.Graph().parse(live_server + "/doc/id/city/khabarovsk.ttl", format="turtle")
    doc = rdflib.URIRef(BASE + "doc/id/city/khabarovsk.ttl")
    # document metadata
    assert (doc, FOAF.primaryTopic, KHABAROVSK) in g
    assert (doc, VOID.inDataset, rdflib.URIRef(BASE + "dataset")) in g
    assert (doc, DCTERMS.source, rdflib.URIRef(BASE + "graph/reference")) in g
    total = g.value(doc, HYDRA.totalItems)
    assert total is not None and int(total) > 0
    assert (rdflib.URIRef(BASE + "graph/khabarovsk-sister-cities"), PROV.wasDerivedFrom,
            rdflib.URIRef(BASE + "id/source/khabarovsk-sister-cities")) in g
    # outgoing, across graphs
    assert (KHABAROVSK, OWL.sameAs, rdflib.URIRef("http://www.wikidata.org/entity/Q4454")) in g
    assert (KHABAROVSK, TW.twinnedWith, NIIGATA) in g
    # the twinning record it takes part in, in full: partners, date at its precision, provenance
    assert (TWINNING, TW.partner, KHABAROVSK) in g
    assert (TWINNING, TW.partner, NIIGATA) in g
    start = g.value(TWINNING, TW.startDate)
    assert start is not None and start.datatype in (XSD.date, XSD.gYearMonth, XSD.gYear)
    assert g.value(TWINNING, PROV.wasDerivedFrom) is not None
    # labels of what it links to, so no second request is needed
    assert g.value(NIIGATA, RDFS.label) is not None
    assert g.value(rdflib.URIRef(BASE + "id/country/russia"), RDFS.label) is not None


def test_partner_city_has_the_twinning_too(live_server: str) -> None:
    g = rdflib.Graph().parse(live_server + "/doc/id/city/niigata.ttl", format="turtle")
    assert (TWINNING, TW.partner, KHABAROVSK) in g
    assert g.value(TWINNING, TW.startDate) is not None


def test_resource_trig_keeps_source_graphs(live_server: str) -> None:
    r = requests.get(live_server + "/doc/id/twinning/khabarovsk-niigata.trig", timeout=10)
    ds = rdflib.Dataset()
    ds.parse(data=r.content, format="trig")
    graphs = {str(c) for _, _, _, c in ds.quads((TWINNING, TW.partner, None, None)) if c is not None}
    assert any(g.startswith(BASE + "graph/") for g in graphs)


def _doc_triples(body: bytes, ext: str, doc: str) -> rdflib.Graph:
    """The default graph of a quad document (all of a triple document), its document IRI renamed ``doc:``."""
    ds = rdflib.Dataset()
    ds.parse(data=body, format=RDFLIB_FORMAT[ext])
    here = rdflib.URIRef(f"{BASE}doc/{doc}.{ext}")
    g = rdflib.Graph()
    for t in ds.default_graph:
        g.add(tuple(rdflib.URIRef("doc:") if x == here else x for x in t))  # type: ignore[arg-type]
    return g


@pytest.mark.parametrize("ext", ["trig", "nq"])
@pytest.mark.parametrize(("path", "iri"), DOCS)
def test_quad_document_default_graph_is_the_description(live_server: str, path: str, iri: rdflib.URIRef,
                                                        ext: str) -> None:
    """Issue 15: in TriG/N-Quads the default graph is the whole description (what Turtle says), and
    the named graphs repeat the sourced triples: provenance, never anything the default graph lacks."""
    from rdflib.compare import isomorphic

    quads = requests.get(f"{live_server}/doc/{path}.{ext}", timeout=10).content
    ttl = requests.get(f"{live_server}/doc/{path}.ttl", timeout=10).content
    default = _doc_triples(quads, ext, path)
    assert (iri, None, None) in default
    assert isomorphic(default, _doc_triples(ttl, "ttl", path))
    ds = rdflib.Dataset()
    ds.parse(data=quads, format=RDFLIB_FORMAT[ext])
    named = [c for c in ds.graphs() if c.identifier != rdflib.graph.DATASET_DEFAULT_GRAPH_ID and len(c)]
    assert named, "no provenance graphs"
    blank_free = {t for t in ds.default_graph if not any(isinstance(x, rdflib.BNode) for x in t)}
    for c in named:
        assert str(c.identifier).startswith(BASE)
        assert {t for t in c if not any(isinstance(x, rdflib.BNode) for x in t)} <= blank_free


@pytest.mark.parametrize("ext", ["trig", "nq", "jsonld"])
def test_dataset_readers_find_the_description_in_the_default_graph(live_server: str, ext: str) -> None:
    """rdflib's Dataset (default graph not a union) and pyoxigraph read a resource document as a dataset:
    a query outside GRAPH answers from the default graph, as Comunica's does (tests/test_comunica.py)."""
    import pyoxigraph as ox

    body = requests.get(f"{live_server}/doc/id/city/khabarovsk.{ext}", timeout=10).content
    ds = rdflib.Dataset()
    ds.parse(data=body, format=RDFLIB_FORMAT[ext])
    twins = {str(r[0]) for r in ds.query(f"SELECT ?t WHERE {{ <{KHABAROVSK}> <{TW.twinnedWith}> ?t }}")}
    assert str(NIIGATA) in twins and len(twins) >= 5
    fmt = {"trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}[ext]
    quads = list(ox.parse(body, format=fmt))
    in_default = {q.object.value for q in quads if isinstance(q.graph_name, ox.DefaultGraph)
                  and q.subject == ox.NamedNode(str(KHABAROVSK)) and q.predicate == ox.NamedNode(str(TW.twinnedWith))}
    assert in_default == twins
    graphs = {q.graph_name.value for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}
    if ext == "jsonld":
        assert not graphs  # one top-level @graph without @id: the default graph
    else:
        assert {BASE + "graph/khabarovsk-sister-cities", BASE + "graph/reference"} <= graphs


def test_jsonld_is_pleasant(live_server: str) -> None:
    r = requests.get(live_server + "/doc/id/city/khabarovsk.jsonld", timeout=10)
    data = json.loads(r.content)
    ctx = data["@context"]
    assert ctx["@vocab"] == BASE + "ontology/"
    assert ctx["label"]["@container"] == "@language"
    assert ctx["partner"]["@type"] == "@id"
    node = next(n for n in data["@graph"] if n["id"] == str(KHABAROVSK))
    assert node["label"]["en"] == "Khabarovsk"
    assert node["type"] == "City"
    assert node["country"] == BASE + "id/country/russia"


def test_headers_etag_last_modified_and_304(live_server: str) -> None:
    url = live_server + "/doc/id/city/khabarovsk.ttl"
    r = requests.get(url, timeout=10)
    etag, last = r.headers["ETag"], r.headers["Last-Modified"]
    assert etag.startswith('"')
    assert r.headers["Cache-Control"] == "public, max-age=3600"
    links = r.headers["Link"]
    for ext, mime in [("jsonld", "application/ld+json"), ("rdf", "application/rdf+xml"), ("nt", "application/n-triples"),
                      ("html", "text/html")]:
        assert f'</doc/id/city/khabarovsk.{ext}>; rel="alternate"; type="{mime}"' in links
    assert f'<{KHABAROVSK}>; rel="describes"' in links
    assert requests.get(url, headers={"If-None-Match": etag}, timeout=10).status_code == 304
    assert requests.get(url, headers={"If-None-Match": f'"nope", {etag}'}, timeout=10).status_code == 304
    assert requests.get(url, headers={"If-Modified-Since": last}, timeout=10).status_code == 304
    assert requests.get(url, headers={"If-None-Match": '"other"'}, timeout=10).status_code == 200
    assert requests.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, timeout=10).status_code == 200
    assert requests.get(url, headers={"If-Modified-Since": "yesterday-ish"}, timeout=10).status_code == 200
    # another format has another ETag
    assert requests.get(url.replace(".ttl", ".nt"), timeout=10).headers["ETag"] != etag


def test_head(live_server: str) -> None:
    url = live_server + "/doc/id/city/khabarovsk.ttl"
    g, h = requests.get(url, timeout=10), requests.head(url, timeout=10)
    assert h.status_code == 200
    assert h.content == b""
    assert h.headers["ETag"] == g.headers["ETag"]
    assert int(h.headers["Content-Length"]) == len(g.content)
    t = requests.head(live_server + "/id/city/khabarovsk", headers={"Accept": "text/turtle"}, timeout=10)
    assert t.status_code == 303
    assert requests.head(live_server + "/id/city/atlantis", timeout=10).status_code == 404


def _raw_get(root: str, path: str) -> tuple[int, str]:
    u = urlsplit(root)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.putheader("Accept", "text/plain")
        conn.endheaders()
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


@pytest.mark.parametrize(("path", "status"), [
    ("/id/city/%ZZkhabarovsk", 400),          # bad percent-encoding
    ("/id/city/khabarovsk%", 400),
    ("/id/city/%FF%FE", 400),                 # not UTF-8
    ("/id/city/kha%00barovsk", 400),          # NUL
    ("/id/city/kha%09barovsk", 400),          # control characters
    ("/id/city/kha%7Fbarovsk", 400),
    ("/id/city/kha%C2%85barovsk", 400),       # C1 control (NEL)
    ("/id/city/../city/khabarovsk", 400),     # dot segments, raw
    ("/id/city/%2E%2E/khabarovsk", 400),      # dot segments, encoded
    ("/doc/id/city/%2e%2e/x.ttl", 400),
    ("/id/city/" + "k" * 2100, 414),          # IRI longer than MAX_IRI_LENGTH
    ("/doc/id/city/" + "k" * 2100 + ".ttl", 414),
])
def test_malformed_and_overlong_paths(live_server: str, path: str, status: int) -> None:
    got, body = _raw_get(live_server, path)
    assert got == status, body
    assert "Traceback" not in body


@pytest.mark.parametrize("path", ["/id/city/kha%0Abarovsk", "/doc/id/city/kha%0Dbarovsk.ttl", "/ontology/Ci%0Aty"])
def test_control_character_in_path_is_400(live_server: str, path: str) -> None:
    # the <anypath:> converter lets a newline reach the handler, which refuses it with a message
    got, body = _raw_get(live_server, path)
    assert got == 400, body
    assert "Traceback" not in body


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "page=1e3"])
def test_bad_page_is_400(live_server: str, query: str) -> None:
    r = requests.get(f"{live_server}/doc/id/city/khabarovsk.ttl?{query}", timeout=10)
    assert r.status_code == 400
    assert "page" in r.text


def test_page_beyond_the_last_is_404(live_server: str) -> None:
    assert requests.get(live_server + "/doc/id/city/khabarovsk.ttl?page=2", timeout=10).status_code == 404
    assert requests.get(live_server + "/doc/graph/reference.ttl?page=2", timeout=10).status_code == 404


def test_unknown_extension_is_not_a_document(live_server: str) -> None:
    assert requests.get(live_server + "/doc/id/city/khabarovsk.docx", timeout=10).status_code == 404


def test_flask_client_html_document(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/doc/id/city/khabarovsk.html", headers={"Accept-Language": "ru"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Vary"] == "Accept-Language"
    assert "Khabarovsk" in r.get_data(as_text=True) or "Хабаровск" in r.get_data(as_text=True)
    other = client.get("/doc/id/city/khabarovsk.html", headers={"Accept-Language": "en"})
    assert other.headers["ETag"] != r.headers["ETag"]  # the language is part of the validator


def test_doc_negotiation_errors(live_server: str) -> None:
    r = requests.get(live_server + "/doc/id/city/khabarovsk", headers={"Accept": "image/png"}, timeout=10)
    assert r.status_code == 406
    assert "text/turtle" in r.text
    r = requests.get(live_server + "/doc/id/city/khabarovsk", params={"format": "pdf"}, timeout=10)
    assert r.status_code == 400


def test_unknown_thing_404_varies_on_accept(live_server: str) -> None:
    r = requests.get(live_server + "/id/city/atlantis", headers={"Accept": "text/turtle"}, allow_redirects=False, timeout=10)
    assert r.status_code == 404
    assert r.headers["Vary"] == "Accept"
