"""The source-document page: every fact derived from it, grouped by paragraph."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from sistercities.html.facts import DCT_ISPARTOF, PROV_DERIVED, Facts, describe_more, node
from sistercities.html.values import PROV_QUOTED, RDF_OBJECT, RDF_PREDICATE, RDF_SUBJECT, Value, date_key, date_of, link, value
from sistercities.html.viewmodels import Page, Related, kind_text
from sistercities.store import Store
from sistercities.uris import URLs

TEXT_PROPS = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#value", "https://schema.org/text")


@dataclass
class Supported:
    """One statement a quotation supports: record, property, value."""

    record: Value
    prop: Value
    value: Value


@dataclass
class Quotation:
    text: str
    lang: str
    supports: list[Supported] = field(default_factory=list)


@dataclass
class ParagraphFacts:
    number: int | None
    paragraph: Value
    text: str = ""
    facts: list[Related] = field(default_factory=list)
    quotations: list[Quotation] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"p{self.number}" if self.number is not None else ""


def source_sections(store: Store, facts: Facts, page: Page, urls: URLs, langs: Sequence[str]) -> None:
    doc, tw = facts.focus, facts.tw
    n = node(doc)
    rows = store.select(
        f"SELECT ?para ?rec WHERE {{ ?para <{DCT_ISPARTOF}> {n} . ?rec <{PROV_DERIVED}> ?para }}"
    )
    records = {r["rec"].value for r in rows}
    paras = {r["para"].value for r in rows} | set(facts.subjects(DCT_ISPARTOF, doc))
    describe_more(store, facts, records | paras)
    quoted = store.select(
        f"SELECT ?para ?ev WHERE {{ ?para <{DCT_ISPARTOF}> {n} . ?ev <{PROV_QUOTED}> ?para }}"
    )
    evidence = {r["ev"].value for r in quoted}
    describe_evidence(store, facts, evidence)
    ev_by_para: dict[str, list[str]] = {}
    for r in quoted:
        ev_by_para.setdefault(r["para"].value, []).append(r["ev"].value)
    by_para: dict[str, list[str]] = {}
    for r in rows:
        by_para.setdefault(r["para"].value, []).append(r["rec"].value)
    groups: list[ParagraphFacts] = []
    for para in paras:
        num = facts.literal(para, tw + "paragraphNumber")
        try:
            number = int(num.value) if num is not None else None
        except ValueError:
            number = None
        text = next((o.value for p in TEXT_PROPS for o in facts.objects(para, p) if hasattr(o, "language")), "")
        items = []
        for rec in sorted(set(by_para.get(para, ()))):
            items.append(Related(link(facts, rec, urls, langs), kind_text(facts, rec), "",
                                 date_of(facts, rec), date_key(facts, rec)))
        items.sort(key=lambda r: (r.kind, r.sort or "~", r.thing.text.lower()))
        groups.append(ParagraphFacts(number, link(facts, para, urls, langs), text, items,
                                     quotations(facts, sorted(set(ev_by_para.get(para, ()))), urls, langs)))
    groups.sort(key=lambda g: (g.number is None, g.number or 0))
    page.extra["paragraphs"] = groups
    page.extra["fact_count"] = len(records)
    direct = [r for r in page.related if r.how and r.thing.iri not in paras]
    page.extra["direct"] = direct
    orig = facts.objects(doc, "https://schema.org/url")
    page.extra["original"] = orig[0].value if orig else None


def quotations(facts: Facts, evidence: Sequence[str], urls: URLs, langs: Sequence[str]) -> list[Quotation]:
    """The quotations of ``evidence`` (tw:Evidence IRIs), each with the statements it supports."""
    by_text: dict[tuple[str, str], Quotation] = {}
    for ev in evidence:
        q = facts.literal(ev, facts.tw + "quotation")
        subj, pred, objs = facts.iris(ev, RDF_SUBJECT), facts.iris(ev, RDF_PREDICATE), facts.objects(ev, RDF_OBJECT)
        if q is None or not subj or not pred or not objs:
            continue
        quote = by_text.setdefault((q.value, q.language or ""), Quotation(q.value, q.language or ""))
        quote.supports.append(Supported(link(facts, subj[0], urls, langs), link(facts, pred[0], urls, langs),
                                        value(objs[0], facts, urls, langs)))
    out = list(by_text.values())
    for quote in out:
        quote.supports.sort(key=lambda x: (x.record.text.lower(), x.prop.text.lower(), x.value.text))
    return sorted(out, key=lambda quote: quote.text)


def describe_evidence(store: Store, facts: Facts, evidence: Iterable[str]) -> None:
    """Fetch the evidence nodes in full and the names of the statements they support."""
    evidence = set(evidence)
    describe_more(store, facts, evidence - facts.described, full=True)
    mentioned = {o.value for ev in evidence for p in (RDF_SUBJECT, RDF_PREDICATE, RDF_OBJECT)
                 for o in facts.objects(ev, p) if isinstance(o, ox.NamedNode)}
    describe_more(store, facts, mentioned - facts.described)


def paragraph_sections(store: Store, facts: Facts, page: Page, urls: URLs, langs: Sequence[str]) -> None:
    """A paragraph's page: the quotations drawn from it and the statements each supports."""
    evidence = sorted(set(facts.subjects(PROV_QUOTED, facts.focus)))
    describe_evidence(store, facts, evidence)
    page.extra["quotations"] = quotations(facts, evidence, urls, langs)
    page.related = [r for r in page.related if r.thing.iri not in set(evidence)]
