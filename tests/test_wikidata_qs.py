"""``sistercities wikidata export-quickstatements``: the commands for the real project against the
hand-written imported graph, checked line by line against tests/fixtures/wikidata/expected.qs
(``{BUILD_DAY}`` there stands for the day of the build, the reference's S813 "retrieved")."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASE, ROOT
from sistercities.cli import main
from sistercities.release import current
from sistercities.store import EmbeddedStore
from sistercities.wikidata.compare import compare
from sistercities.wikidata.quickstatements import qs_string, qs_time, quickstatements
from wikidata_project import build_project, make_project, replace_in

EXPECTED = ROOT / "tests" / "fixtures" / "wikidata" / "expected.qs"


@pytest.fixture(scope="module")
def wd_build(wikidata_build: Path) -> Path:
    return wikidata_build


def _expected(build_dir: Path) -> list[str]:
    day = current(build_dir).build_time[:10]
    return EXPECTED.read_text(encoding="utf-8").replace("{BUILD_DAY}", day).splitlines()


def test_commands_match_the_hand_written_file_line_by_line(wd_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "twinnings.qs"
    r = CliRunner().invoke(main, ["wikidata", "export-quickstatements", "--build-dir", str(wd_build), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert r.stderr.strip() == f"{out}: 4 commands"
    got = out.read_text(encoding="utf-8").splitlines()
    expected = _expected(wd_build)
    assert len(got) == len(expected)
    for n, (g, e) in enumerate(zip(got, expected, strict=True), 1):
        assert g.split("\t") == e.split("\t"), f"line {n}"
    assert out.read_text(encoding="utf-8").endswith("\n") and not any(line.startswith("#") for line in got)


def test_what_gets_no_command(wd_build: Path) -> None:
    r = CliRunner().invoke(main, ["wikidata", "export-quickstatements", "--build-dir", str(wd_build)])
    assert r.exit_code == 0
    text = r.stdout
    assert text.splitlines() == _expected(wd_build)  # standard output by default
    assert "Q2132" not in text  # Victoria: Wikidata dates it 1991, we say 1990-05-25: reported, never overwritten
    assert "Q179691" not in text and "Q6106" not in text  # Niigata, Portland: Wikidata has them, dated
    assert "Q42099" not in text  # Bucheon: both directions in Wikidata, neither side dates it


def test_both_directions_and_the_reference_to_our_document(wd_build: Path) -> None:
    lines = [line.split("\t") for line in _expected(wd_build)]
    harbin = [f for f in lines if "Q42956" in f[:3]]
    assert sorted((f[0], f[2]) for f in harbin) == [("Q42956", "Q4454"), ("Q4454", "Q42956")]
    for f in harbin:
        assert f[3:5] == ["P580", "+1993-06-15T00:00:00Z/11"]
        # the Khabarovsk page has no title and states no publication date: no S1476, no S577
        assert f[5::2] == ["S854", "S813"]
    odesa = [f for f in lines if f[0] in ("Q1874", "Q38283")]
    assert {f[4] for f in odesa} == {"+1965-00-00T00:00:00Z/9"}
    assert all(f[5::2] == ["S854", "S1476", "S577", "S813"] for f in odesa)
    assert all(f[8].startswith('en:"Odesa Mayor visits Japan') and f[10] == "+2023-04-12T00:00:00Z/11" for f in odesa)


@pytest.mark.parametrize(("lexical", "qs"), [
    ("1965", "+1965-00-00T00:00:00Z/9"),
    ("1965-04", "+1965-04-00T00:00:00Z/10"),
    ("1993-06-15", "+1993-06-15T00:00:00Z/11"),
    ("2026-12-03T16:23:54Z", "+2026-12-03T00:00:00Z/11"),
])
def test_time_values_at_their_precision(lexical: str, qs: str) -> None:
    assert qs_time(lexical) == qs


def test_strings_cannot_break_a_command() -> None:
    assert qs_string('A "quoted"\ttitle\nover two lines') == '"A "quoted" title over two lines"'


def _edit(root: Path) -> None:
    data = root / "data"
    replace_in(data / "reference.ttl", "    owl:sameAs wd:Q42956 ;\n", "")  # Harbin loses its Wikidata link
    replace_in(data / "wikidata.ttl",  # Khabarovsk→Victoria now dated 1990: agrees at year precision
               '    tw:statedOn <id/city/khabarovsk> ;\n    tw:startDate "1991"^^xsd:gYear ;',
               '    tw:statedOn <id/city/khabarovsk> ;\n    tw:startDate "1990"^^xsd:gYear ;')


def test_a_missing_direction_is_added_and_an_unlinked_partner_gets_nothing(tmp_path: Path) -> None:
    b = build_project(make_project(tmp_path / "project", edit=_edit), tmp_path / "build")
    rel = current(b)
    store = EmbeddedStore(rel.store_dir)
    lines = quickstatements(store, BASE, compare(store, BASE), rel.build_time)
    assert not [line for line in lines if "Q42956" in line]  # Harbin has no Wikidata link now
    victoria = [line.split("\t") for line in lines if "Q2132" in line]
    # Victoria's item lacks the statement; Khabarovsk's has it, dated (only to the year): left alone
    assert [f[:5] for f in victoria] == [["Q2132", "P190", "Q4454", "P580", "+1990-05-25T00:00:00Z/11"]]
