"""The SPARQL 1.1 Protocol against a real server process (the W3C protocol
query tests, adapted to our data), content negotiation and the service description."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
import rdflib
import requests

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

BASE = "https://w3id.org/twinning/"
REF = BASE + "graph/reference"
SOURCES = BASE + "graph/sources"
ODESA = BASE + "id/city/odesa"
SELECT = "SELECT ?s WHERE { ?s a <https://w3id.org/twinning/ontology/City> } ORDER BY ?s"
ASK_ODESA = f"ASK {{ <{ODESA}> ?p ?o }}"
CONSTRUCT = ("CONSTRUCT { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE { "
             "?s a <https://w3id.org/twinning/ontology/City> ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }")
DESCRIBE = f"DESCRIBE <{ODESA}>"
SRJ = "application/sparql-results+json"


def get(root: str, params: dict | list, accept: str | None = None, **kw) -> requests.Response:  # type: ignore[type-arg]
    headers = {"Accept": accept} if accept else {}
    return requests.get(root + "/sparql", params=params, headers=headers, timeout=20, **kw)


def post(root: str, data: bytes | str | dict | list, content_type: str | None, accept: str | None = None,  # type: ignore[type-arg]
         params: dict | None = None) -> requests.Response:  # type: ignore[type-arg]
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if accept:
        headers["Accept"] = accept
    if isinstance(data, (dict, list)):
        from urllib.parse import urlencode
        data = urlencode(data)
    if isinstance(data, str):
        data = data.encode()
    return requests.post(root + "/sparql", data=data, headers=headers, params=params, timeout=20)


def cities(r: requests.Response) -> list[str]:
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(SRJ)
    return [b["s"]["value"] for b in r.json()["results"]["bindings"]]


def ask(r: requests.Response) -> bool:
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


# ---- W3C SPARQL 1.1 Protocol: query tests ------------------------------------------------

def test_query_get(live_server: str, sparql) -> None:  # type: ignore[no-untyped-def]
    expected = [r["s"].value for r in sparql(SELECT)]
    assert cities(get(live_server, {"query": SELECT})) == expected
    assert len(expected) >= 10


def test_query_post_form(live_server: str) -> None:
    r = post(live_server, {"query": SELECT}, "application/x-www-form-urlencoded")
    assert BASE + "id/city/khabarovsk" in cities(r)


def test_query_post_direct(live_server: str) -> None:
    r = post(live_server, SELECT, "application/sparql-query")
    assert BASE + "id/city/khabarovsk" in cities(r)
    r = post(live_server, SELECT, "application/sparql-query; charset=UTF-8")
    assert BASE + "id/city/khabarovsk" in cities(r)


def test_default_graph_is_union_of_named_graphs(live_server: str) -> None:
    # Odesa is in the reference graph, its twinning with Yokohama in a source graph: one pattern spans both
    q = f"ASK {{ <{ODESA}> a ?c . ?t <https://w3id.org/twinning/ontology/partner> <{ODESA}> }}"
    assert ask(get(live_server, {"query": q}))


def test_default_graph_is_a_set(live_server: str) -> None:
    """Khabarovsk twinnedWith Niigata is stated by two sources (two graphs): the default graph has it once (issue 15)."""
    link = f"<{BASE}id/city/khabarovsk> <https://w3id.org/twinning/ontology/twinnedWith> <{BASE}id/city/niigata>"
    count = get(live_server, {"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {link} }}"}).json()
    assert count["results"]["bindings"][0]["n"]["value"] == "1"
    graphs = get(live_server, {"query": f"SELECT ?g WHERE {{ GRAPH ?g {{ {link} }} }}"}).json()
    assert len(graphs["results"]["bindings"]) == 2


def test_query_dataset_default_graph(live_server: str) -> None:
    assert ask(get(live_server, {"query": ASK_ODESA, "default-graph-uri": REF}))
    assert not ask(get(live_server, {"query": ASK_ODESA, "default-graph-uri": BASE + "ontology"}))


def test_query_dataset_default_graphs(live_server: str) -> None:
    q = f"ASK {{ <{ODESA}> a ?c . ?t <https://w3id.org/twinning/ontology/partner> <{ODESA}> }}"
    both = [("query", q), ("default-graph-uri", REF), ("default-graph-uri", BASE + "graph/odesa-yokohama-2023")]
    assert ask(get(live_server, both))
    assert not ask(get(live_server, [("query", q), ("default-graph-uri", REF)]))


def test_query_dataset_named_graphs(live_server: str) -> None:
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    r = get(live_server, [("query", q), ("named-graph-uri", REF), ("named-graph-uri", SOURCES)])
    assert r.status_code == 200
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [REF, SOURCES]
    # only named graphs given: the default graph is empty
    assert not ask(get(live_server, [("query", ASK_ODESA), ("named-graph-uri", REF)]))


def test_query_dataset_full(live_server: str) -> None:
    q = f"SELECT ?g WHERE {{ <{ODESA}> a ?c . GRAPH ?g {{ ?doc a <https://w3id.org/twinning/ontology/SourceDocument> }} }}"
    r = get(live_server, [("query", q), ("default-graph-uri", REF), ("named-graph-uri", SOURCES)])
    assert {b["g"]["value"] for b in r.json()["results"]["bindings"]} == {SOURCES}


def test_query_multiple_dataset_protocol_overrides_from(live_server: str) -> None:
    """FROM in the query names the ontology graph; the protocol's default-graph-uri wins (§2.1.4)."""
    q = f"ASK FROM <{BASE}ontology> {{ <{ODESA}> ?p ?o }}"
    assert not ask(get(live_server, {"query": q}))  # the query's own dataset: Odesa is not in the ontology
    assert ask(get(live_server, {"query": q, "default-graph-uri": REF}))


