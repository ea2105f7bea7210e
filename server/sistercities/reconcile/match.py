"""Candidates, scores (0-100), features and the ``match`` decision for one reconciliation query.

Candidates come from :class:`.index.MatchIndex`: things whose folded name (any language,
case and accents ignored) equals the query, equals it without a city designator ("Pusan city",
"新潟") or without a qualifier ("Portland (USA)", whose qualifier then counts as the country),
or contains all its words.  A query that is an identifier (our IRI or its path, a Wikidata
Q-id, a GeoNames id) finds that thing.

Score: the name first — 100 a main label, 95 an alternative label (the sources' spellings),
90 a variant without designator or qualifier, up to 70 for a longer name holding every word,
up to 80 for a name spelt alike (a typo: trigrams, then difflib's ratio, when nothing else is found) —
then the properties: country +5 when it agrees, -40 when it differs (-20 when the candidate has
none); Wikidata item 100 when it agrees, -50 when it differs; coordinates +5 within 25 km,
down to -40 beyond 200 km.  A typed query gets only things of its types (or their subclasses),
whatever its ``type_strict`` (OpenRefine always sends ``"should"``); ``"all"`` asks for every type.

``match: true`` only for the best candidate, when its name is exact (label, alternative,
variant, or its id), no property disagrees, and either no other candidate scores within
:data:`MARGIN` points or a property (country, coordinates within 25 km, Wikidata/GeoNames id)
confirms it and confirms no other exact candidate.  A name the curators qualified ("Victoria"
beside "Victoria, British Columbia") or given with a qualifier we cannot check ("Odessa
(Texas)") needs such a confirmation.  A query without a name (properties only) is matched only
by an id.  Never imports Flask.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from sistercities.search import fold, geonames_id, wikidata_qid

from .index import MatchIndex, Thing, km_between, strip_designator
from .requests import Query
from .types import iri_of

#: A competitor this close to the best candidate prevents an automatic match.
MARGIN = 15.0
NAME_SCORE = {"label": 100.0, "alt": 95.0, "variant": 90.0}
MAX_QUERY_LENGTH = 300
NEAR_KM = 25.0
FAR_KM = 200.0
MAX_VALUES_USED = 5  # values of one property that count
_QUALIFIER = re.compile(r"^(.*?)\s*(?:\(([^()]*)\)|,\s*([^,]*))\s*$")


@dataclass
class Candidate:
    thing: Thing
    score: float
    features: dict[str, float | bool] = field(default_factory=dict)
    exact: bool = False
    confirmed: bool = False  # a property confirms it
    contradicted: bool = False  # a property disagrees
    ambiguous: bool = False  # a qualified bare name
    key: str = ""  # the folded name it was found by


def reconcile(idx: MatchIndex, q: Query) -> list[dict[str, Any]]:
    """The result (sorted candidates, JSON-ready) of one query."""
    cands, wanted = _candidates(idx, q)
    for c in cands.values():
        _properties(wanted, c)
        _type(idx, q, c)
    ranked = sorted(cands.values(), key=lambda c: (-c.score, c.thing.name.casefold(), c.thing.iri))
    ranked = [c for c in ranked if c.score > 0]
    out = []
    for i, c in enumerate(ranked[: q.limit]):
        match = False
        if i == 0 and c.exact and not c.contradicted and (not c.ambiguous or c.confirmed):
            second = ranked[1].score if len(ranked) > 1 else -math.inf
            match = c.score - second >= MARGIN or (c.confirmed and not _confirmed_rival(ranked[1:]))
        if i == 0:  # how far ahead of the next candidate (all of the score when alone)
            c.features["match_margin"] = round(c.score - (ranked[1].score if len(ranked) > 1 else 0.0), 1)
        types = idx.types.of(c.thing.types)
        out.append({
            "id": c.thing.iri,
            "name": c.thing.name,
            "description": _description(idx, c.thing, types),
            "type": [{"id": t.id, "name": t.name} for t in types],
            "score": round(max(0.0, min(100.0, c.score)), 1),
            "match": match,
            "features": [{"id": k, "value": v} for k, v in c.features.items()],
        })
    return out


def _description(idx: MatchIndex, t: Thing, types: list[Any]) -> str:
    """"City in Japan", "Delegation": what tells namesakes apart in a client's list."""
    kind = types[0].name if types else "Thing"
    country = idx.things.get(t.country) if t.country else None
    return f"{kind} in {country.name}" if country else kind


