"""What a curator reads when something is wrong (issue 15): the message names the
culprit and the file to fix, each problem once, never a traceback.

Each case is a small project with inline Turtle beside its assertions; the shortcut
cases use the project's own shortcut shapes (cut out of shapes/twinning.ttl).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner

from miniproject import BASE, GOOD_DATA, ONTOLOGY, PREFIXES, make_project
from sistercities import shacl_sparql
from sistercities.cli import main
from sistercities.report import ERROR, WARNING, Report
from sistercities.validate import validate_project

ROOT = Path(__file__).resolve().parent.parent
TWS = BASE + "shapes/"

SHORTCUT_ONTOLOGY = ONTOLOGY + """
tw:Twinning a owl:Class ; rdfs:label "twinning"@en .
tw:twinnedWith a owl:ObjectProperty ; rdfs:label "twinned with"@en .
tw:signatory a owl:ObjectProperty ; rdfs:label "signatory"@en .
tw:signingDate a owl:DatatypeProperty ; rdfs:label "signing date"@en .
"""


@cache
def shortcut_shapes() -> str:
    """The three shortcut shapes and their components, as N-Triples (valid Turtle)."""
    g = rdflib.Graph()
    g.parse(ROOT / "shapes" / "twinning.ttl", format="turtle", publicID=BASE)
    out = rdflib.Graph()
    for name in ("TwinningShortcutShape", "ShortcutRecordShape", "ShortcutSymmetryShape",
                 "TwinningShortcutComponent", "ShortcutRecordComponent", "SymmetricComponent"):
        out += g.cbd(rdflib.URIRef(TWS + name))
    for decl in g.objects(rdflib.URIRef(BASE + "shapes"), rdflib.URIRef("http://www.w3.org/ns/shacl#declare")):
        out.add((rdflib.URIRef(BASE + "shapes"), rdflib.URIRef("http://www.w3.org/ns/shacl#declare"), decl))
        out += g.cbd(decl)
    return out.serialize(format="nt")


def city(slug: str, extra: str = "") -> str:
    return f'<id/city/{slug}> a tw:City ; rdfs:label "{slug.upper()}"@en ; tw:country <id/country/x>{extra} .\n'


COUNTRY = '<id/country/x> a tw:Country ; rdfs:label "X"@en .\n'


def check(tmp_path: Path, data: dict[str, str]) -> Report:
    project = make_project(tmp_path, data, ontology=SHORTCUT_ONTOLOGY, shapes=shortcut_shapes())
    for q in (ROOT / "queries" / "quality").glob("*.rq"):  # the project's own quality checks too
        shutil.copy(q, project / "queries" / "quality" / q.name)
    return validate_project(project, BASE)


def errors(report: Report) -> list[str]:
    return [i.format() for i in report.issues if i.severity == ERROR]


def twinning_warnings(report: Report) -> list[str]:
    return [i.format() for i in report.issues if i.severity == WARNING and
            ("twinnedWith" in i.message or "shortcut" in i.message or "twinning record" in i.message)]


# --- 1 + 4: a one-directional twinning is ONE error naming both cities and the file -------


def test_one_direction_with_record_is_one_error_naming_both_cities_and_the_file(tmp_path: Path) -> None:
    data = PREFIXES + "\n" + COUNTRY + city("b") + city("a", " ;\n    tw:twinnedWith <id/city/b>") + (
        "\n<id/twinning/a-b> a tw:Twinning ;\n    tw:partner <id/city/a> , <id/city/b> .\n")
    # 7 prefix lines and a blank one: line 9 country, 10 b, 11-12 a (twinnedWith on 12), 13 blank, 14 the record
    report = check(tmp_path, {"x.ttl": data})
    assert errors(report) == [
        "data/x.ttl:12: error: <id/city/b> tw:twinnedWith <id/city/a> is missing: <id/city/a> tw:twinnedWith "
        "<id/city/b> is stated here, and the twinning record <id/twinning/a-b> (data/x.ttl:14) — add it to "
        "data/x.ttl [rule <shapes/ShortcutSymmetryShape>, <shapes/TwinningShortcutShape>]"
    ], report.format()
    assert twinning_warnings(report) == [], report.format()
    [e] = [i for i in report.issues if i.severity == ERROR]
    assert (e.focus, e.path, e.value) == ("<id/city/b>", "tw:twinnedWith", "<id/city/a>")


def test_the_fix_goes_to_the_file_of_the_twinning_record(tmp_path: Path) -> None:
    cities = PREFIXES + COUNTRY + city("a") + city("b") + "<id/city/a> tw:twinnedWith <id/city/b> .\n"
    record = PREFIXES + "# the record\n<id/twinning/a-b> a tw:Twinning ; tw:partner <id/city/a> , <id/city/b> .\n"
    report = check(tmp_path, {"cities.ttl": cities, "record.ttl": record})
    [e] = errors(report)
    assert e.startswith("data/record.ttl:9: error: <id/city/b> tw:twinnedWith <id/city/a> is missing: "
                        "<id/city/a> tw:twinnedWith <id/city/b> is stated in data/cities.ttl:11, and the twinning "
                        "record <id/twinning/a-b> — add it to data/record.ttl"), e


def test_record_without_any_shortcut_is_one_error(tmp_path: Path) -> None:
    data = PREFIXES + COUNTRY + city("a") + city("b") + \
        "<id/twinning/a-b> a tw:Twinning ; tw:partner <id/city/a> , <id/city/b> .\n"
    report = check(tmp_path, {"x.ttl": data})
    [e] = errors(report)
    assert e.startswith("data/x.ttl:11: error: <id/city/a> tw:twinnedWith <id/city/b> and <id/city/b> "
                        "tw:twinnedWith <id/city/a> are missing: the twinning record <id/twinning/a-b> names both "
                        "as partners — add both to data/x.ttl"), e
    assert twinning_warnings(report) == []


def test_one_direction_without_record_is_one_error(tmp_path: Path) -> None:
    data = PREFIXES + COUNTRY + city("a") + city("b") + "<id/city/a> tw:twinnedWith <id/city/b> .\n"
    report = check(tmp_path, {"x.ttl": data})
    [e] = errors(report)
    assert e.startswith("data/x.ttl:11: error: <id/city/b> tw:twinnedWith <id/city/a> is missing, and no "
                        "tw:Twinning record has the partners <id/city/a> and <id/city/b>: <id/city/a> tw:twinnedWith "
                        "<id/city/b> is stated here — add it and a record (a tw:Twinning ; tw:partner <id/city/a> , "
                        "<id/city/b>) to data/x.ttl"), e
    assert twinning_warnings(report) == []


def test_both_directions_without_record_is_one_error_not_two(tmp_path: Path) -> None:
    data = PREFIXES + COUNTRY + city("a") + city("b") + \
        "<id/city/a> tw:twinnedWith <id/city/b> .\n<id/city/b> tw:twinnedWith <id/city/a> .\n"
    report = check(tmp_path, {"x.ttl": data})
    [e] = errors(report)
    assert "no tw:Twinning record has the partners <id/city/a> and <id/city/b>" in e
    assert "are stated here" in e and "add a record" in e and e.startswith("data/x.ttl:11:"), e


def test_consistent_twinning_is_clean(tmp_path: Path) -> None:
    data = PREFIXES + COUNTRY + city("a", " ; tw:twinnedWith <id/city/b>") + city("b", " ; tw:twinnedWith <id/city/a>") + \
        "<id/twinning/a-b> a tw:Twinning ; tw:partner <id/city/a> , <id/city/b> .\n"
    assert errors(check(tmp_path, {"x.ttl": data})) == []


def test_real_project_missing_one_direction_is_exactly_one_error(tmp_path: Path) -> None:
    project = tmp_path / "p"
    for d in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / d, project / d)
    f = project / "data" / "odesa-yokohama-2023.ttl"
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    [n] = [k for k, line in enumerate(lines) if line.startswith("<id/city/yokohama> tw:twinnedWith <id/city/odesa>")]
    f.write_text("".join(lines[:n] + lines[n + 1:]), encoding="utf-8")
    report = validate_project(project, BASE)
    assert len(errors(report)) == 1, report.format()
    assert errors(report)[0].startswith(
        "data/odesa-yokohama-2023.ttl:" + str(n) + ": error: <id/city/yokohama> tw:twinnedWith <id/city/odesa> is "
        "missing: <id/city/odesa> tw:twinnedWith <id/city/yokohama> is stated here, and the twinning record "
        "<id/twinning/odesa-yokohama> (data/odesa-yokohama-2023.ttl:"), errors(report)
    assert twinning_warnings(report) == [], report.format()


def test_sparql_results_carry_the_other_variables() -> None:
    g = rdflib.Graph()
    g.parse(data=shortcut_shapes(), format="nt")
    store = ox.Store()
    store.load((PREFIXES + city("a", " ; tw:twinnedWith <id/city/b>") + city("b")).encode(),
               format=ox.RdfFormat.TURTLE, base_iri=BASE, to_graph=ox.NamedNode("urn:g"))
    [res] = [r for r in shacl_sparql.run(store, g, ["urn:g"], shacl_sparql.checks(g))
             if str(r.shape).endswith("ShortcutSymmetryShape")]
    assert res.get("other") == ox.NamedNode(BASE + "id/city/b")
    assert dict(res.params)["symmetricProperty"] == BASE + "ontology/twinnedWith"


# --- 2: a mistyped IRI in object position ----------------------------------------------


def test_mistyped_object_iri_gets_did_you_mean_once(tmp_path: Path) -> None:
    data = PREFIXES + """
