"""The RDF document that describes one IRI, built with pyoxigraph pattern lookups.

Two kinds of document:

* **graph** — for a named graph IRI (``{base}graph/<slug>``, ``{base}ontology``,
  ``{base}shapes``): the graph's content, every triple (TriG/N-Quads keep the
  graph name);
* **resource** — for any other IRI: a bounded description

  1. every triple with the IRI as subject, from every named graph, with the
     blank nodes it points to (a concise bounded description);
  2. for ontology terms and shapes, the ontology/shapes header as well;
  3. incoming links (triples with the IRI as object), sorted and paged by
     ``PAGE_SIZE``; records on the page that are relationships or agreements
     (``tw:CityRelationship``, ``tw:Agreement`` and their subclasses) are
     described in full, so a city's document carries its twinnings with
     their dates (at their own precision) and ``prov:wasDerivedFrom``;
  4. the labels (``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``; else
     ``dct:title``) of every other IRI in the document;
  5. document metadata: ``foaf:primaryTopic``, ``void:inDataset`` the dataset,
     ``dct:source`` each named graph its triples come from (and each graph's
     ``prov:wasDerivedFrom`` source document), ``dct:modified``,
     ``hydra:totalItems`` (number of incoming links), ``hydra:itemsPerPage``
     and ``hydra:first/previous/next/last`` when there is more than one page.

Quad formats (TriG, N-Quads) of a resource: the **default graph** holds the
whole description — every triple above once, the same graph Turtle or
N-Triples give — so a client that reads the document as one graph (Comunica
dereferencing an IRI asks for N-Quads first and matches patterns outside
``GRAPH`` against the default graph only; rdflib ``Dataset.default_graph``; a
TriG reader's default graph) gets all of it.  Per-source provenance is kept
**next to it**: each triple that came from a named graph appears again in that
graph (``GRAPH <{base}graph/<slug>> { ... }``, grouped by graph), so
``GRAPH ?g`` shows which source said what, and a union of all graphs (rdflib
``default_union``, oxigraph's union default graph) is still the same set of
triples.  The document metadata is in the default graph only.  The price: a
quad document is about 1.7 times as large (Khabarovsk's N-Quads 209 -> 360 kB).  JSON-LD is a
triple format here (rdflib writes one top-level ``@graph`` without ``@id``,
which is the default graph).  Graph documents keep their graph: a graph IRI
names that graph, and its document is the graph itself.  Never imports Flask.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
import rdflib

from sistercities.conneg import RDF_BY_EXT, RDF_FORMATS
from sistercities.serialize import prefixes, serialize_graph, to_rdflib_term
from sistercities.store import Store
from sistercities.uris import ontology_ns

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDFS_SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
SKOS_PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
SKOS_ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
DCT_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
DCT_SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
DCT_MODIFIED = ox.NamedNode("http://purl.org/dc/terms/modified")
FOAF_DOCUMENT = ox.NamedNode("http://xmlns.com/foaf/0.1/Document")
FOAF_TOPIC = ox.NamedNode("http://xmlns.com/foaf/0.1/primaryTopic")
VOID_IN_DATASET = ox.NamedNode("http://rdfs.org/ns/void#inDataset")
PROV_DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
RDF_SUBJECT = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#subject")
DCT_REPLACED_BY = ox.NamedNode("http://purl.org/dc/terms/isReplacedBy")
HYDRA = "http://www.w3.org/ns/hydra/core#"
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

LABEL_PREDICATES = (RDFS_LABEL, SKOS_PREF, SKOS_ALT)
#: Classes (with their subclasses) whose instances are described in full when they point at a resource.
EMBEDDED_CLASSES = ("CityRelationship", "Agreement", "Evidence")
#: Formats of each kind of document (HTML is handled by the web tier).
RESOURCE_FORMATS = tuple(f.ext for f in RDF_FORMATS)
GRAPH_FORMATS = RESOURCE_FORMATS
MAX_BNODE_DEPTH = 8

Node = ox.NamedNode | ox.BlankNode


class PageNotFound(LookupError):
    """A page number beyond the last page of incoming links."""


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int  # incoming links of the resource

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def paged(self) -> bool:
        return self.total > self.size


@dataclass(frozen=True)
class Described:
    quads: list[ox.Quad]
    page: Page | None
    graphs: tuple[str, ...]


def page_url(doc: str, n: int) -> str:
    return doc if n == 1 else f"{doc}?page={n}"


class Documents:
    """Document builder for one release's store."""

    def __init__(self, store: Store, *, base: str, graphs: Iterable[str], dataset_iri: str,
                 page_size: int, modified: str | None) -> None:
        self.store = store
        self.base = base
        self.graphs = frozenset(graphs)
        self.dataset_iri = dataset_iri
        self.page_size = max(1, page_size)
        self.modified = modified
        self.ontology_ns = ontology_ns(base)
        self._embedded: frozenset[str] | None = None

    # --- what an IRI is ----------------------------------------------------
    def kind(self, iri: str) -> str | None:
        """``"graph"``, ``"resource"``, or None when nothing is known about ``iri``."""
        if iri in self.graphs:
            return "graph"
        try:
            node = ox.NamedNode(iri)
        except ValueError:  # not an IRI the store could hold, so nothing is known about it
            return None
        if _first(self.store.quads(node)) or _first(self.store.quads(None, None, node)):
            return "resource"
        if _first(self.store.quads(None, node)):  # a property used but not described
            return "resource"
        return None

    @staticmethod
    def formats(kind: str) -> tuple[str, ...]:
        return GRAPH_FORMATS if kind == "graph" else RESOURCE_FORMATS

    # --- graph documents ---------------------------------------------------
    def graph_quads(self, iri: str) -> list[ox.Quad]:
        return list(self.store.quads(None, None, None, ox.NamedNode(iri)))

    # --- resource documents ------------------------------------------------
    def embedded_classes(self) -> frozenset[str]:
        """:data:`EMBEDDED_CLASSES` and every class below them (rdfs:subClassOf*)."""
        if self._embedded is None:
            found = {self.ontology_ns + c for c in EMBEDDED_CLASSES}
            todo = list(found)
            while todo:
                cls = todo.pop()
                for q in self.store.quads(None, RDFS_SUBCLASS, ox.NamedNode(cls)):
                    if isinstance(q.subject, ox.NamedNode) and q.subject.value not in found:
                        found.add(q.subject.value)
                        todo.append(q.subject.value)
            self._embedded = frozenset(found)
        return self._embedded

    def replaced_by(self, iri: str) -> str | None:
        """The IRI that replaces ``iri`` (a renamed thing: ``dct:isReplacedBy`` and no type), else None."""
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            return None
        new = _first(self.store.quads(node, DCT_REPLACED_BY))
        if new is None or not isinstance(new.object, ox.NamedNode) or _first(self.store.quads(node, RDF_TYPE)):
            return None
        return new.object.value

    def describe(self, iri: str, *, doc: str, page: int = 1) -> Described:
        """The quads of the document ``doc`` (document IRI, without page) about ``iri``."""
        with self.store.consistent():
            return self._describe(iri, doc=doc, page=page)

    def _describe(self, iri: str, *, doc: str, page: int) -> Described:
        node = ox.NamedNode(iri)
        out: dict[tuple[Any, ...], ox.Quad] = {}
        fact_graphs: set[str] = set()

        def add(q: ox.Quad, *, fact: bool = True) -> None:
            key = (q.subject, q.predicate, q.object, q.graph_name)
            if key not in out:
                out[key] = q
                if fact and isinstance(q.graph_name, ox.NamedNode):
                    fact_graphs.add(q.graph_name.value)

        self._cbd(node, add)
        for e in self._evidence_of([node])[node]:
            self._cbd(e, add)
        header = self._header_for(iri)
        if header is not None:
            for q in self.store.quads(ox.NamedNode(header)):
                if not isinstance(q.object, ox.BlankNode):
                    add(q, fact=False)

        incoming = self._incoming(node)
        pg = Page(page, self.page_size, len(incoming))
        if page > pg.last:
            raise PageNotFound(f"page {page} does not exist: the last page is {pg.last}")
        embedded = self.embedded_classes()
        start = (page - 1) * self.page_size
        links = incoming[start:start + self.page_size]
        # what the loop asks, asked first in a few batches (a remote store's round trips)
        self.store.prefetch((s for s, _, _ in links if isinstance(s, ox.NamedNode)), depth=2)
        inline = [s for s, _, _ in links if isinstance(s, ox.NamedNode)
                  and any(isinstance(q.object, ox.NamedNode) and q.object.value in embedded
                          for q in self.store.quads(s, RDF_TYPE))]
        evidence = self._evidence_of(inline)
        for subject, predicate, graphs in links:
            for g in graphs:
                add(ox.Quad(subject, predicate, node, g))
            if isinstance(subject, ox.BlankNode):
                self._chain_up(subject, add)
            elif subject in evidence:
                self._cbd(subject, add)
                for e in evidence[subject]:
                    self._cbd(e, add)

        self._add_labels(node, list(out.values()), add)
        meta = self._metadata(iri, doc, pg, sorted(fact_graphs))
        return Described(default_and_named(list(out.values()) + meta), pg, tuple(sorted(fact_graphs)))

    def _header_for(self, iri: str) -> str | None:
        for head in (self.base + "ontology", self.base + "shapes"):
            if iri.startswith(head + "/") and iri != head:
                return head
        return None

    def _cbd(self, node: Node, add: Any) -> None:
        """Triples of ``node`` and, recursively, of the blank nodes they reach."""
        todo: list[tuple[Node, int]] = [(node, 0)]
        seen: set[Node] = {node}
        while todo:
            n, depth = todo.pop()
            for q in self.store.quads(n):
                add(q)
                o = q.object
                if isinstance(o, ox.BlankNode) and o not in seen and depth < MAX_BNODE_DEPTH:
                    seen.add(o)
                    todo.append((o, depth + 1))

    def _evidence_of(self, nodes: list[ox.NamedNode]) -> dict[Node, list[Node]]:
        """The tw:Evidence of each node's statements (rdf:subject ``node``), their statements
        and what those point at prefetched (each is then added in full by _cbd)."""
        found = {n: [q.subject for q in quads if isinstance(q.subject, ox.NamedNode | ox.BlankNode)]
                 for n, quads in self.store.pointing_at(RDF_SUBJECT, nodes).items()}
        self.store.prefetch((e for ev in found.values() for e in ev), depth=2)
        return found

    def _chain_up(self, bnode: ox.BlankNode, add: Any) -> None:
        """The triples leading from a named node down to ``bnode`` (e.g. a shape's property)."""
        n: Node = bnode
        for _ in range(MAX_BNODE_DEPTH):
            q = _first(self.store.quads(None, None, n))
            if q is None:
                return
            add(q, fact=False)
            if not isinstance(q.subject, ox.BlankNode):
                return
            n = q.subject

    def _incoming(self, node: ox.NamedNode) -> list[tuple[Node, ox.NamedNode, list[ox.NamedNode]]]:
        """Distinct (subject, predicate) pointing at ``node`` with their graphs, in a stable order."""
        links: dict[tuple[Node, ox.NamedNode], list[ox.NamedNode]] = {}
        for q in self.store.quads(None, None, node):
            if q.subject == node or isinstance(q.subject, ox.Triple) or not isinstance(q.graph_name, ox.NamedNode):
                continue
            links.setdefault((q.subject, q.predicate), []).append(q.graph_name)
        order = sorted(links, key=lambda sp: (sp[1].value, isinstance(sp[0], ox.BlankNode), sp[0].value))
        return [(s, p, links[(s, p)]) for s, p in order]

    def _add_labels(self, topic: ox.NamedNode, quads: list[ox.Quad], add: Any) -> None:
        nodes: set[ox.NamedNode] = set()
        for q in quads:
            for t in (q.subject, q.object):
                if isinstance(t, ox.NamedNode) and t != topic:
                    nodes.add(t)
        self.store.prefetch(nodes)
        for n in nodes:
            found = False
            for p in LABEL_PREDICATES:
                for q in self.store.quads(n, p):
                    add(q, fact=False)
                    found = True
            if not found:
                for q in self.store.quads(n, DCT_TITLE):
                    add(q, fact=False)

    def _metadata(self, iri: str, doc: str, pg: Page, graphs: list[str]) -> list[ox.Quad]:
        d = ox.NamedNode(page_url(doc, pg.number))
        dg = ox.DefaultGraph()
        meta = [
            ox.Quad(d, RDF_TYPE, FOAF_DOCUMENT, dg),
            ox.Quad(d, FOAF_TOPIC, ox.NamedNode(iri), dg),
            ox.Quad(d, VOID_IN_DATASET, ox.NamedNode(self.dataset_iri), dg),
            ox.Quad(d, ox.NamedNode(HYDRA + "totalItems"), ox.Literal(str(pg.total), datatype=XSD_INTEGER), dg),
            ox.Quad(d, ox.NamedNode(HYDRA + "itemsPerPage"), ox.Literal(str(pg.size), datatype=XSD_INTEGER), dg),
        ]
        if self.modified:
            meta.append(ox.Quad(d, DCT_MODIFIED, ox.Literal(self.modified.replace("Z", "+00:00"), datatype=XSD_DATETIME), dg))
        for g in graphs:
            meta.append(ox.Quad(d, DCT_SOURCE, ox.NamedNode(g), dg))
            source = self.source_of_graph(g)
            if source:
                meta.append(ox.Quad(ox.NamedNode(g), PROV_DERIVED, ox.NamedNode(source), dg))
        if pg.paged:
            links = {"first": 1, "last": pg.last}
            if pg.number > 1:
                links["previous"] = pg.number - 1
            if pg.number < pg.last:
                links["next"] = pg.number + 1
            for rel, n in links.items():
                meta.append(ox.Quad(d, ox.NamedNode(HYDRA + rel), ox.NamedNode(page_url(doc, n)), dg))
        return meta

    def source_of_graph(self, graph: str) -> str | None:
        """``{base}graph/<slug>`` -> ``{base}id/source/<slug>`` when that source document exists."""
        prefix = self.base + "graph/"
        if not graph.startswith(prefix):
            return None
        source = self.base + "id/source/" + graph[len(prefix):]
        return source if _first(self.store.quads(ox.NamedNode(source))) else None

    # --- labels for the web tier -------------------------------------------
    def label(self, iri: str, langs: Iterable[str] = ()) -> str | None:
        """The best label of ``iri`` for the preferred languages (then English, then any)."""
        node = ox.NamedNode(iri)
        lits: list[ox.Literal] = []
        for p in (SKOS_PREF, RDFS_LABEL, DCT_TITLE):
            lits += [q.object for q in self.store.quads(node, p) if isinstance(q.object, ox.Literal)]
        return best_literal(lits, langs)