def _confirmed_rival(rest: list[Candidate]) -> bool:
    return any(r.confirmed and r.exact for r in rest)


def _candidates(idx: MatchIndex, q: Query) -> tuple[dict[str, Candidate], Wanted]:
    cands: dict[str, Candidate] = {}

    def add(iri: str, score: float, how: str, exact: bool, key: str = "") -> None:
        t = idx.things.get(iri)
        if t is None or not _type_ok(idx, q, t):
            return
        c = cands.get(iri)
        if c is None or score > c.score:
            feats: dict[str, float | bool] = {f"name_{how}": True, "name_score": round(score, 1)}
            cands[iri] = Candidate(t, score, feats, exact, key=key)

    text = (q.text or "").strip()
    named = bool(text) and len(text) <= MAX_QUERY_LENGTH  # a longer text is no name: no candidates
    needle = fold(text) if named else ""
    variants = _variants(idx, text, needle, q) if needle else []
    wanted = _wanted(idx, q)  # after _variants: a qualifier may have added a country
    if named:
        for iri in _by_id(idx, text):
            add(iri, 100.0, "id", True)
    if needle:
        for iri, how in idx.exact.get(needle, []):
            add(iri, NAME_SCORE[how], "exact" if how == "label" else how, True, needle)
        for bare, how in variants:
            for iri, _ in idx.exact.get(bare, []):
                add(iri, NAME_SCORE["variant"], "qualified" if how == "qualified_unknown" else how, True, bare)
                c = cands.get(iri)
                if c is not None and how == "qualified_unknown" and c.key == bare:
                    # "Odessa (Texas)": a qualifier we cannot check may name another place of that name
                    c.ambiguous = True
                    c.features["qualifier_unknown"] = True
        for iri in idx.with_words(needle):
            if iri in cands:
                continue
            t = idx.things[iri]
            best = max((len(needle) / len(k) for k, _ in t.keys if _all_words(needle, k)), default=0.0)
            if best:
                add(iri, round(70 * best, 1), "words", False)
        if not cands:
            _fuzzy(idx, needle, add)
        for c in cands.values():
            if c.key in c.thing.qualified:
                c.ambiguous = True
                c.features["name_ambiguous"] = True
    elif not text:
        for iri, score in _by_property(idx, wanted).items():
            add(iri, score, "none", False)
    return cands, wanted


def _fuzzy(idx: MatchIndex, needle: str, add: Any) -> None:
    """Names spelt like the query (a typo, another romanisation): scored by their similarity,
    at most 80, never an automatic match."""
    near: set[str] = set()
    for w in needle.split(" ")[:6]:
        for alt in idx.near_words(w):
            near |= idx.words.get(alt, set())
            if len(near) > 2000:
                break
    n = len(needle)
    for iri in sorted(near)[:2000]:
        best = 0.0
        for k, _ in idx.things[iri].keys:
            if min(n, len(k)) / max(n, len(k)) < 0.54:  # then the ratio is below 0.7 anyway
                continue
            sm = SequenceMatcher(None, needle, k)
            if sm.real_quick_ratio() >= 0.7 and sm.quick_ratio() >= 0.7:
                best = max(best, sm.ratio())
        if best >= 0.7:
            add(iri, round(80 * best, 1), "fuzzy", False)


def _variants(idx: MatchIndex, text: str, needle: str, q: Query) -> list[tuple[str, str]]:
    """(folded bare name, how) of the query without designator or qualifier; a qualifier that
    names one of our countries is added to the query's country values, any other one
    ("Odessa (Texas)") makes the name ambiguous (``qualified_unknown``)."""
    out = []
    bare = strip_designator(needle)
    if bare:
        out.append((bare, "variant"))
    m = _QUALIFIER.match(text)
    if m and m.group(1):
        head, qual = fold(m.group(1)), (m.group(2) or m.group(3) or "").strip()
        known = bool(qual) and bool(idx.country_iris(qual))
        how = "qualified" if known or not qual else "qualified_unknown"
        if head:
            out.append((head, how))
            head_bare = strip_designator(head)
            if head_bare:
                out.append((head_bare, how))
            if known and qual not in q.props.get("country", []):
                q.props.setdefault("country", []).append(qual)
    return out


