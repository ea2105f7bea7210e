"""A :class:`~.compare.Comparison` as JSON, CSV or a terminal table.

The JSON document (also written into each release as ``wikidata-compare.json`` and served at
``/wikidata/compare.json``) has stable keys::

    {"format": "sistercities-wikidata-compare/1", "retrieved": [...], "curated_pairs": 6,
     "wikidata_statements": 15, "counts": {"ours-only": 1, ...},
     "rows": [{"kind", "verdict", "finding", "cities": [{"iri", "label", "qid"}, {...}],
               "our_record", "our_start", "wikidata_start",
               "wikidata": [{"statement", "statement_id", "link", "record", "stated_on", "partner",
                             "start", "end", "end_cause", "end_cause_label", "ended"}],
               "sources": [{"paragraph", "paragraph_number", "document", "title", "url",
                            "quotation", "supports"}]}]}

The CSV has one line per row, columns :data:`CSV_COLUMNS` (several values joined by a space; document
titles by `` | ``); a text cell starting with ``= + - @`` gets a leading apostrophe (:func:`cell`).
Never imports Flask or click.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path
from typing import Any

from sistercities.wikidata.compare import KIND_TITLES, KINDS, Citation, City, Comparison, Row, WikidataStatement

FORMAT = "sistercities-wikidata-compare/1"
CSV_COLUMNS = ("kind", "verdict", "finding", "city_a", "city_a_label", "city_a_qid", "city_b", "city_b_label",
               "city_b_qid", "our_record", "our_start", "wikidata_start", "wikidata_statements", "wikidata_links",
               "our_paragraphs", "our_documents")


def _city(c: City) -> dict[str, Any]:
    return {"iri": c.iri, "label": c.label, "qid": c.qid}


def _statement(s: WikidataStatement) -> dict[str, Any]:
    return {"statement": s.statement, "statement_id": s.statement_id, "link": s.link, "record": s.record,
            "stated_on": _city(s.stated_on), "partner": _city(s.partner), "start": s.start, "end": s.end,
            "end_cause": s.end_cause, "end_cause_label": s.end_cause_label, "ended": s.ended}


def _citation(c: Citation) -> dict[str, Any]:
    return {"paragraph": c.paragraph, "paragraph_number": c.number, "document": c.document, "title": c.title,
            "url": c.url, "quotation": c.quotation, "supports": list(c.supports)}


def row_dict(r: Row) -> dict[str, Any]:
    return {"kind": r.kind, "verdict": r.verdict, "finding": r.finding, "cities": [_city(c) for c in r.cities],
            "our_record": r.our_record, "our_start": r.our_start, "wikidata_start": r.wikidata_start,
            "wikidata": [_statement(s) for s in r.statements], "sources": [_citation(c) for c in r.sources]}


def to_dict(c: Comparison) -> dict[str, Any]:
    return {"format": FORMAT, "retrieved": c.retrieved, "curated_pairs": c.curated_pairs,
            "wikidata_statements": c.wikidata_statements, "counts": c.counts(), "rows": [row_dict(r) for r in c.rows]}


def to_json(c: Comparison) -> str:
    return json.dumps(to_dict(c), indent=2, ensure_ascii=False) + "\n"


def cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (labels and titles can come from Wikidata):
    one starting with = + - @ (or a tab or CR) gets a leading apostrophe, as OWASP advises."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(c: Comparison) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in c.rows:
        a, b = r.cities
        w.writerow([r.kind, r.verdict, cell(r.finding), a.iri, cell(a.label), a.qid or "", b.iri, cell(b.label), b.qid or "",
                    r.our_record or "", r.our_start or "", r.wikidata_start or "",
                    " ".join(s.statement for s in r.statements), " ".join(s.link or "" for s in r.statements),
                    " ".join(dict.fromkeys(x.paragraph for x in r.sources)),
                    cell(" | ".join(dict.fromkeys(x.title for x in r.sources)))])
    return buf.getvalue()


# --- the terminal table ------------------------------------------------------------------------------

HEADERS = ("cities", "finding", "our source", "Wikidata statement")
INDENT = "  "
GAP = "  "


def _source_cell(r: Row) -> str:
    seen: dict[str, list[str]] = {}
    for c in r.sources:
        nums = seen.setdefault(c.title, [])
        if c.number is not None and str(c.number) not in nums:
            nums.append(str(c.number))
    return "; ".join(f"{t},\u00a0¶{','.join(n)}" if n else t for t, n in seen.items()) or "—"


def _cells(r: Row) -> list[str]:
    stmts = "\n".join("wds:" + s.statement_id for s in r.statements) or "—"  # one statement a line
    return [r.pair, r.finding, _source_cell(r), stmts]


def _widths(rows: list[list[str]], width: int) -> list[int]:
    """Natural column widths, narrowed one character at a time (finding and source first) to fit ``width``."""
    w = [max(len(h), *(len(line) for x in rows for line in x[i].split("\n"))) for i, h in enumerate(HEADERS)]
    avail = width - len(INDENT) - len(GAP) * (len(HEADERS) - 1)
    least = [12, 16, 12, min(w[3], 27)]  # statement ids stay whole
    weight = [1, 2, 3, 1]  # the source column gives way first, then the finding
    while sum(w) > avail:
        i = max(range(len(w)), key=lambda k: (w[k] - least[k]) * weight[k])
        if w[i] <= least[i]:
            break
        w[i] -= 1
    return w


def to_table(c: Comparison, width: int = 100) -> str:
    """Rows grouped by kind, columns aligned and wrapped to ``width`` characters."""
    out: list[str] = []
    kinds = c.by_kind()
    for kind in KINDS:
        rows = kinds[kind]
        out.extend(textwrap.wrap(f"{KIND_TITLES[kind]} ({kind}): {len(rows)}", width, subsequent_indent=INDENT))
        if not rows:
            out.append(INDENT + "none")
            out.append("")
            continue
        cells = [_cells(r) for r in rows]
        w = _widths(cells, width)
        lines = [list(HEADERS), ["-" * n for n in w], *cells]
        for cell_row in lines:
            wrapped = [[part for line in x.split("\n")
                        for part in textwrap.wrap(line, n, break_on_hyphens=False, break_long_words=True)] or [""]
                       for x, n in zip(cell_row, w, strict=True)]
            for i in range(max(len(x) for x in wrapped)):
                parts = [(x[i] if i < len(x) else "").ljust(n) for x, n in zip(wrapped, w, strict=True)]
                out.append((INDENT + GAP.join(parts)).rstrip())
        out.append("")
    when = ", ".join(c.retrieved) or "unknown"
    out.extend(textwrap.wrap(f"{c.curated_pairs} curated twinnings, {c.wikidata_statements} Wikidata statements "
                             f"about our cities (retrieved {when}).", width))
    return "\n".join(out) + "\n"


# --- the comparison of a release (written by the build, read by the page) ------------------------------

RELEASE_FILE = "wikidata-compare.json"


def write_release_file(store: Any, base: str, folder: Path) -> dict[str, Any] | None:
    """Compare the (pyoxigraph) ``store`` being built and write :data:`RELEASE_FILE` into ``folder``;
    return the manifest's entry for it, or None (and write nothing) when there is no Wikidata graph."""
    from sistercities.store import EmbeddedStore
    from sistercities.wikidata.compare import NoWikidataGraph, compare

    try:
        comparison = compare(EmbeddedStore(store=store), base)
    except NoWikidataGraph:
        return None
    text = json.dumps(to_dict(comparison), ensure_ascii=False, separators=(",", ":")) + "\n"
    (folder / RELEASE_FILE).write_text(text, encoding="utf-8")
    return {"file": RELEASE_FILE, "bytes": len(text.encode()), "counts": comparison.counts(),
            "retrieved": comparison.retrieved}


def read_release_file(folder: Path) -> dict[str, Any] | None:
    """The comparison a build wrote into release ``folder``, or None when it wrote none (or it is unreadable)."""
    try:
        data = json.loads((folder / RELEASE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None