def test_from_and_from_named_are_looked_up_in_the_store(live_server: str) -> None:
    assert ask(get(live_server, {"query": f"ASK FROM <{REF}> {{ <{ODESA}> ?p ?o }}"}))
    q = f"SELECT ?g FROM NAMED <{REF}> WHERE {{ GRAPH ?g {{ <{ODESA}> ?p ?o }} }} LIMIT 1"
    r = get(live_server, {"query": q})
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [REF]
    # FROM NAMED only: the default graph is empty
    assert not ask(get(live_server, {"query": f"ASK FROM NAMED <{REF}> {{ <{ODESA}> ?p ?o }}"}))


@pytest.mark.parametrize(("query", "accept", "expected"), [
    (SELECT, "application/sparql-results+xml", "application/sparql-results+xml"),
    (SELECT, "application/sparql-results+json", SRJ),
    (SELECT, "text/csv", "text/csv"),
    (SELECT, "text/tab-separated-values", "text/tab-separated-values"),
    (ASK_ODESA, "application/sparql-results+xml", "application/sparql-results+xml"),
    (ASK_ODESA, "application/sparql-results+json", SRJ),
    (DESCRIBE, "application/rdf+xml", "application/rdf+xml"),
    (DESCRIBE, "text/turtle", "text/turtle"),
    (CONSTRUCT, "application/rdf+xml", "application/rdf+xml"),
    (CONSTRUCT, "application/n-triples", "application/n-triples"),
    (CONSTRUCT, "application/ld+json", "application/ld+json"),
], ids=lambda v: v[:25] if isinstance(v, str) else v)
def test_query_content_type(live_server: str, query: str, accept: str, expected: str) -> None:
    r = get(live_server, {"query": query}, accept)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == expected
    assert r.headers["Access-Control-Allow-Origin"] == "*"


# ---- bad requests -------------------------------------------------------------------------

def test_bad_query_method(live_server: str) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        r = requests.request(method, live_server + "/sparql", params={"query": SELECT}, timeout=10)
        assert r.status_code == 405
        assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST", "OPTIONS"}


def test_bad_multiple_queries(live_server: str) -> None:
    r = get(live_server, [("query", SELECT), ("query", ASK_ODESA)])
    assert r.status_code == 400 and "query" in r.text
    r = post(live_server, [("query", SELECT), ("query", ASK_ODESA)], "application/x-www-form-urlencoded")
    assert r.status_code == 400


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (SELECT, "text/plain", 415),                                        # bad_query_wrong_media_type
    ("query=" + SELECT, None, 415),                                     # bad_query_missing_form_type
    (SELECT, None, 415),                                                # bad_query_missing_direct_type
    (SELECT.encode("utf-8") + b" # \xe9t\xe9", "application/sparql-query", 400),  # bad_query_non_utf8
    (b"query=SELECT%20*%20%7B%7D%20%23%E9", "application/x-www-form-urlencoded", 400),  # non-UTF-8 escape
    ("", "application/x-www-form-urlencoded", 400),                     # missing query on POST
    ("format=json", "application/x-www-form-urlencoded", 400),
    ("", "application/sparql-query", 400),
    (SELECT, "application/sparql-query; charset=iso-8859-1", 415),
], ids=["wrong_media_type", "missing_form_type", "missing_direct_type", "non_utf8_direct", "non_utf8_form",
        "empty_form", "form_without_query", "empty_direct", "latin1_charset"])
