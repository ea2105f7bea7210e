"""Helpers every handler shares: the site context, URL builder, error answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, render_template, request

from sistercities.conneg import HTML, negotiate
from sistercities.release import Release
from sistercities.store import Store
from sistercities.uris import URLs


@dataclass
class Site:
    """What a worker holds for its life: settings, the release and its store."""

    settings: dict[str, Any]
    release: Release | None
    store: Store | None


def site() -> Site:
    return current_app.extensions["sistercities"]  # type: ignore[no-any-return]


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
