"""Hints for undeclared ontology terms (sparql/hints.py): tables for the pure functions, then HTTP."""

from __future__ import annotations

import json

import pytest

from sistercities.sparql import hints
from sistercities.sparql.hints import Hint

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

BASE = "https://w3id.org/twinning/"
NS = BASE + "ontology/"
TW = f"PREFIX tw: <{NS}>\n"
DECLARED = frozenset(NS + t for t in ("City", "Twinning", "twinnedWith", "partner", "measure", "numerator", "value"))
SRJ = "application/sparql-results+json"


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT * { ?s ?p ?o }", []),
    (TW + "SELECT * { ?s tw:twinnedWith ?o }", [NS + "twinnedWith"]),
    (f"SELECT * {{ ?s <{NS}City> ?o }}", [NS + "City"]),
    ("SELECT * { ?s <ontology/City> ?o }", [NS + "City"]),  # relative: against BASE_IRI
    ("BASE <http://x/> SELECT * { ?s <ontology/City> ?o }", ["http://x/ontology/City"]),
    ("PREFIX t: <ontology/> SELECT * { ?s t:a\\-b ?o }", [NS + "a-b"]),  # relative prefix, escaped local name
    (TW + "SELECT * { ?s tw:x ?o . ?o tw:x ?s }", [NS + "x"]),  # each once
    (TW + 'SELECT * { ?s ?p "tw:x" } # tw:y\n', []),  # not in strings or comments
    ("SELECT * { ?s nope:x ?o }", []),  # undeclared prefix: the parser's error, not ours
    (TW + 'SELECT * { ?s ?p "1"^^tw:value }', [NS + "value"]),
])
def test_iris(query: str, expected: list[str]) -> None:
    assert hints.iris(query, BASE) == expected


@pytest.mark.parametrize(("query", "expected"), [
    (TW + "SELECT * { ?s tw:twinnedWith ?o }", []),
    (TW + "SELECT * { ?s tw:twinedWith ?o }", [Hint(NS + "twinedWith", NS + "twinnedWith")]),
    (TW + "SELECT * { ?s a tw:city }", [Hint(NS + "city", NS + "City")]),  # a case slip
    (TW + "SELECT * { ?s tw:numerater ?n ; tw:mesure ?m }",
     [Hint(NS + "numerater", NS + "numerator"), Hint(NS + "mesure", NS + "measure")]),
    (TW + "SELECT * { ?s tw:zzzzqqq ?o }", [Hint(NS + "zzzzqqq", None)]),  # nothing close
    ("SELECT * { ?s <http://example.org/twinedWith> ?o }", []),  # other namespaces are not ours to judge
    (f"SELECT * {{ <{BASE}ontology> ?p ?o }}", []),  # the ontology's own IRI is outside the namespace
    (TW + "SELECT * { ?s tw:twinedWith ?o } # tw:twinedWith in a comment", [Hint(NS + "twinedWith", NS + "twinnedWith")]),
])
def test_undeclared(query: str, expected: list[Hint]) -> None:
    assert hints.undeclared(query, BASE, DECLARED) == expected


def test_nothing_declared_means_no_hints() -> None:
    assert hints.undeclared(TW + "SELECT * { ?s tw:anything ?o }", BASE, frozenset()) == []


def test_at_most_max_hints() -> None:
    q = TW + "SELECT * { " + " ".join(f"?s tw:t{i} ?o ." for i in range(30)) + " }"
    assert len(hints.undeclared(q, BASE, DECLARED)) == hints.MAX_HINTS


@pytest.mark.parametrize(("found", "value"), [
    ([Hint(NS + "twinedWith", NS + "twinnedWith")],
     f"undeclared term <{NS}twinedWith>; did you mean <{NS}twinnedWith>?"),
    ([Hint(NS + "a", None), Hint(NS + "b", NS + "c")],
     f"undeclared term <{NS}a>, undeclared term <{NS}b>; did you mean <{NS}c>?"),
    ([Hint(NS + "städte", None)], f"undeclared term <{NS}st%C3%A4dte>"),  # ASCII: as a URI
])
def test_header_value(found: list[Hint], value: str) -> None:
    assert hints.header_value(found) == value
    assert value.isascii()