def test_bad_post(live_server: str, body: str | bytes, content_type: str | None, status: int) -> None:
    r = post(live_server, body, content_type)
    assert r.status_code == status, r.text
    assert "Traceback" not in r.text and r.text.strip()


def test_bad_query_non_utf8_get(live_server: str) -> None:
    r = requests.get(live_server + "/sparql?query=SELECT%20*%20%7B%7D%20%23%E9", timeout=10)
    assert r.status_code == 400 and "UTF-8" in r.text


def test_bad_query_syntax_has_message_and_position(live_server: str) -> None:
    r = get(live_server, {"query": "SELECT * WHERE {\n  ?s ?p ?o\n  FILTER(\n}"})
    assert r.status_code == 400
    assert "line 4" in r.text and "column" in r.text
    assert r.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("iri", ["not an iri", "relative/path"])
def test_bad_graph_uri(live_server: str, iri: str) -> None:
    r = get(live_server, {"query": SELECT, "default-graph-uri": iri})
    assert r.status_code == 400 and "default-graph-uri" in r.text


# ---- content negotiation and format= --------------------------------------------------------

@pytest.mark.parametrize(("query", "accept", "fmt", "expected"), [
    (SELECT, None, None, SRJ),
    (SELECT, "*/*", None, SRJ),
    (SELECT, "application/json", None, SRJ),
    (SELECT, "application/xml", None, "application/sparql-results+xml"),
    (SELECT, "text/csv;q=0.5, text/tab-separated-values", None, "text/tab-separated-values"),
    (SELECT, "text/csv;q=0.9, application/sparql-results+xml;q=0.1", None, "text/csv"),
    (SELECT, "application/*", None, SRJ),
    (SELECT, "text/turtle", "csv", "text/csv"),
    (SELECT, None, "tsv", "text/tab-separated-values"),
    (SELECT, None, "xml", "application/sparql-results+xml"),
    (SELECT, None, "application/sparql-results+xml", "application/sparql-results+xml"),
    (ASK_ODESA, None, "json", SRJ),
    (CONSTRUCT, None, None, "text/turtle"),
    (CONSTRUCT, "*/*", None, "text/turtle"),
    (CONSTRUCT, "application/json", None, "application/ld+json"),
    (CONSTRUCT, "text/turtle;q=0.2, application/rdf+xml;q=0.8", None, "application/rdf+xml"),
    (CONSTRUCT, None, "nt", "application/n-triples"),
    (CONSTRUCT, None, "turtle", "text/turtle"),
    (CONSTRUCT, None, "rdfxml", "application/rdf+xml"),
    (CONSTRUCT, None, "rdf", "application/rdf+xml"),
    (CONSTRUCT, None, "jsonld", "application/ld+json"),
    (CONSTRUCT, None, "trig", "application/trig"),
    (CONSTRUCT, None, "nq", "application/n-quads"),
    (CONSTRUCT, None, "text/turtle", "text/turtle"),
    (DESCRIBE, "application/n-quads", None, "application/n-quads"),
])
def test_negotiation(live_server: str, query: str, accept: str | None, fmt: str | None, expected: str) -> None:
    params = {"query": query, **({"format": fmt} if fmt else {})}
    r = get(live_server, params, accept)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in r.headers["Vary"]


@pytest.mark.parametrize(("query", "accept", "fmt"), [
    (SELECT, "text/turtle", None),
    (SELECT, "image/png", None),
    (CONSTRUCT, "application/sparql-results+json", None),
    (SELECT, None, "ttl"),
    (CONSTRUCT, None, "csv"),
    (SELECT, None, "bogus"),
])
def test_not_acceptable_lists_available_types(live_server: str, query: str, accept: str | None, fmt: str | None) -> None:
    params = {"query": query, **({"format": fmt} if fmt else {})}
    r = get(live_server, params, accept)
    assert r.status_code == 406
    expected = "text/turtle" if query == CONSTRUCT else SRJ
    assert expected in r.text


# ---- every format parsed back by a real parser -------------------------------------------

