"""The service manifest (Reconciliation API 0.2 §2.1): the one place the service paths are named.

``service_url`` is the public root of the service endpoint (``…/reconcile``); the suggest,
preview and property-proposal paths below are where :mod:`sistercities.routes` binds them.
Entity ids are our full IRIs, so ``view`` is the IRI itself and ``identifierSpace`` the base IRI.
Never imports Flask.
"""

from __future__ import annotations

from typing import Any

from sistercities.uris import ontology_ns

from .requests import MAX_QUERIES
from .types import Types

PATH = "/reconcile"
SUGGEST_ENTITY = "/suggest/entity"
SUGGEST_TYPE = "/suggest/type"
SUGGEST_PROPERTY = "/suggest/property"
PREVIEW = "/preview"
PROPOSE_PROPERTIES = "/propose_properties"
PREVIEW_WIDTH = 400
PREVIEW_HEIGHT = 160
VERSIONS = ["0.2"]


def manifest(service_url: str, base: str, types: Types, *, name: str, version: str | None = None,
             documentation: str | None = None) -> dict[str, Any]:
    """The manifest of the service at ``service_url`` (absolute, ending in ``/reconcile``)."""
    svc = service_url.rstrip("/")
    m: dict[str, Any] = {
        "versions": VERSIONS,
        "name": name,
        "identifierSpace": base,
        "schemaSpace": ontology_ns(base),
        "defaultTypes": [{"id": t.id, "name": t.name} for t in (types.types[i] for i in types.top if i in types.types)],
        "view": {"url": "{{id}}"},
        "preview": {"url": svc + PREVIEW + "?id={{id}}", "width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
        "suggest": {
            "entity": {"service_url": svc, "service_path": SUGGEST_ENTITY},
            "type": {"service_url": svc, "service_path": SUGGEST_TYPE},
            "property": {"service_url": svc, "service_path": SUGGEST_PROPERTY},
        },
        "extend": {
            "propose_properties": {"service_url": svc, "service_path": PROPOSE_PROPERTIES},
            "property_settings": [],
        },
        "batchSize": MAX_QUERIES,
    }
    if version:
        m["serviceVersion"] = version
    if documentation:
        m["documentation"] = documentation
    return m
