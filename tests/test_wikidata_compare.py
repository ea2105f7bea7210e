"""``sistercities wikidata compare``: the real project against the hand-written imported graph
(tests/fixtures/wikidata/imported.ttl, what import writes from tests/fixtures/wikidata/wikidata.ttl),
from a real build, read through the store as the command reads it; table, CSV and JSON parsed back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASE
from sistercities.cli import main
from sistercities.release import current
from sistercities.store import EmbeddedStore
from sistercities.wikidata.compare import Comparison, NoWikidataGraph, compare, compare_dates
from sistercities.wikidata.compare_format import CSV_COLUMNS, RELEASE_FILE
from wikidata_project import build_project, make_project, replace_in

ID = BASE + "id/"
WDS = "http://www.wikidata.org/entity/statement/"


@pytest.fixture(scope="module")
def wd_build(wikidata_build: Path) -> Path:
    return wikidata_build


@pytest.fixture(scope="module")
def comparison(wd_build: Path) -> Comparison:
    return compare(EmbeddedStore(current(wd_build).store_dir), BASE)


def _summary(c: Comparison) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(r.kind, r.pair, r.verdict, tuple(s.statement_id for s in r.statements)) for r in c.rows]


def test_every_row_for_the_real_data_against_the_fixture(comparison: Comparison) -> None:
    assert _summary(comparison) == [
        ("ours-only", "Harbin – Khabarovsk", "not in Wikidata", ()),
        ("wikidata-only", "Lyon – Yokohama", "not in our sources", ("Q456-0A1B2C3D-0015", "Q38283-0A1B2C3D-0014")),
        ("wikidata-only", "Niigata – Vladivostok", "not in our sources",
         ("Q179691-0A1B2C3D-0012", "Q959-0A1B2C3D-0013")),
        ("wikidata-only", "Odesa – Saint Petersburg", "not in our sources",
         ("Q1874-0A1B2C3D-0010", "Q656-0A1B2C3D-0011")),
        ("start-date", "Khabarovsk – Niigata", "agrees at year precision only", ("Q4454-0A1B2C3D-0001",)),
        ("start-date", "Khabarovsk – Niigata", "agrees", ("Q179691-0A1B2C3D-0002",)),
        ("start-date", "Khabarovsk – Portland", "agrees", ("Q4454-0A1B2C3D-0003",)),
        ("start-date", "Khabarovsk – Portland", "agrees", ("Q6106-0A1B2C3D-0004",)),
        ("start-date", "Khabarovsk – Victoria", "disagrees", ("Q4454-0A1B2C3D-0005",)),
        ("start-date", "Odesa – Yokohama", "wikidata lacks a start date", ("Q1874-0A1B2C3D-0008",)),
        ("start-date", "Odesa – Yokohama", "wikidata lacks a start date", ("Q38283-0A1B2C3D-0009",)),
        ("one-directional", "Khabarovsk – Victoria", "stated on one item only", ("Q4454-0A1B2C3D-0005",)),
        ("ended", "Odesa – Saint Petersburg", "ended in Wikidata", ("Q1874-0A1B2C3D-0010", "Q656-0A1B2C3D-0011")),
    ]
    assert comparison.counts() == {"ours-only": 1, "wikidata-only": 3, "start-date": 7, "one-directional": 1,
                                   "ended": 1}
    assert comparison.curated_pairs == 6 and comparison.wikidata_statements == 15
    assert comparison.retrieved == ["2026-12-03T16:15:00Z"]


def test_the_year_precision_agreement_is_said_explicitly(comparison: Comparison) -> None:
    (row,) = [r for r in comparison.rows if r.verdict == "agrees at year precision only"]
    assert row.statements[0].stated_on.label == "Khabarovsk"  # Khabarovsk's statement says 1965 (precision 9)
    assert row.our_start == "1965-04-23" and row.wikidata_start == "1965"
    assert row.finding == ("agrees at year precision only: ours 1965-04-23, Wikidata 1965 (year precision) "
                           "on Khabarovsk")
    niigata = next(r for r in comparison.rows if r.statements and r.statements[0].statement_id == "Q179691-0A1B2C3D-0002")
    assert niigata.verdict == "agrees" and niigata.wikidata_start == "1965-04-23"


def test_rows_cite_our_paragraphs_and_the_wikidata_statements(comparison: Comparison) -> None:
    victoria = next(r for r in comparison.rows if r.verdict == "disagrees")
    assert victoria.finding == "disagrees: ours 1990-05-25, Wikidata 1991 (year precision) on Khabarovsk"
    assert [c.iri for c in victoria.cities] == [ID + "city/khabarovsk", ID + "city/victoria"]
    assert [c.qid for c in victoria.cities] == ["Q4454", "Q2132"]
    assert victoria.our_record == ID + "twinning/khabarovsk-victoria"
    (src,) = victoria.sources  # the paragraph that states the start date
    assert src.paragraph == ID + "source/khabarovsk-sister-cities/p1" and src.number == 1
    assert src.document == ID + "source/khabarovsk-sister-cities" and src.title == "Khabarovsk sister cities"
    assert "25th of May 1990" in src.quotation and "startDate" in src.supports
    (st,) = victoria.statements
    assert st.statement == WDS + "Q4454-0A1B2C3D-0005"
    assert st.record == ID + "twinning/wikidata-Q4454-0A1B2C3D-0005"
    assert st.link == "https://www.wikidata.org/wiki/Q4454#P190"
    harbin = comparison.rows[0]
    assert harbin.finding == "Wikidata has no P190 statement on Harbin (Q42956) nor on Khabarovsk (Q4454)"
    assert [s.paragraph for s in harbin.sources] == [ID + "source/khabarovsk-sister-cities/p1"]
    odesa = next(r for r in comparison.rows if r.pair == "Odesa – Yokohama")
    assert {s.document for s in odesa.sources} == {ID + "source/odesa-yokohama-2023"}
    assert odesa.sources[0].title.startswith("Odesa Mayor visits Japan")


def test_one_directional_and_ended(comparison: Comparison) -> None:
    one = next(r for r in comparison.rows if r.kind == "one-directional")
    assert one.finding == "stated on Khabarovsk (Q4454) only: Victoria (Q2132) does not state Khabarovsk"
    ended = next(r for r in comparison.rows if r.kind == "ended")
    assert ended.finding == ("Wikidata: ended 2022-03, end cause Russian invasion of Ukraine "
                             "(on Odesa and Saint Petersburg)")
    assert ended.cities[1].iri == ID + "city/wikidata-Q656" and ended.cities[1].qid == "Q656"
    assert all(s.ended and s.end == "2022-03" and s.end_cause == "http://www.wikidata.org/entity/Q110999040"
               for s in ended.statements)


def test_pairs_neither_side_dates_give_no_date_row(comparison: Comparison) -> None:
    assert not [r for r in comparison.rows if "Bucheon" in r.pair]  # both sides state it, neither dates it


@pytest.mark.parametrize(("ours", "theirs", "verdict"), [
    ("1965-04-23", "1965", "agrees at year precision only"),
    ("1965", "1965-07-01", "agrees at year precision only"),  # the example
    ("1965-04-23", "1965-04", "agrees at month precision only"),
    ("1965-04", "1965-04", "agrees"),
    ("1990-05-25", "1991", "disagrees"),
    ("1965-04-23", "1965-05", "disagrees"),
    ("1965-04-23", "1965-04-24", "disagrees"),
])
def test_dates_compare_at_the_common_precision(ours: str, theirs: str, verdict: str) -> None:
    assert compare_dates(ours, theirs) == verdict


def _edit(root: Path) -> None:
    data = root / "data"
    replace_in(data / "reference.ttl", "    owl:sameAs wd:Q42956 ;\n", "")  # Harbin loses its Wikidata link
    replace_in(data / "khabarovsk-sister-cities.ttl",  # Bucheon–Khabarovsk ended, in our data
               "<id/city/bucheon> ;\n    tw:status <id/concept/relationship-status/active> ;",
               "<id/city/bucheon> ;\n    tw:status <id/concept/relationship-status/ended> ;")
    replace_in(data / "wikidata.ttl",  # Wikidata dates Khabarovsk→Bucheon, we do not
               "    tw:statedOn <id/city/khabarovsk> ;\n    prov:wasDerivedFrom wds:Q4454-0A1B2C3D-0006 ;",
               '    tw:statedOn <id/city/khabarovsk> ;\n    tw:startDate "1991-05"^^xsd:gYearMonth ;\n'
               "    prov:wasDerivedFrom wds:Q4454-0A1B2C3D-0006 ;")
    replace_in(data / "wikidata.ttl",  # Portland's statement only to the month
               '    tw:statedOn <id/city/portland> ;\n    tw:startDate "1988-06-10"^^xsd:date ;',
               '    tw:statedOn <id/city/portland> ;\n    tw:startDate "1988-06"^^xsd:gYearMonth ;')


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Comparison:
    root = tmp_path_factory.mktemp("wd-compare-edited")
    b = build_project(make_project(root / "project", edit=_edit), root / "build")
    return compare(EmbeddedStore(current(b).store_dir), BASE)


def test_a_partner_without_a_wikidata_link_cannot_be_matched(edited: Comparison) -> None:
    row = edited.rows[0]
    assert (row.kind, row.pair, row.verdict) == ("ours-only", "Harbin – Khabarovsk", "cannot be matched")
    assert row.finding == "cannot be matched: Harbin has no Wikidata link"
    assert row.cities[0].qid is None


def test_we_lack_a_start_date_month_precision_and_ended_in_ours(edited: Comparison) -> None:
    rows = {(r.kind, r.pair, r.statements[0].stated_on.label if r.statements else ""): r for r in edited.rows}
    lack = rows[("start-date", "Bucheon – Khabarovsk", "Khabarovsk")]
    assert lack.verdict == "we lack a start date"
    assert lack.finding == "our sources give no start date; Wikidata on Khabarovsk: 1991-05 (month precision)"
    month = rows[("start-date", "Khabarovsk – Portland", "Portland")]
    assert month.verdict == "agrees at month precision only"
    ended = next(r for r in edited.rows if r.kind == "ended" and r.pair == "Bucheon – Khabarovsk")
    assert ended.verdict == "ended in ours" and ended.finding == "ours: ended"
    assert ended.sources and all("status" in s.supports for s in ended.sources)


# --- the command ----------------------------------------------------------------------------------------

def _run(args: list[str], **env: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, args, env=env or None)
    return r.exit_code, r.stdout, r.stderr


def test_table_is_grouped_aligned_and_fits_the_terminal(wd_build: Path) -> None:
    for width in (80, 160):
        code, out, _ = _run(["wikidata", "compare", "--build-dir", str(wd_build)], COLUMNS=str(width))
        assert code == 0, out
        lines = out.splitlines()
        assert max(len(line) for line in lines) <= width
        headings = [line for line in lines if line and not line.startswith(" ")]
        assert headings[:5] == ["Twinnings our sources state that Wikidata lacks (ours-only): 1",
                                "Twinnings Wikidata states that our sources lack (wikidata-only): 3",
                                "Start dates, compared at the precision both give (start-date): 7",
                                "Wikidata pairs stated on only one of the two items (one-directional): 1",
                                "Ended twinnings (ended): 1"]
        header = next(line for line in lines if line.strip().startswith("cities"))
        dashes = lines[lines.index(header) + 1]
        # every column starts where its dashes start
        starts = [i for i in range(len(dashes)) if dashes[i] == "-" and dashes[i - 1] == " "]
        assert [header.index(h) for h in ("cities", "finding", "our source", "Wikidata statement")] == starts
    assert "agrees at year precision only" in " ".join(out.split())
    assert "wds:Q4454-0A1B2C3D-0005" in out and "Khabarovsk sister cities,\u00a0¶1" in out  # never wrapped apart


def test_csv_and_json_parse_back(wd_build: Path, comparison: Comparison) -> None:
    code, out, _ = _run(["wikidata", "compare", "--build-dir", str(wd_build), "--format", "csv"])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == len(comparison.rows)
    year = next(r for r in rows if r["verdict"] == "agrees at year precision only")
    assert (year["city_a_label"], year["city_a_qid"], year["city_b_label"], year["city_b_qid"]) == (
        "Khabarovsk", "Q4454", "Niigata", "Q179691")
    assert year["wikidata_statements"] == WDS + "Q4454-0A1B2C3D-0001"
    assert year["wikidata_links"] == "https://www.wikidata.org/wiki/Q4454#P190"
    assert year["our_paragraphs"] == ID + "source/khabarovsk-sister-cities/p1"
    assert (year["our_start"], year["wikidata_start"]) == ("1965-04-23", "1965")
    code, out, _ = _run(["wikidata", "compare", "--build-dir", str(wd_build), "--format", "json"])
    assert code == 0
    data = json.loads(out)
    assert data["format"] == "sistercities-wikidata-compare/1"
    assert data["counts"] == comparison.counts()
    assert [(r["kind"], r["verdict"]) for r in data["rows"]] == [(r.kind, r.verdict) for r in comparison.rows]
    first = data["rows"][0]
    assert set(first) == {"kind", "verdict", "finding", "cities", "our_record", "our_start", "wikidata_start",
                          "wikidata", "sources"}
    assert set(first["sources"][0]) == {"paragraph", "paragraph_number", "document", "title", "url", "quotation",
                                        "supports"}
    st = data["rows"][1]["wikidata"][0]
    assert set(st) == {"statement", "statement_id", "link", "record", "stated_on", "partner", "start", "end",
                       "end_cause", "end_cause_label", "ended"}


def test_the_build_writes_the_comparison_into_the_release(wd_build: Path) -> None:
    rel = current(wd_build)
    data = json.loads((rel.path / RELEASE_FILE).read_text(encoding="utf-8"))
    assert rel.manifest["wikidata_compare"]["file"] == RELEASE_FILE
    assert rel.manifest["wikidata_compare"]["counts"] == data["counts"]
    code, out, _ = _run(["wikidata", "compare", "--build-dir", str(wd_build), "--format", "json"])
    assert code == 0 and json.loads(out) == data


def test_a_build_without_a_wikidata_graph_says_what_to_do(tmp_path: Path) -> None:
    b = build_project(make_project(tmp_path / "project", wikidata=False), tmp_path / "build")
    code, out, err = _run(["wikidata", "compare", "--build-dir", str(b)])
    assert code == 1
    assert err.strip() == "Error: no Wikidata graph in this build: run sistercities wikidata import, then build"
    assert "Traceback" not in out + err
    assert not (current(b).path / RELEASE_FILE).exists() and "wikidata_compare" not in current(b).manifest
    with pytest.raises(NoWikidataGraph):
        compare(EmbeddedStore(current(b).store_dir), BASE)


def test_no_build_at_all_is_one_line(tmp_path: Path) -> None:
    code, _, err = _run(["wikidata", "compare", "--build-dir", str(tmp_path / "none")])
    assert code == 1 and err.count("\n") == 1 and "run `sistercities build` first" in err


def test_an_accepted_link_wins_over_the_imported_item() -> None:
    import pyoxigraph as ox

    from sistercities.wikidata.compare_store import Reader

    s = ox.Store()
    c, g = ox.NamedNode(ID + "city/x"), ox.NamedNode(BASE + "graph/reference")
    for p, o in (("http://www.w3.org/2002/07/owl#sameAs", ox.NamedNode("http://www.wikidata.org/entity/Q42")),
                 (BASE + "ontology/wikidataItem", ox.NamedNode("http://www.wikidata.org/entity/Q7")),
                 ("http://www.w3.org/2000/01/rdf-schema#label", ox.Literal("X", language="en")),
                 ("http://www.w3.org/2000/01/rdf-schema#label", ox.Literal("Икс", language="ru"))):
        s.add(ox.Quad(c, ox.NamedNode(p), o, g))
    (city,) = Reader(EmbeddedStore(store=s), BASE).cities([c.value]).values()
    assert (city.label, city.qid) == ("X", "Q42")


def test_csv_cells_from_wikidata_never_run_as_formulas(tmp_path: Path) -> None:
    def edit(root: Path) -> None:
        replace_in(root / "data" / "wikidata.ttl", 'rdfs:label "Lyon"@en', 'rdfs:label "=HYPERLINK(\\"http://x\\")"@en')

    b = build_project(make_project(tmp_path / "project", edit=edit), tmp_path / "build")
    code, out, _ = _run(["wikidata", "compare", "--build-dir", str(b), "--format", "csv"])
    assert code == 0
    row = next(r for r in csv.DictReader(io.StringIO(out)) if r["city_a_qid"] == "Q456")
    assert row["city_a_label"] == "'=HYPERLINK(\"http://x\")"
