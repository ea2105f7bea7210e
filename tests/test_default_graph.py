"""The default graph is a set (issue 15): the build writes the union of the named graphs into the
store's default graph, each triple once, and queries that name no dataset read it; the named graphs
stay for GRAPH queries and the dataset dumps.  Against the session build, a real server process, and
small in-memory stores for the fallback (a store whose default graph is empty is read as the union)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.namespace import VOID

from sistercities import defaultgraph, dumps
from sistercities.release import Release
from sistercities.sparql.executor import Job, evaluate
from sistercities.store import EmbeddedStore

BASE = "https://w3id.org/twinning/"
TW = BASE + "ontology/"
KHABAROVSK, NIIGATA = BASE + "id/city/khabarovsk", BASE + "id/city/niigata"
TWINNED = f"SELECT ?a ?b WHERE {{ ?a <{TW}twinnedWith> ?b }}"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SET = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
SRJ = "application/sparql-results+json"


def _n(rows: list[dict]) -> int:  # type: ignore[type-arg]
    return int(rows[0]["n"].value)


@pytest.fixture(scope="module")
def store(built: Release) -> EmbeddedStore:
    return EmbeddedStore(built.store_dir)


def test_count_over_the_default_graph_is_the_distinct_triples(store: EmbeddedStore, built: Release) -> None:
    n = _n(store.select(COUNT))
    assert n == built.manifest["stats"]["triples"] == _n(store.select(SET))
    quads = sum(g["triples"] for g in built.manifest["graphs"])
    assert n < quads == built.manifest["triples"]  # some triples are stated by two sources


def test_the_default_graph_is_in_the_store_and_holds_exactly_the_union(built: Release) -> None:
    s = ox.Store.read_only(str(built.store_dir))
    assert defaultgraph.is_filled(s)
    dg = {q.triple for q in s.quads_for_pattern(None, None, None, defaultgraph.DEFAULT)}
    union = {q.triple for q in defaultgraph.named_quads(s)}
    assert dg == union
    # the ontology and the shapes are in it, as they were in the union default graph before
    onto = {q.triple for q in s.quads_for_pattern(None, None, None, ox.NamedNode(BASE + "ontology"))}
    shapes = {q.triple for q in s.quads_for_pattern(None, None, None, ox.NamedNode(BASE + "shapes"))}
    assert onto and shapes and onto <= dg and shapes <= dg


def test_twinned_with_each_link_once(store: EmbeddedStore) -> None:
    rows = [(r["a"].value, r["b"].value) for r in store.select(TWINNED)]
    assert len(rows) == len(set(rows)) == 12
    assert (KHABAROVSK, NIIGATA) in rows


def test_graph_queries_still_see_each_source(store: EmbeddedStore) -> None:
    rows = store.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{KHABAROVSK}> <{TW}twinnedWith> <{NIIGATA}> }} }}")
    assert sorted(r["g"].value for r in rows) == [BASE + "graph/khabarovsk-japanese-delegation",
                                                   BASE + "graph/khabarovsk-sister-cities"]
    # the default graph is not a graph a GRAPH ?g pattern can bind
    assert not store.ask("ASK { GRAPH ?g { ?s ?p ?o } FILTER(!isIRI(?g)) }")


def test_store_reads_never_return_the_default_graph_copy(store: EmbeddedStore) -> None:
    quads = list(store.quads(ox.NamedNode(KHABAROVSK), ox.NamedNode(TW + "twinnedWith"), ox.NamedNode(NIIGATA)))
    assert len(quads) == 2 and all(isinstance(q.graph_name, ox.NamedNode) for q in quads)
    stmts = [v.value for _, p, v in store.statements([KHABAROVSK], [TW + "twinnedWith"])]
    assert stmts.count(NIIGATA) == 2  # one per graph, as documented (never three)


def test_dataset_dumps_hold_the_named_graphs_only(built: Release) -> None:
    by_fmt = {d["format"]: d for d in built.manifest["dumps"]}
    nq = by_fmt["N-Quads"]
    quads = list(ox.parse(gzip.decompress((built.dumps_dir / nq["file"]).read_bytes()), ox.RdfFormat.N_QUADS))
    assert len(quads) == nq["triples"] == built.manifest["triples"]
    assert all(isinstance(q.graph_name, ox.NamedNode) for q in quads)
    trig = list(ox.parse((built.dumps_dir / by_fmt["TriG"]["file"]).read_bytes(), ox.RdfFormat.TRIG))
    assert len(trig) == len(quads) and all(isinstance(q.graph_name, ox.NamedNode) for q in trig)
    ttl = list(ox.parse((built.dumps_dir / by_fmt["Turtle"]["file"]).read_bytes(), ox.RdfFormat.TURTLE))
    assert len(ttl) == len({q.triple for q in ttl}) == built.manifest["stats"]["triples"]


# ---- through a real server -------------------------------------------------------------------


def _select(root: str, params: dict | list) -> list[dict]:  # type: ignore[type-arg]
    r = requests.get(root + "/sparql", params=params, headers={"Accept": SRJ}, timeout=20)
    assert r.status_code == 200, r.text
    return list(r.json()["results"]["bindings"])


def test_http_counts_match_the_catalogue(live_server: str, built: Release) -> None:
    n = int(_select(live_server, {"query": COUNT})[0]["n"]["value"])
    r = requests.get(live_server + "/.well-known/void", headers={"Accept": "application/n-triples"}, timeout=20)
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.text, format="nt")
    ds = rdflib.URIRef(built.manifest["base_iri"] + "dataset")
    assert n == built.manifest["stats"]["triples"] == int(g.value(ds, VOID.triples))  # type: ignore[arg-type]


def test_http_twinned_with_returns_twelve_rows(live_server: str) -> None:
    rows = _select(live_server, {"query": TWINNED})
    assert len(rows) == 12
    assert len({(b["a"]["value"], b["b"]["value"]) for b in rows}) == 12


def test_http_graph_query_sees_both_sources(live_server: str) -> None:
    q = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{KHABAROVSK}> <{TW}twinnedWith> <{NIIGATA}> }} }}"
    assert len(_select(live_server, {"query": q})) == 2


def test_http_protocol_datasets_replace_the_default_graph(live_server: str) -> None:
    one = BASE + "graph/khabarovsk-sister-cities"
    both = [one, BASE + "graph/khabarovsk-japanese-delegation"]
    q = f"SELECT ?a WHERE {{ ?a <{TW}twinnedWith> <{NIIGATA}> }}"
    assert len(_select(live_server, [("query", q), ("default-graph-uri", one)])) == 1
    # named-graph-uri alone: an EMPTY default graph (SPARQL 1.1 Query §13.2), not the store's default graph
    assert _select(live_server, [("query", q), ("named-graph-uri", one)]) == []
    gq = f"SELECT ?g WHERE {{ GRAPH ?g {{ ?a <{TW}twinnedWith> <{NIIGATA}> }} }}"
    assert [b["g"]["value"] for b in _select(live_server, [("query", gq), ("named-graph-uri", one)])] == [one]
    assert len(_select(live_server, [("query", gq), *(("named-graph-uri", g) for g in both)])) == 2
    # the query's own FROM NAMED: likewise an empty default graph; FROM: just that graph
    assert _select(live_server, {"query": f"SELECT ?a FROM NAMED <{one}> WHERE {{ ?a <{TW}twinnedWith> <{NIIGATA}> }}"}) == []
    assert len(_select(live_server, {"query": f"SELECT ?a FROM <{one}> WHERE {{ ?a <{TW}twinnedWith> <{NIIGATA}> }}"})) == 1


# ---- small stores: filling, the fallback, the executor --------------------------------------


def _two_sources() -> ox.Store:
    s = ox.Store()
    a, p = ox.NamedNode(BASE + "id/a"), ox.NamedNode(TW + "p")
    for g in ("g1", "g2"):
        s.add(ox.Quad(a, p, ox.Literal("shared"), ox.NamedNode(BASE + "graph/" + g)))
    s.add(ox.Quad(a, p, ox.Literal("only in g1"), ox.NamedNode(BASE + "graph/g1")))
    return s


def test_a_store_without_a_default_graph_is_read_as_the_union() -> None:
    s = _two_sources()
    assert not defaultgraph.is_filled(s)
    assert _n(EmbeddedStore(store=s).select(COUNT)) == 3  # Oxigraph's union: a multiset
    defaultgraph.fill(s, bulk=False)
    assert defaultgraph.is_filled(s)
    assert _n(EmbeddedStore(store=s).select(COUNT)) == 2
    assert len(s) == 5  # 3 quads in the named graphs + 2 triples in the default graph
    assert _n(EmbeddedStore(store=s).select(COUNT, named_graphs=[BASE + "graph/g1"])) == 0


def test_executor_reads_the_default_graph_and_protocol_datasets() -> None:
    s = _two_sources()
    defaultgraph.fill(s, bulk=False)

    def count(**kw: object) -> int:
        out = evaluate(s, Job(COUNT, "text/csv", 1000, **kw))  # type: ignore[arg-type]
        assert out.kind == "ok", out.message
        return int(out.body.decode().split()[1])

    assert count() == 2
    assert count(default_graphs=(BASE + "graph/g1",)) == 2
    assert count(default_graphs=(), named_graphs=(BASE + "graph/g1",)) == 0  # named-graph-uri alone: empty


def test_dumps_of_a_filled_store(tmp_path: Path) -> None:
    s = _two_sources()
    defaultgraph.fill(s, bulk=False)
    for fmt in dumps.DUMP_FORMATS:
        path = tmp_path / f"d.{fmt.ext}"
        n = dumps.write_one(s, fmt, path, BASE)
        data = gzip.decompress(path.read_bytes()) if fmt.gzip else path.read_bytes()
        parsed = list(ox.parse(data, fmt.ox_format))
        assert n == len(parsed) == (3 if fmt.quads else 2), fmt.name


@pytest.mark.parametrize("overlap", [False, True], ids=["graphs-disjoint", "triple-in-two-graphs"])
def test_dumps_of_a_store_without_a_default_graph(tmp_path: Path, overlap: bool) -> None:
    # as in a build (dumps come before the default graph): disjoint graphs are dumped graph by graph, overlapping
    # ones through a DISTINCT union; dataset formats natively
    s = _two_sources()
    if not overlap:
        s.remove(ox.Quad(ox.NamedNode(BASE + "id/a"), ox.NamedNode(TW + "p"), ox.Literal("shared"),
                         ox.NamedNode(BASE + "graph/g2")))
    distinct = 2
    for fmt in dumps.DUMP_FORMATS:
        path = tmp_path / f"d.{fmt.ext}"
        n = dumps.write_one(s, fmt, path, BASE, distinct_triples=distinct)
        data = gzip.decompress(path.read_bytes()) if fmt.gzip else path.read_bytes()
        parsed = list(ox.parse(data, fmt.ox_format))
        assert n == len(parsed) == (len(s) if fmt.quads else distinct), fmt.name
