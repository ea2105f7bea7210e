"""`sistercities validate` as a library: syntax errors with file:line, the term
check with suggestions, SHACL results mapped back to files, quality queries.

Every negative case is a small project in tmp_path with inline Turtle beside the
assertion; the real project must validate with zero errors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from miniproject import BASE, GOOD_DATA, ONTOLOGY, PREFIXES, make_project
from sistercities.report import ERROR, WARNING, Report
from sistercities.validate import validate_project


def only(report: Report, kind: str) -> list:  # type: ignore[type-arg]
    return [i for i in report.issues if i.kind == kind]


def test_real_project_validates_with_zero_errors(project_root: Path) -> None:
    report = validate_project(project_root, BASE)
    assert report.errors == 0, report.format()
    assert "shacl" in report.checks and "quality" in report.checks and "terms" in report.checks
    assert report.triples > 1000


def test_good_small_project_is_clean(tmp_path: Path) -> None:
    report = validate_project(make_project(tmp_path, {"g.ttl": GOOD_DATA}), BASE)
    assert report.issues == [], report.format()
    assert report.ok


# (Turtle, expected line, expected column, words in the message)
SYNTAX_CASES = [
    pytest.param('<id/a> tw:partner <id/b> .\n\n<id/c> rdfs:label "unterminated .\n', 11, 19, "end of file", id="unterminated-string"),
    pytest.param("<id/a> tw:partner <id/b>\n<id/c> tw:partner <id/d> .\n", 10, 1, "dot", id="missing-dot"),
    pytest.param("<id/a> tw:partner nope:b .\n", 9, 19, "nope", id="undeclared-prefix"),
]


@pytest.mark.parametrize(("body", "line", "col", "words"), SYNTAX_CASES)
def test_syntax_error_names_file_line_and_column(tmp_path: Path, body: str, line: int, col: int, words: str) -> None:
    # PREFIXES is 7 lines + the blank line above the body in the file: body line 1 is file line 9
    project = make_project(tmp_path, {"good.ttl": GOOD_DATA, "bad.ttl": PREFIXES + "\n" + body})
    report = validate_project(project, BASE)
    errs = only(report, "syntax")
    assert len(errs) == 1, report.format()
    e = errs[0]
    assert (e.file, e.line, e.column) == ("data/bad.ttl", line, col), e.format()
    assert words in e.message
    assert e.format().startswith(f"data/bad.ttl:{line}:{col}: error: Turtle syntax error")
    assert not report.ok


def test_every_broken_file_is_reported_not_just_the_first(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"a.ttl": PREFIXES + "<id/a> tw:partner .\n", "b.ttl": PREFIXES + "<id/b> <x\n"})
    report = validate_project(project, BASE)
    assert sorted(i.file for i in only(report, "syntax")) == ["data/a.ttl", "data/b.ttl"]


def test_non_utf8_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"good.ttl": GOOD_DATA})
    (project / "data" / "latin1.ttl").write_bytes(PREFIXES.encode() + '<id/a> rdfs:label "Mün"@de .\n'.encode("latin-1"))
    report = validate_project(project, BASE)
    assert [i.file for i in report.issues if i.severity == ERROR] == ["data/latin1.ttl"], report.format()


# (data line using a bad term, expected message fragment with the suggestion)
TERM_CASES = [
    pytest.param("<id/city/a> tw:partnr <id/city/b> .", "unknown property tw:partnr", "did you mean tw:partner?", id="our-property"),
    pytest.param("<id/city/b> a tw:Cty .", "unknown class tw:Cty", "did you mean tw:City?", id="our-class"),
    pytest.param("<id/city/b> a tw:city .", "unknown class tw:city", "did you mean tw:City?", id="our-class-case"),
    pytest.param('<id/city/b> schema:nmae "B" .', "unknown property schema:nmae", "did you mean schema:name?", id="schema-typo"),
    pytest.param('<id/city/b> rdfs:lable "B" .', "unknown property rdfs:lable", "did you mean rdfs:label?", id="rdfs-typo"),
    pytest.param("<id/city/b> <http://example.org/p> 1 .", "unknown vocabulary", "allow-list", id="unknown-namespace"),
    pytest.param("<id/city/b> tw:City <id/city/a> .", "declared as a class but used as a property", "", id="class-as-property"),
]


@pytest.mark.parametrize(("line", "msg", "hint"), TERM_CASES)
def test_unknown_term_is_rejected_with_suggestion(tmp_path: Path, line: str, msg: str, hint: str) -> None:
    body = PREFIXES + "\n# a comment line\n" + line + "\n"
    project = make_project(tmp_path, {"good.ttl": GOOD_DATA, "typo.ttl": body})
    report = validate_project(project, BASE)
    errs = only(report, "term")
    assert len(errs) == 1, report.format()
    e = errs[0]
    assert e.severity == ERROR and e.file == "data/typo.ttl"
    assert e.line == 10, e.format()  # 7 prefix lines, blank, comment, then the term
    assert msg in e.message and hint in e.message, e.message
    assert not report.ok


def test_known_external_terms_and_rdf_membership_pass(tmp_path: Path) -> None:
    body = PREFIXES + """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
<id/city/a> skos:altLabel "Ay"@en ; prov:wasDerivedFrom <id/source/s/p1> ; wdt:P190 <http://www.wikidata.org/entity/Q1> ;
    schema:name "A" ; rdf:_1 <id/city/b> .
