"""The small store interface the web tier talks to, and its two backends.

* :class:`EmbeddedStore` — the pyoxigraph store of a build, opened read-only
  (many gunicorn workers can open the same store).
* :class:`RemoteStore` — any SPARQL 1.1 query endpoint (Oxigraph server,
  Fuseki, Virtuoso...), for when the data outgrows one machine.

Both answer the same four calls with pyoxigraph terms, so the code above
them does not care where the data lives.  The default graph is the union of
the named graphs, each triple once, unless a caller passes ``default_graphs``:
for the embedded store that is the store's own default graph, which the build
writes (:mod:`sistercities.defaultgraph`); ``named_graphs`` alone means an
empty default graph (SPARQL 1.1 Query §13.2).

A remote endpoint has its own default graph, set up by whoever loads it: the
publish step (issue 12) must make it the same set -- load the N-Triples dump
(the default graph, each triple once) into the endpoint's default graph and the
N-Quads dump into its named graphs, or use a store whose union default graph is
a set (Fuseki/TDB2 ``tdb2:unionDefaultGraph``; *not* ``oxigraph serve
--union-default-graph``, which repeats a triple once per graph).  Until then,
counts over a remote default graph are whatever that endpoint says.  Never
imports Flask.
"""

from __future__ import annotations

import abc
import os
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from sistercities import defaultgraph

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Any]


class StoreError(RuntimeError):
    """The store could not answer (unreachable remote, broken build...)."""


class Store(abc.ABC):
    """What the web tier needs from a SPARQL store."""

    @abc.abstractmethod
    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean:
        """Run a SPARQL query; results as pyoxigraph objects."""

    def select(self, sparql: str, **kw: Any) -> list[Row]:
        res = self.query(sparql, **kw)
        if not isinstance(res, ox.QuerySolutions):
            raise TypeError("select() needs a SELECT query")
        names = [v.value for v in res.variables]
        return [{n: sol[n] for n in names if sol[n] is not None} for sol in res]

    def ask(self, sparql: str, **kw: Any) -> bool:
        return bool(self.query(sparql, **kw))

    def construct(self, sparql: str, **kw: Any) -> list[ox.Triple]:
        res = self.query(sparql, **kw)
        if isinstance(res, (ox.QuerySolutions, ox.QueryBoolean)):
            raise TypeError("construct() needs a CONSTRUCT or DESCRIBE query")
        return list(res)

    def statements(
        self, subjects: Iterable[str], predicates: Iterable[str] | None = None
    ) -> Iterator[tuple[str, str, Any]]:
        """``(subject, predicate, object)`` for every statement about ``subjects`` (only
        ``predicates`` when given), across all named graphs (a statement made in two
        graphs comes twice).  One query here; the embedded store uses index lookups."""
        subs = [s for s in subjects if _iri_ok(s)]
        if not subs:
            return
        wanted = set(predicates) if predicates is not None else None
        values = " ".join(f"<{s}>" for s in subs)
        for r in self.select(f"SELECT ?x ?p ?v WHERE {{ VALUES ?x {{ {values} }} GRAPH ?g {{ ?x ?p ?v }} }}"):
            if wanted is None or r["p"].value in wanted:
                yield r["x"].value, r["p"].value, r["v"]

    @abc.abstractmethod
    def quads(
        self,
        subject: Term | None = None,
        predicate: ox.NamedNode | None = None,
        obj: Term | None = None,
        graph: ox.NamedNode | None = None,
    ) -> Iterable[ox.Quad]:
        """Quads matching a pattern (None = any), across all named graphs (never the
        default graph, which only repeats them)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the store."""


def _iri_ok(iri: str) -> bool:
    """Can ``iri`` be written as ``<iri>`` (and made a NamedNode)?"""
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return not any(c in iri for c in '<>"{}|^`\\ ')


