"""Issue 15: multi-word search, ranking by kind, paging and the type filter; the /id/<kind>/ lists;
visits of a city's people on its page; a country's cities.

In-process (the Flask client on the real build) for the tables of cases, a generated
project for paging past 100 and for an IRI that ends in "/", and a real gunicorn for a few.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
import requests

from html_helpers import elements, visible_text
from miniproject import BASE, ONTOLOGY, PREFIXES, make_project
from sistercities import create_app
from sistercities.browse import KINDS, BadBrowse, browse, classes_below
from sistercities.routes import BROWSE_KINDS
from sistercities.search import SEARCH_TYPES, LabelIndex
from sistercities.store import EmbeddedStore

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}
ENTITY_KINDS = {"city", "country", "twinning", "agreement", "person", "organisation", "event", "programme"}
LOW_KINDS = {"source", "paragraph", "evidence"}


def _rows(html: str) -> list[str]:
    """The text of each body row of the list's table, in order."""
    body = re.search(r'<table class="browse">.*?<tbody>(.*?)</tbody>', html, re.S)
    # the page's own words when there is no table (a full local run once showed none on Virtuoso)
    assert body, "no list table: " + " ".join(visible_text(html).split())[:600]
    return [visible_text(r) for r in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)]


def _search(client: Any, **params: str) -> Any:
    r = client.get("/search", query_string=params, headers=JSON)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r


# --- search ------------------------------------------------------------------------

@pytest.mark.parametrize(("q", "iri"), [
    ("Niigata Khabarovsk", "id/twinning/khabarovsk-niigata"),
    ("khabarovsk niigata", "id/twinning/khabarovsk-niigata"),
    ("Khabarovsk Portland", "id/twinning/khabarovsk-portland"),
    ("Odesa Yokohama", "id/twinning/odesa-yokohama"),
    ("Niigata Khabarovsk 1965", "id/agreement/khabarovsk-niigata-1965"),
])
def test_multi_word_finds_the_record(client: Any, q: str, iri: str) -> None:
    hits = _search(client, q=q, type="twinning" if "twinning" in iri else "agreement").get_json()
    assert BASE + iri in [h["iri"] for h in hits], [h["iri"] for h in hits]
    # and among all results it comes within the first three
    assert BASE + iri in [h["iri"] for h in _search(client, q=q).get_json()[:3]]


def test_every_word_must_match(client: Any) -> None:
    hits = _search(client, q="Niigata Khabarovsk").get_json()
    assert hits
    # a thing named only "Niigata" or only "Khabarovsk" is not a result
    assert BASE + "id/city/niigata" not in [h["iri"] for h in hits]
    assert BASE + "id/city/khabarovsk" not in [h["iri"] for h in hits]
    assert _search(client, q="Niigata Zzyzx").get_json() == []


RECORDS = """
@prefix tw: <https://w3id.org/twinning/ontology/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<id/city/alpha> a tw:City ; rdfs:label "Alphaville"@en .
<id/city/beta> a tw:City ; rdfs:label "Betaburg"@en ; skos:altLabel "Betton"@en .
<id/city/gamma> a tw:City ; rdfs:label "Gamma Alphaville Betaburg"@en .
<id/twinning/ab> a tw:Twinning ; rdfs:label "Record 1"@en ; tw:partner <id/city/alpha> , <id/city/beta> .
<id/agreement/ab> a tw:Agreement ; rdfs:label "Charter of friendship"@en ; tw:party <id/city/alpha> , <id/city/beta> .
<id/source/s> a tw:SourceDocument ; rdfs:label "Alphaville Betaburg"@en .
tw:Twinning rdfs:subClassOf tw:CityRelationship .
"""


def _index(turtle: str) -> LabelIndex:
    s = ox.Store()
    s.load(turtle.encode(), format=ox.RdfFormat.TURTLE, base_iri=BASE, to_graph=ox.NamedNode(BASE + "graph/t"))
    return LabelIndex(EmbeddedStore(store=s), BASE)


def test_partner_names_count_for_records() -> None:
    idx = _index(RECORDS)
    hits = {h.iri.removeprefix(BASE): h for h in idx.search("alphaville betton")}
    # neither record's own label has either word: both are found through their partners' names
    assert set(hits) == {"id/twinning/ab", "id/agreement/ab"}
    assert hits["id/twinning/ab"].kind == "twinning" and hits["id/twinning/ab"].via == ["Alphaville", "Betaburg"]
    assert idx.search("charter betaburg")[0].iri == BASE + "id/agreement/ab"  # own label + a party's
    assert idx.search("alphaville zeta") == []


