"""Data extension: ``extend=`` queries, answered per entity id with the values of the requested properties.

A query is ``{"ids": [...], "properties": [{"id": ..., "settings": {...}}, ...]}`` (0.2
``data-extension-query.json``); :func:`parse` checks it (:class:`BadExtend`, a one-line message, for
anything else) and :func:`extend` answers it (``data-extension-response.json``).  Unknown entity ids
get empty values for every property, unknown property ids a column of empty values (a
client may ask a property of another service): neither is an error.

Dates are given as stated (``str``: "1965", "2005-05", "1965-04-23"): the 0.2 ``date`` value must be
a full date-time, which would give a year the false precision of its first second; the ``dates``
setting ``date-time`` asks for exactly that, for OpenRefine's date facets.  Never imports Flask.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from sistercities.documents import DCT_TITLE, RDF_TYPE, RDFS_LABEL, SKOS_ALT, SKOS_PREF, best_literal
from sistercities.reconcile.properties import BY_ID, MAX_LIMIT, PROPERTIES, PROPERTY_SETTINGS
from sistercities.reconcile.types import Types, iri_of
from sistercities.search import fold
from sistercities.stats import WIKIDATA
from sistercities.store import Store
from sistercities.uris import ontology_ns

MAX_IDS = 1000
MAX_PROPERTIES = 50
OWL_SAMEAS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCT = "http://purl.org/dc/terms/"
SCHEMA_URL = ox.NamedNode("https://schema.org/url")
XSD = "http://www.w3.org/2001/XMLSchema#"
DATE_CHOICES = tuple(str(c["value"]) for c in PROPERTY_SETTINGS[1]["choices"])  # type: ignore[attr-defined]
Value = dict[str, Any]


def local_iri(ident: str, base: str) -> str | None:
    """Our IRI an entity id names (the IRI or its path, :func:`iri_of`), if it is a well-formed IRI."""
    iri = iri_of(ident, base)
    if iri is None:
        return None
    try:
        ox.NamedNode(iri)
    except ValueError:  # "id/city/a b", "id/city/<x>", a NUL...: names nothing
        return None
    return iri


class BadExtend(ValueError):
    """A malformed data extension query (the message says what is wrong, on one line)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PropRequest:
    id: str
    limit: int = 0
    dates: str = "as-stated"


@dataclass
class Query:
    ids: list[str]
    properties: list[PropRequest] = field(default_factory=list)


