"""One message per broken twinning shortcut, naming both cities and the file to fix.

Three SPARQL-based shapes look at the ``tw:twinnedWith`` shortcut from different
sides (shapes/twinning.ttl): a twinning record whose partners are not linked
both ways (``TwinningShortcutComponent``), a link without a record
(``ShortcutRecordComponent``) and a link without its reverse
(``SymmetricComponent``).  One missing statement trips two of them, so their
results are gathered here per pair of cities and become ONE issue that says
what is missing, what is stated where, and where to add it::

    data/x.ttl:12: error: <id/city/b> tw:twinnedWith <id/city/a> is missing: <id/city/a>
    tw:twinnedWith <id/city/b> is stated here, and the twinning record <id/twinning/a-b>
    (data/x.ttl:30) — add it to data/x.ttl

Never imports Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from sistercities.rdfio import DATA, Input, Locator, compact
from sistercities.report import ERROR, Issue
from sistercities.shacl_sparql import Result

#: local names of the components whose results are merged here
RECORD, BACKED, SYMMETRIC = "TwinningShortcutComponent", "ShortcutRecordComponent", "SymmetricComponent"
COMPONENTS = {RECORD, BACKED, SYMMETRIC}

Node = ox.NamedNode | ox.BlankNode


def component_of(res: Result) -> str | None:
    name = re.split(r"[/#]", str(res.component))[-1] if res.component is not None else None
    return name if name in COMPONENTS else None


@dataclass
class _Pair:
    a: ox.NamedNode  # the two cities, a < b
    b: ox.NamedNode
    prop: ox.NamedNode
    records: set[str] = field(default_factory=set)
    missing: set[tuple[str, str]] = field(default_factory=set)  # (subject, object) of missing statements
    no_record: bool = False
    shapes: list[str] = field(default_factory=list)


class Placer:
    """Files and lines of statements and records in the data files."""

    def __init__(self, store: ox.Store, files: list[Input], base: str, locator: Locator) -> None:
        self.store, self.base, self.locator = store, base, locator
        self.by_graph = {f.graph: f for f in files if f.kind == DATA}

    def statement(self, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode) -> list[tuple[Input, int | None]]:
        out = []
        for q in self.store.quads_for_pattern(s, p, o, None):
            f = self.by_graph.get(q.graph_name.value) if isinstance(q.graph_name, ox.NamedNode) else None
            if f is not None:
                out.append((f, self._line(f, s, p, o)))
        return sorted(out, key=lambda fl: fl[0].rel)

    def subject(self, node: ox.NamedNode) -> list[tuple[Input, int | None]]:
        out = []
        graphs = {q.graph_name.value for q in self.store.quads_for_pattern(node, None, None, None)
                  if isinstance(q.graph_name, ox.NamedNode)}
        for g in sorted(graphs):
            f = self.by_graph.get(g)
            if f is not None:
                out.append((f, self.locator.line_of(f.path, node.value, subject=True)))
        return sorted(out, key=lambda fl: fl[0].rel)

    def _line(self, f: Input, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode) -> int | None:
        """The line writing ``o`` as a value of ``p`` in the description of ``s`` (best effort)."""
        ss, ps, os_ = (set(self.locator.spellings(f.path, x.value)) for x in (s, p, o))
        try:
            lines = f.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None
        current: str | None = None
        fallback = None
        for n, line in enumerate(lines, 1):
            toks = [t.rstrip(".,;") for t in re.findall(r'<[^<>"\s]*>|[A-Za-z_][\w.-]*:[\w.%-]*|:[\w.%-]+', line)]
            if toks and line[:1] not in (" ", "\t") and line.lstrip().startswith(toks[0]):
                current = toks[0]
            if current in ss and os_ & set(toks):
                if ps & set(toks):
                    return n
                fallback = fallback or n
        return fallback or self.locator.line_of(f.path, s.value, subject=True)


def _where(found: list[tuple[Input, int | None]]) -> str:
    f, line = found[0]
    return f.rel + (f":{line}" if line else "")


def merge(results: list[Result], placer: Placer, shape_name: Callable[[Result], str | None]) -> list[Issue]:
    """One issue per pair of cities out of the results of the three shortcut components."""
    base = placer.base
    pairs: dict[tuple[str, str, str], _Pair] = {}

    def pair(x: Node, y: Node, prop: ox.NamedNode) -> _Pair | None:
        if not (isinstance(x, ox.NamedNode) and isinstance(y, ox.NamedNode)):
            return None
        a, b = sorted((x, y), key=lambda n: n.value)
        p = pairs.setdefault((a.value, b.value, prop.value), _Pair(a, b, prop))
        return p

    for res in results:
        comp = component_of(res)
        p: _Pair | None = None
        if comp == RECORD:
            partner, other = res.get("partner"), res.get("other")
            prop = _iri_param(res, "recordShortcut")
            if isinstance(partner, ox.NamedNode) and isinstance(other, ox.NamedNode) and prop is not None:
                p = pair(partner, other, prop)
                if p is not None:
                    p.records.add(res.focus.value)
                    p.missing.add((partner.value, other.value))
        elif comp == SYMMETRIC:
            other, prop = res.get("other"), _iri_param(res, "symmetricProperty")
            if isinstance(other, ox.NamedNode) and prop is not None and (p := pair(res.focus, other, prop)):
                p.missing.add((other.value, res.focus.value))
        elif comp == BACKED:
            other, prop = res.get("other"), _iri_param(res, "backedShortcut")
            if isinstance(other, ox.NamedNode) and prop is not None and (p := pair(res.focus, other, prop)):
                p.no_record = True
        else:
            continue
        name = shape_name(res)
        if p is not None and name and name not in p.shapes:
            p.shapes.append(name)
    return [_issue(p, placer, base) for _, p in sorted(pairs.items())]


def _iri_param(res: Result, name: str) -> ox.NamedNode | None:
    v = dict(res.params).get(name)
    return ox.NamedNode(v) if v else None


def _issue(p: _Pair, placer: Placer, base: str) -> Issue:
    c = lambda n: compact(n if isinstance(n, str) else n.value, base)  # noqa: E731
    prop = c(p.prop)
    a, b = p.a, p.b
    stated = [(x, y) for x, y in ((a, b), (b, a))
              if (x.value, y.value) not in p.missing and placer.statement(x, p.prop, y)]
    missing = [(x, y) for x, y in ((a, b), (b, a)) if (x.value, y.value) in p.missing]
    records = sorted(p.records)
    record_at = placer.subject(ox.NamedNode(records[0])) if records else []
    stated_at = placer.statement(*_t(stated[0], p.prop)) if stated else []
    # where the fix goes: the twinning record's file, else the file stating the other direction
    target = record_at[0] if record_at else stated_at[0] if stated_at else None
    here = stated_at[0] if stated_at and target and stated_at[0][0] == target[0] else target

    def st(x: ox.NamedNode, y: ox.NamedNode) -> str:
        return f"{c(x)} {prop} {c(y)}"

    parts: list[str] = []
    if missing:
        parts.append(" and ".join(st(x, y) for x, y in missing) + (" is" if len(missing) == 1 else " are") + " missing")
    if p.no_record:
        parts.append(f"no tw:Twinning record has the partners {c(a)} and {c(b)}")
    head = ", and ".join(parts) if missing and p.no_record else parts[0] if parts else f"{c(a)} {prop} {c(b)}"
    why = []
    if stated:
        where = "here" if here is stated_at[0] else "in " + _where(stated_at)
        why.append(" and ".join(st(x, y) for x, y in stated) + f" {'is' if len(stated) == 1 else 'are'} stated {where}")
    if records:
        where = "here" if here is not None and record_at and here is record_at[0] else _where(record_at) if record_at else ""
        rec = f"the twinning record {c(records[0])}" + (f" ({where})" if where and where != "here" else "")
        why.append(rec + (" names both as partners" if not stated else ""))
    msg = head + (": " + ", and ".join(why) if why else "")
    if target is not None:
        todo = []
        if missing:
            todo.append("it" if len(missing) == 1 else "both")
        if p.no_record:
            todo.append(f"a record (a tw:Twinning ; tw:partner {c(a)} , {c(b)})")
        msg += f" — add {' and '.join(todo)} to {target[0].rel}"
        if p.no_record and stated and missing:
            msg += " (or remove the statement if the cities are not twinned)"
    subj, obj = missing[0] if missing else (a, b)
    issue = Issue(ERROR, "shacl", msg, focus=c(subj), path=prop, value=c(obj), rule=", ".join(sorted(p.shapes)) or None)
    if here is not None:
        issue.file, issue.line = here[0].rel, here[1]
    return issue


def _t(pair: tuple[ox.NamedNode, ox.NamedNode], prop: ox.NamedNode) -> tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode]:
    return pair[0], prop, pair[1]
