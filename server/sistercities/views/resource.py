"""Dereferencing: thing IRIs answer 303 to documents; documents, Wikidata lookup (search: views/search.py).

Thin handlers over :mod:`sistercities.documents`, :mod:`sistercities.doccache`,
:mod:`sistercities.search` and :mod:`sistercities.iripath`; rendered documents are kept per worker
(doccache) and for every worker of the server (:mod:`sistercities.cache`).
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pyoxigraph as ox
from flask import Response, current_app, request
from markupsafe import escape
from werkzeug.urls import iri_to_uri

from sistercities.cache import Entry, document_key
from sistercities.conneg import HTML, RDF_BY_EXT, RDF_BY_MIME, negotiate, parse_accept_language
from sistercities.doccache import Doc, DocCache, cache_key, etag, http_date, not_modified
from sistercities.documents import Documents, PageNotFound, render
from sistercities.iripath import BadPath, iri_for, raw_request_path, split_extension
from sistercities.jsonld_context import build_context
from sistercities.search import LabelIndex, wikidata_qid
from sistercities.store import StoreError
from sistercities.uris import URLs
from sistercities.views.common import error, settings_fingerprint, shared_cache, site, urls

#: Order of offers: no Accept or ``*/*`` gets Turtle; browsers name text/html and get HTML.
DEFAULT_ORDER = ("ttl", "html", "jsonld", "rdf", "nt", "trig", "nq")
FORMAT_NAMES = {"turtle": "ttl", "json-ld": "jsonld", "json": "jsonld", "rdfxml": "rdf", "xml": "rdf",
                "rdf+xml": "rdf", "ntriples": "nt", "n-triples": "nt", "nquads": "nq", "n-quads": "nq"}
WIKIDATA = ("http://www.wikidata.org/entity/", "https://www.wikidata.org/entity/")
OWL_SAMEAS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
QID = re.compile(r"Q[1-9][0-9]{0,11}")
JSON = "application/json"
#: Seconds a search waits for the label index being built, and the Retry-After when it is not ready.
INDEX_WAIT = 5.0
INDEX_RETRY_AFTER = 10
log = logging.getLogger(__name__)


@dataclass
class Deref:
    """What one worker keeps for dereferencing: builder, caches, context, label index."""

    docs: Documents
    cache: DocCache
    context: dict[str, Any]
    doc_urls: URLs  # document IRIs written into RDF (real IRIs, not the serving host)
    version: str
    modified: str | None
    kinds: dict[str, str | None] = field(default_factory=dict)
    links: dict[tuple[str, str], str] = field(default_factory=dict)  # (iri, ext) -> Link header
    index: LabelIndex | None = None
    _index_lock: threading.Lock = field(default_factory=threading.Lock)
    _index_thread: threading.Thread | None = None

    @cached_property
    def last_modified(self) -> str | None:
        return http_date(self.modified)

    def kind(self, iri: str) -> str | None:
        if iri not in self.kinds:
            if len(self.kinds) > 100_000:
                self.kinds.clear()
            self.kinds[iri] = self.docs.kind(iri)
        return self.kinds[iri]

    def labels(self, wait: float | None = None) -> LabelIndex | None:
        """The label index, or None while it is still being built after ``wait`` seconds.

        It is built once per worker on a background thread (about 13 s at 1M triples): a request
        never blocks on it for longer than ``wait``, so a slow build cannot run a sync worker past
        gunicorn's timeout (which would kill it and answer 500)."""
        if self.index is None:
            with self._index_lock:
                if self._index_thread is None:
                    self._index_thread = threading.Thread(target=self._build_index, name="label-index", daemon=True)
                    self._index_thread.start()
                thread = self._index_thread
            thread.join(INDEX_WAIT if wait is None else wait)
        return self.index

    def _build_index(self) -> None:
        try:
            self.index = LabelIndex(self.docs.store, self.docs.base)
        except StoreError as e:
            log.warning("building the label index failed (will retry): %s", e)
            with self._index_lock:
                self._index_thread = None
        except Exception:
            log.exception("building the label index failed")
            with self._index_lock:
                self._index_thread = None  # the next search tries again


