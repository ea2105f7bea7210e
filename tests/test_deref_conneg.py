"""Thing IRIs answer 303 See Other to a document chosen by content negotiation.

Real HTTP against the session's gunicorn server (``live_server``), one table
of Accept headers for every kind of resource in the real data.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

BASE = "https://w3id.org/twinning/"
SH = "http://www.w3.org/ns/shacl#"

#: One IRI path of every kind of thing the data has.
KINDS = {
    "city": "/id/city/khabarovsk",
    "country": "/id/country/russia",
    "agreement": "/id/agreement/khabarovsk-niigata-1965",
    "twinning": "/id/twinning/khabarovsk-niigata",
    "person": "/id/person/alexander-sokolov",
    "visit": "/id/event/japanese-delegation-visit-khabarovsk",
    "organisation": "/id/org/khabarovsk-city-administration",
    "source": "/id/source/khabarovsk-sister-cities",
    "paragraph": "/id/source/khabarovsk-sister-cities/p1",
    "concept": "/id/concept/fields/tourism",
    "ontology": "/ontology",
    "ontology term": "/ontology/City",
    "ontology property": "/ontology/partner",
    "shapes": "/shapes",
    "graph": "/graph/khabarovsk-sister-cities",
}

CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

#: Accept header -> extension of the document the 303 points at.
ACCEPT_TABLE = [
    (None, "ttl"),  # no Accept: the data, as Turtle (documented default)
    ("*/*", "ttl"),  # curl
    (CHROME, "html"),
    (FIREFOX, "html"),
    ("text/html", "html"),
    ("text/turtle", "ttl"),
    ("application/x-turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/json", "jsonld"),
    ("application/rdf+xml", "rdf"),
    ("application/n-triples", "nt"),
    ("text/turtle;q=0.5, application/ld+json;q=0.9", "jsonld"),
    ("application/rdf+xml;q=0.9, text/turtle;q=0.2, */*;q=0.1", "rdf"),
    ("text/html;q=0.1, text/turtle", "ttl"),
    ("application/trig", "trig"),
    ("application/n-quads", "nq"),
]


def _shape_path(sparql) -> str | None:  # type: ignore[no-untyped-def]
    rows = sparql(f"SELECT ?s WHERE {{ GRAPH <{BASE}shapes> {{ ?s a <{SH}NodeShape> }} FILTER(isIRI(?s)) }} ORDER BY ?s LIMIT 1")
    return "/" + rows[0]["s"].value[len(BASE):] if rows else None


@pytest.fixture(scope="module")
def kinds(sparql) -> dict[str, str]:  # type: ignore[no-untyped-def]
    k = dict(KINDS)
    if not sparql(f"SELECT ?s WHERE {{ GRAPH <{BASE}shapes> {{ ?s ?p ?o }} }} LIMIT 1"):
        del k["shapes"]
    shape = _shape_path(sparql)
    if shape:
        k["shape"] = shape
    return k


def _get(url: str, accept: str | None, **kw) -> requests.Response:  # type: ignore[no-untyped-def]
    headers = {} if accept is None else {"Accept": accept}
    s = requests.Session()
    if accept is None:
        s.headers.pop("Accept", None)  # send no Accept header at all
    return s.get(url, headers=headers, allow_redirects=False, timeout=10, **kw)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize(("accept", "ext"), ACCEPT_TABLE)
def test_thing_303_table(live_server: str, kinds: dict[str, str], kind: str, accept: str | None, ext: str) -> None:
    if kind not in kinds:
        pytest.skip(f"the data has no {kind} yet")
    path = kinds[kind]
    r = _get(live_server + path, accept)
    assert r.status_code == 303, (path, accept, r.status_code, r.text)
    assert r.headers["Vary"] == "Accept"
    loc = r.headers["Location"]
    assert urlsplit(loc).path == "/doc" + path + "." + ext
    assert loc.startswith(live_server)
    assert "max-age=" in r.headers["Cache-Control"]
    assert 'rel="describedby"' in r.headers["Link"]
    doc = requests.get(loc, timeout=10)
    assert doc.status_code == 200
    expected = {"html": "text/html", "ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
                "nt": "application/n-triples", "trig": "application/trig", "nq": "application/n-quads"}[ext]
    assert doc.headers["Content-Type"].split(";")[0] == expected


def test_shape_dereferences(live_server: str, kinds: dict[str, str]) -> None:
    if "shape" not in kinds:
        pytest.skip("shapes/ has no named NodeShape yet")
    r = _get(live_server + kinds["shape"], "text/turtle")
    assert r.status_code == 303
    assert requests.get(r.headers["Location"], timeout=10).status_code == 200


@pytest.mark.parametrize("accept", ["image/png", "text/csv", "application/pdf, image/*", "text/turtle;q=0"])
def test_unsatisfiable_accept_is_406_with_the_list(live_server: str, accept: str) -> None:
    r = _get(live_server + "/id/city/khabarovsk", accept)
    assert r.status_code == 406
    for mime in ("text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples", "text/html"):
        assert mime in r.text
        assert f'type="{mime}"' in r.headers["Link"]


@pytest.mark.parametrize(("fmt", "ext"), [("ttl", "ttl"), ("turtle", "ttl"), ("jsonld", "jsonld"), ("json-ld", "jsonld"),
                                          ("rdf", "rdf"), ("nt", "nt"), ("html", "html"), ("text/turtle", "ttl")])
def test_format_parameter_on_thing(live_server: str, fmt: str, ext: str) -> None:
    r = _get(live_server + "/id/city/khabarovsk", "text/html", params={"format": fmt})
    assert r.status_code == 303
    assert urlsplit(r.headers["Location"]).path == "/doc/id/city/khabarovsk." + ext


def test_unknown_format_parameter_is_400(live_server: str) -> None:
    r = _get(live_server + "/id/city/khabarovsk", None, params={"format": "docx"})
    assert r.status_code == 400
    assert "ttl" in r.text


@pytest.mark.parametrize(("accept", "ext"), [("text/turtle", "ttl"), ("application/ld+json", "jsonld"), (FIREFOX, "html"),
                                             (None, "ttl")])
def test_doc_without_extension_negotiates_directly(live_server: str, accept: str | None, ext: str) -> None:
    r = _get(live_server + "/doc/id/city/khabarovsk", accept)
    assert r.status_code == 200
    assert r.headers["Content-Location"] == "/doc/id/city/khabarovsk." + ext
    assert "Accept" in r.headers["Vary"]


def test_doc_without_extension_format_parameter(live_server: str) -> None:
    r = _get(live_server + "/doc/id/city/khabarovsk", FIREFOX, params={"format": "nt"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/n-triples"


def test_unknown_thing_is_404_text_and_html(live_server: str) -> None:
    r = _get(live_server + "/id/city/atlantis", "text/turtle")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/plain")
    assert "atlantis" in r.text
    r = _get(live_server + "/id/city/atlantis", FIREFOX)
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/html")
    r = _get(live_server + "/doc/id/city/atlantis.ttl", "text/turtle")
    assert r.status_code == 404


def test_wikidata_lookup(live_server: str) -> None:
    r = _get(live_server + "/wikidata/Q4454", None)
    assert r.status_code == 303
    assert r.headers["Location"] == live_server + "/id/city/khabarovsk"
    r = requests.get(live_server + "/wikidata/Q4454", headers={"Accept": "text/turtle"}, timeout=10)
    assert r.status_code == 200  # followed both redirects to the Turtle document
    assert "Khabarovsk" in r.text


@pytest.mark.parametrize(("qid", "status"), [("Q4454x", 400), ("4454", 400), ("Q0", 400), ("q4454", 303),
                                             ("Q" + "9" * 30, 400), ("Q999999999", 404)])
def test_wikidata_bad_and_unknown(live_server: str, qid: str, status: int) -> None:
    r = _get(live_server + "/wikidata/" + qid, None)
    assert r.status_code == status
    assert "Traceback" not in r.text
