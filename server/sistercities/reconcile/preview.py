"""The preview card of an entity (what OpenRefine shows in its pop-up): label and variants, type,
country, Wikidata and GeoNames ids, sister cities with their start dates — the facts, as a small view model the view
renders with ``templates/reconcile_preview.html``.  Never imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sistercities.documents import SKOS_ALT, best_literal
from sistercities.reconcile.extend import Facts, values
from sistercities.reconcile.types import Types
from sistercities.search import fold
from sistercities.store import Store

#: Sister cities listed on a card at most (a card is small; the page has them all).
MAX_PARTNERS = 12


@dataclass
class Link:
    iri: str
    label: str
    note: str = ""  # "since 1965-04-23"


@dataclass
class Card:
    iri: str
    label: str
    types: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    country: list[Link] = field(default_factory=list)
    wikidata: list[str] = field(default_factory=list)  # QIDs
    geonames: list[str] = field(default_factory=list)
    description: str = ""
    partners: list[Link] = field(default_factory=list)
    more_partners: int = 0


def card(store: Store, base: str, types: Types, iri: str, langs: list[str] | None = None) -> Card | None:
    """The card of ``iri``, or None when nothing is known about it."""
    f = Facts(store, base, types)
    if not iri.startswith(base) or not f.known(iri):
        return None
    names = f.names(iri)
    label = best_literal(names, langs or ["en"]) or iri
    kinds = [t.name for t in types.of(f.rdf_types(iri))]
    if not kinds:  # a source document, a paragraph...: the labels of its classes of our ontology
        kinds = [_capital(f.label(t)) for t in f.rdf_types(iri) if t.startswith(f.tw)]
    c = Card(iri, label, kinds)
    for lit in names + f.literals(iri, SKOS_ALT.value):
        if lit.value != label and lit.value not in c.variants:
            c.variants.append(lit.value)
    c.country = [Link(x, f.label(x, langs)) for x in f.iris(iri, f.tw + "country")]
    c.wikidata = [v["str"] for v in values(f, iri, "wikidata", "as-stated")]
    c.geonames = [v["str"] for v in values(f, iri, "geonames", "as-stated")]
    start = values(f, iri, "startDate", "as-stated")
    partners = sorted((Link(p, f.label(p, langs)) for p in f.iris(iri, f.tw + "partner")),
                      key=lambda x: (fold(x.label), x.iri))
    if start:
        c.description = "since " + start[0]["str"]
    twinnings = f.twinnings(iri) if types.is_a(f.rdf_types(iri), f.tw + "City") else []
    for t in twinnings[:MAX_PARTNERS]:
        if t.partner:
            note = f"since {t.start.value}" if t.start else ""
            if t.end:
                note = f"{t.start.value if t.start else '?'}–{t.end.value}, ended"
            c.partners.append(Link(t.partner, f.label(t.partner, langs), note))
    c.more_partners = max(0, len(twinnings) - MAX_PARTNERS)
    if not twinnings:
        c.partners = partners[:MAX_PARTNERS]
    return c


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def wikidata_url(qid: str) -> str:
    return "https://www.wikidata.org/wiki/" + qid

