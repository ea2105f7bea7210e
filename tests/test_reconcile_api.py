"""/reconcile over real HTTP (a real gunicorn server on the real build): the manifest, JSONP and
CORS, the request shapes OpenRefine sends, the official schemas and examples, size limits and
hostile input (Reconciliation Service API 0.2)."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconcile_schemas import errors, examples
from sistercities.reconcile.requests import MAX_QUERIES

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

BASE = "https://w3id.org/twinning/"
TW = BASE + "ontology/"
CITY = TW + "City"


def _post(root: str, batch: Any, **kw: Any) -> requests.Response:
    """The way OpenRefine sends a batch: a form-encoded POST of ``queries``."""
    return requests.post(root + "/reconcile", data={"queries": json.dumps(batch)}, timeout=30, **kw)


def _json_error(r: requests.Response, status: int) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    body = r.json()
    assert body["status"] == "error" and body["message"]
    assert "Traceback" not in r.text
    return str(body["message"])


# --- the manifest --------------------------------------------------------------------------------
def test_manifest_valid_and_complete(live_server: str) -> None:
    r = requests.get(live_server + "/reconcile", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    m = r.json()
    assert errors("manifest.json", m) == []
    assert m["versions"] == ["0.2"]
    assert m["identifierSpace"] == BASE and m["schemaSpace"] == TW
    assert m["defaultTypes"][0] == {"id": CITY, "name": "City"}
    assert m["view"]["url"] == "{{id}}"  # ids are our IRIs: the cell links to the thing itself
    svc = live_server + "/reconcile"
    assert m["preview"]["url"] == svc + "/preview?id={{id}}"
    assert {k: (v["service_url"], v["service_path"]) for k, v in m["suggest"].items()} == {
        "entity": (svc, "/suggest/entity"), "type": (svc, "/suggest/type"), "property": (svc, "/suggest/property")}
    assert m["extend"]["propose_properties"] == {"service_url": svc, "service_path": "/propose_properties"}
    assert m["batchSize"] == MAX_QUERIES


def test_manifest_jsonp(live_server: str) -> None:
    r = requests.get(live_server + "/reconcile", params={"callback": "jQuery3210_17.cb$"}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/javascript")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    m = re.fullmatch(r"/\*\*/jQuery3210_17\.cb\$\((.*)\);", r.text, re.S)
    assert m, r.text[:100]
    assert errors("manifest.json", json.loads(m.group(1))) == []


@pytest.mark.parametrize("cb", ["alert(1)", "1abc", "a" * 65, "<script>", "a-b", "", "x y", "a\u00e9", "cb;evil"])
def test_bad_callbacks(live_server: str, cb: str) -> None:
    r = requests.get(live_server + "/reconcile", params={"callback": cb}, timeout=10)
    assert "callback" in _json_error(r, 400)


def test_cors_preflight(live_server: str) -> None:
    r = requests.options(live_server + "/reconcile", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST"}, timeout=10)
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]


# --- reconciliation queries ----------------------------------------------------------------------
#: What OpenRefine 3.x posts: type and type_strict "should", properties from other columns.
OPENREFINE_BATCH = {
    "q0": {"query": "Pucheon", "type": CITY, "type_strict": "should"},
    "q1": {"query": "Odessa", "type": CITY, "type_strict": "should",
           "properties": [{"pid": TW + "country", "v": "Ukraine"}]},
    "q2": {"query": "Victoria", "type": CITY, "type_strict": "should", "limit": 3},
    "q3": {"query": "Musasino"},
}


def test_openrefine_form_post(live_server: str) -> None:
    r = _post(live_server, OPENREFINE_BATCH)
    assert r.status_code == 200, r.text
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    out = r.json()
    assert errors("reconciliation-result-batch.json", out) == []
    assert set(out) == set(OPENREFINE_BATCH)
    top = {k: v["result"][0] for k, v in out.items()}
    assert (top["q0"]["id"], top["q0"]["match"]) == (BASE + "id/city/bucheon", True)
    assert (top["q1"]["id"], top["q1"]["match"]) == (BASE + "id/city/odesa", True)
    assert {"id": "country_match", "value": True} in top["q1"]["features"]
    assert (top["q2"]["id"], top["q2"]["match"]) == (BASE + "id/city/victoria", False)
    assert top["q3"]["id"] == BASE + "id/city/musashino"
    for v in out.values():
        scores = [c["score"] for c in v["result"]]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 100 for s in scores)
        assert all(c["type"] and all(t["id"] and t["name"] for t in c["type"]) for c in v["result"])


def test_get_queries_and_single_query(live_server: str) -> None:
    r = requests.get(live_server + "/reconcile", params={"queries": json.dumps({"a": {"query": "Pusan"}})},
                     timeout=10)
    assert r.status_code == 200
    assert errors("reconciliation-result-batch.json", r.json()) == []
    assert r.json()["a"]["result"][0]["id"] == BASE + "id/city/busan"
    for q in ("Pusan", json.dumps({"query": "Pusan", "type": "city"})):
        r = requests.get(live_server + "/reconcile", params={"query": q}, timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()["result"][0]["id"] == BASE + "id/city/busan"


def test_json_body_and_jsonp_results(live_server: str) -> None:
    r = requests.post(live_server + "/reconcile", json={"queries": {"q0": {"query": "Jōetsu"}}}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["q0"]["result"][0]["id"] == BASE + "id/city/joetsu"
    r = requests.get(live_server + "/reconcile", params={"queries": json.dumps({"q0": {"query": "Akita"}}),
                                                         "callback": "cb"}, timeout=10)
    assert r.text.startswith("/**/cb(") and "id/city/akita" in r.text
    r = requests.get(live_server + "/reconcile", params={"queries": json.dumps({"a\u2028b": {"query": "Akita"}}),
                                                         "callback": "cb"}, timeout=10)
    assert "\u2028" not in r.text and "\\u2028" in r.text  # escaped: a line end in older JavaScript


@pytest.mark.parametrize("path", examples("reconciliation-query-batch", "invalid"), ids=lambda p: p.name)
def test_invalid_examples_rejected(live_server: str, path: Any) -> None:
    batch = json.loads(path.read_text(encoding="utf-8"))
    assert errors("reconciliation-query-batch.json", batch)  # the schema rejects it too
    _json_error(_post(live_server, batch), 400)


@pytest.mark.parametrize("path", examples("reconciliation-query-batch", "valid"), ids=lambda p: p.name)
def test_valid_examples_accepted(live_server: str, path: Any) -> None:
    """Every valid example is answered 200 with a valid result batch, one result per query, even those
    written for the GND service (their types and properties name nothing of ours)."""
    batch = json.loads(path.read_text(encoding="utf-8"))
    assert errors("reconciliation-query-batch.json", batch) == []
    r = _post(live_server, batch)
    assert r.status_code == 200, r.text
    assert errors("reconciliation-result-batch.json", r.json()) == []
    assert set(r.json()) == set(batch)


def test_another_services_type_matches_nothing_and_its_properties_are_ignored(live_server: str) -> None:
    plain = _post(live_server, {"q0": {"query": "Odessa"}}).json()["q0"]["result"]
    assert plain and plain[0]["id"].endswith("/id/city/odesa")
    # a property we do not have says nothing about our things: the same candidates, the same scores
    r = _post(live_server, {"q0": {"query": "Odessa", "properties": [{"pid": "P999", "v": "x"}]}})
    assert r.status_code == 200 and r.json()["q0"]["result"] == plain
    # a type we do not have: nothing of ours is of it
    r = _post(live_server, {"q0": {"query": "Odessa", "type": "DifferentiatedPerson"}})
    assert r.status_code == 200 and r.json()["q0"]["result"] == []
    # beside one of ours, ours still counts
    r = _post(live_server, {"q0": {"query": "Odessa", "type": ["DifferentiatedPerson", TW + "City"]}})
    assert r.status_code == 200 and r.json()["q0"]["result"][0]["id"].endswith("/id/city/odesa")


def test_too_many_queries_413(live_server: str) -> None:
    batch = {f"q{i}": {"query": "x"} for i in range(MAX_QUERIES + 1)}
    assert str(MAX_QUERIES) in _json_error(_post(live_server, batch), 413)


def test_too_large_body_413(live_server: str) -> None:
    batch = {"q0": {"query": "x" * 200_000}}
    assert "MAX_REQUEST_BYTES" in _json_error(_post(live_server, batch), 413)


def test_non_utf8_and_malformed(live_server: str) -> None:
    r = requests.post(live_server + "/reconcile", data=b"queries=%FF%FE%7B", timeout=10,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    _json_error(r, 400)
    r = requests.post(live_server + "/reconcile", data=b"\xff\xfe{", timeout=10,
                      headers={"Content-Type": "application/json"})
    assert "UTF-8" in _json_error(r, 400)
    for bad in ("{", "[]", '"x"', "NaN", '{"q0": 1}', '{"q0": {"query": 5}}', "[" * 5000 + "]" * 5000):
        _json_error(requests.post(live_server + "/reconcile", data={"queries": bad}, timeout=10), 400)


def test_non_utf8_url(live_server: str) -> None:
    r = requests.get(live_server + "/reconcile?queries=%FF%FE", timeout=10)
    _json_error(r, 400)


def test_extend_shares_the_service_root(live_server: str) -> None:
    """``extend=`` goes to the data extension (views/reconcile_more.py); 501 until it exists."""
    ext = json.dumps({"ids": [BASE + "id/city/khabarovsk"], "properties": [{"id": TW + "country"}]})
    r = requests.post(live_server + "/reconcile", data={"extend": ext}, timeout=10)
    assert r.status_code in (200, 501), r.text
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    if r.status_code == 501:
        assert "extension" in _json_error(r, 501)


# --- hostile input, generated --------------------------------------------------------------------
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=12)
_field = st.sampled_from(["query", "type", "limit", "properties", "type_strict", "pid", "v", "props"])
_query = st.dictionaries(_field, _json_values | st.sampled_from(
    ["Khabarovsk", "city", CITY, "should", TW + "country", "Q4454", "48.4,135.1"]), max_size=5)
_batch = st.dictionaries(st.text(max_size=10), _query | _json_values, max_size=6).map(json.dumps)
_raw = st.one_of(_batch, st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1")))


@settings(max_examples=int(os.environ.get("RECONCILE_EXAMPLES", "120")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=_raw, how=st.sampled_from(["post", "get", "json", "bytes"]),
       cb=st.none() | st.text(max_size=10))
def test_hostile_batches_never_500(live_server: str, raw: str, how: str, cb: str | None) -> None:
    url = live_server + "/reconcile"
    params = {"callback": cb} if cb is not None else {}
    if how == "post":
        r = requests.post(url, data={"queries": raw}, params=params, timeout=10)
    elif how == "get":
        r = requests.get(url, params={"queries": raw, **params}, timeout=10)
    elif how == "json":
        r = requests.post(url, data=raw.encode("utf-8", "surrogatepass"), params=params, timeout=10,
                          headers={"Content-Type": "application/json"})
    else:
        r = requests.post(url, data=b"queries=" + raw.encode("latin-1", "replace"), params=params, timeout=10,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code in (200, 400, 413), (r.status_code, r.text[:300])
    assert "Traceback" not in r.text
    if r.status_code == 200 and r.headers["Content-Type"].startswith("application/json"):
        assert errors("reconciliation-result-batch.json", r.json()) == []


# --- a maintained Python reconciliation client, pointed at us ------------------------------------
def test_python_reconciliation_client(live_server: str) -> None:
    """``reconciler`` (PyPI, pandas) reconciles a DataFrame column against any endpoint: the names
    as our three sources write them, typed city, the country column as P17 (an alias of ours)."""
    import pandas as pd
    import reconciler

    df = pd.DataFrame({"city": ["Pucheon", "Pusan", "Musasino", "Odessa", "Niigata", "Portland", "Victoria"],
                       "country": ["Korean Republic", "South Korea", "Japan", "Ukraine", "Japan", "USA", "Canada"]})
    out = reconciler.reconcile(df["city"], type_id=CITY, top_res=1, property_mapping={"P17": df["country"]},
                               reconciliation_endpoint=live_server + "/reconcile")
    got = {row.input_value: (row.id.removeprefix(BASE), bool(row.match)) for row in out.itertuples()}
    assert got == {"Pucheon": ("id/city/bucheon", True), "Pusan": ("id/city/busan", True),
                   "Musasino": ("id/city/musashino", True), "Odessa": ("id/city/odesa", True),
                   "Niigata": ("id/city/niigata", True), "Portland": ("id/city/portland", True),
                   "Victoria": ("id/city/victoria", True)}
    assert set(out["type"]) == {"City"}