<id/person/gennadiy-trukhanov> a <http://xmlns.com/foaf/0.1/Person> ; rdfs:label "Gennadiy Trukhanov"@en .
<id/agreement/mou> rdfs:label "MoU"@en ;
    tw:signatory <id/person/gennadiy-truhanov> ;
    tw:partner <id/person/gennadiy-truhanov> , <http://www.wikidata.org/entity/Q1> .
"""
    report = validate_project(make_project(tmp_path, {"g.ttl": GOOD_DATA, "x.ttl": data},
                                           ontology=SHORTCUT_ONTOLOGY), BASE)
    refs = [i.format() for i in report.issues if i.kind == "reference"]
    assert refs == ["data/x.ttl:11: error: <id/person/gennadiy-truhanov> is used as a value but described nowhere "
                    "(no file states anything about it); did you mean <id/person/gennadiy-trukhanov>? (2 uses) "
                    "[rule described IRIs]"], report.format()


def test_described_and_external_objects_are_fine(tmp_path: Path) -> None:
    data = GOOD_DATA + "<id/city/a> tw:partner <id/country/x> , <https://sws.geonames.org/1/> .\n"
    report = validate_project(make_project(tmp_path, {"g.ttl": data}, ontology=SHORTCUT_ONTOLOGY), BASE)
    assert report.issues == [], report.format()


# --- 3: ill-typed literals ---------------------------------------------------------------

LITERALS = [
    ('"2023-02-30"^^xsd:date', 'invalid xsd:date "2023-02-30": 2023-02 has no day 30'),
    ('"23.04.1965"^^xsd:date', 'invalid xsd:date "23.04.1965": write it as YYYY-MM-DD'),
    ('"1965-13"^^xsd:gYearMonth', 'invalid xsd:gYearMonth "1965-13": there is no month 13'),
    ('"65"^^xsd:gYear', 'invalid xsd:gYear "65": write it as YYYY'),
    ('"3 cities"^^xsd:integer', 'invalid xsd:integer "3 cities"'),
    ('"46,48"^^xsd:decimal', 'invalid xsd:decimal "46,48"'),
    ('"yes"^^xsd:boolean', 'invalid xsd:boolean "yes"'),
]


@pytest.mark.parametrize(("literal", "words"), LITERALS)
def test_ill_typed_literal_is_an_error_at_its_line(tmp_path: Path, literal: str, words: str) -> None:
    data = PREFIXES + f"\n<id/agreement/mou> rdfs:label \"MoU\"@en ;\n    tw:signingDate {literal} .\n"
    report = validate_project(make_project(tmp_path, {"g.ttl": GOOD_DATA, "x.ttl": data},
                                           ontology=SHORTCUT_ONTOLOGY), BASE)
    errs = [i for i in report.issues if i.severity == ERROR]
    assert [i.format() for i in errs] == [
        f"data/x.ttl:10: error: {words}" + errs[0].message.split(words, 1)[1]], report.format()
    assert errs[0].message.endswith("(<id/agreement/mou> tw:signingDate)")


def test_valid_literals_pass(tmp_path: Path) -> None:
    data = PREFIXES + ('<id/agreement/mou> tw:signingDate "2024-02-29"^^xsd:date , "1965-04"^^xsd:gYearMonth , '
                       '"1965"^^xsd:gYear , "-12"^^xsd:integer , "46.48"^^xsd:decimal , true , "0"^^xsd:boolean .\n')
    report = validate_project(make_project(tmp_path, {"g.ttl": GOOD_DATA, "x.ttl": data},
                                           ontology=SHORTCUT_ONTOLOGY), BASE)
    assert [i for i in report.issues if i.kind == "literal"] == [], report.format()


def test_bad_date_in_the_real_project_is_one_error_and_no_traceback(tmp_path: Path) -> None:
    project = tmp_path / "p"
    for d in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / d, project / d)
    f = project / "data" / "odesa-yokohama-2023.ttl"
    text = f.read_text(encoding="utf-8")
    assert '"2023-03-16"^^xsd:date' in text
    f.write_text(text.replace('"2023-03-16"^^xsd:date', '"2023-02-30"^^xsd:date', 1), encoding="utf-8")
    line = 1 + text[:text.index('"2023-03-16"^^xsd:date')].count("\n")
    p = run_cli("validate", cwd=project)
    assert p.returncode == 1
    assert "Traceback" not in p.stdout + p.stderr, p.stderr[-2000:]
    errs = [x for x in p.stdout.splitlines() if ": error: " in x]
    assert len(errs) == 1, p.stdout
    assert errs[0].startswith(f'data/odesa-yokohama-2023.ttl:{line}: error: invalid xsd:date "2023-02-30": '
                              "2023-02 has no day 30"), errs


# --- 5: build and serve ----------------------------------------------------------------


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SISTERCITIES_")}
    return subprocess.run([sys.executable, "-m", "sistercities.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


WARN_SHAPES = PREFIXES + """
<shapes/CityShape> a sh:NodeShape ; sh:targetClass tw:City ;
    sh:property [ sh:path rdfs:label ; sh:minCount 2 ; sh:severity sh:Warning ; sh:message "only one label"@en ] .