def parse(raw: str) -> Query:
    """The query in ``raw`` (JSON text), checked against the 0.2 schema and our limits."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise BadExtend(f"extend is not valid JSON: {str(e)[:120]}") from None
    if not isinstance(data, dict):
        raise BadExtend('extend must be a JSON object {"ids": [...], "properties": [{"id": ...}]}.')
    for key in ("ids", "properties"):
        if key not in data:
            raise BadExtend(f'extend has no "{key}": give {{"ids": [...], "properties": [{{"id": ...}}]}}.')
    ids, props = data["ids"], data["properties"]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise BadExtend('"ids" must be an array of strings (entity ids).')
    if not isinstance(props, list):
        raise BadExtend('"properties" must be an array of objects {"id": ..., "settings": {...}}.')
    if len(ids) > MAX_IDS:
        raise BadExtend(f"Too many ids: at most {MAX_IDS} per extend query, got {len(ids)}.", 413)
    if len(props) > MAX_PROPERTIES:
        raise BadExtend(f"Too many properties: at most {MAX_PROPERTIES} per extend query, got {len(props)}.", 413)
    out = Query(list(ids))
    seen: set[str] = set()
    for n, p in enumerate(props, 1):
        if not isinstance(p, dict) or not isinstance(p.get("id"), str):
            raise BadExtend(f'properties[{n}] must be an object with a string "id".')
        settings = p.get("settings", {})
        if not isinstance(settings, dict):
            raise BadExtend(f'properties[{n}].settings must be an object.')
        req = PropRequest(p["id"], _limit(settings.get("limit", 0), n), _dates(settings.get("dates", "as-stated"), n))
        if req.id not in seen:  # a property asked twice is answered once (rows are keyed by property id)
            seen.add(req.id)
            out.properties.append(req)
    return out


def _limit(v: Any, n: int) -> int:
    text = str(v).strip() if isinstance(v, (str, int)) and not isinstance(v, bool) else None
    if text is None or not text.isascii() or not text.isdigit() or int(text) > MAX_LIMIT:
        raise BadExtend(f"properties[{n}].settings.limit must be a whole number from 0 to {MAX_LIMIT}, got {str(v)[:40]!r}.")
    return int(text)


def _dates(v: Any, n: int) -> str:
    if v not in DATE_CHOICES:
        raise BadExtend(f"properties[{n}].settings.dates must be one of {', '.join(DATE_CHOICES)}, got {str(v)[:40]!r}.")
    return str(v)


class Facts:
    """Reads what the properties need from the store (each triple once, whatever graph states it)."""

    def __init__(self, store: Store, base: str, types: Types) -> None:
        self.store, self.base, self.types = store, base, types
        self.tw = ontology_ns(base)
        self._twinnings: dict[str, list[Twinning]] = {}

    def objects(self, iri: str, pred: str) -> list[ox.NamedNode | ox.Literal]:
        out: list[Any] = []
        for q in self.store.quads(ox.NamedNode(iri), ox.NamedNode(pred)):
            if not isinstance(q.object, ox.BlankNode) and q.object not in out:
                out.append(q.object)
        return out

    def subjects(self, pred: str, obj: ox.NamedNode | ox.Literal) -> list[str]:
        out: list[str] = []
        for q in self.store.quads(None, ox.NamedNode(pred), obj):
            if isinstance(q.subject, ox.NamedNode) and q.subject.value not in out:
                out.append(q.subject.value)
        return out

    def iris(self, iri: str, pred: str) -> list[str]:
        return [o.value for o in self.objects(iri, pred) if isinstance(o, ox.NamedNode)]

    def literals(self, iri: str, pred: str) -> list[ox.Literal]:
        return [o for o in self.objects(iri, pred) if isinstance(o, ox.Literal)]

    def rdf_types(self, iri: str) -> list[str]:
        return self.iris(iri, RDF_TYPE.value)

    def names(self, iri: str) -> list[ox.Literal]:
        return [lit for p in (SKOS_PREF, RDFS_LABEL, DCT_TITLE) for lit in self.literals(iri, p.value)]

    def label(self, iri: str, langs: list[str] | None = None) -> str:
        return best_literal(self.names(iri), langs or ["en"]) or iri

    def known(self, iri: str) -> bool:
        return bool(self.rdf_types(iri)) or bool(self.names(iri))

    def is_a(self, iri: str, local: str) -> bool:
        return self.types.is_a(self.rdf_types(iri), self.tw + local)

    def entity(self, iri: str) -> Value:
        return {"id": iri, "name": self.label(iri)}

    def twinnings(self, city: str) -> list[Twinning]:
        """The twinnings of ``city`` (records, and ``tw:twinnedWith`` links without one), by partner name
        (read once per query: every aligned column uses the same list)."""
        if city not in self._twinnings:
            self._twinnings[city] = self._read_twinnings(city)
        return self._twinnings[city]

    def _read_twinnings(self, city: str) -> list[Twinning]:
        out: list[Twinning] = []
        for rec in self.subjects(self.tw + "partner", ox.NamedNode(city)):
            if not self.is_a(rec, "Twinning"):
                continue
            partners = [p for p in self.iris(rec, self.tw + "partner") if p != city]
            out.append(Twinning(rec, partners[0] if partners else None,
                                _first(self.literals(rec, self.tw + "startDate")),
                                _first(self.literals(rec, self.tw + "endDate"))))
        linked = {t.partner for t in out}
        for other in self.iris(city, self.tw + "twinnedWith"):
            if other not in linked:
                out.append(Twinning(None, other, None, None))
        out.sort(key=lambda t: (fold(self.label(t.partner)) if t.partner else "", t.start.value if t.start else "",
                                t.record or ""))
        return out

    def documents(self, rec: str) -> list[str]:
        """The source documents stating ``rec``: those of the paragraphs it is derived from, by date issued."""
        docs: list[str] = []
        for para in self.iris(rec, PROV + "wasDerivedFrom"):
            for doc in self.iris(para, DCT + "isPartOf") or ([para] if self.is_a(para, "SourceDocument") else []):
                if doc not in docs:
                    docs.append(doc)
        return sorted(docs, key=lambda d: (_first_value(self.literals(d, DCT + "issued")) or "9999", d))

    def record_source(self, rec: str) -> str | None:
        """The one document given for a twinning on a city's row: the one quoted for its start date,
        else the first (by date issued) stating it."""
        quoted: list[str] = []
        start = _first(self.literals(rec, self.tw + "startDate"))
        if start is not None:
            for ev in self.subjects(RDF + "subject", ox.NamedNode(rec)):
                if self.iris(ev, RDF + "predicate") == [self.tw + "startDate"] and start in self.objects(ev, RDF + "object"):
                    for para in self.iris(ev, PROV + "wasQuotedFrom"):
                        quoted += self.iris(para, DCT + "isPartOf")
        docs = self.documents(rec)
        for d in docs:
            if d in quoted:
                return d
        return docs[0] if docs else None


@dataclass(frozen=True)
class Twinning:
    record: str | None
    partner: str | None
    start: ox.Literal | None
    end: ox.Literal | None


def _first(lits: list[ox.Literal]) -> ox.Literal | None:
    return min(lits, key=lambda lit: lit.value) if lits else None


def _first_value(lits: list[ox.Literal]) -> str | None:
    lit = _first(lits)
    return lit.value if lit is not None else None


def date_value(lit: ox.Literal | None, mode: str) -> Value:
    """A date at its precision (``{"str": "1965"}``), or as a 0.2 date-time; ``{}`` for none."""
    if lit is None:
        return {}
    text = lit.value
    if mode != "date-time":
        return {"str": text}
    dt = lit.datatype.value
    if dt == XSD + "gYear" and len(text) >= 4:
        return {"date": f"{text[:-4] if len(text) > 4 else ''}{text[-4:]}-01-01T00:00:00Z"}
    if dt == XSD + "gYearMonth":
        return {"date": f"{text}-01T00:00:00Z"}
    if dt == XSD + "date":
        return {"date": f"{text[:10] if not text.startswith('-') else text[:11]}T00:00:00Z"}
    if dt == XSD + "dateTime":
        return {"date": text if text.endswith("Z") or "+" in text[10:] else text + "Z"}
    return {"str": text}


def values(f: Facts, iri: str, prop: str, dates: str) -> list[Value]:
    """The values of property ``prop`` of the thing ``iri`` (its IRI, known to exist)."""
    tw = f.tw
    if prop == "label":
        name = best_literal(f.names(iri), ["en"])
        return [{"str": name}] if name else []
    if prop == "variants":
        main = best_literal(f.names(iri), ["en"])
        seen: list[str] = []
        for lit in f.names(iri) + f.literals(iri, SKOS_ALT.value):
            if lit.value != main and lit.value not in seen:
                seen.append(lit.value)
        return [{"str": s} for s in seen]
    if prop == "wikidata":
        qids = sorted({o[len(WIKIDATA):] for o in f.iris(iri, OWL_SAMEAS.value) if o.startswith(WIKIDATA)},
                      key=lambda q: (len(q), q))
        return [{"str": q} for q in qids]
    if prop == "country":
        return [f.entity(c) for c in f.iris(iri, tw + "country")]
    if prop in ("coordinates", "latitude", "longitude"):
        lat, long = _first(f.literals(iri, WGS + "lat")), _first(f.literals(iri, WGS + "long"))
        if lat is None or long is None:
            return []
        if prop == "coordinates":
            return [{"str": f"{lat.value},{long.value}"}]
        try:
            return [{"float": float((lat if prop == "latitude" else long).value)}]
        except ValueError:
            return []
    if prop == "geonames":
        return [{"str": lit.value} for lit in f.literals(iri, tw + "geonamesId")]
    if prop == "countryCode":
        return [{"str": lit.value} for lit in f.literals(iri, tw + "countryCode")]
    if prop in ("twinnedWith", "twinningStart", "twinningEnd", "twinning") or (prop == "source" and f.is_a(iri, "City")):
        out: list[Value] = []
        for t in f.twinnings(iri):
            if prop == "twinnedWith":
                out.append(f.entity(t.partner) if t.partner else {})
            elif prop == "twinningStart":
                out.append(date_value(t.start, dates))
            elif prop == "twinningEnd":
                out.append(date_value(t.end, dates))
            elif prop == "twinning":
                out.append(f.entity(t.record) if t.record else {})
            else:
                source = f.record_source(t.record) if t.record else None
                out.append(f.entity(source) if source else {})
        return out
    if prop == "source":
        return [f.entity(d) for d in f.documents(iri)]
    if prop == "partner":
        return [f.entity(p) for p in sorted(f.iris(iri, tw + "partner"), key=lambda p: fold(f.label(p)))]
    if prop in ("startDate", "endDate"):
        when = _first(f.literals(iri, tw + prop))
        return [date_value(when, dates)] if when is not None else []
    if prop == "url":
        return [{"str": o.value} for o in f.objects(iri, SCHEMA_URL.value)]
    if prop == "issued":
        return [date_value(lit, dates) for lit in f.literals(iri, DCT + "issued")]
    return []


def meta(props: list[PropRequest], tw: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in props:
        p = BY_ID.get(r.id)
        item: dict[str, Any] = {"id": r.id, "name": p.name if p else r.id}
        if p and p.value_type:
            item["type"] = {"id": tw + p.value_type, "name": _TYPE_NAMES.get(p.value_type, p.value_type)}
        out.append(item)
    return out


_TYPE_NAMES = {"SourceDocument": "Source document"}


def extend(store: Store, base: str, types: Types, query: Query) -> dict[str, Any]:
    """The data extension response to ``query`` (rows keyed by the ids as given)."""
    f = Facts(store, base, types)
    rows: dict[str, dict[str, list[Value]]] = {}
    for ident in query.ids:
        iri = local_iri(ident, base)
        known = iri is not None and f.known(iri)
        row: dict[str, list[Value]] = {}
        for r in query.properties:
            vals = values(f, iri, r.id, r.dates) if known and iri is not None and r.id in BY_ID else []
            row[r.id] = vals[:r.limit] if r.limit else vals
        rows[ident] = row
    return {"meta": meta(query.properties, f.tw), "rows": rows}


__all__ = ["PROPERTIES", "BadExtend", "Query", "extend", "parse"]
