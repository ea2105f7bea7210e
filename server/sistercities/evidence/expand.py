"""Replace the ``tw:evidence`` authoring shorthand with published ``tw:Evidence`` nodes.

For each ``S tw:evidence E`` in a data graph ``G``, ``E`` must have

* one or more ``tw:supports P`` — properties of ``S`` stated in ``G``;
* optionally ``tw:supportsValue V`` — only these values (for a property with several);
* exactly one ``prov:wasQuotedFrom`` — the paragraph;
* exactly one ``tw:quotation`` — the words (a string, language-tagged or not).

Every statement ``S P V`` in ``G`` selected that way gets one node at
``{base}id/evidence/<16 hex>`` (a hash of subject, property, value, paragraph and
quotation, so the IRI is stable while the evidence is unchanged) in ``G``::

    <id/evidence/…> a tw:Evidence ; rdf:subject S ; rdf:predicate P ; rdf:object V ;
        prov:wasQuotedFrom <paragraph> ; tw:quotation "…" .

The shorthand triples are removed.  Problems are returned as error issues
(focus ``S``), and the shorthand node is then dropped without output.
Never imports Flask.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

import pyoxigraph as ox

from sistercities.rdfio import compact, term_str
from sistercities.report import ERROR, Issue
from sistercities.uris import ontology_ns

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
OWL = "http://www.w3.org/2002/07/owl#"
WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"

RDF_TYPE = ox.NamedNode(RDF + "type")
RDF_SUBJECT = ox.NamedNode(RDF + "subject")
RDF_PREDICATE = ox.NamedNode(RDF + "predicate")
RDF_OBJECT = ox.NamedNode(RDF + "object")
PROV_QUOTED = ox.NamedNode(PROV + "wasQuotedFrom")

#: Predicates that are not statements of a source: types, the curators' labels and notes,
#: provenance itself, and the reference data (identifiers, coordinates).  Every other
#: statement about a record derived from a paragraph needs evidence (shapes/twinning.ttl).
EXEMPT_PREDICATES: tuple[str, ...] = (
    RDF + "type", RDFS + "label", RDFS + "comment", RDFS + "seeAlso",
    SKOS + "prefLabel", SKOS + "altLabel", SKOS + "editorialNote", SKOS + "note", SKOS + "scopeNote",
    PROV + "wasDerivedFrom", OWL + "sameAs", WGS + "lat", WGS + "long",
)

#: ``place(issue, subject, graph)`` fills in the file and line of ``subject`` in ``graph``'s file.
Place = Callable[[Issue, ox.NamedNode | ox.BlankNode, str], Issue]


def _no_place(issue: Issue, _node: ox.NamedNode | ox.BlankNode, _graph: str) -> Issue:
    return issue


def evidence_iri(base: str, s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, v: object,
                 paragraph: ox.NamedNode, quotation: ox.Literal) -> ox.NamedNode:
    """The stable IRI of one piece of evidence."""
    key = "\n".join((str(s), str(p), str(v), str(paragraph), str(quotation)))
    return ox.NamedNode(f"{base}id/evidence/{hashlib.sha256(key.encode()).hexdigest()[:16]}")


def expand(store: ox.Store, graphs: Iterable[str], base: str, place: Place = _no_place) -> list[Issue]:
    """Expand the shorthand in ``graphs`` in place; return the problems found."""
    tw = ontology_ns(base)
    t_evidence, t_supports = ox.NamedNode(tw + "evidence"), ox.NamedNode(tw + "supports")
    t_value, t_quote = ox.NamedNode(tw + "supportsValue"), ox.NamedNode(tw + "quotation")
    t_class = ox.NamedNode(tw + "Evidence")
    allowed = {t_supports, t_value, t_quote, PROV_QUOTED}
    issues: list[Issue] = []

    for g in graphs:

        def problem(s: ox.NamedNode | ox.BlankNode, msg: str, g: str = g) -> None:
            focus = compact(s.value, base) if isinstance(s, ox.NamedNode) else "[]"
            issues.append(place(Issue(ERROR, "evidence", msg, focus=focus, path="tw:evidence"), s, g))

        gn = ox.NamedNode(g)
        links = list(store.quads_for_pattern(None, t_evidence, None, gn))
        add: list[ox.Quad] = []
        drop: list[ox.Quad] = []
        for link in links:
            s, e = link.subject, link.object
            drop.append(link)
            if not isinstance(s, ox.NamedNode | ox.BlankNode):
                continue
            if not isinstance(e, ox.BlankNode | ox.NamedNode):
                problem(s, "tw:evidence must point to a node [ tw:supports …; prov:wasQuotedFrom …; tw:quotation … ], "
                           f"not {term_str(e, base)}")
                continue
            own = list(store.quads_for_pattern(e, None, None, gn))
            drop.extend(own)
            props = [q.object for q in own if q.predicate == t_supports]
            values = [q.object for q in own if q.predicate == t_value]
            paras = [q.object for q in own if q.predicate == PROV_QUOTED]
            quotes = [q.object for q in own if q.predicate == t_quote]
            odd = sorted({compact(q.predicate.value, base) for q in own if q.predicate not in allowed})
            ok = True
            if odd:
                problem(s, f"evidence node has properties the shorthand does not know: {', '.join(odd)} "
                           "(allowed: tw:supports, tw:supportsValue, prov:wasQuotedFrom, tw:quotation)")
                ok = False
            if not props:
                problem(s, "evidence node names no property it supports (tw:supports)")
                ok = False
            if len(paras) != 1 or not isinstance(paras[0], ox.NamedNode):
                problem(s, f"evidence node needs exactly one paragraph IRI (prov:wasQuotedFrom), has {len(paras)}")
                ok = False
            if len(quotes) != 1 or not isinstance(quotes[0], ox.Literal) or not quotes[0].value.strip():
                problem(s, f"evidence node needs exactly one non-empty quotation (tw:quotation), has {len(quotes)}")
                ok = False
            if not ok:
                continue
            para, quote = paras[0], quotes[0]
            assert isinstance(para, ox.NamedNode) and isinstance(quote, ox.Literal)
            stated: list[tuple[ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]] = []
            for p in props:
                if not isinstance(p, ox.NamedNode):
                    problem(s, f"tw:supports must name a property, not {term_str(p, base)}")
                    continue
                if p.value in EXEMPT_PREDICATES:
                    problem(s, f"tw:supports {compact(p.value, base)}: this property needs no evidence (labels, "
                               "types, notes and provenance are the curators'); remove it")
                    continue
                objs = [q.object for q in store.quads_for_pattern(s, p, None, gn)]
                if not objs:
                    problem(s, f"tw:supports {compact(p.value, base)}, but {term_str(s, base)} has no "
                               f"{compact(p.value, base)} in this file")
                    continue
                stated.extend((p, o) for o in objs if not values or o in values)
            for v in values:
                if not any(o == v for _, o in stated):
                    problem(s, f"tw:supportsValue {term_str(v, base)} is not a value of "
                               f"{', '.join(compact(p.value, base) for p in props if isinstance(p, ox.NamedNode))} "
                               f"of {term_str(s, base)} in this file")
            for p, o in stated:
                ev = evidence_iri(base, s, p, o, para, quote)
                add.extend(ox.Quad(ev, pred, obj, gn) for pred, obj in (
                    (RDF_TYPE, t_class), (RDF_SUBJECT, s), (RDF_PREDICATE, p), (RDF_OBJECT, o),
                    (PROV_QUOTED, para), (t_quote, quote)))
        for q in drop:
            store.remove(q)
        store.extend(add)
    return issues
