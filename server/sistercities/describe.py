"""One source of truth for what the dataset says about itself.

:func:`describe` builds (once per worker and release, then cached) the
structured :class:`~sistercities.catalog.model.Description` from the release
manifest, the settings and a few store facts; the DCAT-AP catalogue, the
VoID description, the SPARQL service description and the schema.org JSON-LD
are all serialised from it.  Signatures other modules call (kept):

    service_description(release, settings, urls) -> rdflib.Graph
    datacatalog_jsonld(release, settings, urls) -> dict   # schema.org DataCatalog for the home page

``urls`` should carry an absolute root (``views.common.urls(absolute=True)``):
RDF needs absolute endpoint and download URLs.  Never imports Flask.
"""

from __future__ import annotations

import threading
from typing import Any

import rdflib

from sistercities.catalog.dcat import dcat_graph
from sistercities.catalog.facts import Facts, read_facts
from sistercities.catalog.model import Description, build_description
from sistercities.catalog.schemaorg import datacatalog, dataset_jsonld
from sistercities.catalog.void import service_graph, void_graph
from sistercities.release import Release
from sistercities.store import Store, StoreError, open_store
from sistercities.uris import URLs, ontology_ns

_lock = threading.Lock()
_facts: dict[tuple[str, str, str], Facts] = {}
_descriptions: dict[tuple[Any, ...], Description] = {}
_SETTING_KEYS = ("TITLE", "LICENSE", "PUBLISHER_NAME", "PUBLISHER_URL", "CONTACT_EMAIL")


def facts(release: Release, settings: dict[str, Any], store: Store | None = None) -> Facts:
    """Store facts of ``release``, read once per worker."""
    base = str(settings["BASE_IRI"])
    key = (str(release.path), release.version, base)
    with _lock:
        if key in _facts:
            return _facts[key]
    own = store is None
    try:
        st = store if store is not None else open_store(settings, release.store_dir)
    except StoreError:
        return Facts()
    try:
        graphs = release.manifest.get("graphs") or []
        f = read_facts(st, base, ontology_ns(base), need_stats=not release.manifest.get("stats"),
                       need_graph_counts=not all(isinstance(g, dict) and g.get("triples") is not None for g in graphs))
    finally:
        if own:
            st.close()
    with _lock:
        _facts[key] = f
    return f


def describe(release: Release, settings: dict[str, Any], urls: URLs, store: Store | None = None) -> Description:
    """The description of ``release`` served at ``urls.root`` (cached)."""
    key = (str(release.path), release.version, urls.base, urls.root, *(settings[k] for k in _SETTING_KEYS))
    with _lock:
        if key in _descriptions:
            return _descriptions[key]
    d = build_description(release, settings, urls, facts(release, settings, store))
    with _lock:
        if len(_descriptions) > 64:  # many Host headers: do not grow without bound
            _descriptions.clear()
        _descriptions[key] = d
    return d


def catalog_graph(release: Release, settings: dict[str, Any], urls: URLs, store: Store | None = None) -> rdflib.Graph:
    """The DCAT-AP catalogue."""
    return dcat_graph(describe(release, settings, urls, store))


def void_description(release: Release, settings: dict[str, Any], urls: URLs, store: Store | None = None) -> rdflib.Graph:
    """The VoID description."""
    return void_graph(describe(release, settings, urls, store))


def service_description(release: Release | None, settings: dict[str, Any], urls: URLs) -> rdflib.Graph:
    """SPARQL 1.1 Service Description of the endpoint (``sd:endpoint`` = ``urls.sparql()``)."""
    if release is None:
        from rdflib.namespace import RDF

        from sistercities.catalog.void import SD

        g = rdflib.Graph()
        node = rdflib.URIRef(urls.dataset_iri() + "#sparql-service")
        g.add((node, RDF.type, SD.Service))
        g.add((node, SD.endpoint, rdflib.URIRef(urls.sparql())))
        g.add((node, SD.supportedLanguage, SD.SPARQL11Query))
        return g
    return service_graph(describe(release, settings, urls))


def datacatalog_jsonld(release: Release | None, settings: dict[str, Any], urls: URLs) -> dict[str, Any]:
    """schema.org ``DataCatalog`` for the home page (embed as ``application/ld+json``)."""
    if release is None:
        return {"@context": "https://schema.org", "@type": "DataCatalog", "name": settings["TITLE"], "url": urls.url("")}
    return datacatalog(describe(release, settings, urls))


def dataset_schemaorg(release: Release, settings: dict[str, Any], urls: URLs) -> dict[str, Any]:
    """schema.org ``Dataset`` for the dataset page (Google Dataset Search)."""
    return dataset_jsonld(describe(release, settings, urls))


_labels: dict[tuple[str, str], dict[str, str]] = {}


def class_labels(d: Description, store: Store | None) -> dict[str, str]:
    """Labels of the classes in the statistics (read once per release)."""
    from sistercities.catalog.facts import labels

    key = (d.version, d.base)
    with _lock:
        if key in _labels:
            return _labels[key]
    if store is None:
        return {}
    found = labels(store, [p["class"] for p in d.stats.get("class_partitions") or []])
    with _lock:
        _labels[key] = found
    return found
