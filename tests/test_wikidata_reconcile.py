"""``sistercities wikidata reconcile`` against the Wikidata-shaped fixture on a real Oxigraph server.

The traps (tests/fixtures/wikidata/wikidata.ttl): Odessa, Texas vs Odesa; three Portlands; three
Victorias (one a state of Australia); Pusan/Busan vs Pucheon/Bucheon; Maizuru vs Maizuru Bay.
The mini project (tests/miniproject.py: reconcile_project) has cities with those names, countries and
coordinates but no links.  Everything goes through the CLI; the review file is read back with csv.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import free_port, start_loopback_http, start_oxigraph, stop_server, tree_hash
from miniproject import reconcile_project
from sistercities.cli import main
from sistercities.wikidata.reconcile import COLUMNS
from sistercities.wikidata.scoring import parse_point

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/twinning/"


def env(endpoint: str, cache: Path) -> dict[str, str]:
    return {"SISTERCITIES_WIKIDATA_SPARQL_URL": endpoint, "SISTERCITIES_WIKIDATA_CACHE_DIR": str(cache),
            "SISTERCITIES_WIKIDATA_RATE": "0", "SISTERCITIES_WIKIDATA_TIMEOUT": "10"}


def run(args: list[str], endpoint: str, cache: Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["wikidata", *args], env=env(endpoint, cache), catch_exceptions=False)


def read_review(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)



@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reconcile_project(tmp_path_factory.mktemp("reconcile") / "project", ROOT)


@pytest.fixture(scope="module")
def review(mini: Path, wikidata_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    out = tmp_path_factory.mktemp("review") / "review.csv"
    r = run(["reconcile", "--project", str(mini), "--out", str(out)], wikidata_endpoint,
            tmp_path_factory.mktemp("cache"))
    assert r.exit_code == 0, r.output
    assert f"Wrote {out}: 10 entities without a Wikidata link, 9 with candidates" in r.output
    return read_review(out)


def rows_of(review: list[dict[str, str]], local: str) -> list[dict[str, str]]:
    return [r for r in review if r["our_iri"] == BASE + "id/" + local]


# (our entity, the candidate that must come first, its lowest acceptable score,
#  {trap: the highest score it may get}, candidates that must never rank above the first)
TRAPS = [
    ("city/odesa", "Q1874", 85, {"Q128361": 10}),
    ("city/odessa-texas", "Q128361", 85, {"Q1874": 10}),
    ("city/pusan", "Q16520", 85, {"Q42099": 0}),
    ("city/pucheon", "Q42099", 85, {"Q16520": 0}),
    ("city/victoria", "Q2132", 90, {"Q99000002": 10, "Q99000003": 10}),
    ("city/portland", "Q6106", 90, {"Q49186": 60, "Q99000001": 10}),
    ("city/maizuru", "Q99000010", 90, {"Q99000011": 30}),
    ("country/australia", "Q408", 50, {}),
    ("org/ukrainian-red-cross", "Q99000020", 70, {}),
]


@pytest.mark.parametrize("local,first,min_score,traps", TRAPS, ids=[t[0] for t in TRAPS])
def test_traps_do_not_resolve_wrongly(review: list[dict[str, str]], local: str, first: str, min_score: int,
                                      traps: dict[str, int]) -> None:
    rows = rows_of(review, local)
    assert rows, local
    assert rows[0]["candidate_qid"] == first, [(r["candidate_qid"], r["score"], r["reasons"]) for r in rows]
    assert int(rows[0]["score"]) >= min_score, rows[0]
    scores = [int(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    for trap, highest in traps.items():
        for r in rows:
            if r["candidate_qid"] == trap:
                assert int(r["score"]) <= highest, r
                assert int(r["score"]) < int(rows[0]["score"])
    assert all(r["accepted"] == "" for r in rows)


def test_reasons_explain_the_score(review: list[dict[str, str]]) -> None:
    odesa = {r["candidate_qid"]: r for r in rows_of(review, "city/odesa")}
    assert odesa["Q1874"]["reasons"] == ("label matches 'Odessa'@en (altLabel); class city ✓ (Q1549591 ⊑ Q515); "
                                         "country Ukraine ✓; 0.6 km from our coordinates")
    assert odesa["Q1874"]["candidate_label"] == "Odesa"
    assert odesa["Q1874"]["candidate_description"] == "city in southern Ukraine"
    assert odesa["Q1874"]["candidate_country"] == "Ukraine"
    assert odesa["Q1874"]["distance_km"] == "0.6"
    texas = odesa["Q128361"]["reasons"]
    assert "country United States ✗ (ours: Ukraine)" in texas and "10,117 km from our coordinates ✗" in texas
    state = {r["candidate_qid"]: r for r in rows_of(review, "city/victoria")}["Q99000003"]["reasons"]
    assert "class ✗: state of Australia (Q5852411) is not a human settlement" in state
    bay = {r["candidate_qid"]: r for r in rows_of(review, "city/maizuru")}["Q99000011"]["reasons"]
    assert bay.startswith("label matches 'Maizuru'@en (altLabel); class ✗: bay (Q39594)")


def test_every_unlinked_entity_has_a_row_sorted_by_entity(review: list[dict[str, str]]) -> None:
    iris = [r["our_iri"] for r in review]
    assert iris == sorted(iris)
    assert BASE + "id/city/khabarovsk" not in iris  # linked already
    assert BASE + "id/country/japan" not in iris
    atlantis = rows_of(review, "city/atlantis")
    assert atlantis == [{**dict.fromkeys(COLUMNS, ""), "our_iri": BASE + "id/city/atlantis", "our_label": "Atlantis",
                         "reasons": "no candidate"}]
    assert {r["our_iri"] for r in review} == {BASE + "id/" + x for x in (
        "city/atlantis", "city/maizuru", "city/odesa", "city/odessa-texas", "city/portland", "city/pucheon",
        "city/pusan", "city/victoria", "country/australia", "org/ukrainian-red-cross")}


def test_limit_cache_and_refresh(mini: Path, wikidata_endpoint: str, tmp_path: Path) -> None:
    out = tmp_path / "one.csv"
    first = run(["reconcile", "--project", str(mini), "--out", str(out), "--limit-per-entity", "1"],
                wikidata_endpoint, tmp_path / "cache")
    assert first.exit_code == 0 and "(3 requests to" in first.output and "0 answers from the cache" in first.output
    rows = read_review(out)
    assert len(rows) == 10 and len({r["our_iri"] for r in rows}) == 10
    again = run(["reconcile", "--project", str(mini), "--out", str(out), "--limit-per-entity", "1"],
                wikidata_endpoint, tmp_path / "cache")
    assert "(0 requests to" in again.output and "3 answers from the cache" in again.output
    assert read_review(out) == rows
    fresh = run(["reconcile", "--project", str(mini), "--out", str(out), "--refresh"],
                wikidata_endpoint, tmp_path / "cache")
    assert "(3 requests to" in fresh.output and "0 answers from the cache" in fresh.output


def test_default_out_is_in_the_working_directory(mini: Path, wikidata_endpoint: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = run(["reconcile", "--project", str(mini)], wikidata_endpoint, tmp_path / "cache")
    assert r.exit_code == 0, r.output
    assert read_review(tmp_path / "wikidata-review.csv")


def test_unreachable_endpoint_writes_nothing(mini: Path, tmp_path: Path) -> None:
    before = tree_hash(mini)
    out = tmp_path / "review.csv"
    url = f"http://127.0.0.1:{free_port()}/sparql"
    r = CliRunner().invoke(main, ["wikidata", "reconcile", "--project", str(mini), "--out", str(out)],
                           env=env(url, tmp_path / "cache"))
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {url}: unreachable"), r.output
    assert lines[0].endswith("(nothing was written)")
    assert not out.exists() and not list(tmp_path.glob(".review.csv.*"))
    assert tree_hash(mini) == before


def test_broken_data_file_is_one_line_naming_file_and_line(tmp_path: Path, wikidata_endpoint: str) -> None:
    project = reconcile_project(tmp_path / "p", ROOT)
    (project / "data" / "broken.ttl").write_text("@prefix tw: <ontology/> .\n<id/city/x> a tw:City ; tw:country <id/country/y .\n",
                                                 encoding="utf-8")
    r = CliRunner().invoke(main, ["wikidata", "reconcile", "--project", str(project), "--out", str(tmp_path / "o.csv")],
                           env=env(wikidata_endpoint, tmp_path / "cache"))
    assert r.exit_code == 1
    assert r.output.startswith("Error: data/broken.ttl:2:") and len(r.output.strip().splitlines()) == 1, r.output
    assert not (tmp_path / "o.csv").exists()


def test_not_a_project(tmp_path: Path, wikidata_endpoint: str) -> None:
    r = CliRunner().invoke(main, ["wikidata", "reconcile", "--project", str(tmp_path)],
                           env=env(wikidata_endpoint, tmp_path / "cache"))
    assert r.exit_code == 1 and "no data/ folder here" in r.output


def test_real_project_maizuru_and_organisations(wikidata_endpoint: str, tmp_path: Path) -> None:
    """Only Maizuru and the organisations are unlinked in the real data: Maizuru ranks the (fictional)
    city first and the bay low; the Ukrainian Red Cross finds the fixture's society; the rest none."""
    before = tree_hash(ROOT / "data")
    out = tmp_path / "real.csv"
    r = run(["reconcile", "--project", str(ROOT), "--out", str(out)], wikidata_endpoint, tmp_path / "cache")
    assert r.exit_code == 0, r.output
    rows = read_review(out)
    assert {r["our_iri"].split("/id/")[1].split("/")[0] for r in rows} == {"city", "org"}
    maizuru = rows_of(rows, "city/maizuru")
    assert [(r["candidate_qid"], r["score"]) for r in maizuru] == [("Q99000010", "100"), ("Q99000011", "20")]
    red_cross = rows_of(rows, "org/ukrainian-red-cross")
    assert [r["candidate_qid"] for r in red_cross] == ["Q99000020"]
    assert not rows_of(rows, "org/geonames")[0]["candidate_qid"]
    assert not [r for r in rows if "/id/org/" in r["our_iri"] and "delegation" in r["our_iri"]]
    assert tree_hash(ROOT / "data") == before


