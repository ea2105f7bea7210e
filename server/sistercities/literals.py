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

import pyoxigraph as ox

from sistercities.rdfio import DATA, Input, Locator, compact, file_prefixes
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


#: the end of a typed literal as written: "text"^^<iri> or "text"^^prefix:name
_TYPED = re.compile(r'"\^\^(<[^<>\s]*>|[A-Za-z_][\w.-]*:[\w.-]*|:[\w.-]+)')


def check(store: ox.Store, files: list[Input], base: str, locator: Locator) -> list[Issue]:
    """One error per ill-typed literal written in a data file.

    The text is scanned (a regex over the file is much faster than a query over every
    triple, and gives the line); the store only names the statement of a bad one."""
    issues: list[Issue] = []
    verdict: dict[tuple[str, str], str | None] = {}
    for f in files:
        if f.kind != DATA:
            continue
        try:
            text = f.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # the parser has said so
        prefixes = file_prefixes(text, base)
        for m in _TYPED.finditer(text):
            # the opening quote: the last one before on the same line (dates and numbers hold none)
            start = text.rfind('"', text.rfind("\n", 0, m.start()) + 1, m.start())
            if start < 0:
                continue  # a long (triple-quoted) string: not a date or a number
            value, dt = text[start + 1:m.start()], m.group(1)
            if dt.startswith("<"):
                iri = dt[1:-1]
            else:
                p, _, local = dt.partition(":")
                iri = prefixes.get(p, "\0") + local
            if not iri.startswith(XSD) or iri[len(XSD):] not in CHECKS:
                continue
            name = iri[len(XSD):]
            key = (name, value)
            if key not in verdict:
                verdict[key] = CHECKS[name](value)
            why = verdict[key]
            if why is None:
                continue
            line = text.count("\n", 0, m.start()) + 1
            issues.append(_issue(store, f, base, locator, value, name, why, line))
    return issues


def _issue(store: ox.Store, f: Input, base: str, locator: Locator, value: str, name: str, why: str,
           line: int) -> Issue:
    lexical = re.sub(r"\\(.)", r"\1", value)
    lit = ox.Literal(lexical, datatype=ox.NamedNode(XSD + name))
    best: tuple[int, ox.Quad] | None = None
    for q in store.quads_for_pattern(None, None, lit, ox.NamedNode(f.graph)):
        if q.predicate.value == RDF_OBJECT or not isinstance(q.subject, ox.NamedNode | ox.BlankNode):
            continue  # evidence repeats the statement it supports: the statement is reported
        at = locator.line_of(f.path, q.subject.value, subject=True) if isinstance(q.subject, ox.NamedNode) else None
        rank = at if at is not None and at <= line else -1  # the subject written last before the literal
        if best is None or rank > best[0]:
            best = (rank, q)
    shown = lexical if len(lexical) <= 60 else lexical[:57] + "..."
    msg = f'invalid xsd:{name} "{shown}": {why}'
    focus = path = None
    if best is not None:
        s, p = best[1].subject, best[1].predicate
        focus = compact(s.value, base) if isinstance(s, ox.NamedNode) else "[]"
        path = compact(p.value, base)
        msg += f" ({focus} {path})"
    return Issue(ERROR, "literal", msg, file=f.rel, line=line, focus=focus, path=path, value=f'"{shown}"')
