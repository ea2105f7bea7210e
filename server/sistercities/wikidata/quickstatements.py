"""QuickStatements (v1) commands for what our sources can give back to Wikidata.

For each curated twinning whose two partners have a Wikidata item:

* Wikidata has no P190 statement for the pair → ``P190`` in both directions, with ``P580`` (start
  time) at our precision when our sources date it;
* a direction is missing (one-directional pair) → ``P190`` on the item that lacks it;
* a statement has no start time and ours has one → the statement again with ``P580``
  (QuickStatements adds the qualifier and the reference to the existing statement).

A pair whose dates disagree gets nothing (it is for an editor to look at: ``compare`` reports it),
nor does a statement that already has a start time (even a coarser one). Every command carries a
reference to OUR source document (the one whose paragraph states the start date, else the partner):
``S854`` its original URL (``schema:url``; a document without one gives no command), ``S1476`` its
title in its language (``dct:language``, default ``en``; an untitled document gives none), ``S577`` its
publication date when it states one, ``S813`` the build date.

Syntax (https://www.wikidata.org/wiki/Help:QuickStatements, V1 commands): one command per line, fields
separated by TAB; items as ``Q…``; strings in double quotes (taken verbatim up to the last quote, so no
escaping exists: TABs and line breaks in a title are replaced by spaces); monolingual text as
``en:"…"``; times as ``+YYYY-MM-DDT00:00:00Z/P`` with ``00`` for the month/day a precision leaves out.
No comments: the file is pure commands. Nothing here sends anything anywhere.
Never imports Flask or click.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sistercities.store import Store
from sistercities.wikidata.compare import Comparison, Row, date_parts
from sistercities.wikidata.compare_store import Reader

ISO639_1 = re.compile(r"^[a-z]{2,3}$")


def qs_time(lexical: str) -> str:
    """``1965`` → ``+1965-00-00T00:00:00Z/9``; ``1965-04`` → ``…-04-00…/10``; a day → ``/11``."""
    parts = date_parts(lexical)
    y, m, d = [*parts, "00", "00"][:3]
    sign = "" if y.startswith("-") else "+"
    return f"{sign}{y}-{m}-{d}T00:00:00Z/{8 + len(parts)}"


def qs_string(text: str) -> str:
    return '"' + " ".join(text.split()) + '"'


@dataclass(frozen=True)
class Document:
    iri: str
    url: str
    title: str | None
    language: str
    issued: str | None


def _documents(store: Store, base: str, iris: set[str]) -> dict[str, Document]:
    if not iris:
        return {}
    rd = Reader(store, base)
    values = " ".join(f"<{i}>" for i in sorted(iris))
    out: dict[str, Document] = {}
    for r in rd.q(f"""SELECT ?d ?url ?title ?lang ?issued WHERE {{ VALUES ?d {{ {values} }}
        ?d schema:url ?url . OPTIONAL {{ ?d dct:title ?title }} OPTIONAL {{ ?d dct:language ?lang }}
        OPTIONAL {{ ?d dct:issued ?issued }} }} ORDER BY ?d ?url ?title ?lang ?issued"""):
        d = r["d"].value
        if d in out:
            continue
        lang = r["lang"].value.rstrip("/").rsplit("/", 1)[-1] if "lang" in r else "en"
        out[d] = Document(d, r["url"].value, r["title"].value if "title" in r else None,
                          lang if ISO639_1.fullmatch(lang) else "en", r["issued"].value if "issued" in r else None)
    return out


def _line(a: str, b: str, start: str | None, doc: Document, built: str) -> str:
    fields = [a, "P190", b]
    if start:
        fields += ["P580", qs_time(start)]
    fields += ["S854", qs_string(doc.url)]
    if doc.title:
        fields += ["S1476", f"{doc.language}:{qs_string(doc.title)}"]
    if doc.issued:
        fields += ["S577", qs_time(doc.issued)]
    fields += ["S813", qs_time(built[:10])]
    return "\t".join(fields)


def _wanted(rows: list[Row]) -> tuple[list[tuple[str, str]], str | None] | None:
    """The directions (item, partner) to write for one curated twinning, and the start date to add."""
    first = rows[0]
    a, b = first.cities
    if not (a.qid and b.qid) or any(r.verdict == "disagrees" for r in rows):
        return None
    start = first.our_start
    if any(r.kind == "ours-only" for r in rows):
        return [(a.qid, b.qid), (b.qid, a.qid)], start
    stated: dict[str, Any] = {}
    for r in rows:
        for s in r.statements:
            if s.stated_on.qid:
                stated[s.stated_on.qid] = stated.get(s.stated_on.qid) or s.start
    out = []
    for x, y in ((a.qid, b.qid), (b.qid, a.qid)):
        if x not in stated or (start and not stated[x]):
            out.append((x, y))
    return out, start


def quickstatements(store: Store, base: str, comparison: Comparison, built: str) -> list[str]:
    """The sorted QuickStatements v1 lines; ``built`` is the build time (ISO, its day is S813)."""
    by_record: dict[str, list[Row]] = {}
    for r in comparison.rows:
        if r.our_record:
            by_record.setdefault(r.our_record, []).append(r)
    plans = {rec: w for rec, rows in by_record.items() if (w := _wanted(rows)) and w[0]}
    evidence = Reader(store, base).evidence(plans)
    docs_of: dict[str, list[str]] = {}
    for rec, (_, start) in plans.items():
        cites = evidence.get(rec, [])
        prop = "startDate" if start else "partner"
        docs_of[rec] = sorted({c.document for c in cites if prop in c.supports and c.document})
    docs = _documents(store, base, {d for ds in docs_of.values() for d in ds})
    lines: set[str] = set()
    for rec, (directions, start) in plans.items():
        for d in docs_of[rec]:
            if d in docs:
                lines.update(_line(x, y, start, docs[d], built) for x, y in directions)
    return sorted(lines)


def to_text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)
