"""The source-document page: every fact derived from it, grouped by paragraph."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sistercities.html.facts import DCT_ISPARTOF, PROV_DERIVED, Facts, describe_more, node
from sistercities.html.values import Value, date_key, date_of, link
from sistercities.html.viewmodels import Page, Related, kind_label, kind_of
from sistercities.store import Store
from sistercities.uris import URLs

TEXT_PROPS = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#value", "https://schema.org/text")


@dataclass
class ParagraphFacts:
    number: int | None
    paragraph: Value
    text: str = ""
    facts: list[Related] = field(default_factory=list)

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
            items.append(Related(link(facts, rec, urls, langs), kind_label(kind_of(facts, rec)), "",
                                 date_of(facts, rec), date_key(facts, rec)))
        items.sort(key=lambda r: (r.kind, r.sort or "~", r.thing.text.lower()))
        groups.append(ParagraphFacts(number, link(facts, para, urls, langs), text, items))
    groups.sort(key=lambda g: (g.number is None, g.number or 0))
    page.extra["paragraphs"] = groups
    page.extra["fact_count"] = len(records)
    direct = [r for r in page.related if r.how and r.thing.iri not in paras]
    page.extra["direct"] = direct
    orig = facts.objects(doc, "https://schema.org/url")
    page.extra["original"] = orig[0].value if orig else None
