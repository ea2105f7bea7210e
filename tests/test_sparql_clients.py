"""Real SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore), the shipped example
queries, and the HTML query page, against a real server process."""

from __future__ import annotations

import re

import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

from sistercities.sparql.examples import load

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

BASE = "https://w3id.org/twinning/"
EXAMPLES = load()


def test_sparqlwrapper_select_ask_construct(live_server: str) -> None:
    sw = SPARQLWrapper(live_server + "/sparql")
    sw.setQuery(f"PREFIX tw: <{BASE}ontology/> SELECT ?c WHERE {{ ?c a tw:City }}")
    sw.setReturnFormat(JSON)
    rows = sw.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert {"type": "uri", "value": BASE + "id/city/khabarovsk"} in [r["c"] for r in rows]
    sw.setMethod(POST)
    sw.setQuery(f"ASK {{ <{BASE}id/city/odesa> ?p ?o }}")
    sw.setReturnFormat(XML)
    assert sw.query().convert().getElementsByTagName("boolean")[0].firstChild.data == "true"  # type: ignore[union-attr]
    sw.setQuery(f"DESCRIBE <{BASE}id/city/odesa>")
    sw.setReturnFormat(TURTLE)
    g = rdflib.Graph().parse(data=sw.query().convert(), format="turtle")  # type: ignore[arg-type]
    assert (rdflib.URIRef(BASE + "id/city/odesa"), rdflib.OWL.sameAs, rdflib.URIRef("http://www.wikidata.org/entity/Q1874")) in g


def test_rdflib_sparqlstore(live_server: str) -> None:
    g = rdflib.Graph(store=SPARQLStore(live_server + "/sparql"))
    rows = list(g.query(f"SELECT ?label WHERE {{ <{BASE}id/city/odesa> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"))
    assert rdflib.Literal("Odesa", lang="en") in [r[0] for r in rows]
    assert (rdflib.URIRef(BASE + "id/city/odesa"), None, None) in g


def test_at_least_ten_examples_with_title_and_description() -> None:
    assert len(EXAMPLES) >= 10
    for ex in EXAMPLES:
        assert ex.title and ex.title != ex.name + ".rq" and ex.description, ex.name


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_runs_and_returns_rows(live_server: str, ex) -> None:  # type: ignore[no-untyped-def]
    r = requests.post(live_server + "/sparql", data={"query": ex.query},
                      headers={"Accept": "application/sparql-results+json, application/n-triples;q=0.9"}, timeout=30)
    assert r.status_code == 200, r.text
    if r.headers["Content-Type"].startswith("application/n-triples"):
        assert len(r.text.strip().splitlines()) >= 1
    else:
        assert len(r.json()["results"]["bindings"]) >= 1


def _late_patterns(query: str) -> list[str]:
    """Triple patterns written after an OPTIONAL or BIND in the outer group (Oxigraph's planner trap)."""
    body = query[query.index("{") + 1:]
    top = re.sub(r"\{[^{}]*\}", "{}", body)  # nested groups collapsed: only the outer group's own lines
    late, seen = [], False
    for ln in (x.strip() for x in top.splitlines()):
        if ln.startswith(("OPTIONAL", "BIND")):
            seen = True
        elif seen and re.match(r"^[?<]\S+\s", ln):
            late.append(ln)
    return late


def test_late_pattern_check_finds_the_trap() -> None:
    bad = "SELECT * WHERE {\n  ?c a tw:City .\n  OPTIONAL { ?c tw:x ?x }\n  ?c rdfs:label ?l .\n}"
    assert _late_patterns(bad) == ["?c rdfs:label ?l ."]


GROUPED = [e for e in EXAMPLES if "{" in e.query]


@pytest.mark.parametrize("ex", GROUPED, ids=[e.name for e in GROUPED])
def test_example_puts_triple_patterns_before_optional_and_bind(ex) -> None:  # type: ignore[no-untyped-def]
    assert _late_patterns(ex.query) == []


def test_query_page_without_javascript(live_server: str) -> None:
    page = requests.get(live_server + "/sparql", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "<textarea" in page.text and "PREFIX tw:" in page.text
    assert page.text.count('class="run-example"') == len(EXAMPLES)
    # the plain HTML form (POST, Accept text/html) renders the table on the server, with links to our pages
    ex = next(e for e in EXAMPLES if e.name.startswith("01-"))
    r = requests.post(live_server + "/sparql", data={"query": ex.query, "format": "html"},
                      headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200
    assert '<table class="sparql-results">' in r.text
    assert '<a href="/id/city/niigata">' in r.text
    assert ex.query.splitlines()[-1] in r.text  # the query stays in the editor
    # and an example's "run" link works as a plain GET
    link = re.search(r'class="run-example" href="([^"]+)"', page.text)
    assert link
    r = requests.get(live_server + link.group(1).replace("&amp;", "&"), headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200 and "sparql-results" in r.text


def test_query_page_shows_errors(live_server: str) -> None:
    r = requests.post(live_server + "/sparql", data={"query": "SELECT * WHERE { ?s ?p }"}, headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 400 and "syntax error" in r.text and "<textarea" in r.text


def test_static_assets_served(live_server: str) -> None:
    for path in ("/static/sparql/sparql.js", "/static/sparql/sparql.css"):
        assert requests.get(live_server + path, timeout=10).status_code == 200
