"""Every shipped example query, run through the app on the real build, fills every result cell --
unless a ``# blank: ?var <when>`` line of the example explains that column's empty cells.

The convention (sparql/examples.py) is for facts the sources genuinely leave out.  It is kept
sparing: a declaration must match a real blank (no pre-emptive ones), explain itself, and only a
few examples may carry any.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from sistercities.sparql.examples import load

EXAMPLES = load()
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
MAX_BLANK_LINES_PER_EXAMPLE = 2


def _raw(name: str) -> str:
    return (resources.files("sistercities") / "queries" / "examples" / f"{name}.rq").read_text(encoding="utf-8")


def _empty(cell: dict[str, str] | None) -> bool:
    return cell is None or cell.get("value", "").strip() == ""


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_no_unexplained_blank_cells(client, ex) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/sparql", data={"query": ex.query}, headers={"Accept": ACCEPT})
    assert r.status_code == 200, r.get_data(as_text=True)
    if not r.headers["Content-Type"].startswith("application/sparql-results+json"):
        assert not ex.blanks, "a CONSTRUCT/DESCRIBE has no cells to explain"
        return
    doc = json.loads(r.data)
    columns, rows = doc["head"]["vars"], doc["results"]["bindings"]
    assert rows
    blank_in = {v for row in rows for v in columns if _empty(row.get(v))}
    unexplained = blank_in - ex.blank_variables
    assert not unexplained, (f"{ex.name}: empty cells in {sorted(unexplained)}; fill them in the query, or add "
                             "a '# blank: ?var when ...' line saying when the sources leave them out")
    stale = ex.blank_variables - blank_in
    assert not stale, f"{ex.name}: '# blank:' names {sorted(stale)}, which are never empty: drop the line"
    assert ex.blank_variables <= set(columns)


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_blank_lines_are_well_formed_and_few(ex) -> None:  # type: ignore[no-untyped-def]
    lines = [ln for ln in _raw(ex.name).splitlines() if ln.lstrip("# ").lower().startswith("blank:")]
    assert len(lines) == len(ex.blanks), f"{ex.name}: a '# blank:' line does not parse ('# blank: ?var when ...')"
    assert len(ex.blanks) <= MAX_BLANK_LINES_PER_EXAMPLE
    for b in ex.blanks:
        assert b.variables and len(b.when.split()) >= 3, f"{ex.name}: explain when {b.text!r} is empty"


def test_most_examples_need_no_blanks() -> None:
    with_blanks = [e.name for e in EXAMPLES if e.blanks]
    assert len(with_blanks) <= len(EXAMPLES) // 2, with_blanks


def test_the_tourist_share_shows_as_a_fraction(client) -> None:  # type: ignore[no-untyped-def]
    ex = next(e for e in EXAMPLES if e.name.startswith("13-"))
    rows = json.loads(client.post("/sparql", data={"query": ex.query}, headers={"Accept": ACCEPT}).data)
    share = [b for b in rows["results"]["bindings"] if b["statistic"]["value"].endswith("tourist-share-japanese-visitors-khabarovsk-2015")]
    assert [b["figure"]["value"] for b in share] == ["2/3"]


def test_the_query_page_lists_the_explanations(client) -> None:  # type: ignore[no-untyped-def]
    text = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert text.count('class="example-blanks"') == sum(1 for e in EXAMPLES if e.blanks)
    assert "Empty cells: ?start when no source states when the twinning began." in text