@pytest.mark.parametrize(("query", "prefix", "text"), [
    (TW + "ASK {}", ("tw", NS), "undeclared term tw:twinedWith; did you mean tw:twinnedWith?"),
    (f"PREFIX o: <{NS}> ASK {{}}", ("o", NS), "undeclared term o:twinedWith; did you mean o:twinnedWith?"),
    ("ASK {}", None, f"undeclared term <{NS}twinedWith>; did you mean <{NS}twinnedWith>?"),
])
def test_page_text(query: str, prefix: tuple[str, str] | None, text: str) -> None:
    assert hints.ns_prefix(query, BASE) == prefix
    assert Hint(NS + "twinedWith", NS + "twinnedWith").text(prefix) == text


def test_declared_cache_reads_once_per_key() -> None:
    cache, calls = hints.DeclaredCache(), []

    def load() -> list[str]:
        calls.append(1)
        return [NS + "City"]

    assert cache.get("a", load) == cache.get("a", load) == {NS + "City"}
    assert len(calls) == 1
    cache.get("b", load)
    assert len(calls) == 2

    def broken() -> list[str]:
        raise OSError("store gone")

    with pytest.raises(OSError):
        cache.get("c", broken)
    assert cache.get("c", load) == {NS + "City"}  # a failure is not kept


# ---- over HTTP, against the real build ------------------------------------------------------

TYPO = TW + "SELECT ?a ?b WHERE { ?a tw:twinedWith ?b }"
RIGHT = TW + "SELECT ?a ?b WHERE { ?a tw:twinnedWith ?b }"


def test_header_for_programmatic_clients(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/sparql", data={"query": TYPO}, headers={"Accept": SRJ})
    assert r.status_code == 200
    assert json.loads(r.data)["results"]["bindings"] == []  # the result is unchanged: still empty
    assert r.headers[hints.HEADER] == f"undeclared term <{NS}twinedWith>; did you mean <{NS}twinnedWith>?"
    assert hints.HEADER in r.headers["Access-Control-Expose-Headers"]
    ok = client.post("/sparql", data={"query": RIGHT}, headers={"Accept": SRJ})
    assert ok.status_code == 200 and json.loads(ok.data)["results"]["bindings"]
    assert hints.HEADER not in ok.headers


def test_the_declared_terms_are_the_ontology_graphs_subjects(client) -> None:  # type: ignore[no-untyped-def]
    q = TW + "SELECT * { ?s a tw:City ; tw:twinnedWith ?o . ?x tw:numerator ?n ; tw:statisticAbout ?a }"
    r = client.post("/sparql", data={"query": q}, headers={"Accept": SRJ})
    assert r.status_code == 200 and hints.HEADER not in r.headers


def test_warning_on_the_query_page(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/sparql", data={"query": TYPO, "format": "html"}, headers={"Accept": "text/html"})
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    warn = text.index('class="sparql-warning"')
    assert "undeclared term tw:twinedWith; did you mean tw:twinnedWith?" in text[warn:]
    assert warn < text.index('class="sparql-count"')  # above the results
    assert hints.HEADER in r.headers
    plain = client.post("/sparql", data={"query": RIGHT, "format": "html"}, headers={"Accept": "text/html"})
    assert 'class="sparql-warning"' not in plain.get_data(as_text=True)


def test_no_hint_on_an_error(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/sparql", data={"query": TW + "SELECT * WHERE { ?a tw:twinedWith }"}, headers={"Accept": SRJ})
    assert r.status_code == 400 and hints.HEADER not in r.headers
