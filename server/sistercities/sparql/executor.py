"""Run a query with a real timeout and a result-size limit.

Against the embedded store a query is evaluated and serialised by pyoxigraph
(in Rust) on a thread of this web worker; the request thread waits for it
until ``QUERY_TIMEOUT``.  pyoxigraph releases the GIL while it works, so the
waiting thread (and, in gthread workers, the other requests) keep running.
A query cannot be interrupted, so on timeout the caller answers 503 and the
worker retires (:mod:`sistercities.lifecycle`): its exit stops the work and
gunicorn replaces it.  For a remote store the query is forwarded with the
same deadline.  A job that names no dataset reads the store's default graph
(the build writes the union of the named graphs there, each triple once:
:mod:`sistercities.defaultgraph`).  Relative IRIs resolve against ``Job.base_iri`` (see
:mod:`sistercities.sparql.baseiri`).  Never imports Flask.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, cast

import pyoxigraph as ox

from sistercities import lifecycle
from sistercities.sparql import baseiri, orderkey

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """``kind`` is ok, query_error, too_large, forbidden, timeout, memory, unavailable or failed."""

    kind: str
    body: bytes = b""
    message: str = ""
    #: what the answer cost to compute, in seconds: on the embedded store the query thread's CPU
    #: time (evaluation and serialisation; the same under load as alone, where the wall time of a
    #: 19 ms query is ten times that at c=16 on two cores), for a remote store the wall time
    cost_s: float = 0.0


@dataclass(frozen=True)
class Job:
    query: str
    mime: str
    max_bytes: int
    union: bool = False  # Oxigraph's union of all graphs (a multiset): only for a store whose default graph is empty
    default_graphs: tuple[str, ...] | None = None  # None: not given; () : empty default graph
    named_graphs: tuple[str, ...] | None = None
    base_iri: str | None = None  # what relative IRIs resolve against when the query has no BASE (baseiri.py)
    #: the predicates whose objects ORDER BY ranks (Release.ranked_predicates); None = unknown: all
    ranked_predicates: frozenset[str] | None = None


class _Limited(io.RawIOBase):
    """A write target that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.buf = bytearray()
        self.limit = limit

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        if len(self.buf) + len(b) > self.limit:
            raise OverflowError(f"result larger than {self.limit} bytes")
        self.buf += b
        return len(b)


