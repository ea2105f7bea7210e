"""`sistercities validate` and `sistercities build` as a user runs them: exit codes,
compiler-style report lines, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from miniproject import GOOD_DATA, PREFIXES, make_project
from sistercities.cli import main
from sistercities.release import current

SHAPES = PREFIXES + """
<shapes/CityShape> a sh:NodeShape ; sh:targetClass tw:City ;
    sh:property [ sh:path tw:country ; sh:minCount 1 ; sh:message "a city needs its country"@en ] ;
    sh:property [ sh:path rdfs:label ; sh:minCount 2 ; sh:severity sh:Warning ; sh:message "only one label"@en ] .
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command, in its own process, from the project folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SISTERCITIES_")}
    return subprocess.run([sys.executable, "-m", "sistercities.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_validate_syntax_error_in_a_subprocess_names_file_and_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"g.ttl": GOOD_DATA, "x.ttl": PREFIXES + "\n<id/a> tw:partner <id/b>\n<id/c> a tw:City .\n"})
    p = run("validate", cwd=project)
    assert p.returncode == 1
    assert "data/x.ttl:10:1: error: Turtle syntax error: " in p.stdout, p.stdout
    assert "Traceback" not in p.stdout + p.stderr


def test_validate_typo_in_a_subprocess(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj", {"g.ttl": GOOD_DATA, "x.ttl": PREFIXES + "<id/city/a> tw:partnr <id/city/b> .\n"})
    (tmp_path / "elsewhere").mkdir()
    p = run("validate", "--project", str(project), cwd=tmp_path / "elsewhere")
    assert p.returncode == 1
    # run from outside the project: the path is the project's absolute path, still clickable
    expected = f"{project.resolve()}/data/x.ttl:8: error: unknown property tw:partnr: not declared in ontology/; did you mean tw:partner?"
    assert expected in p.stdout
    p = run("validate", "--project", "proj", cwd=tmp_path)
    assert "\nproj/data/x.ttl:8: error: unknown property tw:partnr" in "\n" + p.stdout  # relative to the working directory


def test_validate_clean_exits_0_and_says_what_ran(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"g.ttl": GOOD_DATA})
    r = CliRunner().invoke(main, ["validate", "--project", str(project)])
    assert r.exit_code == 0, r.output
    assert "(syntax, terms, quotations, shacl, quality)" in r.output and "0 errors, 0 warnings" in r.output


def test_validate_warnings_exit_0_violations_exit_1(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"g.ttl": GOOD_DATA}, shapes=SHAPES)
    r = CliRunner().invoke(main, ["validate", "--project", str(project)])
    assert r.exit_code == 0, r.output
    assert "warning: <id/city/a> rdfs:label: only one label [rule <shapes/CityShape>]" in r.output
    (project / "data" / "h.ttl").write_text(PREFIXES + '<id/city/h> a tw:City ; rdfs:label "H"@en , "Ha"@de .\n')
    r = CliRunner().invoke(main, ["validate", "--project", str(project)])
    assert r.exit_code == 1
    assert "data/h.ttl:8: error: <id/city/h> tw:country: a city needs its country [rule <shapes/CityShape>]" in r.output
    assert "1 error, 1 warning" in r.output


def test_validate_json_report(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"g.ttl": GOOD_DATA, "x.ttl": PREFIXES + "<id/city/a> a tw:Cty .\n"})
    r = CliRunner().invoke(main, ["validate", "--project", str(project), "--format", "json"])
    assert r.exit_code == 1
    doc = json.loads(r.output)
    assert doc["ok"] is False and doc["errors"] == 1
    assert doc["issues"][0] | {"message": ""} == {
        "severity": "error", "kind": "term", "message": "", "file": "data/x.ttl", "line": 8, "column": None,
        "focus": None, "path": None, "value": None, "rule": None, "also_in": [],
    }


def test_validate_missing_project_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    p = run("validate", "--project", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert p.returncode != 0 and "Traceback" not in p.stderr + p.stdout
    assert "does not exist" in p.stdout + p.stderr


def test_build_then_up_to_date_in_subprocesses(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"g.ttl": GOOD_DATA})
    first = run("build", "--build-dir", str(tmp_path / "b"), cwd=project)
    assert first.returncode == 0, first.stderr
    version = current(tmp_path / "b").version
    assert first.stdout.strip() == str((tmp_path / "b" / "releases" / version).resolve())
    assert "loading 1" not in first.stderr and "statistics" in first.stderr and f"built {version}" in first.stderr
    second = run("build", "--build-dir", str(tmp_path / "b"), cwd=project)
    assert second.returncode == 0
    assert second.stderr.strip() == f"up to date: {version}"


@pytest.mark.parametrize(("bad", "line"), [
    ("<id/city/z> a tw:City .\n", "data/bad.ttl:8: error: <id/city/z> tw:country: a city needs its country"),
    ("<id/city/z> tw:partnr <id/city/a> .\n", "data/bad.ttl:8: error: unknown property tw:partnr"),
    ('<id/city/z> rdfs:label "z .\n', "data/bad.ttl:8:24: error: Turtle syntax error"),
])
def test_build_failure_exits_1_prints_report_and_keeps_current(tmp_path: Path, bad: str, line: str) -> None:
    project = make_project(tmp_path / "p", {"g.ttl": GOOD_DATA}, shapes=SHAPES)
    bd = tmp_path / "b"
    assert CliRunner().invoke(main, ["build", "--project", str(project), "--build-dir", str(bd)]).exit_code == 0
    before = os.readlink(bd / "current"), sorted(os.listdir(bd / "releases"))
    (project / "data" / "bad.ttl").write_text(PREFIXES + bad)
    p = run("build", "--build-dir", str(bd), cwd=project)
    assert p.returncode == 1
    assert line in p.stderr, p.stderr
    assert "Error: build failed, nothing published: invalid input: 1 error" in p.stderr
    assert "Traceback" not in p.stderr
    assert (os.readlink(bd / "current"), sorted(os.listdir(bd / "releases"))) == before


def test_build_skip_shacl_publishes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"g.ttl": GOOD_DATA, "z.ttl": PREFIXES + "<id/city/z> a tw:City .\n"}, shapes=SHAPES)
    bd = tmp_path / "b"
    r = CliRunner().invoke(main, ["build", "--project", str(project), "--build-dir", str(bd)])
    assert r.exit_code == 1
    r = CliRunner().invoke(main, ["build", "--project", str(project), "--build-dir", str(bd), "--skip-shacl"])
    assert r.exit_code == 0, r.output
    assert current(bd).manifest["validation"]["checks"] == ["syntax", "terms", "quotations", "quality"]


def test_build_dir_from_environment(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"g.ttl": GOOD_DATA})
    r = CliRunner().invoke(main, ["build", "--project", str(project)], env={"SISTERCITIES_BUILD_DIR": str(tmp_path / "envb")})
    assert r.exit_code == 0, r.output
    assert current(tmp_path / "envb").manifest["graphs"][-1]["file"] == "data/g.ttl"


def test_bad_keep_is_a_usage_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["build", "--project", str(tmp_path), "--keep", "0"])
    assert r.exit_code == 2 and "--keep" in r.output
