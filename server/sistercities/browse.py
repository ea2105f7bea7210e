"""Lists of things by kind (``/id/city/``, ``/id/twinning/`` ...): paged, sortable, with key columns.

:func:`browse` runs a few SELECTs through the :class:`~sistercities.store.Store`
interface — a count, one page of subjects ordered in SPARQL, then the names and
column values of that page only — so a list costs the same on page 1 and page
900.  Never imports Flask; :class:`BadBrowse` carries a message for a 400.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from sistercities.documents import best_literal
from sistercities.store import Store
from sistercities.uris import ontology_ns

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
LABELS = (SKOS + "prefLabel", RDFS + "label", DCT + "title")
PAGE_SIZE = 100
MAX_PAGE = 10**6
_DIGITS = re.compile(r"[0-9]{1,12}")  # ASCII only: "²".isdigit() is true, int("²") fails
_SORT = re.compile(r"-?(name|date|partners)")


#: (IRI, date or "", number of partners) of one thing in a list, in the list's order.
Row = tuple[str, str, int]


class BadBrowse(ValueError):
    """An unknown sort, a page that is not a positive number or past the last page."""


@dataclass(frozen=True)
class Column:
    heading: str
    prop: str  # bare names are tw: terms
    inverse: bool = False  # values are subjects pointing at the row (?v prop ?row)
    count: bool = False  # show how many, not the values


@dataclass(frozen=True)
class Kind:
    """One list: its path segment, heading, root classes, date and partner properties, columns."""

    name: str
    title: str
    classes: tuple[str, ...]
    dates: tuple[str, ...] = ()
    partners: Column | None = None  # what "number of partners" counts
    columns: tuple[Column, ...] = ()


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("city", "Cities", ("City",), (), Column("Sister cities", "twinnedWith", count=True),
         (Column("Country", "country"),)),
    Kind("country", "Countries", ("Country",), (), Column("Cities", "country", inverse=True, count=True),
         (Column("Code", "countryCode"),)),
    Kind("twinning", "Twinnings and other city relationships", ("CityRelationship",), ("startDate", "earliestDate"),
         Column("Partners", "partner"), (Column("Status", "status"),)),
    Kind("agreement", "Agreements", ("Agreement",), ("signingDate",), Column("Parties", "party"),
         (Column("Signatories", "signatory"),)),
    Kind("event", "Events", ("Event", "EventSeries"), ("date", "startDate", "earliestDate"),
         Column("Participants", "participant"), (Column("Where", "location"), Column("Destination", "destination"),
                                                  Column("Status", "eventStatus"))),
    Kind("person", "People", (FOAF + "Person",), (), None, (Column("Mayor of", "mayorOf"),
                                                               Column("Member of", ORG + "memberOf"))),
    Kind("org", "Organisations", (ORG + "Organization", FOAF + "Organization"), (),
         Column("Members", ORG + "hasMember"), (Column("Administration of", "administrationOf"),
                                                 Column("Based in", "basedIn"))),
    Kind("programme", "Programmes", ("Programme",), ("startDate", "date"), Column("Participants", "participant"),
         (Column("Provider", "provider"), Column("Recipient", "recipient"))),
    Kind("source", "Source documents", ("SourceDocument",), (DCT + "issued",), None,
         (Column("Publisher", DCT + "publisher"),)),
)}


@dataclass
class Cell:
    text: str
    iri: str | None = None  # a link when the value is a resource


@dataclass
class Item:
    iri: str
    label: str
    date: str = ""
    partners: list[Cell] = field(default_factory=list)
    n_partners: int = 0
    cells: list[list[Cell]] = field(default_factory=list)  # one list per column of the kind


@dataclass
class Listing:
    kind: Kind
    items: list[Item]
    total: int
    page: int
    last: int
    sort: str
    sorts: tuple[str, ...]
    page_size: int = PAGE_SIZE


def sorts_of(kind: Kind) -> tuple[str, ...]:
    return ("name", *(("date",) if kind.dates else ()), *(("partners",) if kind.partners else ()))


def _iri(tw: str, name: str) -> str:
    return name if ":" in name else tw + name


def _path(tw: str, col: Column) -> str:
    return f"^<{_iri(tw, col.prop)}>" if col.inverse else f"<{_iri(tw, col.prop)}>"


def parse_params(kind: Kind, sort: str | None, page: str | None) -> tuple[str, int]:
    """The sort key and page number, or :class:`BadBrowse` with what is allowed."""
    allowed = sorts_of(kind)
    s = (sort if sort is not None else "name").strip()
    if not _SORT.fullmatch(s) or s.lstrip("-") not in allowed:
        choices = ", ".join(allowed)
        raise BadBrowse(f"Unknown sort {s[:40]!r} for {kind.title.lower()}: use one of {choices} "
                        "(a leading '-' reverses the order).")
    raw = (page if page is not None else "1").strip()
    if not _DIGITS.fullmatch(raw) or not 0 < int(raw) <= MAX_PAGE:
        raise BadBrowse(f"page must be a positive whole number, got {raw[:40]!r}.")
    return s, int(raw)


def classes_below(store: Store, roots: Sequence[str]) -> list[str]:
    """``roots`` and every class below them (``rdfs:subClassOf*``), sorted, from one SELECT of
    the subclass edges, walked here: the list query then names its classes (``VALUES ?t``)
    instead of a property path.  Virtuoso answered the path form ``?t rdfs:subClassOf* <C>``
    with no rows (or one) and no error in some long test runs, only for kinds with one root
    class; the plain pattern has no plan to get wrong, and is no slower on any store."""
    below: dict[str, set[str]] = {}
    for r in store.select(f"SELECT ?sub ?sup WHERE {{ ?sub <{RDFS}subClassOf> ?sup }}"):
        if isinstance(r.get("sub"), ox.NamedNode) and isinstance(r.get("sup"), ox.NamedNode):
            below.setdefault(r["sup"].value, set()).add(r["sub"].value)
    found, todo = set(roots), list(roots)
    while todo:
        for sub in below.get(todo.pop(), ()):
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found)


def _where(classes: Sequence[str], base: str) -> str:
    types = " ".join(f"<{c}>" for c in classes)
    return f'VALUES ?t {{ {types} }} ?s a ?t . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}"))'


def browse(store: Store, base: str, kind_name: str, *, sort: str | None = None, page: str | None = None,
           langs: Sequence[str] = (), page_size: int = PAGE_SIZE,
           cache: MutableMapping[tuple[str, str], list[Row]] | None = None) -> Listing:
    """One page of the list of ``kind_name`` things (:data:`KINDS`).

    The whole order of a (kind, sort) is one SELECT (about a second for 6,000 twinnings at 1M
    triples); pass a ``cache`` (per release) to keep it, so later pages cost only their names."""
    kind = KINDS.get(kind_name)
    if kind is None:
        raise BadBrowse(f"No list of {kind_name[:40]!r}: lists are {', '.join(KINDS)}.")
    s, number = parse_params(kind, sort, page)
    tw = ontology_ns(base)
    rows = cache.get((kind.name, s)) if cache is not None else None
    if rows is None:
        rows = _ordered(store, tw, base, kind, s)
        if cache is not None:
            cache[(kind.name, s)] = rows
    total = len(rows)
    last = max(1, -(-total // page_size))
    if number > last:
        raise BadBrowse(f"page {number} is past the last page ({last}) of {kind.title.lower()}.")
    items = [Item(iri, iri, date, n_partners=n) for iri, date, n in rows[(number - 1) * page_size:number * page_size]]
    _fill(store, tw, kind, items, langs)
    return Listing(kind, items, total, number, last, s, sorts_of(kind), page_size)


def _ordered(store: Store, tw: str, base: str, kind: Kind, s: str) -> list[Row]:
    """Every thing of ``kind`` in the order ``s`` asks for (one SELECT, after the class one)."""
    where = _where(classes_below(store, [_iri(tw, c) for c in kind.classes]), base)
    labels = "|".join(f"<{p}>" for p in LABELS)
    opt = [f"OPTIONAL {{ ?s {labels} ?l0 }} BIND(LCASE(STR(COALESCE(?l0, STR(?s)))) AS ?k)"]
    proj = ["(MIN(?k) AS ?name)"]
    if kind.dates:
        dates = "|".join(f"<{_iri(tw, d)}>" for d in kind.dates)
        opt.append(f"OPTIONAL {{ ?s {dates} ?d0 }}")
        proj.append("(MIN(STR(?d0)) AS ?date)")
    if kind.partners:
        opt.append(f"OPTIONAL {{ ?s {_path(tw, kind.partners)} ?p0 }}")
        proj.append("(COUNT(DISTINCT ?p0) AS ?np)")
    key = s.lstrip("-")
    desc = s.startswith("-") != (key == "partners")  # partners: most first unless reversed
    first = {"name": "?name", "date": "?date", "partners": "?np"}[key]
    order = f"DESC({first})" if desc else first
    if key == "date":
        order = f"(!BOUND(?date)) {order}"  # undated last either way
    # grouped in a subquery, ordered outside: the same on every store, and Virtuoso refuses an
    # ORDER BY expression over an aggregate's alias (``!BOUND(?date)``) next to the GROUP BY
    q = (f"SELECT * WHERE {{ {{ SELECT ?s {' '.join(proj)} WHERE {{ {where} {' '.join(opt)} }} GROUP BY ?s }} }} "
         f"ORDER BY {order} ?name ?s")
    return [(r["s"].value, r["date"].value if "date" in r else "", int(r["np"].value) if "np" in r else 0)
            for r in store.select(q)]


def _fill(store: Store, tw: str, kind: Kind, items: list[Item], langs: Sequence[str]) -> None:
    """Names of the page's things, and the values (with their names) of its columns."""
    if not items:
        return
    cols = ([kind.partners] if kind.partners and not kind.partners.count else []) + list(kind.columns)
    vals = " ".join(f"<{i.iri}>" for i in items)
    # the label property is asked for, so that names rank by LABELS whatever order the store answers in
    labels = "VALUES ?lp { " + " ".join(f"<{p}>" for p in LABELS) + " }"
    names: dict[str, list[ox.Literal]] = {}
    found: dict[tuple[str, int], list[ox.NamedNode | ox.Literal]] = {}

    def add_names(rows: list[dict[str, Any]]) -> None:
        for r in sorted(rows, key=lambda r: LABELS.index(r["lp"].value)):  # stable: the store's order within one
            names.setdefault(r["s"].value, []).append(r["l"])

    add_names(store.select(f"SELECT ?s ?lp ?l WHERE {{ VALUES ?s {{ {vals} }} {labels} ?s ?lp ?l }}"))
    for n, col in enumerate(cols):
        for r in store.select(f"SELECT DISTINCT ?s ?v WHERE {{ VALUES ?s {{ {vals} }} ?s {_path(tw, col)} ?v }}"):
            if isinstance(r["v"], ox.NamedNode | ox.Literal):
                found.setdefault((r["s"].value, n), []).append(r["v"])
    targets = " ".join(sorted({f"<{v.value}>" for vs in found.values() for v in vs if isinstance(v, ox.NamedNode)}))
    if targets:
        add_names(store.select(f"SELECT ?s ?lp ?l WHERE {{ VALUES ?s {{ {targets} }} {labels} ?s ?lp ?l }}"))

    def cell(v: ox.NamedNode | ox.Literal) -> Cell:
        if isinstance(v, ox.NamedNode):
            return Cell(best_literal(names.get(v.value, []), langs) or v.value.rstrip("/").rsplit("/", 1)[-1], v.value)
        return Cell(v.value)

    for item in items:
        item.label = best_literal(names.get(item.iri, []), langs) or item.iri.rstrip("/").rsplit("/", 1)[-1]
        cells = [sorted((cell(v) for v in found.get((item.iri, n), [])), key=lambda c: c.text.lower())
                 for n in range(len(cols))]
        if kind.partners and not kind.partners.count:
            item.partners, cells = cells[0], cells[1:]
        item.cells = cells
