"""The SPARQL texts ``sistercities wikidata import`` sends (standard SPARQL 1.1).

Both the Oxigraph test fixture and the real Wikidata Query Service answer them: no
``wikibase:label`` service, no ``mwapi``; long lists of items are ``VALUES`` blocks (the
client POSTs, so their length is no problem).  Every text is deterministic for the same
input (items sorted), so the client's cache, keyed by query text, recognises a query
it has answered before.
"""

from __future__ import annotations

from collections.abc import Iterable

PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX pqv: <http://www.wikidata.org/prop/qualifier/value/>
PREFIX pr: <http://www.wikidata.org/prop/reference/>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

#: the qualifiers of one statement ?statement (start, end at their precisions, end cause);
#: deprecated statements are left out, as the truthy wdt: triples leave them out
_QUALIFIERS = """  FILTER NOT EXISTS { ?statement wikibase:rank wikibase:DeprecatedRank }
  OPTIONAL { ?statement pqv:P580 ?startValue .
             ?startValue wikibase:timeValue ?start ; wikibase:timePrecision ?startPrecision . }
  OPTIONAL { ?statement pqv:P582 ?endValue .
             ?endValue wikibase:timeValue ?end ; wikibase:timePrecision ?endPrecision . }
  OPTIONAL { ?statement pq:P1534 ?cause . FILTER (isIRI(?cause)) }"""

STATEMENT_VARS = "?item ?statement ?partner ?start ?startPrecision ?end ?endPrecision ?cause"


def _values(var: str, iris: Iterable[str]) -> str:
    return f"  VALUES ?{var} {{ " + " ".join(f"<{i}>" for i in sorted(iris)) + " }"


def statements_on(items: Iterable[str]) -> str:
    """P190 statements held by ``items`` (their own items)."""
    return (PREFIXES + f"SELECT {STATEMENT_VARS} WHERE {{\n" + _values("item", items) + "\n"
            "  ?item p:P190 ?statement .\n  ?statement ps:P190 ?partner .\n  FILTER (isIRI(?partner))\n"
            + _QUALIFIERS + "\n}\n")


def statements_about(items: Iterable[str]) -> str:
    """P190 statements on OTHER items whose value is one of ``items`` (a pair stated one way only)."""
    return (PREFIXES + f"SELECT {STATEMENT_VARS} WHERE {{\n" + _values("partner", items) + "\n"
            "  ?item p:P190 ?statement .\n  ?statement ps:P190 ?partner .\n"
            + _QUALIFIERS + "\n}\n")


def statements_page(after: str, size: int) -> str:
    """One page of ALL P190 statements: the ``size`` statements whose IRI sorts after ``after``.

    Keyset paging (``FILTER (STR(?statement) > "last")`` + ``ORDER BY`` + ``LIMIT``) rather
    than ``OFFSET``: a page's text names where the previous page ended, so (1) the endpoint
    never counts its way through the statements already fetched (OFFSET k*N makes the last
    pages the slowest, and on WDQS the likeliest to time out), (2) a statement added or
    removed in Wikidata between two pages does not shift every later page by one (OFFSET
    would skip or repeat a statement at each boundary), and (3) a rerun after an interruption
    asks exactly the same texts again, so the client's cache answers the finished pages.
    The inner SELECT pages over statements, not rows: a statement with two qualifier values
    gives two rows but is counted once.  ``STR()`` on both sides keeps ordering and the
    filter the same code-point order on any engine.
    """
    return (PREFIXES + f"SELECT {STATEMENT_VARS} WHERE {{\n"
            "  { SELECT ?item ?statement ?partner WHERE {\n"
            "      ?item p:P190 ?statement .\n      ?statement ps:P190 ?partner .\n      FILTER (isIRI(?partner))\n"
            f"      FILTER (STR(?statement) > {_string(after)})\n"
            f"    }} ORDER BY STR(?statement) LIMIT {int(size)} }}\n"
            + _QUALIFIERS + "\n}\n")


def references(statements: Iterable[str]) -> str:
    """The references of ``statements``: reference URL, stated in, title, retrieved."""
    return (PREFIXES + "SELECT ?statement ?ref ?url ?statedIn ?title ?retrieved WHERE {\n"
            + _values("statement", statements) + "\n"
            "  ?statement prov:wasDerivedFrom ?ref .\n"
            "  OPTIONAL { ?ref pr:P854 ?url . FILTER (isIRI(?url)) }\n"
            "  OPTIONAL { ?ref pr:P248 ?statedIn . FILTER (isIRI(?statedIn)) }\n"
            "  OPTIONAL { ?ref pr:P1476 ?title }\n"
            "  OPTIONAL { ?ref pr:P813 ?retrieved }\n}\n")


def places(items: Iterable[str]) -> str:
    """Country (P17) and coordinates (P625) of partner items."""
    return (PREFIXES + "SELECT ?item ?country ?coord WHERE {\n" + _values("item", items) + "\n"
            "  { ?item wdt:P17 ?country } UNION { ?item wdt:P625 ?coord }\n}\n")


def labels(items: Iterable[str], languages: Iterable[str]) -> str:
    """Labels of ``items`` in ``languages``."""
    langs = ", ".join(_string(lang) for lang in sorted(languages))
    return (PREFIXES + "SELECT ?item ?label WHERE {\n" + _values("item", items) + "\n"
            f"  ?item rdfs:label ?label .\n  FILTER (LANG(?label) IN ({langs}))\n}}\n")


def _string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