def best_literal(lits: list[ox.Literal], langs: Iterable[str] = ()) -> str | None:
    if not lits:
        return None
    for lang in [*langs, "en", ""]:
        for lit in lits:
            tag = (lit.language or "").lower()
            if tag == lang or (lang and tag.split("-")[0] == lang.split("-")[0]):
                return lit.value
    return lits[0].value


def default_and_named(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Every distinct triple of ``quads`` in the default graph, then the named-graph quads grouped by graph.

    The layout of a resource document in quad formats (see the module docstring); triple
    formats drop the graph names and so get each triple once."""
    default: dict[ox.Quad, None] = {}
    named: dict[str, dict[ox.Quad, None]] = {}
    for q in quads:
        if isinstance(q.graph_name, ox.DefaultGraph):
            default[q] = None
        else:
            default[ox.Quad(q.subject, q.predicate, q.object)] = None  # (no graph: the default graph)
            named.setdefault(q.graph_name.value, {})[q] = None
    return [*_by_subject(default), *(q for g in sorted(named) for q in _by_subject(named[g]))]


def _by_subject(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """``quads`` with each subject's together (in order of first appearance), so TriG writes each once."""
    groups: dict[Any, list[ox.Quad]] = {}
    for q in quads:
        groups.setdefault(q.subject, []).append(q)
    return [q for g in groups.values() for q in g]


def _first(it: Iterable[ox.Quad]) -> ox.Quad | None:
    for q in it:
        return q
    return None


def render(quads: list[ox.Quad], ext: str, base: str, context: dict[str, Any] | None = None) -> bytes:
    """Serialise document quads; triple formats drop graph names (and duplicate triples)."""
    fmt = RDF_BY_EXT[ext]
    if ext == "nt":  # line-based: pyoxigraph writes it ~10x faster than rdflib, nothing to prettify
        triples = dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        return ox.serialize(triples, format=fmt.ox_format) or b""
    if fmt.quads:
        return ox.serialize(quads, format=fmt.ox_format, prefixes={**prefixes(base), "hydra": HYDRA}) or b""
    g = rdflib.Graph()
    g.bind("hydra", HYDRA)
    for q in quads:
        g.add((to_rdflib_term(q.subject), rdflib.URIRef(q.predicate.value), to_rdflib_term(q.object)))
    return serialize_graph(g, fmt.mime, base, context=context)