"""


def test_build_says_how_many_warnings_and_how_to_see_them(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"g.ttl": GOOD_DATA}, shapes=WARN_SHAPES)
    p = run_cli("build", "--build-dir", str(tmp_path / "b"), cwd=project)
    assert p.returncode == 0, p.stderr
    assert ": 1 validation warning: run sistercities validate to see them" in p.stderr, p.stderr
    r = CliRunner().invoke(main, ["build", "--project", str(project), "--build-dir", str(tmp_path / "b")])
    assert f"1 validation warning: run sistercities validate --project {project} to see them" in r.output


def test_serve_on_a_busy_port_says_which_and_how_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        t0 = time.monotonic()
        p = run_cli("serve", "--host", "127.0.0.1", "--port", str(port), "--build-dir", str(tmp_path / "none"),
                    cwd=tmp_path, timeout=30)
        took = time.monotonic() - t0
    assert p.returncode == 1
    assert f"Error: port {port} is in use (another server?): choose another with SISTERCITIES_PORT=" in p.stderr
    assert "sistercities serve or --port " in p.stderr
    assert "Traceback" not in p.stderr and "Connection in use" not in p.stderr
    assert took < 15


def test_a_mistyped_class_is_reported_once_by_the_term_check(tmp_path: Path) -> None:
    report = validate_project(make_project(tmp_path, {"g.ttl": GOOD_DATA, "x.ttl": PREFIXES + "<id/city/a> a tw:Cty .\n"}),
                              BASE)
    assert [i.kind for i in report.issues] == ["term"], report.format()


def test_an_undescribed_iri_without_a_close_match_is_a_warning(tmp_path: Path) -> None:
    data = GOOD_DATA + "<id/city/a> tw:partner <id/org/nobody-knows> .\n"
    report = validate_project(make_project(tmp_path, {"g.ttl": data}), BASE)
    assert [(i.severity, i.kind, i.file, i.line) for i in report.issues] == [(WARNING, "reference", "data/g.ttl", 13)], \
        report.format()
    assert report.ok


def test_each_ill_typed_literal_is_reported_where_it_is_written(tmp_path: Path) -> None:
    data = PREFIXES + """@prefix x: <http://www.w3.org/2001/XMLSchema#> .
