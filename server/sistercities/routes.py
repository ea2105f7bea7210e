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


#: The kinds listed at /id/<kind>/ (sistercities.browse.KINDS; a test checks they agree).
BROWSE_KINDS = "city,country,twinning,agreement,event,person,org,programme,source"

_RECON_GET = ("GET", "HEAD", "OPTIONS")

ROUTES: tuple[Route, ...] = (
    # service metadata
    Route("/-/health", "health", "meta:health"),
    Route("/-/version", "version", "meta:version"),
    Route("/favicon.ico", "favicon", "meta:favicon"),  # the SVG of /static/favicon.svg, for clients that ask
    # the home page (views/pages.py)
    Route("/", "home", "pages:home"),
    # SPARQL 1.1 Protocol endpoint, service description and query page (views/sparql.py);
    # PUT/DELETE/PATCH are routed so the handler can answer 405 with an Allow header
    Route("/sparql", "sparql", "sparql:sparql", ("GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH")),
    # dereferenceable IRIs: things answer 303 to documents (views/resource.py)
    # lists by kind, /id/city/ ... (views/browse.py): a known IRI ending in "/" is still dereferenced;
    # the rule without the slash stops the router redirecting /id/city to /id/city/ (it stays an IRI)
    Route(f"/id/<any({BROWSE_KINDS}):kind>/", "browse", "browse:listing"),
    Route(f"/id/<any({BROWSE_KINDS}):kind>", "browse_iri", "browse:iri"),
    Route("/id/<anypath:rest>", "thing_id", "resource:thing"),
    Route("/ontology", "thing_ontology", "resource:thing"),
    Route("/ontology/<anypath:rest>", "thing_ontology_term", "resource:thing"),
    Route("/shapes", "thing_shapes", "resource:thing"),
    Route("/shapes/<anypath:rest>", "thing_shape", "resource:thing"),
    Route("/graph/<anypath:rest>", "thing_graph", "resource:thing"),
    Route("/doc/<anypath:rest>", "document", "resource:document"),
    Route("/search", "search", "search:search"),  # views/search.py
    # W3C Reconciliation Service API 0.2 (views/reconcile.py; suggest/preview/extend in views/reconcile_more.py)
    Route("/reconcile", "reconcile", "reconcile:reconcile", ("GET", "HEAD", "POST", "OPTIONS")),
    # its suggest, preview and property proposal services (views/reconcile_more.py)
    Route("/reconcile/suggest/entity", "reconcile_suggest_entity", "reconcile_more:suggest_entity", _RECON_GET),
    Route("/reconcile/suggest/type", "reconcile_suggest_type", "reconcile_more:suggest_type", _RECON_GET),
    Route("/reconcile/suggest/property", "reconcile_suggest_property", "reconcile_more:suggest_property", _RECON_GET),
    Route("/reconcile/preview", "reconcile_preview", "reconcile_more:preview", _RECON_GET),
    Route("/reconcile/propose_properties", "reconcile_propose_properties", "reconcile_more:propose_properties",
          _RECON_GET),
    # the comparison with Wikidata's twinnings (views/wikidata.py): before /wikidata/<qid>, never taken for a QID
    Route("/wikidata/compare", "wikidata_compare", "wikidata:compare"),
    Route("/wikidata/compare.json", "wikidata_compare_json", "wikidata:compare_json"),
    Route("/wikidata/<qid>", "wikidata", "resource:wikidata"),
    # found and harvested: catalogue, VoID, dataset page, dumps, sitemap (views/catalog.py)
    Route("/dataset", "dataset", "catalog:dataset"),
    Route("/dataset.html", "dataset_page", "catalog:dataset_page"),
    Route("/catalog", "catalog", "catalog:catalog"),
    Route("/catalog.<ext>", "catalog_ext", "catalog:catalog"),
    Route("/.well-known/void", "void", "catalog:void"),
    Route("/dumps/", "dumps_page", "catalog:dumps_page"),
    Route("/dumps/latest/<name>", "dump_latest", "catalog:dump_latest"),  # before the file rule
    Route("/dumps/<path:file>", "dump", "catalog:dump"),
    Route("/sitemap.xml", "sitemap", "catalog:sitemap"),
    Route("/sitemap-<int:n>.xml", "sitemap_page", "catalog:sitemap_page"),
    Route("/robots.txt", "robots", "catalog:robots"),
)
