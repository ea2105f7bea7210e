"""The city page's own sections: sister cities, agreements, visits in and out, map, timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from sistercities.html.facts import WGS, Facts, describe_more, node
from sistercities.html.values import (
    PROV_QUOTED,
    RDF_SUBJECT,
    Quote,
    SourceRef,
    Value,
    date_key,
    date_of,
    evidence_for,
    link,
    sources,
    values,
)
from sistercities.html.viewmodels import OWL, RDFS, Page, Related, kind_label, kind_of, names
from sistercities.store import Store
from sistercities.uris import URLs


@dataclass
class Sister:
    city: Value
    record: Value | None
    when: str
    sort: str
    status: list[Value] = field(default_factory=list)
    based_on: list[Value] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    quotes: tuple[Quote, ...] = ()  # the words that state the partner and the start
    lat: float | None = None
    long: float | None = None
    twinning: bool = True  # False for other city relationships


def coords(facts: Facts, s: str) -> tuple[float, float] | None:
    lat, long = facts.literal(s, WGS + "lat"), facts.literal(s, WGS + "long")
    try:
        if lat is not None and long is not None:
            la, lo = float(lat.value), float(long.value)
            if -90 <= la <= 90 and -180 <= lo <= 360:
                return la, lo
    except ValueError:
        pass
    return None


def visits_out(store: Store, facts: Facts) -> list[str]:
    """Events whose visiting party came from the city (one query, then their names and dates).

    The party is from the city when it is a delegation the city sent (``tw:sendingCity``), the
    city's administration, the city's mayor (``tw:mayorOf``), or a person visiting in a role for
    the city (``tw:capacity``: an ``org:Membership`` with ``tw:roleFor`` the city, or with
    ``org:organization`` the city's administration)."""
    n = node(facts.focus)
    tw, org = facts.tw, "http://www.w3.org/ns/org#"
    rows = store.select(f"""SELECT DISTINCT ?ev WHERE {{
        ?ev <{tw}visitingParty> ?party .
        {{ ?party <{tw}sendingCity> {n} }} UNION {{ ?party <{tw}administrationOf> {n} }}
        UNION {{ ?party <{tw}mayorOf> {n} }}
        UNION {{ ?ev <{tw}capacity> ?role . ?role <{org}member> ?party .
                 {{ ?role <{tw}roleFor> {n} }} UNION {{ ?role <{org}organization>/<{tw}administrationOf> {n} }} }}
    }}""")
    found = {r["ev"].value for r in rows}
    describe_more(store, facts, found)
    return sorted(found)


def record_evidence(store: Store, facts: Facts, records: set[str]) -> None:
    """Fetch the evidence of ``records`` (their tw:Evidence nodes, in full) and the paragraphs it cites."""
    if not records:
        return
    vals = " ".join(str(node(r)) for r in sorted(records) if node(r) is not None)
    rows = store.select(f"SELECT ?ev WHERE {{ VALUES ?rec {{ {vals} }} ?ev <{RDF_SUBJECT}> ?rec }}")
    found = {r["ev"].value for r in rows}
    describe_more(store, facts, found - facts.described, full=True)
    paras = {p for ev in found for p in facts.iris(ev, PROV_QUOTED)}
    describe_more(store, facts, paras - facts.described)


def _record_quotes(facts: Facts, rec: str, other: str, urls: URLs, langs: Sequence[str]) -> tuple[Quote, ...]:
    tw = facts.tw
    found = list(evidence_for(facts, rec, tw + "partner", ox.NamedNode(other), urls, langs))
    for o in facts.objects(rec, tw + "startDate"):
        found += [q for q in evidence_for(facts, rec, tw + "startDate", o, urls, langs) if q not in found]
    return tuple(found)


def sisters(facts: Facts, urls: URLs, langs: Sequence[str]) -> list[Sister]:
    s, tw = facts.focus, facts.tw
    out: list[Sister] = []
    seen: set[str] = set()
    for rec in facts.subjects(tw + "partner", s):
        others = [c for c in facts.iris(rec, tw + "partner") if c != s]
        for other in others:
            seen.add(other)
            xy = coords(facts, other)
            out.append(Sister(
                city=link(facts, other, urls, langs), record=link(facts, rec, urls, langs),
                when=date_of(facts, rec, since=True), sort=date_key(facts, rec),
                status=values(facts, rec, tw + "status", urls, langs),
                based_on=values(facts, rec, tw + "basedOn", urls, langs),
                sources=sources(facts, rec, urls, langs),
                quotes=_record_quotes(facts, rec, other, urls, langs),
                lat=xy[0] if xy else None, long=xy[1] if xy else None,
                twinning=facts.is_a(rec, "Twinning"),
            ))
    for other in facts.iris(s, tw + "twinnedWith"):
        if other not in seen:  # a shortcut without its record (the shapes forbid it, but show it)
            xy = coords(facts, other)
            out.append(Sister(link(facts, other, urls, langs), None, "", "",
                              lat=xy[0] if xy else None, long=xy[1] if xy else None))
    out.sort(key=lambda x: (x.sort or "~", x.city.text.lower()))
    return out


def _related_of_kind(facts: Facts, urls: URLs, langs: Sequence[str], kinds: set[str],
                     subjects: Sequence[str] | None = None) -> list[Related]:
    s = facts.focus
    items: dict[str, Related] = {}
    pairs = ([(p, x) for p, subs in facts.inc.get(s, {}).items() for x in subs]
             if subjects is None else [("", x) for x in subjects])
    for p, x in pairs:
        k = kind_of(facts, x)
        if k in kinds and x not in items:
            how = facts.label(p, langs).text if p else ""
            items[x] = Related(link(facts, x, urls, langs), kind_label(k), how, date_of(facts, x), date_key(facts, x))
    return sorted(items.values(), key=lambda r: (r.sort or "~", r.thing.text.lower()))


def city_sections(store: Store, facts: Facts, page: Page, urls: URLs, langs: Sequence[str]) -> None:
    """Fill ``page.extra`` with what a city page shows beyond the common parts."""
    s, tw = facts.focus, facts.tw
    out_events = visits_out(store, facts)
    record_evidence(store, facts, set(facts.subjects(tw + "partner", s)))
    page.extra["names"] = names(facts, s, langs)
    xy = coords(facts, s)
    page.extra["coords"] = xy
    page.extra["external"] = [
        v for v in (values(facts, s, OWL + "sameAs", urls, langs) + values(facts, s, RDFS + "seeAlso", urls, langs))
        if v.external
    ]
    geonames_id = facts.literal(s, tw + "geonamesId")
    page.extra["geonames_id"] = geonames_id.value if geonames_id is not None else None
    sis = sisters(facts, urls, langs)
    page.extra["sisters"] = [x for x in sis if x.twinning]
    page.extra["relationships"] = [x for x in sis if not x.twinning]
    agreements = _related_of_kind(facts, urls, langs, {"agreement"})
    known = {a.thing.iri for a in agreements}
    for x in sis:
        for b in x.based_on:
            if b.iri and b.iri not in known:
                known.add(b.iri)
                agreements.append(Related(b, "agreement", "basis of a twinning", date_of(facts, b.iri),
                                          date_key(facts, b.iri)))
    page.extra["agreements"] = sorted(agreements, key=lambda r: (r.sort or "~", r.thing.text.lower()))
    page.extra["events_in"] = _related_of_kind(facts, urls, langs, {"event"})
    page.extra["events_out"] = _related_of_kind(facts, urls, langs, {"event"}, out_events)
    page.extra["organisations"] = _related_of_kind(facts, urls, langs, {"organisation"})
    page.extra["people"] = _related_of_kind(facts, urls, langs, {"person"})
    from sistercities.html.svgmap import twin_map
    from sistercities.html.timeline import timeline

    title = page.title.text
    page.extra["map"] = twin_map(title, xy, [(x.city.text, x.lat, x.long, x.city.href, x.city.iri) for x in page.extra["sisters"]])
    page.extra["timeline"] = timeline(title, [(x.city.text, x.sort, x.when, x.city.href) for x in page.extra["sisters"]])
