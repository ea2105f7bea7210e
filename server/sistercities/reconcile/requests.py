"""Reconciliation query batches: parsing and validating what clients send (pure, no Flask).

A batch is a JSON object of query id -> query (Reconciliation API 0.2, §3.1), sent as the
``queries`` form field (POST, what OpenRefine does) or URL parameter (GET); one query may also
come alone as ``query=`` (a JSON object or a plain string), answered as the batch ``{"q0": …}``.
Every problem is a :class:`BadRequest` with a one-line message (and the HTTP status to answer):
a batch that does not follow the schema (``reconciliation-query-batch.json``), more than
:data:`MAX_QUERIES` queries (413), an unknown type or property id (400, naming the known ones).
Values that merely do not match anything (an unreadable coordinate, a country we do not have)
are not errors: they make no candidate match.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from .types import Types, UnknownType

#: Largest batch (the manifest's ``batchSize``); more queries -> 413.
MAX_QUERIES = 100
DEFAULT_LIMIT = 5
MAX_LIMIT = 25
MAX_VALUES = 20  # values of one property in one query
MAX_PROPERTIES = 10
MAX_ID_LENGTH = 200

TW_COUNTRY = "country"  # resolved against the ontology namespace
OWL_SAMEAS = "http://www.w3.org/2002/07/owl#sameAs"
LAT_LONG = "http://www.w3.org/2003/01/geo/wgs84_pos#lat_long"
GEONAMES_ID = "geonamesId"  # resolved against the ontology namespace


@dataclass(frozen=True)
class Property:
    key: str  # internal name: country, wikidata, coordinates, geonames
    name: str
    aliases: tuple[str, ...]
    description: str


def properties(tw: str) -> tuple[tuple[str, Property], ...]:
    """(canonical pid, property) of every property a query may use; the first is what
    ``/reconcile/suggest/property`` should offer."""
    return (
        (tw + TW_COUNTRY, Property("country", "country", ("tw:country", "country", "P17"),
                                   "the country a city lies in: its name, ISO code, our IRI or Wikidata item")),
        (OWL_SAMEAS, Property("wikidata", "Wikidata item", ("owl:sameAs", "wikidata", "qid", "sameAs"),
                              "the Wikidata item (Q-id or entity IRI) of the thing")),
        (LAT_LONG, Property("coordinates", "coordinates", ("wgs:lat_long", "coordinates", "coords", "P625",
                                                            "wgs:lat,long", "lat,long"),
                            'latitude and longitude in degrees, as "lat,long"')),
        (tw + GEONAMES_ID, Property("geonames", "GeoNames id", ("tw:geonamesId", "geonames", "geonamesId"),
                                    "the GeoNames feature id (a number or sws.geonames.org IRI)")),
    )


class BadRequest(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Query:
    id: str
    text: str | None
    types: list[str] = field(default_factory=list)  # class IRIs
    type_strict: str = "any"
    limit: int = DEFAULT_LIMIT
    props: dict[str, list[str]] = field(default_factory=dict)  # property key -> values (strings)


def parse_batch(raw: str, types: Types, single: bool = False) -> list[Query]:
    """The queries of a ``queries=`` value (or of a ``query=`` value when ``single``)."""
    if single:
        try:
            data: Any = json.loads(raw, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            data = raw  # a plain string: the name itself
        if isinstance(data, str):
            data = {"query": data}
        return [_query("q0", data, types)]
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise BadRequest("queries: the JSON is nested too deeply.") from None
    except ValueError as e:
        raise BadRequest(f"queries is not valid JSON: {str(e)[:120]}.") from None
    if not isinstance(data, dict):
        raise BadRequest("queries must be a JSON object of query id -> query, "
                         'e.g. {"q0": {"query": "Khabarovsk"}}.')
    if len(data) > MAX_QUERIES:
        raise BadRequest(f"Too many queries in one batch: {len(data)}, at most {MAX_QUERIES} "
                         "(the manifest's batchSize).", 413)
    return [_query(k, v, types) for k, v in data.items()]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_FIELDS = ("query", "type", "limit", "properties", "type_strict")


def _query(qid: str, q: Any, types: Types) -> Query:
    where = f"query {qid[:40]!r}"
    if len(qid) > MAX_ID_LENGTH:
        raise BadRequest(f"A query id is longer than {MAX_ID_LENGTH} characters.")
    if not isinstance(q, dict):
        raise BadRequest(f"{where} must be a JSON object with a \"query\" and/or \"properties\".")
    extra = [k for k in q if k not in _FIELDS]
    if extra:
        raise BadRequest(f"{where} has an unknown field {extra[0][:40]!r}: the fields are {', '.join(_FIELDS)}.")
    text = q.get("query")
    if text is not None and not isinstance(text, str):
        raise BadRequest(f"{where}: \"query\" must be a string.")
    props_raw = q.get("properties")
    if props_raw is not None and not isinstance(props_raw, list):
        raise BadRequest(f"{where}: \"properties\" must be a list of {{\"pid\", \"v\"}} objects.")
    if text is None and not props_raw:
        raise BadRequest(f"{where} needs a \"query\" string or a non-empty \"properties\" list.")
    out = Query(qid, text)
    t = q.get("type")
    if t is not None:
        if isinstance(t, str):
            t = [t]
        if not isinstance(t, list) or not all(isinstance(x, str) for x in t):
            raise BadRequest(f"{where}: \"type\" must be a type id or a list of type ids.")
        try:
            out.types = list(dict.fromkeys(types.resolve(x) for x in t[:20]))
        except UnknownType as e:
            raise BadRequest(f"{where}: {e}") from None
    strict = q.get("type_strict")
    if strict is not None:
        if strict not in ("any", "should", "all"):
            raise BadRequest(f"{where}: \"type_strict\" must be one of any, should, all.")
        out.type_strict = strict
    limit = q.get("limit")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not math.isfinite(limit) \
                or limit < 1 or limit != int(limit):
            raise BadRequest(f"{where}: \"limit\" must be a positive whole number.")
        out.limit = min(int(limit), MAX_LIMIT)
    if props_raw:
        out.props = _properties(where, props_raw, types)
    return out


def _properties(where: str, items: list[Any], types: Types) -> dict[str, list[str]]:
    known = properties(types.tw)
    by_name: dict[str, str] = {}
    for pid, p in known:
        for name in (pid, *p.aliases):
            by_name[name.lower()] = p.key
    out: dict[str, list[str]] = {}
    if len(items) > MAX_PROPERTIES:
        raise BadRequest(f"{where}: at most {MAX_PROPERTIES} properties.")
    for item in items:
        if not isinstance(item, dict) or "pid" not in item or "v" not in item:
            raise BadRequest(f"{where}: each property must be an object with \"pid\" and \"v\".")
        pid = item["pid"]
        if not isinstance(pid, str):
            raise BadRequest(f"{where}: \"pid\" must be a string.")
        key = by_name.get(pid.strip().lower())
        if key is None:
            names = "; ".join(f"{pid_} ({p.name})" for pid_, p in known)
            raise BadRequest(f"{where}: unknown property {pid[:60]!r}: the known properties are {names}.")
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        if len(values) > MAX_VALUES:
            raise BadRequest(f"{where}: at most {MAX_VALUES} values per property.")
        for v in values:
            out.setdefault(key, []).extend(_value(where, v))
    return out


def _value(where: str, v: Any) -> list[str]:
    if isinstance(v, bool):
        return [str(v).lower()]
    if isinstance(v, (int, float)):
        return [repr(v)] if math.isfinite(v) else []
    if isinstance(v, str):
        return [v[:500]]
    if isinstance(v, dict) and isinstance(v.get("id"), str):
        names = [v["name"][:500]] if isinstance(v.get("name"), str) else []
        return [v["id"][:500], *names]
    raise BadRequest(f"{where}: a property value must be a string, number, boolean or {{\"id\", \"name\"}} object.")
