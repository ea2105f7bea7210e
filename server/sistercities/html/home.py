"""The home page: what the dataset is, its counts, highlights, and the ways in."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sistercities.browse import KINDS as BROWSE_KINDS
from sistercities.html.facts import Facts, class_hierarchy, describe_more
from sistercities.html.labels import LABEL_PROPS
from sistercities.html.values import Value, date_key, date_of, link
from sistercities.release import Release
from sistercities.store import Store
from sistercities.uris import URLs, ontology_ns

#: Classes counted on the home page, in display order (plural label, tw: local name).
COUNTED = (("cities", "City"), ("countries", "Country"), ("twinnings", "Twinning"), ("agreements", "Agreement"),
           ("events", "Event"), ("source documents", "SourceDocument"))
#: The list (``/id/<kind>/``, :mod:`sistercities.browse`) each count links to.
COUNT_LISTS = {"City": "city", "Country": "country", "Twinning": "twinning", "Agreement": "agreement",
               "Event": "event", "SourceDocument": "source"}
AGREEMENT_TYPES = ("Agreement", "TwinningAgreement", "MemorandumOfUnderstanding", "CooperationAgreement")
QID = re.compile(r"Q[1-9][0-9]{0,11}")
EVENT_TYPES = ("Event", "Visit", "Meeting", "Speech", "Contest", "Festival", "Exhibition")


@dataclass
class Count:
    label: str
    n: int
    href: str | None = None


def _class_counts(store: Store, release: Release | None, tw: str) -> dict[str, int]:
    stats = (release.manifest.get("stats") or {}) if release else {}
    parts = stats.get("class_partitions") or []
    counts: dict[str, int] = {}
    if parts:
        for p in parts:
            try:
                counts[str(p["class"])] = int(p["entities"])
            except (KeyError, TypeError, ValueError):
                continue
    else:
        rows = store.select("SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t")
        counts = {r["t"].value: int(r["n"].value) for r in rows}
    return counts


@dataclass
class Lookup:
    """An example of looking a thing up by its Wikidata and GeoNames ids."""

    thing: Value
    qid: str
    wikidata_href: str
    geonames: str | None = None
    geonames_href: str | None = None


def lookup_example(store: Store, tw: str, base: str) -> tuple[str, str, str | None] | None:
    """(IRI, Wikidata QID, GeoNames id or None) of a city with a Wikidata link — preferring one
    with a GeoNames id too — or else of anything with one; None when nothing links to Wikidata."""
    rows = store.select(f"""SELECT ?s ?wd ?gn ?city WHERE {{
        ?s <http://www.w3.org/2002/07/owl#sameAs> ?wd .
        FILTER(STRSTARTS(STR(?wd), "http://www.wikidata.org/entity/Q") && STRSTARTS(STR(?s), "{base}"))
        OPTIONAL {{ ?s <{tw}geonamesId> ?gn }}
        OPTIONAL {{ ?s a ?city . FILTER(?city = <{tw}City>) }}
    }} ORDER BY DESC(BOUND(?city)) DESC(BOUND(?gn)) ?s LIMIT 1""")
    if not rows:
        return None
    r = rows[0]
    qid, gn = r["wd"].value.rsplit("/", 1)[-1], r.get("gn")
    if not QID.fullmatch(qid):
        return None
    return r["s"].value, qid, gn.value if gn is not None and gn.value.isdigit() else None


def home_view(store: Store | None, release: Release | None, settings: dict[str, Any], urls: URLs,
              langs: Sequence[str]) -> dict[str, Any]:
    tw = ontology_ns(urls.base)
    manifest = release.manifest if release else {}
    stats = manifest.get("stats") or {}
    view: dict[str, Any] = {"title": settings.get("TITLE", "Sister Cities"), "version": manifest.get("version"),
                            "modified": manifest.get("modified") or manifest.get("build_time"),
                            # distinct triples over all graphs (what the dumps hold), and the store's quads:
                            # the same triple stated in two named graphs is one triple but two quads
                            "triples": stats.get("triples"), "quads": manifest.get("triples"),
                            "graphs": len(manifest.get("graphs") or []), "lookup": None,
                            "counts": [], "top_cities": [], "latest": [], "dumps": [], "temporal": stats.get("temporal"),
                            "linksets": stats.get("linksets") or {}, "lists": [],
                            # the build's comparison with Wikidata's twinnings (only when it imported them)
                            "wikidata_compare": urls.url("wikidata/compare") if manifest.get("wikidata_compare") else None}
    for d in manifest.get("dumps") or []:
        if isinstance(d, dict) and d.get("file"):
            view["dumps"].append({"file": d["file"], "format": d.get("format", ""), "bytes": d.get("bytes"),
                                  "href": urls.url("dumps/" + str(d["file"]))})
    if store is None:
        return view
    counts = _class_counts(store, release, tw)
    groups = {"Agreement": AGREEMENT_TYPES, "Event": EVENT_TYPES}
    for label, cls in COUNTED:
        n = sum(counts.get(tw + c, 0) for c in groups.get(cls, (cls,)))
        if n:
            view["counts"].append(Count(label, n, urls.url(f"id/{COUNT_LISTS[cls]}/")))
    view["lists"] = [(k.title, urls.url(f"id/{k.name}/")) for k in BROWSE_KINDS.values()]
    if stats.get("entities"):
        view["counts"].append(Count("things in all", int(stats["entities"])))
    facts = Facts("", urls.base, tw, class_hierarchy(store))
    top = store.select(f"SELECT ?c (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?c <{tw}twinnedWith> ?o }} "
                       "GROUP BY ?c ORDER BY DESC(?n) LIMIT 5")
    latest = store.select(f"SELECT ?a ?d WHERE {{ ?a <{tw}signingDate> ?d }} ORDER BY DESC(STR(?d)) LIMIT 5")
    example = lookup_example(store, tw, urls.base)
    describe_more(store, facts, {r["c"].value for r in top} | {r["a"].value for r in latest}
                  | ({example[0]} if example else set()))
    view["top_cities"] = [(link(facts, r["c"].value, urls, langs), int(r["n"].value)) for r in top]
    items: list[tuple[Value, str, str]] = []
    for r in latest:
        a = r["a"].value
        items.append((link(facts, a, urls, langs), date_of(facts, a), date_key(facts, a)))
    view["latest"] = items
    if example:
        iri, qid, gn = example
        view["lookup"] = Lookup(link(facts, iri, urls, langs), qid, urls.url("wikidata/" + qid), gn,
                                urls.url("search") + "?q=" + quote(gn) if gn else None)
    view["has_labels"] = any(facts.objects(x, p) for x in facts.described for p in LABEL_PROPS)
    return view
