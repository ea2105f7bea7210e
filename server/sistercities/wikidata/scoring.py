"""How well a Wikidata item fits one of our entities: a score from 0 to 100 and its reasons.

Four signals, added up and clamped to 0–100:

========== ============================================== =====================================
signal     for                                            against
========== ============================================== =====================================
name       +30 an ``rdfs:label`` is ours; +20 only an     –
           ``skos:altLabel``
class      +30 ``wdt:P31/wdt:P279*`` reaches the class of –40 it has classes, none reaches it
           our kind (city: Q515 city, Q15284 municipality,
           Q486972 human settlement; country: Q6256;
           organisation: Q43229)
country    +20 its ``wdt:P17`` is our country's QID       –40 another country
           (for a country: its ``wdt:P297`` ISO code is
           our ``tw:countryCode``)
distance   +20 ≤ 25 km, +15 ≤ 50 km, +10 ≤ 100 km,        –10 over 300 km, –30 over 1,000 km
           0 ≤ 300 km (from our ``wgs:lat``/``wgs:long``
           to its ``wdt:P625``)
========== ============================================== =====================================

A signal that cannot be checked (no classes, no country or coordinates on either side) counts 0.
So a namesake in another country (Odessa, Texas, for our Odesa) or of the wrong kind (Maizuru Bay,
a state called Victoria) scores low even though its name matches exactly.  Never imports Flask.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from sistercities.wikidata.entities import Entity

#: the classes an item of each kind of ours must reach, most specific first
KIND_TARGETS: dict[str, tuple[str, ...]] = {
    "city": ("Q515", "Q15284", "Q486972"),
    "country": ("Q6256",),
    "organisation": ("Q43229",),
}
TARGET_LABELS = {"Q515": "city", "Q15284": "municipality", "Q486972": "human settlement", "Q6256": "country",
                 "Q43229": "organization"}
TARGETS = tuple(TARGET_LABELS)
#: (at most this many km, points); farther than the last: -30
DISTANCE_POINTS = ((25, 20), (50, 15), (100, 10), (300, 0), (1000, -10))

_POINT = re.compile(r"^\s*(?:<([^>]*)>\s*)?point\s*\(\s*([-+]?[0-9.]+(?:e[-+]?\d+)?)\s+"
                    r"([-+]?[0-9.]+(?:e[-+]?\d+)?)\s*\)\s*$", re.I)
_EARTH = "http://www.wikidata.org/entity/Q2"


def parse_point(wkt: str) -> tuple[float, float] | None:
    """``Point(lon lat)`` (a geo:wktLiteral, optionally with Wikidata's globe IRI first) -> (lat, lon)."""
    m = _POINT.match(wkt)
    if not m or (m.group(1) and m.group(1) != _EARTH):
        return None  # not a point, or on another globe (Wikidata gives the Moon's craters coordinates too)
    lon, lat = float(m.group(2)), float(m.group(3))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, mean Earth radius 6,371 km)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Match:
    text: str
    lang: str
    alt: bool  # the item's skos:altLabel, not its rdfs:label

    def __str__(self) -> str:
        return f"'{self.text}'@{self.lang}" if self.lang else f"'{self.text}'"


@dataclass
class Candidate:
    qid: str
    matches: list[Match] = field(default_factory=list)
    label: str | None = None
    description: str | None = None
    countries: dict[str, str | None] = field(default_factory=dict)  # QID -> English label
    points: list[tuple[float, float]] = field(default_factory=list)
    classes: dict[str, str | None] = field(default_factory=dict)  # P31 class QID -> English label
    reaches: dict[str, set[str]] = field(default_factory=dict)  # P31 class QID -> targets it reaches
    iso: str | None = None  # ISO 3166-1 alpha-2 code (P297), for countries

    def add_details(self, label: str | None, description: str | None, country: str | None,
                    country_label: str | None, coord: str | None, iso: str | None = None) -> None:
        self.label = self.label or label
        self.iso = self.iso or (iso.strip().upper() if iso else None)
        self.description = self.description or description
        if country is not None and not self.countries.get(country):
            self.countries[country] = country_label
        point = parse_point(coord) if coord else None
        if point is not None and point not in self.points:
            self.points.append(point)

    def add_class(self, cls: str, label: str | None, target: str | None) -> None:
        if not self.classes.get(cls):
            self.classes[cls] = label
        self.reaches.setdefault(cls, set())
        if target is not None:
            self.reaches[cls].add(target)

    def country_text(self) -> str:
        return " / ".join(label or qid for qid, label in self.countries.items())


