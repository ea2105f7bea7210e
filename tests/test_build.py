"""The build: manifest contract, dumps that parse back with the counts the manifest
claims, stats equal to independent SPARQL counts, atomic publishing, no-op rebuilds.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from miniproject import BASE, GOOD_DATA, ONTOLOGY, PREFIXES, make_project
from sistercities.build import LOCK, BuildError, build
from sistercities.release import Release, current

MANIFEST_KEYS = {"version", "build_time", "modified", "input_hash", "base_iri", "triples", "graphs", "dumps", "stats"}
STATS_KEYS = {"triples", "entities", "distinct_subjects", "distinct_objects", "classes", "properties", "class_partitions",
              "property_partitions", "linksets", "vocabularies", "temporal", "countries", "example_resources"}
DUMP_KEYS = {"file", "format", "media_type", "bytes", "sha256", "compression", "triples", "quads"}


# --- the real build (session fixture `built`) --------------------------------------------


def test_manifest_follows_the_contract(built: Release) -> None:
    m = built.manifest
    assert set(m) >= MANIFEST_KEYS
    assert set(m["stats"]) >= STATS_KEYS
    assert m["base_iri"] == BASE
    assert built.version.startswith(m["build_time"][:10].replace("-", ".")) and built.version.endswith(m["input_hash"][:8])
    assert m["build_time"].endswith("Z") and m["modified"].endswith("Z")
    assert {g["iri"] for g in m["graphs"]} >= {BASE + "ontology", BASE + "shapes", BASE + "graph/reference"}
    assert sum(g["triples"] for g in m["graphs"]) == m["triples"]
    assert {d["format"] for d in m["dumps"]} == {"Turtle", "N-Triples", "N-Quads", "TriG", "JSON-LD"}
    for d in m["dumps"]:
        assert set(d) == DUMP_KEYS
        assert d["file"].startswith(f"sistercities-{built.version}.")


def test_graph_triples_match_the_store(built: Release, sparql: Callable[[str], list[dict[str, Any]]]) -> None:
    rows = sparql("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert {r["g"].value: int(r["n"].value) for r in rows} == {g["iri"]: g["triples"] for g in built.manifest["graphs"]}


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


@pytest.mark.parametrize("fmt", ["Turtle", "N-Triples", "N-Quads", "TriG", "JSON-LD"])
def test_dump_parses_back_with_pyoxigraph_and_matches_manifest(built: Release, fmt: str) -> None:
    d = next(d for d in built.manifest["dumps"] if d["format"] == fmt)
    path = built.dumps_dir / d["file"]
    raw = path.read_bytes()
    assert len(raw) == d["bytes"] and hashlib.sha256(raw).hexdigest() == d["sha256"]
    assert (d["compression"] == "application/gzip") == path.name.endswith(".gz")
    ox_format = ox.RdfFormat.from_media_type(d["media_type"])
    assert ox_format is not None
    quads = list(ox.parse(_read(path), ox_format))
    if d["quads"]:
        assert len(set(quads)) == d["triples"] == built.manifest["triples"]
        assert all(not isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
    else:
        assert len({q.triple for q in quads}) == d["triples"] == built.manifest["stats"]["triples"]


_RDFLIB = {"Turtle": "turtle", "N-Triples": "nt", "N-Quads": "nquads", "TriG": "trig", "JSON-LD": "json-ld"}


@pytest.mark.parametrize("fmt", list(_RDFLIB))
def test_dump_parses_back_with_rdflib(built: Release, fmt: str) -> None:
    d = next(d for d in built.manifest["dumps"] if d["format"] == fmt)
    data = _read(built.dumps_dir / d["file"])
    if d["quads"]:
        ds = rdflib.Dataset()
        ds.parse(data=data, format=_RDFLIB[fmt])
        named = [q for q in ds.quads((None, None, None, None)) if q[3] is not None and str(q[3]) != str(DATASET_DEFAULT_GRAPH_ID)]
        assert len(named) == d["triples"]
        assert {str(q[3]) for q in named} == {g["iri"] for g in built.manifest["graphs"] if g["triples"]}
    else:
        g = rdflib.Graph()
        g.parse(data=data, format=_RDFLIB[fmt])
        assert len(g) == d["triples"]


def _n(rows: list[dict[str, Any]]) -> int:
    return int(rows[0]["n"].value)


def test_stats_equal_independent_sparql_counts(built: Release, sparql: Callable[[str], list[dict[str, Any]]]) -> None:
    st = built.manifest["stats"]
    assert st["triples"] == _n(sparql("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"))
    assert st["distinct_subjects"] == _n(sparql("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"))
    assert st["distinct_objects"] == _n(sparql("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"))
    assert st["properties"] == _n(sparql("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"))
    assert st["classes"] == _n(sparql("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"))
    assert st["entities"] == _n(sparql(f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c FILTER(STRSTARTS(STR(?s), "{BASE}id/")) }}'))
    cities = _n(sparql(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{BASE}ontology/City> }}"))
    assert {"class": BASE + "ontology/City", "entities": cities} in st["class_partitions"]
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    labels = _n(sparql(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ ?s <{label}> ?o }} }}"))
    assert {"property": "http://www.w3.org/2000/01/rdf-schema#label", "triples": labels} in st["property_partitions"]
    wd = _n(sparql(f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ ?s <http://www.w3.org/2002/07/owl#sameAs> ?o
        FILTER(STRSTARTS(STR(?o), "http://www.wikidata.org/entity/") && STRSTARTS(STR(?s), "{BASE}id/")) }} }}"""))
    assert st["linksets"]["wikidata"] == wd > 0
    assert st["linksets"]["geonames"] > 0
    countries = sorted(r["c"].value for r in sparql(f"SELECT DISTINCT ?c WHERE {{ ?c a <{BASE}ontology/Country> }}"))
    assert st["countries"] == countries
    assert BASE + "ontology/" in st["vocabularies"]
    t = st["temporal"]
    assert t["start"] is not None and t["start"] <= t["end"]
    for iri in st["example_resources"]:
        assert sparql(f"SELECT ?p WHERE {{ <{iri}> ?p ?o }} LIMIT 1"), iri



