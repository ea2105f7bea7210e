"""Turn RDF terms into things a template can print: links, literals, dates, sources."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from sistercities.html.dates import XSD, format_date, format_span, precision
from sistercities.html.facts import DCT_ISPARTOF, PROV_DERIVED, Facts, Term
from sistercities.html.labels import curie, humanise
from sistercities.uris import URLs

XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
DATE_TYPES = {XSD + "date", XSD + "gYearMonth", XSD + "gYear", XSD + "dateTime"}
SCHEMA_URL = "https://schema.org/url"

WIKIDATA_ENTITY = ("http://www.wikidata.org/entity/", "https://www.wikidata.org/entity/")
GEONAMES = ("https://sws.geonames.org/", "http://sws.geonames.org/")


@dataclass(frozen=True)
class Quote:
    """The words of a source that support a statement (a ``tw:Evidence``)."""

    text: str
    lang: str
    source: str  # the document's title
    paragraph: int | None
    href: str | None  # the paragraph on the document's page


@dataclass(frozen=True)
class Value:
    """One printable value: a link (``href``) or a literal; ``lang`` marks its language."""

    text: str
    lang: str = ""
    href: str | None = None
    iri: str | None = None
    note: str = ""  # datatype or type, shown small
    external: bool = False
    quotes: tuple[Quote, ...] = ()  # the evidence for this value of this property


@dataclass
class SourceRef:
    """Where a fact comes from: a document and the paragraphs of it the fact cites."""

    title: str
    lang: str
    href: str | None
    paragraphs: list[int] = field(default_factory=list)
    original: str | None = None  # the document's original address

    def paragraph_href(self, n: int) -> str | None:
        return f"{self.href}#p{n}" if self.href else None


@dataclass
class Row:
    """A property with its values (a row of a property table)."""

    prop: Value
    values: list[Value] = field(default_factory=list)


def external_name(iri: str) -> str | None:
    """A short name for well-known external IRIs (Wikidata Q-ids, GeoNames features)."""
    for p in WIKIDATA_ENTITY:
        if iri.startswith(p):
            return "Wikidata " + iri[len(p):]
    for p in GEONAMES:
        if iri.startswith(p):
            return "GeoNames " + iri[len(p):].strip("/")
    return None


def browse_url(iri: str) -> str:
    """Where people read about an external IRI (Wikidata and GeoNames have human pages)."""
    for p in WIKIDATA_ENTITY:
        if iri.startswith(p):
            return "https://www.wikidata.org/wiki/" + iri[len(p):]
    for p in GEONAMES:
        if iri.startswith(p):
            return "https://www.geonames.org/" + iri[len(p):].strip("/")
    return iri


def is_date(lit: ox.Literal) -> bool:
    return lit.datatype.value in DATE_TYPES and precision(lit.value, lit.datatype.value) is not None


def value(term: Term, facts: Facts, urls: URLs, langs: Sequence[str]) -> Value:
    """A term as a Value: IRIs become labelled links, dates are written at their precision."""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        if urls.is_local(iri) or facts.has_label(iri):
            lab = facts.label(iri, langs)
            href = urls.link(iri)
            return Value(lab.text, lab.lang, href, iri, external=not urls.is_local(iri))
        name = external_name(iri)
        if name:
            return Value(name, "", browse_url(iri), iri, external=True)
        return Value(curie(iri), "", iri if iri.startswith(("http://", "https://")) else None, iri, external=True)
    if isinstance(term, ox.BlankNode):
        return Value("(unnamed node)", note="blank node")
    lit = term
    dt = lit.datatype.value
    if lit.language:
        return Value(lit.value, lit.language)
    if is_date(lit):
        return Value(format_date(lit.value, dt), note="", iri=None)
    if dt == XSD + "anyURI":
        return Value(lit.value, href=lit.value if lit.value.startswith(("http://", "https://")) else None)
    if dt in (XSD_STRING, RDF_LANGSTRING):
        return Value(lit.value)
    return Value(lit.value, note=humanise(dt))


def date_of(facts: Facts, s: str, *, since: bool = False) -> str:
    """The dates of a record in words: its date, start–end, or earliest/latest bounds."""
    tw = facts.tw

    def get(p: str) -> tuple[str, str | None] | None:
        lit = facts.literal(s, tw + p)
        return (lit.value, lit.datatype.value) if lit is not None else None

    ended = get("endDate") is not None
    return format_span(date=get("signingDate") or get("date"), start=get("startDate"), end=get("endDate"),
                       earliest=get("earliestDate"), latest=get("latestDate"), since=since and not ended)


def date_key(facts: Facts, s: str) -> str:
    for p in ("signingDate", "date", "startDate", "earliestDate", "latestDate", "endDate"):
        lit = facts.literal(s, facts.tw + p)
        if lit is not None:
            return lit.value
    return ""


def sources(facts: Facts, s: str, urls: URLs, langs: Sequence[str]) -> list[SourceRef]:
    """The documents a record says it was derived from, each with the paragraphs cited."""
    by_doc: dict[str, SourceRef] = {}
    for src in facts.iris(s, PROV_DERIVED):
        docs = facts.iris(src, DCT_ISPARTOF)
        doc = docs[0] if docs else src
        ref = by_doc.get(doc)
        if ref is None:
            lab = facts.label(doc, langs)
            orig = next(iter(facts.objects(doc, SCHEMA_URL)), None)
            ref = by_doc[doc] = SourceRef(lab.text, lab.lang, urls.link(doc), [],
                                          orig.value if isinstance(orig, ox.Literal | ox.NamedNode) else None)
        n_lit = facts.literal(src, facts.tw + "paragraphNumber")
        if n_lit is not None and n_lit.value.isdigit() and int(n_lit.value) not in ref.paragraphs:
            ref.paragraphs.append(int(n_lit.value))
    for ref in by_doc.values():
        ref.paragraphs.sort()
    return sorted(by_doc.values(), key=lambda r: r.title)


RDF_SUBJECT = "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"
RDF_PREDICATE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate"
RDF_OBJECT = "http://www.w3.org/1999/02/22-rdf-syntax-ns#object"
PROV_QUOTED = "http://www.w3.org/ns/prov#wasQuotedFrom"


def quote_of(facts: Facts, ev: str, urls: URLs, langs: Sequence[str]) -> Quote | None:
    """The quotation of the evidence node ``ev`` with the paragraph it is quoted from."""
    q = facts.literal(ev, facts.tw + "quotation")
    if q is None:
        return None
    paras = facts.iris(ev, PROV_QUOTED)
    para = paras[0] if paras else None
    docs = facts.iris(para, DCT_ISPARTOF) if para else []
    doc = docs[0] if docs else None
    n_lit = facts.literal(para, facts.tw + "paragraphNumber") if para else None
    n = int(n_lit.value) if n_lit is not None and n_lit.value.isdigit() else None
    title = facts.label(doc, langs).text if doc else (facts.label(para, langs).text if para else "")
    href = urls.link(doc) + (f"#p{n}" if n is not None else "") if doc else (urls.link(para) if para else None)
    return Quote(q.value, q.language or "", title, n, href)


def evidence_for(facts: Facts, s: str, p: str, o: Term, urls: URLs, langs: Sequence[str]) -> tuple[Quote, ...]:
    """The quotations supporting the statement ``s p o`` among the fetched facts."""
    found = []
    for ev in facts.subjects(RDF_SUBJECT, s):
        if facts.iris(ev, RDF_PREDICATE) == [p] and o in facts.objects(ev, RDF_OBJECT):
            q = quote_of(facts, ev, urls, langs)
            if q is not None and q not in found:
                found.append(q)
    return tuple(sorted(found, key=lambda q: (q.source, q.paragraph or 0, q.text)))


def with_evidence(v: Value, facts: Facts, s: str, p: str, o: Term, urls: URLs, langs: Sequence[str]) -> Value:
    quotes = evidence_for(facts, s, p, o, urls, langs)
    return replace(v, quotes=quotes) if quotes else v


def values(facts: Facts, s: str, p: str, urls: URLs, langs: Sequence[str]) -> list[Value]:
    return [with_evidence(value(o, facts, urls, langs), facts, s, p, o, urls, langs) for o in facts.objects(s, p)]


def link(facts: Facts, iri: str, urls: URLs, langs: Sequence[str]) -> Value:
    return value(ox.NamedNode(iri), facts, urls, langs)


def human_size(n: int | None) -> str:
    """A size for people: ``1536`` -> ``1.5 KiB``, ``52428800`` -> ``50.0 MiB``; below 1 KiB the bytes."""
    if n is None:
        return ""
    n = int(n)
    if n < 1024:
        return f"{n:,} byte{'' if n == 1 else 's'}"
    size, unit = n / 1024, "KiB"
    for bigger in ("MiB", "GiB", "TiB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:.1f} {unit}"
