"""Turn the rows a curator accepted in a review file into ``owl:sameAs`` links with provenance.

:func:`read_review` reads the CSV that ``sistercities wikidata reconcile`` wrote (exact header,
UTF-8 with or without a BOM) and returns the accepted rows (``accepted`` = yes/y/x/true/1, any
case; empty/no/n/false/0/- = not accepted; anything else is an error).  :func:`plan` checks them
against the project: our IRI must be a city, country or organisation of the data, the QID must
look like ``Q123``, one candidate per entity, one entity per QID, and no contradiction with an
``owl:sameAs`` the data already states.  :func:`render` appends, to ``data/wikidata-accepted.ttl``
(graph ``graph/wikidata-accepted``), for each new link::

    <id/city/maizuru> owl:sameAs wd:Q99000010 .
    <id/link/city-maizuru-Q99000010> a tw:AcceptedLink ;
        rdf:subject <id/city/maizuru> ; rdf:predicate owl:sameAs ; rdf:object wd:Q99000010 ;
        prov:generatedAtTime "…"^^xsd:dateTime ; tw:method "…" ; tw:score 100 ;
        tw:scoreReasons "…" ; tw:reviewFile "wikidata-review.csv" .

Links already there are skipped, so accepting the same file twice changes nothing.  Every problem
is an :class:`AcceptError`, one line ``FILE:LINE: what``.  Never imports Flask.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from sistercities.wikidata.entities import Project
from sistercities.wikidata.reconcile import COLUMNS

ACCEPTED_SLUG = "wikidata-accepted"
METHOD = "sistercities wikidata reconcile: label, class, country, distance"
YES = {"yes", "y", "x", "true", "1"}
NO = {"", "no", "n", "false", "0", "-"}
_QID = re.compile(r"^Q[1-9][0-9]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

HEADER = """\
# Wikidata links a curator accepted from a review file of `sistercities wikidata reconcile`,
# written by `sistercities wikidata accept FILE` (graph graph/wikidata-accepted). Each link is an
# owl:sameAs on our IRI with a tw:AcceptedLink record: when it was accepted, how the candidate was
# found, its score and reasons, and the review file. New links are appended; edit by hand with care.
# Relative IRIs, no @base: the build resolves them against the configured base.