def test_the_release_names_the_objects_an_order_by_ranks(built: Release,
                                                         sparql: Callable[[str], list[dict[str, Any]]]) -> None:
    """stats.literal_predicates / form_ordered_predicates, read back as Release.ranked_predicates:
    the real data's dates and labels sort by their form, its coordinates and numbers do not."""
    st = built.manifest["stats"]
    literal = {r["p"].value for r in sparql("SELECT DISTINCT ?p WHERE { ?s ?p ?o FILTER(isLITERAL(?o)) }")}
    assert set(st["literal_predicates"]) == literal
    assert set(st["form_ordered_predicates"]) < literal
    ranked = built.ranked_predicates
    assert ranked is not None
    for p in ("http://www.w3.org/2000/01/rdf-schema#label", BASE + "ontology/startDate", BASE + "ontology/quotation"):
        assert p in literal and p not in ranked
    for p in ("http://www.w3.org/2003/01/geo/wgs84_pos#lat", BASE + "ontology/paragraphNumber"):
        assert p in ranked


# --- small projects: publishing, no-op rebuilds, failures ---------------------------------


def _project(tmp_path: Path, extra: str = "") -> Path:
    return make_project(tmp_path / "project", {"g.ttl": GOOD_DATA + extra})


def _state(build_dir: Path) -> tuple[str, list[str]]:
    return os.readlink(build_dir / "current"), sorted(p.name for p in (build_dir / "releases").iterdir())


def test_unchanged_rebuild_does_no_work(tmp_path: Path) -> None:
    project, bd = _project(tmp_path), tmp_path / "build"
    first = build(project, bd, BASE)
    m1 = current(bd).manifest
    mtime = (first / "manifest.json").stat().st_mtime_ns
    lines: list[str] = []
    again = build(project, bd, BASE, log=lines.append)
    assert again == first
    assert lines == [f"up to date: {m1['version']}"]
    assert current(bd).manifest == m1  # same version, build_time and modified
    assert (first / "manifest.json").stat().st_mtime_ns == mtime