def _dataset(job: Job) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if job.union:
        kw["use_default_graph_as_union"] = True
    if job.default_graphs is not None:
        kw["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]  # [] is an empty default graph
    if job.named_graphs is not None:
        kw["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    return kw


def evaluate(store: ox.Store, job: Job) -> Outcome:
    """Evaluate and serialise ``job`` on ``store`` in this thread (no timeout)."""
    out = _Limited(job.max_bytes)
    cpu = time.thread_time()
    try:
        try:  # ORDER BY keyed by kind first: pyoxigraph 0.5.13 aborts on some mixed sorts (orderkey.py)
            res = store.query(orderkey.rewrite(job.query, job.ranked_predicates, job.base_iri or ""),
                              base_iri=job.base_iri, **_dataset(job))
        except SyntaxError:  # the rewrite must never cost a query: the original's own error, or its result
            res = store.query(job.query, base_iri=job.base_iri, **_dataset(job))
        if isinstance(res, ox.QueryTriples):
            res.serialize(cast(IO[bytes], out), format=ox.RdfFormat.from_media_type(job.mime))
        else:
            fmt = ox.QueryResultsFormat.from_media_type(job.mime)
            if fmt is None:
                kind = "SELECT" if isinstance(res, ox.QuerySolutions) else "ASK"
                return Outcome("query_error", message=f"a {kind} result cannot be written as {job.mime}")
            res.serialize(cast(IO[bytes], out), format=fmt)
    except SyntaxError as e:
        return Outcome("query_error", message=str(e))
    except OverflowError:
        return Outcome("too_large", message=f"The result is larger than {job.max_bytes} bytes "
                                            "(MAX_RESULT_BYTES) and was not sent. Add LIMIT/OFFSET, "
                                            "select fewer variables, or download the data dumps.")
    except Exception as e:  # reported to the caller, which logs it
        return Outcome("failed", message=f"{type(e).__name__}: {e}")
    return Outcome("ok", bytes(out.buf), cost_s=time.thread_time() - cpu)


class _Call:
    def __init__(self, fn: Callable[[], Outcome]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: Outcome | None = None


class QueryThreads:
    """Daemon threads of this process that run queries, one per query in flight.

    Daemon, so a runaway never delays the exit of a retiring worker; reused, so
    a query does not pay for starting a thread.
    """

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._jobs: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, fn: Callable[[], Outcome]) -> _Call:
        """Start ``fn()`` on an idle thread (a new one if none is idle); wait on the returned call's ``done``."""
        c = _Call(fn)
        with self._lock:
            if self._idle == 0:
                threading.Thread(target=self._serve, name="sparql-query", daemon=True).start()
                self._idle += 1
            self._idle -= 1
        self._jobs.put(c)
        return c

    def _serve(self) -> None:
        while True:
            c = self._jobs.get()
            try:
                c.result = c.fn()
            except BaseException as e:  # a thread must not die with its job
                c.result = Outcome("failed", message=f"{type(e).__name__}: {e}")
            c.done.set()
            with self._lock:
                self._idle += 1


_threads: QueryThreads | None = None
_threads_lock = threading.Lock()


def _query_threads() -> QueryThreads:
    global _threads
    with _threads_lock:
        if _threads is None or _threads.pid != os.getpid():  # threads do not survive a fork
            _threads = QueryThreads()
        return _threads


#: How often a running query's memory is looked at (a fast query never is).
MEMORY_POLL_S = 0.05
#: After a query outgrew MAX_QUERY_MEMORY, its worker exits this soon, other requests or not:
#: the query keeps allocating until the process is gone.
MEMORY_EXIT_GRACE_S = 2.0


def run_local(store: ox.Store, job: Job, timeout: float, max_memory: int = 0) -> Outcome:
    """Run ``job`` on the embedded store. Past ``timeout`` seconds ("timeout"), or once this process has grown
    by more than ``max_memory`` bytes while it runs ("memory"; 0 = no limit), stop waiting and retire this worker."""
    call = _query_threads().submit(lambda: evaluate(store, job))
    deadline = time.monotonic() + timeout
    base: int | None = None  # memory when the query has run MEMORY_POLL_S: fast queries never read it
    while True:
        remaining = max(deadline - time.monotonic(), 0.0)
        if call.done.wait(min(MEMORY_POLL_S, remaining) if max_memory else remaining):
            assert call.result is not None
            return call.result
        if time.monotonic() >= deadline:
            lifecycle.retire(f"a SPARQL query ran past QUERY_TIMEOUT ({timeout:g} s): {job.query[:200]!r}")
            return Outcome("timeout", message=f"The query did not finish within {timeout:g} s and was stopped.")
        if not max_memory:
            continue
        used = lifecycle.anonymous_memory()
        if base is None:
            base = used
        elif used - base > max_memory:
            mib = max_memory >> 20
            lifecycle.retire(f"a SPARQL query grew the worker by more than MAX_QUERY_MEMORY ({mib} MiB): "
                             f"{job.query[:200]!r}", grace=MEMORY_EXIT_GRACE_S)
            return Outcome("memory", message=f"The query needed more than {mib} MiB of memory "
                                             "(MAX_QUERY_MEMORY) and was stopped.")


_LINE_COL = re.compile(r"error at (\d+):(\d+)")
_LINE = re.compile(r"(SPARQL compiler, line )(\d+)")  # Virtuoso's


def run_remote(store: Any, job: Job, timeout: float) -> Outcome:
    """Forward ``job`` to a remote store (a :class:`~sistercities.store.RemoteStore`, or the URL of
    a SPARQL endpoint), with the same deadline and size limit.  A store that is down, slow or
    overloaded is ``unavailable`` (503 + Retry-After), a query it refuses a ``query_error``."""
    from sistercities.store import RemoteStore, StoreError, StoreUnavailable
    from sistercities.store.virtuoso import ResultCapped, StoreTimeout

    if not isinstance(store, RemoteStore):
        store = RemoteStore(str(store), timeout=timeout, creds={})
    params, asked = remote_request(job)
    query = params[0][1]
    started = time.monotonic()
    stopped = Outcome("timeout", message=f"The query did not finish within {timeout:g} s and was stopped.")
    try:
        resp = store.request("POST", store.endpoint, data=params, headers={"Accept": asked}, stream=True)
        body = store.read_body(resp, started, limit=job.max_bytes)
    except OverflowError:
        return Outcome("too_large", message=f"The result is larger than {job.max_bytes} bytes "
                                            "(MAX_RESULT_BYTES) and was not sent.")
    except StoreTimeout:
        return stopped
    except ResultCapped as e:
        return Outcome("too_large", message=f"The result has more rows than the store sends ({e}).")
    except StoreUnavailable as e:
        if "did not answer within" in str(e):
            return stopped
        return Outcome("unavailable", message=f"The data store is unavailable: {e}.")
    except StoreError as e:  # 4xx: the store refused the query
        message = _local_syntax_error(query) if store.dialect.name != "standard" else ""
        message = message or str(e).split(": ", 1)[-1]
        if query != job.query:  # with_base added a line in front: count lines as the user wrote them
            message = _LINE_COL.sub(lambda m: f"error at {max(int(m.group(1)) - 1, 1)}:{m.group(2)}", message)
            message = _LINE.sub(lambda m: f"{m.group(1)}{max(int(m.group(2)) - 1, 1)}", message)
        return Outcome("query_error", message=message)
    done = _as_asked(store, body, asked, job)
    return dataclasses.replace(done, cost_s=time.monotonic() - started) if done.kind == "ok" else done


def remote_request(job: Job) -> tuple[list[tuple[str, str]], str]:
    """The form fields (``query`` first, then the dataset) and the Accept type that
    :func:`run_remote` POSTs to the store for ``job``, before the store's dialect
    (:meth:`~sistercities.store.dialect.Dialect.before`) has its say."""
    query = baseiri.with_base(job.query, job.base_iri) if job.base_iri else job.query
    params: list[tuple[str, str]] = [("query", query)]
    params += [("default-graph-uri", g) for g in job.default_graphs or ()]
    params += [("named-graph-uri", g) for g in job.named_graphs or ()]
    return params, _REMOTE_RESULTS if _is_results(job.mime) else _REMOTE_GRAPH


def _local_syntax_error(query: str) -> str:
    """Our own parser's message (with line and column) when ``query`` is not valid SPARQL, so
    a store whose messages lack a position (Virtuoso: "line 1", no column) says the same as
    the embedded store; '' when it parses (the store refused it for its own reason).
    pyoxigraph evaluates lazily, so an empty store only parses and plans the query."""
    try:
        ox.Store().query(query)
    except SyntaxError as e:
        return str(e)
    except Exception:  # anything else is not a syntax error: keep the store's message
        return ""
    return ""


# The store is asked for SPARQL JSON results or N-Triples, whatever the client wants: both are
# unambiguous to parse, and our own serialiser then writes the format asked for, so the answers
# are the same on every backend (and Skolem IRIs become blank nodes again, as from the embedded store).
_REMOTE_RESULTS = "application/sparql-results+json"
_REMOTE_GRAPH = "application/n-triples"


def _is_results(mime: str) -> bool:
    return ox.QueryResultsFormat.from_media_type(mime) is not None and ox.RdfFormat.from_media_type(mime) is None


def _as_asked(store: Any, body: bytes, asked: str, job: Job) -> Outcome:
    genid = store.genid.encode() if store.genid else b""
    if asked == job.mime and not (genid and genid in body):
        return Outcome("ok", body)
    out = _Limited(job.max_bytes)
    try:
        if asked == _REMOTE_RESULTS:
            if genid and genid in body:
                body = store.unskolem_json(body)
            res = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            fmt = ox.QueryResultsFormat.from_media_type(job.mime)
            assert fmt is not None
            res.serialize(cast(IO[bytes], out), format=fmt)
        else:
            triples = [store.unskolem_triple(q.triple) for q in ox.parse(body, ox.RdfFormat.N_TRIPLES)]
            fmt_rdf = ox.RdfFormat.from_media_type(job.mime)
            assert fmt_rdf is not None
            ox.serialize(triples, cast(IO[bytes], out), format=fmt_rdf)
    except OverflowError:
        return Outcome("too_large", message=f"The result is larger than {job.max_bytes} bytes "
                                            "(MAX_RESULT_BYTES) and was not sent.")
    except (SyntaxError, ValueError) as e:
        return Outcome("failed", message=f"the store sent an answer that is not {asked}: {e}")
    return Outcome("ok", bytes(out.buf))
