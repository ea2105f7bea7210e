"""Publish a built release into a remote SPARQL 1.1 store, atomically for readers.

The protocol (``sistercities build --store-update URL --store-query URL [--store-gsp URL]``):

1. **Build locally** as always (validate, store, dumps, manifest): nothing goes to the
   remote store unless the build is complete and valid.  Then take the store's publish
   lock (:mod:`sistercities.publish.lock`): one publisher at a time.
2. **Clean up** what failed or interrupted publishes left behind: every release the pointer
   graph names as loaded (``<BASE>release/<v>> <BASE>ontology/stagedGraph <g>``, written
   *before* its graphs are loaded) but not as published (``dct:issued``) has its graphs
   dropped -- by name: listing a store's graphs is a scan of every quad on Virtuoso.
3. **Stage**: load each graph of the release under a release-specific name --
   ``<BASE>graph/<slug>`` → ``<BASE>release/<v>/graph/<slug>``, ``<BASE>ontology`` →
   ``<BASE>release/<v>/ontology`` (and shapes), and the de-duplicated default graph →
   ``<BASE>release/<v>/default`` -- in chunks (N-Triples bodies of at most
   ``chunk_bytes``), by Graph Store Protocol ``POST`` when a GSP endpoint is given, else
   by ``INSERT DATA``.  Blank nodes are loaded as Skolem IRIs
   (:func:`sistercities.store.remote.skolemise`, the labels of the build).  Readers see
   none of it (their dataset names only the served graphs, see below).
4. **Verify**: ``COUNT(*)`` of every staged graph must equal the local count.
5. **Switch**, in ONE SPARQL Update request: make each served graph (the canonical name,
   and ``<BASE>release/current/default`` for the union) equal to its staged copy by
   writing only the difference (``DELETE`` what went, ``INSERT`` what came, with
   ``FILTER NOT EXISTS``; a graph new to the store is copied), ``DROP`` the canonical
   graphs the new release no longer has, and replace the pointer graph ``<BASE>graph/release``::

       <BASE>release/current> <BASE>ontology/manifest "<manifest JSON>" ;
                              dct:hasVersion "<v>" .
       <BASE>release/<v>> dct:issued "<time>"^^xsd:dateTime .   # one per release kept

   The write set is as large as the change, not as the release: a ``COPY`` of every graph
   (``switch="copy"``) made the Oxigraph server grow to 6 GB for a 1M-triple release,
   the difference of a small change to 2.3 GB (its size after the load).  A store that runs
   one Update request as one transaction (the Oxigraph server: measured, a failing last
   operation rolls back the ones before it; Fuseki/TDB2) switches atomically: readers see
   the old release or the new one, never a mix.  Virtuoso does not (measured: a request
   answered 500 kept its first operations), so there the switch is atomic only if it
   succeeds, and readers may see it half-way for the seconds it runs.  After the switch the
   pointer and every served graph's count are checked; a mismatch is an error that says
   to publish again (which repairs it: the next switch writes the difference again).
   The first publish into a store (no pointer yet: no reader to protect) fills the served
   graphs one bounded request at a time and writes the pointer last.
6. **Retention**: staged releases beyond ``keep`` (newest first, the served one counted)
   are dropped after the switch (so a store holds the served copy + ``keep`` staged ones).

Readers (the remote backend) read the manifest without a dataset clause
(:func:`read_release`) and send every query with ``default-graph-uri =
manifest["store"]["default_graph"]`` and ``named-graph-uri`` = each of
``manifest["store"]["named_graphs"]`` (the canonical names), so the staged graphs, the
pointer graph and the served copy of the union are never seen as named graphs.

A failure before the switch (the store answering 500, a connection lost, the publisher
killed) leaves the pointer and the served graphs as they were; the staged graphs of the
failed version are dropped at once if the store still answers, else by the next publish
(step 2).  Never imports Flask or click.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from sistercities.publish.gsp import GraphStore
from sistercities.publish.lock import LockHeld, PublishLock
from sistercities.publish.names import Names, read_release
from sistercities.publish.update import UpdateClient, literal, ntriples_line
from sistercities.release import Release
from sistercities.store.base import StoreError
from sistercities.store.embedded import EmbeddedStore
from sistercities.store.manifest import served_history
from sistercities.store.remote import RemoteStore, skolemise

Log = Callable[[str], None]
DCT = "http://purl.org/dc/terms/"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
CHUNK_BYTES = 4 << 20


class PublishError(RuntimeError):
    """The release could not be published; the store serves what it served before."""


def _nolog(_: str) -> None:
    pass


@dataclass
class Result:
    version: str
    published: bool  # False: the store already served this version
    counts: dict[str | None, int]  # triples loaded, by graph (None = the default graph)
    seconds: float
    dropped: list[str]


class Publisher:
    """Publishes releases into one remote store (query + update [+ GSP] endpoints)."""

    def __init__(self, http: RemoteStore, *, update_url: str, gsp_url: str = "", chunk_bytes: int = CHUNK_BYTES,
                 switch: str = "diff", log: Log = _nolog) -> None:
        if switch not in ("diff", "copy"):
            raise ValueError(f"switch must be 'diff' or 'copy', got {switch!r}")
        self.switch = switch
        self.http = http
        self.update = UpdateClient(http, update_url)
        self.gsp = GraphStore(http, gsp_url) if gsp_url else None
        self.chunk_bytes = chunk_bytes
        self.log = log
        self._lock: PublishLock | None = None

    # -- reading the store (never through a reader's dataset: the staged graphs must be seen) --

    def select(self, sparql: str) -> list[dict[str, Any]]:
        """Rows of pyoxigraph terms for ``sparql``, asked of the query endpoint with no dataset clause."""
        resp = self.http.request("POST", self.http.endpoint, data={"query": sparql},
                                 headers={"Accept": "application/sparql-results+json"})
        try:
            res = ox.parse_query_results(resp.content, ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"the store sent an answer that is not SPARQL JSON results: {e}") from None
        assert isinstance(res, ox.QuerySolutions)
        names = [v.value for v in res.variables]
        return [{n: sol[n] for n in names if sol[n] is not None} for sol in res]

    def _count(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"].value) if rows else 0

    def _registry(self, names: Names) -> dict[str, list[str]]:
        """The staged graphs of every release loaded into the store, by version: each publish
        names them in the pointer graph (``<BASE>release/<v>> <BASE>ontology/stagedGraph <g>``)
        *before* loading them, so clean-up never has to list the store's graphs (a scan of
        every quad on Virtuoso, past its query time limit at 1M triples)."""
        rows = self.select(f"SELECT ?r ?g WHERE {{ GRAPH <{names.pointer}> {{ ?r <{names.staged_p}> ?g }} }}")
        out: dict[str, list[str]] = {}
        for r in rows:
            out.setdefault(r["r"].value.rsplit("/", 1)[-1], []).append(r["g"].value)
        return out

    def _kept(self, names: Names) -> list[tuple[str, str]]:
        """``(issued, version)`` of the releases kept in the store, newest first."""
        rows = self.select(f"SELECT ?r ?t WHERE {{ GRAPH <{names.pointer}> {{ ?r <{DCT}issued> ?t }} }}")
        out = [(r["t"].value, r["r"].value.rsplit("/", 1)[-1]) for r in rows]
        return sorted(out, reverse=True)

    # -- writing --

    def _send(self, graph: str, body: bytes) -> None:
        if self._lock is not None:
            self._lock.renew()
        if self.gsp is not None:
            self.gsp.post(graph, body)
        else:
            self.update.insert_data(graph, body)

    def _load(self, graph: str, quads: Iterable[ox.Quad], base: str) -> int:
        """Load ``quads`` (their triples) into ``graph`` in chunks; the number sent."""
        n, size = 0, 0
        buf: list[bytes] = []
        triples = skolemise(iter(quads), base)
        try:
            for q in triples:
                line = ntriples_line(q.triple).encode("utf-8")
                if buf and size + len(line) > self.chunk_bytes:
                    self._send(graph, b"".join(buf))
                    buf, size = [], 0
                buf.append(line)
                size += len(line)
                n += 1
            if buf:
                self._send(graph, b"".join(buf))
        finally:
            # a pyoxigraph iterator must be dropped in the thread that made it, not with a
            # traceback that a later garbage collection frees on another thread
            del triples, quads
        return n

    def clean(self, names: Names, keep_versions: Iterable[str]) -> list[str]:
        """Drop the staged graphs of every release not in ``keep_versions`` (and what the pointer
        graph says of it); the graphs dropped."""
        keep = set(keep_versions)
        doomed = {v: gs for v, gs in self._registry(names).items() if v not in keep}
        if not doomed:
            return []
        graphs = sorted(g for gs in doomed.values() for g in gs)
        ops = [f"DROP SILENT GRAPH <{g}>" for g in graphs]
        ops += [f"DELETE WHERE {{ GRAPH <{names.pointer}> {{ <{names.release(v)}> ?p ?o }} }}" for v in sorted(doomed)]
        self.update.run(" ;\n".join(ops))
        return graphs

    def _register(self, names: Names, version: str, graphs: list[str | None]) -> None:
        objs = ", ".join(f"<{names.staged(version, g)}>" for g in graphs)
        self.update.run(f"INSERT DATA {{ GRAPH <{names.pointer}> {{ <{names.release(version)}> <{names.staged_p}> {objs} }} }}")

    def publish(self, release: Release, *, keep: int = 3, break_lock: bool = False) -> Result:
        """Publish ``release`` (a local build) holding the store's publish lock
        (:mod:`sistercities.publish.lock`); see the module docstring."""
        t0 = time.perf_counter()
        names = Names(str(release.manifest["base_iri"]))
        lock = PublishLock(self.select, self.update.run, names)
        try:
            lock.acquire(break_lock=break_lock)
        except LockHeld as e:
            raise PublishError(f"{e}; nothing was published") from None
        self._lock = lock
        try:
            return self._publish(release, names, keep, t0)
        finally:
            self._lock = None
            try:
                lock.release()
            except StoreError as e:  # the next publish sees the ticket as abandoned after LOCK_TTL
                self.log(f"could not remove the publish lock from the store: {e}; run again with --store-break-lock")

    def _publish(self, release: Release, names: Names, keep: int, t0: float) -> Result:
        manifest = release.manifest
        base, version = str(manifest["base_iri"]), release.version
        served = read_release(self.select, base)
        served_version = str(served["version"]) if served else None
        if served_version == version:
            if self._served_whole(names, manifest):
                self.log(f"up to date in the store: {version}")
                return Result(version, False, {}, time.perf_counter() - t0, [])
            self.log(f"the store names {version} but its graphs differ from the build: publishing it again")
        kept = [v for _, v in self._kept(names)]
        orphans = self.clean(names, kept)
        if orphans:
            self.log(f"dropped {len(orphans)} graphs left by failed publishes")
        try:
            self._register(names, version, self._local_graphs(release))
            counts = self._stage(release, names)
            self._verify(counts, lambda g: names.staged(version, g))
        except BaseException as e:
            self._forget(names, version)
            if isinstance(e, StoreError):
                raise PublishError(f"publish of {version} failed, the store still serves "
                                   f"{served_version or 'nothing'}: {e}") from None
            raise
        graphs = sorted(g for g in counts if g is not None)
        stored = self._stored_manifest(manifest, names, graphs, served)
        old = list((served or {}).get("store", {}).get("named_graphs", []))
        try:
            if served is None:
                self._first_switch(release, names, graphs, stored)
            else:
                t = time.perf_counter()
                self.update.run(self._switch(names, version, graphs, old, stored))
                self.log(f"  switched in {time.perf_counter() - t:.1f} s")
        except StoreError as e:
            now = self._served_version(base)
            if now == version:
                self.log(f"the switch answered an error but the store serves {version}: {e}")
            else:
                self._forget(names, version)
                raise PublishError(f"switch to {version} failed, the store still serves {now or 'nothing'}: {e}") from None
        try:
            self._check_served(names, version, counts)
        except StoreError as e:
            raise PublishError(f"the switch to {version} did not take whole (a store that does not run one Update "
                               f"request as one transaction?): {e}; publish again to repair") from None
        self.log(f"the store now serves {version}")
        try:
            dropped = self._retain(names, keep)
        except StoreError as e:  # served already: the next publish drops them
            self.log(f"the store serves {version}, but dropping old releases failed (the next publish retries): {e}")
            dropped = []
        return Result(version, True, counts, time.perf_counter() - t0, dropped)

    def _served_version(self, base: str) -> str | None:
        try:
            m = read_release(self.select, base)
        except StoreError:
            return None
        return str(m["version"]) if m else None

    def _forget(self, names: Names, version: str) -> None:
        """Drop the staged graphs of ``version`` if the store still answers (else the next publish does)."""
        with contextlib.suppress(StoreError):
            self.clean(names, [v for v in self._registry(names) if v != version])

    @staticmethod
    def _local_graphs(release: Release, local: EmbeddedStore | None = None) -> list[str | None]:
        """The release's named graphs, sorted, then ``None`` (its default graph)."""
        store = local or EmbeddedStore(release.store_dir)
        try:
            return [*sorted(g.value for g in store.ox.named_graphs() if isinstance(g, ox.NamedNode)), None]
        finally:
            if local is None:
                store.close()

    def _stage(self, release: Release, names: Names, *, only: Iterable[str | None] | None = None,
               target: Callable[[str | None], str] | None = None) -> dict[str | None, int]:
        """Load the release's graphs (``None`` = the default graph) under ``target(graph)``
        (default: the staged names); the number of triples of each, by graph."""
        base, version = str(release.manifest["base_iri"]), release.version
        where = target or (lambda g: names.staged(version, g))
        local = EmbeddedStore(release.store_dir)
        counts: dict[str | None, int] = {}
        try:
            for g in self._local_graphs(release, local) if only is None else list(only):
                name = where(g)
                self.update.drop([name])  # a previous attempt of the same version
                t = time.perf_counter()
                quads = local.ox.quads_for_pattern(None, None, None, ox.DefaultGraph() if g is None else ox.NamedNode(g))
                try:
                    counts[g] = self._load(name, quads, base)
                finally:  # (see _load)
                    del quads
                self.log(f"  loaded <{name}>: {counts[g]:,} triples in {time.perf_counter() - t:.1f} s")
        finally:
            local.close()
            del local
        return counts

    def _verify(self, counts: dict[str | None, int], where: Callable[[str | None], str]) -> None:
        for graph, n in counts.items():
            got = self._count(where(graph))
            if got != n:
                raise StoreError(f"<{where(graph)}> holds {got:,} triples after loading, not {n:,}")

    def _first_switch(self, release: Release, names: Names, graphs: list[str], stored: dict[str, Any]) -> None:
        """Nothing is served yet: no reader to protect until the pointer exists, so the served
        graphs are filled one request at a time (bounded transactions), the pointer last."""
        version = release.version
        for g in graphs:
            self.update.run(f"COPY <{names.staged(version, g)}> TO <{g}>")
        counts = self._stage(release, names, only=[None], target=lambda _: names.served_default)
        self._verify(counts, lambda _: names.served_default)
        self.update.run(self._pointer_op(names, version, stored))

    def _stored_manifest(self, manifest: dict[str, Any], names: Names, graphs: list[str],
                         served: dict[str, Any] | None = None) -> dict[str, Any]:
        """The manifest readers get from the pointer: the build's, with where the graphs are
        and ``history``, every release the store served before (read by
        :func:`sistercities.catalog.model.read_history`, so a web server without the build
        folder lists them in the catalogue and keeps the first release's ``dct:issued``)."""
        version = str(manifest["version"])
        return {**manifest, "history": served_history(served, version), "store": {
            "pointer": names.pointer,
            "default_graph": names.served_default,
            "named_graphs": graphs,
            "staged": {**{g: names.staged(version, g) for g in graphs}, "default": names.staged(version, None)},
            "published": _now(),
        }}

    def _switch(self, names: Names, version: str, graphs: list[str], old: list[str], stored: dict[str, Any]) -> str:
        """The one Update request that switches readers: each served graph made equal to its
        staged copy (``copy``: COPY; ``diff``: delete what went, insert what came -- a write
        set as small as the change, so the store's transaction stays small), the graphs the
        release no longer has dropped, the pointer replaced."""
        pairs = [(names.staged(version, g), g) for g in graphs] + [(names.staged(version, None), names.served_default)]
        ops: list[str] = []
        for src, dst in pairs:
            if self.switch == "copy" or (dst not in old and dst != names.served_default):
                ops.append(f"COPY <{src}> TO <{dst}>")
                continue
            ops.append(f"DELETE {{ GRAPH <{dst}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{dst}> {{ ?s ?p ?o }} "
                       f"FILTER NOT EXISTS {{ GRAPH <{src}> {{ ?s ?p ?o }} }} }}")
            ops.append(f"INSERT {{ GRAPH <{dst}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{src}> {{ ?s ?p ?o }} "
                       f"FILTER NOT EXISTS {{ GRAPH <{dst}> {{ ?s ?p ?o }} }} }}")
        ops += [f"DROP SILENT GRAPH <{g}>" for g in old if g not in graphs]
        ops.append(self._pointer_op(names, version, stored))
        return " ;\n".join(ops)

    def _pointer_op(self, names: Names, version: str, stored: dict[str, Any]) -> str:
        """Replace the pointer: ``DELETE WHERE`` + ``INSERT DATA`` (Virtuoso inserts nothing for a
        ``DELETE/INSERT … WHERE { OPTIONAL … }`` whose graph is empty, so not that form)."""
        text = literal(json.dumps(stored, ensure_ascii=False, sort_keys=True))
        return (
            f"DELETE WHERE {{ GRAPH <{names.pointer}> {{ <{names.current}> ?p ?o }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{names.pointer}> {{ <{names.current}> <{names.manifest_p}> {text} ; "
            f"<{DCT}hasVersion> {literal(version)} . "
            f"<{names.release(version)}> <{DCT}issued> \"{stored['store']['published']}\"^^<{XSD_DATETIME}> }} }}")

    def _served_whole(self, names: Names, manifest: dict[str, Any]) -> bool:
        """Do the served graphs hold as many triples as the manifest says (a switch that did not
        take whole, on a store without transactions, is repaired by publishing again)?"""
        want: dict[str, int] = {str(g["iri"]): int(g["triples"]) for g in manifest.get("graphs", [])}
        want[names.served_default] = int(manifest.get("stats", {}).get("triples", -1))
        return all(self._count(g) == n for g, n in want.items())

    def _check_served(self, names: Names, version: str, counts: dict[str | None, int]) -> None:
        """After the switch: the pointer names ``version`` and every served graph holds what was loaded."""
        now = self._served_version(names.base)
        if now != version:
            raise StoreError(f"after the switch the pointer names {now or 'nothing'}, not {version}")
        self._verify(counts, lambda g: names.served_default if g is None else g)

    def _retain(self, names: Names, keep: int) -> list[str]:
        kept = self._kept(names)
        gone = [v for _, v in kept[max(keep, 1):]]
        if not gone:
            return []
        self.clean(names, [v for _, v in kept[:max(keep, 1)]])
        self.log(f"dropped old releases from the store: {', '.join(gone)}")
        return gone


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
