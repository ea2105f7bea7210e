"""/sparql: the SPARQL 1.1 Protocol endpoint, its service description and query page.

Thin: parsing is :mod:`sistercities.sparql.protocol`, checks
:mod:`~sistercities.sparql.safety`, formats :mod:`~sistercities.sparql.formats`,
running :mod:`~sistercities.sparql.executor`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from urllib.parse import urlencode

from flask import Response, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from sistercities import describe
from sistercities.cache import Entry, etag, etag_matches, sparql_key
from sistercities.cache.admission import Admission
from sistercities.cache.replay import NOT_REPLAYED
from sistercities.conneg import HTML, TRIPLE_FORMATS
from sistercities.doccache import Doc, DocCache
from sistercities.html.values import human_size
from sistercities.ratelimit import QUERY_RETRY_AFTER, ClientLimits
from sistercities.serialize import serialize_graph
from sistercities.sparql import baseiri, examples, formats, hints, safety, vocab
from sistercities.sparql.executor import Job, Outcome, run_local, run_remote
from sistercities.sparql.protocol import ALLOW, ProtocolError, QueryRequest, parse_request
from sistercities.sparql.table import Table, from_json, from_ntriples
from sistercities.store import EmbeddedStore, RemoteStore, StoreError
from sistercities.views.common import error, settings_fingerprint, shared_cache, site, urls

log = logging.getLogger(__name__)

HTML_MAX_ROWS = 1000
STARTER = """
SELECT ?city ?label WHERE {
  ?city a tw:City ;
        rdfs:label ?label .
  FILTER(LANG(?label) = "en")
}
ORDER BY ?label
LIMIT 100
"""
RETRY_AFTER = "5"
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": f"{hints.HEADER}, ETag, X-Cache"}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept, If-None-Match",
    "Access-Control-Max-Age": "86400",
}


#: Bytes of SPARQL answers one worker keeps in memory in front of the shared cache.
LOCAL_CACHE_BYTES = 32 * 1024 * 1024


def _finish(resp: Response) -> Response:
    for k, v in CORS.items():
        resp.headers[k] = v
    vary = [v.strip() for v in resp.headers.get("Vary", "").split(",") if v.strip()]
    if "accept" not in {v.lower() for v in vary}:
        vary.append("Accept")
    resp.headers["Vary"] = ", ".join(vary)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _fail(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return _finish(error(status, message, headers))


def _body() -> bytes:
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        limit = site().settings["MAX_REQUEST_BYTES"]
        raise ProtocolError(413, f"The request body is larger than {limit} bytes (MAX_REQUEST_BYTES).") from None


def sparql() -> Response:
    if request.method == "OPTIONS":
        resp = _finish(Response(status=204, headers={**PREFLIGHT, "Allow": ALLOW}))
        del resp.headers["Content-Type"]
        return resp
    s = site()
    try:
        req = parse_request(request.method, request.headers.get("Content-Type"), request.query_string,
                            _body, max_bytes=s.settings["MAX_REQUEST_BYTES"])
    except ProtocolError as e:
        return _fail(e.status, e.message, e.headers)
    if req is None:
        return _service(request.args.get("format"))
    try:
        info = safety.check(req.query)
    except safety.SafetyError as e:
        return _fail(e.status, e.message)
    try:
        mime = formats.choose(info.returns_graph, request.headers.get("Accept"), req.format)
    except formats.NotAcceptable as e:
        return _fail(406, e.message + ". Available: " + ", ".join(e.available)
                     + ". Or add format=" + "|".join(formats.FORMAT_NAMES) + " to the request.")
    if s.release is None or s.store is None:
        return _fail(503, "No dataset is loaded: run `sistercities build` first.", {"Retry-After": "60"})
    if mime == HTML:
        return _page(req, info)
    return _answer(req, info, mime)


def _answer(req: QueryRequest, info: safety.QueryInfo, mime: str) -> Response:
    """A query's result: 304 for a matching If-None-Match, else from this worker's memory, else
    from the shared cache, else from the engine (then kept in both).  Only 200s are kept."""
    s = site()
    assert s.release is not None
    shared = shared_cache()
    key = sparql_key(s.release.version, settings_fingerprint(), req.query, req.default_graphs, req.named_graphs, mime)
    tag = etag(key)
    validators = {"ETag": tag, "Cache-Control": f"public, max-age={s.settings['SPARQL_MAX_AGE']}"}
    inm = request.headers.get("If-None-Match")
    if inm and etag_matches(inm, tag):
        if request.method in ("GET", "HEAD"):
            return _finish(Response(status=304, headers=validators))
        return _fail(412, "If-None-Match matches this query's ETag: the answer you have is current. "
                          "(Conditional requests answer 304 with GET.)")
    local = _local_cache() if shared is not None else None
    found = local.get((key,)) if local is not None else None
    state = "hit-local"
    admission = _admission() if shared is not None else None
    if found is not None and shared is not None and admission is not None and admission.hit(key):
        shared.put(key, Entry(found.body, found.mime, found.headers))  # asked again: now worth sharing
    if found is None and shared is not None:
        entry = shared.get(key)
        if entry is not None:
            found, state = Doc(entry.body, entry.mime, entry.headers), "hit-shared"
            if local is not None:
                local.put((key,), found)
    if found is None:
        out = _run(req, info, mime)
        if out.kind != "ok":
            return _outcome_error(out, req.query)
        extra: tuple[tuple[str, str], ...] = ()
        hinted = _hints(req.query)
        if hinted:
            extra = ((hints.HEADER, hints.header_value(hinted)),)
        found, state = Doc(out.body, formats.content_type(mime), extra), "miss"
        if shared is not None and admission is not None:
            if admission.missed(key, out.cost_s):
                shared.put(key, Entry(found.body, found.mime, found.headers))
            if local is not None:
                local.put((key,), found)
    if admission is not None and admission.pending(key):
        request.environ[NOT_REPLAYED] = True  # not written yet: the replay must let the next request through
    headers = {"Content-Type": found.mime, **dict(found.headers), **validators, "X-Cache": state if shared is not None else "off"}
    return _finish(Response(found.body, status=200, headers=headers))


def _admission() -> Admission:
    held: Admission | None = current_app.extensions.get("sistercities.sparql_admission")
    if held is None:
        uses = site().settings["SHARED_CACHE_ADMIT"]
        held = current_app.extensions["sistercities.sparql_admission"] = Admission(uses)
    return held


def _local_cache() -> DocCache:
    held: DocCache | None = current_app.extensions.get("sistercities.sparql_lru")
    if held is None:
        held = current_app.extensions["sistercities.sparql_lru"] = DocCache(max_bytes=LOCAL_CACHE_BYTES)
    return held


_declared = hints.DeclaredCache()


def _hints(query: str) -> list[hints.Hint]:
    """Undeclared ontology terms in ``query`` (sparql/hints.py); never fails a query."""
    s = site()
    base = s.settings["BASE_IRI"]
    store, release = s.store, s.release
    if store is None or release is None:
        return []
    try:
        declared = _declared.get((store, base, str(release.path), release.version),
                                 lambda: (r["term"].value for r in store.select(hints.declared_query(base))))
        return hints.undeclared(query, base, declared)
    except StoreError as e:
        log.warning("could not check the query's terms against the ontology: %s", e)
        return []
    except Exception:  # a hint is a nicety: log, answer without it
        log.warning("could not check the query's terms against the ontology", exc_info=True)
        return []


_terms = vocab.TermsCache()


def _editor_data() -> str:
    """The editor's completions (sparql/vocab.py); without them when the ontology cannot be read."""
    s = site()
    base = s.settings["BASE_IRI"]
    store, release = s.store, s.release
    found: tuple[vocab.Term, ...] = ()
    if store is not None and release is not None:
        try:
            found = _terms.get((store, base, str(release.path), release.version),
                               lambda: vocab.terms(store.select(vocab.terms_query(base)), base))
        except StoreError as e:
            log.warning("could not read the ontology's terms for the query editor: %s", e)
        except Exception:  # completion is a nicety: log, serve the page without it
            log.warning("could not read the ontology's terms for the query editor", exc_info=True)
    return vocab.editor_data(found, base, examples.prefixes(base))


