"""Data extension over real HTTP against a real server: property proposals per type, ``extend=``
batches as OpenRefine sends them (form-encoded POST to the service root, GET, JSONP), every answer
valid against the official 0.2 schemas; the spec's valid query examples accepted, invalid queries 400;
Khabarovsk's sister cities with start dates at their precision and their sources, aligned per twinning
and checked against the graph; unknown ids and properties empty, never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BASE
from reconcile_schemas import errors, examples, validator

TW = BASE + "ontology/"
ID = BASE + "id/"
SERVICE = "/reconcile"
PROPOSE = "/reconcile/propose_properties"
DATE_TIME = validator("data-extension-response.json").schema["properties"]["rows"]["patternProperties"][".*"][
    "patternProperties"][".*"]["items"]["oneOf"][5]["properties"]["date"]["pattern"]


def extend(root: str, query: Any, *, how: str = "post") -> dict[str, Any]:
    raw = query if isinstance(query, str) else json.dumps(query)
    if how == "post":  # OpenRefine: application/x-www-form-urlencoded, extend=<JSON>
        r = requests.post(root + SERVICE, data={"extend": raw}, timeout=20)
    else:
        r = requests.get(root + SERVICE, params={"extend": raw}, timeout=20)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    data = r.json()
    assert errors("data-extension-response.json", data) == [], data
    return data


def rejected(root: str, raw: str, status: int = 400) -> str:
    r = requests.post(root + SERVICE, data={"extend": raw}, timeout=20)
    assert r.status_code == status, (raw[:200], r.status_code, r.text[:300])
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    message = r.json()["message"]
    assert message and "\n" not in message and "Traceback" not in message
    return str(message)


# --- property proposals -----------------------------------------------------------------------------
@pytest.mark.parametrize(("type_", "has", "has_not"), [
    (TW + "City", ["country", "coordinates", "wikidata", "geonames", "twinnedWith", "twinningStart", "source"],
     ["partner", "countryCode"]),
    (TW + "Country", ["wikidata", "geonames", "countryCode"], ["twinnedWith", "coordinates"]),
    (TW + "Twinning", ["partner", "startDate", "endDate", "source"], ["twinnedWith"]),
    (TW + "WikidataTwinning", ["partner", "startDate", "source"], ["twinnedWith"]),  # a subclass of tw:Twinning
    ("tw:SourceDocument", ["url", "issued"], ["twinnedWith"]),
    ("https://example.org/Unknown", ["label", "wikidata"], ["twinnedWith", "country"]),  # every type's only
])
def test_property_proposals_per_type(live_server: str, type_: str, has: list[str], has_not: list[str]) -> None:
    r = requests.get(live_server + PROPOSE, params={"type": type_}, timeout=10)
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    data = r.json()
    assert errors("data-extension-property-proposal.json", data) == []
    assert data["type"] == type_
    got = [p["id"] for p in data["properties"]]
    assert set(has) <= set(got) and not set(has_not) & set(got)


def test_property_proposals_limit_and_errors(live_server: str) -> None:
    data = requests.get(live_server + PROPOSE, params={"type": TW + "City", "limit": "3"}, timeout=10).json()
    assert errors("data-extension-property-proposal.json", data) == []
    assert data["limit"] == 3 and len(data["properties"]) == 3
    assert data["properties"][0]["id"] == "country"  # the type's own properties before the generic ones
    for bad in ("0", "x", "-1", "10000"):
        r = requests.get(live_server + PROPOSE, params={"type": TW + "City", "limit": bad}, timeout=10)
        assert r.status_code == 400 and "limit" in r.json()["message"]
    jsonp = requests.get(live_server + PROPOSE, params={"type": TW + "City", "callback": "cb"}, timeout=10)
    assert jsonp.text.startswith("/**/cb(") and errors("data-extension-property-proposal.json",
                                                       json.loads(jsonp.text[7:-2])) == []


def test_every_proposed_property_extends(live_server: str) -> None:
    for t in (TW + "City", TW + "Country", TW + "Twinning", TW + "SourceDocument"):
        props = requests.get(live_server + PROPOSE, params={"type": t}, timeout=10).json()["properties"]
        data = extend(live_server, {"ids": [ID + "city/khabarovsk", ID + "twinning/khabarovsk-niigata"],
                                    "properties": [{"id": p["id"]} for p in props]})
        assert [m["id"] for m in data["meta"]] == [p["id"] for p in props]
        assert [m["name"] for m in data["meta"]] == [p["name"] for p in props]


# --- the specification's examples -----------------------------------------------------------------------
@pytest.mark.parametrize("example", examples("data-extension-query", "valid"), ids=lambda p: p.name)
@pytest.mark.parametrize("how", ["post", "get"])
def test_valid_query_examples_are_accepted(live_server: str, example: Any, how: str) -> None:
    query = json.loads(example.read_text(encoding="utf-8"))
    assert errors("data-extension-query.json", query) == []
    data = extend(live_server, query, how=how)
    # the example's GND ids are not ours, its properties neither: every cell is empty, nothing fails
    assert set(data["rows"]) == set(query["ids"])
    assert all(v == [] for row in data["rows"].values() for v in row.values())
    assert [m["id"] for m in data["meta"]] == [p["id"] for p in query["properties"]]


#: Queries the schema rejects (0.2 ships no invalid/ examples for data-extension-query: these are
#: derived from its "required" and "type" constraints), and malformed JSON.
INVALID = {
    "missing-ids": {"properties": [{"id": "country"}]},
    "missing-properties": {"ids": [ID + "city/khabarovsk"]},
    "ids-not-array": {"ids": ID + "city/khabarovsk", "properties": [{"id": "country"}]},
    "id-not-string": {"ids": [42], "properties": [{"id": "country"}]},
    "properties-not-array": {"ids": [], "properties": {"id": "country"}},
    "property-without-id": {"ids": [], "properties": [{"settings": {}}]},
    "property-id-not-string": {"ids": [], "properties": [{"id": 7}]},
    "property-not-object": {"ids": [], "properties": ["country"]},
    "settings-not-object": {"ids": [], "properties": [{"id": "country", "settings": "limit=1"}]},
    "root-array": [{"ids": [], "properties": []}],
    "root-string": "extend",
}


@pytest.mark.parametrize("name", [*INVALID, *(p.name for p in examples("data-extension-query", "invalid"))])
def test_invalid_queries_are_400(live_server: str, name: str) -> None:
    shipped = {p.name: p for p in examples("data-extension-query", "invalid")}
    query = json.loads(shipped[name].read_text(encoding="utf-8")) if name in shipped else INVALID[name]
    assert errors("data-extension-query.json", query) != []  # truly invalid by the official schema
    rejected(live_server, json.dumps(query))


@pytest.mark.parametrize(("raw", "words"), [
    ("", "not valid JSON"), ("{", "not valid JSON"), ("{'ids': []}", "not valid JSON"), ("[" * 100_000, "larger"),
    ('{"ids": [], "properties": [{"id": "country", "settings": {"limit": "many"}}]}', "limit"),
    ('{"ids": [], "properties": [{"id": "country", "settings": {"limit": -1}}]}', "limit"),
    ('{"ids": [], "properties": [{"id": "twinningStart", "settings": {"dates": "julian"}}]}', "dates"),
])
def test_malformed_queries_are_400(live_server: str, raw: str, words: str) -> None:
    status = 413 if words == "larger" else 400
    assert words in rejected(live_server, raw, status)


def test_batch_limits_are_413(live_server: str) -> None:
    assert "at most 1000" in rejected(live_server, json.dumps({"ids": [f"id/city/x{i}" for i in range(1001)],
                                                                "properties": [{"id": "label"}]}), 413)
    assert "at most 50" in rejected(live_server, json.dumps({"ids": [], "properties": [{"id": f"p{i}"} for i in range(51)]}),
                                    413)


def test_non_utf8_and_missing_extend(live_server: str) -> None:
    r = requests.post(live_server + SERVICE, data=b"extend=%ff%fe%00", timeout=10,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and r.json()["message"]
    # raw non-UTF-8 bytes: Werkzeug drops a form field it cannot decode, so /reconcile sees no
    # extend at all (views/reconcile.py answers that with the manifest): never a 500, never rows
    for body in (b"extend=\xff\xfe", "extend=é".encode("latin-1")):
        r = requests.post(live_server + SERVICE, data=body, timeout=10,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code in (200, 400) and "rows" not in r.json()


# --- Khabarovsk's sister cities ---------------------------------------------------------------------------
TWINNING_COLUMNS = [{"id": "twinnedWith"}, {"id": "twinningStart"}, {"id": "source"}, {"id": "twinning"}]


def test_khabarovsk_sister_cities_with_dates_and_sources(live_server: str) -> None:
    data = extend(live_server, {"ids": [ID + "city/khabarovsk"], "properties": TWINNING_COLUMNS})
    meta = {m["id"]: m for m in data["meta"]}
    assert meta["twinnedWith"]["type"] == {"id": TW + "City", "name": "City"}
    assert meta["source"]["type"]["id"] == TW + "SourceDocument"
    row = data["rows"][ID + "city/khabarovsk"]
    # one value per twinning in every column, in the same order: OpenRefine lays them out row by row
    assert len({len(v) for v in row.values()}) == 1
    lines = [(c["name"], d.get("str"), s.get("id"), t.get("id"))
             for c, d, s, t in zip(row["twinnedWith"], row["twinningStart"], row["source"], row["twinning"], strict=True)]
    doc = ID + "source/khabarovsk-sister-cities"
    assert lines == [
        ("Bucheon", None, doc, ID + "twinning/bucheon-khabarovsk"),  # no start date: an empty cell, alignment kept
        ("Harbin", "1993-06-15", doc, ID + "twinning/harbin-khabarovsk"),
        ("Niigata", "1965-04-23", doc, ID + "twinning/khabarovsk-niigata"),
        ("Portland", "1988-06-10", doc, ID + "twinning/khabarovsk-portland"),
        ("Victoria", "1990-05-25", doc, ID + "twinning/khabarovsk-victoria"),
    ]
    assert row["twinningStart"][0] == {}
    assert all(c["id"].startswith(ID + "city/") for c in row["twinnedWith"])
    # Musashino is a city relationship, not a twinning: not a sister city
    assert ID + "city/musashino" not in [c["id"] for c in row["twinnedWith"]]


def test_sources_agree_with_the_graph(live_server: str, sparql: Callable[[str], list[dict[str, Any]]]) -> None:
    """Each twinning's source is a document whose paragraph the twinning derives from; the start
    date's is the one quoted for that date (tw:Evidence)."""
    data = extend(live_server, {"ids": [ID + "city/khabarovsk", ID + "city/odesa", ID + "city/yokohama"],
                                "properties": TWINNING_COLUMNS})
    for row in data["rows"].values():
        for start, source, twinning in zip(row["twinningStart"], row["source"], row["twinning"], strict=True):
            docs = {str(r["doc"].value) for r in sparql(f"""
                PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dct: <http://purl.org/dc/terms/>
                SELECT ?doc WHERE {{ <{twinning['id']}> prov:wasDerivedFrom/dct:isPartOf ?doc }}""")}
            assert source["id"] in docs
            if start:
                quoted = {str(r["doc"].value) for r in sparql(f"""
                    PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dct: <http://purl.org/dc/terms/>
                    PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> PREFIX tw: <{TW}>
                    SELECT ?doc WHERE {{ ?e rdf:subject <{twinning['id']}> ; rdf:predicate tw:startDate ;
                        prov:wasQuotedFrom/dct:isPartOf ?doc }}""")}
                assert source["id"] in quoted


