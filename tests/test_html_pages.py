"""The HTML pages rendered from the real build, read back with real parsers (html.parser, json, XML)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from html_helpers import SVG_NS, elements, jsonld_blocks, parse, svg, visible_text
from sistercities import settings as settings_mod
from sistercities.html import ontology_page_url, render_home, render_resource, render_search
from sistercities.release import Release
from sistercities.search import Hit
from sistercities.store import EmbeddedStore
from sistercities.uris import URLs

U = URLs()
CFG = settings_mod.load({})


def page(store: EmbeddedStore, built: Release, path: str, langs: tuple[str, ...] = ()) -> str:
    html = render_resource(store, U.iri(path), urls=U, langs=list(langs), release=built, settings=CFG)
    assert html is not None, path
    return html


# --- the city page ------------------------------------------------------------------
def test_khabarovsk_lists_its_sister_cities_with_dates_at_their_precision(store, built) -> None:
    html = page(store, built, "id/city/khabarovsk")
    text = visible_text(html)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", html.split('class="sisters"')[1].split("</table>")[0], re.S)
    cities = [visible_text(r).split(" (record)")[0].split(" ")[0] for r in rows]
    assert cities == ["Niigata", "Portland", "Victoria", "Harbin", "Bucheon"]  # in order of their start
    # the source says "23 rd of April 1965": a day, so a day is printed, not a month or a year
    assert "since 23 April 1965" in text
    assert "since 15 June 1993" in text
    # Bucheon's twinning has no date in the source: none is invented
    bucheon_row = next(r for r in rows if "Bucheon" in r)
    assert "date not stated" in visible_text(bucheon_row)
    # each twinning cites its source paragraph, linked to the paragraph on the source page
    assert 'href="/id/source/khabarovsk-sister-cities#p1"' in rows[0]
    # Musashino is a relationship, not a twinning
    assert "Other relationships" in text and "Musashino" in text.split("Other relationships")[1][:200]


def test_city_page_sections(store, built) -> None:
    text = visible_text(page(store, built, "id/city/khabarovsk"))
    for heading in ("Names", "Sister cities (5)", "Map", "Timeline of twinnings", "Agreements",
                    "Visits and events in Khabarovsk", "Visits by people and delegations from Khabarovsk", "Organisations", "People"):
        assert heading in text, heading
    assert "Wikidata Q4454" in text and "GeoNames 2022890" in text
    assert "48.4620, 135.0971" in text
    assert "Visit of a Khabarovsk youth delegation to Busan, 2005" in text.split("Visits by people and delegations from")[1]
    assert "Russia" in text


def test_twin_map_has_one_line_per_twin_at_its_coordinates(store, built, sparql) -> None:
    html = page(store, built, "id/city/khabarovsk")
    root = svg(html, "twin-map")
    # a labelled group, not role=img: its city links must stay reachable (axe nested-interactive)
    assert root.get("role") == "group" and root.find(SVG_NS + "title") is not None
    assert root.get("aria-labelledby") == "map-title"
    assert root.find(SVG_NS + "desc") is not None
    lines = root.findall(f".//{SVG_NS}line[@class='twin-link']")
    tw = U.base + "ontology/"
    wgs = "http://www.w3.org/2003/01/geo/wgs84_pos#"
    rows = sparql(f"SELECT DISTINCT ?t ?lat ?long WHERE {{ <{U.iri('id/city/khabarovsk')}> <{tw}twinnedWith> ?t . "
                  f"?t <{wgs}lat> ?lat ; <{wgs}long> ?long }}")
    assert len(lines) == len(rows) == 5
    drawn = sorted((round(float(ln.get("data-lat")), 3), round(float(ln.get("data-long")), 3)) for ln in lines)
    expected = sorted((round(float(r["lat"].value), 3), round(float(r["long"].value), 3)) for r in rows)
    assert drawn == expected
    # every line starts at Khabarovsk and ends inside the picture
    width, height = float(root.get("width")), float(root.get("height"))
    starts = {(ln.get("x1"), ln.get("y1")) for ln in lines}
    assert len(starts) == 1
    for ln in lines:
        assert 0 <= float(ln.get("x2")) <= width and 0 <= float(ln.get("y2")) <= height
    # Portland is east of Khabarovsk across the Pacific, not 250 degrees west of it
    portland = next(ln for ln in lines if float(ln.get("data-long")) < -100)
    assert float(portland.get("x2")) > float(portland.get("x1"))
    labels = {t.text for t in root.iter(SVG_NS + "text")}
    assert {"Khabarovsk", "Niigata", "Portland", "Victoria", "Harbin", "Bucheon"} <= labels


def test_accept_language_picks_the_russian_label(store, built) -> None:
    html = page(store, built, "id/city/khabarovsk", ("ru", "en;q=0.5"))
    h1 = re.search(r"<h1 id=\"title\">(.*?)</h1>", html, re.S).group(1)
    assert '<span lang="ru">Хабаровск</span>' in h1
    assert "<title>Хабаровск — Sister Cities</title>" in html
    en = page(store, built, "id/city/khabarovsk", ())
    assert "<title>Khabarovsk — Sister Cities</title>" in en
    # a language the data lacks falls back to English
    assert "<title>Khabarovsk — Sister Cities</title>" in page(store, built, "id/city/khabarovsk", ("fr",))
    # every name is shown with its language marked up
    assert elements(html, "span", lang="ru") and '<span lang="en">Khabarovsk</span>' in html


def test_city_jsonld_is_schema_city(store, built) -> None:
    html = page(store, built, "id/city/khabarovsk")
    blocks = jsonld_blocks(html)
    assert len(blocks) == 1
    d = blocks[0]
    assert d["@type"] == "City" and d["@context"] == "https://schema.org"
    assert d["@id"] == U.iri("id/city/khabarovsk")
    assert abs(d["geo"]["latitude"] - 48.462) < 0.01 and abs(d["geo"]["longitude"] - 135.097) < 0.01
    assert "http://www.wikidata.org/entity/Q4454" in d["sameAs"]
    assert "Хабаровск" in d["alternateName"]
    assert d["containedInPlace"]["name"] == "Russia"


def test_alternate_links_to_every_data_format(store, built) -> None:
    html = page(store, built, "id/city/khabarovsk")
    alts = {a["type"]: a["href"] for a in elements(html, "link", rel="alternate")}
    assert alts == {
        "text/turtle": "/doc/id/city/khabarovsk.ttl",
        "application/ld+json": "/doc/id/city/khabarovsk.jsonld",
        "application/rdf+xml": "/doc/id/city/khabarovsk.rdf",
        "application/n-triples": "/doc/id/city/khabarovsk.nt",
    }


# --- other kinds ---------------------------------------------------------------------
def test_agreement_page(store, built) -> None:
    html = page(store, built, "id/agreement/khabarovsk-niigata-1965")
    text = visible_text(html)
    assert "Niigata" in text and "Khabarovsk" in text
    assert re.search(r"signing date\s*1965", text)  # a year in the data, a year on the page
    assert "Curator's note:" in text
    assert "Source: Khabarovsk sister cities, paragraph 3" in text
    assert "Twinning of Khabarovsk and Niigata" in text
    assert jsonld_blocks(html)[0]["@type"] == "CreativeWork"


def test_twinning_record_page(store, built) -> None:
    text = visible_text(page(store, built, "id/twinning/khabarovsk-niigata"))
    assert "since 23 April 1965" in text
    assert "active" in text and "partner" in text


def test_planned_visit_is_marked_planned(store, built) -> None:
    html = page(store, built, "id/event/japanese-delegation-visit-vladivostok")
    text = visible_text(html)
    assert "Planned: announced by its source; not recorded as having taken place." in text
    assert "purpose" in text and "To get to know the cities" in text
    d = jsonld_blocks(html)[0]
    assert d["@type"] == "Event" and d["eventStatus"] == "https://schema.org/EventScheduled"


def test_person_page_lists_roles(store, built) -> None:
    html = page(store, built, "id/person/alexander-sokolov")
    text = visible_text(html)
    assert "mayor of" in text and "Khabarovsk" in text
    assert "Roles and events" in text and "chair" in text
    assert jsonld_blocks(html)[0]["@type"] == "Person"


def test_organisation_page_lists_members(store, built) -> None:
    text = visible_text(page(store, built, "id/org/association-mayors-western-coast-japan"))
    for city in ("Niigata", "Akita", "Joetsu", "Maizuru"):
        assert city in text


def test_source_page_groups_facts_by_paragraph(store, built, sparql) -> None:
    html = page(store, built, "id/source/khabarovsk-sister-cities")
    p = parse(html)
    anchors = [a["id"] for t, a in p.elements if t == "section" and (a.get("id") or "").startswith("p")]
    numbers = [int(a[1:]) for a in anchors]
    assert numbers == sorted(numbers) and 1 in numbers
    n = sparql(f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?p <http://purl.org/dc/terms/isPartOf> "
               f"<{U.iri('id/source/khabarovsk-sister-cities')}> . ?r <http://www.w3.org/ns/prov#wasDerivedFrom> ?p }}")
    count = int(n[0]["n"].value)
    assert f"Facts derived from this document ({count})" in visible_text(html)
    p1 = html.split('id="p1"')[1].split("</section>")[0]
    assert "Twinning of Khabarovsk and Niigata" in visible_text(p1)
    assert "https://int.khabarovskadm.ru/en/about_city/friend_cities/index.php?ELEMENT_ID=3230" in visible_text(html)


def test_concept_page_lists_what_has_that_subject(store, built) -> None:
    text = visible_text(page(store, built, "id/concept/fields/tourism"))
    assert "What has this subject" in text
    assert "Visit of representatives of four Japanese cities to Khabarovsk" in text


def test_every_resource_renders(store, built, sparql) -> None:
    """Every IRI of the build gets a page (no template error on any kind), each within a few queries."""
    rows = sparql(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), '{U.base}')) }}")
    assert len(rows) > 100
    for r in rows:
        html = render_resource(store, r["s"].value, urls=U, langs=["ja"], release=built, settings=CFG)
        assert html and "Data CC BY 4.0" in html, r["s"].value
        assert len(jsonld_blocks(html)) == 1


class CountingStore(EmbeddedStore):
    def __init__(self, inner: EmbeddedStore) -> None:
        super().__init__(store=inner.ox)
        self.count = 0

    def query(self, sparql: str, **kw: Any):  # type: ignore[no-untyped-def]
        self.count += 1
        return super().query(sparql, **kw)


@pytest.mark.parametrize(("path", "most"), [
    ("id/city/khabarovsk", 7), ("id/agreement/khabarovsk-niigata-1965", 5), ("id/person/alexander-sokolov", 5),
    ("id/source/khabarovsk-sister-cities", 7), ("id/concept/fields/tourism", 5),
])
def test_pages_take_a_few_queries(store, built, path: str, most: int) -> None:
    counting = CountingStore(store)
    render_resource(counting, U.iri(path), urls=U, release=built, settings=CFG)  # warm the class hierarchy
    counting.count = 0
    assert render_resource(counting, U.iri(path), urls=U, release=built, settings=CFG)
    assert counting.count <= most


@pytest.mark.parametrize("iri", [
    "https://w3id.org/twinning/id/city/atlantis",       # unknown
    "https://w3id.org/twinning/id/city/a>b",            # would break out of a SPARQL IRI
    "https://w3id.org/twinning/id/city/x y",
    "https://w3id.org/twinning/id/city/x}\"{",
    "",
])
def test_unknown_or_malformed_iri_gives_none(store, built, iri: str) -> None:
    assert render_resource(store, iri, urls=U, release=built, settings=CFG) is None


# --- ontology and shapes ---------------------------------------------------------------
def test_ontology_page_documents_every_term(store, built, sparql) -> None:
    html = page(store, built, "ontology")
    tw = U.base + "ontology/"
    terms = sparql(f"SELECT DISTINCT ?t WHERE {{ GRAPH <{U.ontology_iri()}> {{ ?t a ?k }} "
                   f"VALUES ?k {{ <http://www.w3.org/2002/07/owl#Class> <http://www.w3.org/2002/07/owl#ObjectProperty> "
                   f"<http://www.w3.org/2002/07/owl#DatatypeProperty> }} FILTER(STRSTARTS(STR(?t), '{tw}')) }}")
    ids = {a.get("id") for a in elements(html, "section")}
    for t in terms:
        name = t["t"].value[len(tw):]
        assert name in ids, name
    city = html.split('id="City"')[1].split("</section>")[0]
    assert "https://www.wikidata.org/wiki/Q515" in city  # the closeMatch alignment, linked
    assert "schema:City" in city and "Sub-class of" in city
    assert "0.1.0" in visible_text(html)
    assert ontology_page_url(tw + "City", U) == "/ontology#City"
    country = html.split('id="country"')[1].split("</section>")[0]
    assert "functional" in country and 'href="#City"' in country  # domain links to the class's anchor


def test_ontology_term_page_links_to_the_docs(store, built) -> None:
    html = page(store, built, "ontology/City")
    assert 'href="/ontology#City"' in html
    assert "A city or town" in visible_text(html)


def test_shapes_page(store, built) -> None:
    html = page(store, built, "shapes")
    text = visible_text(html)
    assert "Property constraints" in text
    assert len([a for a in elements(html, "section") if (a.get("class") or "") == "shape"]) >= 5


# --- search and home --------------------------------------------------------------------
def test_search_page_explains_alternative_names() -> None:
    hits = [Hit(iri=U.iri("id/city/bucheon"), label="Bucheon", alt_labels=["Pucheon", "부천시"],
                types=[U.base + "ontology/City"], score=1.0)]
    html = render_search("Pucheon", hits, urls=U, langs=[])
    text = visible_text(html)
    assert "1 result for “Pucheon”" in text
    assert "Matched “Pucheon”, another name of Bucheon." in text
    assert elements(html, "a", href="/id/city/bucheon")
    assert "city" in text
    assert elements(html, "input", name="q", value="Pucheon")
    empty = visible_text(render_search("zzz", [], urls=U))
    assert "0 results for “zzz”" in empty and "Nothing matched" in empty


def test_home_page_counts_and_ways_in(store, built) -> None:
    html = render_home(store, urls=U, langs=[], release=built, settings=CFG)
    text = visible_text(html)
    stats = built.manifest["stats"]
    cities = next(p["entities"] for p in stats["class_partitions"] if p["class"] == U.base + "ontology/City")
    assert f"{cities} cities" in text
    assert f"{stats['triples']:,} distinct statements (triples)" in text
    assert f"{built.manifest['triples']:,} quads" in text
    assert "Khabarovsk — 5 sister cities" in text
    forms = elements(html, "form", action="/search", method="get")
    assert forms and elements(html, "input", name="q")
    for href in ("/sparql", "/catalog", "/dataset"):
        assert elements(html, "a", href=href), href
    assert elements(html, "link", rel="alternate", type="text/turtle", href="/catalog", title="DCAT-AP catalogue")
    assert jsonld_blocks(html)[0]["@type"] == "DataCatalog"
    for d in built.manifest["dumps"]:
        assert elements(html, "a", href="/dumps/" + d["file"])


def test_home_page_without_a_build() -> None:
    html = render_home(None, urls=U, langs=[], release=None, settings=CFG)
    assert "No data is loaded yet." in visible_text(html) and "Data CC BY 4.0" in html