def test_changed_input_gives_new_version_and_keeps_the_old(tmp_path: Path) -> None:
    project, bd = _project(tmp_path), tmp_path / "build"
    build(project, bd, BASE)
    m1 = current(bd).manifest
    (project / "data" / "g.ttl").write_text(GOOD_DATA + '<id/city/a> rdfs:label "Ay"@fr .\n', encoding="utf-8")
    build(project, bd, BASE)
    m2 = current(bd).manifest
    assert m2["version"] != m1["version"] and m2["input_hash"] != m1["input_hash"]
    assert m2["modified"] >= m1["modified"] and m2["triples"] == m1["triples"] + 1
    assert (bd / "releases" / m1["version"] / "manifest.json").exists()


def test_base_iri_is_part_of_the_input_hash(tmp_path: Path) -> None:
    project = _project(tmp_path)
    build(project, tmp_path / "b1", BASE)
    build(project, tmp_path / "b2", "http://example.org/tw/")
    m1, m2 = current(tmp_path / "b1").manifest, current(tmp_path / "b2").manifest
    assert m1["input_hash"] != m2["input_hash"]
    assert any(g["iri"] == "http://example.org/tw/graph/g" for g in m2["graphs"])


def test_forced_rebuild_keeps_modified(tmp_path: Path) -> None:
    project, bd = _project(tmp_path), tmp_path / "build"
    build(project, bd, BASE)
    m1 = current(bd).manifest
    build(project, bd, BASE, force=True)
    m2 = current(bd).manifest
    assert m2["modified"] == m1["modified"] and m2["version"] == m1["version"]
    assert _state(bd)[1] == [m1["version"]]


SHAPES = PREFIXES + """
<shapes/CityShape> a sh:NodeShape ; sh:targetClass tw:City ;
    sh:property [ sh:path tw:country ; sh:minCount 1 ] .
"""


@pytest.mark.parametrize(("bad", "kind"), [
    ("<id/city/z> a tw:City .\n", "shacl"),                       # violation: no country
    ("<id/city/z> tw:partnr <id/city/a> .\n", "term"),           # typo'd term
    ("<id/city/z> tw:partner <id/city/a>\n", "syntax"),          # missing dot
])
def test_invalid_input_publishes_nothing(tmp_path: Path, bad: str, kind: str) -> None:
    project, bd = _project(tmp_path), tmp_path / "build"
    (project / "shapes" / "s.ttl").write_text(SHAPES, encoding="utf-8")
    build(project, bd, BASE)
    before = _state(bd)
    (project / "data" / "bad.ttl").write_text(PREFIXES + bad, encoding="utf-8")
    with pytest.raises(BuildError) as exc:
        build(project, bd, BASE)
    assert exc.value.report is not None
    assert [i.kind for i in exc.value.report.issues if i.severity == "error"] == [kind]
    assert _state(bd) == before  # current unchanged, no stray temp dirs
    assert not list(bd.glob("current.tmp-*"))


def test_skip_shacl_and_no_validate_publish_what_shacl_would_reject(tmp_path: Path) -> None:
    project, bd = _project(tmp_path, "<id/city/z> a tw:City .\n"), tmp_path / "build"
    (project / "shapes" / "s.ttl").write_text(SHAPES, encoding="utf-8")
    with pytest.raises(BuildError):
        build(project, bd, BASE)
    assert not (bd / "current").exists()
    build(project, bd, BASE, shacl=False)
    assert current(bd).manifest["validation"]["checks"] == ["syntax", "terms", "quotations", "quality"]


