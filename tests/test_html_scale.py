"""Pages stay bounded on a hub: a page fetches its own neighbourhood, not its neighbours' neighbourhoods.

Regression: at 1M triples a twinning page took 4 s and a hub city 88 s, because the page described the
partners' hundreds of sister cities, and fetched statements with one SPARQL query joining a large VALUES
block (which Oxigraph evaluated as a scan of the whole store).
"""

from __future__ import annotations

import pyoxigraph as ox

from sistercities.html.facts import neighbourhood
from sistercities.store import EmbeddedStore

B = "https://w3id.org/twinning/"
TW = B + "ontology/"
HUB_PARTNERS = 60


def hub_store() -> EmbeddedStore:
    lines = [f"@prefix tw: <{TW}> .", "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    lines.append(f'<{B}id/city/hub> a tw:City ; rdfs:label "Hub"@en .')
    for i in range(HUB_PARTNERS):
        c, t = f"<{B}id/city/c{i}>", f"<{B}id/twinning/c{i}-hub>"
        lines.append(f'{c} a tw:City ; rdfs:label "C{i}"@en ; tw:twinnedWith <{B}id/city/hub> .')
        lines.append(f"<{B}id/city/hub> tw:twinnedWith {c} .")
        lines.append(f'{t} a tw:Twinning ; rdfs:label "C{i} – Hub"@en ; tw:partner {c}, <{B}id/city/hub> .')
    st = ox.Store()
    st.load("\n".join(lines), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(B + "graph/g"))
    return EmbeddedStore(store=st)


def test_a_twinning_page_does_not_describe_the_hubs_other_partners() -> None:
    facts = neighbourhood(hub_store(), B + "id/twinning/c1-hub", base=B)
    assert facts is not None
    others = {f"{B}id/city/c{i}" for i in range(HUB_PARTNERS) if i != 1}
    assert not (others & facts.described), "the hub's other partners were fetched for a page that does not show them"
    assert {B + "id/city/c1", B + "id/city/hub"} <= facts.described


def test_the_hub_page_itself_names_all_its_partners() -> None:
    facts = neighbourhood(hub_store(), B + "id/city/hub", base=B)
    assert facts is not None
    for i in range(HUB_PARTNERS):
        assert facts.label(f"{B}id/city/c{i}").text == f"C{i}"


def test_statements_of_the_embedded_store_match_a_sparql_answer() -> None:
    st = hub_store()
    subjects = [B + "id/city/c3", B + "id/twinning/c3-hub", B + "id/city/none", "not an iri"]
    got = sorted((s, p, str(o)) for s, p, o in st.statements(subjects))
    want = sorted((r["s"].value, r["p"].value, str(r["o"])) for r in st.select(
        f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ <{B}id/city/c3> <{B}id/twinning/c3-hub> }} GRAPH ?g {{ ?s ?p ?o }} }}"))
    assert got == want and len(got) == 7
    only = {p for _, p, _ in st.statements([B + "id/city/c3"], [TW + "twinnedWith"])}
    assert only == {TW + "twinnedWith"}
