"""STUB (lead) — owned by the catalogue engineer, who replaces it.

One source of truth for what the dataset says about itself: the DCAT-AP
catalogue, the VoID description and the SPARQL service description.
Signatures other modules call (keep them):

    service_description(release, settings, urls) -> rdflib.Graph
    datacatalog_jsonld(release, settings, urls) -> dict   # schema.org DataCatalog for the home page
"""

from __future__ import annotations

from typing import Any

import rdflib

from sistercities.release import Release
from sistercities.uris import URLs


def service_description(release: Release | None, settings: dict[str, Any], urls: URLs) -> rdflib.Graph:
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    g = rdflib.Graph()
    node = rdflib.URIRef(urls.sparql())
    g.add((node, rdflib.RDF.type, sd.Service))
    g.add((node, sd.endpoint, node))
    return g


def datacatalog_jsonld(release: Release | None, settings: dict[str, Any], urls: URLs) -> dict[str, Any]:
    return {"@context": "https://schema.org", "@type": "DataCatalog", "name": settings["TITLE"]}
