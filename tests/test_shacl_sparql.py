"""The SPARQL-based constraint components run in pyoxigraph (one query per shape) give
the same results as pySHACL (one query per focus node) — on every failing case and every
passing snippet of tests/test_shapes.py, and on the real data."""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib.namespace import RDF, SH

from sistercities import shacl_sparql
from test_shapes import BASE, CASES, PASSES, PREFIXES, SHAPES_NS, ontology_graph, shapes_graph

GRAPH = "urn:test:data"


@cache
def sparql_shapes() -> frozenset[str]:
    return frozenset(str(c.shape)[len(SHAPES_NS):] for c in shacl_sparql.checks(shapes_graph()))


def _data(ttl: str) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(data=PREFIXES + ttl, format="turtle", publicID=BASE)
    return g + ontology_graph()


def by_pyshacl(ttl: str) -> set[tuple[str, str, str]]:
    """(shape, focus, message) of the SPARQL-component shapes, as pySHACL reports them."""
    _c, report, _t = pyshacl.validate(_data(ttl), shacl_graph=shapes_graph(), inference="none", advanced=True,
                                      allow_warnings=True)
    out = set()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        shape = str(report.value(r, SH.sourceShape))
        if shape.startswith(SHAPES_NS) and shape[len(SHAPES_NS):] in sparql_shapes() and \
                report.value(r, SH.sourceConstraintComponent) not in _core_components():
            out.add((shape[len(SHAPES_NS):], str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultMessage))))
    return out


@cache
def _core_components() -> frozenset[rdflib.term.Node]:
    g = shapes_graph()
    custom = set(g.subjects(RDF.type, SH.ConstraintComponent))
    return frozenset({SH[n] for n in ("ClassConstraintComponent", "MinCountConstraintComponent", "MaxCountConstraintComponent",
                                      "NodeKindConstraintComponent", "PatternConstraintComponent", "OrConstraintComponent",
                                      "DatatypeConstraintComponent", "MinLengthConstraintComponent",
                                      "MaxLengthConstraintComponent", "HasValueConstraintComponent",
                                      "NodeConstraintComponent")} - custom)


def by_oxigraph(ttl: str) -> set[tuple[str, str, str]]:
    store = ox.Store()
    store.extend(ox.Quad(*(_ox(t) for t in triple), ox.NamedNode(GRAPH)) for triple in _data(ttl))
    results = shacl_sparql.run(store, shapes_graph(), [GRAPH], shacl_sparql.checks(shapes_graph()))
    return {(str(r.shape)[len(SHAPES_NS):], r.focus.value, r.message) for r in results}


def _ox(t: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(t, rdflib.URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, rdflib.BNode):
        return ox.BlankNode(str(t))
    assert isinstance(t, rdflib.Literal)
    if t.language:
        return ox.Literal(str(t), language=t.language)
    return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype))) if t.datatype else ox.Literal(str(t))


def test_every_sparql_component_shape_is_evaluated_fast() -> None:
    assert {"TwinningShortcutShape", "SourcedStatementShape", "EvidenceShape", "DateOrderShape"} <= sparql_shapes()


SNIPPETS = [(c.id, c.ttl) for c in CASES if c.shape in sparql_shapes()] + \
           [(name, ttl) for name, shape, ttl in PASSES if shape in sparql_shapes()]


@pytest.mark.parametrize("name,ttl", SNIPPETS, ids=[s[0] for s in SNIPPETS])
def test_same_results_as_pyshacl(name: str, ttl: str) -> None:
    expected = by_pyshacl(ttl)
    assert by_oxigraph(ttl) == expected
    case = next((c for c in CASES if c.id == name), None)
    if case is not None and any(case.message in c.message for c in shacl_sparql.checks(shapes_graph())):
        # a failing case of a SPARQL component: something to agree on
        assert any(shape == case.shape and case.message in msg for shape, _f, msg in expected), expected


def test_split_leaves_pyshacl_nothing_to_do_twice() -> None:
    g = shapes_graph()
    rest = shacl_sparql.split(g, shacl_sparql.checks(g))
    ttl = next(c.ttl for c in CASES if c.id == "evidence-missing")
    _c, report, _t = pyshacl.validate(_data(ttl), shacl_graph=rest, inference="none", advanced=True, allow_warnings=True)
    assert not [m for m in report.objects(None, SH.resultMessage) if "has no evidence" in str(m)]
    assert len(rest) < len(g)
