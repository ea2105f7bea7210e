"""Batched lookups for a remote store: the statements of many subjects, and the subjects
pointing at many objects, in one query per :data:`CHUNK`, kept for one thread a moment.

A resource document asks the store small questions: a subject's label, then its title, its
type; the evidence about each of its statements; the type of each incoming link.  Over HTTP
each question is a round trip, so a hub city at 1M triples was ~1,700 queries.  Two ways
this module turns them into a few:

* :meth:`Lookups.subject` answers ``(s, ?, ?)`` from one query for all of ``s``'s
  statements, cached per thread for :data:`SUBJECT_CACHE_S`; on a miss it also fetches the
  statements of the objects found (what a document asks next: labels, blank nodes).
* :meth:`Lookups.prefetch` and :meth:`Lookups.pointing_at` are the batch forms the document
  builder calls when it knows what it will ask next (every evidence node, a page of incoming
  links): level by level, one query per :data:`CHUNK` subjects.
* :meth:`Lookups.pinned` (``Store.consistent()``, around one document): nothing fetched inside
  expires before the block ends, so a slow store's batches are not fetched again one by one
  (on Virtuoso a hub's document went from 256 requests to 63).

Queries are a UNION of one branch per term (``{ GRAPH ?g { <s> ?p ?o } BIND(i AS ?i) }``):
Oxigraph plans the equivalent ``VALUES ?s {...}`` join as a scan of the whole store, a
branch with a constant as an index lookup.  Nothing is kept longer than SUBJECT_CACHE_S,
so a new release is seen within that.  Never imports Flask.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import pyoxigraph as ox

from sistercities.store.base import Row, iri_ok

SUBJECT_CACHE_S = 2.0  # how long one thread reuses the statements of a subject
SUBJECT_CACHE_MAX = 4096
# terms in one query: Virtuoso compiles a UNION of 200 branches for ~1 s (the hub city's document
# of the 50k bench: 3.3 s at 200, 2.2 s at 100, 2.05 s at 50); the Oxigraph server does not care
# (0.57 s at 200 or 50)
CHUNK = 50
AUTO_MAX = 200  # a lookup's neighbours fetched on a miss: more (a hub's links) are not worth it
PREFETCH_LIMIT = 20_000  # subjects one prefetch() call fetches at most (a runaway hint stops there)

Node = ox.NamedNode | ox.BlankNode


class Lookups:
    """The per-thread subject cache and the batched queries of one remote store."""

    def __init__(self, select: Callable[[str], list[Row]], term: Callable[[Any], str], *, blank_ok: bool) -> None:
        self._select = select
        self._term = term  # a term as SPARQL (blank nodes as their Skolem IRI)
        self._blank_ok = blank_ok  # can blank nodes be looked up (BASE_IRI known)?
        self._local = threading.local()

    # -- the cache --

    def _cache(self) -> OrderedDict[Any, tuple[float, list[ox.Quad]]]:
        cache: OrderedDict[Any, tuple[float, list[ox.Quad]]] | None = getattr(self._local, "subjects", None)
        if cache is None:
            cache = self._local.subjects = OrderedDict()
        return cache

    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """Within: nothing fetched since the block began (or SUBJECT_CACHE_S before) expires, so
        one document is built from one set of answers, however long its batches take."""
        outer = getattr(self._local, "pinned_at", None)
        if outer is None:
            self._local.pinned_at = time.monotonic()
        try:
            yield
        finally:
            if outer is None:
                self._local.pinned_at = None

    def _hit(self, subject: Any) -> list[ox.Quad] | None:
        cache = self._cache()
        hit = cache.get(subject)
        since = getattr(self._local, "pinned_at", None) or time.monotonic()
        if hit is None or since - hit[0] >= SUBJECT_CACHE_S:
            return None
        cache.move_to_end(subject)
        return hit[1]

    def _remember(self, subject: Any, found: list[ox.Quad]) -> None:
        cache = self._cache()
        cache[subject] = (time.monotonic(), found)
        cache.move_to_end(subject)
        while len(cache) > SUBJECT_CACHE_MAX:
            cache.popitem(last=False)

    def _askable(self, n: Any) -> bool:
        if isinstance(n, ox.BlankNode):
            return self._blank_ok
        return isinstance(n, ox.NamedNode) and iri_ok(n.value)

    # -- lookups --

    def subject(self, subject: Node) -> list[ox.Quad]:
        """Every quad with ``subject`` (named graphs)."""
        found = self._hit(subject)
        if found is not None:
            return found
        found = self._fetch([subject])[0]
        self._remember(subject, found)
        self._fetch_near(q.object for q in found)  # what a document asks next: labels, blank nodes
        return found

    def after_pattern(self, found: list[ox.Quad]) -> None:
        """After a lookup by object or predicate (incoming links, evidence): the statements of
        the subjects found, which are described next, unless there are many."""
        self._fetch_near(q.subject for q in found)

    def _fetch_near(self, nodes: Iterable[Any]) -> None:
        near = self._missing(nodes)
        if len(near) <= AUTO_MAX:
            self._fetch_into_cache(near)

    def prefetch(self, nodes: Iterable[Any], depth: int = 1) -> None:
        """Fetch the statements of ``nodes`` (and, for ``depth`` > 1, of the nodes their
        statements point at, level by level) into this thread's cache."""
        level = self._missing(nodes)[:PREFETCH_LIMIT]
        for _ in range(max(0, depth)):
            if not level:
                return
            self._fetch_into_cache(level)
            level = self._missing(q.object for n in level for q in (self._hit(n) or ()))[:PREFETCH_LIMIT]

    def pointing_at(self, predicate: ox.NamedNode, objects: Sequence[Node]) -> dict[Node, list[ox.Quad]]:
        """For each of ``objects``: the quads ``(?, predicate, object)``."""
        out: dict[Node, list[ox.Quad]] = {o: [] for o in objects}
        todo = [o for o in out if self._askable(o)]
        p = str(predicate)
        for start in range(0, len(todo), CHUNK):
            chunk = todo[start:start + CHUNK]
            branches = " UNION ".join(f"{{ GRAPH ?g {{ ?s {p} {self._term(o)} }} BIND({i} AS ?i) }}"
                                      for i, o in enumerate(chunk))
            for r in self._select(f"SELECT ?i ?s ?g WHERE {{ {branches} }}"):
                o = chunk[int(r["i"].value)]
                out[o].append(ox.Quad(r["s"], predicate, o, r["g"]))
        return out

    # -- queries --

    def _missing(self, nodes: Iterable[Any]) -> list[Node]:
        return [n for n in dict.fromkeys(nodes) if self._askable(n) and self._hit(n) is None]

    def _fetch_into_cache(self, nodes: Sequence[Node]) -> None:
        for n, found in zip(nodes, self._fetch(nodes), strict=True):
            self._remember(n, found)

    def _fetch(self, nodes: Sequence[Node]) -> list[list[ox.Quad]]:
        """The quads of each of ``nodes`` (askable), one query per CHUNK."""
        out: list[list[ox.Quad]] = []
        for start in range(0, len(nodes), CHUNK):
            chunk = nodes[start:start + CHUNK]
            found: list[list[ox.Quad]] = [[] for _ in chunk]
            if len(chunk) == 1:
                for r in self._select(f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {self._term(chunk[0])} ?p ?o }} }}"):
                    found[0].append(ox.Quad(chunk[0], r["p"], r["o"], r["g"]))
            else:
                branches = " UNION ".join(f"{{ GRAPH ?g {{ {self._term(n)} ?p ?o }} BIND({i} AS ?i) }}"
                                          for i, n in enumerate(chunk))
                for r in self._select(f"SELECT ?i ?p ?o ?g WHERE {{ {branches} }}"):
                    i = int(r["i"].value)
                    found[i].append(ox.Quad(chunk[i], r["p"], r["o"], r["g"]))
            out.extend(found)
        return out
