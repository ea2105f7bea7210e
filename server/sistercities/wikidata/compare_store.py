"""Reading what the comparison needs from a built store: curated twinnings and their evidence,
the tw:WikidataTwinning records of ``graph/wikidata``, places' labels and QIDs.  Plain reads over
the :class:`~sistercities.store.Store` interface (SPARQL, and index lookups where a join would scan
an ``import --all`` graph).  Never imports Flask or click.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from sistercities.store import Store
from sistercities.uris import ontology_ns

WD = "http://www.wikidata.org/entity/"
WDS = WD + "statement/"
QID = re.compile(r"Q[1-9][0-9]*")
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
"""


@dataclass(frozen=True)
class City:
    iri: str
    label: str
    qid: str | None


@dataclass(frozen=True)
class Citation:
    """A paragraph of our sources that states (part of) a curated twinning."""

    paragraph: str
    number: int | None
    document: str
    title: str
    url: str | None
    quotation: str
    supports: tuple[str, ...]  # local names of the properties: partner, startDate, ...


def _v(row: dict[str, Any], key: str) -> str | None:
    t = row.get(key)
    return None if t is None else str(t.value)


class Reader:
    """The queries of the comparison (each one read of the store)."""

    def __init__(self, store: Store, base: str) -> None:
        self.store, self.base, self.tw = store, base, ontology_ns(base)
        self.wd_graph = base + "graph/wikidata"

    def q(self, body: str) -> list[dict[str, Any]]:
        return self.store.select(PREFIXES + f"PREFIX tw: <{self.tw}>\n" + body)

    def has_graph(self) -> bool:
        return self.store.ask(f"ASK {{ GRAPH <{self.wd_graph}> {{ ?r a <{self.tw}WikidataTwinning> }} }}")

    def curated_cities(self) -> set[str]:
        rows = self.q(f"SELECT DISTINCT ?c WHERE {{ GRAPH ?g {{ ?c a tw:City }} FILTER(?g != <{self.wd_graph}>) }}")
        return {r["c"].value for r in rows}

    def cities(self, iris: Iterable[str]) -> dict[str, City]:
        """Label (English first) and QID of each place: an accepted link (owl:sameAs) wins over the
        item a place of graph/wikidata was imported from (tw:wikidataItem)."""
        iris = sorted(set(iris))
        labels: dict[str, dict[str, str]] = defaultdict(dict)
        qids: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(iris, 400):
            values = " ".join(f"<{i}>" for i in chunk)
            for r in self.q(f"""SELECT ?c ?l ?wd ?rank WHERE {{ VALUES ?c {{ {values} }}
                {{ ?c rdfs:label ?l }} UNION {{ ?c owl:sameAs ?wd BIND(1 AS ?rank) }}
                UNION {{ ?c tw:wikidataItem ?wd BIND(2 AS ?rank) }} }}"""):
                c = r["c"].value
                if "l" in r:
                    lang, text = r["l"].language or "", r["l"].value
                    labels[c][lang] = min(labels[c].get(lang, text), text)
                wd = _v(r, "wd")
                if wd and wd.startswith(WD) and QID.fullmatch(wd[len(WD):]):
                    qids[c] = min(qids.get(c, (9, "")), (int(r["rank"].value), wd[len(WD):]))
        out = {}
        for c in iris:
            ls = labels.get(c, {})
            label = ls.get("en") or ls.get("") or (ls[min(ls)] if ls else c.rsplit("/", 1)[-1])
            out[c] = City(c, label, qids[c][1] if c in qids else None)
        return out

    def curated(self) -> dict[str, dict[str, Any]]:
        rows = self.q(f"""SELECT DISTINCT ?t ?p ?start ?end ?status WHERE {{
            {{ SELECT DISTINCT ?t WHERE {{ GRAPH ?g {{ ?t a tw:Twinning }} FILTER(?g != <{self.wd_graph}>) }} }}
            ?t tw:partner ?p .
            OPTIONAL {{ ?t tw:startDate ?start }} OPTIONAL {{ ?t tw:endDate ?end }} OPTIONAL {{ ?t tw:status ?status }}
        }}""")
        out: dict[str, dict[str, Any]] = {}
        for r in rows:
            t = out.setdefault(r["t"].value, {"partners": set(), "start": set(), "end": set(), "status": set()})
            t["partners"].add(r["p"].value)
            for k in ("start", "end", "status"):
                if _v(r, k):
                    t[k].add(_v(r, k))
        return out

    def evidence(self, records: Iterable[str]) -> dict[str, list[Citation]]:
        recs = sorted(set(records))
        grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
        for chunk in _chunks(recs, 400):
            values = " ".join(f"<{i}>" for i in chunk)
            for r in self.q(f"""SELECT ?t ?prop ?par ?n ?doc ?title ?label ?url ?quote WHERE {{ VALUES ?t {{ {values} }}
                ?e a tw:Evidence ; rdf:subject ?t ; rdf:predicate ?prop ; prov:wasQuotedFrom ?par .
                OPTIONAL {{ ?e tw:quotation ?quote }}
                OPTIONAL {{ ?par tw:paragraphNumber ?n }}
                OPTIONAL {{ ?par dct:isPartOf ?doc . OPTIONAL {{ ?doc dct:title ?title }} OPTIONAL {{ ?doc rdfs:label ?label }}
                           OPTIONAL {{ ?doc schema:url ?url }} }}
            }}"""):
                key = (r["t"].value, r["par"].value, _v(r, "quote") or "")
                g = grouped.setdefault(key, {"props": set(), "row": r})
                g["props"].add(r["prop"].value.removeprefix(self.tw))
        out: dict[str, list[Citation]] = defaultdict(list)
        for (t, par, quote), g in sorted(grouped.items()):
            r = g["row"]
            n = _v(r, "n")
            out[t].append(Citation(par, int(n) if n and n.isdigit() else None, _v(r, "doc") or "",
                                   _v(r, "title") or _v(r, "label") or par, _v(r, "url"), quote,
                                   tuple(sorted(g["props"]))))
        return out

    def wikidata(self, partners: Iterable[str]) -> list[dict[str, Any]]:
        """The tw:WikidataTwinning records of graph/wikidata with one of ``partners``.  Index lookups,
        not one SPARQL join: Oxigraph would start from every record of an ``import --all`` graph."""
        g, tw = ox.NamedNode(self.wd_graph), self.tw
        records = {q.subject.value for c in sorted(set(partners))
                   for q in self.store.quads(None, ox.NamedNode(tw + "partner"), ox.NamedNode(c), g)
                   if isinstance(q.subject, ox.NamedNode)}
        out = []
        labels: dict[str, str | None] = {}
        for r in sorted(records):
            props: dict[str, list[str]] = defaultdict(list)
            for q in self.store.quads(ox.NamedNode(r), None, None, g):
                if not isinstance(q.object, ox.Triple):
                    props[q.predicate.value].append(q.object.value)
            derived = sorted(x for x in props[PROV + "wasDerivedFrom"] if x.startswith(WDS))
            on = sorted(props[tw + "statedOn"])
            others = sorted(set(props[tw + "partner"]) - set(on))
            if tw + "WikidataTwinning" not in props[RDF_TYPE] or not derived or not on or not others:
                continue
            cause = min(props[tw + "endCause"], default=None)
            if cause is not None and cause not in labels:
                labels[cause] = min((q.object.value for q in self.store.quads(ox.NamedNode(cause), ox.NamedNode(RDFS_LABEL))
                                     if isinstance(q.object, ox.Literal) and (q.object.language or "").startswith("en")),
                                    default=None)
            out.append({"r": r, "s": derived[0], "on": on[0], "p": others[0],
                        "start": min(props[tw + "startDate"], default=None), "end": min(props[tw + "endDate"], default=None),
                        "cause": cause, "causeLabel": labels.get(cause) if cause else None,
                        "status": set(props[tw + "status"])})
        return out

    def retrievals(self) -> list[str]:
        rows = self.q(f"""SELECT DISTINCT ?when WHERE {{ GRAPH <{self.wd_graph}> {{
            ?a a prov:Activity ; prov:startedAtTime ?when }} }} ORDER BY ?when""")
        return [r["when"].value for r in rows]


def _chunks(items: list[str], n: int) -> Iterable[list[str]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]