"""
    report = validate_project(make_project(tmp_path, {"good.ttl": GOOD_DATA, "ext.ttl": body}), BASE)
    assert only(report, "term") == [], report.format()


def test_external_term_missing_from_shipped_list_is_accepted_once_declared(tmp_path: Path) -> None:
    data = PREFIXES + '<id/city/a> schema:brandNewTerm "x" .\n'
    report = validate_project(make_project(tmp_path, {"good.ttl": GOOD_DATA, "new.ttl": data}), BASE)
    assert len(only(report, "term")) == 1
    ontology = ONTOLOGY + "schema:brandNewTerm a rdf:Property .\n"
    report = validate_project(make_project(tmp_path, {}, ontology=ontology), BASE)
    assert only(report, "term") == [], report.format()


def test_typo_in_shape_path_is_caught(tmp_path: Path) -> None:
    shapes = PREFIXES + """
<shapes/CityShape> a sh:NodeShape ; sh:targetClass tw:City ;
    sh:property [ sh:path tw:contry ; sh:minCount 1 ] .
"""
    report = validate_project(make_project(tmp_path, {"g.ttl": GOOD_DATA}, shapes=shapes), BASE)
    errs = only(report, "term")
    assert [(e.file, e.line) for e in errs] == [("shapes/s.ttl", 10)], report.format()
    assert "did you mean tw:country?" in errs[0].message


SHAPES = PREFIXES + """
<shapes/CityShape> a sh:NodeShape ; sh:targetClass tw:City ;
    sh:property [ sh:path tw:country ; sh:minCount 1 ; sh:message "a city needs its country"@en ] ;
    sh:property [ sh:path tw:partner ; sh:maxCount 1 ; sh:severity sh:Warning ; sh:message "more than one partner"@en ] .
"""


def test_shacl_violation_is_an_error_mapped_to_file_and_line(tmp_path: Path) -> None:
    bad = PREFIXES + """
# a city without a country
<id/city/lonely>
    a tw:City ;
    rdfs:label "Lonely"@en .
"""
    report = validate_project(make_project(tmp_path, {"good.ttl": GOOD_DATA, "bad.ttl": bad}, shapes=SHAPES), BASE)
    errs = only(report, "shacl")
    assert len(errs) == 1, report.format()
    e = errs[0]
    assert (e.severity, e.file, e.line) == (ERROR, "data/bad.ttl", 10)
    assert (e.focus, e.path, e.message, e.rule) == ("<id/city/lonely>", "tw:country", "a city needs its country", "<shapes/CityShape>")
    assert e.format() == ("data/bad.ttl:10: error: <id/city/lonely> tw:country: a city needs its country "
                          "[rule <shapes/CityShape>]")


def test_shacl_warning_does_not_fail(tmp_path: Path) -> None:
    data = GOOD_DATA + "<id/city/a> tw:partner <id/city/b> , <id/city/c> .\n"
    report = validate_project(make_project(tmp_path, {"g.ttl": data}, shapes=SHAPES), BASE)
    warns = only(report, "shacl")
    assert [(w.severity, w.focus, w.path) for w in warns] == [(WARNING, "<id/city/a>", "tw:partner")], report.format()
    assert report.ok


def test_focus_node_in_two_files_names_both(tmp_path: Path) -> None:
    more = PREFIXES + '<id/city/a> rdfs:comment "seen again"@en .\n'
    nocountry = PREFIXES + '<id/city/b> a tw:City .\n<id/city/a> tw:partner <id/city/b> .\n'
    project = make_project(tmp_path, {"g.ttl": GOOD_DATA, "more.ttl": more, "z.ttl": nocountry}, shapes=SHAPES)
    report = validate_project(project, BASE)
    by_focus = {i.focus: i for i in only(report, "shacl")}
    assert by_focus["<id/city/b>"].file == "data/z.ttl"


QUALITY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX tw: <ontology/>
SELECT ?focus ?message WHERE { ?focus a tw:City . FILTER NOT EXISTS { ?focus tw:partner ?p } BIND("city has no partner" AS ?message) }
"""


def test_quality_query_rows_are_warnings_with_file(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"g.ttl": GOOD_DATA}, queries={"no-partner.rq": QUALITY})
    report = validate_project(project, BASE)
    q = only(report, "quality")
    assert [(i.severity, i.focus, i.message, i.file, i.line, i.rule) for i in q] == [
        (WARNING, "<id/city/a>", "city has no partner", "data/g.ttl", 9, "queries/quality/no-partner.rq")
    ]
    assert report.ok


@pytest.mark.parametrize(("text", "words"), [
    ("SELECT ?focus WHERE { ?focus ?p }", "does not run"),
    ("ASK { ?s ?p ?o }", "must be a SELECT"),
    ("SELECT ?s WHERE { ?s ?p ?o }", "must select ?focus"),
])
def test_broken_quality_query_is_reported(tmp_path: Path, text: str, words: str) -> None:
    project = make_project(tmp_path, {"g.ttl": GOOD_DATA}, queries={"broken.rq": text})
    report = validate_project(project, BASE)
    q = only(report, "quality")
    assert len(q) == 1 and q[0].file == "queries/quality/broken.rq" and words in q[0].message, report.format()


def test_missing_project_or_data_is_a_clear_error(tmp_path: Path) -> None:
    report = validate_project(tmp_path / "nope", BASE)
    assert not report.ok and "does not exist" in report.issues[0].message
    (tmp_path / "empty").mkdir()
    report = validate_project(tmp_path / "empty", BASE)
    assert not report.ok and "no data files" in report.issues[0].message


def test_skip_shacl_still_checks_terms(tmp_path: Path) -> None:
    bad = PREFIXES + "<id/city/q> a tw:City ; tw:partnr <id/city/a> .\n"
    report = validate_project(make_project(tmp_path, {"g.ttl": GOOD_DATA, "b.ttl": bad}, shapes=SHAPES), BASE,
                              shacl_check=False)
    assert "shacl" not in report.checks
    assert [i.kind for i in report.issues] == ["term"]
