"""Validate a project: syntax, terms, SHACL, SPARQL quality checks.

:func:`validate_store` runs on a pyoxigraph store already holding every input
file in its named graph (the build's new store, or an in-memory one from
:func:`validate_project`) and returns a plain :class:`~sistercities.report.Report`.

SHACL follows docs/model.md: pySHACL with ``inference="none"``, data graph =
all data files + all ontology files, shapes graph = all shapes files.
Quality checks are ``queries/quality/*.rq`` SELECT queries returning ``?focus``
and ``?message``; each row is a warning.  Never imports Flask.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from sistercities import literals, references, shacl_sparql, shortcuts, terms
from sistercities.evidence import check_quotations, default_sources_dir, expand
from sistercities.rdfio import DATA, ONTOLOGY, SHAPES, Input, Locator, compact, inputs, load, term_str
from sistercities.report import ERROR, INFO, WARNING, Issue, Report
from sistercities.serialize import to_rdflib_term

Log = Callable[[str], None]

_SEVERITY = {SH.Violation: ERROR, SH.Warning: WARNING, SH.Info: INFO}


def _nolog(_: str) -> None:
    pass


class Timer:
    def __init__(self, report: Report, name: str, log: Log) -> None:
        self.report, self.name, self.log = report, name, log

    def __enter__(self) -> Timer:
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        dt = time.perf_counter() - self.t0
        self.report.timings[self.name] = round(dt, 3)
        if exc[0] is None:
            self.log(f"  {self.name}: {dt:.1f} s")


# --- where a node lives --------------------------------------------------------------


class FileIndex:
    """Map a node back to the data file(s) it is described in (subject position first)."""

    def __init__(self, store: ox.Store, files: list[Input], base: str, locator: Locator) -> None:
        self.store, self.base, self.locator, self.files = store, base, locator, files
        self.by_graph: dict[str, list[Input]] = defaultdict(list)
        for f in files:
            self.by_graph[f.graph].append(f)

    def files_of(self, node: ox.NamedNode | ox.BlankNode) -> list[tuple[Input, int | None]]:
        graphs = {q.graph_name.value for q in self.store.quads_for_pattern(node, None, None, None)
                  if isinstance(q.graph_name, ox.NamedNode)}
        if not graphs:
            graphs = {q.graph_name.value for q in self.store.quads_for_pattern(None, None, node, None)
                      if isinstance(q.graph_name, ox.NamedNode)}
        out: list[tuple[Input, int | None]] = []
        for g in sorted(graphs):
            for f in self.by_graph.get(g, []):
                line = self.locator.line_of(f.path, node.value, subject=True) if isinstance(node, ox.NamedNode) else None
                if line is not None or len(self.by_graph[g]) == 1:
                    out.append((f, line))
        # data files first: that is where a curator fixes things
        out.sort(key=lambda fl: (fl[0].kind != DATA, fl[0].rel))
        return out

    def place(self, issue: Issue, node: ox.NamedNode | ox.BlankNode | None) -> Issue:
        if node is None:
            return issue
        found = self.files_of(node)
        if found:
            issue.file, issue.line = found[0][0].rel, found[0][1]
            issue.also_in = [f.rel for f, _ in found[1:]]
        return issue


# --- SHACL ---------------------------------------------------------------------------


def _to_rdflib(store: ox.Store, graphs: list[str]) -> rdflib.Graph:
    g = rdflib.Graph()
    add = g.add
    for name in graphs:
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
            add((to_rdflib_term(q.subject), to_rdflib_term(q.predicate), to_rdflib_term(q.object)))  # type: ignore[arg-type]
    return g


def _path_str(report: rdflib.Graph, path: rdflib.term.Node | None, base: str) -> str | None:
    if path is None:
        return None
    if isinstance(path, rdflib.URIRef):
        return compact(str(path), base)
    inv = report.value(path, SH.inversePath)
    if inv is not None:
        return "^" + (_path_str(report, inv, base) or "?")
    if report.value(path, RDF.first) is not None:
        items = list(rdflib.collection.Collection(report, path))  # type: ignore[arg-type]
        return "/".join(_path_str(report, i, base) or "?" for i in items)
    return "(complex path)"


def _shape_name(shapes: rdflib.Graph, shape: rdflib.term.Node | None, base: str) -> str | None:
    """The shape's IRI, or for an anonymous property shape its node shape's IRI and path."""
    if isinstance(shape, rdflib.URIRef):
        return compact(str(shape), base)
    parent = shapes.value(predicate=SH.property, object=shape) if shape is not None else None
    if isinstance(parent, rdflib.URIRef):
        return compact(str(parent), base)
    return None


def _ox_node(t: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | None:
    if isinstance(t, rdflib.URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, rdflib.BNode):
        return ox.BlankNode(str(t))
    return None


def scoped_graphs(store: ox.Store, files: list[Input], base: str) -> set[str]:
    """Data graphs a shapes module is about (``<module> tws:dataGraph <graph/…>``, e.g. graph/wikidata):
    their own shapes check them; the curated shapes and the quality queries do not see them."""
    shape_graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [
        ox.NamedNode(g) for g in sorted({f.graph for f in files if f.kind == SHAPES})]
    if not shape_graphs:
        return set()
    res = store.query(f"SELECT DISTINCT ?g WHERE {{ ?m <{base}shapes/dataGraph> ?g }}", default_graph=shape_graphs)
    assert isinstance(res, ox.QuerySolutions)
    return {row["g"].value for row in res if isinstance(row["g"], ox.NamedNode)}


def _deactivated(shapes: rdflib.Graph, off: set[rdflib.term.Node]) -> rdflib.Graph:
    g = rdflib.Graph()
    g += shapes
    for p, ns in shapes.namespaces():
        g.bind(p, ns)
    for s in off:
        g.add((s, SH.deactivated, rdflib.Literal(True)))
    return g


_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target)


def shacl(store: ox.Store, files: list[Input], base: str, index: FileIndex) -> list[Issue]:
    """pySHACL for the core constraints; the SPARQL-based components in pyoxigraph (see shacl_sparql).

    Shapes of a graph-scoped module (shapes/wikidata.ttl: ``tws:dataGraph <graph/wikidata>``) run on
    all data; every other shape runs on the data without the scoped graphs (two passes, each shape once)."""
    data_graphs = sorted({f.graph for f in files if f.kind in (DATA, ONTOLOGY)})
    shape_graphs = sorted({f.graph for f in files if f.kind == SHAPES})
    if not shape_graphs:
        return []
    shapes = _to_rdflib(store, shape_graphs)
    scoped_g = scoped_graphs(store, files, base)
    modules = {m for m, _g in shapes.subject_objects(rdflib.URIRef(base + "shapes/dataGraph"))}
    scoped = {s for s, m in shapes.subject_objects(rdflib.RDFS.isDefinedBy) if m in modules}
    targeted = {s for t in _TARGETS for s in shapes.subjects(t, None)}
    passes = [([g for g in data_graphs if g not in scoped_g], _deactivated(shapes, scoped & targeted))]
    if scoped_g & set(data_graphs):
        passes.append((data_graphs, _deactivated(shapes, targeted - scoped)))
    issues: list[Issue] = []
    for graphs, sg in passes:
        issues.extend(_shacl_pass(store, files, graphs, sg, base, index))
    return issues


def _shacl_pass(store: ox.Store, files: list[Input], data_graphs: list[str], shapes: rdflib.Graph, base: str,
                index: FileIndex) -> list[Issue]:
    import pyshacl

    data = _to_rdflib(store, data_graphs)
    fast = shacl_sparql.checks(shapes)
    _conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shacl_sparql.split(shapes, fast), inference="none", advanced=True, allow_warnings=True,
    )
    issues: list[Issue] = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        sev = _SEVERITY.get(results.value(r, SH.resultSeverity), ERROR)  # type: ignore[call-overload]
        focus = results.value(r, SH.focusNode)
        msgs = [str(m) for m in results.objects(r, SH.resultMessage)]
        shape = results.value(r, SH.sourceShape)
        value = results.value(r, SH.value)
        comp = results.value(r, SH.sourceConstraintComponent)
        msg = "; ".join(msgs) or (compact(str(comp), base) if comp else "constraint not met")
        issue = Issue(
            sev, "shacl", msg,
            focus=compact(str(focus), base) if isinstance(focus, rdflib.URIRef) else "[]",
            path=_path_str(results, results.value(r, SH.resultPath), base),
            value=term_str(_ox_term(value), base) if value is not None else None,
            rule=_shape_name(shapes, shape, base),
        )
        issues.append(index.place(issue, _ox_node(focus) if focus is not None else None))
    twinning: list[shacl_sparql.Result] = []
    seen: set[tuple[str, str, str]] = set()
    for res in shacl_sparql.run(store, shapes, data_graphs, fast):
        if shortcuts.component_of(res):
            twinning.append(res)
            continue
        key = (str(res.shape), str(res.focus), str(res.path))
        if key in seen:  # one issue per shape, focus and path (the extra variables are for messages)
            continue
        seen.add(key)
        issue = Issue(_SEVERITY.get(res.severity, ERROR), "shacl", res.message,
                      focus=term_str(res.focus, base), path=compact(res.path.value, base) if res.path else None,
                      rule=_shape_name(shapes, res.shape, base))
        issues.append(index.place(issue, res.focus))
    placer = shortcuts.Placer(store, files, base, index.locator)
    issues.extend(shortcuts.merge(twinning, placer, lambda r: _shape_name(shapes, r.shape, base)))
    return issues


def _ox_term(t: rdflib.term.Node) -> object:
    if isinstance(t, rdflib.Literal):
        return ox.Literal(str(t), language=t.language) if t.language else ox.Literal(str(t))
    return _ox_node(t)


# --- quality queries -----------------------------------------------------------------


def quality(store: ox.Store, project: Path, base: str, index: FileIndex) -> list[Issue]:
    issues: list[Issue] = []
    # the same data graph as SHACL's curated pass (data + ontology, without graph-scoped data such as
    # graph/wikidata: these queries are about our curation); every graph is available with GRAPH ?g
    scoped = scoped_graphs(store, index.files, base)
    data_graphs = sorted({f.graph for f in index.files if f.kind in (DATA, ONTOLOGY)} - scoped)
    default: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.NamedNode(g) for g in data_graphs]
    named: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(g) for g in sorted({f.graph for f in index.files})]
    for q in sorted((project / "queries" / "quality").glob("*.rq")):
        rel = q.relative_to(project).as_posix()
        try:
            text = q.read_text(encoding="utf-8")
            res = store.query(text, base_iri=base, default_graph=default, named_graphs=named)
        except (SyntaxError, OSError, ValueError, UnicodeDecodeError) as e:
            issues.append(Issue(ERROR, "quality", f"quality query does not run: {e}", file=rel))
            continue
        if not isinstance(res, ox.QuerySolutions):
            issues.append(Issue(ERROR, "quality", "quality query must be a SELECT returning ?focus and ?message", file=rel))
            continue
        names = {v.value for v in res.variables}
        if "focus" not in names:
            issues.append(Issue(ERROR, "quality", "quality query must select ?focus (and ?message)", file=rel))
            continue
        for row in res:
            focus = row["focus"]
            message = row["message"].value if "message" in names and row["message"] is not None else q.stem
            issue = Issue(WARNING, "quality", message, focus=term_str(focus, base) if focus is not None else None,
                          rule=rel)
            node = focus if isinstance(focus, (ox.NamedNode, ox.BlankNode)) else None
            issues.append(index.place(issue, node))
    return issues


# --- the whole thing -----------------------------------------------------------------


GraphPlace = Callable[..., Issue]  # (issue, node, graph[, near]) -> issue


def _graph_placer(files: list[Input], base: str) -> GraphPlace:
    """``place(issue, node, graph, near=None)``: the line of ``node`` as a subject in the data file of ``graph``,
    or, when ``near`` is given (a quotation), the line where those words are written."""
    locator = Locator(base)
    by_graph = {f.graph: f for f in files if f.kind == DATA}

    def place(issue: Issue, node: ox.NamedNode | ox.BlankNode, graph: str, near: str | None = None) -> Issue:
        f = by_graph.get(graph)
        if f is not None:
            issue.file = f.rel
            issue.line = locator.line_of(f.path, node.value, subject=True) if isinstance(node, ox.NamedNode) else None
            if near:
                issue.line = _line_with(f.path, near) or issue.line
        return issue

    return place


def _line_with(path: Path, text: str) -> int | None:
    """The first line of ``path`` holding the start of ``text`` (up to an ellipsis, 40 characters)."""
    needle = text.split("…")[0].strip()[:40]
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((n for n, line in enumerate(lines, 1) if needle and needle in line), None)


def expand_evidence(store: ox.Store, files: list[Input], base: str) -> list[Issue]:
    """Replace the ``tw:evidence`` shorthand of the data files (see :mod:`sistercities.evidence`)."""
    return expand(store, sorted({f.graph for f in files if f.kind == DATA}), base, _graph_placer(files, base))


def quotations(store: ox.Store, files: list[Input], base: str, sources_dir: Path | None) -> list[Issue]:
    return check_quotations(store, base, sources_dir, _graph_placer(files, base))


@contextlib.contextmanager
def _quiet_rdflib() -> Iterator[None]:
    """rdflib logs a traceback for each ill-typed literal it converts: sistercities.literals reports them."""
    log = logging.getLogger("rdflib.term")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def validate_store(
    store: ox.Store, project: Path, files: list[Input], base: str, *,
    shacl_check: bool = True, report: Report | None = None, log: Log = _nolog,
    sources_dir: Path | None = None,
) -> Report:
    """Terms, quotations, SHACL and quality checks on a store loaded with ``files`` (evidence expanded)."""
    report = report or Report(files=len(files))
    locator = Locator(base)
    index = FileIndex(store, files, base, locator)
    with Timer(report, "terms", log):
        report.extend(terms.check(store, files, base, locator))
        report.extend(literals.check(store, files, base, locator))
        report.extend(references.check(store, files, base, locator))
        report.checks.append("terms")
    with Timer(report, "quotations", log):
        report.extend(quotations(store, files, base, sources_dir or default_sources_dir(project)))
        report.checks.append("quotations")
    if shacl_check:
        with Timer(report, "shacl", log), _quiet_rdflib():
            report.extend(shacl(store, files, base, index))
            report.checks.append("shacl")
    with Timer(report, "quality", log):
        report.extend(quality(store, project, base, index))
        report.checks.append("quality")
    report.issues = dedupe(report.issues)
    return report


#: which issue about a (focus, path, value) is kept: the most specific check first
_SPECIFIC = {"syntax": 0, "literal": 1, "reference": 2, "term": 3, "shacl": 4, "quality": 5}


def dedupe(issues: list[Issue]) -> list[Issue]:
    """One issue per (focus, path, value): an ill-typed date is not also a SHACL datatype violation."""
    best: dict[tuple[str, str | None, str], int] = {}
    for n, i in enumerate(issues):
        if i.focus is None or i.value is None:
            continue
        key = (i.focus, i.path, i.value)
        k = best.get(key)
        if k is None or (_SPECIFIC.get(i.kind, 9), _SEV_RANK[i.severity]) < (
                _SPECIFIC.get(issues[k].kind, 9), _SEV_RANK[issues[k].severity]):
            best[key] = n
    keep = set(best.values())
    return [i for n, i in enumerate(issues) if i.focus is None or i.value is None or n in keep]


_SEV_RANK = {ERROR: 0, WARNING: 1, INFO: 2}


def check_layout(project: Path, files: list[Input]) -> list[Issue]:
    issues = []
    if not project.is_dir():
        return [Issue(ERROR, "input", f"project folder {project} does not exist")]
    if not any(f.kind == DATA for f in files):
        issues.append(Issue(ERROR, "input", f"no data files: expected {project / 'data'}/*.ttl"))
    return issues


def validate_project(project: Path, base: str, *, shacl_check: bool = True, log: Log = _nolog,
                     sources_dir: Path | None = None) -> Report:
    """Parse every input into an in-memory store and run every check."""
    project = Path(project).resolve()
    files = inputs(project, base) if project.is_dir() else []
    report = Report(files=len(files))
    report.extend(check_layout(project, files))
    if not report.ok:
        return report
    store = ox.Store()
    with Timer(report, "parse", log):
        report.extend(load(store, files, base))
        report.checks.append("syntax")
    report.triples = len(store)
    if not report.ok:
        return report  # later checks on a partial graph would only add noise
    report.extend(expand_evidence(store, files, base))
    if not report.ok:
        return report
    return validate_store(store, project, files, base, shacl_check=shacl_check, report=report, log=log,
                          sources_dir=sources_dir)
