"""The remote backend: any SPARQL 1.1 server (the Oxigraph server, Virtuoso, Fuseki...)
reached over HTTP, speaking only standards.

Queries: SPARQL 1.1 Protocol, POST form-encoded (``query=``, ``default-graph-uri=``,
``named-graph-uri=``), answers parsed into pyoxigraph terms (SPARQL JSON results,
N-Triples for CONSTRUCT/DESCRIBE).  Loading: SPARQL 1.1 Graph Store Protocol
(``PUT``/``DELETE`` on ``STORE_GSP_URL?graph=…``) when configured, else SPARQL 1.1
Update (``STORE_UPDATE_URL``).

Connections: one :class:`requests.Session` per thread (a gunicorn gthread worker has
several), so every request after the first reuses a kept-alive connection.
SPARQLWrapper 2.0 opens a new connection per query (``urllib.request.urlopen``): on
loopback that is ~1 ms more per request (see the README's figures), so it is not used
here.

Time limits: connect within ``min(5, QUERY_TIMEOUT)`` s, and no single read may wait
longer than ``QUERY_TIMEOUT``; a store that is down, slow, or answering 5xx/429 raises
:class:`~sistercities.store.base.StoreUnavailable` (the web tier answers 503 +
``Retry-After``); one that refuses a query (4xx) raises
:class:`~sistercities.store.base.StoreError`.  Nothing is cached across requests, so
the server recovers by itself when the store comes back.

Credentials: HTTP basic (``SISTERCITIES_STORE_USER``/``SISTERCITIES_STORE_PASSWORD``)
or bearer (``SISTERCITIES_STORE_TOKEN``), from the environment only
(:func:`credentials`).  They are never put in a message: every message names the
endpoint by :func:`safe_url` (no userinfo, no query string).

Blank nodes: a remote store gives its blank nodes new labels in every answer and
has no standard way to name one in a query, so a blank-node subject could not be
looked up again (the shapes' property shapes, the ontology's lists, evidence).
The remote store therefore holds *Skolem IRIs* instead (RDF 1.1 Concepts §3.5):
the publisher loads ``_:label`` as ``<BASE.well-known/genid/label>``
(:func:`skolemise`), and this backend turns them back into ``BlankNode("label")``
in every answer and into the IRI in every pattern.  The labels are those of the
embedded store (the dumps are written from it), so above the interface both
backends give the same terms.  ``/sparql`` answers from a remote store show the
Skolem IRIs (they are real IRIs there).  Never imports Flask.
"""

from __future__ import annotations

import json
import os
import re
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

import pyoxigraph as ox
import requests

from sistercities.sparql.safety import analyse
from sistercities.store import virtuoso
from sistercities.store.base import Store, StoreError, StoreUnavailable

GENID = ".well-known/genid/"
CONNECT_TIMEOUT = 5.0
QUERY_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


CREDENTIAL_VARS = ("SISTERCITIES_STORE_USER", "SISTERCITIES_STORE_PASSWORD", "SISTERCITIES_STORE_TOKEN")


def mask_url(url: Any) -> Any:
    """``url`` with the password of its userinfo replaced by ``***`` (anything else unchanged)."""
    if not isinstance(url, str) or "@" not in url:
        return url
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@]*)@", lambda m: m.group(1) + (
        m.group(2).split(":", 1)[0] + ":***" if ":" in m.group(2) else "***") + "@", url)