def test_a_less_validated_release_is_not_up_to_date_for_a_full_build(tmp_path: Path) -> None:
    # same inputs, but the current release skipped SHACL: a plain build must still run it (and refuse)
    project, bd = _project(tmp_path, "<id/city/z> a tw:City .\n"), tmp_path / "build"
    (project / "shapes" / "s.ttl").write_text(SHAPES, encoding="utf-8")
    build(project, bd, BASE, shacl=False)
    before = _state(bd)
    with pytest.raises(BuildError):
        build(project, bd, BASE)
    assert _state(bd) == before
    # and a valid project built without validation is validated (and republished) by a plain build
    good, bd2 = _project(tmp_path / "good"), tmp_path / "build2"
    build(good, bd2, BASE, validate=False)
    skipped = current(bd2).manifest["validation"]["checks"]
    build(good, bd2, BASE)
    assert skipped == ["syntax"]
    assert current(bd2).manifest["validation"]["checks"] == ["syntax", "terms", "quotations", "shacl", "quality"]


def test_old_releases_are_pruned(tmp_path: Path) -> None:
    project, bd = _project(tmp_path), tmp_path / "build"
    versions = []
    for i in range(4):
        (project / "data" / "g.ttl").write_text(GOOD_DATA + f'<id/city/a> rdfs:comment "{i}" .\n', encoding="utf-8")
        build(project, bd, BASE, keep=2)
        versions.append(current(bd).version)
    assert _state(bd) == (f"releases/{versions[-1]}", sorted(versions[-2:]))


def test_stale_temp_dirs_of_a_dead_build_are_removed(tmp_path: Path) -> None:
    project, bd = _project(tmp_path), tmp_path / "build"
    (bd / "releases" / "2020.01.01-deadbeef.tmp-99999" / "store").mkdir(parents=True)
    build(project, bd, BASE)
    assert _state(bd)[1] == [current(bd).version]


def test_concurrent_build_is_refused(tmp_path: Path) -> None:
    project, bd = _project(tmp_path), tmp_path / "build"
    bd.mkdir()
    with open(bd / LOCK, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(BuildError, match="another build is running"):
            build(project, bd, BASE)
    assert not (bd / "current").exists()


def test_no_data_is_a_build_error(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {}, ontology=ONTOLOGY)
    with pytest.raises(BuildError, match="no data files"):
        build(project, tmp_path / "build", BASE)


def test_dumps_keep_named_graphs_and_union_drops_duplicates(tmp_path: Path) -> None:
    # the same triple stated by two sources: once in the Turtle dump, twice in N-Quads
    dup = PREFIXES + "<id/city/a> rdfs:label \"A\"@en .\n"
    project = make_project(tmp_path / "p", {"g.ttl": GOOD_DATA, "h.ttl": dup})
    rel = Release(build(project, tmp_path / "build", BASE), current(tmp_path / "build").manifest)
    by_fmt = {d["format"]: d for d in rel.manifest["dumps"]}
    assert by_fmt["N-Quads"]["triples"] == by_fmt["Turtle"]["triples"] + 1
    assert json.loads((rel.dumps_dir / by_fmt["JSON-LD"]["file"]).read_text())  # valid JSON


@pytest.mark.parametrize("dup", [False, True], ids=["graphs-disjoint", "triple-in-two-graphs"])
def test_union_dumps_hold_each_triple_once(tmp_path: Path, dup: bool) -> None:
    # two code paths: disjoint graphs are dumped graph by graph; overlapping ones through a DISTINCT union
    # (the build dumps before it writes the default graph; dumps of a filled store: test_default_graph.py)
    other = PREFIXES + ('<id/city/a> rdfs:label "A"@en .\n' if dup else '<id/city/b> rdfs:label "B"@en .\n')
    project = make_project(tmp_path / "p", {"g.ttl": GOOD_DATA, "h.ttl": other})
    build(project, tmp_path / "build", BASE)
    rel = current(tmp_path / "build")
    for d in rel.manifest["dumps"]:
        if d["quads"]:
            continue
        fmt = ox.RdfFormat.from_media_type(d["media_type"])
        assert fmt is not None
        triples = [q.triple for q in ox.parse(_read(rel.dumps_dir / d["file"]), fmt)]
        assert len(triples) == len(set(triples)) == d["triples"] == rel.manifest["stats"]["triples"]
