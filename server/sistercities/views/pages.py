"""The home page ``/``: a thin handler over :func:`sistercities.html.render_home`."""

from __future__ import annotations

from flask import Response, request

from sistercities.conneg import parse_accept_language
from sistercities.html import render_home
from sistercities.views.common import site, urls


def home() -> Response:
    s = site()
    langs = parse_accept_language(request.headers.get("Accept-Language"))
    body = render_home(s.store, urls=urls(), langs=langs, release=s.release, settings=s.settings)
    resp = Response(body, mimetype="text/html")
    resp.headers["Vary"] = "Accept-Language"
    resp.headers["Cache-Control"] = f"public, max-age={s.settings['CACHE_MAX_AGE']}"
    resp.headers["Link"] = f'<{urls().url("catalog")}>; rel="alternate"; type="text/turtle"; title="DCAT-AP catalogue"'
    return resp
