"""Mistyped IRIs in object position: ``tw:signatory <id/person/gennadiy-truhanov>``.

An IRI under the base that a data file uses as a value but that no file
describes (it is never a subject, in any graph) is a link to nothing — almost
always a typo.  It is reported once, at its first use, with the closest IRI that
is described (difflib)::

    data/x.ttl:40: error: <id/person/gennadiy-truhanov> is used but described nowhere; did you mean
    <id/person/gennadiy-trukhanov>? (2 uses)

IRIs outside the base (Wikidata, GeoNames…) and vocabulary terms (checked by
:mod:`sistercities.terms`) are not checked here.  Group-bys only,
so it stays fast at a million triples.  Never imports Flask.
"""

from __future__ import annotations

import difflib
from collections import defaultdict

import pyoxigraph as ox

from sistercities.rdfio import DATA, Input, Locator, compact
from sistercities.report import ERROR, WARNING, Issue
from sistercities.uris import ontology_ns


def _suggest(iri: str, pool: list[str]) -> str | None:
    """The closest described IRI of the same kind (``id/person/…`` for a person), by its last segment."""
    kind, _, slug = iri.rpartition("/")
    names = {p.rpartition("/")[2]: p for p in pool if p.rpartition("/")[0] == kind}
    m = difflib.get_close_matches(slug, list(names), n=1, cutoff=0.75)
    return names[m[0]] if m else None


def check(store: ox.Store, files: list[Input], base: str, locator: Locator) -> list[Issue]:
    data = sorted({f.graph for f in files if f.kind == DATA})
    if not data:
        return []
    by_graph: dict[str, list[Input]] = defaultdict(list)
    for f in files:
        by_graph[f.graph].append(f)
    values = " ".join(f"<{g}>" for g in data)
    graphs = {f.graph for f in files}
    terms = (ontology_ns(base), base + "shapes/")  # vocabulary: sistercities.terms checks it, with its own hints
    res = store.query(f"SELECT DISTINCT ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} "
                      f"FILTER (isIRI(?o)) }}")
    assert isinstance(res, ox.QuerySolutions)
    dangling: list[ox.NamedNode] = []
    for row in res:
        o = row["o"]
        if (isinstance(o, ox.NamedNode) and o.value.startswith(base) and o.value not in graphs and o.value != base
                and not o.value.startswith(terms) and next(store.quads_for_pattern(o, None, None, None), None) is None):
            dangling.append(o)
    if not dangling:
        return []
    used: dict[str, dict[str, int]] = defaultdict(dict)  # iri -> graph -> uses
    for o in dangling:
        for q in store.quads_for_pattern(None, None, o, None):
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in data:
                used[o.value][q.graph_name.value] = used[o.value].get(q.graph_name.value, 0) + 1
    subjects: set[str] = set()
    res = store.query("SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER (isIRI(?s)) }")
    assert isinstance(res, ox.QuerySolutions)
    for row in res:
        s = row["s"]
        if isinstance(s, ox.NamedNode):
            subjects.add(s.value)
    pool = sorted(s for s in subjects if s.startswith(base))
    issues: list[Issue] = []
    for iri in sorted(used):
        uses = sum(used[iri].values())
        msg = f"{compact(iri, base)} is used as a value but described nowhere (no file states anything about it)"
        hint = _suggest(iri, pool)
        if hint:
            msg += f"; did you mean {compact(hint, base)}?"
        if uses > 1:
            msg += f" ({uses} uses)"
        place: tuple[str, int | None] | None = None
        for g in sorted(used[iri]):
            for f in by_graph.get(g, []):
                line = locator.line_of(f.path, iri)
                if line is not None or place is None:
                    place = (f.rel, line)
                if line is not None:
                    break
            if place is not None and place[1] is not None:
                break
        # with a close match it is a typo; without one perhaps a thing not described yet (a page that is a 404)
        issue = Issue(ERROR if hint else WARNING, "reference", msg, focus=compact(iri, base), rule="described IRIs")
        if place is not None:
            issue.file, issue.line = place
        issues.append(issue)
    return issues
