"""The store interface: what the web tier and the build need from a SPARQL store.

Two implementations: :class:`~sistercities.store.embedded.EmbeddedStore` (the
pyoxigraph store of a build, the default and the fastest path on one machine) and
:class:`~sistercities.store.remote.RemoteStore` (any SPARQL 1.1 server reached
over HTTP).  Both answer with pyoxigraph terms, so the code above does not care
where the data lives.

Reading: :meth:`Store.query` (and its helpers :meth:`~Store.select`,
:meth:`~Store.ask`, :meth:`~Store.construct`), :meth:`Store.quads` (by pattern,
named graphs only) and :meth:`Store.statements` (everything about some
subjects).  The default graph is the union of the named graphs, each triple
once, unless a caller passes ``default_graphs``; ``named_graphs`` alone means an
empty default graph (SPARQL 1.1 Query §13.2).

Writing (the build and the publisher, never the web tier):
:meth:`Store.load_graph` (replace one named graph), :meth:`Store.replace_dataset`
(every graph at once) and :meth:`Store.statistics` (counts, to verify a load).
How a release is switched atomically on a remote store is the publisher's
business (:mod:`sistercities.publish`); these are its building blocks.

Never imports Flask.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Any]
GraphData = tuple[bytes | str, ox.RdfFormat]
"""Serialised triples of one graph and their format (N-Triples, Turtle...)."""


class StoreError(RuntimeError):
    """The store could not answer (unreachable remote, broken build...)."""


class StoreUnavailable(StoreError):
    """The store is down, slow or overloaded: worth retrying later (the web tier answers 503
    with ``Retry-After``), unlike a query the store refused."""


def iri_ok(iri: str) -> bool:
    """Can ``iri`` be written as ``<iri>`` (and made a NamedNode)?"""
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return not any(c in iri for c in '<>"{}|^`\\ ')


class Store(abc.ABC):
    """What the web tier and the build need from a SPARQL store."""

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
        """The rows of a SELECT: ``{variable: term}``, unbound variables left out."""
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
        subs = [s for s in subjects if iri_ok(s)]
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

    def prefetch(self, nodes: Iterable[Any], depth: int = 1) -> None:  # noqa: B027 - optional hook
        """A hint: the statements of ``nodes`` (and, for ``depth`` > 1, of what they point at)
        are asked next.  A remote store fetches them in a few queries (store/lookups.py); an
        embedded one has nothing to gain."""

    @contextlib.contextmanager
    def consistent(self) -> Iterator[None]:
        """A block whose lookups should see one set of answers (a document being built): a
        remote store keeps what it fetched inside it from expiring (store/lookups.py)."""
        yield

    def pointing_at(self, predicate: ox.NamedNode, objects: Iterable[Any]) -> dict[Any, list[ox.Quad]]:
        """For each of ``objects``: the quads ``(?, predicate, object)`` (one batch on a remote store)."""
        return {o: list(self.quads(None, predicate, o)) for o in dict.fromkeys(objects)}

    @abc.abstractmethod
    def load_graph(self, graph: str | None, data: bytes | str, format: ox.RdfFormat) -> None:
        """Replace the named graph ``graph`` (``None`` = the default graph) by the triples
        in ``data``.  Raises :class:`StoreError` if the store refused them."""

    def replace_dataset(self, graphs: Mapping[str | None, GraphData]) -> None:
        """Make the store hold exactly ``graphs`` (graph name, ``None`` = default graph →
        data): every other graph is dropped.  Not atomic for readers here (graph by
        graph); a backend that can do better overrides it, and the publisher makes a
        remote switch atomic with its own protocol (release graph names + a pointer)."""
        keep = {g for g in graphs if g is not None}
        for g, (data, fmt) in graphs.items():
            self.load_graph(g, data, fmt)
        for name in self.graph_names():
            if name not in keep:
                self.drop_graph(name)

    @abc.abstractmethod
    def graph_names(self) -> list[str]:
        """The names of the named graphs in the store."""

    @abc.abstractmethod
    def drop_graph(self, graph: str | None) -> None:
        """Remove a named graph (``None`` = empty the default graph); no error if absent."""

    def statistics(self) -> dict[str, Any]:
        """``{"quads": statements in named graphs, "default": triples in the default graph,
        "graphs": {name: triples}}`` — what a publisher checks after a load."""
        graphs: dict[str, int] = {}
        for r in self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
            graphs[r["g"].value] = int(r["n"].value)
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return {"quads": sum(graphs.values()), "default": int(rows[0]["n"].value) if rows else 0,
                "graphs": dict(sorted(graphs.items()))}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the store."""