@prefix tw:   <ontology/> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix wd:   <http://www.wikidata.org/entity/> .
"""


class AcceptError(Exception):
    """A review file that cannot be accepted; ``str(e)`` is one line naming file and line."""


@dataclass(frozen=True)
class Row:
    line: int
    iri: str
    qid: str
    score: int
    reasons: str


def _shown(text: str, n: int = 60) -> str:
    """A cell as it may appear in a one-line message."""
    one = _CONTROL.sub(" ", text)
    return repr(one if len(one) <= n else one[:n - 1] + "…")


def read_review(path: Path) -> list[Row]:
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AcceptError(f"{name}: no such file") from None
    except OSError as e:
        raise AcceptError(f"{name}: cannot read: {e.strerror or e}") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise AcceptError(f"{name}:{line}: not UTF-8 text (byte 0x{raw[e.start]:02x}); save the file as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Row] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if line == 1:
                if tuple(cells) != COLUMNS:
                    raise AcceptError(f"{name}:1: the header must be exactly {','.join(COLUMNS)} "
                                      f"(got {_shown(','.join(cells), 80)})")
                continue
            if not cells or cells == [""]:
                continue
            if len(cells) != len(COLUMNS):
                raise AcceptError(f"{name}:{line}: {len(cells)} cells, the header has {len(COLUMNS)}")
            row = dict(zip(COLUMNS, cells, strict=True))
            mark = row["accepted"].strip().lower()
            if mark in NO:
                continue
            if mark not in YES:
                raise AcceptError(f"{name}:{line}: accepted must be yes/y/x/true/1 or empty/no, "
                                  f"not {_shown(row['accepted'])}")
            rows.append(_accepted(name, line, row))
    except csv.Error as e:
        raise AcceptError(f"{name}:{reader.line_num}: malformed CSV: {e}") from None
    if start == 1:
        raise AcceptError(f"{name}:1: empty file (the header {','.join(COLUMNS)} is missing)")
    return rows


def _accepted(name: str, line: int, row: dict[str, str]) -> Row:
    qid = row["candidate_qid"].strip()
    if not _QID.match(qid):
        what = "has no candidate_qid" if not qid else f"has candidate_qid {_shown(qid)}, not a Wikidata item id like Q1874"
        raise AcceptError(f"{name}:{line}: an accepted row {what}")
    raw_score = row["score"].strip()
    try:
        score = int(raw_score)
    except ValueError:
        score = -1
    if not 0 <= score <= 100:
        raise AcceptError(f"{name}:{line}: score must be a whole number from 0 to 100, not {_shown(row['score'])}")
    return Row(line, row["our_iri"].strip(), qid, score, _CONTROL.sub(" ", row["reasons"]).strip())


@dataclass
class Plan:
    new: list[Row]
    already: list[Row]  # links the data states already (the reference list, or an earlier accept)


def plan(project: Project, rows: list[Row], review: str) -> Plan:
    by_iri: dict[str, Row] = {}
    by_qid: dict[str, Row] = {}
    linked: dict[str, list[tuple[str, str]]] = {}  # QID -> [(our IRI, where)]
    for iri, links in project.sameas.items():
        for qid, f in links:
            line = project.line_of(iri, f)
            linked.setdefault(qid, []).append((iri, f"{f.rel}:{line}" if line else f.rel))
    new: list[Row] = []
    already: list[Row] = []
    for r in rows:
        at = f"{review}:{r.line}"
        e = project.entities.get(r.iri)
        if e is None:
            raise AcceptError(f"{at}: {_shown(r.iri, 80)} is not a city, country or organisation of the data")
        if r.iri in by_iri:
            first = by_iri[r.iri]
            if first.qid != r.qid:
                raise AcceptError(f"{at}: a second accepted candidate for <{r.iri}>: {r.qid} "
                                  f"(line {first.line} accepts {first.qid}); accept one")
            continue
        if r.qid in by_qid:
            first = by_qid[r.qid]
            raise AcceptError(f"{at}: {r.qid} is accepted for <{r.iri}> and, on line {first.line}, "
                              f"for <{first.iri}>; one Wikidata item is one entity")
        by_iri[r.iri], by_qid[r.qid] = r, r
        mine = [(qid, f) for qid, f in project.sameas.get(r.iri, [])]
        other = [(qid, f) for qid, f in mine if qid != r.qid]
        if other:
            qid, f = other[0]
            line = project.line_of(r.iri, f)
            raise AcceptError(f"{at}: <{r.iri}> already has owl:sameAs wd:{qid} ({f.rel}"
                              f"{f':{line}' if line else ''}); accepting {r.qid} would contradict it")
        others = [(iri, where) for iri, where in linked.get(r.qid, []) if iri != r.iri]
        if others:
            iri, where = others[0]
            raise AcceptError(f"{at}: {r.qid} is already the Wikidata item of <{iri}> ({where}); "
                              f"one Wikidata item is one entity")
        (already if mine else new).append(r)
    return Plan(new, already)


def _str(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04X}", out)


def link_slug(project: Project, iri: str, qid: str) -> str:
    local = iri[len(project.base):] if iri.startswith(project.base) else iri
    local = local.removeprefix("id/")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", local).strip("-").lower()
    return f"{slug}-{qid}"


def _rel(project: Project, iri: str) -> str:
    return f"<{iri[len(project.base):]}>" if iri.startswith(project.base) else f"<{iri}>"


def render(project: Project, rows: list[Row], review_name: str, when: dt.datetime) -> str:
    """The Turtle block for the new links (appended to the accepted file)."""
    stamp = when.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    blocks = []
    for r in rows:
        e = project.entities[r.iri]
        me = _rel(project, r.iri)
        lines = [
            f"{me} owl:sameAs wd:{r.qid} .",
            "",
            f"<id/link/{link_slug(project, r.iri, r.qid)}> a tw:AcceptedLink ;",
            f'    rdfs:label "{_str(f"Wikidata link of {e.label}: {r.qid}")}"@en ;',
            f"    rdf:subject {me} ; rdf:predicate owl:sameAs ; rdf:object wd:{r.qid} ;",
            f'    prov:generatedAtTime "{stamp}"^^xsd:dateTime ;',
            f'    tw:method "{_str(METHOD)}" ;',
            f"    tw:score {r.score} ;",
        ]
        if r.reasons:
            lines.append(f'    tw:scoreReasons "{_str(r.reasons)}" ;')
        lines.append(f'    tw:reviewFile "{_str(review_name)}" .')
        blocks.append("\n".join(lines) + "\n")
    return "\n" + "\n".join(blocks)


def accepted_path(project_dir: Path) -> Path:
    return Path(project_dir) / "data" / f"{ACCEPTED_SLUG}.ttl"


def new_text(project: Project, project_dir: Path, rows: list[Row], review_name: str, when: dt.datetime) -> str:
    """The whole new accepted file: the old text (or the header) plus the new links, checked to parse."""
    path = accepted_path(project_dir)
    old = path.read_text(encoding="utf-8") if path.exists() else HEADER
    if old and not old.endswith("\n"):
        old += "\n"
    text = old + render(project, rows, review_name, when)
    try:
        ox.Store().load(text.encode("utf-8"), format=ox.RdfFormat.TURTLE, base_iri=project.base)
    except SyntaxError as e:  # only if the existing file was edited into something odd
        raise AcceptError(f"data/{ACCEPTED_SLUG}.ttl: the file with the new links does not parse ({e}); "
                          "nothing was written") from None
    return text
