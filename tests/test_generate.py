"""The synthetic data generator (bench/generate.py): conformance, determinism, realism.

The generated files are read back with real parsers (pyoxigraph, rdflib + pySHACL with the
project's own shapes), never trusted from the generator's own summary.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.run import load_queries  # noqa: E402

BASE = "https://w3id.org/twinning/"
TW = BASE + "ontology/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def load_store(project: Path) -> ox.Store:
    """The project's files in an in-memory store, one named graph per file, the evidence shorthand
    expanded (as the build does)."""
    from sistercities.rdfio import inputs
    from sistercities.validate import expand_evidence

    st = ox.Store()
    for f in sorted((project / "data").glob("*.ttl")):
        st.bulk_load(path=str(f), format=ox.RdfFormat.TURTLE, base_iri=BASE, to_graph=ox.NamedNode(BASE + "graph/" + f.stem))
    for f in sorted((project / "ontology").glob("*.ttl")):
        st.bulk_load(path=str(f), format=ox.RdfFormat.TURTLE, base_iri=BASE, to_graph=ox.NamedNode(BASE + "ontology"))
    assert not expand_evidence(st, [f for f in inputs(project, BASE) if f.kind == "data"], BASE)
    return st


def select(st: ox.Store, q: str) -> list[dict[str, Any]]:
    res = st.query(f"PREFIX tw: <{TW}> PREFIX xsd: <{XSD}> {q}", use_default_graph_as_union=True)
    assert isinstance(res, ox.QuerySolutions)
    names = [v.value for v in res.variables]
    return [{n: s[n] for n in names} for s in res]


def files_digest(project: Path) -> dict[str, str]:
    return {str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((project / "data").glob("*.ttl"))}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "small"
    generate.generate(out, 5_000, seed=7)
    return out


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "medium"
    generate.generate(out, 200_000, seed=42)
    return out


@pytest.fixture(scope="module")
def medium_store(medium: Path) -> ox.Store:
    return load_store(medium)


@pytest.mark.slow
def test_small_sample_conforms_to_our_shapes(small: Path) -> None:
    import pyshacl
    import rdflib

    from sistercities.rdfio import inputs, load
    from sistercities.serialize import to_rdflib_term
    from sistercities.validate import expand_evidence

    files = [f for f in inputs(small, BASE) if f.kind in ("data", "ontology")]
    store = ox.Store()
    assert not load(store, files, BASE)
    assert not expand_evidence(store, files, BASE)  # the evidence shorthand, expanded as the build does
    data = rdflib.Graph()
    for q in store:
        data.add(tuple(to_rdflib_term(t) for t in (q.subject, q.predicate, q.object)))  # type: ignore[arg-type]
    evidence = rdflib.URIRef(BASE + "ontology/Evidence")
    assert len(set(data.subjects(rdflib.RDF.type, evidence))) > 100
    shapes = rdflib.Graph()
    for f in sorted((ROOT / "shapes").glob("*.ttl")):  # the repository's shapes, not the copy
        shapes.parse(f, format="turtle", publicID=BASE)
    assert len(shapes) > 100, "the project's shapes are missing"
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    rows = report.query("""
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?focus ?msg WHERE { ?r sh:resultSeverity sh:Violation ; sh:focusNode ?focus ; sh:resultMessage ?msg }
        LIMIT 10""")
    violations = [f"{r[0]}: {r[1]}" for r in rows]  # type: ignore[index]
    assert violations == []


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate.generate(a, 20_000, seed=3)
    generate.generate(b, 20_000, seed=3)
    generate.generate(c, 20_000, seed=4)
    assert files_digest(a) == files_digest(b)
    assert files_digest(a) != files_digest(c)


@pytest.mark.parametrize("target", [5_000, 50_000, 200_000])
def test_size_is_close_to_the_target(tmp_path: Path, target: int) -> None:
    generate.generate(tmp_path / "p", target, seed=1)
    st = load_store(tmp_path / "p")
    data_quads = sum(1 for q in st if q.graph_name != ox.NamedNode(BASE + "ontology"))
    assert abs(data_quads - target) <= 0.05 * target


def test_partner_counts_follow_a_power_law(medium_store: ox.Store) -> None:
    rows = select(medium_store, "SELECT ?city (COUNT(?p) AS ?n) WHERE { ?city a tw:City . "
                                "OPTIONAL { ?city tw:twinnedWith ?p } } GROUP BY ?city")
    degrees = sorted((int(r["n"].value) for r in rows), reverse=True)
    median = degrees[len(degrees) // 2]
    # 200k triples, a third of them evidence: ~1,100 twinnings, a hub of ~70 partners (~150 at 1M)
    assert degrees[0] >= 50, f"no hub city: top partner counts {degrees[:5]}"
    assert degrees[0] >= 20 * max(median, 1)
    assert sum(1 for d in degrees if d <= 3) >= 0.5 * len(degrees), "most cities should have few partners"
    # complementary CDF straight on log-log axes: slope of a power law, good fit
    pts = []
    for k in (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96):
        share = sum(1 for d in degrees if d >= k) / len(degrees)
        if share > 0:
            pts.append((math.log(k), math.log(share)))
    n = len(pts)
    mx, my = sum(x for x, _ in pts) / n, sum(y for _, y in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    sxy = sum((x - mx) * (y - my) for x, y in pts)
    syy = sum((y - my) ** 2 for _, y in pts)
    slope, r2 = sxy / sxx, sxy * sxy / (sxx * syy)
    assert -2.5 < slope < -0.7, slope
    assert r2 > 0.9, r2


def test_dates_come_at_mixed_precision(medium_store: ox.Store) -> None:
    rows = select(medium_store, """
        SELECT ?dt (COUNT(*) AS ?n) WHERE {
          VALUES ?p { tw:startDate tw:signingDate tw:date } ?s ?p ?d } GROUP BY (DATATYPE(?d) AS ?dt)""")
    counts = {r["dt"].value.removeprefix(XSD): int(r["n"].value) for r in rows}
    total = sum(counts.values())
    assert set(counts) == {"date", "gYearMonth", "gYear"}
    assert all(n >= 0.05 * total for n in counts.values()), counts
    bounded = select(medium_store, """
        SELECT ?s ?note WHERE { ?s tw:earliestDate ?e ; tw:latestDate ?l .
          OPTIONAL { ?s <http://www.w3.org/2004/02/skos/core#editorialNote> ?note } }""")
    assert len(bounded) >= 20
    assert all(r["note"] is not None for r in bounded), "a date known only by its bounds needs a note"


def test_twinning_records_and_shortcuts_agree(medium_store: ox.Store) -> None:
    missing_shortcut = select(medium_store, """
        SELECT ?t WHERE { ?t a tw:Twinning ; tw:partner ?a , ?b . FILTER (?a != ?b)
          FILTER NOT EXISTS { ?a tw:twinnedWith ?b } }""")
    orphan_shortcut = select(medium_store, """
        SELECT ?a ?b WHERE { ?a tw:twinnedWith ?b .
          FILTER NOT EXISTS { ?t a tw:Twinning ; tw:partner ?a , ?b } }""")
    records = select(medium_store, "SELECT (COUNT(*) AS ?n) WHERE { ?t a tw:Twinning }")
    assert int(records[0]["n"].value) > 1000
    assert missing_shortcut == []
    assert orphan_shortcut == []


def test_every_record_cites_a_described_paragraph(medium_store: ox.Store) -> None:
    uncited = select(medium_store, """
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?r WHERE { ?r a ?c . ?c rdfs:subClassOf* tw:Record .
          FILTER NOT EXISTS { ?r prov:wasDerivedFrom ?p . ?p a tw:Paragraph } } LIMIT 5""")
    undescribed = select(medium_store, """
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dct: <http://purl.org/dc/terms/>
        SELECT DISTINCT ?p WHERE { ?r prov:wasDerivedFrom ?p .
          FILTER (CONTAINS(STR(?p), "/p")) FILTER NOT EXISTS { ?p dct:isPartOf ?doc . ?doc a tw:SourceDocument } } LIMIT 5""")
    kinds = select(medium_store, """
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?c WHERE { ?r a ?c . ?c rdfs:subClassOf* tw:Record }""")
    assert uncited == []
    assert undescribed == []
    names = {r["c"].value.removeprefix(TW) for r in kinds}
    assert {"Twinning", "TwinningAgreement", "MemorandumOfUnderstanding", "Visit", "CityRelationship",
            "ExchangeProgramme", "Statistic"} <= names


def test_labels_are_multilingual_with_non_ascii(medium_store: ox.Store) -> None:
    rows = select(medium_store, "SELECT ?lang (COUNT(*) AS ?n) WHERE { ?s a tw:City ; "
                                "<http://www.w3.org/2000/01/rdf-schema#label> ?l } GROUP BY (LANG(?l) AS ?lang)")
    langs = {r["lang"].value for r in rows}
    assert {"en", "ru", "uk", "ja", "zh", "ko"} <= langs
    accented = select(medium_store, """SELECT ?l WHERE { ?s a tw:City ; <http://www.w3.org/2000/01/rdf-schema#label> ?l .
        FILTER (LANG(?l) = "en" && REGEX(?l, "[^\\\\x00-\\\\x7F]")) } LIMIT 1""")
    assert accented, "English labels with diacritics (Göttingen) expected"


def test_people_organisations_and_sources_are_there(medium_store: ox.Store) -> None:
    rows = select(medium_store, """
        SELECT ?c (COUNT(?s) AS ?n) WHERE {
          VALUES ?c { <http://xmlns.com/foaf/0.1/Person> tw:Delegation tw:CityAdministration tw:SourceDocument tw:Paragraph }
          ?s a ?c } GROUP BY ?c""")
    counts = {r["c"].value.rsplit("/", 1)[-1]: int(r["n"].value) for r in rows}
    assert counts.get("Person", 0) > 1000 and counts.get("Delegation", 0) > 500
    assert counts.get("CityAdministration", 0) > 400 and counts.get("Paragraph", 0) > 1000
    assert counts.get("SourceDocument", 0) >= 10
    # signatories are the mayors of the parties; delegations have heads who are people
    assert select(medium_store, "SELECT ?p WHERE { ?a tw:signatory ?p . ?p tw:mayorOf ?c } LIMIT 1")
    assert select(medium_store, "SELECT ?h WHERE { ?d tw:headOfDelegation ?h . ?h a <http://xmlns.com/foaf/0.1/Person> } LIMIT 1")


def test_several_named_graphs_like_real_sources(medium: Path) -> None:
    stems = {p.stem for p in (medium / "data").glob("*.ttl")}
    assert {"reference", "sources"} <= stems
    assert len([s for s in stems if s.startswith("register-")]) >= 10
    assert len([s for s in stems if s.startswith("news-")]) >= 10


def test_every_bench_query_has_answers_on_generated_data(medium: Path, medium_store: ox.Store) -> None:
    summary = json.loads((medium / "generated.json").read_text(encoding="utf-8"))
    queries = load_queries(summary)
    assert len(queries) >= 10
    for name, q in queries.items():
        assert "{{" not in q, name
        res = medium_store.query(q, use_default_graph_as_union=True)
        assert len(list(res)) > 0, f"{name} has no answer"  # type: ignore[arg-type]


def test_cyrillic_slugs_make_valid_iris(tmp_path: Path) -> None:
    generate.generate(tmp_path / "p", 5_000, seed=5, cyrillic_slugs=1.0)
    st = load_store(tmp_path / "p")
    rows = select(st, "SELECT ?c WHERE { ?c a tw:City FILTER (REGEX(STR(?c), \"[а-яіїє]\")) }")
    assert rows, "expected some Cyrillic city slugs"


@pytest.mark.slow
def test_the_project_build_reads_generated_data(small: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sistercities.cli", "build", "--project", str(small),
                           "--build-dir", str(tmp_path / "build"), "--skip-shacl"], capture_output=True, text=True,
                          env={**os.environ, "SISTERCITIES_SOURCES_DIR": str(small / "sources")})
    assert "quotations not checked" not in proc.stdout + proc.stderr  # the synthetic texts hold every quotation
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = json.loads((tmp_path / "build" / "current" / "manifest.json").read_text())
    data_graphs = [g for g in manifest["graphs"] if "/graph/" in g["iri"]]
    assert len(data_graphs) == len(list((small / "data").glob("*.ttl")))
    st = load_store(small)
    assert sum(g["triples"] for g in data_graphs) == sum(
        1 for q in st if q.graph_name != ox.NamedNode(BASE + "ontology"))


@pytest.mark.parametrize(("args", "message"), [
    (["--triples", "10"], "--triples must be at least 1000"),
    (["--triples", "many"], "invalid int value"),
    (["--cyrillic-slugs", "2"], "--cyrillic-slugs must be between 0 and 1"),
])
def test_generator_cli_rejects_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench.generate", "--out", str(tmp_path / "x"), *args],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x").exists()
