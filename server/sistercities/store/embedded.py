"""The embedded backend: the pyoxigraph store of a build, opened read-only (many
gunicorn workers can open the same store), or an in-memory store for tests and
for the build itself.

Its default graph is the one the build writes (:mod:`sistercities.defaultgraph`:
the union of the named graphs, each triple once); a store without one answers with
the union.  Never imports Flask.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from sistercities import defaultgraph
from sistercities.store.base import Store, StoreError, iri_ok

_iri_ok = iri_ok  # the old private name


def _dataset_kw(store: ox.Store, default_graphs: Any, named_graphs: Any, union: bool | None = None) -> dict[str, Any]:
    if not default_graphs and not named_graphs:
        if union is None:
            return defaultgraph.dataset_kw(store)
        return {"use_default_graph_as_union": True} if union else {}
    kw: dict[str, Any] = {"default_graph": [ox.NamedNode(g) for g in default_graphs or ()]}  # [] = empty
    if named_graphs:
        kw["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    return kw


class EmbeddedStore(Store):
    """A pyoxigraph store on disk, opened read-only (or an in-memory one for tests)."""

    def __init__(self, path: str | Path | None = None, *, store: ox.Store | None = None) -> None:
        self._union: bool | None = None  # known once for a read-only store (it cannot change)
        if store is not None:
            self.ox = store
            self._read_only = False
        else:
            if path is None or not Path(path).is_dir():
                raise StoreError(f"no built store at {path}: run `sistercities build` first")
            self.ox = ox.Store.read_only(str(path))
            self._read_only = True

    def reads_union(self) -> bool:
        """Whether queries naming no dataset read the union of the named graphs: a store the build
        wrote no default graph into (:mod:`sistercities.defaultgraph`).  Looked up once for a
        read-only store; every time for an in-memory one, which may still be filled."""
        if self._union is not None:
            return self._union
        union = not defaultgraph.is_filled(self.ox)
        if self._read_only:
            self._union = union
        return union

    def query(self, sparql, *, default_graphs=None, named_graphs=None):  # type: ignore[no-untyped-def]
        return self.ox.query(sparql, **_dataset_kw(self.ox, default_graphs, named_graphs, self.reads_union()))

    def quads(self, subject=None, predicate=None, obj=None, graph=None):  # type: ignore[no-untyped-def]
        for q in self.ox.quads_for_pattern(subject, predicate, obj, graph):
            if not isinstance(q.graph_name, ox.DefaultGraph):
                yield q

    def statements(self, subjects, predicates=None):  # type: ignore[no-untyped-def]
        # index lookups: Oxigraph's planner turns `?x ?p ?v` joined with a large VALUES
        # block into a scan of the whole store (seconds at 1M triples)
        wanted = set(predicates) if predicates is not None else None
        for s in subjects:
            if not iri_ok(s):
                continue
            for q in self.ox.quads_for_pattern(ox.NamedNode(s), None, None, None):
                if isinstance(q.graph_name, ox.DefaultGraph):
                    continue
                p = q.predicate.value
                if wanted is None or p in wanted:
                    yield s, p, q.object

    # -- writing (a store opened read-only raises StoreError) --

    def _write(self, fn: Any, *args: Any, **kw: Any) -> None:
        try:
            fn(*args, **kw)
        except OSError as e:  # read-only store, disk full
            raise StoreError(f"embedded store: cannot write: {_first_line(e)}") from None
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"embedded store: refused the data: {_first_line(e)}") from None

    def load_graph(self, graph: str | None, data: bytes | str, format: ox.RdfFormat) -> None:
        g = ox.NamedNode(graph) if graph is not None else ox.DefaultGraph()
        try:
            quads = [ox.Quad(q.subject, q.predicate, q.object, g) for q in ox.parse(data, format)]
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"embedded store: refused the data for {graph or 'the default graph'}: {_first_line(e)}") from None
        self._write(self.ox.remove_graph if graph is not None else self.ox.clear_graph, g)
        self._write(self.ox.extend, quads)

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs())

    def drop_graph(self, graph: str | None) -> None:
        if graph is None:
            self._write(self.ox.clear_graph, ox.DefaultGraph())
        elif self.ox.contains_named_graph(ox.NamedNode(graph)):
            self._write(self.ox.remove_graph, ox.NamedNode(graph))

    def statistics(self) -> dict[str, Any]:
        graphs = {g: sum(1 for _ in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(g)))
                  for g in self.graph_names()}
        default = sum(1 for _ in self.ox.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        return {"quads": sum(graphs.values()), "default": default, "graphs": graphs}


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
