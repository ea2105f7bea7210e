"""HTML pages people read: resources by type, home, ontology and shapes docs, search results.

Plain functions, no Flask: the HTTP handlers call them and own status codes,
caching and headers.

* :func:`render_resource` — full page for a local IRI, None when nothing is known.
* :func:`render_search` — the search results page.
* :func:`render_home` — the home page.
* :func:`ontology_page_url` — where the HTML documentation of an ontology term is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sistercities.describe import datacatalog_jsonld
from sistercities.html.city import city_sections
from sistercities.html.country import country_sections
from sistercities.html.facts import neighbourhood
from sistercities.html.home import home_view
from sistercities.html.jsonld import resource_jsonld, script_json
from sistercities.html.ontology_docs import ontology_page_url, ontology_view, shapes_view
from sistercities.html.render import alternates, render
from sistercities.html.search import search_view
from sistercities.html.source import paragraph_sections, source_sections
from sistercities.html.viewmodels import build_page
from sistercities.release import Release
from sistercities.store import Store
from sistercities.uris import URLs

__all__ = ["ontology_page_url", "render_home", "render_resource", "render_search"]


def render_resource(store: Store, iri: str, *, urls: URLs, langs: Sequence[str] = (),
                    release: Release | None = None, settings: dict[str, Any] | None = None) -> str | None:
    """The HTML page about ``iri`` (a local IRI), or None when the store knows nothing about it."""
    settings = settings or {}
    langs = [lang for lang in langs if lang]
    common = {"alternates": alternates(iri, urls), "canonical": iri,
              "version": release.version if release else None}
    if iri == urls.ontology_iri():
        onto = ontology_view(store, urls, langs)
        if onto is not None:
            data = {"@context": "https://schema.org", "@type": "DefinedTermSet", "@id": iri,
                    "name": onto["title"].text, "url": urls.document(iri) or iri,  # type: ignore[attr-defined]
                    "hasDefinedTerm": [{"@type": "DefinedTerm", "@id": t.iri, "name": t.label.text, "termCode": t.anchor}
                                       for _, terms in onto["groups"] for t in terms]}  # type: ignore[attr-defined]
            return render("ontology.html", urls, onto=onto, jsonld=script_json(data), **common)
    if iri == urls.shapes_iri():
        shapes = shapes_view(store, urls, langs)
        if shapes is not None:
            data = {"@context": "https://schema.org", "@type": "CreativeWork", "@id": iri,
                    "name": shapes["title"].text, "url": urls.document(iri) or iri,  # type: ignore[attr-defined]
                    "encodingFormat": "text/turtle", "about": urls.ontology_iri()}
            return render("shapes.html", urls, shapes=shapes, jsonld=script_json(data), **common)
    facts = neighbourhood(store, iri, base=urls.base, incoming_limit=int(settings.get("PAGE_SIZE", 200)))
    if facts is None:
        return None
    page = build_page(facts, urls, langs)
    if page.kind == "city":
        city_sections(store, facts, page, urls, langs)
    elif page.kind == "country":
        country_sections(store, facts, page, urls, langs)
    elif page.kind == "source":
        source_sections(store, facts, page, urls, langs)
    elif page.kind == "paragraph":
        paragraph_sections(store, facts, page, urls, langs)
    elif page.kind == "term":
        page.extra["doc_url"] = ontology_page_url(iri, urls)
    data = resource_jsonld(facts, page, urls, langs)
    return render("resource.html", urls, page=page, jsonld=script_json(data), **common)


def render_search(q: str, hits: Sequence[Any], *, urls: URLs, langs: Sequence[str] = (), results: Any = None) -> str:
    """The results page for query ``q``: each hit with its types and the names that matched;
    ``results`` (a :class:`sistercities.search.Results`) adds the total, pages and kinds."""
    return render("search.html", urls, **search_view(q, hits, urls, results))


def render_home(store: Store | None, *, urls: URLs, langs: Sequence[str] = (), release: Release | None = None,
                settings: dict[str, Any] | None = None) -> str:
    """The home page: what the dataset is, counts, highlights, search box and the ways in."""
    settings = settings or {}
    view = home_view(store, release, settings, urls, langs)
    try:
        catalog = datacatalog_jsonld(release, settings, urls)
    except Exception:  # the catalogue must never take the home page down
        catalog = {"@context": "https://schema.org", "@type": "DataCatalog", "name": view["title"]}
    return render("home.html", urls, home=view, jsonld=script_json(catalog),
                  catalog_url=urls.url("catalog"), base_iri=urls.base)