def test_dates_keep_their_precision(live_server: str) -> None:
    cols = [{"id": "twinnedWith"}, {"id": "twinningStart"}]
    odesa = extend(live_server, {"ids": [ID + "city/odesa"], "properties": cols})["rows"][ID + "city/odesa"]
    assert odesa["twinnedWith"][0]["name"] == "Yokohama" and odesa["twinningStart"] == [{"str": "1965"}]  # gYear
    # the date-time setting: the 0.2 "date" value (a full ISO date-time), at the first instant of the period
    dt = [{"id": "twinnedWith"}, {"id": "twinningStart", "settings": {"dates": "date-time"}}]
    data = extend(live_server, {"ids": [ID + "city/odesa", ID + "city/khabarovsk"], "properties": dt})
    assert data["rows"][ID + "city/odesa"]["twinningStart"] == [{"date": "1965-01-01T00:00:00Z"}]
    dates = [d.get("date") for d in data["rows"][ID + "city/khabarovsk"]["twinningStart"]]
    assert dates == [None, "1993-06-15T00:00:00Z", "1965-04-23T00:00:00Z", "1988-06-10T00:00:00Z", "1990-05-25T00:00:00Z"]
    import re
    assert all(re.fullmatch(DATE_TIME, d) for d in dates if d)


