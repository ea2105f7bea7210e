"""The country page's own section: its cities, each with its sister cities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sistercities.html.facts import Facts, describe_more, node
from sistercities.html.values import Value, link
from sistercities.html.viewmodels import Page
from sistercities.store import Store
from sistercities.uris import URLs

#: At most this many cities on one country page (a note says when there are more).
MAX_CITIES = 1000


@dataclass
class CountryCity:
    city: Value
    twins: list[Value] = field(default_factory=list)


def country_sections(store: Store, facts: Facts, page: Page, urls: URLs, langs: Sequence[str]) -> None:
    """``page.extra["cities"]``: the country's cities (``tw:country``) and their twins, by name."""
    n, tw = node(facts.focus), facts.tw
    count = store.select(f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c <{tw}country> {n} }}")
    total = int(count[0]["n"].value) if count else 0
    rows = store.select(f"""SELECT ?c ?t WHERE {{
        {{ SELECT DISTINCT ?c WHERE {{ ?c <{tw}country> {n} }} ORDER BY ?c LIMIT {MAX_CITIES} }}
        OPTIONAL {{ ?c <{tw}twinnedWith> ?t }} }}""")
    twins: dict[str, set[str]] = {}
    for r in rows:
        twins.setdefault(r["c"].value, set())
        if "t" in r:
            twins[r["c"].value].add(r["t"].value)
    describe_more(store, facts, set(twins) | {t for ts in twins.values() for t in ts})
    cities = [CountryCity(link(facts, c, urls, langs),
                          sorted((link(facts, t, urls, langs) for t in ts), key=lambda v: v.text.lower()))
              for c, ts in twins.items()]
    cities.sort(key=lambda x: x.city.text.lower())
    page.extra["cities"] = cities
    page.extra["cities_total"] = total
    page.extra["cities_list"] = urls.url("id/city/")