def credentials(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The store credentials in the environment: ``{"user", "password"}`` or ``{"token"}``
    or ``{}``."""
    env = os.environ if environ is None else environ
    token = env.get("SISTERCITIES_STORE_TOKEN", "")
    if token:
        return {"token": token}
    user = env.get("SISTERCITIES_STORE_USER", "")
    if user:
        return {"user": user, "password": env.get("SISTERCITIES_STORE_PASSWORD", "")}
    return {}


def safe_url(url: str) -> str:
    """``url`` without userinfo, query string or fragment: fit for a message."""
    try:
        p = urllib.parse.urlsplit(url)
        host = p.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = host + (f":{p.port}" if p.port else "")
    except ValueError:
        return "<the configured store URL>"
    return urllib.parse.urlunsplit((p.scheme, netloc, p.path, "", ""))


def skolem_prefix(base: str) -> str:
    """Where the Skolem IRIs of ``base`` live: ``<BASE_IRI>.well-known/genid/``."""
    if base.endswith(GENID):
        return base
    return base.rstrip("#").rstrip("/") + "/" + GENID


def skolemise(quads: Iterator[ox.Quad] | list[ox.Quad], base: str) -> Iterator[ox.Quad]:
    """Replace every blank node by its Skolem IRI under ``base`` (the label kept)."""
    prefix = skolem_prefix(base)

    def sk(t: Any) -> Any:
        return ox.NamedNode(prefix + t.value) if isinstance(t, ox.BlankNode) else t

    for q in quads:
        yield ox.Quad(sk(q.subject), q.predicate, sk(q.object), q.graph_name)


class RemoteStore(Store):
    """A SPARQL 1.1 Protocol endpoint (and optionally its Update / Graph Store endpoints)."""

    def __init__(self, endpoint: str, *, timeout: float = 30.0, update_url: str = "", gsp_url: str = "",
                 base: str = "", creds: Mapping[str, str] | None = None, dialect: str = "auto") -> None:
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
        chosen = virtuoso.dialect(dialect)  # STORE_DIALECT; None = auto: from the first answer's Server header
        self._detect = chosen is None
        self.dialect: virtuoso.Dialect = chosen or virtuoso.Dialect()

    def __repr__(self) -> str:  # never the credentials
        return f"RemoteStore({safe_url(self.endpoint)!r})"

    # -- HTTP --

    def session(self) -> requests.Session:
        """This thread's session (kept-alive connections to the store)."""
        s: requests.Session | None = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.auth = self._auth
            s.headers.update(self._headers)
            s.trust_env = False  # no proxies or .netrc credentials from the environment
            self._local.session = s
        return s

    def request(self, method: str, url: str, *, stream: bool = False, **kw: Any) -> requests.Response:
        """One HTTP request to the store; :class:`StoreUnavailable` / :class:`StoreError`
        with a message naming the endpoint (never its credentials)."""
        where = safe_url(url)
        timeout = (min(CONNECT_TIMEOUT, self.timeout), self.timeout)
        try:
            resp = self.session().request(method, url, timeout=timeout, stream=stream, allow_redirects=False, **kw)
        except requests.exceptions.ConnectTimeout:
            raise StoreUnavailable(f"remote store {where} unreachable: no connection within {timeout[0]:g} s") from None
        except requests.exceptions.ReadTimeout:
            raise StoreUnavailable(f"remote store {where} did not answer within {self.timeout:g} s") from None
        except requests.exceptions.ConnectionError as e:
            raise StoreUnavailable(f"remote store {where} unreachable: {_reason(e)}") from None
        except requests.exceptions.RequestException as e:
            raise StoreUnavailable(f"remote store {where} failed: {type(e).__name__}") from None
        if self._detect:
            found = virtuoso.detect(resp)
            if found is not None:
                self.dialect = found
            self._detect = False
        if resp.status_code >= 400:
            refusal = self.dialect.refusal(resp.status_code, _snippet(resp), where)
            if refusal is not None:
                resp.close()
                raise refusal
        else:
            try:
                self.dialect.check(resp, where)
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

    def _content(self, resp: requests.Response) -> bytes:
        try:
            return resp.content
        except requests.exceptions.RequestException:
            raise StoreUnavailable(f"remote store {safe_url(resp.url)} did not finish its answer "
                                   f"within {self.timeout:g} s") from None

    # -- reading --

    def query_params(self, sparql: str, default_graphs: Any = None, named_graphs: Any = None) -> list[tuple[str, str]]:
        """The form fields of a SPARQL 1.1 Protocol query, as the store's dialect needs them
        (its served dataset when the caller names none, its pragmas, its time limit)."""
        if not default_graphs and not named_graphs and not analyse(sparql).has_dataset_clause:
            served = self.dialect.dataset(self)
            if served is not None:
                default_graphs, named_graphs = served
        params: list[tuple[str, str]] = [("query", self.dialect.prepare(sparql))]
        params += [("default-graph-uri", g) for g in default_graphs or ()]
        params += [("named-graph-uri", g) for g in named_graphs or ()]
        return params + self.dialect.extra_params(self.timeout)

    def query(self, sparql, *, default_graphs=None, named_graphs=None):  # type: ignore[no-untyped-def]
        params = self.query_params(sparql, default_graphs, named_graphs)
        accept = virtuoso.accept_for(sparql) if self.dialect.name != "standard" else QUERY_ACCEPT
        resp = self.request("POST", self.endpoint, data=params, headers={"Accept": accept})
        body = self._content(resp)
        kind = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        body = self.dialect.fix(body, kind)
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
        def term(t: Any, var: str) -> str:
            return f"?{var}" if t is None else self._sparql_term(t)

        s, p, o, g = term(subject, "s"), term(predicate, "p"), term(obj, "o"), term(graph, "g")
        rows = self.select(f"SELECT * WHERE {{ GRAPH {g} {{ {s} {p} {o} }} }}")
        for r in rows:
            yield ox.Quad(subject or r["s"], predicate or r["p"], obj or r["o"], graph or r["g"])

    def statements(self, subjects, predicates=None):  # type: ignore[no-untyped-def]
        # up to 200 subjects per query, so a query stays a few kB
        subs = list(subjects)
        for i in range(0, len(subs), 200):
            yield from super().statements(subs[i:i + 200], predicates)

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
        self.update(f"DROP SILENT GRAPH <{graph}>" if graph is not None else "DROP SILENT DEFAULT")

    def close(self) -> None:
        s = getattr(self._local, "session", None)
        if s is not None:
            s.close()
            self._local.session = None


class _TripleList(list):  # type: ignore[type-arg]
    """Stands in for ox.QueryTriples on a remote CONSTRUCT answer."""


def _reason(e: BaseException) -> str:
    text = str(e)
    for pattern, why in (("refused", "connection refused"), ("Name or service not known", "unknown host"),
                         ("timed out", "timed out"), ("reset", "connection reset"),
                         ("RemoteDisconnected", "connection closed by the store")):
        if pattern in text:
            return why
    return "connection failed"


def _snippet(resp: requests.Response) -> str:
    try:
        text = resp.text[:300]
    except requests.exceptions.RequestException:
        return "(no body)"
    return re.sub(r"\s+", " ", text).strip() or resp.reason or ""
