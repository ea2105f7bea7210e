"""Thin handlers: /dataset, /dataset.html, /catalog, /.well-known/void,
/sitemap.xml, /robots.txt, /dumps/ (page), /dumps/<file> and
/dumps/latest/<name>.  The work is in
:mod:`sistercities.describe` and :mod:`sistercities.catalog`."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

import rdflib
from flask import Response, redirect, render_template, request, send_file
from werkzeug.wrappers import Response as BaseResponse

from sistercities import describe
from sistercities.catalog import sitemap as sm
from sistercities.catalog.citation import bibtex, citation_text
from sistercities.catalog.dcat import dcat_graph
from sistercities.catalog.model import Description
from sistercities.catalog.void import void_graph
from sistercities.conneg import HTML, RDF_BY_EXT, TRIPLE_FORMATS, negotiate
from sistercities.html.dataset_stats import class_groups
from sistercities.html.dates import human_date
from sistercities.html.values import human_size
from sistercities.serialize import serialize_graph
from sistercities.views.common import error, site, urls

RDF_OFFERS = tuple(f.mime for f in TRIPLE_FORMATS)  # Turtle first: the answer when Accept is missing
_lock = threading.Lock()
_bodies: dict[tuple[str, ...], bytes] = {}


def _description() -> Description | None:
    s = site()
    if s.release is None:
        return None
    return describe.describe(s.release, s.settings, urls(absolute=True), s.store)


def _no_build() -> Response:
    return error(503, "No build is being served yet: run `sistercities build`.", {"Retry-After": "60"})


def _rdf_answer(kind: str, build: Callable[[Description], rdflib.Graph], mime: str | None) -> Response:
    d = _description()
    if d is None:
        return _no_build()
    if mime is None:
        mime = negotiate(request.headers.get("Accept"), RDF_OFFERS)
        if mime is None:
            resp = error(406, "Not acceptable. This resource is available as: " + ", ".join(RDF_OFFERS) + ".")
            resp.headers["Vary"] = "Accept"
            return resp
    key = (kind, mime, d.version, d.endpoint, str(site().release.path))  # type: ignore[union-attr]
    with _lock:
        body = _bodies.get(key)
    if body is None:
        body = serialize_graph(build(d), mime, d.base)
        with _lock:
            if len(_bodies) > 256:
                _bodies.clear()
            _bodies[key] = body
    resp = Response(body, mimetype=mime)
    resp.headers["Vary"] = "Accept"
    resp.headers["Cache-Control"] = f"public, max-age={site().settings['CACHE_MAX_AGE']}"
    resp.set_etag(hashlib.sha256(b"\0".join(k.encode() for k in key)).hexdigest()[:32])
    resp.headers["Link"] = f'<{d.catalog_url}>; rel="alternate"; type="text/turtle", <{d.void_url}>; rel="describedby"'
    resp.make_conditional(request)
    return resp


def catalog(ext: str | None = None) -> Response:
    mime = None
    if ext is not None:
        fmt = RDF_BY_EXT.get(ext)
        if fmt is None or fmt.quads:
            return error(404, f"No catalogue as .{ext}: try /catalog.ttl, .rdf, .jsonld or .nt.")
        mime = fmt.mime
    return _rdf_answer("catalog", dcat_graph, mime)


def void() -> Response:
    return _rdf_answer("void", void_graph, None)


def dataset() -> BaseResponse:
    """The dataset IRI names a thing: 303 to a page (HTML) or the catalogue (RDF)."""
    offers = (HTML, *RDF_OFFERS)
    mime = negotiate(request.headers.get("Accept"), offers)
    u = urls()
    resp: BaseResponse
    if mime is None:
        resp = error(406, "Not acceptable. The dataset is described as: " + ", ".join(offers) + ".")
    elif mime == HTML:
        resp = redirect(u.url("dataset.html"), 303)
    else:
        ext = next(f.ext for f in TRIPLE_FORMATS if f.mime == mime)
        resp = redirect(u.url("catalog." + ext), 303)
    resp.headers["Vary"] = "Accept"
    return resp


def dataset_page() -> Response:
    s = site()
    d = _description()
    if d is None or s.release is None:
        return _no_build()
    schema = describe.dataset_schemaorg(s.release, s.settings, urls(absolute=True))
    stats: dict[str, Any] = d.stats
    labels = describe.class_labels(d, s.store)
    data_classes, vocabulary_classes = class_groups(stats.get("class_partitions") or [], labels, d.base)
    html = render_template(
        "dataset.html", d=d, stats=stats, schema=schema, citation=citation_text(d), bibtex=bibtex(d),
        class_labels=labels, data_classes=data_classes, vocabulary_classes=vocabulary_classes, rdf_formats=TRIPLE_FORMATS, link=urls().link,
        human=human_size, fdate=human_date,
    )
    resp = Response(html, mimetype="text/html")
    resp.headers["Link"] = f'<{d.catalog_url}>; rel="alternate"; type="text/turtle"'
    return resp


def _locs() -> tuple[list[str], str] | None:
    s = site()
    if s.release is None or s.store is None:
        return None
    iris = sm.subjects(s.store, str(s.release.path) + "@" + s.release.version, s.settings["BASE_IRI"])
    return sm.page_urls(iris, urls(absolute=True)), s.release.modified


def _xml(body: bytes) -> Response:
    resp = Response(body, mimetype="application/xml")
    resp.headers["Cache-Control"] = f"public, max-age={site().settings['CACHE_MAX_AGE']}"
    return resp


def sitemap() -> Response:
    found = _locs()
    if found is None:
        return _no_build()
    locs, lastmod = found
    if not sm.is_index(len(locs)):
        return _xml(sm.urlset(locs, lastmod))
    u = urls(absolute=True)
    pages = [u.url(f"sitemap-{n}.xml") for n in range(1, sm.page_count(len(locs)) + 1)]
    return _xml(sm.sitemap_index(pages, lastmod))


def sitemap_page(n: int) -> Response:
    found = _locs()
    if found is None:
        return _no_build()
    locs, lastmod = found
    chunk = sm.page(locs, n) if sm.is_index(len(locs)) else None
    if chunk is None:
        return error(404, f"No sitemap page {n}; start at /sitemap.xml.")
    return _xml(sm.urlset(chunk, lastmod))


def robots() -> Response:
    return Response(sm.robots(urls(absolute=True).url("sitemap.xml")), mimetype="text/plain")


def dump(file: str) -> BaseResponse:
    if file == "latest" or file.startswith("latest/"):  # /dumps/latest/<name> with an empty or nested name
        return dump_latest(file[len("latest/"):])
    if "/" in file or "\\" in file or "\0" in file or file.startswith(".") or ".." in file:
        return error(400, f"Bad dump name {file!r}: a dump is a plain file name as listed in /catalog.")
    s = site()
    d = _description()
    if d is None or s.release is None:
        return _no_build()
    entry = d.dump(file)
    path = s.release.dumps_dir / file
    if entry is None or not path.is_file():
        return error(404, f"No dump named {file!r} in release {d.version}; the catalogue at /catalog "
                          f"and the page {urls().url('dumps/')} list them.")
    # The file is served as what it is: a .gz dump is Content-Type application/gzip (= dcat:compressFormat;
    # dcat:mediaType names the type of its content) with NO Content-Encoding, so clients that honour
    # Content-Encoding neither un-gzip it under a .gz name nor hand a parser gzip bytes labelled as RDF.
    # Content-Length is the file's size = dcat:byteSize; ETag its SHA-256 = spdx:checksum.
    compressed = entry.compression is not None
    resp = send_file(path, mimetype=entry.served_type, conditional=True, etag=entry.sha256,
                     max_age=s.settings["CACHE_MAX_AGE"], download_name=file, as_attachment=compressed)
    resp.headers["Content-Type"] = entry.served_type
    resp.headers.pop("Content-Encoding", None)
    if not compressed:
        resp.headers.pop("Content-Disposition", None)
    return resp


def _latest_names(d: Description) -> str:
    return ", ".join(urls().url("dumps/latest/" + x.latest) for x in d.dumps) or "(none: this build has no dumps)"


def dump_latest(name: str) -> BaseResponse:
    """``/dumps/latest/<name>``: a stable URL, 302 to the current release's versioned file."""
    d = _description()
    if d is None:
        return _no_build()
    entry = d.latest_dump(name) if name else None
    if entry is None:
        return error(404, f"No latest dump named {name!r}. The latest dumps are: {_latest_names(d)}.",
                     {"Cache-Control": "no-cache"})
    resp = redirect(urls().url("dumps/" + entry.file), 302)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


_human = human_size  # 1536 -> '1.5 KiB'


def dumps_page() -> Response:
    """``/dumps/``: every dump of the served release, its stable latest URL and how to load it."""
    d = _description()
    if d is None:
        return _no_build()
    html = render_template("dumps.html", d=d, human=_human, fdate=human_date, root=urls().root, version=d.version)
    resp = Response(html, mimetype="text/html")
    resp.headers["Cache-Control"] = f"public, max-age={site().settings['CACHE_MAX_AGE']}"
    resp.headers["Link"] = f'<{d.catalog_url}>; rel="alternate"; type="text/turtle"'
    return resp
