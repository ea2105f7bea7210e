"""The remote backend: any SPARQL 1.1 server (the Oxigraph server, Virtuoso, Fuseki...)
reached over HTTP, speaking only standards.

Queries: SPARQL 1.1 Protocol, POST form-encoded (``query=``, ``default-graph-uri=``,
``named-graph-uri=``), answers parsed into pyoxigraph terms (SPARQL JSON results,
N-Triples for CONSTRUCT/DESCRIBE).  Loading (:meth:`RemoteStore.load_graph`): SPARQL 1.1
Graph Store Protocol (``PUT``/``DELETE`` on ``STORE_GSP_URL?graph=…``) when configured,
else SPARQL 1.1 Update (``STORE_UPDATE_URL``).

The served dataset: when the release manifest the publisher keeps in the store
(:mod:`sistercities.store.manifest`) names it (``"store": {"default_graph",
"named_graphs"}``), every query that brings no dataset of its own is sent with those
``default-graph-uri``/``named-graph-uri`` (:meth:`RemoteStore.served_dataset`, re-read
every DATASET_CHECK_S), so graphs of releases being loaded or kept, the pointer graph and
the store's own default graph are invisible to readers.

Connections: one :class:`~sistercities.store.http.Client` per thread (a gunicorn gthread
worker has several), so every request after the first reuses a kept-alive connection.
SPARQLWrapper 2.0 opens a new connection per query (``urllib.request.urlopen``); across a
network every new connection costs one more round trip (three with TLS) and leaves a
TIME_WAIT socket behind, so this path reuses them.  The client is the standard library's
``http.client`` with pooling and timeouts (:mod:`sistercities.store.http`): it took
0.27 ms where a ``requests.Session`` took 0.84 ms for the same query on loopback.
A store may close an idle kept-alive connection just as a query is sent on it: a query
(never an update) whose connection was closed or reset before any answer came is sent
once more on a new connection (:meth:`RemoteStore._send`); before, it was a 503.

Time limits: connect within ``min(5, QUERY_TIMEOUT)`` s; the whole answer must arrive
within ``QUERY_TIMEOUT`` (:meth:`RemoteStore.read_body` reads as bytes arrive, against
one deadline).  A store that is down, slow, or answering 5xx/408/429 raises
:class:`~sistercities.store.base.StoreUnavailable` (the web tier answers 503 +
``Retry-After``); one that refuses a query (other 4xx) raises
:class:`~sistercities.store.base.StoreError` (502).  Nothing but a subject's statements
(SUBJECT_CACHE_S, per thread) is kept between queries, so the server recovers by itself
when the store comes back.

Credentials: HTTP basic (``SISTERCITIES_STORE_USER``/``SISTERCITIES_STORE_PASSWORD``)
or bearer (``SISTERCITIES_STORE_TOKEN``), from the environment only
(:func:`credentials`).  They are never put in a message: every message names the
endpoint by :func:`safe_url` (no userinfo, no query string), ``repr`` too, and
``sistercities settings`` shows them as ``***`` (:func:`mask_url`).

Blank nodes: a remote store gives its blank nodes new labels in every answer and
has no standard way to name one in a query, so a blank-node subject could not be
looked up again.  The build has 402 of them, none in the data graphs: 398 in the shapes
graph (150 property shapes, the RDF lists of ``sh:or``/``sh:in``/``sh:languageIn``, SPARQL
validators and their parameters) and 4 in the ontology (an ``owl:unionOf`` list, an
``owl:equivalentClass`` expression), which the shape and ontology documents describe.  The
remote store therefore holds *Skolem IRIs* instead (RDF 1.1 Concepts §3.5): the
publisher loads ``_:label`` as ``<BASE_IRI.well-known/genid/label>`` (:func:`skolemise`),
and this backend turns them back into ``BlankNode("label")`` in every answer and into
the IRI in every pattern.  The labels are those of the embedded store (the dumps are
written from it), so above the interface both backends give the same terms, and
``/sparql`` answers are rewritten the same way (executor).  The only visible difference:
inside a user's query on a remote store they are IRIs (``isBlank()`` is false).
Never imports Flask.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

import pyoxigraph as ox

from sistercities.store.base import Store, StoreError, StoreUnavailable, iri_ok
from sistercities.store.credentials import CREDENTIAL_VARS, credentials, mask_url, safe_url
from sistercities.store.dialect import DIALECTS, Dialect
from sistercities.store.http import READ_ERRORS, BrokenAnswer, Client, ConnectTimeout, Dropped, HTTPFailure, ReadTimeout, Response
from sistercities.store.lookups import CHUNK, Lookups
from sistercities.store.skolem import GENID, skolem_prefix, skolemise

__all__ = ["CREDENTIAL_VARS", "DIALECTS", "GENID", "Dialect", "RemoteStore", "credentials", "mask_url",
           "safe_url", "skolem_prefix", "skolemise"]

CONNECT_TIMEOUT = 5.0
DATASET_CHECK_S = 5.0
QUERY_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


FORM = "application/x-www-form-urlencoded"


def _encode(name: str, value: str) -> bytes:
    return (urllib.parse.quote_plus(name) + "=" + urllib.parse.quote_plus(value)).encode("ascii")


_field = functools.lru_cache(maxsize=4096)(_encode)  # the dataset's fields: the same on every query


def form_body(fields: list[tuple[str, str]]) -> bytes:
    """``fields`` form-encoded as :func:`urllib.parse.urlencode` (and requests) would, but
    the dataset's fields (the same few dozen graph IRIs on every query) are encoded once
    per process: requests' encoder took 0.3 ms of a trivial query's 2 ms in our layer."""
    return b"&".join((_encode if k == "query" else _field)(str(k), str(v)) for k, v in fields)


class RemoteStore(Store):
    """A SPARQL 1.1 Protocol endpoint (and optionally its Update / Graph Store endpoints)."""

    def __init__(self, endpoint: str, *, timeout: float = 30.0, update_url: str = "", gsp_url: str = "",
                 base: str = "", creds: Mapping[str, str] | None = None, dialect: Dialect | None = None) -> None:
        for name, url in (("STORE_URL", endpoint), ("STORE_UPDATE_URL", update_url), ("STORE_GSP_URL", gsp_url)):
            if url and not url.startswith(("http://", "https://")):
                raise StoreError(f"{name} must be an http(s) URL, got {safe_url(url)!r}")
        self.endpoint = endpoint
        self.update_url = update_url
        self.gsp_url = gsp_url
        self.timeout = timeout
        self.genid = skolem_prefix(base) if base else ""
        creds = credentials() if creds is None else creds
        self._auth: Any = None
        self._headers: dict[str, str] = {}
        if creds.get("token"):
            self._headers["Authorization"] = "Bearer " + creds["token"]
        elif creds.get("user"):
            self._auth = (creds["user"], creds.get("password", ""))
        self._local = threading.local()
        self.dialect = dialect or Dialect()
        self.base = base
        self._ds_lock = threading.Lock()
        self._ds: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        self._ds_checked = -DATASET_CHECK_S
        self.lookups = Lookups(self.select, self._sparql_term, blank_ok=bool(self.genid))

    def __repr__(self) -> str:  # never the credentials
        return f"RemoteStore({safe_url(self.endpoint)!r})"

    # -- HTTP --

    def client(self) -> Client:
        """This thread's HTTP client (its kept-alive connection to the store)."""
        c: Client | None = getattr(self._local, "client", None)
        if c is None:
            c = Client(self._headers, self._auth)
            self._local.client = c
        return c

    def request(self, method: str, url: str, *, stream: bool = False, **kw: Any) -> Response:
        """One HTTP request to the store; :class:`StoreUnavailable` / :class:`StoreError`
        with a message naming the endpoint (never its credentials)."""
        where = safe_url(url)
        timeout = (min(CONNECT_TIMEOUT, self.timeout), self.timeout)
        kw = self.dialect.before(method, url, kw, timeout=self.timeout)
        data = kw.get("data")
        query = isinstance(data, list) and bool(data) and data[0][0] == "query"  # read-only: may be repeated
        if isinstance(data, list):  # form fields: encoded here, the dataset's once per process
            kw = {**kw, "data": form_body(data),
                  "headers": {**(kw.get("headers") or {}), "Content-Type": FORM}}
        try:
            resp = self._send(method, url, query, timeout=timeout, stream=stream, **kw)
        except ConnectTimeout:
            raise StoreUnavailable(f"remote store {where} unreachable: no connection within {timeout[0]:g} s") from None
        except ReadTimeout:
            raise StoreUnavailable(f"remote store {where} did not answer within {self.timeout:g} s") from None
        except BrokenAnswer as e:
            raise StoreUnavailable(f"remote store {where} failed: {e.reason}") from None
        except HTTPFailure as e:
            raise StoreUnavailable(f"remote store {where} unreachable: {e.reason}") from None
        try:  # first: a dialect may tell a refusal from an outage, or a partial answer from a full one
            self.dialect.after(resp)
        except StoreError:
            resp.close()
            raise
        if resp.status_code >= 500 or resp.status_code in (408, 429):
            text = _snippet(resp)
            resp.close()
            raise StoreUnavailable(f"remote store {where} answered {resp.status_code}: {text}")
        if resp.status_code >= 400:
            text = _snippet(resp)
            resp.close()
            raise StoreError(f"remote store {where} answered {resp.status_code}: {text}")
        return resp

    def _send(self, method: str, url: str, query: bool, **kw: Any) -> Response:
        """The request on this thread's client; a ``query`` (a form whose first field is
        ``query``: read-only, so safe to repeat) whose kept-alive connection the store closed or
        reset before answering is sent once more, on a new connection.  Updates and Graph Store
        requests are never repeated (the store may have applied them)."""
        try:
            return self.client().request(method, url, **kw)
        except Dropped:
            if not query:
                raise
        return self.client().request(method, url, **kw)

    def read_body(self, resp: Response, started: float, limit: int = 0) -> bytes:
        """The body of a streamed answer, read as it arrives by the same deadline as the whole
        request (a read timeout alone would let a store that trickles bytes hold a worker for
        ever); :class:`OverflowError` past ``limit`` bytes (0 = no limit)."""
        buf = bytearray()
        where = safe_url(self.endpoint)
        try:
            while True:
                chunk = resp.read1(1 << 16)
                if not chunk:
                    break
                buf += chunk
                if limit and len(buf) > limit:
                    raise OverflowError(f"answer larger than {limit} bytes")
                if time.monotonic() - started > self.timeout:
                    raise StoreUnavailable(f"remote store {where} did not answer within {self.timeout:g} s")
        except READ_ERRORS as e:
            if "timed out" in str(e).lower() or "timeout" in type(e).__name__.lower():
                raise StoreUnavailable(f"remote store {where} did not answer within {self.timeout:g} s") from None
            raise StoreUnavailable(f"remote store {where} broke off its answer ({type(e).__name__})") from None
        finally:
            resp.close()  # read to the end, the connection is kept for the next request; part-read, it is closed
        return self.dialect.body(bytes(buf), resp)

    # -- reading --

    def served_dataset(self) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """``(default graphs, named graphs)`` of the release being served, when the publisher's
        manifest names them (``"store": {"default_graph", "named_graphs"}``: the store also holds
        the staged graphs of other releases and the pointer graph, which readers must not see);
        None for a store loaded without them.  Read again every DATASET_CHECK_S."""
        if not self.base:
            return None
        with self._ds_lock:
            if time.monotonic() - self._ds_checked < DATASET_CHECK_S:
                return self._ds
        from sistercities.store.manifest import manifest_query, parse_manifest

        res = self._query_raw(manifest_query(self.base), None, None)
        rows = [{"m": sol["m"]} for sol in res] if isinstance(res, ox.QuerySolutions) else []
        manifest = parse_manifest(rows, self.base)
        ds = None
        spec = (manifest or {}).get("store")
        if isinstance(spec, dict) and spec.get("default_graph"):
            ds = ((str(spec["default_graph"]),), tuple(str(g) for g in spec.get("named_graphs") or ()))
        with self._ds_lock:
            self._ds, self._ds_checked = ds, time.monotonic()
        return ds

    def query(self, sparql, *, default_graphs=None, named_graphs=None):  # type: ignore[no-untyped-def]
        if default_graphs is None and named_graphs is None:
            ds = self.served_dataset()
            if ds is not None:
                default_graphs, named_graphs = ds
        return self._query_raw(sparql, default_graphs, named_graphs)

    def _query_raw(self, sparql: str, default_graphs: Any, named_graphs: Any) -> Any:
        params: list[tuple[str, str]] = [("query", sparql)]
        params += [("default-graph-uri", g) for g in default_graphs or ()]
        params += [("named-graph-uri", g) for g in named_graphs or ()]
        started = time.monotonic()
        resp = self.request("POST", self.endpoint, data=params, headers={"Accept": QUERY_ACCEPT}, stream=True)
        body = self.read_body(resp, started)
        kind = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            if kind.endswith("json") or body.lstrip()[:1] == b"{":
                if self.genid and self.genid.encode() in body:
                    body = self.unskolem_json(body)
                return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            fmt = ox.RdfFormat.TURTLE if "turtle" in kind else ox.RdfFormat.N_TRIPLES
            triples = [self.unskolem_triple(q.triple) for q in ox.parse(body, fmt)]
        except (SyntaxError, ValueError) as e:  # json.JSONDecodeError is a ValueError
            raise StoreError(f"remote store {safe_url(self.endpoint)} sent an answer that is not "
                             f"SPARQL results: {e}") from None
        return _TripleList(triples)  # type: ignore[return-value]

    def _unskolem(self, t: Any) -> Any:
        if self.genid and isinstance(t, ox.NamedNode) and t.value.startswith(self.genid):
            return ox.BlankNode(t.value[len(self.genid):])
        return t

    def unskolem_json(self, body: bytes) -> bytes:
        doc = json.loads(body)
        n = len(self.genid)
        for row in doc.get("results", {}).get("bindings", []):
            for v in row.values():
                if v.get("type") == "uri" and v.get("value", "").startswith(self.genid):
                    v["type"], v["value"] = "bnode", v["value"][n:]
        return json.dumps(doc).encode()

    def unskolem_triple(self, t: ox.Triple) -> ox.Triple:
        return ox.Triple(self._unskolem(t.subject), t.predicate, self._unskolem(t.object))

    def _sparql_term(self, t: Any) -> str:
        if isinstance(t, ox.BlankNode):
            if not self.genid:
                raise StoreError("a blank node cannot be looked up in a remote store without BASE_IRI")
            return f"<{self.genid}{t.value}>"
        return str(t)

    def quads(self, subject=None, predicate=None, obj=None, graph=None):  # type: ignore[no-untyped-def]
        if subject is not None and obj is None and graph is None:
            # a document asks one subject for its label, then its title, its type...: one query
            # for all its statements, kept for this thread a moment (store/lookups.py)
            return [q for q in self.lookups.subject(subject) if predicate is None or q.predicate == predicate]
        found = list(self._quads(subject, predicate, obj, graph))
        if subject is None:  # e.g. incoming links, evidence: their subjects are described next
            self.lookups.after_pattern(found)
        return found

    def prefetch(self, nodes, depth=1):  # type: ignore[no-untyped-def]
        self.lookups.prefetch(nodes, depth)

    def consistent(self):  # type: ignore[no-untyped-def]
        return self.lookups.pinned()

    def pointing_at(self, predicate, objects):  # type: ignore[no-untyped-def]
        return self.lookups.pointing_at(predicate, list(objects))

    def _quads(self, subject: Any, predicate: Any, obj: Any, graph: Any) -> Iterator[ox.Quad]:
        def term(t: Any, var: str) -> str:
            return f"?{var}" if t is None else self._sparql_term(t)

        s, p, o, g = term(subject, "s"), term(predicate, "p"), term(obj, "o"), term(graph, "g")
        rows = self.select(f"SELECT * WHERE {{ GRAPH {g} {{ {s} {p} {o} }} }}")
        for r in rows:
            yield ox.Quad(subject or r["s"], predicate or r["p"], obj or r["o"], graph or r["g"])

    def statements(self, subjects, predicates=None):  # type: ignore[no-untyped-def]
        wanted = set(predicates) if predicates is not None else None
        subs = [ox.NamedNode(x) for x in dict.fromkeys(subjects) if iri_ok(x)]
        for i in range(0, len(subs), CHUNK):
            chunk = subs[i:i + CHUNK]
            self.lookups.prefetch(chunk)
            for n in chunk:
                for q in self.lookups.subject(n):
                    if wanted is None or q.predicate.value in wanted:
                        yield n.value, q.predicate.value, q.object

    # -- writing --

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update on ``STORE_UPDATE_URL``."""
        if not self.update_url:
            raise StoreError("no STORE_UPDATE_URL set: this remote store is read-only for us")
        self.request("POST", self.update_url, data={"update": sparql}).close()

    def load_graph(self, graph: str | None, data: bytes | str, format: ox.RdfFormat) -> None:
        """Replace ``graph``: a GSP ``PUT`` of N-Triples when ``STORE_GSP_URL`` is set, else
        ``DROP SILENT`` + ``INSERT DATA`` in one Update request.  Blank nodes are skolemised."""
        target = ox.NamedNode(graph) if graph is not None else ox.DefaultGraph()
        try:
            quads = [ox.Quad(q.subject, q.predicate, q.object, target) for q in ox.parse(data, format)]
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"cannot load {graph or 'the default graph'}: {e}") from None
        if self.genid:
            quads = list(skolemise(quads, self.genid))
        body = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES) or b""
        if self.gsp_url:
            params = {"graph": graph} if graph is not None else {"default": ""}
            self.request("PUT", self.gsp_url, params=params, data=body,
                         headers={"Content-Type": "application/n-triples"}).close()
            return
        where = f"GRAPH <{graph}> " if graph is not None else ""
        drop = f"DROP SILENT GRAPH <{graph}>" if graph is not None else "DROP SILENT DEFAULT"
        self.update(f"{drop} ;\nINSERT DATA {{ {where}{{\n{body.decode()}\n}} }}")

    def graph_names(self) -> list[str]:
        return sorted(r["g"].value for r in self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))

    def drop_graph(self, graph: str | None) -> None:
        """GSP ``DELETE`` when ``STORE_GSP_URL`` is set (404 = already absent), else ``DROP SILENT``."""
        if self.gsp_url and not self.update_url:
            params = {"graph": graph} if graph is not None else {"default": ""}
            try:
                self.request("DELETE", self.gsp_url, params=params).close()
            except StoreError as e:
                if " answered 404" not in str(e):
                    raise
            return
        self.update(f"DROP SILENT GRAPH <{graph}>" if graph is not None else "DROP SILENT DEFAULT")

    def close(self) -> None:
        c = getattr(self._local, "client", None)
        if c is not None:
            c.close()
            self._local.client = None


class _TripleList(list):  # type: ignore[type-arg]
    """Stands in for ox.QueryTriples on a remote CONSTRUCT answer."""


def _snippet(resp: Response) -> str:
    try:
        text = resp.text[:300]
    except READ_ERRORS:
        return "(no body)"
    return re.sub(r"\s+", " ", text).strip() or resp.reason or ""
