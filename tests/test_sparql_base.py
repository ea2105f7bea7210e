"""Relative IRIs in queries resolve against BASE_IRI (sparql/baseiri.py); a query's own BASE wins."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest

from sistercities.sparql import baseiri
from sistercities.sparql.executor import Job, run_remote
from sistercities.sparql.safety import tokenize

BASE = "https://w3id.org/twinning/"
SRJ = "application/sparql-results+json"
NT = "application/n-triples"


def ask(client, query: str, accept: str = SRJ):  # type: ignore[no-untyped-def]
    return client.post("/sparql", data={"query": query}, headers={"Accept": accept})


def test_relative_iri_names_a_city_of_the_data(client) -> None:  # type: ignore[no-untyped-def]
    r = ask(client, "SELECT * WHERE { <id/city/khabarovsk> ?p ?o }")
    assert r.status_code == 200, r.text
    rows = json.loads(r.data)["results"]["bindings"]
    labels = {b["o"]["value"] for b in rows if b["p"]["value"] == "http://www.w3.org/2000/01/rdf-schema#label"}
    assert "Khabarovsk" in labels


def test_w3c_query_content_type_construct(client) -> None:  # type: ignore[no-untyped-def]
    """The W3C protocol test query_content_type_construct: ``CONSTRUCT { <s> <p> 1 } WHERE {}``."""
    r = ask(client, "CONSTRUCT { <s> <p> 1 } WHERE {}", NT)
    assert r.status_code == 200, r.text
    triples = list(ox.parse(r.data, ox.RdfFormat.N_TRIPLES))
    assert [(t.subject.value, t.predicate.value, t.object.value) for t in triples] == [(BASE + "s", BASE + "p", "1")]


@pytest.mark.parametrize(("prologue", "subject"), [
    ("BASE <http://example.org/a/>", "http://example.org/a/s"),
    ("BASE <sub/>", BASE + "sub/s"),  # a relative BASE resolves against BASE_IRI
    ("BASE <http://example.org/a/> BASE <b/>", "http://example.org/a/b/s"),
    ("PREFIX ex: <x/> BASE <http://example.org/>", "http://example.org/s"),
])
def test_a_query_keeps_its_own_base(client, prologue: str, subject: str) -> None:  # type: ignore[no-untyped-def]
    r = ask(client, prologue + " CONSTRUCT { <s> <p> 1 } WHERE {}", NT)
    assert r.status_code == 200, r.text
    assert [t.subject.value for t in ox.parse(r.data, ox.RdfFormat.N_TRIPLES)] == [subject]


def test_own_base_elsewhere_finds_nothing_of_ours(client) -> None:  # type: ignore[no-untyped-def]
    r = ask(client, "BASE <http://example.org/> SELECT * WHERE { <id/city/khabarovsk> ?p ?o }")
    assert r.status_code == 200 and json.loads(r.data)["results"]["bindings"] == []


def test_query_page_prefills_base(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/sparql", headers={"Accept": "text/html"})
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    editor = text.split('<textarea id="query"', 1)[1].split(">", 1)[1]
    assert editor.lstrip().startswith(f"BASE &lt;{BASE}&gt;\nPREFIX tw: &lt;{BASE}ontology/&gt;")


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT * {}", f"BASE <{BASE}>\nSELECT * {{}}"),
    ("PREFIX a: <http://a/> SELECT * {}", f"BASE <{BASE}>\nPREFIX a: <http://a/> SELECT * {{}}"),
    ("BASE <rel/> SELECT * {}", f"BASE <{BASE}>\nBASE <rel/> SELECT * {{}}"),
    ("# BASE <http://x/>\nSELECT * {}", f"BASE <{BASE}>\n# BASE <http://x/>\nSELECT * {{}}"),
    ("BASE <http://x/> SELECT * {}", "BASE <http://x/> SELECT * {}"),
    ("  base <urn:x:> SELECT * {}", "  base <urn:x:> SELECT * {}"),
])
def test_with_base(query: str, expected: str) -> None:
    assert baseiri.with_base(query, BASE) == expected


@pytest.mark.parametrize(("query", "base", "prefixes"), [
    ("SELECT * {}", BASE, {}),
    ("PREFIX tw: <ontology/> SELECT * {}", BASE, {"tw": BASE + "ontology/"}),
    ("BASE <http://x/y/> PREFIX : <z#> SELECT * {}", "http://x/y/", {"": "http://x/y/z#"}),
    ("PREFIX a: <http://a/> PREFIX a: <http://b/> ASK {}", BASE, {"a": "http://b/"}),
    ("SELECT * { BASE <http://x/> }", BASE, {}),  # not in the prologue: not a BASE
])
def test_prologue(query: str, base: str, prefixes: dict[str, str]) -> None:
    p = baseiri.prologue(tokenize(query), BASE)
    assert (p.base, p.prefixes) == (base, prefixes)


@pytest.fixture
def fake_endpoint() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            seen.append(parse_qs(body)["query"][0])
            out = b'{"head": {"vars": []}, "results": {"bindings": []}}'
            self.send_response(200)
            self.send_header("Content-Type", SRJ)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: object) -> None:
            pass

    srv = HTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/sparql", seen
    srv.shutdown()
    srv.server_close()


def test_remote_store_gets_the_same_base(fake_endpoint: tuple[str, list[str]]) -> None:
    url, seen = fake_endpoint
    assert run_remote(url, Job("SELECT * { <id/city/x> ?p ?o }", SRJ, 10_000, base_iri=BASE), 5).kind == "ok"
    assert run_remote(url, Job("BASE <http://x/> SELECT * {}", SRJ, 10_000, base_iri=BASE), 5).kind == "ok"
    assert run_remote(url, Job("SELECT * {}", SRJ, 10_000), 5).kind == "ok"
    assert seen == [f"BASE <{BASE}>\nSELECT * {{ <id/city/x> ?p ?o }}", "BASE <http://x/> SELECT * {}", "SELECT * {}"]