def deref() -> Deref | None:
    d = current_app.extensions.get("sistercities.deref")
    if d is None:
        s = site()
        if s.store is None or s.release is None:
            return None
        cfg, m = s.settings, s.release.manifest
        base = cfg["BASE_IRI"]
        graphs = [g["iri"] if isinstance(g, dict) else str(g) for g in m.get("graphs") or []]
        docs = Documents(s.store, base=base, graphs=graphs, dataset_iri=URLs(base).dataset_iri(),
                         page_size=int(cfg["PAGE_SIZE"]), modified=s.release.modified)
        root = cfg["PUBLIC_URL"] or base
        d = Deref(docs=docs, cache=DocCache(), context=build_context(base, s.store),
                  doc_urls=URLs(base=base, root=root.rstrip("/#")), version=s.release.version,
                  modified=s.release.modified)
        current_app.extensions["sistercities.deref"] = d
    return d  # type: ignore[no-any-return]


def _mime(ext: str) -> str:
    return HTML if ext == "html" else RDF_BY_EXT[ext].mime


def _choose(formats: tuple[str, ...]) -> str | Response:
    """The extension asked for by ``?format=`` or the Accept header, or an error response."""
    wanted = request.args.get("format")
    if wanted is not None:
        w = wanted.strip().lower()
        ext = FORMAT_NAMES.get(w, w)
        if ext in RDF_BY_MIME:
            ext = RDF_BY_MIME[ext].ext
        if ext not in formats:
            return error(400, f"Unknown format {wanted!r}: use one of {', '.join(formats)}.")
        return ext
    offers = [_mime(e) for e in DEFAULT_ORDER if e in formats]
    best = negotiate(request.headers.get("Accept"), offers)
    if best is None:
        available = ", ".join(offers)
        return error(406, f"None of the media types you accept is available. Available: {available}.",
                     {"Link": _alternates(None, formats), "Vary": "Accept"})
    return "html" if best == HTML else RDF_BY_MIME[best].ext


def _alternates(iri: str | None, formats: tuple[str, ...], *, but: str | None = None) -> str:
    if iri is None:
        return ", ".join(f'<?format={e}>; rel="alternate"; type="{_mime(e)}"' for e in formats)
    u = urls()
    return ", ".join(f'<{u.document(iri, e)}>; rel="alternate"; type="{_mime(e)}"' for e in formats if e != but)


def _resolve(raw_path: str, ext: str | None = None, *, doc: bool = False) -> tuple[Deref, str, str] | Response:
    d = deref()
    if d is None:
        return error(503, "No dataset is loaded: run `sistercities build` first.")
    try:
        iri = iri_for(urls(), raw_path)
    except BadPath as e:
        return error(e.status, e.message)
    kind = d.kind(iri)
    if kind is None:
        return error(404, f"Nothing is known about <{iri}>.", {"Vary": "Accept"})
    if kind == "resource":
        new = d.docs.replaced_by(iri)
        if new is not None:  # a renamed thing: 301 to its new IRI (or the same kind of document of it)
            u = urls(absolute=True)
            location = (u.document(new, ext) if doc else u.link(new)) or new
            resp = Response(f"Moved Permanently: <{iri}> is now <{new}>: {location}\n", status=301,
                            mimetype="text/plain")
            resp.headers["Location"] = location
            resp.headers["Cache-Control"] = f"public, max-age={site().settings['CACHE_MAX_AGE']}"
            return resp
    return d, iri, kind


def _raw_path() -> str:
    env = request.environ
    return raw_request_path(env.get("RAW_URI") or env.get("REQUEST_URI"), request.script_root, request.path)


def _page() -> int | Response:
    raw = request.args.get("page", "1")
    if not re.fullmatch(r"[0-9]{1,12}", raw) or not 0 < int(raw) < 10**9:  # "²".isdigit(), int("²") fails
        return error(400, f"page must be a positive whole number, got {raw!r}.")
    return int(raw)


# --- things: 303 See Other ---------------------------------------------------
def thing(rest: str = "") -> Response:
    resolved = _resolve(_raw_path())
    if isinstance(resolved, Response):
        return resolved
    d, iri, kind = resolved
    formats = ("html", *d.docs.formats(kind))
    ext = _choose(formats)
    if isinstance(ext, Response):
        return ext
    location = urls(absolute=True).document(iri, ext) or ""
    if "page" in request.args:
        page = _page()
        if isinstance(page, Response):
            return page
        if page > 1:
            location += f"?page={page}"
    resp = Response(f"See Other: {location}\n", status=303, mimetype="text/plain")
    resp.headers["Location"] = location
    resp.headers["Vary"] = "Accept"
    resp.headers["Link"] = f'<{location}>; rel="describedby"; type="{_mime(ext)}"'
    resp.headers["Cache-Control"] = f"public, max-age={site().settings['CACHE_MAX_AGE']}"
    return resp


