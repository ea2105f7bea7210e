"""Issue 14: Wikidata / GeoNames lookup, ontology type labels, quads vs triples, schema.org Dataset nodes."""

from __future__ import annotations

from typing import Any

import pytest

from html_helpers import elements, jsonld_blocks, visible_text
from sistercities.release import Release
from sistercities.search import geonames_id, parse_id, wikidata_qid

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

HTML = {"Accept": "text/html"}
KHABAROVSK = "/id/city/khabarovsk"
QID = "Q4454"  # data/reference.ttl: <id/city/khabarovsk> owl:sameAs wd:Q4454 ; tw:geonamesId "2022890"
GEONAMES = "2022890"


# --- 1a: /wikidata/<qid> normalises ----------------------------------------------------------
@pytest.mark.parametrize("qid", ["Q4454", "q4454", " Q4454 ", "%20q4454%20", "wd:Q4454", "wd:q4454"])
def test_wikidata_lookup_normalises(client, qid: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/wikidata/" + qid)
    assert r.status_code == 303, qid
    assert r.headers["Location"].endswith(KHABAROVSK)


@pytest.mark.parametrize(("qid", "status"), [("Q4454x", 400), ("4454", 400), ("Q0", 400), ("qq4454", 400),
                                             ("Q999999999", 404)])
def test_wikidata_lookup_still_refuses_what_is_no_qid(client, qid: str, status: int) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/wikidata/" + qid, headers={"Accept": "text/plain"})
    assert r.status_code == status, qid
    assert "Traceback" not in r.get_data(as_text=True)


@pytest.mark.parametrize("text", ["Q4454", "q4454", "  Q4454\t", "wd:Q4454", "wikidata:q4454",
                                  "http://www.wikidata.org/entity/Q4454", "https://www.wikidata.org/entity/Q4454",
                                  "https://www.wikidata.org/wiki/Q4454", "www.wikidata.org/wiki/Q4454",
                                  "https://m.wikidata.org/wiki/Q4454"])
def test_wikidata_qid_forms(text: str) -> None:
    assert wikidata_qid(text) == QID
    assert parse_id(text) == ("wikidata", QID)


@pytest.mark.parametrize("text", ["2022890", " 2022890 ", "geonames:2022890", "gn:2022890",
                                  "https://sws.geonames.org/2022890/", "http://sws.geonames.org/2022890",
                                  "https://www.geonames.org/2022890/khabarovsk.html"])
def test_geonames_id_forms(text: str) -> None:
    assert geonames_id(text) == GEONAMES
    assert parse_id(text) == ("geonames", GEONAMES)


@pytest.mark.parametrize("text", ["Khabarovsk", "Q", "Q0", "Q12x", "0", "wd:", "https://example.org/Q4454"])
def test_not_ids(text: str) -> None:
    assert parse_id(text) is None


# --- 1b: search finds a thing by its Wikidata or GeoNames id ------------------------------------
@pytest.mark.parametrize("q", ["Q4454", "q4454", "wd:Q4454", "https://www.wikidata.org/wiki/Q4454",
                               "http://www.wikidata.org/entity/Q4454", "2022890", "https://sws.geonames.org/2022890/"])
def test_search_by_id_lists_the_exact_match_first(client, q: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/search", query_string={"q": q, "format": "json"})
    assert r.status_code == 200, q
    hits = r.get_json()
    assert hits and hits[0]["iri"].endswith(KHABAROVSK), (q, hits[:3])
    assert hits[0]["label"] == "Khabarovsk"
    assert all(h["score"] < hits[0]["score"] for h in hits[1:])


def test_search_page_says_it_matched_the_id(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/search", query_string={"q": "wd:q4454"}, headers=HTML).get_data(as_text=True)
    text = visible_text(html)
    assert "Matched by its identifier: Wikidata Q4454." in text
    assert elements(html, "a", href=KHABAROVSK)
    html = client.get("/search", query_string={"q": GEONAMES}, headers=HTML).get_data(as_text=True)
    assert "Matched by its identifier: GeoNames 2022890." in visible_text(html)


def test_name_search_is_unchanged(client) -> None:  # type: ignore[no-untyped-def]
    hits = client.get("/search", query_string={"q": "khabarovsk", "format": "json"}).get_json()
    assert hits[0]["iri"].endswith(KHABAROVSK) and hits[0]["score"] < 200


# --- 1c: home and search pages point at the lookup ------------------------------------------------
def _links(html: str) -> list[str]:
    return [a.get("href") or "" for a in elements(html, "a")]


def test_home_page_mentions_the_lookup_with_working_examples(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/", headers=HTML).get_data(as_text=True)
    text = visible_text(html)
    assert "Wikidata" in text and "GeoNames" in text
    wd = [h for h in _links(html) if h.startswith("/wikidata/Q")]
    gn = [h for h in _links(html) if h.startswith("/search?q=")]
    assert wd and gn, (wd, gn)
    r = client.get(wd[0])
    assert r.status_code == 303
    hits = client.get(gn[0] + "&format=json").get_json()
    assert hits and r.headers["Location"].endswith(hits[0]["iri"][len("https://w3id.org/twinning"):])


def test_search_page_mentions_the_lookup(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/search", headers=HTML).get_data(as_text=True)
    text = visible_text(html)
    assert "Wikidata" in text and "GeoNames" in text
    links = _links(html)
    assert "/wikidata/Q4454" in links and "/search?q=Q4454" in links and "/search?q=2022890" in links
    assert client.get("/wikidata/Q4454").status_code == 303


# --- 5: ontology page type labels ---------------------------------------------------------------
def test_ontology_page_names_term_types_correctly(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/ontology", headers=HTML, follow_redirects=True)
    assert r.status_code == 200
    text = visible_text(r.get_data(as_text=True))
    for broken in ("· classe", "· object propertie", "· datatype propertie", "· annotation propertie",
                   "propertie ", "propertie\n", "classe "):
        assert broken not in text, broken
    for right in ("· class", "· object property", "· datatype property"):
        assert right in text, right
    assert text.count("· object property") >= 10


# --- 8: quads and triples -------------------------------------------------------------------------
def test_version_says_quads_and_distinct_triples(client, built: Release) -> None:  # type: ignore[no-untyped-def]
    v = client.get("/-/version").get_json()
    assert v["quads"] == built.manifest["triples"]  # len(store)
    assert v["triples"] == built.manifest["stats"]["triples"]  # distinct, what the dumps hold
    assert v["triples"] < v["quads"]
    by_format = {d["format"]: d["triples"] for d in built.manifest["dumps"]}
    assert by_format["N-Triples"] == by_format["Turtle"] == v["triples"]
    assert by_format["N-Quads"] == v["quads"]


def test_home_page_says_quads_and_triples(client, built: Release) -> None:  # type: ignore[no-untyped-def]
    text = visible_text(client.get("/", headers=HTML).get_data(as_text=True))
    assert f"{built.manifest['stats']['triples']:,} distinct statements (triples)" in text
    assert f"{built.manifest['triples']:,} quads" in text


# --- 10: schema.org Dataset nodes ---------------------------------------------------------------
def _nodes(x: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(x, dict):
        out.append(x)
        for v in x.values():
            out += _nodes(v)
    elif isinstance(x, list):
        for v in x:
            out += _nodes(v)
    return out


@pytest.mark.parametrize("path", ["/", "/dataset.html"])
def test_every_dataset_node_is_complete(client, path: str) -> None:  # type: ignore[no-untyped-def]
    html = client.get(path, headers=HTML).get_data(as_text=True)
    blocks = jsonld_blocks(html)
    assert blocks, path
    datasets = [n for b in blocks for n in _nodes(b) if "Dataset" in (n.get("@type") if isinstance(n.get("@type"), list)
                                                                       else [n.get("@type")])]
    assert datasets, path
    for n in datasets:
        for key in ("name", "description", "url", "license"):
            assert isinstance(n.get(key), str) and n[key], (path, key, n)
        assert n["url"].startswith(("http://", "https://")), (path, n["url"])
        assert n["license"].startswith(("http://", "https://")), (path, n["license"])
    for n in (n for b in blocks for n in _nodes(b)):
        if isinstance(n.get("url"), str):
            assert n["url"].startswith(("http://", "https://")), (path, n)
