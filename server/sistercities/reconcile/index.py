"""What matching needs on top of the site's label index (:class:`sistercities.search.LabelIndex`).

The label index already holds every local thing's labels (``rdfs:label``, ``skos:prefLabel``,
``dct:title``, ``skos:altLabel``) folded by :func:`sistercities.search.fold`, its rdf:types and
its Wikidata/GeoNames ids.  :class:`MatchIndex` adds, for the things of our reconcilable types
(:mod:`.types`):

* ``exact``: folded name -> [(iri, how)], ``how`` one of ``label`` (a main label in any
  language), ``alt`` (an alternative label: the spelling variants of the sources) or ``variant``
  (a city's name without its designator: "新潟" for "新潟市", "부천" for "부천시");
* ``words``: folded word -> iris, for names that contain every word of a query;
* per thing: its country, coordinates and Wikidata items; ``qualified``: the bare names the
  curators qualified in an alternative label ("Victoria" of "Victoria, British Columbia"),
  which are ambiguous in the world and never auto-matched alone;
* countries by folded name, ISO code and Wikidata item (for the ``country`` property).

Built once per label index (per worker) by :func:`match_index`.  Never imports Flask.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import weakref
from dataclasses import dataclass, field

import pyoxigraph as ox

from sistercities.documents import best_literal
from sistercities.search import LabelIndex, fold
from sistercities.store import Store, StoreError
from sistercities.uris import ontology_ns

from .types import Types

WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
#: Designators a city's name may carry in a table or a label: stripped to give a variant.
CITY_SUFFIXES = (" city", " town", " shi", " si", " gwangyeoksi", "광역시", "특별시", "市", "시", " 市")
CITY_PREFIXES = ("city of ", "town of ", "municipality of ")


@dataclass
class Thing:
    iri: str
    name: str
    types: list[str]
    keys: list[tuple[str, str]] = field(default_factory=list)  # (folded name, how)
    country: str | None = None
    lat: float | None = None
    long: float | None = None
    qids: list[str] = field(default_factory=list)
    qualified: set[str] = field(default_factory=set)  # bare names qualified in an alt label


def strip_designator(key: str) -> str | None:
    """``key`` without a city designator ("khabarovsk city" -> "khabarovsk", "新潟市" -> "新潟"), or None."""
    for p in CITY_PREFIXES:
        if key.startswith(p) and len(key) > len(p):
            return key[len(p):].strip()
    for s in CITY_SUFFIXES:
        if key.endswith(s) and len(key) > len(s):
            return key[: -len(s)].strip()
    return None


class MatchIndex:
    def __init__(self, labels: LabelIndex, store: Store) -> None:
        base = labels.base
        tw = ontology_ns(base)
        self.base = base
        self.types = Types(store, base)
        self.labels = labels
        city = tw + "City"
        self.things: dict[str, Thing] = {}
        self.exact: dict[str, list[tuple[str, str]]] = {}
        self.words: dict[str, set[str]] = {}
        for e in labels.entries.values():
            if not e.keys or not self.types.reconcilable(e.types):
                continue
            t = Thing(e.iri, best_literal(e.main or e.alt, ["en"]) or e.iri, e.types)
            is_city = self.types.is_a(e.types, city)
            for key, main in e.keys:
                if not key:
                    continue
                self._add(t, key, "label" if main else "alt")
                if is_city:
                    bare = strip_designator(key)
                    if bare:
                        self._add(t, bare, "variant")
            for lit in e.alt:
                head, sep, _ = lit.value.partition(",")
                if sep and fold(head) in {k for k, _ in t.keys}:
                    t.qualified.add(fold(head))
            self.things[e.iri] = t
        for (scheme, ident), iris in labels.ids.items():
            if scheme == "wikidata":
                for iri in iris:
                    if iri in self.things:
                        self.things[iri].qids.append(ident)
        for q in store.quads(None, ox.NamedNode(tw + "country")):
            c = self.things.get(q.subject.value) if isinstance(q.subject, ox.NamedNode) else None
            if c is not None and isinstance(q.object, ox.NamedNode):
                c.country = q.object.value
        for name in ("lat", "long"):
            for q in store.quads(None, ox.NamedNode(WGS + name)):
                p = self.things.get(q.subject.value) if isinstance(q.subject, ox.NamedNode) else None
                if p is not None and isinstance(q.object, ox.Literal):
                    with contextlib.suppress(ValueError):
                        setattr(p, name, float(q.object.value))
        #: countries by folded name, ISO code and QID
        self.countries: dict[str, set[str]] = {}
        country = tw + "Country"
        for t in self.things.values():
            if self.types.is_a(t.types, country):
                for key, _ in t.keys:
                    self.countries.setdefault(key, set()).add(t.iri)
                for qid in t.qids:
                    self.countries.setdefault(qid.lower(), set()).add(t.iri)
        for q in store.quads(None, ox.NamedNode(tw + "countryCode")):
            if isinstance(q.subject, ox.NamedNode) and q.subject.value in self.things and isinstance(q.object, ox.Literal):
                self.countries.setdefault(fold(q.object.value), set()).add(q.subject.value)
        #: things with coordinates, by 1-degree cell; things by country
        self.cells: dict[tuple[int, int], list[Thing]] = {}
        self.by_country: dict[str, list[Thing]] = {}
        for t in self.things.values():
            if t.lat is not None and t.long is not None:
                self.cells.setdefault((math.floor(t.lat), math.floor(t.long)), []).append(t)
            if t.country:
                self.by_country.setdefault(t.country, []).append(t)
        self._trigrams: dict[str, set[str]] | None = None  # built on the first typo

    def near(self, lat: float, long: float, km: float) -> list[tuple[float, Thing]]:
        """(distance in km, thing) of the things with coordinates within ``km`` (<= 500), nearest first."""
        dlat = math.ceil(min(km, 500.0) / 111.0)
        dlong = min(180, math.ceil(dlat / max(0.05, math.cos(math.radians(min(89.0, abs(lat)))))))
        found = []
        for i in range(math.floor(lat) - dlat, math.floor(lat) + dlat + 1):
            for j in range(math.floor(long) - dlong, math.floor(long) + dlong + 1):
                for t in self.cells.get((i, (j + 180) % 360 - 180), ()):
                    d = km_between((lat, long), (t.lat, t.long))  # type: ignore[arg-type]
                    if d <= km:
                        found.append((d, t))
        return sorted(found, key=lambda x: (x[0], x[1].iri))

    def _add(self, t: Thing, key: str, how: str) -> None:
        if (key, how) in t.keys or any(k == key for k, _ in t.keys):
            return
        t.keys.append((key, how))
        self.exact.setdefault(key, []).append((t.iri, how))
        for w in key.split(" "):
            self.words.setdefault(w, set()).add(t.iri)

    def near_words(self, word: str, limit: int = 10) -> list[str]:
        """Words of our names spelt like ``word`` (trigram Dice >= 0.5): the typo candidates."""
        if self._trigrams is None:
            grams: dict[str, set[str]] = {}
            for w in self.words:
                for g in _trigrams(w):
                    grams.setdefault(g, set()).add(w)
            self._trigrams = grams
        mine = _trigrams(word)
        counts: dict[str, int] = {}
        for g in mine:
            for w in self._trigrams.get(g, ()):
                counts[w] = counts.get(w, 0) + 1
        scored = sorted(((2 * n / (len(mine) + len(_trigrams(w))), w) for w, n in counts.items()), reverse=True)
        return [w for d, w in scored[:limit] if d >= 0.5]

    def with_words(self, needle: str, cap: int = 5000) -> set[str]:
        """Things with a name containing every word of ``needle`` (at most ``cap`` of them)."""
        lists = sorted((self.words.get(w, set()) for w in set(needle.split(" "))), key=len)
        if not lists or not lists[0]:
            return set()
        out = set(lists[0])
        for other in lists[1:]:
            out &= other
            if not out:
                break
        if len(out) > cap:
            out = set(sorted(out)[:cap])
        return out

    def country_iris(self, value: str) -> set[str]:
        """The countries a property value names: our IRI, a Wikidata item, a name or an ISO code."""
        from sistercities.search import wikidata_qid

        v = value.strip()
        if v in self.things:
            return {v} if self.types.is_a(self.things[v].types, ontology_ns(self.base) + "Country") else set()
        qid = wikidata_qid(v)
        if qid:
            return set(self.countries.get(qid.lower(), set()))
        return set(self.countries.get(fold(v), set()))


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _trigrams(word: str) -> set[str]:
    w = f"  {word} "
    return {w[i:i + 3] for i in range(len(w) - 2)}


_CACHE: weakref.WeakKeyDictionary[LabelIndex, MatchIndex] = weakref.WeakKeyDictionary()
_BUILDING: dict[int, threading.Thread] = {}
_LOCK = threading.Lock()
log = logging.getLogger(__name__)


def match_index(labels: LabelIndex, store: Store, wait: float | None = None) -> MatchIndex | None:
    """The match index of this label index, built once (on a background thread) and kept with it.

    With ``wait`` (seconds), None when it is not ready by then — so a slow build (about a second
    at 1M triples) never holds a sync worker past gunicorn's timeout; without, it blocks."""
    with _LOCK:
        idx = _CACHE.get(labels)
        if idx is not None:
            return idx
        thread = _BUILDING.get(id(labels))
        if thread is None:
            thread = _BUILDING[id(labels)] = threading.Thread(
                target=_build, args=(labels, store), name="match-index", daemon=True)
            thread.start()
    thread.join(wait)
    return _CACHE.get(labels)


def _build(labels: LabelIndex, store: Store) -> None:
    try:
        idx = MatchIndex(labels, store)
        with _LOCK:
            _CACHE[labels] = idx
    except StoreError as e:
        log.warning("building the match index failed (will retry): %s", e)
    except Exception:
        log.exception("building the match index failed")
    finally:
        with _LOCK:
            _BUILDING.pop(id(labels), None)