# --- documents -----------------------------------------------------------------
def document(rest: str) -> Response:
    raw = _raw_path()
    raw = raw[len("/doc"):] if raw.startswith("/doc/") else "/" + rest
    stem, ext = split_extension(raw)
    resolved = _resolve(stem, ext, doc=True)
    if isinstance(resolved, Response):
        return resolved
    d, iri, kind = resolved
    formats = ("html", *d.docs.formats(kind))
    negotiated = ext is None
    if ext is None:
        chosen = _choose(formats)
        if isinstance(chosen, Response):
            return chosen
        ext = chosen
    elif ext not in formats:
        return error(404, f"No {ext} document for <{iri}>.")
    page = _page()
    if isinstance(page, Response):
        return page
    if page > 1 and kind == "graph":
        return error(404, "Graph documents are not paged.")
    langs = parse_accept_language(request.headers.get("Accept-Language")) if ext == "html" else []
    key = cache_key(d.version, iri, ext, lang=",".join(langs[:4]), page=page)
    tag = etag(key)
    u = urls()
    cfg = site().settings
    headers = {
        "ETag": tag,
        "Cache-Control": f"public, max-age={cfg['CACHE_MAX_AGE']}",
        "Vary": "Accept, Accept-Language" if ext == "html" else "Accept",
        "Link": _doc_links(d, iri, formats, ext),
    }
    if not negotiated:
        if ext == "html":
            headers["Vary"] = "Accept-Language"
        else:
            del headers["Vary"]  # /doc/x.ttl: one representation for everyone
    last_modified = d.last_modified
    if last_modified:
        headers["Last-Modified"] = last_modified
    if negotiated:
        headers["Content-Location"] = u.document(iri, ext) or ""
    if not_modified(request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since"), tag, d.modified):
        return Response(status=304, headers=headers)
    doc, state = d.cache.get(key), "hit-local"
    if doc is None:  # this worker's memory, then the cache every worker shares, then render
        shared = shared_cache()
        skey = document_key(key, settings_fingerprint())
        entry = shared.get(skey) if shared is not None else None
        if entry is not None:
            doc, state = Doc(entry.body, entry.mime, entry.headers), "hit-shared"
        else:
            try:
                doc = _render(d, iri, kind, ext, page, langs)
            except PageNotFound as e:
                return error(404, str(e))
            state = "miss"
            if shared is not None:
                shared.put(skey, Entry(doc.body, doc.mime, doc.headers))
        d.cache.put(key, doc)
    headers["X-Cache"] = state
    resp = Response(doc.body, status=200, mimetype=doc.mime, headers=headers)
    for name, value in doc.headers:
        resp.headers[name] = resp.headers[name] + ", " + value if name in resp.headers else value
    return resp


def _doc_links(d: Deref, iri: str, formats: tuple[str, ...], ext: str) -> str:
    """Link header of a document: its alternates and the thing it describes (memoised)."""
    key = (iri, ext)
    link = d.links.get(key)
    if link is None:
        if len(d.links) > 100_000:
            d.links.clear()
        link = d.links[key] = ", ".join([_alternates(iri, formats, but=ext), f'<{iri_to_uri(iri)}>; rel="describes"'])
    return link


def _render(d: Deref, iri: str, kind: str, ext: str, page: int, langs: list[str]) -> Doc:
    s = site()
    if ext == "html":
        return Doc(_html(d, iri, kind, langs).encode("utf-8"), HTML)
    base = s.settings["BASE_IRI"]
    doc_iri = d.doc_urls.document(iri, ext) or iri
    extra: list[tuple[str, str]] = []
    if kind == "graph":
        quads = d.docs.graph_quads(iri)
    else:
        described = d.docs.describe(iri, doc=doc_iri, page=page)
        quads = described.quads
        pg = described.page
        if pg is not None and pg.paged:
            here = urls().document(iri, ext) or ""
            rels = {"first": 1, "last": pg.last}
            if pg.number > 1:
                rels["prev"] = pg.number - 1
            if pg.number < pg.last:
                rels["next"] = pg.number + 1
            links = [f'<{here if n == 1 else f"{here}?page={n}"}>; rel="{rel}"' for rel, n in rels.items()]
            extra.append(("Link", ", ".join(links)))
    body = render(quads, ext, base, context=d.context if ext == "jsonld" else None)
    return Doc(body, RDF_BY_EXT[ext].mime, tuple(extra))


def _html(d: Deref, iri: str, kind: str, langs: list[str]) -> str:
    s = site()
    render_resource = _html_function("render_resource")
    if render_resource is not None:
        try:
            page = render_resource(s.store, iri, urls=urls(), langs=langs, release=s.release, settings=s.settings)
        except StoreError:  # the store is down or slow: 503 (app.py), not a plain page
            raise
        except Exception:  # a broken page template must not turn a known resource into a 500
            log.exception("render_resource failed for <%s>; serving the plain page", iri)
            page = None
        if page is not None:
            return str(page)
    return _fallback_html(d, iri, kind, langs)


def _html_function(name: str) -> Any:
    """``sistercities.html.<name>`` (the HTML pages), or None while that module is missing."""
    try:
        return getattr(importlib.import_module("sistercities.html"), name, None)
    except ImportError as e:
        log.warning("HTML rendering unavailable, using the plain fallback: %s", e)
        return None


def _fallback_html(d: Deref, iri: str, kind: str, langs: list[str]) -> str:
    """A plain page when no richer rendering is available: label, formats, the triples."""
    u = urls()
    label = d.docs.label(iri, langs) or iri
    rows = []
    if kind == "graph":
        label = "Named graph " + iri.rstrip("/").rsplit("/", 1)[-1]
        rows.append(f"<tr><td>triples</td><td>{len(d.docs.graph_quads(iri))}</td></tr>")
        source = d.docs.source_of_graph(iri)
        if source:
            rows.append(f"<tr><td>derived from</td><td>{_cell(u, ox.NamedNode(source))}</td></tr>")
    if kind == "resource":
        for q in d.docs.describe(iri, doc=d.doc_urls.document(iri) or iri).quads:
            if q.subject == ox.NamedNode(iri):
                rows.append(f"<tr><td>{_cell(u, q.predicate)}</td><td>{_cell(u, q.object)}</td></tr>")
    formats = " ".join(f'<a href="{escape(u.document(iri, e) or "")}">{escape(RDF_BY_EXT[e].name)}</a>'
                       for e in d.docs.formats(kind))
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(label)}</title></head>'
            f"<body><h1>{escape(label)}</h1><p><code>{escape(iri)}</code></p><p>Data: {formats}</p>"
            f"<table>{''.join(sorted(set(rows)))}</table></body></html>")


