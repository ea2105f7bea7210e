"""Wikidata's answers as our model (docs: the import section of the README).

Each P190 statement S on item A with value B becomes a ``tw:WikidataTwinning``
``<id/twinning/wikidata-{S's local name}>`` with both partners, ``tw:statedOn`` A,
start/end dates at Wikidata's precision (:mod:`.dates`), ``tw:endCause``, status ended
when it ended, ``prov:wasDerivedFrom`` S, ``tw:wikidataReference`` per reference and
``prov:wasGeneratedBy`` the retrieval.  Partners we link stay our IRIs; others become
``<id/city/wikidata-Q…>`` places with ``tw:wikidataItem`` (never ``owl:sameAs``: only a
curator's links are identity links).  Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from sistercities.wikidata import dates
from sistercities.wikidata.turtle import Graph, iri, lit, rel

if TYPE_CHECKING:
    from sistercities.wikidata.importer import Fetched, Statement

WD = "http://www.wikidata.org/entity/"
WDS = WD + "statement/"
SOURCE = rel("id/source/wikidata")
ENDED = rel("id/concept/relationship-status/ended")
CC0 = "<http://creativecommons.org/publicdomain/zero/1.0/>"
_POINT = re.compile(r"^\s*Point\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)\s*$", re.I)


@dataclass
class Ours:
    base: str
    cities: dict[str, str]  # Wikidata item IRI -> our city IRI (absolute)
    countries: dict[str, str]  # Wikidata item IRI -> our country IRI
    english: dict[str, str]  # our IRI -> English label
    languages: list[str]  # languages of the data's labels

    def local(self, absolute: str) -> str:
        return rel(absolute[len(self.base):]) if absolute.startswith(self.base) else iri(absolute)


def qid(item: str) -> str:
    return item[len(WD):] if item.startswith(WD) else re.sub(r"[^A-Za-z0-9]+", "-", item).strip("-")


def statement_id(statement: str) -> str:
    local = statement[len(WDS):] if statement.startswith(WDS) else statement.rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9-]+", "-", local).strip("-")


def _decimal(text: str) -> str | None:
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    s = format(d, "f")
    return s if "." in s else s + ".0"


def coordinates(wkt: str) -> tuple[str, str] | None:
    """(lat, long) of an Earth ``Point(long lat)`` (a point on another globe starts with its IRI: skipped)."""
    m = _POINT.match(wkt)
    if m is None:
        return None
    long_, lat = _decimal(m.group(1)), _decimal(m.group(2))
    if long_ is None or lat is None or not (-90 <= Decimal(lat) <= 90 and -180 <= Decimal(long_) <= 180):
        return None
    return lat, long_


def _compact_time(t: str) -> str:
    return re.sub(r"[^0-9TZ]", "", t) or "unknown"


def build_graph(f: Fetched, ours: Ours) -> tuple[Graph, int]:
    """The graph of ``f`` (and how many places of its own it describes)."""
    g = Graph()
    times = sorted(f.retrieved)
    started, ended = (times[0], times[-1]) if times else ("", "")
    retrieval = rel(f"id/retrieval/wikidata-{_compact_time(started)}")
    _source(g)
    _retrieval(g, retrieval, f, started, ended)
    place_iris: dict[str, str] = {}

    def place(item: str) -> str:
        if item in ours.cities:
            return ours.local(ours.cities[item])
        if item not in place_iris:
            place_iris[item] = rel(f"id/city/wikidata-{qid(item)}")
        return place_iris[item]

    def name(item: str) -> str:
        if item in ours.cities:
            return ours.english.get(ours.cities[item], qid(item))
        en = sorted(t for t, lang in f.labels.get(item, ()) if lang == "en")
        return en[0] if en else qid(item)

    for st in sorted(f.statements.values(), key=lambda s: s.iri):
        _record(g, st, place(st.item), place(st.partner), name(st.item), name(st.partner), retrieval)
    labelled: set[str] = set()
    for item, subject in sorted(place_iris.items()):
        _place(g, subject, item, f, ours)
        labelled.add(item)
    for st in f.statements.values():
        for cause in st.causes:
            _labels(g, iri(cause), f, cause)
    for ref_iri, ref in sorted(f.references.items()):
        s = iri(ref_iri)
        g.add(s, "a", "tw:StatementReference")
        for u in ref.urls:
            g.add(s, "schema:url", iri(u))
        for src in ref.stated_in:
            g.add(s, "dct:source", iri(src))
            _labels(g, iri(src), f, src)
        for text, lang in ref.titles:
            g.add(s, "dct:title", lit(text, lang=lang or None))
        for r in ref.retrieved:
            day = dates.retrieved_date(r)
            if day:
                g.add(s, "tw:retrieved", lit(day, datatype=dates.DATE))
    return g, len(place_iris)


def _labels(g: Graph, subject: str, f: Fetched, item: str) -> None:
    for text, lang in f.labels.get(item, ()):
        g.add(subject, "rdfs:label", lit(text, lang=lang))


def _source(g: Graph) -> None:
    g.add(SOURCE, "a", "tw:SourceDocument")
    g.add(SOURCE, "rdfs:label", lit("Wikidata", lang="en"))
    g.add(SOURCE, "dct:title", lit("Wikidata", lang="en"))
    g.add(SOURCE, "schema:url", "<https://www.wikidata.org/>")
    g.add(SOURCE, "dct:license", CC0)
    g.add(SOURCE, "skos:editorialNote", lit(
        "The free knowledge base of the Wikimedia movement. Its P190 statements (twinned administrative body) "
        "are imported into the graph graph/wikidata by `sistercities wikidata import`, beside our sourced records, "
        "not as part of them.", lang="en"))


def _retrieval(g: Graph, s: str, f: Fetched, started: str, ended: str) -> None:
    g.add(s, "a", "prov:Activity")
    g.add(s, "rdfs:label", lit(f"Retrieval of Wikidata's P190 statements from {f.endpoint}", lang="en"))
    g.add(s, "prov:used", iri(f.endpoint))
    if started:
        g.add(s, "prov:startedAtTime", lit(started, datatype=dates.XSD + "dateTime"))
        g.add(s, "prov:endedAtTime", lit(ended, datatype=dates.XSD + "dateTime"))
    for q in f.queries:
        g.add(s, "tw:query", lit(q))


def _date(g: Graph, s: str, prop: str, what: str, values: set[tuple[str, str]]) -> None:
    literals, notes = [], []
    for value, prec in sorted(values):
        d = dates.to_literal(value, prec or None)
        if d.lexical and d.datatype:
            literals.append(lit(d.lexical, datatype=d.datatype))
        elif d.note:
            notes.append(d.note)
    for n in sorted(set(notes)):
        g.add(s, "skos:editorialNote", lit(f"Wikidata's {what} {n}: no {what} is recorded for it.", lang="en"))
    distinct = sorted(set(literals))
    if distinct:
        g.add(s, prop, distinct[0])
        if len(distinct) > 1:
            g.add(s, "skos:editorialNote", lit(
                f"Wikidata gives {len(distinct)} values of the {what}; the first in order is recorded.", lang="en"))


def _record(g: Graph, st: Statement, a: str, b: str, a_name: str, b_name: str, retrieval: str) -> None:
    s = rel(f"id/twinning/wikidata-{statement_id(st.iri)}")
    g.add(s, "a", "tw:WikidataTwinning")
    g.add(s, "rdfs:label", lit(f"Twinning of {a_name} and {b_name}, as Wikidata states it on {a_name}", lang="en"))
    g.add(s, "tw:partner", a)
    g.add(s, "tw:partner", b)
    g.add(s, "tw:statedOn", a)
    _date(g, s, "tw:startDate", "start time (P580)", st.starts)
    _date(g, s, "tw:endDate", "end time (P582)", st.ends)
    for cause in st.causes:
        g.add(s, "tw:endCause", iri(cause))
    if st.ends or st.causes:
        g.add(s, "tw:status", ENDED)
    g.add(s, "prov:wasDerivedFrom", iri(st.iri))
    g.add(s, "prov:wasGeneratedBy", retrieval)
    for r in st.refs:
        g.add(s, "tw:wikidataReference", iri(r))


def _place(g: Graph, s: str, item: str, f: Fetched, ours: Ours) -> None:
    g.add(s, "a", "tw:City")
    _labels(g, s, f, item)
    g.add(s, "tw:wikidataItem", iri(item))
    g.add(s, "prov:wasDerivedFrom", SOURCE)
    for country in f.countries.get(item, ()):
        if country in ours.countries:
            g.add(s, "tw:country", ours.local(ours.countries[country]))
            continue
        c = rel(f"id/country/wikidata-{qid(country)}")
        g.add(s, "tw:country", c)
        if not g.has(c):
            g.add(c, "a", "tw:Country")
            _labels(g, c, f, country)
            g.add(c, "tw:wikidataItem", iri(country))
            g.add(c, "prov:wasDerivedFrom", SOURCE)
    points = sorted(p for p in (coordinates(w) for w in f.coords.get(item, ())) if p is not None)
    if points:
        lat, long_ = points[0]
        g.add(s, "wgs:lat", lit(lat, datatype=dates.XSD + "decimal"))
        g.add(s, "wgs:long", lit(long_, datatype=dates.XSD + "decimal"))
