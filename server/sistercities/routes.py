"""The one route table: URL rule, endpoint name, handler, methods.

Handlers are named as ``module:function`` under ``sistercities.views`` and
imported when the app is created.  Keep this table the single place where a
URL is bound to code.
"""

from __future__ import annotations

from typing import NamedTuple


class Route(NamedTuple):
    rule: str
    endpoint: str
    handler: str  # "module:function" in sistercities.views
    methods: tuple[str, ...] = ("GET", "HEAD")


ROUTES: tuple[Route, ...] = (
    # service metadata
    Route("/-/health", "health", "meta:health"),
    Route("/-/version", "version", "meta:version"),
)
