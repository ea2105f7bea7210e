"""Ill-typed literals: ``"2023-02-30"^^xsd:date`` and friends.

pyoxigraph's Turtle parser keeps a literal whose text does not fit its datatype
as it is (no error); rdflib then logs a traceback for it during SHACL.  So after
loading, every literal of a checked datatype in a data file is checked here and
reported at the line where its text is written::

    data/x.ttl:70: error: invalid xsd:date "2023-02-30": 2023-02 has no day 30 (<id/event/x> tw:date)

Never imports Flask.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from sistercities.rdfio import DATA, Input, compact
from sistercities.report import ERROR, Issue

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_OBJECT = "http://www.w3.org/1999/02/22-rdf-syntax-ns#object"
_TZ = r"(Z|[+-](?:0\d|1[0-4]):[0-5]\d)?"
_YEAR = r"-?(?:[1-9]\d{3,}|0\d{3})"


def _day_ok(y: str, m: str, d: str) -> str | None:
    year, month, day = int(y), int(m), int(d)
    if not 1 <= month <= 12:
        return f"there is no month {m}"
    last = calendar.monthrange(year if year > 0 else 2000 if year % 4 == 0 else 2001, month)[1]
    if not 1 <= day <= last:
        return f"{y}-{m} has no day {d}"
    return None


def _date(v: str) -> str | None:
    m = re.fullmatch(rf"({_YEAR})-(\d\d)-(\d\d){_TZ}", v)
    if not m:
        return "write it as YYYY-MM-DD (or use xsd:gYearMonth YYYY-MM / xsd:gYear YYYY)"
    return _day_ok(m.group(1), m.group(2), m.group(3))


def _datetime(v: str) -> str | None:
    m = re.fullmatch(rf"({_YEAR})-(\d\d)-(\d\d)T([01]\d|2[0-4]):([0-5]\d):([0-5]\d(?:\.\d+)?){_TZ}", v)
    if not m:
        return "write it as YYYY-MM-DDThh:mm:ss"
    return _day_ok(m.group(1), m.group(2), m.group(3))


def _year_month(v: str) -> str | None:
    m = re.fullmatch(rf"({_YEAR})-(\d\d){_TZ}", v)
    if not m:
        return "write it as YYYY-MM"
    return None if 1 <= int(m.group(2)) <= 12 else f"there is no month {m.group(2)}"


def _pattern(rx: str, hint: str) -> Callable[[str], str | None]:
    compiled = re.compile(rx)
    return lambda v: None if compiled.fullmatch(v) else hint


#: datatype local name -> check returning why the text is wrong (None: fine)
CHECKS: dict[str, Callable[[str], str | None]] = {
    "date": _date,
    "dateTime": _datetime,
    "gYearMonth": _year_month,
    "gYear": _pattern(rf"{_YEAR}{_TZ}", "write it as YYYY"),
    "integer": _pattern(r"[+-]?\d+", "an integer has digits only"),
    "nonNegativeInteger": _pattern(r"\+?\d+|-0+", "a non-negative integer has digits only"),
    "positiveInteger": _pattern(r"\+?0*[1-9]\d*", "a positive integer has digits only, at least 1"),
    "decimal": _pattern(r"[+-]?(\d+(\.\d*)?|\.\d+)", "a decimal is digits with an optional '.', e.g. 46.48"),
    "double": _pattern(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN", "a double is a number such as 4.6E1"),
    "boolean": _pattern(r"true|false|1|0", "a boolean is true or false"),
    "duration": _pattern(r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?",
                         "a duration is written like P3Y or P1Y6M"),
}


def _line_of(path: Path, text: str, start: int | None, cache: dict[Path, list[str]]) -> int | None:
    """First line (from ``start``, the subject's line, if it is there) holding ``"text"``."""
    lines = cache.get(path)
    if lines is None:
        try:
            lines = cache[path] = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None
    needles = [f'"{text}"', f"'{text}'", text]
    for needle in needles:
        hits = [n for n, line in enumerate(lines, 1) if needle in line]
        if hits:
            after = [n for n in hits if start is None or n >= start]
            return (after or hits)[0]
    return None


SubjectLine = Callable[[Input, ox.NamedNode | ox.BlankNode], int | None]


def check(store: ox.Store, files: list[Input], base: str, subject_line: SubjectLine) -> list[Issue]:
    """One error per ill-typed literal in a data file (and statement using it)."""
    by_graph = {f.graph: f for f in files if f.kind == DATA}
    if not by_graph:
        return []
    graphs = " ".join(f"<{g}>" for g in sorted(by_graph))
    types = " ".join(f"<{XSD}{t}>" for t in CHECKS)
    q = (f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {graphs} }} VALUES ?dt {{ {types} }} "
         f"GRAPH ?g {{ ?s ?p ?o }} FILTER (isLiteral(?o) && DATATYPE(?o) = ?dt) }}")
    issues: list[Issue] = []
    cache: dict[Path, list[str]] = {}
    res = store.query(q)
    assert isinstance(res, ox.QuerySolutions)
    for row in res:
        o, s, p, g = row["o"], row["s"], row["p"], row["g"]
        if not isinstance(o, ox.Literal) or not isinstance(s, ox.NamedNode | ox.BlankNode) or g is None:
            continue
        if isinstance(p, ox.NamedNode) and p.value == RDF_OBJECT:
            continue  # evidence repeats the statement it supports: the statement is reported
        name = o.datatype.value[len(XSD):]
        why = CHECKS[name](o.value)
        if why is None:
            continue
        f = by_graph[g.value]
        focus = compact(s.value, base) if isinstance(s, ox.NamedNode) else "[]"
        path = compact(p.value, base) if isinstance(p, ox.NamedNode) else None
        shown = o.value if len(o.value) <= 60 else o.value[:57] + "..."
        msg = f'invalid xsd:{name} "{shown}": {why} ({focus} {path})'
        line = _line_of(f.path, o.value, subject_line(f, s), cache)
        issues.append(Issue(ERROR, "literal", msg, file=f.rel, line=line, focus=focus, path=path,
                            value=f'"{shown}"'))
    return issues
