"""The date formatter prints the precision the data has, never finer."""

from __future__ import annotations

import pytest

from sistercities.html.dates import XSD_DATE, XSD_GYEAR, XSD_GYEARMONTH, format_date, format_span, precision, sort_key


@pytest.mark.parametrize(
    ("value", "datatype", "expected"),
    [
        ("1965-04-23", XSD_DATE, "23 April 1965"),
        ("2023-03-16", XSD_DATE, "16 March 2023"),
        ("2005-05", XSD_GYEARMONTH, "May 2005"),
        ("1965", XSD_GYEAR, "1965"),
        ("1965Z", XSD_GYEAR, "1965"),
        ("2005-05+09:00", XSD_GYEARMONTH, "May 2005"),
        ("1965-04-23Z", XSD_DATE, "23 April 1965"),
        ("-0044", XSD_GYEAR, "44 BCE"),
        ("1965-04-23", None, "23 April 1965"),  # no datatype: the shape decides
        ("2005-05", None, "May 2005"),
        # unreadable values are shown as written, never an error
        ("1965-13", XSD_GYEARMONTH, "1965-13"),
        ("spring 1965", XSD_GYEAR, "spring 1965"),
        ("1965", XSD_DATE, "1965"),
        ("", XSD_GYEAR, ""),
    ],
)
def test_format_date(value: str, datatype: str | None, expected: str) -> None:
    assert format_date(value, datatype) == expected


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"start": ("1965-04-23", XSD_DATE), "since": True}, "since 23 April 1965"),
        ({"start": ("1965-04", XSD_GYEARMONTH), "since": True}, "since April 1965"),
        ({"start": ("1965", XSD_GYEAR)}, "1965"),
        ({"start": ("1993", XSD_GYEAR), "end": ("2014-03", XSD_GYEARMONTH)}, "1993 – March 2014"),
        ({"end": ("2014", XSD_GYEAR)}, "until 2014"),
        ({"earliest": ("2015", XSD_GYEAR), "latest": ("2017-08", XSD_GYEARMONTH)}, "between 2015 and August 2017"),
        ({"earliest": ("2006", XSD_GYEAR)}, "not before 2006"),
        ({"latest": ("2017-08-01", XSD_DATE)}, "not after 1 August 2017"),
        ({"earliest": ("2005", XSD_GYEAR), "latest": ("2005", XSD_GYEAR)}, "2005"),
        ({"date": ("2005-05", XSD_GYEARMONTH), "earliest": ("2004", XSD_GYEAR)}, "May 2005"),
        ({}, ""),
    ],
)
def test_format_span(kw: dict, expected: str) -> None:
    assert format_span(**kw) == expected


def test_precision_and_order() -> None:
    assert [precision(v) for v in ("1965-04-23", "1965-04", "1965", "x")] == ["day", "month", "year", None]
    values = ["2005-05", "1965-04-23", "1965", "2005", "999", ""]
    assert sorted(values, key=sort_key) == ["999", "1965", "1965-04-23", "2005", "2005-05", ""]