def _run(req: QueryRequest, info: safety.QueryInfo, mime: str) -> Outcome:
    s = site()
    limit, base = s.settings["MAX_RESULT_BYTES"], s.settings["BASE_IRI"]  # relative IRIs: see sparql/baseiri.py
    lp = s.release.ranked_predicates if s.release is not None else None  # ORDER BY without a rank (ordersafe.py)
    if req.has_protocol_dataset:  # the protocol's dataset replaces FROM / FROM NAMED (§2.1.4)
        job = Job(req.query, mime, limit, default_graphs=req.default_graphs, named_graphs=req.named_graphs,
                  base_iri=base, ranked_predicates=lp)
    elif info.has_dataset_clause:  # the query's own FROM / FROM NAMED, looked up in our store only
        job = Job(req.query, mime, limit, base_iri=base, ranked_predicates=lp)
    else:  # the store's default graph (the named graphs' union, each triple once); all named graphs available
        job = Job(req.query, mime, limit, union=_union_needed(s.store), base_iri=base, ranked_predicates=lp)
    limits: ClientLimits = current_app.extensions["sistercities.limits"]
    with limits.query_slot(request.remote_addr or "-") as wait:
        if wait is not None:
            return Outcome("limited", message=f"Your address already has {limits.max_queries} SPARQL queries running "
                                              f"(MAX_CLIENT_QUERIES). Try again in {wait} s.")
        return _execute(req, info, job)