def test_city_facts(live_server: str) -> None:
    props = ["label", "country", "coordinates", "latitude", "longitude", "wikidata", "geonames", "variants"]
    data = extend(live_server, {"ids": ["id/city/bucheon", ID + "city/maizuru"],
                                "properties": [{"id": p} for p in props]}, how="get")
    b = data["rows"]["id/city/bucheon"]  # the path form of an id is answered under the id as sent
    assert b["label"] == [{"str": "Bucheon"}]
    assert b["country"] == [{"id": ID + "country/south-korea", "name": "South Korea"}]
    assert b["wikidata"][0]["str"].startswith("Q") and b["geonames"][0]["str"].isdigit()
    lat, long = b["coordinates"][0]["str"].split(",")
    assert b["latitude"] == [{"float": float(lat)}] and b["longitude"] == [{"float": float(long)}]
    assert {"str": "Pucheon"} in b["variants"]
    assert data["rows"][ID + "city/maizuru"]["wikidata"] == []  # no verified Wikidata item


def test_twinning_and_country_entities(live_server: str) -> None:
    data = extend(live_server, {"ids": [ID + "twinning/khabarovsk-niigata", ID + "country/japan"],
                                "properties": [{"id": p} for p in ("partner", "startDate", "source", "countryCode",
                                                                     "wikidata")]})
    t = data["rows"][ID + "twinning/khabarovsk-niigata"]
    assert [p["name"] for p in t["partner"]] == ["Khabarovsk", "Niigata"]
    assert t["startDate"] == [{"str": "1965-04-23"}]
    # stated by two documents: the twinning's own row has both
    assert {s["id"] for s in t["source"]} == {ID + "source/khabarovsk-sister-cities",
                                             ID + "source/khabarovsk-japanese-delegation"}
    j = data["rows"][ID + "country/japan"]
    assert j["countryCode"] == [{"str": "JP"}] and j["wikidata"] == [{"str": "Q17"}]


