"""Comunica (``@comunica/query-sparql``, the JavaScript SPARQL engine) reads our data as a client would.

Installed by ``scripts/install-comunica`` into ``.cache/comunica/`` (with a Node.js from the npm
registry when the machine's is too old for it); skipped, with the reason, only when that script
cannot install it.  Every test runs the real ``comunica-sparql`` command against a real server
(the ``live_server`` fixture, stopped by PID):

* as a SPARQL endpoint client: ``comunica-sparql sparql@<server>/sparql "SELECT ..."``;
* dereferencing a thing IRI: ``comunica-sparql <server>/id/city/khabarovsk "SELECT ..."``.  Comunica
  follows the 303, asks for N-Quads first and matches triple patterns outside ``GRAPH`` against the
  default graph only, so it finds the description only because resource documents put it there
  (issue 15; before, every triple was in a named graph and the same query returned ``[]``);
* each document format by its URL, and ``GRAPH ?g`` for which source said what;
* following ``hydra:next`` through a paged document (a server of its own with ``PUBLIC_URL`` its root).

The server runs with the default settings: request paths are mapped onto ``BASE_IRI``
(https://w3id.org/twinning/), so the document fetched from 127.0.0.1 describes
``<https://w3id.org/twinning/id/city/khabarovsk>`` and the queries name that IRI; ``PUBLIC_URL`` only
changes the document IRIs in the metadata, not the subjects.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from conftest import BASE, ROOT, free_port, stop_server

COMUNICA = ROOT / ".cache" / "comunica" / "comunica-sparql"
KHABAROVSK = BASE + "id/city/khabarovsk"
NIIGATA = BASE + "id/city/niigata"
TWINNED = BASE + "ontology/twinnedWith"
TWINS_QUERY = f"SELECT ?twin WHERE {{ <{KHABAROVSK}> <{TWINNED}> ?twin }}"


@pytest.fixture(scope="module")
def comunica() -> Path:
    script = ROOT / "scripts" / "install-comunica"
    result = subprocess.run([str(script)], capture_output=True, text=True, timeout=900, check=False)
    if result.returncode != 0 or not COMUNICA.exists():
        pytest.skip(f"Comunica is not installed and cannot be installed here: {result.stderr.strip()[-400:]}")
    return COMUNICA


def run(exe: Path, source: str, query: str) -> list[dict[str, str]]:
    """The bindings ``comunica-sparql <source> <query>`` prints (its default JSON output)."""
    out = subprocess.run([str(exe), source, query], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, f"comunica-sparql failed ({out.returncode}): {out.stderr[-1500:]}"
    rows: list[dict[str, str]] = json.loads(out.stdout)
    return rows


@pytest.fixture(scope="module")
def twins(sparql: Callable[[str], list[dict[str, Any]]]) -> set[str]:
    """Khabarovsk's twins as the store has them (over all graphs)."""
    found = {r["twin"].value for r in sparql(TWINS_QUERY)}
    assert len(found) >= 5
    return found


def test_endpoint_client_gets_the_twins(comunica: Path, live_server: str, twins: set[str]) -> None:
    rows = run(comunica, f"sparql@{live_server}/sparql", TWINS_QUERY.replace("SELECT", "SELECT DISTINCT"))
    assert {r["twin"] for r in rows} == twins
    assert len(rows) == len(twins)


def test_dereferencing_the_iri_gets_the_twins(comunica: Path, live_server: str, twins: set[str]) -> None:
    rows = run(comunica, f"{live_server}/id/city/khabarovsk", TWINS_QUERY)
    assert rows, "Comunica found nothing: the description is not in the document's default graph"
    assert {r["twin"] for r in rows} == twins
    assert len(rows) == len(twins)  # the default graph has each triple once


@pytest.mark.parametrize("ext", ["trig", "jsonld", "ttl"])  # N-Quads: the test above
def test_every_document_format_gets_the_twins(comunica: Path, live_server: str, twins: set[str], ext: str) -> None:
    rows = run(comunica, f"{live_server}/doc/id/city/khabarovsk.{ext}", TWINS_QUERY)
    assert {r["twin"] for r in rows} == twins
    assert len(rows) == len(twins)


def test_named_graphs_say_which_source_said_it(
        comunica: Path, live_server: str, sparql: Callable[[str], list[dict[str, Any]]]) -> None:
    query = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{KHABAROVSK}> <{TWINNED}> <{NIIGATA}> }} }}"
    expected = {r["g"].value for r in sparql(query)}
    assert len(expected) >= 2  # two sources say Khabarovsk and Niigata are twinned
    rows = run(comunica, f"{live_server}/id/city/khabarovsk", query)
    assert {r["g"] for r in rows} == expected
    assert all(g.startswith(BASE + "graph/") for g in expected)


def test_comunica_follows_the_pages(comunica: Path, build_dir: Path, tmp_path: Path,
                                    sparql: Callable[[str], list[dict[str, Any]]]) -> None:
    """With ``PUBLIC_URL`` the server's own root, the document IRIs (``hydra:next``) are URLs Comunica can
    fetch, and it reads every page of a resource's incoming links; with the default (``BASE_IRI``) they
    are the public https://w3id.org/ URLs, which only resolve to this server in production."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SISTERCITIES_PUBLIC_URL": root, "SISTERCITIES_PAGE_SIZE": "10"}
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "sistercities.cli", "serve", "--build-dir", str(build_dir),
                                 "--port", str(port), "--workers", "1"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not _healthy(root):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        query = f"SELECT DISTINCT ?r WHERE {{ ?r <{BASE}ontology/partner> <{KHABAROVSK}> }}"
        expected = {r["r"].value for r in sparql(query)}
        first = requests.get(root + "/doc/id/city/khabarovsk.nq", timeout=10).text
        assert any(f"<{r}>" not in first for r in expected), "all on page 1: the test would not show paging"
        rows = run(comunica, f"{root}/id/city/khabarovsk", query)
        assert {r["r"] for r in rows} == expected
        pages = {line.split()[6] for line in log.read_text().splitlines() if "GET /doc/id/city/khabarovsk" in line}
        assert len(pages) > 2, pages
    finally:
        stop_server(proc)


def _healthy(root: str) -> bool:
    try:
        return requests.get(root + "/-/health", timeout=1).status_code == 200
    except requests.RequestException:
        return False
