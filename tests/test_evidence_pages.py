"""Evidence where users meet it (issue 14): the words of the source next to each fact on
the pages, the quotations of each paragraph, quotations in every RDF format, and the
renamed Musashino relationship — over real HTTP against gunicorn, parsed with real parsers."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
import rdflib
import requests

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

TW = "https://w3id.org/twinning/ontology/"
NIIGATA = "https://w3id.org/twinning/id/twinning/khabarovsk-niigata"


class Evidence(HTMLParser):
    """Collect each <details class="evidence">: its blockquote texts and citation links."""

    def __init__(self) -> None:
        super().__init__()
        self.boxes: list[dict[str, list[str]]] = []
        self._in: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "details" and "evidence" in (a.get("class") or ""):
            self.boxes.append({"quotes": [], "links": []})
            self._depth = 1
        elif self._depth:
            if tag == "details":
                self._depth += 1
            if tag == "blockquote":
                self._in = "quote"
                self.boxes[-1]["quotes"].append("")
            if tag == "a" and a.get("href"):
                self.boxes[-1]["links"].append(a["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self._in = None
        if tag == "details" and self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in == "quote":
            self.boxes[-1]["quotes"][-1] += data


def evidence_boxes(html: str) -> list[dict[str, list[str]]]:
    p = Evidence()
    p.feed(html)
    return p.boxes


def test_twinning_page_quotes_the_source_next_to_its_start_date(live_server: str) -> None:
    r = requests.get(live_server + "/id/twinning/khabarovsk-niigata", headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200
    boxes = evidence_boxes(r.text)
    assert len(boxes) >= 5  # partner, start date, status, based on, fields
    dated = [b for b in boxes if any("23 rd of April 1965" in q for q in b["quotes"])]
    assert dated, boxes
    assert any(link.endswith("/id/source/khabarovsk-sister-cities#p1") for link in dated[0]["links"])
    # readable without JavaScript: a <details> element, no script needed
    assert "<details class=\"evidence\">" in r.text and "<summary" in r.text


def test_city_page_quotes_each_twinning(live_server: str) -> None:
    r = requests.get(live_server + "/id/city/khabarovsk", headers={"Accept": "text/html"}, timeout=30)
    boxes = evidence_boxes(r.text)
    quotes = " ".join(q for b in boxes for q in b["quotes"])
    for words in ("Niigata", "Portland", "Victoria", "Harbin"):
        assert words in quotes


def test_paragraph_page_lists_its_quotations_and_what_each_supports(live_server: str) -> None:
    r = requests.get(live_server + "/id/source/khabarovsk-sister-cities/p1", headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200
    assert "Quoted as evidence" in r.text
    assert "23 rd of April 1965" in r.text
    assert "start date" in r.text and "Twinning of Khabarovsk and Niigata" in r.text


def test_source_page_shows_quotations_per_paragraph(live_server: str) -> None:
    r = requests.get(live_server + "/id/source/odesa-yokohama-2023", headers={"Accept": "text/html"}, timeout=30)
    assert r.text.count("Quoted as evidence") >= 5


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"), ("application/trig", "trig"), ("application/n-quads", "nquads"),
])
def test_every_format_carries_the_quotations(live_server: str, accept: str, fmt: str) -> None:
    r = requests.get(live_server + "/id/twinning/khabarovsk-niigata", headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    g = rdflib.Dataset() if fmt in ("trig", "nquads") else rdflib.Graph()
    g.parse(data=r.text, format=fmt, publicID=r.url)
    ask = f"""PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?q ?p WHERE {{ {"GRAPH ?g {" if fmt in ("trig", "nquads") else ""}
          ?e rdf:subject <{NIIGATA}> ; rdf:predicate <{TW}startDate> ; <{TW}quotation> ?q ; prov:wasQuotedFrom ?p
        {"}" if fmt in ("trig", "nquads") else ""} }}"""
    rows = list(g.query(ask))
    assert rows and "1965" in str(rows[0][0])
    assert str(rows[0][1]).endswith("/id/source/khabarovsk-sister-cities/p1")


def test_sparql_which_words_say_this(live_server: str) -> None:
    q = f"""PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
    PREFIX tw: <{TW}>
    SELECT ?quotation WHERE {{ ?e rdf:subject <{NIIGATA}> ; rdf:predicate tw:startDate ; tw:quotation ?quotation }}"""
    r = requests.post(live_server + "/sparql", data={"query": q},
                      headers={"Accept": "application/sparql-results+json"}, timeout=30)
    rows = json.loads(r.text)["results"]["bindings"]
    assert any("1965" in b["quotation"]["value"] for b in rows)


def test_renamed_relationship_redirects_permanently(live_server: str) -> None:
    old = live_server + "/id/twinning/khabarovsk-musashino-relations"
    r = requests.get(old, headers={"Accept": "text/html"}, allow_redirects=False, timeout=30)
    assert r.status_code == 301
    assert r.headers["Location"].endswith("/id/relationship/khabarovsk-musashino")
    r = requests.get(live_server + "/doc/id/twinning/khabarovsk-musashino-relations.ttl", allow_redirects=False,
                     timeout=30)
    assert r.status_code == 301 and r.headers["Location"].endswith("/doc/id/relationship/khabarovsk-musashino.ttl")
    final = requests.get(old, headers={"Accept": "text/turtle"}, timeout=30)
    assert final.status_code == 200
    g = rdflib.Graph().parse(data=final.text, format="turtle")
    assert (rdflib.URIRef("https://w3id.org/twinning/id/relationship/khabarovsk-musashino"), rdflib.RDF.type,
            rdflib.URIRef(TW + "CityRelationship")) in g


def test_labels_that_no_longer_mislead(live_server: str) -> None:
    r = requests.get(live_server + "/id/source/khabarovsk-sister-cities", headers={"Accept": "text/html"}, timeout=30)
    assert "<small class=\"kind\">twinning</small>" in r.text
    for term, label in (("Visit", "visit"), ("Association", "association")):  # not "official visit", "of cities"
        g = rdflib.Graph().parse(data=requests.get(live_server + "/ontology/" + term, headers={"Accept": "text/turtle"},
                                                   timeout=30).text, format="turtle")
        assert {str(o) for o in g.objects(rdflib.URIRef(TW + term), rdflib.RDFS.label)} == {label}
    rec = requests.get(live_server + "/id/twinning/khabarovsk-niigata", headers={"Accept": "text/html"}, timeout=30)
    assert "was Derived From" not in rec.text


def test_who_signed_in_what_capacity_is_one_hop(live_server: str) -> None:
    q = """PREFIX tw: <https://w3id.org/twinning/ontology/> PREFIX org: <http://www.w3.org/ns/org#>
    SELECT ?person ?role WHERE { <https://w3id.org/twinning/id/agreement/odesa-yokohama-mou-2023> tw:capacity ?m .
      ?m org:member ?person ; org:role ?role }"""
    r = requests.post(live_server + "/sparql", data={"query": q},
                      headers={"Accept": "application/sparql-results+json"}, timeout=30)
    rows = {(b["person"]["value"].rsplit("/", 1)[-1], b["role"]["value"].rsplit("/", 1)[-1])
            for b in json.loads(r.text)["results"]["bindings"]}
    assert rows == {("gennadiy-trukhanov", "mayor"), ("takeharu-yamanaka", "mayor")}
