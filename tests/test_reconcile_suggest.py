"""Suggest services (entity, type, property) over real HTTP against a real server (gunicorn), every
answer validated against the official 0.2 JSON Schemas; prefix search, ids, types with their
subclasses, ``cursor`` paging, JSONP, CORS, and hostile parameters (never a 500)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BASE
from reconcile_schemas import errors

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

TW = BASE + "ontology/"
CITY = BASE + "id/city/"
ENTITY, TYPE, PROPERTY = "/reconcile/suggest/entity", "/reconcile/suggest/type", "/reconcile/suggest/property"
SCHEMA = {ENTITY: "suggest-entities-response.json", TYPE: "suggest-types-response.json",
          PROPERTY: "suggest-properties-response.json"}


def suggest(root: str, path: str, **params: Any) -> dict[str, Any]:
    r = requests.get(root + path, params=params, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    data = r.json()
    assert errors(SCHEMA[path], data) == [], data
    return data


def ids(data: dict[str, Any]) -> list[str]:
    return [x["id"] for x in data["result"]]


# --- entities -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("prefix", "first"), [
    ("kha", "khabarovsk"),            # a prefix of the label
    ("Khabarovsk", "khabarovsk"),     # the whole name
    ("хабар", "khabarovsk"),          # the Russian label
    ("Pucheon", "bucheon"),           # a spelling variant of the sources (skos:altLabel)
    ("odessa", "odesa"),              # the variant, lower case
    ("ODES", "odesa"),
    ("Jōetsu", "joetsu"), ("joets", "joetsu"),  # accents folded both ways
    ("横浜", "yokohama"),
    ("Q4454", "khabarovsk"),          # a Wikidata QID
    ("2022890", "khabarovsk"),        # a GeoNames id
    (CITY + "odesa", "odesa"),        # our IRI
    ("id/city/odesa", "odesa"),       # its path
])
def test_entity_suggest_finds_by_prefix_variant_and_id(live_server: str, prefix: str, first: str) -> None:
    data = suggest(live_server, ENTITY, prefix=prefix)
    assert ids(data)[0] == CITY + first, ids(data)
    top = data["result"][0]
    assert top["notable"] == [{"id": TW + "City", "name": "City"}]
    assert top["description"].startswith("City in ")


def test_entity_suggest_is_prefix_search_not_substring(live_server: str) -> None:
    # "abarovsk" is inside "Khabarovsk" but starts no word of it
    assert CITY + "khabarovsk" not in ids(suggest(live_server, ENTITY, prefix="abarovsk"))
    # a later word of a label counts: "Municipality of Niigata" for "niig"
    found = ids(suggest(live_server, ENTITY, prefix="niig", limit=50))
    assert found[0] == CITY + "niigata" and BASE + "id/org/niigata-municipality" in found
    for hit in suggest(live_server, ENTITY, prefix="kh", limit=100)["result"]:
        assert "/id/evidence/" not in hit["id"] and not re.search(r"/id/source/[^/]+/p[0-9]+$", hit["id"])


def test_entity_suggest_description_of_a_twinning(live_server: str) -> None:
    data = suggest(live_server, ENTITY, prefix="Twinning of Khabarovsk and Niigata")
    assert data["result"][0]["id"] == BASE + "id/twinning/khabarovsk-niigata"
    assert data["result"][0]["description"] == "Twinning, since 1965-04-23"


@pytest.mark.parametrize("type_", [TW + "City", "tw:City", "City", "city"])
def test_entity_suggest_by_type(live_server: str, type_: str) -> None:
    found = suggest(live_server, ENTITY, prefix="khabarovsk", type=type_, limit=100)
    assert ids(found) == [CITY + "khabarovsk"]


def test_entity_suggest_type_hierarchy(live_server: str) -> None:
    # org:Organization has tw:CityAdministration, tw:Delegation... below it: their instances come too
    found = suggest(live_server, ENTITY, prefix="khabarovsk", type="http://www.w3.org/ns/org#Organization", limit=100)
    assert BASE + "id/org/khabarovsk-city-administration" in ids(found)
    assert CITY + "khabarovsk" not in ids(found)
    assert all(not x["id"].startswith(CITY) for x in found["result"])
    # a city is no country; a type we do not have has no instances
    assert suggest(live_server, ENTITY, prefix="khabarovsk", type=TW + "Country")["result"] == []
    assert suggest(live_server, ENTITY, prefix="khabarovsk", type="https://example.org/Nothing")["result"] == []


def test_entity_suggest_cursor_pages(live_server: str) -> None:
    whole = ids(suggest(live_server, ENTITY, prefix="k", limit=100))
    assert len(whole) > 6
    paged: list[str] = []
    for cursor in range(0, len(whole) + 3, 3):
        paged += ids(suggest(live_server, ENTITY, prefix="k", cursor=cursor, limit=3))
    assert paged == whole
    assert suggest(live_server, ENTITY, prefix="k", cursor=len(whole))["result"] == []
    # the default page is 10, OpenRefine's "more" asks with cursor=10
    assert ids(suggest(live_server, ENTITY, prefix="k")) == whole[:10]
    assert ids(suggest(live_server, ENTITY, prefix="k", cursor=10)) == whole[10:20]


def test_entity_suggest_empty_and_unknown(live_server: str) -> None:
    assert suggest(live_server, ENTITY, prefix="")["result"] == []
    assert suggest(live_server, ENTITY, prefix="   ")["result"] == []
    assert suggest(live_server, ENTITY, prefix="zzzqqq")["result"] == []
    assert suggest(live_server, ENTITY, prefix=BASE + "id/city/atlantis")["result"] == []


# --- types and properties -----------------------------------------------------------------------
def test_type_suggest(live_server: str) -> None:
    data = suggest(live_server, TYPE, prefix="ci")
    assert ids(data)[:2] == [TW + "City", TW + "CityRelationship"]
    admin = next(x for x in data["result"] if x["id"] == TW + "CityAdministration")
    assert admin["broader"] == [{"id": "http://www.w3.org/ns/org#Organization", "name": "Organisation"}]
    twinning = suggest(live_server, TYPE, prefix="twin")["result"][0]
    assert twinning["id"] == TW + "Twinning" and twinning["broader"][0]["id"] == TW + "CityRelationship"
    assert ids(suggest(live_server, TYPE, prefix="tw:Country")) == [TW + "Country"]
    assert ids(suggest(live_server, TYPE, prefix=TW + "Countr")) == [TW + "Country"]
    # the manifest's default types come first on an empty prefix, and the type suggest pages
    first = ids(suggest(live_server, TYPE, prefix=""))
    assert first[:2] == [TW + "City", TW + "Country"]
    assert ids(suggest(live_server, TYPE, prefix="", cursor=2, limit=3)) == ids(suggest(live_server, TYPE, prefix="",
                                                                                         limit=5))[2:5]
    assert suggest(live_server, TYPE, prefix="zzz")["result"] == []


def test_type_suggest_ids_are_the_manifests_types(live_server: str) -> None:
    manifest = requests.get(live_server + "/reconcile", timeout=10).json()
    suggested = set(ids(suggest(live_server, TYPE, prefix="", limit=100)))
    assert {t["id"] for t in manifest["defaultTypes"]} <= suggested


def test_property_suggest(live_server: str) -> None:
    assert ids(suggest(live_server, PROPERTY, prefix="sis", type=TW + "City")) == ["twinnedWith"]
    assert "twinningStart" in ids(suggest(live_server, PROPERTY, prefix="twinning", type="tw:City"))
    assert ids(suggest(live_server, PROPERTY, prefix="wiki")) == ["wikidata"]
    assert ids(suggest(live_server, PROPERTY, prefix="coord", type=TW + "City")) == ["coordinates"]
    # the properties of a country are not those of a city
    assert "twinnedWith" not in ids(suggest(live_server, PROPERTY, prefix="", type=TW + "Country", limit=100))
    assert "countryCode" in ids(suggest(live_server, PROPERTY, prefix="", type=TW + "Country", limit=100))


def test_suggested_properties_are_the_proposed_ones(live_server: str) -> None:
    for t in (TW + "City", TW + "Country", TW + "Twinning"):
        proposed = requests.get(live_server + "/reconcile/propose_properties", params={"type": t}, timeout=10).json()
        assert ids(suggest(live_server, PROPERTY, prefix="", type=t, limit=100)) == \
            [p["id"] for p in proposed["properties"]]


# --- protocol: JSONP, CORS, errors -------------------------------------------------------------------
@pytest.mark.parametrize("path", [ENTITY, TYPE, PROPERTY])
def test_jsonp(live_server: str, path: str) -> None:
    r = requests.get(live_server + path, params={"prefix": "kha", "callback": "jQuery3600_123"}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/javascript")
    assert r.text.startswith("/**/jQuery3600_123(") and r.text.endswith(");")
    assert errors(SCHEMA[path], json.loads(r.text[len("/**/jQuery3600_123("):-2])) == []
    bad = requests.get(live_server + path, params={"prefix": "kha", "callback": "alert(1)//"}, timeout=10)
    assert bad.status_code == 400 and "callback" in bad.json()["message"]
    assert bad.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("path", [ENTITY, TYPE, PROPERTY])
@pytest.mark.parametrize(("params", "words"), [
    ({}, "prefix"),
    ({"prefix": "k", "cursor": "x"}, "cursor"),
    ({"prefix": "k", "cursor": "-1"}, "cursor"),
    ({"prefix": "k", "cursor": "²"}, "cursor"),
    ({"prefix": "k", "limit": "0"}, "limit"),
    ({"prefix": "k", "limit": "100000"}, "limit"),
    ({"prefix": "k" * 201}, "too long"),
    ({"prefix": "k\x00"}, "NUL"),
])
def test_bad_requests_are_400_with_a_message(live_server: str, path: str, params: dict[str, str], words: str) -> None:
    r = requests.get(live_server + path, params=params, timeout=10)
    assert r.status_code == 400, r.text
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    body = r.json()
    assert body["status"] == "error" and words in body["message"] and "\n" not in body["message"]


def test_cors_preflight(live_server: str) -> None:
    r = requests.options(live_server + ENTITY, headers={"Origin": "https://example.org",
                                                        "Access-Control-Request-Method": "GET"}, timeout=10)
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*" and "GET" in r.headers["Access-Control-Allow-Methods"]


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from([ENTITY, TYPE, PROPERTY]), prefix=st.one_of(st.none(), TEXT),
       type_=st.one_of(st.none(), TEXT, st.sampled_from([TW + "City", "tw:", ":", "tw:City/../x"])),
       cursor=st.one_of(st.none(), TEXT, st.integers(-5, 10**7).map(str)),
       callback=st.one_of(st.none(), TEXT))
def test_hostile_parameters_never_500(live_server: str, path: str, prefix: str | None, type_: str | None,
                                      cursor: str | None, callback: str | None) -> None:
    params = {k: v for k, v in {"prefix": prefix, "type": type_, "cursor": cursor, "callback": callback}.items()
              if v is not None}
    r = requests.get(live_server + path, params=params, timeout=10)
    assert r.status_code in (200, 400), (params, r.status_code, r.text[:200])
    body = r.text
    if r.headers["Content-Type"].startswith("application/javascript"):  # JSONP: /**/name(...);
        assert callback is not None and body.startswith(f"/**/{callback}(") and body.endswith(");")
        body = body[len(f"/**/{callback}("):-2]
    data = json.loads(body)
    if r.status_code == 200:
        assert errors(SCHEMA[path], data) == []
    else:
        assert data["message"]


def test_non_utf8_query_string_never_500(live_server: str) -> None:
    for raw in ("prefix=%ff%fe", "prefix=k&cursor=%c3", "prefix=%00", "type=%ff&prefix=a", "prefix=a&callback=%e2%80"):
        r = requests.get(f"{live_server}{ENTITY}?{raw}", timeout=10)
        assert r.status_code in (200, 400), (raw, r.text)


@pytest.mark.parametrize("prefix", ["k", "kh", "ni", "b", "o", "t", "twinning of", "municipality o", "хаба", "横",
                                    "pu", "s", "of", "19", "x"])
def test_prefix_table_is_the_site_search_restricted_to_prefixes(store: Any, prefix: str) -> None:
    """The sorted prefix table answers exactly what the site's search answers, filtered to labels a
    word of which starts with the prefix, in the same order (a differential check of the fast path)."""
    from sistercities.reconcile.suggest import NOT_ENTITIES, Page, entities
    from sistercities.reconcile.types import types_of
    from sistercities.search import LabelIndex, fold, starts_a_word

    index = LabelIndex(store, BASE)
    needle = fold(prefix)
    expected = [h.iri for h in index.search(prefix, limit=10**6) if h.kind not in NOT_ENTITIES
                and any(starts_a_word(fold(x), needle) for x in (h.label, *h.alt_labels))]
    got: list[str] = []
    while True:
        page = ids(entities(index, store, types_of(store, BASE), prefix, pg=Page(len(got), 100)))
        if not page:
            break
        got += page
    assert got == expected
