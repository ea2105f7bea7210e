"""``sistercities wikidata accept FILE``: accepted review rows become owl:sameAs links with provenance.

End to end on a copy of the real project (ontology/, shapes/, data/, queries/): reconcile against the
Oxigraph fixture, mark Maizuru's first candidate and the Red Cross, accept, validate, build — the built
store has the links in graph/wikidata-accepted.  Then idempotence, appending, each error case with its
one-line message (data/ untouched), and hostile review files (hypothesis).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import tree_hash
from miniproject import reconcile_project
from sistercities.cli import main
from sistercities.release import current
from sistercities.store import EmbeddedStore
from sistercities.wikidata.reconcile import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/twinning/"
HEADER = ",".join(COLUMNS) + "\r\n"
ACCEPTED = Path("data") / "wikidata-accepted.ttl"


def env(tmp: Path, endpoint: str = "http://127.0.0.1:9/sparql") -> dict[str, str]:
    return {"SISTERCITIES_WIKIDATA_SPARQL_URL": endpoint, "SISTERCITIES_WIKIDATA_CACHE_DIR": str(tmp / "cache"),
            "SISTERCITIES_WIKIDATA_RATE": "0", "SISTERCITIES_SOURCES_DIR": str(ROOT.parent / "shared" / "sources")}


def cli(args: list[str], tmp: Path, endpoint: str = "http://127.0.0.1:9/sparql"):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, args, env=env(tmp, endpoint))


def accept(review: Path, project: Path):  # type: ignore[no-untyped-def]
    return cli(["wikidata", "accept", str(review), "--project", str(project)], review.parent)



def mark(review: Path, accepted: set[tuple[str, str]], out: Path) -> Path:
    """Copy a review file with `yes` in the rows (our IRI local part, QID) given."""
    with open(review, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if (r["our_iri"][len(BASE) + 3:], r["candidate_qid"]) in accepted:
            r["accepted"] = "yes"
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return out


def copy_real_project(dest: Path) -> Path:
    for d in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / d, dest / d)
    return dest


# --- end to end --------------------------------------------------------------------------------


def test_reconcile_accept_validate_build(tmp_path: Path, wikidata_endpoint: str) -> None:
    project = copy_real_project(tmp_path / "project")
    review = tmp_path / "wikidata-review.csv"
    r = cli(["wikidata", "reconcile", "--project", str(project), "--out", str(review)], tmp_path, wikidata_endpoint)
    assert r.exit_code == 0, r.output
    marked = mark(review, {("city/maizuru", "Q99000010"), ("org/ukrainian-red-cross", "Q99000020")},
                  tmp_path / "reviewed.csv")
    r = accept(marked, project)
    assert r.exit_code == 0, r.output
    assert f"Added 2 links to {project / ACCEPTED}" in r.output
    assert f"  <{BASE}id/city/maizuru> owl:sameAs wd:Q99000010  (score 100, reviewed.csv line 2)" in r.output
    text = (project / ACCEPTED).read_text(encoding="utf-8")
    assert "<id/city/maizuru> owl:sameAs wd:Q99000010 ." in text
    assert "<id/link/city-maizuru-Q99000010> a tw:AcceptedLink ;" in text
    assert 'tw:method "sistercities wikidata reconcile: label, class, country, distance" ;' in text
    assert "tw:score 100 ;" in text and 'tw:reviewFile "reviewed.csv" .' in text
    assert "tw:scoreReasons \"label matches 'Maizuru'@en, '舞鶴市'@ja (label); class city ✓" in text
    assert BASE not in text  # relative IRIs, like every data file

    v = cli(["validate", "--project", str(project)], tmp_path)
    assert v.exit_code == 0, v.output
    assert "maizuru> owl:sameAs" not in v.output  # the missing-link warning is gone
    assert " 0 errors" in v.output

    bd = tmp_path / "build"
    b = cli(["build", "--project", str(project), "--build-dir", str(bd)], tmp_path)
    assert b.exit_code == 0, b.output
    store = EmbeddedStore(current(bd).store_dir)
    rows = store.select(f"""
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX tw: <{BASE}ontology/>
        SELECT ?s ?o ?score ?when WHERE {{
          GRAPH <{BASE}graph/wikidata-accepted> {{
            ?s owl:sameAs ?o .
            ?link a tw:AcceptedLink ; rdf:subject ?s ; rdf:object ?o ; tw:score ?score ;
                  <http://www.w3.org/ns/prov#generatedAtTime> ?when .
          }}
        }} ORDER BY ?s""")
    assert [(str(r["s"].value), str(r["o"].value), int(r["score"].value)) for r in rows] == [
        (BASE + "id/city/maizuru", "http://www.wikidata.org/entity/Q99000010", 100),
        (BASE + "id/org/ukrainian-red-cross", "http://www.wikidata.org/entity/Q99000020", 80)]

    # twice: nothing added, the file byte-identical
    before = (project / ACCEPTED).read_bytes()
    again = accept(marked, project)
    assert again.exit_code == 0, again.output
    assert "Nothing to add: 2 accepted rows" in again.output and "2 already linked" in again.output
    assert (project / ACCEPTED).read_bytes() == before

    # Maizuru is linked now: a new reconcile no longer proposes it
    r = cli(["wikidata", "reconcile", "--project", str(project), "--out", str(review)], tmp_path, wikidata_endpoint)
    assert r.exit_code == 0 and "id/city/maizuru" not in review.read_text(encoding="utf-8")


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    return reconcile_project(tmp_path / "project", ROOT)


def review_file(tmp: Path, rows: list[list[str]], name: str = "review.csv") -> Path:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow(r)
    path = tmp / name
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    return path


def row(local: str, qid: str, accepted: str = "yes", score: str = "90") -> list[str]:
    return [BASE + "id/" + local, local, qid, "", "", "", "", score, "label matches", accepted]


def test_accepting_later_appends_and_keeps_earlier_links(tmp_path: Path, mini: Path) -> None:
    first = review_file(tmp_path, [row("city/maizuru", "Q99000010"), row("city/maizuru", "Q99000011", "")])
    assert accept(first, mini).exit_code == 0
    before = (mini / ACCEPTED).read_text(encoding="utf-8")
    second = review_file(tmp_path, [row("city/maizuru", "Q99000010", "Y"), row("city/odesa", "Q1874", "x"),
                                    row("city/pusan", "Q16520", "TRUE")], "second.csv")
    r = accept(second, mini)
    assert r.exit_code == 0, r.output
    assert "Added 2 links" in r.output and "(1 already linked)" in r.output
    after = (mini / ACCEPTED).read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after.count("owl:sameAs wd:") == 3 and after.count("> a tw:AcceptedLink ;") == 3
    assert 'tw:reviewFile "second.csv" .' in after
    assert cli(["validate", "--project", str(mini)], tmp_path).exit_code == 0


def test_no_accepted_rows_writes_nothing(tmp_path: Path, mini: Path) -> None:
    r = accept(review_file(tmp_path, [row("city/maizuru", "Q99000010", ""), row("city/odesa", "Q1874", "no")]), mini)
    assert r.exit_code == 0 and "Nothing to add: 0 accepted rows" in r.output
    assert not (mini / ACCEPTED).exists()


def test_already_linked_in_the_reference_data_is_not_repeated(tmp_path: Path, mini: Path) -> None:
    r = accept(review_file(tmp_path, [row("city/khabarovsk", "Q4454")]), mini)
    assert r.exit_code == 0 and "1 already linked" in r.output
    assert not (mini / ACCEPTED).exists()


def _line(project: Path, needle: str) -> int:
    lines = (project / "data" / "places.ttl").read_text(encoding="utf-8").splitlines()
    return next(n for n, ln in enumerate(lines, 1) if ln.startswith(needle))


ERRORS = [
    ("header-wrong", lambda t: _raw(t, "our_iri,label,candidate_qid\r\n"),
     "review.csv:1: the header must be exactly our_iri,our_label,candidate_qid,"),
    ("empty-file", lambda t: _raw(t, ""), "review.csv:1: empty file"),
    ("iri-not-in-data", lambda t: review_file(t, [row("city/maizuru", "Q99000010", ""), row("city/nowhere", "Q1")]),
     f"review.csv:3: '{BASE}id/city/nowhere' is not a city, country or organisation of the data"),
    ("iri-not-an-entity", lambda t: review_file(t, [row("source/places", "Q1")]),
     "review.csv:2: 'https://w3id.org/twinning/id/source/places' is not a city, country or organisation"),
    ("qid-lower-case", lambda t: review_file(t, [row("city/maizuru", "q99000010")]),
     "review.csv:2: an accepted row has candidate_qid 'q99000010', not a Wikidata item id like Q1874"),
    ("qid-property", lambda t: review_file(t, [row("city/maizuru", "P31")]),
     "review.csv:2: an accepted row has candidate_qid 'P31'"),
    ("qid-missing", lambda t: review_file(t, [row("city/atlantis", "")]),
     "review.csv:2: an accepted row has no candidate_qid"),
    ("two-candidates", lambda t: review_file(t, [row("city/maizuru", "Q99000010"), row("city/maizuru", "Q99000011")]),
     f"review.csv:3: a second accepted candidate for <{BASE}id/city/maizuru>: Q99000011 (line 2 accepts Q99000010)"),
    ("one-qid-two-entities", lambda t: review_file(t, [row("city/odesa", "Q1874"), row("city/odessa-texas", "Q1874")]),
     f"review.csv:3: Q1874 is accepted for <{BASE}id/city/odessa-texas> and, on line 2, for <{BASE}id/city/odesa>"),
    ("contradicts-existing", lambda t: review_file(t, [row("city/khabarovsk", "Q42")]),
     f"review.csv:2: <{BASE}id/city/khabarovsk> already has owl:sameAs wd:Q4454 (data/places.ttl:{{kh}}); "
     "accepting Q42 would contradict it"),
    ("qid-of-another-entity", lambda t: review_file(t, [row("city/pusan", "Q4454")]),
     f"review.csv:2: Q4454 is already the Wikidata item of <{BASE}id/city/khabarovsk> (data/places.ttl:{{kh}})"),
    ("accepted-unclear", lambda t: review_file(t, [row("city/maizuru", "Q99000010", "maybe")]),
     "review.csv:2: accepted must be yes/y/x/true/1 or empty/no, not 'maybe'"),
    ("score-not-a-number", lambda t: review_file(t, [row("city/maizuru", "Q99000010", score="high")]),
     "review.csv:2: score must be a whole number from 0 to 100, not 'high'"),
    ("too-few-cells", lambda t: _raw(t, HEADER + "a,b,c\r\n"), "review.csv:2: 3 cells, the header has 10"),
    ("bad-quoting", lambda t: _raw(t, HEADER + '"a"b,,,,,,,,,\r\n'), "review.csv:2: malformed CSV"),
    ("not-utf8", lambda t: _raw(t, HEADER + "x,y,,,,,,,,\r\n" + "é,,,,,,,,,\r\n", "latin-1"),
     "review.csv:3: not UTF-8 text (byte 0xe9)"),
]


def _raw(tmp: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp / "review.csv"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("case,make,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_one_line_and_write_nothing(tmp_path: Path, mini: Path, case: str, make, message: str) -> None:  # type: ignore[no-untyped-def]
    before = tree_hash(mini / "data")
    review = make(tmp_path)
    r = CliRunner().invoke(main, ["wikidata", "accept", str(review), "--project", str(mini)], env=env(tmp_path))
    assert r.exit_code == 1, r.output
    expected = message.replace("{kh}", str(_line(mini, "<id/city/khabarovsk>")))
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert lines[0].startswith(f"Error: {tmp_path}/{expected}"), (lines[0], expected)
    assert lines[0].endswith("(nothing was written)")
    assert tree_hash(mini / "data") == before


def test_missing_file(tmp_path: Path, mini: Path) -> None:
    r = accept(tmp_path / "nope.csv", mini)
    assert r.exit_code == 1 and r.output.strip() == f"Error: {tmp_path}/nope.csv: no such file (nothing was written)"


def test_contradicting_an_earlier_accept(tmp_path: Path, mini: Path) -> None:
    assert accept(review_file(tmp_path, [row("city/maizuru", "Q99000010")]), mini).exit_code == 0
    before = tree_hash(mini / "data")
    r = accept(review_file(tmp_path, [row("city/maizuru", "Q99000011")], "other.csv"), mini)
    assert r.exit_code == 1
    assert (f"other.csv:2: <{BASE}id/city/maizuru> already has owl:sameAs wd:Q99000010 "
            "(data/wikidata-accepted.ttl:15); accepting Q99000011 would contradict it") in r.output
    assert tree_hash(mini / "data") == before


def test_a_bom_and_spreadsheet_marks_are_fine(tmp_path: Path, mini: Path) -> None:
    path = review_file(tmp_path, [row("city/maizuru", "Q99000010", " X ")])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    r = accept(path, mini)
    assert r.exit_code == 0, r.output
    assert "wd:Q99000010" in (mini / ACCEPTED).read_text(encoding="utf-8")


# --- hostile review files ------------------------------------------------------------------------

_CELLS = st.one_of(
    st.sampled_from(["", "yes", "Y", "x", "no", "maybe", "Q99000010", "Q1874", "q1", "Q0", "90", "-1", "101",
                     BASE + "id/city/maizuru", BASE + "id/city/odesa", BASE + "id/city/khabarovsk",
                     BASE + "id/nowhere", '"', '""', "\n", "\r\n", "a,b", "\ufeff", "\x00", "é", "\u2028"]),
    st.text(max_size=12),
)
_ROWS = st.lists(st.lists(_CELLS, min_size=0, max_size=12), max_size=5)


def _csv(header: list[str], rows: list[list[str]], quoting: int) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n", quoting=quoting)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


@st.composite
def hostile(draw: st.DrawFn) -> bytes:
    header = draw(st.sampled_from([list(COLUMNS), list(COLUMNS)[:-1], [c.upper() for c in COLUMNS], ["x"]]))
    text = _csv(header, draw(_ROWS), draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])))
    if draw(st.booleans()):  # hand-made damage: a stray quote, a cut, random bytes
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(['"', "\n", ",", "", "\r"])) + text[at:]
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"])), errors="replace")
    if draw(st.booleans()):
        data += draw(st.binary(max_size=8))
    return data


@settings(max_examples=int(os.environ.get("HOSTILE_REVIEW_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=hostile())
@example(data=(HEADER + f"{BASE}id/city/maizuru,Maizuru,Q99000010,,,,,90,\"a \"\"b\"\"\nc\",yes\r\n").encode())
@example(data=b"\xef\xbb\xbf" + HEADER.encode() + b"\x00,\xff\r\n")
def test_hostile_review_files(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        project = _hostile_project(t)
        before = tree_hash(project / "data")
        review = t / "review.csv"
        review.write_bytes(data)
        r = CliRunner().invoke(main, ["wikidata", "accept", str(review), "--project", str(project)], env=env(t))
        assert r.exit_code in (0, 1), r.output
        assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
        assert "Traceback" not in r.output
        if r.exit_code == 1:
            lines = r.output.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"Error: {review}"), r.output
            assert tree_hash(project / "data") == before
        elif (project / ACCEPTED).exists():  # accepted: the file parses and links what it says
            store = ox.Store()
            store.load(path=str(project / ACCEPTED), format=ox.RdfFormat.TURTLE, base_iri=BASE)
            assert len(store) >= 10


_PROJECT_CACHE: dict[str, Path] = {}


def _hostile_project(tmp: Path) -> Path:
    """A fresh copy of the mini project (built once, copied per example: cheap)."""
    if "p" not in _PROJECT_CACHE:
        _PROJECT_CACHE["p"] = reconcile_project(Path(tempfile.mkdtemp()) / "project", ROOT)
    dest = tmp / "project"
    shutil.copytree(_PROJECT_CACHE["p"], dest)
    return dest
