"""Evidence and roles at the time, asked of the REAL data built into a store.

Uses the session-scoped ``sparql`` fixture of tests/conftest.py (the real ontology/, shapes/
and data/ built once; default graph = union of the named graphs, each triple once), so these tests check the
curated data itself, not a toy graph: the tw:evidence shorthand of data/*.ttl must have been
expanded into tw:Evidence nodes and tw:capacity must reach an org:Membership in one hop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sistercities.uris import DEFAULT_BASE as BASE

Sparql = Callable[[str], list[dict[str, Any]]]

PREFIXES = f"""
BASE <{BASE}>
PREFIX tw:   <{BASE}ontology/>
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX xsd:  <http://www.w3.org/2001/XMLSchema#>
PREFIX dct:  <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX org:  <http://www.w3.org/ns/org#>
"""

MOU = "id/agreement/odesa-yokohama-mou-2023"
MAYOR = "id/concept/roles/mayor"
TRUKHANOV = "id/person/gennadiy-trukhanov"
YAMANAKA = "id/person/takeharu-yamanaka"


@pytest.fixture(scope="module")
def ask(sparql: Sparql) -> Sparql:
    def run(query: str) -> list[dict[str, Any]]:
        return sparql(PREFIXES + query)

    return run


def local(term: Any) -> str:
    assert term.value.startswith(BASE), term.value
    return term.value[len(BASE):]


# (a) who signed the Odesa–Yokohama MoU, in what capacity: one hop from the agreement -----------


def test_mou_signatories_and_capacity_one_hop(ask: Sparql) -> None:
    rows = ask(f"""
        SELECT ?person ?role ?whose WHERE {{
            <{MOU}> tw:capacity ?m .
            ?m org:member ?person ; org:role ?role .
            OPTIONAL {{ ?m org:organization|tw:roleFor ?whose }}
        }}""")
    got = {(local(r["person"]), local(r["role"])) for r in rows}
    assert got == {(TRUKHANOV, MAYOR), (YAMANAKA, MAYOR)}
    # whose office: Odesa (no administration recorded) and the City of Yokohama
    whose = {local(r["person"]): local(r["whose"]) for r in rows if r.get("whose") is not None}
    assert whose == {TRUKHANOV: "id/city/odesa", YAMANAKA: "id/org/yokohama-city"}
    # the people in those capacities are the agreement's signatories
    signed = {local(r["p"]) for r in ask(f"SELECT ?p WHERE {{ <{MOU}> tw:signatory ?p }}")}
    assert signed == {TRUKHANOV, YAMANAKA}


def test_mou_capacities_have_quoted_evidence(ask: Sparql) -> None:
    """Each membership's office (org:role) and the agreement's tw:capacity link cite words of the source."""
    rows = ask(f"""
        SELECT ?m ?quote ?para WHERE {{
            <{MOU}> tw:capacity ?m .
            ?ev a tw:Evidence ; rdf:subject ?m ; rdf:predicate org:role ; rdf:object <{MAYOR}> ;
                prov:wasQuotedFrom ?para ; tw:quotation ?quote .
        }}""")
    by_member = {local(r["m"]) for r in rows}
    assert by_member == {"id/role/gennadiy-trukhanov-mayor-of-odesa-2023",
                         "id/role/takeharu-yamanaka-mayor-of-yokohama-2023"}
    assert all("Mayor" in r["quote"].value for r in rows)
    assert all(local(r["para"]).startswith("id/source/odesa-yokohama-2023/p") for r in rows)
    links = ask(f"""
        SELECT ?m WHERE {{
            ?ev a tw:Evidence ; rdf:subject <{MOU}> ; rdf:predicate tw:capacity ; rdf:object ?m ;
                tw:quotation ?quote .
        }}""")
    assert {local(r["m"]) for r in links} == by_member


# (b) which words of which source say the Khabarovsk–Niigata twinning started on 1965-04-23 -----


def test_khabarovsk_niigata_start_date_quotation(ask: Sparql) -> None:
    rows = ask("""
        SELECT ?quote ?para ?doc WHERE {
            ?ev a tw:Evidence ;
                rdf:subject <id/twinning/khabarovsk-niigata> ;
                rdf:predicate tw:startDate ;
                rdf:object "1965-04-23"^^xsd:date ;
                prov:wasQuotedFrom ?para ;
                tw:quotation ?quote .
            ?para dct:isPartOf ?doc .
        }""")
    assert rows, "no tw:Evidence for <id/twinning/khabarovsk-niigata> tw:startDate 1965-04-23"
    hits = [r for r in rows
            if "1965" in r["quote"].value and local(r["para"]) == "id/source/khabarovsk-sister-cities/p1"]
    assert hits, [(r["quote"].value, local(r["para"])) for r in rows]
    assert all(local(r["doc"]) == "id/source/khabarovsk-sister-cities" for r in hits)
