"""schema.org JSON-LD: ``Dataset`` for the dataset page (Google Dataset Search)
and ``DataCatalog`` for the home page, from a :class:`Description`.
Never imports Flask."""

from __future__ import annotations

from typing import Any

from sistercities.catalog.citation import citation_text
from sistercities.catalog.model import Description


def _organization(d: Description) -> dict[str, Any]:
    return {"@type": "Organization", "name": d.publisher_name, "url": d.publisher_url,
            "contactPoint": {"@type": "ContactPoint", "contactType": "data", "email": d.contact_email}}


def _absolute(url: str, iri: str) -> str:
    """``url`` when it is absolute, else the persistent IRI ``iri`` (a Description built with a
    relative URL root, as the home page's is, must not put relative ``url``s into schema.org)."""
    return url if url.startswith(("http://", "https://")) else iri


def _catalog_ref(d: Description) -> dict[str, Any]:
    return {"@type": "DataCatalog", "name": d.title + " — catalogue", "url": _absolute(d.catalog_url, d.catalog)}


def _dataset_summary(d: Description) -> dict[str, Any]:
    """The ``Dataset`` node nested in the home page's ``DataCatalog``: everything Google's Dataset
    rich results require of any Dataset node (name, description), plus url, licence and version."""
    return {"@type": "Dataset", "@id": d.dataset, "name": d.title, "description": d.description,
            "url": _absolute(d.landing_page, d.dataset), "license": d.license, "isAccessibleForFree": True,
            "creator": _organization(d), "version": d.version, "dateModified": d.modified}


def dataset_jsonld(d: Description) -> dict[str, Any]:
    start, end = d.temporal
    out: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": d.dataset,
        "name": d.title,
        "description": d.description,
        "url": _absolute(d.landing_page, d.dataset),
        "sameAs": d.dataset,
        "identifier": d.dataset,
        "version": d.version,
        "keywords": list(d.keywords),
        "license": d.license,
        "isAccessibleForFree": True,
        "creator": _organization(d),
        "publisher": _organization(d),
        "datePublished": d.issued,
        "dateModified": d.modified,
        "inLanguage": sorted({lang.rsplit("/", 1)[-1].lower() for lang in d.languages}),
        "citation": citation_text(d),
        "includedInDataCatalog": _catalog_ref(d),
        "distribution": [
            {
                "@type": "DataDownload",
                "name": f"{dump.format_name} dump" + (" (gzip)" if dump.compression else ""),
                "contentUrl": dump.url,
                "encodingFormat": dump.served_type,
                "contentSize": f"{dump.bytes} B",
                "sha256": dump.sha256,
            }
            for dump in d.dumps
        ],
        "subjectOf": {"@type": "WebAPI", "name": "SPARQL endpoint", "url": d.endpoint,
                      "documentation": d.catalog_url},
    }
    if start or end:
        out["temporalCoverage"] = f"{start or '..'}/{end or '..'}"
    places: list[dict[str, Any]] = [{"@type": "Country", "name": c.label, "sameAs": c.iri} for c in d.countries if c.label]
    if d.bbox:
        x0, y0, x1, y1 = d.bbox
        places.insert(0, {"@type": "Place", "name": "Places in the dataset",
                          "geo": {"@type": "GeoShape", "box": f"{y0} {x0} {y1} {x1}"}})
    if places:
        out["spatialCoverage"] = places
    return out


def datacatalog(d: Description) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "DataCatalog",
        "@id": d.catalog,
        "name": d.title,
        "description": d.description,
        "url": _absolute(d.home, d.base),
        "license": d.license,
        "publisher": _organization(d),
        "keywords": list(d.keywords),
        "dataset": [_dataset_summary(d)],
    }