def _all_words(needle: str, key: str) -> bool:
    words = key.split(" ")
    return all(w in words for w in needle.split(" "))


def _by_id(idx: MatchIndex, text: str) -> list[str]:
    iri = iri_of(text, idx.base)
    if iri and iri in idx.things:
        return [iri]
    return [i for i in idx.labels.find_id(text) if i in idx.things]


@dataclass
class Wanted:
    """A query's property values, resolved once: countries, things by id, points."""

    countries: set[str] | None = None
    ids: dict[str, set[str]] = field(default_factory=dict)  # "wikidata"/"geonames" -> our IRIs
    points: list[tuple[float, float]] | None = None


def _wanted(idx: MatchIndex, q: Query) -> Wanted:
    w = Wanted()
    for key, values in q.props.items():
        if key == "country":
            w.countries = set().union(*(idx.country_iris(v) for v in values[:MAX_VALUES_USED]))
        elif key in ("wikidata", "geonames"):
            ok = wikidata_qid if key == "wikidata" else geonames_id
            w.ids[key] = {i for v in values[:MAX_VALUES_USED] if ok(v) for i in idx.labels.find_id(v)}
        elif key == "coordinates":
            w.points = [p for p in (_point(v) for v in values[:MAX_VALUES_USED]) if p]
    return w


def _by_property(idx: MatchIndex, w: Wanted) -> dict[str, float]:
    """Candidates of a query without a name, with a base score: by id (100), the things near a
    point (60 at the point, down to 20 at 200 km), else the things of a country (40)."""
    out: dict[str, float] = {}
    for ids in w.ids.values():
        out.update({i: 100.0 for i in sorted(ids)})
    for lat, long in w.points or ():
        for d, t in idx.near(lat, long, FAR_KM)[:10]:
            out[t.iri] = max(out.get(t.iri, 0.0), round(60 - d / 5, 1))
    if w.countries and not out:
        for c in sorted(w.countries):
            out.update({t.iri: 40.0 for t in idx.by_country.get(c, [])[:100]})
    return out


def _type_ok(idx: MatchIndex, q: Query, t: Thing) -> bool:
    if not q.types:
        return True
    if q.type_strict == "all":
        return all(idx.types.is_a(t.types, w) for w in q.types)
    return any(idx.types.is_a(t.types, w) for w in q.types)


def _type(idx: MatchIndex, q: Query, c: Candidate) -> None:
    if q.types:
        c.features["type_match"] = True  # only things of the asked types are candidates


def _properties(w: Wanted, c: Candidate) -> None:
    t = c.thing
    if w.countries is not None:
        if t.country is None:
            c.features["country_match"] = False
            c.score -= 20
            c.contradicted = True
        elif t.country in w.countries:
            c.features["country_match"] = True
            c.score += 5
            c.confirmed = True
        else:
            c.features["country_match"] = False
            c.score -= 40
            c.contradicted = True
    for key, ids in w.ids.items():
        ok = t.iri in ids
        c.features[f"{key}_match"] = ok
        if ok:
            c.score = max(c.score, 100.0)
            c.confirmed = c.exact = True
        else:
            c.score -= 50
            c.contradicted = True
    if w.points and t.lat is not None and t.long is not None:
        d = min(km_between(p, (t.lat, t.long)) for p in w.points)
        c.features["distance_km"] = round(d, 1)
        if d <= NEAR_KM:
            c.score += 5
            c.confirmed = True
        elif d > FAR_KM:
            c.score -= min(40.0, 10 + d / 100)
            c.contradicted = True


_POINT = re.compile(r"\s*\(?\s*(-?\d{1,3}(?:\.\d+)?)\s*[, ;]\s*(-?\d{1,3}(?:\.\d+)?)\s*\)?\s*")


def _point(v: str) -> tuple[float, float] | None:
    m = _POINT.fullmatch(v)
    if not m:
        return None
    lat, long = float(m.group(1)), float(m.group(2))
    return (lat, long) if -90 <= lat <= 90 and -180 <= long <= 180 else None
