"""``sistercities wikidata import``: Wikidata's P190 statements as a graph of our own.

:func:`run_import` reads which of our cities (and countries) are linked (``owl:sameAs
wd:Q…`` in ``data/*.ttl``), asks the endpoint through :class:`~.client.WikidataClient`
for their P190 ("twinned administrative body") statements — on their own items and on
other items that name them — with start/end time at their precision, end cause and
references, and for the partner items' labels, country and coordinates, and writes
``data/wikidata.ttl`` (graph ``graph/wikidata``) with :func:`~.files.write_atomic` once
everything is fetched.  ``all_statements=True`` pages through every P190 statement in
Wikidata instead (:func:`~.queries.statements_page`).  The model is in :mod:`.model`.

Nothing is written when anything fails: a :class:`~.client.WikidataError` (endpoint) or an
:class:`ImportProblem` (our data) propagates with a one-line message.  Never imports Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from sistercities.rdfio import DATA, inputs, load
from sistercities.wikidata import queries
from sistercities.wikidata.client import Binding, WikidataClient, WikidataError
from sistercities.wikidata.files import write_atomic
from sistercities.wikidata.model import Ours, build_graph

WD = "http://www.wikidata.org/entity/"
_ITEM = re.compile(r"^http://www\.wikidata\.org/entity/Q[1-9][0-9]*$")
SLUG = "wikidata"  # data/wikidata.ttl -> graph/wikidata
DEFAULT_PAGE_SIZE = 5000
DEFAULT_BATCH = 500

Progress = Callable[[str], None]


class ImportProblem(Exception):
    """Our own data cannot be read (one line naming the file)."""


# --- what we have --------------------------------------------------------------------------


def read_ours(project: Path, base: str) -> Ours:
    """Linked cities and countries, English labels and label languages of the curated data."""
    files = [f for f in inputs(project, base) if f.kind == DATA and f.path.stem != SLUG]
    store = ox.Store()
    issues = load(store, files, base)
    if issues:
        i = issues[0]
        raise ImportProblem(f"{i.file}{f':{i.line}' if i.line else ''}: {i.message}")
    tw = base + "ontology/"

    def rows(q: str) -> list[ox.QuerySolution]:
        res = store.query(q, use_default_graph_as_union=True)
        assert isinstance(res, ox.QuerySolutions)
        return list(res)

    links: dict[str, dict[str, str]] = {"City": {}, "Country": {}}
    for kind, found in links.items():
        for r in rows(f"SELECT ?x ?wd WHERE {{ ?x a <{tw}{kind}> ; <http://www.w3.org/2002/07/owl#sameAs> ?wd }}"):
            wd, x = r["wd"].value, r["x"].value
            if wd.startswith(WD):
                found[wd] = min(x, found.get(wd, x))  # two of ours with one item: the first IRI, stably
    en: dict[str, str] = {}
    for r in rows("SELECT ?x ?l WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER (LANG(?l) = 'en') }"):
        en.setdefault(r["x"].value, r["l"].value)
    langs = sorted({r["lang"].value.lower() for r in rows(
        "SELECT DISTINCT (LANG(?l) AS ?lang) WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l "
        "FILTER (LANG(?l) != '') }")})
    return Ours(base=base, cities=links["City"], countries=links["Country"], english=en, languages=langs or ["en"])


# --- what Wikidata says --------------------------------------------------------------------


@dataclass
class Statement:
    iri: str
    item: str
    partner: str
    starts: set[tuple[str, str]] = field(default_factory=set)  # (timeValue, precision)
    ends: set[tuple[str, str]] = field(default_factory=set)
    causes: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)


@dataclass
class Reference:
    urls: set[str] = field(default_factory=set)
    stated_in: set[str] = field(default_factory=set)
    titles: set[tuple[str, str]] = field(default_factory=set)  # (text, language)
    retrieved: set[str] = field(default_factory=set)


@dataclass
class Fetched:
    endpoint: str
    statements: dict[str, Statement] = field(default_factory=dict)
    references: dict[str, Reference] = field(default_factory=dict)
    countries: dict[str, set[str]] = field(default_factory=dict)  # item -> P17 values
    coords: dict[str, set[str]] = field(default_factory=dict)  # item -> P625 WKT literals
    labels: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # item -> (text, lang)
    queries: set[str] = field(default_factory=set)
    retrieved: set[str] = field(default_factory=set)


def _batches(items: Iterable[str], size: int) -> list[list[str]]:
    ordered = sorted(set(items))
    return [ordered[i:i + size] for i in range(0, len(ordered), max(1, size))]


class Fetcher:
    def __init__(self, client: WikidataClient, *, batch: int = DEFAULT_BATCH, progress: Progress | None = None) -> None:
        self.client, self.batch = client, batch
        self.progress = progress or (lambda _msg: None)
        self.out = Fetched(client.endpoint)
        self.self_twinned: set[str] = set()  # statements whose value is their own item: skipped

    def select(self, query: str) -> list[Binding]:
        rows = self.client.select(query)
        self.out.queries.add(query)
        if self.client.last_retrieved:
            self.out.retrieved.add(self.client.last_retrieved)
        return rows

    def _value(self, row: Binding, var: str, *, kind: str | None = None) -> str | None:
        b = row.get(var)
        if b is None:
            return None
        if not isinstance(b, dict) or not isinstance(b.get("value"), str):
            raise WikidataError(f"{self.client.endpoint}: malformed SPARQL results (binding of ?{var} has no value)")
        if kind is not None and b.get("type") != kind:
            return None
        return b["value"]

    def _need(self, row: Binding, var: str) -> str:
        v = self._value(row, var, kind="uri")
        if v is None:
            raise WikidataError(f"{self.client.endpoint}: malformed SPARQL results (a row without an IRI for ?{var})")
        return v

    def add_statements(self, rows: list[Binding]) -> set[str]:
        seen: set[str] = set()
        for row in rows:
            iri = self._need(row, "statement")
            item, partner = self._need(row, "item"), self._need(row, "partner")
            seen.add(iri)
            if item == partner:  # a Wikidata error: a twinning needs two partners
                self.self_twinned.add(iri)
                continue
            st = self.out.statements.setdefault(iri, Statement(iri, item, partner))
            for which, target in (("start", st.starts), ("end", st.ends)):
                value, prec = self._value(row, which), self._value(row, which + "Precision")
                if value is not None:
                    target.add((value, prec or ""))
            cause = self._value(row, "cause", kind="uri")
            if cause and _ITEM.match(cause):
                st.causes.add(cause)
        return seen

    # -- the three ways in ----------------------------------------------------------------

    def linked(self, items: Iterable[str]) -> None:
        """P190 statements of ``items`` and statements of other items naming them."""
        for chunk in _batches(items, self.batch):
            self.add_statements(self.select(queries.statements_on(chunk)))
            self.add_statements(self.select(queries.statements_about(chunk)))
        self.progress(f"{len(self.out.statements)} P190 statements")

    def everything(self, page_size: int) -> None:
        """Every P190 statement, ``page_size`` statements a page (keyset paging, see queries)."""
        after, page = "", 0
        while True:
            page += 1
            hits = self.client.cache_hits
            got = self.add_statements(self.select(queries.statements_page(after, page_size)))
            cached = " (cached)" if self.client.cache_hits > hits else ""
            self.progress(f"page {page}: {len(got)} statements ({len(self.out.statements)} so far){cached}")
            if len(got) < page_size:
                return
            after = max(got)

    def details(self, ours: Ours) -> None:
        """References of the statements; country, coordinates and labels of what we do not know."""
        for chunk in _batches(self.out.statements, self.batch):
            for row in self.select(queries.references(chunk)):
                st = self.out.statements.get(self._need(row, "statement"))
                ref_iri = self._value(row, "ref", kind="uri")
                if st is None or ref_iri is None:
                    continue
                st.refs.add(ref_iri)
                ref = self.out.references.setdefault(ref_iri, Reference())
                url = self._value(row, "url", kind="uri")
                if url:
                    ref.urls.add(url)
                stated_in = self._value(row, "statedIn", kind="uri")
                if stated_in and _ITEM.match(stated_in):
                    ref.stated_in.add(stated_in)
                title = self._value(row, "title", kind="literal")
                lang = str(row["title"].get("xml:lang", "")) if title else ""
                if title and lang:  # P1476 is monolingual text: always tagged on Wikidata
                    ref.titles.add((title, lang.lower()))
                ret = self._value(row, "retrieved", kind="literal")
                if ret:
                    ref.retrieved.add(ret)
        self.progress(f"{len(self.out.references)} references")
        unknown = {x for st in self.out.statements.values() for x in (st.item, st.partner)} - set(ours.cities)
        for chunk in _batches(unknown, self.batch):
            for row in self.select(queries.places(chunk)):
                item = self._need(row, "item")
                country = self._value(row, "country", kind="uri")
                if country:
                    self.out.countries.setdefault(item, set()).add(country)
                coord = self._value(row, "coord", kind="literal")
                if coord:
                    self.out.coords.setdefault(item, set()).add(coord)
        labelled = set(unknown)
        labelled |= {c for cs in self.out.countries.values() for c in cs} - set(ours.countries)
        labelled |= {c for st in self.out.statements.values() for c in st.causes}
        labelled |= {s for r in self.out.references.values() for s in r.stated_in}
        for chunk in _batches(labelled, self.batch):
            for row in self.select(queries.labels(chunk, ours.languages)):
                item = self._need(row, "item")
                label = self._value(row, "label", kind="literal")
                lang = str(row["label"].get("xml:lang", "")) if label is not None else ""
                if label is not None and lang:
                    self.out.labels.setdefault(item, set()).add((label, lang.lower()))
        self.progress(f"{len(unknown)} places we do not know, {len(labelled)} items labelled")


# --- the whole thing -----------------------------------------------------------------------


@dataclass
class Summary:
    path: Path
    statements: int
    places: int
    references: int
    requests: int
    cache_hits: int
    triples: int


def run_import(project: Path, base: str, client: WikidataClient, *, all_statements: bool = False,
               page_size: int = DEFAULT_PAGE_SIZE, batch: int = DEFAULT_BATCH,
               progress: Progress | None = None) -> Summary:
    project = Path(project)
    if not (project / DATA).is_dir():
        raise ImportProblem(f"{project / DATA}: no data folder (is --project the project folder?)")
    ours = read_ours(project, base)
    fetcher = Fetcher(client, batch=batch, progress=progress)
    if all_statements:
        fetcher.everything(page_size)
    else:
        if not ours.cities:
            raise ImportProblem(f"{project / DATA}: no city has a Wikidata link (owl:sameAs wd:Q…) to import for")
        fetcher.linked(ours.cities)
    if fetcher.self_twinned and progress:
        progress(f"skipped {len(fetcher.self_twinned)} statements that twin an item with itself, e.g. "
                 f"{min(fetcher.self_twinned)}")
    fetcher.details(ours)
    graph, places = build_graph(fetcher.out, ours)
    path = project / DATA / f"{SLUG}.ttl"
    write_atomic(path, graph.serialize(_header(fetcher.out, all_statements)))
    return Summary(path, len(fetcher.out.statements), places, len(fetcher.out.references),
                   client.requests_made, client.cache_hits, len(graph))


def _header(f: Fetched, all_statements: bool) -> str:
    what = "every P190 statement in Wikidata" if all_statements else "the P190 statements of our linked cities"
    return (f"# Wikidata's twinnings (P190, twinned administrative body): {what},\n"
            f"# retrieved from {f.endpoint} by `sistercities wikidata import`.\n"
            "# Written by the tool, sorted: do not edit by hand, run the import again (see README).\n"
            "# Wikidata's data is CC0. Only links a curator accepted are owl:sameAs; the places\n"
            "# imported here carry tw:wikidataItem instead.")
