"""The types a reconciliation query may name: our classes, identified by their IRIs.

A query typed with a class gets the instances of that class and of its subclasses
(``rdfs:subClassOf``, read from the ontology in the store): ``tw:City`` gets cities,
``org:Organization`` gets city administrations, delegations, charities...  A type may be
written as the class IRI (``https://w3id.org/twinning/ontology/City``), as ``tw:City``,
or by the short names of :data:`TOP_TYPES` (``city``, ``City``, ``organisation``...).
Never imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from sistercities.documents import RDFS_LABEL, RDFS_SUBCLASS, best_literal
from sistercities.store import Store
from sistercities.uris import ontology_ns

ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
OWL_CLASS = ox.NamedNode("http://www.w3.org/2002/07/owl#Class")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

#: (short name, class — a bare name is a tw: term, display name): the types we reconcile
#: against, in the order of the manifest's ``defaultTypes`` (cities first).
TOP_TYPES: tuple[tuple[str, str, str], ...] = (
    ("city", "City", "City"),
    ("country", "Country", "Country"),
    ("organisation", ORG + "Organization", "Organisation"),
    ("person", FOAF + "Person", "Person"),
    ("twinning", "Twinning", "Twinning"),
    ("relationship", "CityRelationship", "City relationship"),
    ("agreement", "Agreement", "Agreement"),
    ("event", "Event", "Event"),
    ("eventseries", "EventSeries", "Event series"),
    ("programme", "Programme", "Programme"),
)
_ALIASES = {"organization": "organisation", "org": "organisation", "people": "person", "cities": "city",
            "countries": "country", "events": "event", "agreements": "agreement", "twinnings": "twinning"}


class UnknownType(ValueError):
    """A query names a type we do not have."""


@dataclass(frozen=True)
class Type:
    id: str  # class IRI
    name: str
    broader: tuple[str, ...] = ()  # direct superclasses that are types too


class Types:
    """Our reconcilable classes and the subclass closure, read once from the store."""

    def __init__(self, store: Store, base: str) -> None:
        tw = ontology_ns(base)
        self.tw = tw
        self.top = [tw + c if ":" not in c else c for _, c, _ in TOP_TYPES]
        self._short = {short: iri for (short, _, _), iri in zip(TOP_TYPES, self.top, strict=True)}
        names = {iri: name for (_, _, name), iri in zip(TOP_TYPES, self.top, strict=True)}
        supers: dict[str, set[str]] = {}
        for q in store.quads(None, RDFS_SUBCLASS):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                supers.setdefault(q.subject.value, set()).add(q.object.value)
        #: class -> itself and every class above it
        self.closure: dict[str, frozenset[str]] = {}
        for c in set(supers) | set(self.top):
            seen, todo = {c}, [c]
            while todo:
                for s in supers.get(todo.pop(), ()):
                    if s not in seen:
                        seen.add(s)
                        todo.append(s)
            self.closure[c] = frozenset(seen)
        top = set(self.top)
        #: every class below one of the top types (those included): the types a query may name
        self.types: dict[str, Type] = {}
        for c, above in self.closure.items():
            if not above & top:
                continue
            name = names.get(c) or _label(store, c) or c.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            broader = tuple(sorted(s for s in supers.get(c, ()) if self.closure.get(s, frozenset()) & top))
            self.types[c] = Type(c, name, broader)

    def resolve(self, text: str) -> str:
        """The class IRI ``text`` names (see the module docstring); :class:`UnknownType` otherwise."""
        t = text.strip()
        if t in self.types:
            return t
        low = t.lower()
        short = _ALIASES.get(low, low)
        if short in self._short:
            return self._short[short]
        if low.startswith("tw:") and self.tw + t[3:] in self.types:
            return self.tw + t[3:]
        if ":" not in t and self.tw + t in self.types:
            return self.tw + t
        raise UnknownType(f"Unknown type {text[:60]!r}: use one of {', '.join(self._short)} "
                          "(or a class IRI of our ontology: see /reconcile/suggest/type).")

    def is_a(self, entity_types: list[str], wanted: str) -> bool:
        """Is a thing with rdf:types ``entity_types`` an instance of ``wanted`` (subclasses count)?"""
        return any(wanted in self.closure.get(t, (t,)) for t in entity_types)

    def of(self, entity_types: list[str]) -> list[Type]:
        """The reconcilable types among ``entity_types`` (most specific first, as the data states them)."""
        return [self.types[t] for t in entity_types if t in self.types]

    def reconcilable(self, entity_types: list[str]) -> bool:
        return any(t in self.types for t in entity_types)


def _label(store: Store, iri: str) -> str | None:
    lits = [q.object for q in store.quads(ox.NamedNode(iri), RDFS_LABEL) if isinstance(q.object, ox.Literal)]
    label = best_literal(lits, ["en"])
    return label[:1].upper() + label[1:] if label else None


def iri_of(ident: str, base: str) -> str | None:
    """The IRI an entity id names: our full IRI, or the path below the base (``id/city/bucheon``)."""
    t = ident.strip()
    if t.startswith(base):
        return t
    if t.startswith("/"):
        t = t[1:]
    if t.startswith("id/") and " " not in t:
        return base + t
    return None


_CACHE: dict[tuple[int, str], tuple[Store, Types]] = {}


def types_of(store: Store, base: str) -> Types:
    """The :class:`Types` of a store, read once (the store is kept for the life of the worker)."""
    key = (id(store), base)
    hit = _CACHE.get(key)
    if hit is None or hit[0] is not store:
        hit = _CACHE[key] = (store, Types(store, base))
    return hit[1]
