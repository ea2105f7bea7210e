"""SHACL-SPARQL constraint components, evaluated by pyoxigraph in one query per shape.

pySHACL runs a SPARQL-based constraint once per focus node through rdflib's
pure-Python engine: with a thousand pieces of evidence that is ~20 s of a
build.  Here each (shape, component) pair becomes ONE query on the store: the
component's ``sh:select`` with its parameters substituted and the shape's
focus nodes given as ``VALUES $this {…}``.  For our validators — each binds
``$this`` in its first triple pattern, and none uses ``$value``, ``$shapesGraph``
or ``$currentShape`` — this is the pre-binding that SHACL §5.3.1 defines, so
the results are the same (``tests/test_shacl_sparql.py`` checks that against
pySHACL on every failing case of ``tests/test_shapes.py``).

:func:`split` hands back the shapes graph without the parameters we evaluate,
so pySHACL still checks every core constraint and nothing runs twice.
Never imports Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH

CHUNK = 400  # focus nodes per query


@dataclass(frozen=True)
class Result:
    focus: ox.NamedNode | ox.BlankNode
    path: ox.NamedNode | None
    message: str
    severity: rdflib.URIRef
    shape: rdflib.term.Node
    component: rdflib.term.Node | None = None
    #: the other variables the validator selects (``?other``, ``?partner``…), by name
    bindings: tuple[tuple[str, ox.NamedNode | ox.BlankNode | ox.Literal], ...] = ()
    #: the component's parameters on the shape: (local name, value as a string)
    params: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
        return dict(self.bindings).get(name)


@dataclass(frozen=True)
class Check:
    """One shape using one SPARQL-based constraint component."""

    shape: rdflib.term.Node
    query: str  # prefixes + the validator's SELECT, parameters substituted
    message: str
    severity: rdflib.URIRef
    params: tuple[tuple[rdflib.term.Node, rdflib.term.Node], ...]  # (parameter path, value) on the shape
    component: rdflib.term.Node | None = None

    def param(self, local_name: str) -> rdflib.term.Node | None:
        """The value of the parameter whose path ends in ``local_name``."""
        for path, v in self.params:
            if re.split(r"[/#]", str(path))[-1] == local_name:
                return v
        return None


def _nt(t: rdflib.term.Node) -> str:
    return t.n3()


def _prefixes(g: rdflib.Graph, validator: rdflib.term.Node) -> str:
    out = []
    for holder in g.objects(validator, SH.prefixes):
        for decl in g.objects(holder, SH.declare):
            p, ns = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
            if p is not None and ns is not None:
                out.append(f"PREFIX {p}: <{ns}>")
    return "\n".join(out) + "\n"


def checks(g: rdflib.Graph) -> list[Check]:
    """Every (shape, SPARQL select component) pair of the shapes graph ``g``."""
    found: list[Check] = []
    for comp in g.subjects(RDF.type, SH.ConstraintComponent):
        validator = g.value(comp, SH.nodeValidator)
        select = g.value(validator, SH.select) if validator is not None else None
        if validator is None or select is None:
            continue
        params = []
        for p in g.objects(comp, SH.parameter):
            path = g.value(p, SH.path)
            if path is not None:
                params.append((path, bool(g.value(p, SH.optional))))
        required = [path for path, optional in params if not optional]
        if not required:
            continue
        for shape in set(g.subjects(required[0], None)):
            if (shape, SH.deactivated, rdflib.Literal(True)) in g:
                continue
            values = {path: g.value(shape, path) for path, _ in params}
            if any(values[path] is None for path in required):
                continue
            text = str(select)
            bound = [(path, v) for path, v in values.items() if v is not None]
            for path, v in sorted(bound, key=lambda pv: -len(str(pv[0]))):
                name = re.split(r"[/#]", str(path))[-1]
                term = _nt(v)
                text = re.sub(r"\$" + re.escape(name) + r"\b", term.replace("\\", "\\\\"), text)
            message = g.value(shape, SH.message) or g.value(validator, SH.message) or "constraint not met"
            severity = g.value(shape, SH.severity) or SH.Violation
            found.append(Check(shape, _prefixes(g, validator) + text, str(message),
                               severity if isinstance(severity, rdflib.URIRef) else SH.Violation,
                               tuple(bound), comp))
    return found


def split(g: rdflib.Graph, handled: list[Check]) -> rdflib.Graph:
    """``g`` without the parameter triples of ``handled`` (what pySHACL should still run)."""
    out = rdflib.Graph()
    drop = {(c.shape, path, v) for c in handled for path, v in c.params}
    for t in g:
        if t not in drop:
            out.add(t)
    for p, ns in g.namespaces():
        out.bind(p, ns)
    return out


Graphs = list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]


def _targets(store: ox.Store, g: rdflib.Graph, shape: rdflib.term.Node,
             graphs: Graphs) -> list[ox.NamedNode | ox.BlankNode]:
    patterns = []
    for c in g.objects(shape, SH.targetClass):
        patterns.append(f"?f <{RDF.type}>/<{RDFS.subClassOf}>* {_nt(c)}")
    for p in g.objects(shape, SH.targetSubjectsOf):
        patterns.append(f"?f {_nt(p)} ?o")
    for p in g.objects(shape, SH.targetObjectsOf):
        patterns.append(f"?s {_nt(p)} ?f")
    nodes: set[ox.NamedNode | ox.BlankNode] = set()
    for n in g.objects(shape, SH.targetNode):
        if isinstance(n, rdflib.URIRef):
            nodes.add(ox.NamedNode(str(n)))
    for pat in patterns:
        res = store.query(f"SELECT DISTINCT ?f WHERE {{ {pat} }}", default_graph=graphs)
        assert isinstance(res, ox.QuerySolutions)
        for row in res:
            f = row["f"]
            if isinstance(f, ox.NamedNode | ox.BlankNode):
                nodes.add(f)
    return sorted(nodes, key=str)


_WHERE = re.compile(r"\bWHERE\s*\{", re.I)


def run(store: ox.Store, g: rdflib.Graph, graphs: list[str], todo: list[Check]) -> list[Result]:
    """Evaluate ``todo`` on the union of ``graphs`` in ``store``."""
    default: Graphs = [ox.NamedNode(x) for x in graphs]
    results: list[Result] = []
    for check in todo:
        focus = [f for f in _targets(store, g, check.shape, default) if isinstance(f, ox.NamedNode)]
        m = _WHERE.search(check.query)
        if m is None:
            raise ValueError(f"cannot evaluate {check.shape}: its sh:select has no WHERE {{")
        seen: set[tuple[str, ...]] = set()
        for i in range(0, len(focus), CHUNK):
            values = " ".join(str(f) for f in focus[i:i + CHUNK])
            text = check.query[:m.end()] + f" VALUES $this {{ {values} }} " + check.query[m.end():]
            res = store.query(text, default_graph=default)
            assert isinstance(res, ox.QuerySolutions)
            names = {v.value for v in res.variables}
            for row in res:
                this = row["this"] if "this" in names else None
                path = row["path"] if "path" in names else None
                if not isinstance(this, ox.NamedNode | ox.BlankNode):
                    continue
                bindings = tuple((n, t) for n in sorted(names - {"this", "path"})
                                 if isinstance(t := row[n], ox.NamedNode | ox.BlankNode | ox.Literal))
                key = (str(this), str(path), *(f"{n}={t}" for n, t in bindings))
                if key in seen:
                    continue
                seen.add(key)
                results.append(Result(this, path if isinstance(path, ox.NamedNode) else None,
                                      check.message, check.severity, check.shape, check.component, bindings,
                                      tuple((re.split(r"[/#]", str(k))[-1], str(v)) for k, v in check.params)))
    return results
