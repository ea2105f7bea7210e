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
* each document format by its URL, and ``GRAPH ?g`` for which source said what.

The server runs with the default settings: request paths are mapped onto ``BASE_IRI``
(https://w3id.org/twinning/), so the document fetched from 127.0.0.1 describes
``<https://w3id.org/twinning/id/city/khabarovsk>`` and the queries name that IRI; ``PUBLIC_URL`` only
changes the document IRIs in the metadata, not the subjects.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import BASE, ROOT

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
