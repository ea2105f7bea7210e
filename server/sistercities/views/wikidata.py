"""``/wikidata/compare`` (HTML, or JSON by ``Accept``) and ``/wikidata/compare.json``: the comparison
of our twinnings with Wikidata's that the build wrote into the release.  Never calls Wikidata."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Response, request

from sistercities.conneg import HTML, negotiate
from sistercities.html.wikidata_compare import render_wikidata_compare
from sistercities.views.common import error, site, urls
from sistercities.wikidata.compare_format import read_release_file

JSON = "application/json"
NONE_YET = ("This build has no Wikidata graph: run `sistercities wikidata import`, then `sistercities build`.")


def _answer(body: str, mime: str, status: int = 200) -> Response:
    resp = Response(body, status=status, mimetype=mime)
    resp.headers["Vary"] = "Accept"
    resp.headers["Cache-Control"] = f"public, max-age={site().settings['CACHE_MAX_AGE']}"
    return resp


@lru_cache(maxsize=4)
def _read(folder: str) -> tuple[dict[str, Any] | None, str]:
    """The comparison of a release folder and its JSON body, read once per worker (a release never changes)."""
    data = read_release_file(Path(folder))
    body = json.dumps(data, ensure_ascii=False, indent=1) + "\n" if data is not None else ""
    return data, body


def _data() -> dict[str, Any] | None:
    rel = site().release
    return _read(str(rel.path))[0] if rel is not None else None


def compare() -> Response:
    mime = negotiate(request.headers.get("Accept"), [HTML, JSON])
    if mime is None:
        return error(406, "Not acceptable: /wikidata/compare is served as text/html or application/json.")
    if mime == JSON:
        return compare_json()
    if site().release is None:
        return error(503, "No build is being served yet: run `sistercities build`.", {"Retry-After": "60"})
    data = _data()
    body = render_wikidata_compare(data, urls=urls(), release=site().release)
    resp = _answer(body, HTML, 200 if data is not None else 404)
    resp.headers["Link"] = f'<{urls().url("wikidata/compare.json")}>; rel="alternate"; type="{JSON}"'
    return resp


def compare_json() -> Response:
    rel = site().release
    if rel is None:
        return error(503, "No build is being served yet: run `sistercities build`.", {"Retry-After": "60"})
    data, body = _read(str(rel.path))
    if data is None:
        return _answer(json.dumps({"error": NONE_YET}) + "\n", JSON, 404)
    return _answer(body, JSON)
