"""Wikidata time values at the precision Wikidata gives them (pure functions, no I/O).

A Wikidata time qualifier is a ``wikibase:TimeValue`` with a ``wikibase:timeValue``
(always written as a full ``xsd:dateTime``, e.g. ``1965-01-01T00:00:00Z`` for "1965")
and a ``wikibase:timePrecision``: 9 = year, 10 = month, 11 = day, 12+ = hour…second,
0–8 = billion years … decade.  :func:`to_literal` keeps exactly what the precision says:
9 → ``xsd:gYear``, 10 → ``xsd:gYearMonth``, 11 and finer → ``xsd:date`` (the time of day
is dropped: our dates are days at most), coarser than 9 → no date.  A day is never
invented: ``1965-01-01`` at precision 9 is the year 1965, nothing more.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

XSD = "http://www.w3.org/2001/XMLSchema#"
GYEAR, GYEARMONTH, DATE = XSD + "gYear", XSD + "gYearMonth", XSD + "date"

_TIME = re.compile(r"^\s*([+-]?)(\d{1,16})-(\d{2})-(\d{2})(?:T|$)")

PRECISION_NAMES = {0: "billion years", 1: "hundred million years", 2: "ten million years", 3: "million years",
                   4: "hundred thousand years", 5: "ten thousand years", 6: "millennium", 7: "century",
                   8: "decade", 9: "year", 10: "month", 11: "day", 12: "hour", 13: "minute", 14: "second"}


@dataclass(frozen=True)
class WikidataDate:
    """A date literal (lexical form and datatype IRI), or ``None`` with the reason."""

    lexical: str | None
    datatype: str | None
    note: str | None = None


def to_literal(value: str | None, precision: int | str | None) -> WikidataDate:
    """The literal for a Wikidata time value at its precision (see the module docstring)."""
    try:
        prec = int(precision) if precision is not None else None
    except ValueError:
        prec = None
    if value is None or prec is None:
        return WikidataDate(None, None, "has no time precision")
    m = _TIME.match(value)
    if m is None:
        return WikidataDate(None, None, f"is not a time value Wikidata writes ({value!r})")
    sign, year_digits, month, day = m.groups()
    year_int = int(year_digits)
    if sign == "-" or not 1 <= year_int <= 9999:
        return WikidataDate(None, None, f"is outside the years 1 to 9999 ({value!r})")
    year = f"{year_int:04d}"
    if prec < 9:
        name = PRECISION_NAMES.get(prec, f"precision {prec}")
        return WikidataDate(None, None, f"is given only to the {name} (precision {prec}), coarser than a year")
    if prec == 9:
        return WikidataDate(year, GYEAR)
    if not 1 <= int(month) <= 12:
        return WikidataDate(None, None, f"has precision {prec} but no month ({value!r})")
    if prec == 10:
        return WikidataDate(f"{year}-{month}", GYEARMONTH)
    try:
        dt.date(year_int, int(month), int(day))
    except ValueError:
        return WikidataDate(None, None, f"has precision {prec} but no valid day ({value!r})")
    return WikidataDate(f"{year}-{month}-{day}", DATE)


def retrieved_date(value: str | None) -> str | None:
    """The day of a 'retrieved' (P813) value, ``YYYY-MM-DD``, or ``None`` if it is not a dated time."""
    if value is None:
        return None
    d = to_literal(value, 11)
    return d.lexical