<id/agreement/one> tw:signingDate "1965-02-30"^^x:date .
<id/agreement/two> rdfs:label "Two"@en ;
    tw:signingDate "1965-02-30"^^<http://www.w3.org/2001/XMLSchema#date> .
"""
    report = validate_project(make_project(tmp_path, {"g.ttl": GOOD_DATA, "x.ttl": data},
                                           ontology=SHORTCUT_ONTOLOGY), BASE)
    assert [(i.file, i.line, i.focus) for i in report.issues if i.kind == "literal"] == [
        ("data/x.ttl", 9, "<id/agreement/one>"), ("data/x.ttl", 11, "<id/agreement/two>")], report.format()


def test_serve_says_how_many_warnings_the_release_has(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"g.ttl": GOOD_DATA}, shapes=WARN_SHAPES)
    assert run_cli("build", "--build-dir", str(tmp_path / "b"), cwd=project).returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SISTERCITIES_")}
    proc = subprocess.Popen([sys.executable, "-m", "sistercities.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--build-dir", str(tmp_path / "b"), "--workers", "1"],
                            cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        seen = [proc.stderr.readline() for _ in range(2)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert seen[0].startswith("serving release ") and f":{port}/" in seen[0], seen
    assert "1 validation warning: run sistercities validate to see them" in seen[1], seen
