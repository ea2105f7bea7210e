"""The whole round trip as a curator runs it from the README, with the real ``sistercities`` command in a
copy of the project and the Wikidata-shaped fixture on the Oxigraph server: a city with no link is
reconciled, its candidate accepted, Wikidata's twinnings imported, the release built and served, the
comparison read in the terminal and on the site, and QuickStatements exported for what Wikidata lacks."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
import requests

from conftest import ROOT, SHARED, start_server, stop_server
from sistercities.release import current

SISTERCITIES = str(Path(sys.executable).parent / "sistercities")
EXPECTED_QS = ROOT / "tests" / "fixtures" / "wikidata" / "expected.qs"


def _run(project: Path, env: dict[str, str], *args: str) -> str:
    r = subprocess.run([SISTERCITIES, *args], cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    return r.stdout


@pytest.mark.slow
def test_a_curator_goes_from_no_link_to_quickstatements(wikidata_endpoint: str, tmp_path: Path) -> None:
    project = tmp_path / "project"
    for d in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / d, project / d)
    env = {**os.environ, "SISTERCITIES_WIKIDATA_SPARQL_URL": wikidata_endpoint, "SISTERCITIES_WIKIDATA_RATE": "0",
           "SISTERCITIES_BUILD_DIR": str(tmp_path / "build"), "SISTERCITIES_SOURCES_DIR": str(SHARED / "sources")}

    # 1. reconcile: Maizuru has no link; the city ranks first, the bay far below
    _run(project, env, "wikidata", "reconcile")
    with open(project / "wikidata-review.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    maizuru = [r for r in rows if r["our_iri"].endswith("/id/city/maizuru")]
    assert [r["candidate_qid"] for r in maizuru] == ["Q99000010", "Q99000011"]
    assert int(maizuru[0]["score"]) > int(maizuru[1]["score"]) + 50

    # 2. the curator marks the first row and accepts it
    for r in rows:
        r["accepted"] = "yes" if r is maizuru[0] else r["accepted"]
    with open(project / "wikidata-review.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    _run(project, env, "wikidata", "accept", "wikidata-review.csv")
    accepted = rdflib.Graph().parse(project / "data" / "wikidata-accepted.ttl", publicID="https://w3id.org/twinning/")
    assert (rdflib.URIRef("https://w3id.org/twinning/id/city/maizuru"), rdflib.OWL.sameAs,
            rdflib.URIRef("http://www.wikidata.org/entity/Q99000010")) in accepted

    # 3. import Wikidata's twinnings of our linked cities, validate and build
    _run(project, env, "wikidata", "import")
    assert (project / "data" / "wikidata.ttl").stat().st_size > 0
    report = _run(project, env, "validate")
    assert " 0 errors" in report
    _run(project, env, "build")

    # 4. the comparison in the terminal
    cmp = json.loads(_run(project, env, "wikidata", "compare", "--format", "json"))
    assert cmp["counts"]["ours-only"] == 1 and cmp["counts"]["one-directional"] == 1
    verdicts = {(r["kind"], r["verdict"]) for r in cmp["rows"]}
    assert ("start-date", "agrees at year precision only") in verdicts and ("start-date", "disagrees") in verdicts
    table = _run(project, env, "wikidata", "compare")
    assert "Harbin – Khabarovsk" in table

    # 5. QuickStatements for what Wikidata lacks, exactly the hand-written file
    _run(project, env, "wikidata", "export-quickstatements", "--out", "twinnings.qs")
    day = current(tmp_path / "build").build_time[:10]
    assert dt.date.fromisoformat(day)
    expected = EXPECTED_QS.read_text(encoding="utf-8").replace("{BUILD_DAY}", day).splitlines()
    assert (project / "twinnings.qs").read_text(encoding="utf-8").splitlines() == expected

    # 6. the site: the comparison page, linked from the home page, and Maizuru's new link
    proc, root = start_server(tmp_path / "build", workers=1)
    try:
        home = requests.get(root + "/", timeout=30).text
        assert 'href="/wikidata/compare"' in home
        page = requests.get(root + "/wikidata/compare", headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200 and "agrees at year precision only" in page.text
        r = requests.get(root + "/wikidata/Q99000010", allow_redirects=False, timeout=30)
        assert r.status_code == 303 and r.headers["Location"].endswith("/id/city/maizuru")
        lyon = requests.get(root + "/id/city/wikidata-Q456", headers={"Accept": "text/turtle"}, timeout=30)
        assert lyon.status_code == 200 and "Lyon" in lyon.text
    finally:
        stop_server(proc)
