"""/search over labels and alternative labels; the label index itself on inline Turtle."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import requests

from sistercities.search import BadQuery, LabelIndex, fold
from sistercities.store import EmbeddedStore

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

BASE = "https://w3id.org/twinning/"


def _index(turtle: str) -> LabelIndex:
    s = ox.Store()
    s.load(turtle.encode(), format=ox.RdfFormat.TURTLE, base_iri=BASE, to_graph=ox.NamedNode(BASE + "graph/t"))
    return LabelIndex(EmbeddedStore(store=s), BASE)


RANKING = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<id/city/york> rdfs:label "York"@en .
<id/city/new-york> rdfs:label "New York"@en .
<id/city/yorkton> rdfs:label "Yorkton"@en .
<id/city/newyorkish> rdfs:label "Newyorkish"@en .
<id/city/sao-paulo> rdfs:label "São Paulo"@pt ; skos:altLabel "Sampa"@pt .
<http://elsewhere.example/york> rdfs:label "York"@en .
"""


def test_ranking_exact_prefix_word_substring() -> None:
    hits = _index(RANKING).search("york")
    assert [h.iri.rsplit("/", 1)[1] for h in hits] == ["york", "yorkton", "new-york", "newyorkish"]
    assert hits[0].score > hits[1].score > hits[2].score > hits[3].score


def test_accent_and_case_insensitive_and_alt_labels() -> None:
    idx = _index(RANKING)
    assert idx.search("sao paulo")[0].label == "São Paulo"
    assert idx.search("SÃO")[0].iri == BASE + "id/city/sao-paulo"
    hit = idx.search("sampa")[0]
    assert hit.label == "São Paulo"
    assert "Sampa" in hit.alt_labels


def test_only_local_iris_are_indexed() -> None:
    assert all(h.iri.startswith(BASE) for h in _index(RANKING).search("york"))


@pytest.mark.parametrize("q", ["", "   ", "!!!", "x" * 201])
def test_bad_queries(q: str) -> None:
    with pytest.raises(BadQuery):
        _index(RANKING).search(q)


def test_fold() -> None:
    assert fold("Jōetsu") == "joetsu"
    assert fold("  KHABAROVSK ") == "khabarovsk"
    assert fold("Хабаровск") == "хабаровск"


# --- over HTTP, on the real data ---------------------------------------------------
def _json(root: str, q: str) -> list[dict]:  # type: ignore[type-arg]
    r = requests.get(root + "/search", params={"q": q}, headers={"Accept": "application/json"}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(("q", "iri"), [
    ("Pucheon", "id/city/bucheon"),     # alternative label used by the source
    ("khabarovsk", "id/city/khabarovsk"),
    ("KHABAROVSK", "id/city/khabarovsk"),
    ("Jōetsu", "id/city/joetsu"),
    ("joetsu", "id/city/joetsu"),
    ("Хабаровск", "id/city/khabarovsk"),
    ("Pusan", "id/city/busan"),
])
def test_search_finds(live_server: str, q: str, iri: str) -> None:
    hits = _json(live_server, q)
    assert hits and hits[0]["iri"] == BASE + iri


def test_json_shape(live_server: str) -> None:
    hit = _json(live_server, "Pucheon")[0]
    assert set(hit) >= {"iri", "label", "types", "url"}
    assert hit["label"] == "Bucheon"
    assert BASE + "ontology/City" in hit["types"]
    assert hit["url"] == live_server + "/id/city/bucheon"
    assert requests.get(hit["url"], headers={"Accept": "text/turtle"}, timeout=10).status_code == 200


def test_json_by_format_parameter(live_server: str) -> None:
    r = requests.get(live_server + "/search", params={"q": "niigata", "format": "json"}, timeout=10)
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()[0]["iri"] == BASE + "id/city/niigata"


def test_exact_before_prefix_before_substring(live_server: str) -> None:
    hits = _json(live_server, "khabarovsk")
    assert hits[0]["iri"] == BASE + "id/city/khabarovsk"
    # organisations and events whose names contain the word come after
    assert len(hits) > 1
    assert hits[0]["score"] > hits[1]["score"]


@pytest.mark.parametrize("params", [{"q": ""}, {"q": "  "}, {"q": "x" * 500}, {}])
def test_bad_query_is_400_json(live_server: str, params: dict) -> None:  # type: ignore[type-arg]
    r = requests.get(live_server + "/search", params=params, headers={"Accept": "application/json"}, timeout=10)
    assert r.status_code == 400
    assert "Traceback" not in r.text and r.text.strip()


def test_no_query_html_is_a_form(live_server: str) -> None:
    r = requests.get(live_server + "/search", headers={"Accept": "text/html"}, timeout=10)
    assert r.status_code == 200
    assert "<form" in r.text


def test_html_results(live_server: str) -> None:
    r = requests.get(live_server + "/search", params={"q": "Pucheon"}, headers={"Accept": "text/html"}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert "Bucheon" in r.text
    assert "Accept" in r.headers["Vary"]


def test_empty_html_query_is_400(live_server: str) -> None:
    r = requests.get(live_server + "/search", params={"q": ""}, headers={"Accept": "text/html"}, timeout=10)
    assert r.status_code == 400
