"""Our curated twinnings side by side with Wikidata's, from a built store (no network).

:func:`compare` reads two kinds of record from the store:

* curated twinnings: ``?t a tw:Twinning`` stated in a graph other than ``graph/wikidata``
  (what our sources say), with their start/end dates, status and evidence;
* Wikidata twinnings: ``tw:WikidataTwinning`` records of ``graph/wikidata`` (one per P190
  statement, written by ``sistercities wikidata import``), ``prov:wasDerivedFrom`` the statement.

Both are keyed by the unordered pair of partners, each partner by its Wikidata QID when it has
one (``owl:sameAs`` for our places, ``tw:wikidataItem`` for places of the imported graph) and by
its IRI otherwise.  Only pairs with at least one curated city of ours are compared, so an
``import --all`` graph of tens of thousands of statements still gives a report about our cities.

Row kinds (:data:`KINDS`): ``ours-only``, ``wikidata-only``, ``start-date``, ``one-directional``,
``ended``.  Start dates are compared at the finer precision both sides have (:func:`compare_dates`).
The reads are in :mod:`.compare_store`; the output formats in :mod:`.compare_format`.
Never imports Flask or click.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sistercities.store import Store
from sistercities.wikidata.compare_store import QID, Citation, City, Reader

KINDS = ("ours-only", "wikidata-only", "start-date", "one-directional", "ended")
KIND_TITLES = {
    "ours-only": "Twinnings our sources state that Wikidata lacks",
    "wikidata-only": "Twinnings Wikidata states that our sources lack",
    "start-date": "Start dates, compared at the precision both give",
    "one-directional": "Wikidata pairs stated on only one of the two items",
    "ended": "Ended twinnings",
}
PRECISION_NAMES = {9: "year", 10: "month", 11: "day"}
DATE = re.compile(r"(-?\d{4,})(?:-(\d\d))?(?:-(\d\d))?")


class NoWikidataGraph(LookupError):
    """The store has no imported Wikidata graph."""


@dataclass(frozen=True)
class WikidataStatement:
    """One P190 statement, as its tw:WikidataTwinning record has it."""

    statement: str  # http://www.wikidata.org/entity/statement/…
    record: str
    stated_on: City
    partner: City
    start: str | None
    end: str | None
    end_cause: str | None
    end_cause_label: str | None
    ended: bool

    @property
    def statement_id(self) -> str:
        return self.statement.rsplit("/", 1)[-1]

    @property
    def link(self) -> str | None:
        """The human page of the item holding the statement, at its P190 statements."""
        qid = self.stated_on.qid or self.statement_id.split("-", 1)[0].upper()
        return f"https://www.wikidata.org/wiki/{qid}#P190" if QID.fullmatch(qid) else None


@dataclass
class Row:
    kind: str
    verdict: str
    finding: str
    cities: tuple[City, City]
    our_record: str | None = None
    our_start: str | None = None
    wikidata_start: str | None = None
    statements: list[WikidataStatement] = field(default_factory=list)
    sources: list[Citation] = field(default_factory=list)

    @property
    def pair(self) -> str:
        return f"{self.cities[0].label} – {self.cities[1].label}"


@dataclass
class Comparison:
    rows: list[Row]
    retrieved: list[str]  # when the imported graph was fetched (prov:startedAtTime of its retrievals)
    curated_pairs: int
    wikidata_statements: int

    def by_kind(self) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = {k: [] for k in KINDS}
        for r in self.rows:
            out[r.kind].append(r)
        return out

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.by_kind().items()}


# --- dates ---------------------------------------------------------------------------------------

def precision(lexical: str) -> int:
    """9 (year), 10 (month) or 11 (day) for an xsd:gYear / gYearMonth / date lexical form."""
    m = DATE.match(lexical)
    if not m:
        raise ValueError(f"not a date: {lexical!r}")
    return 11 if m.group(3) else 10 if m.group(2) else 9


def date_parts(lexical: str) -> tuple[str, ...]:
    m = DATE.match(lexical)
    if not m:
        raise ValueError(f"not a date: {lexical!r}")
    return tuple(p for p in m.groups() if p)


def compare_dates(ours: str, theirs: str) -> str:
    """``agrees``, ``agrees at year precision only``, ``agrees at month precision only`` or ``disagrees``."""
    a, b = date_parts(ours), date_parts(theirs)
    common = min(len(a), len(b))
    if a[:common] != b[:common]:
        return "disagrees"
    if len(a) == len(b):
        return "agrees"
    return f"agrees at {PRECISION_NAMES[8 + common]} precision only"


def describe_date(lexical: str) -> str:
    return f"{lexical} ({PRECISION_NAMES[precision(lexical)]} precision)"


# --- the comparison ----------------------------------------------------------------------------

def compare(store: Store, base: str) -> Comparison:
    """Compare the curated twinnings of ``store`` with its imported Wikidata graph.

    Raises :class:`NoWikidataGraph` when the store has no ``tw:WikidataTwinning`` in ``graph/wikidata``."""
    rd = Reader(store, base)
    if not rd.has_graph():
        raise NoWikidataGraph("no Wikidata graph in this build: run sistercities wikidata import, then build")
    ours = rd.curated_cities()
    curated = rd.curated()
    ended_status = base + "id/concept/relationship-status/ended"
    # the Wikidata records touching our cities (also those imported under id/city/wikidata-Q… before a link
    # was accepted: looked up by QID below)
    ours_info = rd.cities(ours)
    alias = {f"{base}id/city/wikidata-{c.qid}" for c in ours_info.values() if c.qid}
    wd_rows = rd.wikidata(ours | alias)
    cities = rd.cities({p for t in curated.values() for p in t["partners"]}
                       | {r[k] for r in wd_rows for k in ("on", "p")} | ours)

    def key(iri: str) -> str:
        c = cities[iri]
        return c.qid or iri

    by_pair_ours: dict[frozenset[str], list[str]] = defaultdict(list)
    for t, info in sorted(curated.items()):
        ps = sorted(info["partners"])
        if len(ps) == 2:
            by_pair_ours[frozenset(key(p) for p in ps)].append(t)
    by_pair_wd: dict[frozenset[str], list[WikidataStatement]] = defaultdict(list)
    for r in wd_rows:
        on, p = cities[r["on"]], cities[r["p"]]
        st = WikidataStatement(r["s"], r["r"], on, p, r["start"], r["end"], r["cause"], r["causeLabel"],
                               bool(r["end"] or r["cause"] or ended_status in r["status"]))
        by_pair_wd[frozenset((key(on.iri), key(p.iri)))].append(st)
    evidence = rd.evidence(curated)
    rows: list[Row] = []
    for pair in sorted(set(by_pair_ours) | set(by_pair_wd), key=lambda k: sorted(k)):
        records = by_pair_ours.get(pair, [])
        stmts = sorted(by_pair_wd.get(pair, []), key=lambda s: (s.stated_on.label, s.statement))
        if records:
            ps = sorted(curated[records[0]]["partners"])
            pair_cities = tuple(sorted((cities[p] for p in ps), key=lambda c: (c.label, c.iri)))
        else:
            first = stmts[0]
            pair_cities = tuple(sorted((first.stated_on, first.partner), key=lambda c: (c.label, c.iri)))
            if not any(c.iri in ours for c in pair_cities):
                continue
        rows.extend(_pair_rows(pair_cities, records, stmts, curated, evidence, ended_status))  # type: ignore[arg-type]
    order = {k: i for i, k in enumerate(KINDS)}
    rows.sort(key=lambda r: (order[r.kind], r.cities[0].label, r.cities[1].label,
                             r.statements[0].stated_on.label if r.statements else ""))
    return Comparison(rows, rd.retrievals(), len(by_pair_ours), len(wd_rows))


def _pair_rows(cities: tuple[City, City], records: list[str], stmts: list[WikidataStatement],
               curated: dict[str, dict[str, Any]], evidence: dict[str, list[Citation]], ended_status: str) -> list[Row]:
    out: list[Row] = []
    rec = records[0] if records else None
    info = curated[rec] if rec else {"start": set(), "end": set(), "status": set()}
    cites = [c for r in records for c in evidence.get(r, [])]
    our_starts = sorted(info["start"], key=lambda d: (-precision(d), d))
    our_start = our_starts[0] if our_starts else None

    def cited(*props: str) -> list[Citation]:
        return [c for c in cites if set(props) & set(c.supports)] or cites

    if records and not stmts:
        unlinked = [c for c in cities if not c.qid]
        if unlinked:
            names = " and ".join(c.label for c in unlinked)
            finding = f"cannot be matched: {names} {'has' if len(unlinked) == 1 else 'have'} no Wikidata link"
            verdict = "cannot be matched"
        else:
            finding = (f"Wikidata has no P190 statement on {cities[0].label} ({cities[0].qid}) "
                       f"nor on {cities[1].label} ({cities[1].qid})")
            verdict = "not in Wikidata"
        out.append(Row("ours-only", verdict, finding, cities, rec, our_start, None, [], cited("partner", "startDate")))
    if stmts and not records:
        on = sorted({s.stated_on.label for s in stmts})
        out.append(Row("wikidata-only", "not in our sources",
                       f"Wikidata states it on {' and '.join(on)}; none of our sources does", cities, None, None,
                       _first(s.start for s in stmts), stmts))
    if records and stmts:
        for s in stmts:
            direction = f"on {s.stated_on.label}"
            if our_start and s.start:
                verdict = compare_dates(our_start, s.start)
                finding = f"{verdict}: ours {our_start}, Wikidata {describe_date(s.start)} {direction}"
            elif our_start:
                verdict, finding = "wikidata lacks a start date", f"Wikidata's statement {direction} has no start time (ours: {our_start})"
            elif s.start:
                verdict, finding = "we lack a start date", f"our sources give no start date; Wikidata {direction}: {describe_date(s.start)}"
            else:
                continue
            out.append(Row("start-date", verdict, finding, cities, rec, our_start, s.start, [s], cited("startDate")))
    if stmts and len({s.stated_on.iri for s in stmts}) == 1:
        s0 = stmts[0]
        out.append(Row("one-directional", "stated on one item only",
                       f"stated on {s0.stated_on.label} ({s0.stated_on.qid}) only: {s0.partner.label} "
                       f"({s0.partner.qid or 'no item'}) does not state {s0.stated_on.label}",
                       cities, rec, our_start, _first(s.start for s in stmts), stmts, cited("partner")))
    wd_ended = [s for s in stmts if s.ended]
    our_ended = bool(info["end"]) or ended_status in info["status"]
    if wd_ended or our_ended:
        parts: list[str] = []
        if wd_ended:
            s = wd_ended[0]
            cause = f", end cause {s.end_cause_label or s.end_cause.rsplit('/', 1)[-1]}" if s.end_cause else ""
            where = " and ".join(sorted({x.stated_on.label for x in wd_ended}))
            parts.append(f"Wikidata: ended{' ' + s.end if s.end else ''}{cause} (on {where})")
        if our_ended:
            ends = sorted(info["end"])
            parts.append(f"ours: ended{' ' + ends[0] if ends else ''}")
        elif records:
            parts.append("ours: not ended")
        verdict = ("ended in both" if wd_ended and our_ended else "ended in Wikidata" if wd_ended else "ended in ours")
        out.append(Row("ended", verdict, "; ".join(parts), cities, rec, our_start,
                       _first(s.start for s in stmts), wd_ended or stmts, cited("endDate", "status")))
    return out


def _first(xs: Iterable[str | None]) -> str | None:
    return next((x for x in xs if x), None)
