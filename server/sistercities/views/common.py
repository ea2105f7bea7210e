"""Helpers every handler shares: the site context, URL builder, error answers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Response, current_app, render_template, request

from sistercities.cache import SharedCache, fingerprint, open_shared
from sistercities.conneg import HTML, negotiate
from sistercities.release import NoBuildError, Release
from sistercities.store import Store, StoreError
from sistercities.uris import URLs

log = logging.getLogger(__name__)


#: Seconds between two reads of the release manifest kept in a remote store (a new release
#: is picked up, and a store that was down at start is retried, without a restart).
RELEASE_CHECK_S = 10.0
RELEASE_RETRY_S = 2.0


@dataclass
class Site:
    """What a worker holds for its life: settings, the release and its store.

    ``reload`` (a remote store without a local build) reads the release manifest from the
    store: again every RELEASE_CHECK_S, or RELEASE_RETRY_S while there is none."""

    settings: dict[str, Any]
    release: Release | None
    store: Store | None
    reload: Callable[[], Release] | None = None
    checked: float = field(default_factory=time.monotonic)

    def refresh(self) -> None:
        if self.reload is None:
            return
        now = time.monotonic()
        if now - self.checked < (RELEASE_CHECK_S if self.release is not None else RELEASE_RETRY_S):
            return
        self.checked = now
        try:
            new = self.reload()
        except (NoBuildError, StoreError) as e:
            if self.release is None:
                log.warning("still serving without data: %s", e)
            return  # keep what we have: the store may be back soon
        if self.release is None or new.version != self.release.version:
            log.info("serving release %s from the store", new.version)
            current_app.extensions.pop("sistercities.deref", None)  # documents of the old release
            self.release = new


    def confirmed_version(self) -> str | None:
        """The release version, if no re-read of a remote store's manifest is due (else None:
        the next request inside Flask refreshes it).  Never needs a Flask context."""
        if self.release is None:
            return None
        if self.reload is not None and time.monotonic() - self.checked >= RELEASE_CHECK_S:
            return None
        return self.release.version


def site() -> Site:
    s: Site = current_app.extensions["sistercities"]
    s.refresh()
    return s


def urls(absolute: bool = False) -> URLs:
    """The URL builder for this request: links stay on the serving host."""
    s = site().settings
    root = s["PUBLIC_URL"] or (request.host_url if absolute else "")
    return URLs(base=s["BASE_IRI"], root=root.rstrip("/"))


def wants_html() -> bool:
    return negotiate(request.headers.get("Accept"), ["text/plain", HTML]) == HTML


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A short error answer: HTML for browsers, plain text otherwise."""
    if wants_html():
        body = render_template("error.html", status=status, message=message)
        resp = Response(body, status=status, mimetype="text/html")
    else:
        resp = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def settings_fingerprint() -> str:
    """The hash of the settings that shape answers (sistercities.cache.keys), once per worker."""
    fp: str | None = current_app.extensions.get("sistercities.fingerprint")
    if fp is None:
        fp = current_app.extensions["sistercities.fingerprint"] = fingerprint(site().settings)
    return fp


def shared_cache() -> SharedCache | None:
    """The shared cache of the served release, or None when SHARED_CACHE is off or no release
    is served (sistercities.cache)."""
    s = site()
    cfg = s.settings
    if not cfg["SHARED_CACHE"] or s.release is None:
        return None
    version = s.release.version
    held = current_app.extensions.get("sistercities.shared_cache")
    if held is None or held[0] != version:  # a remote store's release can change under a running worker
        parent = Path(cfg["SHARED_CACHE_DIR"] or Path(cfg["BUILD_DIR"]) / "cache")
        held = (version, open_shared(parent, version, max_bytes=int(cfg["SHARED_CACHE_MAX_BYTES"]),
                                     max_entry_bytes=int(cfg["SHARED_CACHE_MAX_ENTRY"])))
        current_app.extensions["sistercities.shared_cache"] = held
    return held[1]  # type: ignore[no-any-return]
