"""Check that every term the data uses exists.

A *term* is a predicate IRI or the object of ``rdf:type`` in a data file, and
any IRI in our ontology namespace (``{base}ontology/``) used anywhere in the
shapes (``sh:path tw:partnr`` would silently check nothing).

* Our namespace is checked strictly: the term must be declared (be the subject
  of a triple) in ``ontology/``.
* External vocabularies must be on the allow-list :data:`KNOWN_NAMESPACES`.
  Where rdflib ships the vocabulary's closed term list (rdf, rdfs, owl, skos,
  dct, foaf, prov, org, schema.org, void, sh, vann, qb, dc) the term itself is
  checked too.  A term the shipped list lacks (e.g. a schema.org term newer than
  rdflib) is accepted once the ontology declares it (``schema:x a rdf:Property``).

An unknown term gets the closest declared term as a suggestion (difflib).
Never imports Flask.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import namespace as rns

from sistercities.rdfio import DATA, SHAPES, Input, Locator, compact
from sistercities.report import ERROR, Issue
from sistercities.uris import URLs, ontology_ns

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: External namespaces data may use (prefix -> namespace).
KNOWN_NAMESPACES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "schema-http": "http://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "wgs": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "geosparql": "http://www.opengis.net/ont/geosparql#",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "p": "http://www.wikidata.org/prop/",
    "ps": "http://www.wikidata.org/prop/statement/",
    "pq": "http://www.wikidata.org/prop/qualifier/",
    "dbo": "http://dbpedia.org/ontology/",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "sh": "http://www.w3.org/ns/shacl#",
    "vann": "http://purl.org/vocab/vann/",
    "qb": "http://purl.org/linked-data/cube#",
    "adms": "http://www.w3.org/ns/adms#",
    "spdx": "http://spdx.org/rdf/terms#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "gn": "http://www.geonames.org/ontology#",
}

#: Vocabularies whose complete term list rdflib ships: terms are checked, not just the namespace.
_CLOSED = (
    rns.RDF, rns.RDFS, rns.OWL, rns.SKOS, rns.DCTERMS, rns.DC, rns.FOAF, rns.PROV, rns.ORG,
    rns.SDO, rns.VOID, rns.SH, rns.VANN, rns.QB,
)


def _terms_of(vocab: type) -> set[str]:
    names = set(getattr(vocab, "__annotations__", {})) | set(getattr(vocab, "_extras", ()))
    return {str(vocab._NS) + n for n in names}  # type: ignore[attr-defined]


def _shipped() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for v in _CLOSED:
        out[str(v._NS)] = _terms_of(v)  # type: ignore[attr-defined]
    # schema.org is served on both schemes
    out["http://schema.org/"] = {t.replace("https://", "http://", 1) for t in out["https://schema.org/"]}
    return out


SHIPPED = _shipped()
_MEMBERSHIP = re.compile(r"^http://www\.w3\.org/1999/02/22-rdf-syntax-ns#_[1-9][0-9]*$")

_CLASS_TYPES = {
    "http://www.w3.org/2002/07/owl#Class", "http://www.w3.org/2000/01/rdf-schema#Class",
    "http://www.w3.org/2000/01/rdf-schema#Datatype",
}
_PROP_TYPES = {
    "http://www.w3.org/2002/07/owl#ObjectProperty", "http://www.w3.org/2002/07/owl#DatatypeProperty",
    "http://www.w3.org/2002/07/owl#AnnotationProperty", "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
    "http://www.w3.org/2002/07/owl#FunctionalProperty", "http://www.w3.org/2002/07/owl#SymmetricProperty",
    "http://www.w3.org/2002/07/owl#TransitiveProperty", "http://www.w3.org/2002/07/owl#InverseFunctionalProperty",
}


@dataclass
class Vocabulary:
    """What the ontology graph declares."""

    declared: set[str]
    classes: set[str]
    properties: set[str]

    @classmethod
    def from_store(cls, store: ox.Store, ontology_graph: str) -> Vocabulary:
        g = ox.NamedNode(ontology_graph)
        declared = {q.subject.value for q in store.quads_for_pattern(None, None, None, g) if isinstance(q.subject, ox.NamedNode)}
        classes: set[str] = set()
        props: set[str] = set()
        for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), None, g):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                if q.object.value in _CLASS_TYPES:
                    classes.add(q.subject.value)
                elif q.object.value in _PROP_TYPES:
                    props.add(q.subject.value)
        return cls(declared, classes, props)


def _known(iri: str, vocab: Vocabulary) -> tuple[bool, str | None]:
    """(ok, namespace-or-None) for an external term."""
    if iri in vocab.declared:
        return True, None
    for ns in KNOWN_NAMESPACES.values():
        if iri.startswith(ns):
            shipped = SHIPPED.get(ns)
            if shipped is None or iri in shipped or _MEMBERSHIP.match(iri):
                return True, ns
            return False, ns
    return False, None


def _suggest(iri: str, ns: str, pool: set[str]) -> str | None:
    local = iri[len(ns):]
    names = {t[len(ns):]: t for t in pool if t.startswith(ns)}
    # case-insensitive first (tw:city -> tw:City), then difflib
    for n, t in names.items():
        if n.lower() == local.lower():
            return t
    match = difflib.get_close_matches(local, list(names), n=1, cutoff=0.6)
    return names[match[0]] if match else None


def _used_terms(store: ox.Store, graphs: list[str], shape_graphs: list[str], ns: str) -> dict[tuple[str, str, str], int]:
    """(graph, term, role) -> uses, role = "property" | "class" | "term" (an IRI of our
    namespace in subject or object position, looked for in the shapes only: that is where
    ``sh:path tw:partnr`` hides).  Group-bys only: no string filter per triple (fast at 1M)."""
    values = " ".join(f"<{g}>" for g in graphs)
    svalues = " ".join(f"<{g}>" for g in shape_graphs)
    out: dict[tuple[str, str, str], int] = {}

    def run(q: str, role: str) -> None:
        for row in store.query(q):  # type: ignore[union-attr]
            t = row["t"]
            if isinstance(t, ox.NamedNode) and (role != "term" or t.value.startswith(ns)):
                key = (row["g"].value, t.value, role)
                out[key] = out.get(key, 0) + int(row["n"].value)

    run(f"SELECT ?g ?t (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?t ?o }} }} GROUP BY ?g ?t",
        "property")
    run(f"SELECT ?g ?t (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s a ?t }} }} GROUP BY ?g ?t", "class")
    if shape_graphs:
        run(f"SELECT ?g ?t (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {svalues} }} GRAPH ?g {{ ?s ?p ?t }} }} GROUP BY ?g ?t", "term")
        run(f"SELECT ?g ?t (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {svalues} }} GRAPH ?g {{ ?t ?p ?o }} }} GROUP BY ?g ?t", "term")
    return out


def check(store: ox.Store, files: list[Input], base: str, locator: Locator | None = None) -> list[Issue]:
    """Issues for every unknown term in the data (and our-namespace terms in the shapes)."""
    ns = ontology_ns(base)
    ont_graph = URLs(base=base).ontology_iri()
    vocab = Vocabulary.from_store(store, ont_graph)
    locator = locator or Locator(base)
    by_graph: dict[str, list[Input]] = defaultdict(list)
    for f in files:
        by_graph[f.graph].append(f)
    graphs = sorted({f.graph for f in files if f.kind in (DATA, SHAPES)})
    shape_graphs = sorted({f.graph for f in files if f.kind == SHAPES})
    if not graphs:
        return []
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    for (g, term, role), n in sorted(_used_terms(store, graphs, shape_graphs, ns).items()):
        is_shapes = all(f.kind != DATA for f in by_graph[g])
        if is_shapes and not term.startswith(ns):
            continue  # shapes use sh:, rdfs:... freely; only our own terms are checked there
        if role == "term" and not term.startswith(ns):
            continue
        if term.startswith(ns):
            ok = term in vocab.declared
            vns: str | None = ns
            if ok and role == "property" and term in vocab.classes and term not in vocab.properties:
                msg_kind = f"{compact(term, base)} is declared as a class but used as a property"
                issues.extend(_issue(by_graph[g], term, msg_kind, n, locator))
                continue
            if ok and role == "class" and term in vocab.properties and term not in vocab.classes:
                msg_kind = f"{compact(term, base)} is declared as a property but used as a class"
                issues.extend(_issue(by_graph[g], term, msg_kind, n, locator))
                continue
        else:
            ok, vns = _known(term, vocab)
        if ok or (g, term) in seen:
            continue
        seen.add((g, term))
        if vns is None:
            msg = f"unknown vocabulary: {compact(term, base)} is not in a namespace on the allow-list"
            msg += " (declare it in ontology/ or use a known vocabulary)"
        else:
            what = "not declared in ontology/" if vns == ns else "not a term of that vocabulary"
            msg = f"unknown {'class' if role == 'class' else 'property' if role == 'property' else 'term'} "
            msg += f"{compact(term, base)}: {what}"
            pool = vocab.declared if vns == ns else (SHIPPED.get(vns, set()) | vocab.declared)
            if vns == ns and role == "class":
                pool = vocab.classes or pool
            elif vns == ns and role == "property":
                pool = vocab.properties or pool
            hint = _suggest(term, vns, pool)
            if hint:
                msg += f"; did you mean {compact(hint, base)}?"
        issues.extend(_issue(by_graph[g], term, msg, n, locator))
    return issues


def _issue(files: list[Input], term: str, msg: str, uses: int, locator: Locator) -> list[Issue]:
    out = []
    for f in files:
        line = locator.line_of(f.path, term)
        if line is None and len(files) > 1:
            continue  # the graph has several files (ontology/, shapes/): name the one that uses it
        extra = f" ({uses} uses)" if uses > 1 else ""
        out.append(Issue(ERROR, "term", msg + extra, file=f.rel, line=line))
    return out