def test_phrase_and_kind_rank() -> None:
    idx = _index(RECORDS)
    order = [h.iri.removeprefix(BASE) for h in idx.search("alphaville betaburg")]
    # entities first (the city whose name holds the phrase, then the records), the source last
    assert order[0] == "id/city/gamma" and order[-1] == "id/source/s"
    assert set(order[1:3]) == {"id/twinning/ab", "id/agreement/ab"}
    r = idx.query("alphaville betaburg", type="source")
    assert r.total == 1 and r.counts == {"city": 1, "twinning": 1, "agreement": 1, "source": 1}


def test_pucheon_khabarovsk_finds_the_twinning_by_a_partners_other_name(client: Any) -> None:
    hits = _search(client, q="Pucheon Khabarovsk", type="twinning").get_json()
    assert [h["iri"] for h in hits] == [BASE + "id/twinning/bucheon-khabarovsk"]


def test_entities_rank_above_sources_paragraphs_evidence(client: Any) -> None:
    kinds = [h["kind"] for page in ("1", "2") for h in _search(client, q="khabarovsk", page=page).get_json()]
    assert kinds[0] == "city"
    first_low = min(i for i, k in enumerate(kinds) if k in LOW_KINDS)
    assert all(k not in ENTITY_KINDS for k in kinds[first_low:]), kinds


def test_paging_and_total(client: Any) -> None:
    first = _search(client, q="khabarovsk")
    total = int(first.headers["X-Total-Count"])
    assert total > 50 and len(first.get_json()) == 50
    second = _search(client, q="khabarovsk", page="2")
    assert len(second.get_json()) == total - 50
    assert not {h["iri"] for h in first.get_json()} & {h["iri"] for h in second.get_json()}
    nxt = re.search(r"<([^>]+)>; rel=\"next\"", first.headers["Link"])
    assert nxt and parse_qs(urlsplit(nxt.group(1)).query)["page"] == ["2"]
    assert 'rel="prev"' in second.headers["Link"]
    html = client.get("/search?q=khabarovsk", headers=HTML).get_data(as_text=True)
    assert f"{total} results" in visible_text(html)
    assert elements(html, "a", rel="next", href="/search?q=khabarovsk&page=2")
    html2 = client.get("/search?q=khabarovsk&page=2", headers=HTML).get_data(as_text=True)
    assert elements(html2, "a", rel="prev", href="/search?q=khabarovsk")
    assert not elements(html2, "a", rel="next")


def test_type_filter_and_counts(client: Any) -> None:
    html = client.get("/search?q=khabarovsk", headers=HTML).get_data(as_text=True)
    links = {a["href"]: a for a in elements(html, "a") if (a.get("href") or "").startswith("/search?q=khabarovsk&type=")}
    counts: dict[str, int] = {}
    for href in links:
        kind = parse_qs(urlsplit(href).query)["type"][0]
        m = re.search(re.escape(href.replace("&", "&amp;")) + r'">[^<(]*\((\d+)\)', html)
        assert m, href
        counts[kind] = int(m.group(1))
    assert counts["city"] == 1 and counts["paragraph"] >= 1
    total = int(_search(client, q="khabarovsk").headers["X-Total-Count"])
    assert sum(counts.values()) == total
    for kind, n in counts.items():  # each filter gives exactly its count, all of that kind
        r = _search(client, q="khabarovsk", type=kind)
        assert int(r.headers["X-Total-Count"]) == n
        assert {h["kind"] for h in r.get_json()} == {kind}


def test_id_lookup_still_first(client: Any) -> None:
    for q in ("Q4454", "wd:Q4454", "2022890"):
        hits = _search(client, q=q).get_json()
        assert hits[0]["iri"] == BASE + "id/city/khabarovsk", q


@pytest.mark.parametrize(("params", "needle"), [
    ({"q": "khabarovsk", "page": "0"}, "page"),
    ({"q": "khabarovsk", "page": "-1"}, "page"),
    ({"q": "khabarovsk", "page": "two"}, "page"),
    ({"q": "khabarovsk", "page": "\u00b2"}, "page"),  # "²".isdigit() is true
    ({"q": "khabarovsk", "page": "99"}, "last page"),
    ({"q": "khabarovsk", "type": "cities"}, "Unknown type"),
    ({"q": "khabarovsk", "type": ""}, "Unknown type"),
    ({"q": "khabarovsk", "type": "city", "page": "2"}, "last page"),
])
@pytest.mark.parametrize("accept", [HTML, JSON])
def test_bad_search_parameters_are_400(client: Any, params: dict[str, str], needle: str,
                                       accept: dict[str, str]) -> None:
    r = client.get("/search", query_string=params, headers=accept)
    assert r.status_code == 400, (params, r.status_code)
    assert needle in r.get_data(as_text=True)