def _dataset_kw(store: ox.Store, default_graphs: Sequence[str] | None,
                named_graphs: Sequence[str] | None) -> dict[str, Any]:
    if not default_graphs and not named_graphs:
        return defaultgraph.dataset_kw(store)
    kw: dict[str, Any] = {"default_graph": [ox.NamedNode(g) for g in default_graphs or ()]}  # [] = empty
    if named_graphs:
        kw["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    return kw


class EmbeddedStore(Store):
    """A pyoxigraph store on disk, opened read-only (or an in-memory one for tests)."""

    def __init__(self, path: str | Path | None = None, *, store: ox.Store | None = None) -> None:
        if store is not None:
            self.ox = store
        else:
            if path is None or not Path(path).is_dir():
                raise StoreError(f"no built store at {path}: run `sistercities build` first")
            self.ox = ox.Store.read_only(str(path))

    def query(self, sparql, *, default_graphs=None, named_graphs=None):  # type: ignore[no-untyped-def]
        return self.ox.query(sparql, **_dataset_kw(self.ox, default_graphs, named_graphs))

    def quads(self, subject=None, predicate=None, obj=None, graph=None):  # type: ignore[no-untyped-def]
        for q in self.ox.quads_for_pattern(subject, predicate, obj, graph):
            if not isinstance(q.graph_name, ox.DefaultGraph):
                yield q

    def statements(self, subjects, predicates=None):  # type: ignore[no-untyped-def]
        # index lookups: Oxigraph's planner turns `?x ?p ?v` joined with a large VALUES
        # block into a scan of the whole store (seconds at 1M triples)
        wanted = set(predicates) if predicates is not None else None
        for s in subjects:
            if not _iri_ok(s):
                continue
            for q in self.ox.quads_for_pattern(ox.NamedNode(s), None, None, None):
                if isinstance(q.graph_name, ox.DefaultGraph):
                    continue
                p = q.predicate.value
                if wanted is None or p in wanted:
                    yield s, p, q.object


def check_store(path: str | Path) -> None:
    """Open the embedded store at ``path`` and run a trivial query, or raise
    :class:`StoreError` with one line naming the folder and what is wrong
    (what ``sistercities serve`` checks before starting any worker)."""
    p = Path(path)
    if not p.exists():
        raise StoreError(f"{p}: missing store folder: run `sistercities build` first")
    if not p.is_dir():
        raise StoreError(f"{p}: the store is not a folder: run `sistercities build` again")
    if not os.access(p, os.R_OK | os.X_OK) or not all(os.access(f, os.R_OK) for f in p.iterdir() if f.is_file()):
        raise StoreError(f"{p}: unreadable store (permission denied for user {os.getuid()})")
    try:
        s = EmbeddedStore(p)
        s.query("ASK { GRAPH ?g { ?s ?p ?o } }")
        next(iter(s.ox.quads_for_pattern(None, None, None, None)), None)
        del s  # closes it: `serve` execs gunicorn next
    except PermissionError as e:
        raise StoreError(f"{p}: unreadable store ({_first_line(e)})") from None
    except FileNotFoundError as e:
        raise StoreError(f"{p}: not an Oxigraph store ({_first_line(e)})") from None
    except (OSError, RuntimeError, ValueError) as e:  # pyoxigraph: corruption, unsupported version...
        raise StoreError(f"{p}: not an Oxigraph store, or one of an incompatible version: {_first_line(e)}") from None


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(e).__name__


class RemoteStore(Store):
    """A SPARQL 1.1 Protocol endpoint reached over HTTP (POST, form-encoded)."""

    def __init__(self, endpoint: str, *, timeout: float = 30.0) -> None:
        if not endpoint.startswith(("http://", "https://")):
            raise StoreError(f"STORE_URL must be an http(s) URL, got {endpoint!r}")
        self.endpoint = endpoint
        self.timeout = timeout

    def _post(self, sparql: str, accept: str, default_graphs=None, named_graphs=None) -> bytes:  # type: ignore[no-untyped-def]
        from urllib.parse import urlencode

        params: list[tuple[str, str]] = [("query", sparql)]
        params += [("default-graph-uri", g) for g in default_graphs or ()]
        params += [("named-graph-uri", g) for g in named_graphs or ()]
        req = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.endpoint,
            data=urlencode(params).encode(),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - configured endpoint
                return cast(bytes, resp.read())
        except urllib.error.HTTPError as e:
            raise StoreError(f"remote store answered {e.code}: {e.read()[:500].decode('utf-8', 'replace')}") from None
        except (urllib.error.URLError, OSError) as e:
            raise StoreError(f"remote store unreachable: {e}") from None

    def query(self, sparql, *, default_graphs=None, named_graphs=None):  # type: ignore[no-untyped-def]
        # Ask for both kinds at once; the answer's type tells which we got.
        accept = "application/sparql-results+json, application/n-triples;q=0.9"
        body = self._post(sparql, accept, default_graphs, named_graphs)
        head = body.lstrip()[:1]
        if head == b"{":
            return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        triples = [q.triple for q in ox.parse(body, ox.RdfFormat.N_TRIPLES)]
        return _TripleList(triples)  # type: ignore[return-value]

    def quads(self, subject=None, predicate=None, obj=None, graph=None):  # type: ignore[no-untyped-def]
        def term(t: Any, var: str) -> str:
            return f"?{var}" if t is None else str(t)

        s, p, o = term(subject, "s"), term(predicate, "p"), term(obj, "o")
        g = term(graph, "g")
        rows = self.select(f"SELECT * WHERE {{ GRAPH {g} {{ {s} {p} {o} }} }}")
        for r in rows:
            yield ox.Quad(
                subject or r["s"], predicate or r["p"], obj or r["o"], graph or r["g"]
            )


class _TripleList(list):  # type: ignore[type-arg]
    """Stands in for ox.QueryTriples on a remote CONSTRUCT answer."""


def open_store(settings: dict[str, Any], store_dir: Path | None) -> Store:
    """The store the settings ask for."""
    if settings.get("STORE_URL"):
        return RemoteStore(settings["STORE_URL"], timeout=float(settings["QUERY_TIMEOUT"]))
    return EmbeddedStore(store_dir)