@dataclass
class Scored:
    candidate: Candidate
    score: int
    reasons: list[str]
    distance: float | None

    @property
    def sort_key(self) -> tuple[int, int, int]:
        exact = any(not m.alt for m in self.candidate.matches)
        return (-self.score, 0 if exact else 1, int(self.candidate.qid[1:]))


def _km(d: float) -> str:
    return f"{d:.1f} km" if d < 10 else f"{d:,.0f} km"


def _name(c: Candidate) -> tuple[int, str]:
    exact = [m for m in c.matches if not m.alt]
    shown = (exact or c.matches)[:3]
    kind = "label" if exact else "altLabel"
    more = f" (+{len(c.matches) - len(shown)} more)" if len(c.matches) > len(shown) else ""
    return (30 if exact else 20), f"label matches {', '.join(map(str, shown))} ({kind}){more}"


def _class(e: Entity, c: Candidate) -> tuple[int, str]:
    targets = KIND_TARGETS[e.kind]
    if not c.classes:
        return 0, "class unknown (no instance of)"
    for t in targets:
        for cls in sorted(c.reaches, key=lambda q: int(q[1:])):
            if t in c.reaches[cls]:
                how = t if cls == t else f"{cls} ⊑ {t}"
                return 30, f"class {TARGET_LABELS[t]} ✓ ({how})"
    shown = ", ".join(f"{c.classes[q] or q} ({q})" for q in sorted(c.classes, key=lambda q: int(q[1:]))[:2])
    return -40, f"class ✗: {shown} is not a {TARGET_LABELS[targets[-1]]}"


def _country(e: Entity, c: Candidate) -> tuple[int, str | None]:
    if e.kind == "country":  # a country is its own country: compare the ISO 3166-1 codes instead
        if e.code is None or c.iso is None:
            return 0, None
        if e.code == c.iso:
            return 20, f"ISO 3166-1 code {c.iso} ✓"
        return -40, f"ISO 3166-1 code {c.iso} ✗ (ours: {e.code})"
    if e.country_qid is None:
        return 0, None if e.country is None else f"country not compared (our {e.country_label} has no Wikidata link)"
    if not c.countries:
        return 0, "country unknown (no P17)"
    if e.country_qid in c.countries:
        return 20, f"country {c.countries[e.country_qid] or e.country_label} ✓"
    return -40, f"country {c.country_text()} ✗ (ours: {e.country_label})"


def _distance(e: Entity, c: Candidate) -> tuple[int, str | None, float | None]:
    if e.lat is None or e.long is None:
        return 0, None, None
    if not c.points:
        return 0, "no coordinates on Wikidata", None
    d = min(distance_km((e.lat, e.long), p) for p in c.points)
    points = next((pts for limit, pts in DISTANCE_POINTS if d <= limit), -30)
    mark = " ✗" if points < 0 else ""
    return points, f"{_km(d)} from our coordinates{mark}", d


def score(e: Entity, c: Candidate) -> Scored:
    name, name_reason = _name(c)
    cls, cls_reason = _class(e, c)
    ctry, ctry_reason = _country(e, c)
    dist, dist_reason, d = _distance(e, c)
    total = max(0, min(100, name + cls + ctry + dist))
    reasons = [r for r in (name_reason, cls_reason, ctry_reason, dist_reason) if r]
    return Scored(c, total, reasons, d)