def test_limit_setting(live_server: str) -> None:
    cols = [{"id": "twinnedWith", "settings": {"limit": "2"}}, {"id": "twinningStart", "settings": {"limit": 2}}]
    row = extend(live_server, {"ids": [ID + "city/khabarovsk"], "properties": cols})["rows"][ID + "city/khabarovsk"]
    assert [c["name"] for c in row["twinnedWith"]] == ["Bucheon", "Harbin"] and len(row["twinningStart"]) == 2


def test_unknown_ids_and_properties_are_empty(live_server: str) -> None:
    ids = [ID + "city/atlantis", "Q4454", "", "id/", "https://example.org/x", "id/city/a b", "id/city/<x>",
           "id/city/khabarovsk\u0000", ID + "city/\n", ID + "city/khabarovsk"]
    data = extend(live_server, {"ids": ids, "properties": [{"id": "country"}, {"id": "P17"}]})
    assert list(data["rows"]) == ids
    for i in ids[:-1]:
        assert data["rows"][i] == {"country": [], "P17": []}
    assert data["rows"][ID + "city/khabarovsk"]["P17"] == []
    assert data["meta"][1] == {"id": "P17", "name": "P17"}
    assert extend(live_server, {"ids": [], "properties": []}) == {"meta": [], "rows": {}}