# --- browse: the pure module -----------------------------------------------------------

def test_route_kinds_are_the_module_kinds() -> None:
    assert BROWSE_KINDS.split(",") == list(KINDS)


def test_pages_partition_the_list(store: Any) -> None:
    everything = browse(store, BASE, "event", sort="date", page_size=1000)
    pages = []
    for n in range(1, everything.total // 7 + 2):
        lst = browse(store, BASE, "event", sort="date", page=str(n), page_size=7)
        assert lst.last == -(-everything.total // 7)
        pages += [i.iri for i in lst.items]
    assert pages == [i.iri for i in everything.items]
    with pytest.raises(BadBrowse):
        browse(store, BASE, "event", page=str(everything.total // 7 + 2), page_size=7)


def test_sorts(store: Any) -> None:
    by_name = [i.label for i in browse(store, BASE, "city").items]
    assert by_name == sorted(by_name, key=str.lower)
    assert [i.label for i in browse(store, BASE, "city", sort="-name").items] == by_name[::-1]
    most = browse(store, BASE, "city", sort="partners").items
    assert most[0].label == "Khabarovsk" and most[0].n_partners == 5
    assert [i.n_partners for i in most] == sorted((i.n_partners for i in most), reverse=True)
    dated = [i.date for i in browse(store, BASE, "twinning", sort="date").items]
    present = [d for d in dated if d]
    assert present == sorted(present) and dated[:len(present)] == present  # undated last
    newest = [i.date for i in browse(store, BASE, "twinning", sort="-date").items if i.date]
    assert newest == sorted(newest, reverse=True)


def test_classes_below_walks_every_level_and_stops_at_a_cycle() -> None:
    ox_store = ox.Store()
    ox_store.load(PREFIXES + """
tw:Agreement a owl:Class . tw:Memorandum rdfs:subClassOf tw:Agreement .
tw:Protocol rdfs:subClassOf tw:Memorandum . tw:Agreement rdfs:subClassOf tw:Protocol .  # a cycle
tw:Other rdfs:subClassOf tw:Thing . _:b rdfs:subClassOf tw:Agreement .""", format=ox.RdfFormat.TURTLE,
                  base_iri=BASE)
    got = classes_below(EmbeddedStore(store=ox_store), [BASE + "ontology/Agreement"])
    assert got == [BASE + f"ontology/{c}" for c in ("Agreement", "Memorandum", "Protocol")]  # no blank node


class _Recording:
    """The real store, with the text of every SELECT it is sent kept."""

    def __init__(self, store: Any) -> None:
        self.store, self.sent = store, []  # type: list[str]

    def select(self, q: str) -> Any:
        self.sent.append(q)
        return self.store.select(q)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_list_query_names_its_classes_and_sends_no_property_path(store: Any, kind: str) -> None:
    """Virtuoso gave some long test runs no rows (or one), with no error, for ``VALUES ?root
    { <C> } ?t rdfs:subClassOf* ?root . ?s a ?t``, only for the kinds with one root class; the
    list query now names the classes below the roots, read from the subclass edges."""
    rec = _Recording(store)
    lst = browse(rec, BASE, kind, page_size=1000)  # type: ignore[arg-type]
    assert lst.total > 0 and not any("subClassOf>*" in q or "subClassOf>+" in q for q in rec.sent), rec.sent
    same = browse(store, BASE, kind, page_size=1000)
    assert [i.iri for i in lst.items] == [i.iri for i in same.items]


def test_the_agreement_list_has_its_subclasses(store: Any) -> None:
    classes = classes_below(store, [BASE + "ontology/Agreement"])
    assert len(classes) > 1 and BASE + "ontology/Agreement" in classes
    types = {r["t"].value for r in store.select(
        f"SELECT DISTINCT ?t WHERE {{ ?s a ?t . ?t <http://www.w3.org/2000/01/rdf-schema#subClassOf> "
        f"<{BASE}ontology/Agreement> }}")}
    assert types and types <= set(classes)  # instances typed only with a subclass are listed too


# --- browse: HTTP ----------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "row"), [
    ("city", "Khabarovsk 5 Russia"),
    ("country", "Japan 6 JP"),
    ("twinning", "Twinning of Khabarovsk and Niigata 1965-04-23 Khabarovsk, Niigata active"),
    ("agreement", "Odesa–Yokohama Memorandum"),
    ("event", "Visit of Odesa Mayor Gennadiy Trukhanov to Yokohama, March 2023 2023-03-16"),
    ("person", "Gennadiy Trukhanov Odesa"),
    ("org", "City of Yokohama"),
    ("programme", "Khabarovsk–Portland programme on the city's ecological problems 1999 Khabarovsk, Portland"),
    ("source", "Khabarovsk sister cities"),
])
def test_each_list(client: Any, kind: str, row: str) -> None:
    r = client.get(f"/id/{kind}/", headers=HTML)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    rows = _rows(r.get_data(as_text=True))
    assert any(" ".join(x.split()).startswith(row) for x in rows), (row, rows[:5])
    assert "<script" not in r.get_data(as_text=True).replace('<script type="application/ld+json">', "")


def test_list_links_resolve_and_sort_links(client: Any) -> None:
    html = client.get("/id/twinning/", headers=HTML).get_data(as_text=True)
    names = [a["href"] for a in elements(html, "a") if (a.get("href") or "").startswith("/id/twinning/")]
    assert "/id/twinning/khabarovsk-niigata" in names
    assert client.get("/id/twinning/khabarovsk-niigata").status_code == 303
    assert elements(html, "a", href="/id/twinning/?sort=-date")
    assert elements(html, "a", href="/id/twinning/?sort=partners")
    newest = _rows(client.get("/id/twinning/?sort=-date", headers=HTML).get_data(as_text=True))
    assert "1993-06-15" in newest[0]


@pytest.mark.parametrize(("query", "needle"), [
    ("sort=bogus", "Unknown sort"),
    ("sort=date", "Unknown sort"),  # people have no date to sort by
    ("sort=", "Unknown sort"),
    ("sort=--name", "Unknown sort"),
    ("page=0", "page"),
    ("page=-3", "page"),
    ("page=1.5", "page"),
    ("page=%C2%B2", "page"),
    ("page=2", "last page"),
    ("page=99999999999999", "page"),
])
def test_bad_list_parameters_are_400(client: Any, query: str, needle: str) -> None:
    for accept in (HTML, {"Accept": "text/plain"}):
        r = client.get(f"/id/person/?{query}", headers=accept)
        assert r.status_code == 400, query
        assert needle in r.get_data(as_text=True)


def test_list_does_not_change_iris(client: Any) -> None:
    assert client.get("/id/city/odesa").status_code == 303
    r = client.get("/id/city")  # no slash: an IRI, unknown, as before (not redirected to the list)
    assert r.status_code == 404
    assert client.get("/id/unknown-kind/").status_code == 404


def test_home_counts_link_to_lists(client: Any) -> None:
    html = client.get("/", headers=HTML).get_data(as_text=True)
    counts = re.search(r'<ul class="counts">(.*?)</ul>', html, re.S)
    assert counts
    items = re.findall(r"<li>(.*?)</li>", counts.group(1), re.S)
    class_counts = [i for i in items if "things in all" not in i and "statements" not in i and "quads" not in i]
    assert len(class_counts) >= 6
    for item in class_counts:
        m = re.search(r'href="([^"]+)"', item)
        assert m, item
        assert client.get(m.group(1), headers=HTML).status_code == 200, m.group(1)
    browse_line = re.search(r'<p class="browse">(.*?)</p>', html, re.S)
    assert browse_line
    hrefs = re.findall(r'href="([^"]+)"', browse_line.group(1))
    assert hrefs == [f"/id/{k}/" for k in KINDS]


# --- a generated project: more than one page, and an IRI ending in "/" ------------------

@pytest.fixture(scope="module")
def gen_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from sistercities.build import build

    cities = "".join(f'<id/city/c{n:03d}> a tw:City ; rdfs:label "City {n:03d}"@en ; tw:country <id/country/x> .\n'
                     for n in range(250))
    data = PREFIXES + cities + '<id/country/x> a tw:Country ; rdfs:label "X"@en .\n' \
        '<id/source/> rdfs:label "All sources (a resource of its own)"@en .\n'
    root = tmp_path_factory.mktemp("browse-project")
    project = make_project(root / "p", {"g.ttl": data}, ontology=ONTOLOGY + PREFIXES
                           + "tw:SourceDocument a owl:Class ; rdfs:label \"source document\"@en .\n")
    build(project, root / "build", BASE)
    app = create_app({"BUILD_DIR": str(root / "build")})
    return app.test_client()


def test_pages_with_next_and_previous(gen_client: Any) -> None:
    seen: list[str] = []
    href: str | None = "/id/city/"
    while href:
        html = gen_client.get(href, headers=HTML).get_data(as_text=True)
        seen += [r.split()[1] for r in _rows(html)]
        nxt = elements(html, "a", rel="next")
        href = nxt[0]["href"] if nxt else None
        if href:
            assert elements(gen_client.get(href, headers=HTML).get_data(as_text=True), "a", rel="prev")
    assert seen == [f"{n:03d}" for n in range(250)]
    assert "page 3 of 3" in visible_text(gen_client.get("/id/city/?page=3", headers=HTML).get_data(as_text=True))
    assert gen_client.get("/id/city/?page=4", headers=HTML).status_code == 400
    html = gen_client.get("/doc/id/country/x.html", headers=HTML).get_data(as_text=True)
    assert "Cities (250)" in visible_text(html)


def test_a_known_iri_is_not_shadowed(gen_client: Any) -> None:
    r = gen_client.get("/id/source/", headers={"Accept": "text/turtle"})
    assert r.status_code == 303, r.status_code  # dereferenced: the IRI <id/source/> is known
    assert gen_client.get("/id/city/", headers=HTML).status_code == 200


# --- city and country pages ------------------------------------------------------------------

def _out_section(html: str) -> str:
    m = re.search(r'<section aria-labelledby="out-h">(.*?)</section>', html, re.S)
    return visible_text(m.group(1)) if m else ""


def test_odesa_lists_its_mayors_visit(client: Any) -> None:
    html = client.get("/doc/id/city/odesa.html", headers=HTML).get_data(as_text=True)
    out = _out_section(html)
    assert "Visit of Odesa Mayor Gennadiy Trukhanov to Yokohama, March 2023" in out
    assert elements(html, "a", href="/id/event/trukhanov-visit-yokohama-2023")
    # the visit is Odesa's, not Yokohama's (Yokohama is where it went)
    assert "Trukhanov" not in _out_section(client.get("/doc/id/city/yokohama.html", headers=HTML).get_data(as_text=True))


def test_delegations_still_listed(client: Any) -> None:
    out = _out_section(client.get("/doc/id/city/khabarovsk.html", headers=HTML).get_data(as_text=True))
    assert "Visit of a Khabarovsk youth delegation to Busan, 2005" in out


def test_country_page_lists_cities_and_twins(client: Any) -> None:
    html = client.get("/doc/id/country/japan.html", headers=HTML).get_data(as_text=True)
    m = re.search(r'<section aria-labelledby="cities-h">(.*?)</section>', html, re.S)
    assert m
    text = " ".join(visible_text(m.group(1)).split())
    assert "Cities (6)" in text
    assert "Niigata Khabarovsk" in text and "Yokohama Odesa" in text
    assert elements(m.group(1), "a", href="/id/city/khabarovsk")


# --- a real server ------------------------------------------------------------------------

def test_live_browse_search_and_visit(live_server: str) -> None:
    r = requests.get(live_server + "/id/city/", params={"sort": "partners"}, headers=HTML, timeout=30)
    assert r.status_code == 200 and "Khabarovsk" in _rows(r.text)[0]
    assert "Content-Security-Policy" in r.headers
    r = requests.get(live_server + "/id/city/", params={"sort": "nope"}, headers=HTML, timeout=30)
    assert r.status_code == 400 and "Unknown sort" in r.text
    r = requests.get(live_server + "/search", params={"q": "Niigata Khabarovsk", "type": "twinning"},
                     headers=JSON, timeout=30)
    assert r.status_code == 200 and r.json()[0]["iri"] == BASE + "id/twinning/khabarovsk-niigata"
    r = requests.get(live_server + "/id/city/odesa", headers=HTML, timeout=30)  # follows the 303
    assert r.status_code == 200 and "Trukhanov to Yokohama" in _out_section(r.text)


def test_search_types_cover_the_kinds() -> None:
    assert {"city", "twinning", "agreement", "person", "organisation", "event", "source"} <= set(SEARCH_TYPES)