@pytest.mark.parametrize(("mime", "fmt"), [
    (SRJ, ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_select_formats_parse(live_server: str, sparql, mime: str, fmt: ox.QueryResultsFormat) -> None:  # type: ignore[no-untyped-def]
    # STR, LANG: SPARQL leaves the order of literals with different language tags to the store
    # (Oxigraph: by text, Virtuoso: by tag first), so the query orders by what the standard defines
    q = ("SELECT ?s ?label WHERE { ?s a <https://w3id.org/twinning/ontology/City> ; "
         "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s STR(?label) LANG(?label)")
    expected = [(r["s"], r["label"]) for r in sparql(q)]
    r = get(live_server, {"query": q}, mime)
    got = [(s["s"], s["label"]) for s in ox.parse_query_results(r.content, fmt)]
    assert got == expected and any(lbl.language == "ja" for _, lbl in got)


def test_select_csv_parses(live_server: str, sparql) -> None:  # type: ignore[no-untyped-def]
    # STR, LANG: SPARQL leaves the order of literals with different language tags to the store
    # (Oxigraph: by text, Virtuoso: by tag first), so the query orders by what the standard defines
    q = ("SELECT ?s ?label WHERE { ?s a <https://w3id.org/twinning/ontology/City> ; "
         "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s STR(?label) LANG(?label)")
    r = get(live_server, {"query": q}, "text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"))))
    assert rows[0] == ["s", "label"]
    assert rows[1:] == [[x["s"].value, x["label"].value] for x in sparql(q)]


def test_ask_formats_parse(live_server: str) -> None:
    for mime, fmt in ((SRJ, ox.QueryResultsFormat.JSON), ("application/sparql-results+xml", ox.QueryResultsFormat.XML)):
        r = get(live_server, {"query": ASK_ODESA}, mime)
        assert bool(ox.parse_query_results(r.content, fmt)) is True


@pytest.mark.parametrize(("mime", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"), ("application/trig", "trig"), ("application/n-quads", "nquads"),
])
def test_graph_formats_parse(live_server: str, store, mime: str, rdflib_format: str) -> None:  # type: ignore[no-untyped-def]
    expected = {(str(t.subject.value), str(t.object.value)) for t in store.construct(CONSTRUCT)}
    r = get(live_server, {"query": CONSTRUCT}, mime)
    assert r.status_code == 200
    if rdflib_format in ("trig", "nquads"):
        g: rdflib.Graph = rdflib.Dataset()
    else:
        g = rdflib.Graph()
    g.parse(data=r.content, format=rdflib_format)
    got = {(str(s), str(o)) for s, _, o in g.triples((None, None, None))} if not isinstance(g, rdflib.Dataset) \
        else {(str(s), str(o)) for s, _, o, _ in g.quads((None, None, None, None))}
    assert got == expected and len(got) > 10
    # and pyoxigraph reads it too
    assert len(list(ox.parse(r.content, ox.RdfFormat.from_media_type(mime)))) == len(expected)


# ---- service description ---------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "rdflib_format"), [
    (None, "turtle"), ("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"), ("application/n-triples", "nt"),
])
def test_service_description_parses(live_server: str, accept: str | None, rdflib_format: str) -> None:
    r = requests.get(live_server + "/sparql", headers={"Accept": accept} if accept else {}, timeout=10)
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.content, format=rdflib_format)
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    services = list(g.subjects(rdflib.RDF.type, sd.Service))
    assert services
    assert any(str(o).endswith("/sparql") for s in services for o in g.objects(s, sd.endpoint))


def test_service_description_format_param_and_406(live_server: str) -> None:
    r = requests.get(live_server + "/sparql", params={"format": "nt"}, timeout=10)
    assert r.headers["Content-Type"].startswith("application/n-triples")
    r = requests.get(live_server + "/sparql", headers={"Accept": "image/png"}, timeout=10)
    assert r.status_code == 406 and "text/turtle" in r.text


# ---- CORS --------------------------------------------------------------------------------

def test_cors_preflight(live_server: str) -> None:
    r = requests.options(live_server + "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, timeout=10)
    assert r.status_code in (200, 204)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert {"GET", "POST", "OPTIONS"} <= set(r.headers["Access-Control-Allow-Methods"].replace(" ", "").split(","))
    assert {"content-type", "accept"} <= set(r.headers["Access-Control-Allow-Headers"].lower().replace(" ", "").split(","))
    assert int(r.headers["Access-Control-Max-Age"]) > 0


def test_cors_on_query_answers(live_server: str) -> None:
    r = post(live_server, SELECT, "application/sparql-query")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert json.loads(r.content)["head"]["vars"] == ["s"]
