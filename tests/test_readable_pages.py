"""Pages read well (issue 15): separate items for several texts, no automatic title-casing, sizes in
KiB/MiB, one date style, the dataset page's statistics leading with the data's classes, a favicon.

Real HTTP against the real gunicorn process (``live_server``); pages parsed with the standard library."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import requests

from sistercities.html.dataset_stats import class_groups
from sistercities.html.dates import human_date
from sistercities.html.values import human_size

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

HTML = {"Accept": "text/html"}
DAY = r"\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}"


def get(url: str) -> requests.Response:
    r = requests.get(url, headers=HTML, timeout=30)
    assert r.status_code == 200, (url, r.status_code)
    return r


class _Items(HTMLParser):
    """Texts of <li> inside <ul class="values">."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.items: list[str] = []
        self._li = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ul" and ("class", "values") in attrs:
            self.depth += 1
        elif tag == "li" and self.depth:
            self._li = True
            self.items.append("")
        elif tag in ("details",):
            self._li = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self._li and self.items:
            self.items[-1] += data


def test_several_terms_are_separate_items(live_server: str) -> None:
    html = get(live_server + "/id/agreement/odesa-yokohama-mou-2023").text
    assert "around it., " not in html
    p = _Items()
    p.feed(html)
    terms = [t.strip() for t in p.items]
    assert any(t.endswith("the cities around it.") for t in terms), terms
    assert any(t.startswith("How the cooperation is carried out") for t in terms), terms
    # links stay a comma-separated run: two signatories in one definition, no list
    assert re.search(r'Gennadiy Trukhanov</a>.{0,2000}?, <a [^>]*>Takeharu Yamanaka', html, re.S)


def test_no_automatic_title_casing(live_server: str) -> None:
    css = requests.get(live_server + "/static/site.css", timeout=30).text
    assert "capitalize" not in css
    html = get(live_server + "/id/agreement/odesa-yokohama-mou-2023").text
    assert "memorandum of understanding</a>" in html and "Memorandum Of Understanding" not in html


def test_sizes_in_human_units(live_server: str) -> None:
    for path in ("/", "/dataset.html", "/dumps/"):
        html = get(live_server + path).text
        assert re.search(r"\d+\.\d (?:KiB|MiB)", html), path
        visible = re.sub(r'title="[^"]*"|data-bytes="[^"]*"', "", html)
        assert not re.search(r"\d{1,3}(?:,\d{3})+ bytes\)", visible), path  # no '(364,966 bytes)' as the size
    assert "47.7 MiB" in get(live_server + "/sparql").text  # the result limit of 50,000,000 bytes


def test_one_date_style(live_server: str) -> None:
    home = get(live_server + "/").text
    covering = re.search(r"Covering ([^<]+) to ([^<]+)\.</p>", home)
    assert covering, "home page states its coverage"
    for part in covering.groups():
        assert re.fullmatch(rf"{DAY}|\d{{4}}|(?:[A-Z][a-z]+ \d{{4}})", part), part
    for path in ("/", "/dataset.html", "/dumps/"):
        html = get(live_server + path).text
        shown = re.findall(r"<time datetime=\"[^\"]*\">([^<]*)</time>", html)
        assert shown, path
        assert all(re.fullmatch(DAY, s) for s in shown), (path, shown)
    dataset = get(live_server + "/dataset.html").text
    span = re.search(r"Dates from ([^<]+?) to ([^<]+?)\.", dataset)
    assert span and not re.search(r"\d{4}-\d{2}", span.group(0)), span


def test_dataset_statistics_lead_with_the_data(live_server: str) -> None:
    html = get(live_server + "/dataset.html").text
    stats = html[html.index('id="statistics"'):html.index('id="versions"')]
    first = re.search(r'<table class="classes">.*?</table>', stats, re.S)
    assert first, stats[:500]
    rows = re.findall(r"<tr><td><a [^>]*>([^<]+)</a>(?: <small><code>([^<]+)</code></small>)?</td><td>([\d,]+)</td>",
                      first.group(0))
    assert rows
    curies = [c for _, c, _ in rows]
    assert "tw:City" in curies and "foaf:Person" in curies
    assert not any(c.startswith(("owl:", "sh:", "skos:", "rdfs:")) for c in curies), curies
    counts = [int(n.replace(",", "")) for _, _, n in rows]
    assert counts == sorted(counts, reverse=True)
    assert all(not label.startswith("http") for label, _, _ in rows)
    assert dict((c, label) for label, c, _ in rows)["tw:City"] == "city"
    assert "owl:Class" in stats[first.end():]  # the vocabulary's classes come after, as CURIEs
    assert "http://www.w3.org/2002/07/owl#Class</a>" not in stats


def test_favicon(live_server: str) -> None:
    home = get(live_server + "/").text
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', home)
    assert link
    icon = requests.get(live_server + link.group(1), timeout=30)
    assert icon.status_code == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
    ico = requests.get(live_server + "/favicon.ico", timeout=30)
    assert ico.status_code == 200 and ico.headers["Content-Type"].startswith("image/svg+xml")
    assert ico.content == icon.content and b"<svg" in ico.content
    assert requests.head(live_server + "/favicon.ico", timeout=30).status_code == 200
    assert requests.post(live_server + "/favicon.ico", timeout=30).status_code == 405


@pytest.mark.parametrize(("n", "text"), [(0, "0 bytes"), (1, "1 byte"), (1023, "1,023 bytes"), (1024, "1.0 KiB"),
                                         (1536, "1.5 KiB"), (364966, "356.4 KiB"), (50_000_000, "47.7 MiB"),
                                         (3 * 1024**3, "3.0 GiB")])
def test_human_size(n: int, text: str) -> None:
    assert human_size(n) == text


@pytest.mark.parametrize(("value", "text"), [("2023-04-12", "12 April 2023"), ("1965", "1965"), ("2005-05", "May 2005"),
                                             ("2026-12-03T14:06:46Z", "3 December 2026"), (None, ""), ("", ""),
                                             ("not a date", "not a date")])
def test_human_date(value: str | None, text: str) -> None:
    assert human_date(value) == text


def test_class_groups() -> None:
    base = "https://example.org/"
    parts = [{"class": "http://www.w3.org/2002/07/owl#Class", "entities": 40},
             {"class": base + "ontology/City", "entities": 3}, {"class": "http://xmlns.com/foaf/0.1/Person", "entities": 5},
             {"class": "http://www.w3.org/ns/shacl#NodeShape", "entities": 50}, {"class": "", "entities": 1}]
    data, vocab = class_groups(parts, {base + "ontology/City": "city"}, base)
    assert [(r["curie"], r["label"]) for r in data] == [("foaf:Person", "person"), ("tw:City", "city")]
    assert [r["curie"] for r in vocab] == ["sh:NodeShape", "owl:Class"]