def _union_needed(store: object) -> bool:
    """A release built before the default graph was written (sistercities.defaultgraph) is read as the union."""
    return isinstance(store, EmbeddedStore) and store.reads_union()


def _execute(req: QueryRequest, info: safety.QueryInfo, job: Job) -> Outcome:
    s = site()
    timeout = float(s.settings["QUERY_TIMEOUT"])
    if isinstance(s.store, RemoteStore):
        local = urls()
        qbase = baseiri.effective_base(req.query, s.settings["BASE_IRI"])  # FROM <relative> resolves against it
        named = [baseiri.resolve(g[1:-1], qbase) if g.startswith("<") else g for g in (*info.from_graphs, *info.from_named)]
        outside = [g for g in (*named, *req.default_graphs, *req.named_graphs) if not local.is_local(g)]
        if outside:
            return Outcome("forbidden", message=f"Graphs outside this dataset cannot be queried: {', '.join(outside)}")
        if not req.has_protocol_dataset and not info.has_dataset_clause:
            ds = s.store.served_dataset()  # the release's graphs, not the staged ones next to them
            if ds is not None:
                job = dataclasses.replace(job, default_graphs=ds[0], named_graphs=ds[1])
        return run_remote(s.store, job, timeout)
    assert isinstance(s.store, EmbeddedStore)
    return run_local(s.store.ox, job, timeout, max_memory=int(s.settings["MAX_QUERY_MEMORY"]) << 20)


_POS = re.compile(r"error at (\d+):(\d+)")


def syntax_message(message: str, query: str) -> str:
    """The parser's message, with the offending line and a caret under the column."""
    m = _POS.search(message)
    if not m:
        return "SPARQL query error: " + message
    line, col = int(m.group(1)), int(m.group(2))
    lines = query.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    rest = message[m.end():].lstrip(": ")
    return (f"SPARQL syntax error at line {line}, column {col}: {rest}\n\n"
            f"    {text}\n    {' ' * max(col - 1, 0)}^")


