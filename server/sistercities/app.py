"""The application factory."""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from sistercities import settings as settings_mod
from sistercities.ratelimit import ClientLimits, shared_path
from sistercities.release import CURRENT, RELEASE_HEADER, NoBuildError, current, from_store
from sistercities.routes import ROUTES
from sistercities.security import security_headers
from sistercities.store import StoreError, StoreUnavailable, open_store

log = logging.getLogger(__name__)

#: Retry-After (seconds) when the remote store is down or slow.
STORE_RETRY_AFTER = 10


class AnyPathConverter(PathConverter):
    """Like ``<path:>`` but also matching control characters (a ``%0A`` in a path),
    so the handler can answer 400 instead of the router answering 404."""

    regex = r"[^/][\s\S]*?"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the web application.

    ``config`` overrides settings (see :mod:`sistercities.settings`).  The
    release in ``BUILD_DIR/current`` is opened read-only; no RDF is parsed.
    """
    from sistercities.views.common import Site, error

    cfg = settings_mod.load(config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = cfg["MAX_REQUEST_BYTES"]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    release = store = reload = None
    try:
        if cfg["STORE_URL"]:  # remote: the manifest may live in the store, which may be down now
            store = open_store(cfg, None)
            if not (Path(cfg["BUILD_DIR"]) / CURRENT).exists():
                reload = functools.partial(from_store, store, cfg)
            release = from_store(store, cfg)
        else:
            release = current(cfg["BUILD_DIR"])
            store = open_store(cfg, release.store_dir)
    except (NoBuildError, StoreError) as e:
        log.warning("serving without data: %s", e)
    app.extensions["sistercities"] = Site(settings=cfg, release=release, store=store, reload=reload)
    app.url_map.converters["anypath"] = AnyPathConverter
    hops = int(cfg["TRUSTED_PROXIES"])
    if hops > 0:
        # only behind that many reverse proxies: otherwise X-Forwarded-* would let any client
        # choose the host and scheme of the absolute URLs (Location, catalogue) it is sent
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    for route in ROUTES:
        module, _, func = route.handler.partition(":")
        handler = getattr(importlib.import_module("sistercities.views." + module), func)
        app.add_url_rule(route.rule, route.endpoint, handler, methods=list(route.methods))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):  # type: ignore[no-untyped-def]
        keep = {k: v for k, v in e.get_headers() if k.lower() in {"allow", "retry-after"}}
        return error(e.code or 500, e.description or e.name, keep)

    @app.errorhandler(StoreError)
    def store_error(e: StoreError):  # type: ignore[no-untyped-def]
        # the messages name the store by safe_url (never credentials)
        if isinstance(e, StoreUnavailable):
            log.warning("store unavailable: %s", e)
            return error(503, f"The data store is unavailable right now ({e}). Try again in {STORE_RETRY_AFTER} s.",
                         {"Retry-After": str(STORE_RETRY_AFTER)})
        log.error("store error: %s", e)
        return error(502, f"The data store could not answer: {e}")

    @app.errorhandler(Exception)
    def internal_error(e: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error")
        return error(500, "Internal error. It has been logged; please report it if it persists.")

    limits = ClientLimits(cfg["RATE_LIMIT"], cfg["MAX_CLIENT_QUERIES"], shared_path())
    app.extensions["sistercities.limits"] = limits
    if limits.rate:

        @app.before_request
        def rate_limit():  # type: ignore[no-untyped-def]
            if request.path == "/-/health":  # load balancers' probes are never limited
                return None
            wait = limits.check_rate(request.remote_addr or "-")
            if wait is None:
                return None
            return error(429, f"Too many requests from your address: at most {limits.rate} per minute "
                              f"(RATE_LIMIT). Try again in {wait} s.", {"Retry-After": str(wait)})

    if cfg["SHARED_CACHE"] and not limits.rate:
        # outermost: a repeated SPARQL GET is answered from this worker's memory without Flask
        from sistercities.cache.replay import Replay
        from sistercities.views.sparql import LOCAL_CACHE_BYTES

        app.wsgi_app = Replay(app.wsgi_app, app.extensions["sistercities"].confirmed_version,  # type: ignore[method-assign]
                              max_bytes=LOCAL_CACHE_BYTES)

    @app.before_request
    def note_release():  # type: ignore[no-untyped-def]
        # the release this request starts on (a remote store's manifest may be newer by the time
        # the handler asks, never older): a cache in front stores only answers of the release it
        # keys for (sistercities.deploy.nginx), so an answer is never labelled newer than it is
        rel = app.extensions["sistercities"].release
        g.sistercities_release = rel.version if rel is not None else None

    @app.after_request
    def add_security_headers(resp: Response) -> Response:
        # setdefault: a header a handler set deliberately is kept as it is
        wanted = security_headers(resp.content_type, csp=resp.headers.get("Content-Security-Policy"),
                                  path=request.path)
        for name, value in wanted.items():
            resp.headers.setdefault(name, value)
        version = g.get("sistercities_release")
        if version:
            resp.headers[RELEASE_HEADER] = version
        return resp

    return app