def test_jsonp_and_get(live_server: str) -> None:
    q = json.dumps({"ids": [ID + "city/odesa"], "properties": [{"id": "country"}]})
    r = requests.get(live_server + SERVICE, params={"extend": q, "callback": "cb_1"}, timeout=10)
    assert r.status_code == 200 and r.text.startswith("/**/cb_1(")
    assert errors("data-extension-response.json", json.loads(r.text[len("/**/cb_1("):-2])) == []
    q = json.dumps({"ids": ["a\u2028b"], "properties": [{"id": "country"}]})
    r = requests.get(live_server + SERVICE, params={"extend": q, "callback": "cb_1"}, timeout=10)
    assert "\u2028" not in r.text and "\\u2028" in r.text  # escaped: a line end in older JavaScript
    assert list(json.loads(r.text[len("/**/cb_1("):-2])["rows"]) == ["a\u2028b"]


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                       lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
                           st.sampled_from(["ids", "properties", "id", "settings", "limit", "dates", "x"]), kids,
                           max_size=4), max_leaves=12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(JSONISH.map(json.dumps), st.text(max_size=200),
                      st.builds(lambda ids, props: json.dumps({"ids": ids, "properties": props}),
                                st.lists(st.one_of(st.text(max_size=30), st.sampled_from(
                                    [ID + "city/khabarovsk", "id/city/odesa", ID + "twinning/odesa-yokohama"]),
                                    st.text(max_size=12).map(lambda t: "id/city/" + t)),
                                    max_size=4),
                                st.lists(st.fixed_dictionaries({"id": st.one_of(st.text(max_size=12), st.sampled_from(
                                    ["twinnedWith", "twinningStart", "source", "country", "partner"]))},
                                    optional={"settings": JSONISH}), max_size=4))))
def test_hostile_extend_never_500(live_server: str, body: str) -> None:
    r = requests.post(live_server + SERVICE, data={"extend": body}, timeout=20)
    assert r.status_code in (200, 400, 413), (body[:200], r.status_code, r.text[:300])
    data = r.json()
    if r.status_code == 200:
        assert errors("data-extension-response.json", data) == []
    else:
        assert data["message"]


def test_property_settings_are_valid_in_the_manifest(live_server: str) -> None:
    """The settings extend accepts (limit, dates), as the manifest's extend.property_settings would
    carry them, validate against the official manifest schema; every default is accepted."""
    from sistercities.reconcile.properties import PROPERTY_SETTINGS

    manifest = requests.get(live_server + SERVICE, timeout=10).json()
    manifest["extend"]["property_settings"] = PROPERTY_SETTINGS
    assert errors("manifest.json", manifest) == []
    defaults = {str(s["name"]): s["default"] for s in PROPERTY_SETTINGS}
    extend(live_server, {"ids": [ID + "city/odesa"], "properties": [{"id": "twinningStart", "settings": defaults}]})


def test_openrefine_request_shape(live_server: str) -> None:
    """The POST OpenRefine 3.x sends for "Add columns from reconciled values": a form body with the
    UTF-8 query percent-encoded, charset in the Content-Type, compact JSON."""
    from urllib.parse import quote

    query = {"ids": [ID + "city/khabarovsk", ID + "city/odesa"],
             "properties": [{"id": "twinnedWith"}, {"id": "twinningStart"}, {"id": "source"}]}
    body = "extend=" + quote(json.dumps(query, separators=(",", ":")), safe="")
    r = requests.post(live_server + SERVICE, data=body.encode("ascii"), timeout=20,
                      headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                               "User-Agent": "OpenRefine/3.8.7", "Accept": "*/*"})
    assert r.status_code == 200 and errors("data-extension-response.json", r.json()) == []
    assert [c["name"] for c in r.json()["rows"][ID + "city/odesa"]["twinnedWith"]] == ["Yokohama"]