@pytest.mark.parametrize("wkt,expected", [
    ("Point(30.7326 46.4775)", (46.4775, 30.7326)),
    ("<http://www.wikidata.org/entity/Q2> Point(-122.68 45.52)", (45.52, -122.68)),
    ("<http://www.wikidata.org/entity/Q405> Point(10 10)", None),  # on the Moon
    ("POINT(1e1 -5)", (-5.0, 10.0)),
    ("Point(200 10)", None),
    ("LineString(1 2, 3 4)", None),
    ("", None),
])
def test_wkt_points(wkt: str, expected: tuple[float, float] | None) -> None:
    assert parse_point(wkt) == expected


# --- a server with tests/fixtures/wikidata/reconcile-extra.ttl as well ------------------------------


@pytest.fixture(scope="module")
def extra_review(mini: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    fixtures = ROOT / "tests" / "fixtures" / "wikidata"
    tmp = tmp_path_factory.mktemp("extra")
    proc, url = start_oxigraph([fixtures / "wikidata.ttl", fixtures / "reconcile-extra.ttl"], tmp / "store")
    try:
        out = tmp / "review.csv"
        r = run(["reconcile", "--project", str(mini), "--out", str(out), "--limit-per-entity", "0"], url, tmp / "cache")
        assert r.exit_code == 0, r.output
        return read_review(out)
    finally:
        stop_server(proc)


def test_disambiguation_pages_are_never_candidates(extra_review: list[dict[str, str]]) -> None:
    portland = [r["candidate_qid"] for r in rows_of(extra_review, "city/portland")]
    assert portland[0] == "Q6106" and "Q99001001" not in portland


def test_countries_compare_iso_codes(extra_review: list[dict[str, str]]) -> None:
    rows = {r["candidate_qid"]: r for r in rows_of(extra_review, "country/australia")}
    assert list(rows) == ["Q408", "Q99001002"]
    assert rows["Q408"]["score"] == "80" and "ISO 3166-1 code AU ✓" in rows["Q408"]["reasons"]
    assert int(rows["Q99001002"]["score"]) <= 30 and "ISO 3166-1 code AT ✗ (ours: AU)" in rows["Q99001002"]["reasons"]


def test_mul_labels_moon_coordinates_and_formula_cells(extra_review: list[dict[str, str]]) -> None:
    [atlantis] = rows_of(extra_review, "city/atlantis")
    assert atlantis["candidate_qid"] == "Q99001003"
    assert atlantis["candidate_label"] == "Atlantis"  # no English label: the @mul one that matched
    assert atlantis["reasons"].startswith("label matches 'Atlantis'@mul (label); class city ✓ (Q515); country Japan ✓")
    assert atlantis["reasons"].endswith("no coordinates on Wikidata") and atlantis["distance_km"] == ""
    assert atlantis["candidate_description"] == "'=HYPERLINK(\"https://example.org/\",\"x\")"


# --- an endpoint that answers oddly (a loopback stub) -------------------------------------------------

ODD = {"head": {"vars": []}, "results": {"bindings": [
    {"name": "Odessa", "item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q1"}},
    {"name": {"type": "literal", "value": "Odessa", "xml:lang": 5},
     "item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q2"}},
    {"name": {"type": "literal", "value": "Odessa", "xml:lang": "EN"}, "how": 7, "label": [1],
     "item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q3"}, "coord": {"value": "Point(a b)"},
     "class": {"type": "uri", "value": "http://www.wikidata.org/entity/Qx"}, "country": {"value": None}},
    {"item": {"type": "uri", "value": "http://www.wikidata.org/entity/P31"}},
]}}


def _stub(body: bytes) -> tuple[object, str]:
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server, root = start_loopback_http(Handler)
    return server, root + "/sparql"


@pytest.mark.parametrize("body,ok", [
    (json.dumps(ODD).encode(), True),
    (b'{"head": {}, "boolean": true}', False),
    (b"<html>busy</html>", False),
])
def test_odd_answers_never_a_traceback(mini: Path, tmp_path: Path, body: bytes, ok: bool) -> None:
    server, url = _stub(body)
    try:
        out = tmp_path / "review.csv"
        r = CliRunner().invoke(main, ["wikidata", "reconcile", "--project", str(mini), "--out", str(out)],
                               env=env(url, tmp_path / "cache"))
    finally:
        server.shutdown()  # type: ignore[attr-defined]
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    if ok:
        assert r.exit_code == 0, r.output
        odesa = rows_of(read_review(out), "city/odesa")
        assert [x["candidate_qid"] for x in odesa] == ["Q3"]
        assert odesa[0]["reasons"] == ("label matches 'Odessa'@en (label); class unknown (no instance of); "
                                     "country unknown (no P17); no coordinates on Wikidata")
    else:
        assert r.exit_code == 1 and f"Error: {url}: malformed SPARQL results" in r.output and not out.exists()