def _cell(u: URLs, t: Any) -> str:
    if isinstance(t, ox.NamedNode):
        return f'<a href="{escape(u.link(t.value))}">{escape(t.value)}</a>'
    return str(escape(t.value))


# --- Wikidata lookup -------------------------------------------------------------
def wikidata(qid: str) -> Response:
    # q4454, " Q4454 ", wd:Q4454 ... are the same item: normalised here, then straight to the target
    qid = wikidata_qid(qid) or qid
    if not QID.fullmatch(qid):
        return error(400, f"Not a Wikidata item id: {qid[:40]!r} (expected Q followed by digits, e.g. Q4454; "
                          "a Wikidata URL or a GeoNames id can be looked up with /search?q=...).")
    d = deref()
    if d is None:
        return error(503, "No dataset is loaded: run `sistercities build` first.")
    found = sorted({q.subject.value for ns in WIKIDATA
                    for q in d.docs.store.quads(None, OWL_SAMEAS, ox.NamedNode(ns + qid))
                    if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(d.docs.base)})
    if not found:
        return error(404, f"No resource here is the same as Wikidata item {qid}.")
    location = urls(absolute=True).link(found[0])
    resp = Response(f"See Other: {location}\n", status=303, mimetype="text/plain")
    resp.headers["Location"] = location
    resp.headers["Cache-Control"] = f"public, max-age={site().settings['CACHE_MAX_AGE']}"
    return resp
