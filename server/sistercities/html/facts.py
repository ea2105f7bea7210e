"""Fetch what a page needs about one IRI in a few queries, and hold it in memory.

:func:`neighbourhood` runs at most five small SELECTs (triple patterns first,
never OPTIONAL or BIND before them): the resource's outgoing and incoming
statements, everything about its direct neighbours, then names, types,
coordinates and provenance of the things those mention.  View models then read
the in-memory :class:`Facts` without touching the store again.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from sistercities.html.labels import ALT_LABEL_PROPS, LABEL_PROPS, Label, humanise, pick
from sistercities.store import Store
from sistercities.uris import ontology_ns

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASSOF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
DCT_ISPARTOF = "http://purl.org/dc/terms/isPartOf"
SCHEMA_URL = "https://schema.org/url"

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def node(iri: str) -> ox.NamedNode | None:
    """A NamedNode for a syntactically valid IRI, None otherwise (never raises)."""
    try:
        n = ox.NamedNode(iri)
    except (ValueError, TypeError):
        return None
    return n if iri and not any(c in iri for c in ' <>"{}|^`\\\n\t') else None


_HIERARCHY: weakref.WeakKeyDictionary[Store, dict[str, list[str]]] = weakref.WeakKeyDictionary()


def class_hierarchy(store: Store) -> dict[str, list[str]]:
    """Every ``rdfs:subClassOf`` between named classes (read once per store: the ontology is small)."""
    h = _HIERARCHY.get(store)
    if h is None:
        h = defaultdict(list)
        for r in store.select(f"SELECT ?c ?d WHERE {{ ?c <{RDFS_SUBCLASSOF}> ?d FILTER(isIRI(?c) && isIRI(?d)) }}"):
            h[r["c"].value].append(r["d"].value)
        _HIERARCHY[store] = h
    return h


class Facts:
    """Statements fetched for one page: subject -> predicate -> objects."""

    def __init__(self, focus: str, base: str = "", tw: str = "", hierarchy: dict[str, list[str]] | None = None) -> None:
        self.focus = focus
        self.hierarchy = hierarchy or {}
        self.base = base
        self.tw = tw
        self.out: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.inc: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.described: set[str] = set()
        self.incoming_truncated = False

    # --- filling --------------------------------------------------------
    def add(self, s: str, p: str, o: Term) -> None:
        objs = self.out[s][p]
        if o not in objs:
            objs.append(o)
            if isinstance(o, ox.NamedNode):
                self.inc[o.value][p].append(s)

    # --- reading --------------------------------------------------------
    def objects(self, s: str, p: str) -> list[Term]:
        return list(self.out.get(s, {}).get(p, ()))

    def iris(self, s: str, p: str) -> list[str]:
        return [o.value for o in self.objects(s, p) if isinstance(o, ox.NamedNode)]

    def literal(self, s: str, p: str) -> ox.Literal | None:
        for o in self.objects(s, p):
            if isinstance(o, ox.Literal):
                return o
        return None

    def subjects(self, p: str, o: str) -> list[str]:
        return list(self.inc.get(o, {}).get(p, ()))

    def types(self, s: str) -> list[str]:
        return self.iris(s, RDF_TYPE)

    def all_types(self, s: str) -> set[str]:
        """Asserted types plus their super-classes as far as they were fetched."""
        seen: set[str] = set()
        todo = self.types(s)
        while todo:
            t = todo.pop()
            if t not in seen:
                seen.add(t)
                todo.extend(self.iris(t, RDFS_SUBCLASSOF))
                todo.extend(self.hierarchy.get(t, ()))
        return seen

    def is_a(self, s: str, *local_names: str) -> bool:
        want = {self.tw + n if ":" not in n else n for n in local_names}
        return bool(self.all_types(s) & want)

    def label(self, iri: str, langs: Sequence[str] = ()) -> Label:
        for p in LABEL_PROPS:
            lab = pick((o for o in self.objects(iri, p) if isinstance(o, ox.Literal)), langs)
            if lab:
                return lab
        return Label(humanise(iri))

    def labels(self, iri: str) -> list[ox.Literal]:
        out: list[ox.Literal] = []
        for p in (*LABEL_PROPS, *ALT_LABEL_PROPS):
            out += [o for o in self.objects(iri, p) if isinstance(o, ox.Literal) and o not in out]
        return out

    def has_label(self, iri: str) -> bool:
        return any(self.objects(iri, p) for p in LABEL_PROPS)


def _describe(store: Store, facts: Facts, iris: set[str], preds: Sequence[str] | None = None) -> None:
    """Add the outgoing statements of ``iris`` (only ``preds`` when given) in one query."""
    iris = {i for i in iris if i not in facts.described and node(i) is not None}
    if not iris:
        return
    facts.described |= iris
    for s, p, v in store.statements(sorted(iris), preds):
        facts.add(s, p, v)


def fanout_props(tw: str) -> frozenset[str]:
    """Relations whose objects a page needs only for its own subject: a neighbour's
    sister cities or members are not shown, and a hub city has hundreds of them."""
    return frozenset({tw + "twinnedWith", tw + "hasMemberCity", "http://www.w3.org/ns/org#hasMember",
                      "http://purl.org/dc/terms/hasPart"})


def _mentioned(facts: Facts, subjects: Iterable[str]) -> set[str]:
    found: set[str] = set()
    skip = fanout_props(facts.tw)
    for s in subjects:
        found.add(s)
        for p, objs in facts.out.get(s, {}).items():
            found.add(p)
            if p in skip and s != facts.focus:
                continue
            found.update(o.value for o in objs if isinstance(o, ox.NamedNode))
    return found


def small_props(tw: str) -> tuple[str, ...]:
    """What a page needs of things it only mentions: names, types, places, dates, provenance."""
    return (*LABEL_PROPS, RDF_TYPE, RDFS_SUBCLASSOF, WGS + "lat", WGS + "long", DCT_ISPARTOF, PROV_DERIVED,
            tw + "paragraphNumber", tw + "country", tw + "eventStatus", SCHEMA_URL,
            *(tw + d for d in ("date", "signingDate", "startDate", "endDate", "earliestDate", "latestDate")))


def describe_more(store: Store, facts: Facts, iris: set[str], *, full: bool = False) -> None:
    """Fetch more things a page mentions (all of their statements when ``full``)."""
    _describe(store, facts, iris, None if full else small_props(facts.tw))


def neighbourhood(store: Store, iri: str, *, base: str, incoming_limit: int = 200) -> Facts | None:
    """Everything a page about ``iri`` shows; None when the store knows nothing about it."""
    n = node(iri)
    if n is None:
        return None
    tw = ontology_ns(base)
    facts = Facts(iri, base, tw, class_hierarchy(store))
    out = store.select(f"SELECT ?p ?o WHERE {{ {n} ?p ?o }}")
    inc = store.select(f"SELECT ?s ?p WHERE {{ ?s ?p {n} }} LIMIT {incoming_limit + 1}")
    if not out and not inc:
        return None
    facts.described.add(iri)
    for r in out:
        facts.add(iri, r["p"].value, r["o"])
    facts.incoming_truncated = len(inc) > incoming_limit
    for r in inc[:incoming_limit]:
        s = r["s"]
        if isinstance(s, ox.NamedNode):
            facts.add(s.value, r["p"].value, n)
    # hop 1: all about the direct neighbours (their dates, partners, provenance...)
    hop1 = _mentioned(facts, [iri]) | set(facts.inc.get(iri, {}).get(RDF_TYPE, []))
    hop1 |= {s for subs in facts.inc.get(iri, {}).values() for s in subs}
    _describe(store, facts, hop1 - {iri})
    # hop 2: names, types, coordinates and provenance of what they mention
    hop2 = _mentioned(facts, facts.described) - facts.described
    _describe(store, facts, hop2, small_props(tw))
    # hop 3: names of the last things mentioned (documents of paragraphs, super-classes)
    hop3 = {o.value for s in hop2 for p in (DCT_ISPARTOF, RDF_TYPE, RDFS_SUBCLASSOF, tw + "country")
            for o in facts.objects(s, p) if isinstance(o, ox.NamedNode)}
    hop3 |= {p for s in hop2 for p in facts.out.get(s, {})}
    _describe(store, facts, hop3, (*LABEL_PROPS, RDFS_SUBCLASSOF))
    return facts