def _outcome_error(out: Outcome, query: str) -> Response:
    if out.kind == "query_error":
        return _fail(400, syntax_message(out.message, query))
    if out.kind == "too_large":
        return _fail(422, out.message)
    if out.kind == "forbidden":
        return _fail(403, out.message)
    if out.kind == "limited":
        return _fail(429, out.message, {"Retry-After": str(QUERY_RETRY_AFTER)})
    if out.kind == "unavailable":
        return _fail(503, out.message + " Try again shortly.", {"Retry-After": RETRY_AFTER})
    if out.kind in ("timeout", "memory"):
        return _fail(503, out.message + " Simplify the query or add LIMIT.", {"Retry-After": RETRY_AFTER})
    log.error("SPARQL query failed: %s; query: %.500s", out.message, query)
    return _fail(500, "The query could not be answered: " + out.message)


def _service(format_param: str | None) -> Response:
    """GET /sparql without a query: the service description, or the query page for browsers."""
    s = site()
    offers = [f.mime for f in TRIPLE_FORMATS] + [HTML]
    if format_param:
        mime = formats.GRAPH_PARAM.get(format_param.lower(), format_param.lower())
        if mime not in offers:
            return _fail(406, f"format={format_param!r} is not available for the service description. "
                              "Available: " + ", ".join(offers))
    else:
        from sistercities.conneg import negotiate

        chosen = negotiate(request.headers.get("Accept"), offers)
        if chosen is None:
            return _fail(406, "The service description is available as: " + ", ".join(offers))
        mime = chosen
    if mime == HTML:
        return _page(None, None)
    g = describe.service_description(s.release, s.settings, urls(absolute=True))
    body = serialize_graph(g, mime, s.settings["BASE_IRI"])
    return _finish(Response(body, headers={"Content-Type": formats.content_type(mime)}))


def _downloads(endpoint: str, req: QueryRequest | None,
               info: safety.QueryInfo | None) -> list[tuple[str, str, str]]:
    """(label, format, URL) of the query's results in other formats (a GET of the query)."""
    if req is None or info is None:
        return []
    names = (("Turtle", "ttl"), ("N-Triples", "nt"), ("JSON-LD", "jsonld")) if info.returns_graph \
        else (("CSV", "csv"), ("JSON", "json"))
    q = urlencode({"query": req.query})
    return [(label, ext, f"{endpoint}?{q}&format={ext}") for label, ext in names]


def _page(req: QueryRequest | None, info: safety.QueryInfo | None) -> Response:
    """The query page; with a query, its results rendered as a table (works without JavaScript)."""
    s = site()
    u = urls()
    base = s.settings["BASE_IRI"]
    table: Table | None = None
    message = None
    status = 200
    found: list[hints.Hint] = []
    if req is not None and info is not None:
        mime = "application/n-triples" if info.returns_graph else "application/sparql-results+json"
        out = _run(req, info, mime)
        if out.kind == "ok":
            table = (from_ntriples if info.returns_graph else from_json)(out.body, u, HTML_MAX_ROWS)
            found = _hints(req.query)
        else:
            err = _outcome_error(out, req.query)
            status = err.status_code
            message = syntax_message(out.message, req.query) if out.kind == "query_error" else out.message
    query = req.query if req else f"BASE <{base}>\n" + examples.prefix_block(base) + STARTER
    body = render_template(
        "sparql.html", query=query, table=table, message=message, status=status,
        warnings=[h.text(hints.ns_prefix(query, base)) for h in found],
        examples=examples.load(base), endpoint=u.sparql(), base=base, root=u.root,
        timeout=s.settings["QUERY_TIMEOUT"], max_result=s.settings["MAX_RESULT_BYTES"], human=human_size,
        max_rows=HTML_MAX_ROWS, editor_data=_editor_data(), downloads=_downloads(u.sparql(), req, info),
        result_formats=formats.RESULTS_FORMATS, graph_formats=TRIPLE_FORMATS,
    )
    headers = {"Retry-After": RETRY_AFTER} if status == 503 else {}
    if status == 429:
        headers = {"Retry-After": str(QUERY_RETRY_AFTER)}
    if found:
        headers[hints.HEADER] = hints.header_value(found)
    return _finish(Response(body, status=status, mimetype="text/html", headers=headers))
