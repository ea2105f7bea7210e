"""Dates at the precision the data has: xsd:date, xsd:gYearMonth, xsd:gYear and bounds.

``format_date("1965-04-23", XSD_DATE)`` -> ``"23 April 1965"``; a month prints as
``"May 2005"``, a year as ``"1965"``.  Never prints a finer precision than the value
has, and never fails: a value it cannot read is shown as written.
"""

from __future__ import annotations

import re

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_DATE = XSD + "date"
XSD_DATETIME = XSD + "dateTime"
XSD_GYEARMONTH = XSD + "gYearMonth"
XSD_GYEAR = XSD + "gYear"

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

_TZ = r"(?:Z|[+-]\d{2}:\d{2})?"
_DATE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(?:T[0-9:.]+)?" + _TZ + "$")
_YEARMONTH = re.compile(r"^(-?\d{4,})-(\d{2})" + _TZ + "$")
_YEAR = re.compile(r"^(-?\d{4,})" + _TZ + "$")


def _year(y: str) -> str:
    n = int(y)
    return f"{-n} BCE" if n < 0 else str(n)


def precision(value: str, datatype: str | None = None) -> str | None:
    """``"day"``, ``"month"`` or ``"year"`` for a lexical value, None when unreadable.

    The datatype decides when given; otherwise the shape of the value does.
    """
    v = value.strip()
    if datatype in (XSD_DATE, XSD_DATETIME) or (datatype is None and _DATE.match(v)):
        return "day" if _DATE.match(v) else None
    if datatype == XSD_GYEARMONTH or (datatype is None and _YEARMONTH.match(v)):
        return "month" if _YEARMONTH.match(v) else None
    if datatype == XSD_GYEAR or (datatype is None and _YEAR.match(v)):
        return "year" if _YEAR.match(v) else None
    return None


def format_date(value: str, datatype: str | None = None) -> str:
    """A date for people, at its own precision ("23 April 1965", "May 2005", "1965")."""
    v = value.strip()
    p = precision(v, datatype)
    if p == "day":
        m = _DATE.match(v)
        assert m
        month = int(m.group(2))
        if 1 <= month <= 12:
            return f"{int(m.group(3))} {MONTHS[month - 1]} {_year(m.group(1))}"
    elif p == "month":
        m = _YEARMONTH.match(v)
        assert m
        month = int(m.group(2))
        if 1 <= month <= 12:
            return f"{MONTHS[month - 1]} {_year(m.group(1))}"
    elif p == "year":
        m = _YEAR.match(v)
        assert m
        return _year(m.group(1))
    return v


def sort_key(value: str | None) -> str:
    """Chronological key across precisions (a year sorts before its months and days)."""
    if not value:
        return "~"  # undated last
    v = value.strip()
    m = re.match(r"^(-?)(\d+)(.*)$", v)
    if not m:
        return "~" + v
    sign, year, rest = m.groups()
    # pad years so that 999 < 1965; BCE years are rare enough to sort first
    return ("-" if sign else "0") + year.zfill(6) + rest


def format_span(
    *,
    date: tuple[str, str | None] | None = None,
    start: tuple[str, str | None] | None = None,
    end: tuple[str, str | None] | None = None,
    earliest: tuple[str, str | None] | None = None,
    latest: tuple[str, str | None] | None = None,
    since: bool = False,
) -> str:
    """Words for a point, a period or an uncertain date; "" when nothing is known.

    Each argument is ``(lexical value, datatype IRI)``.  ``since=True`` says a start
    date begins something still going on ("since April 1965").
    """

    def f(x: tuple[str, str | None] | None) -> str:
        return format_date(*x) if x else ""

    if date:
        return f(date)
    if start and end:
        return f"{f(start)} – {f(end)}"
    if start:
        return f"since {f(start)}" if since else f(start)
    if end:
        return f"until {f(end)}"
    if earliest and latest:
        a, b = f(earliest), f(latest)
        return a if a == b else f"between {a} and {b}"
    if earliest:
        return f"not before {f(earliest)}"
    if latest:
        return f"not after {f(latest)}"
    return ""


def human_date(value: object) -> str:
    """Any date or timestamp the pages show, in the one style of :func:`format_date`.

    ``"2023-04-12"`` -> ``"12 April 2023"``; a timestamp keeps its day (``"2026-12-03T14:06:00Z"`` ->
    ``"3 December 2026"``); a year stays a year; None or "" -> ""."""
    if value is None:
        return ""
    v = str(value).strip()
    if len(v) > 10 and v[10:11] in ("T", " ") and _DATE.match(v[:10]):
        v = v[:10]
    return format_date(v) if v else ""
