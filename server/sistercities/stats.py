"""VoID statistics of a built store, computed with SPARQL on pyoxigraph.

Every figure is over the union of all named graphs taken as a SET of triples
(a triple stated in two graphs counts once): what the store's default graph
holds once the build has filled it (:mod:`sistercities.defaultgraph`; the build
computes these before, reading the union, and every count is DISTINCT, so both
give the same figures); ``graph_triples`` gives the per-graph quad counts.  Queries put triple patterns first (see
stack-facts.md) and stay fast at 1M+ triples.  Never imports Flask.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from sistercities import defaultgraph
from sistercities.uris import ontology_ns

XSD = "http://www.w3.org/2001/XMLSchema#"
RDFS_RANGE = "http://www.w3.org/2000/01/rdf-schema#range"
DATE_TYPES = ("date", "gYearMonth", "gYear", "dateTime")
WIKIDATA = "http://www.wikidata.org/entity/"
GEONAMES = ("https://sws.geonames.org/", "http://sws.geonames.org/", "https://www.geonames.org/", "http://www.geonames.org/")

#: Predicates whose links to Wikidata / GeoNames make the VoID linksets.
LINK_PREDICATES = (
    "http://www.w3.org/2002/07/owl#sameAs",
    "http://www.w3.org/2000/01/rdf-schema#seeAlso",
    "http://www.w3.org/2004/02/skos/core#exactMatch",
    "http://www.w3.org/2004/02/skos/core#closeMatch",
    "https://schema.org/sameAs",
)

#: Classes whose best-connected instance is offered as an example, in this order.
EXAMPLE_CLASSES = ("City", "Twinning", "Agreement", "Visit", "Event", "Programme", "SourceDocument")


def _rows(store: ox.Store, q: str) -> list[ox.QuerySolution]:
    res = store.query(q, **defaultgraph.dataset_kw(store))
    assert isinstance(res, ox.QuerySolutions)
    return list(res)


def _int(store: ox.Store, q: str) -> int:
    rows = _rows(store, q)
    return int(rows[0]["n"].value) if rows and rows[0]["n"] is not None else 0


def namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut >= 0 else iri


def graph_triples(store: ox.Store) -> dict[str, int]:
    """Quads per named graph."""
    res = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert isinstance(res, ox.QuerySolutions)
    return {r["g"].value: int(r["n"].value) for r in res}


def compute(store: ox.Store, base: str) -> dict[str, Any]:
    """The manifest's ``stats`` object."""
    tw = ontology_ns(base)
    ids = base + "id/"
    subjects = _int(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")
    objects = _int(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }")
    entities = _int(store, f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c .
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ids}")) }}""")
    classes: list[dict[str, Any]] = [
        {"class": r["c"].value, "entities": int(r["n"].value)}
        for r in _rows(store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")
        if isinstance(r["c"], ox.NamedNode)
    ]
    classes.sort(key=lambda d: (-d["entities"], d["class"]))
    props: list[dict[str, Any]] = [
        {"property": r["p"].value, "triples": int(r["n"].value)}
        for r in _rows(store, "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } GROUP BY ?p")
    ]
    props.sort(key=lambda d: (-d["triples"], d["property"]))
    triples = sum(d["triples"] for d in props)  # every distinct triple has exactly one property
    linksets = _linksets(store, ids)
    vocabularies = sorted({namespace(d["property"]) for d in props} | {namespace(d["class"]) for d in classes})
    temporal = _temporal(store, base, [d["property"] for d in props if d["property"].startswith(tw)])
    countries = sorted(r["c"].value for r in _rows(store, f"SELECT DISTINCT ?c WHERE {{ ?c a <{tw}Country> }}")
                       if isinstance(r["c"], ox.NamedNode))
    return {
        "triples": triples,
        "entities": entities,
        "distinct_subjects": subjects,
        "distinct_objects": objects,
        "classes": len(classes),
        "properties": len(props),
        "class_partitions": classes,
        "property_partitions": props,
        "linksets": linksets,
        "vocabularies": vocabularies,
        "temporal": temporal,
        "countries": countries,
        "example_resources": examples(store, base, classes),
        **_literal_stats(store),
    }


def _literal_stats(store: ox.Store) -> dict[str, list[str]]:
    kinds = literal_kinds(store)
    return {"literal_predicates": sorted(kinds),
            "form_ordered_predicates": sorted(p for p, ordered in kinds.items() if ordered)}


#: Datatypes pyoxigraph compares by value in an order that is not the order of their canonical
#: forms ("10" < "9", "P10D" < "P9D"), or always with a time zone (xsd:dateTimeStamp).
_BY_VALUE = tuple(XSD + t for t in (
    "integer", "decimal", "float", "double", "byte", "short", "int", "long", "unsignedByte", "unsignedShort",
    "unsignedInt", "unsignedLong", "positiveInteger", "negativeInteger", "nonPositiveInteger", "nonNegativeInteger",
    "duration", "yearMonthDuration", "dayTimeDuration", "dateTimeStamp"))
#: Date and time datatypes: compared by value, which is the order of their forms only without a
#: time zone and with a year of four digits (:data:`_FORM_ORDERED`).
_CALENDAR = tuple(XSD + t for t in ("dateTime", "date", "time", "gYearMonth", "gYear", "gMonthDay", "gDay", "gMonth"))
_FORM_ORDERED = (r"^([0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?)?)?)?"
                 r"|[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?|--[0-9]{2}(-[0-9]{2})?|---[0-9]{2})$")


def literal_kinds(store: ox.Store) -> dict[str, bool]:
    """Every predicate with a literal object in some graph -> whether all its literal objects sort
    by their form in pyoxigraph's ORDER BY: strings, language-tagged strings, booleans, literals
    of other datatypes and dates without a time zone -- not numbers, durations or zoned dates.

    pyoxigraph 0.5.13 orders two literals by value where SPARQL's ``<`` compares them, and by
    (canonical form, datatype, language) where it does not (spareval ``cmp_terms``).  That is a
    total order only when every by-value comparison agrees with the forms: a mix that holds a
    number or a zoned date breaks it and can abort the process (docs/upstream-orderby-panic.md);
    among literals that all sort by their form, with IRIs and blank nodes (always first), it
    cannot.  One scan of the store for the datatypes of each predicate, then one scan of a
    predicate's date values per date datatype: 4.4 s at 1M triples (the scan alone: 2.5 s)."""
    res = store.query("SELECT DISTINCT ?p (DATATYPE(?o) AS ?d) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isLITERAL(?o)) }")
    assert isinstance(res, ox.QuerySolutions)
    kinds: dict[str, bool] = {}
    for r in res:
        p, d = r["p"].value, r["d"].value
        if d in _BY_VALUE:
            ordered = False
        elif d in _CALENDAR:  # every value of this pair has the form (one index scan of the predicate)
            ordered = not store.query(f"""ASK {{ GRAPH ?g {{ ?s <{p}> ?o }}
                FILTER(DATATYPE(?o) = <{d}> && !REGEX(STR(?o), "{_FORM_ORDERED}")) }}""")
        else:
            ordered = True
        kinds[p] = kinds.get(p, True) and ordered
    return kinds


def _linksets(store: ox.Store, ids: str) -> dict[str, int]:
    """Distinct link triples (:data:`LINK_PREDICATES`) from our entities to Wikidata items
    and GeoNames features.  Only those predicates' triples are scanned."""
    preds = " ".join(f"<{p}>" for p in LINK_PREDICATES)
    geo = " || ".join(f'STRSTARTS(STR(?o), "{g}")' for g in GEONAMES)
    q = """SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o . VALUES ?p {{ {preds} }}
        FILTER(isIRI(?o) && ({cond}) && STRSTARTS(STR(?s), "{ids}")) }} }}"""
    return {
        "wikidata": _int(store, q.format(preds=preds, cond=f'STRSTARTS(STR(?o), "{WIKIDATA}")', ids=ids)),
        "geonames": _int(store, q.format(preds=preds, cond=geo, ids=ids)),
    }


def _temporal(store: ox.Store, base: str, our_props: list[str]) -> dict[str, str | None]:
    """Earliest and latest date (any precision, compared as ISO strings) stated with one of
    our properties whose ontology range is a date (tw:TemporalValue or an xsd date type).
    Only those properties' distinct values are read."""
    tw = ontology_ns(base)
    ranges = " ".join(f"<{XSD}{t}>" for t in DATE_TYPES) + f" <{tw}TemporalValue>"
    rows = _rows(store, f"""SELECT DISTINCT ?p WHERE {{ GRAPH <{base}ontology> {{ ?p <{RDFS_RANGE}> ?r }}
        VALUES ?r {{ {ranges} }} }}""")
    date_props = sorted({r["p"].value for r in rows} & set(our_props))
    values: list[str] = []
    if date_props:
        dts = {XSD + t for t in DATE_TYPES}
        preds = " ".join(f"<{p}>" for p in date_props)
        for r in _rows(store, f"SELECT DISTINCT ?o WHERE {{ ?s ?p ?o . VALUES ?p {{ {preds} }} }}"):
            o = r["o"]
            if isinstance(o, ox.Literal) and o.datatype.value in dts:
                values.append(o.value)
    return {"start": min(values) if values else None, "end": max(values) if values else None}


def examples(store: ox.Store, base: str, classes: list[dict[str, Any]], limit: int = 6) -> list[str]:
    """The most-described instance of a few telling classes (our own first, then the most populous)."""
    tw = ontology_ns(base)
    ids = base + "id/"
    present = {d["class"] for d in classes}
    order = [tw + c for c in EXAMPLE_CLASSES if tw + c in present]
    order += [d["class"] for d in classes if d["class"] not in order]
    order = order[: limit * 2]
    out: list[str] = []
    for c in order:
        if len(out) >= limit:
            break
        # the best-described of (at most) the first 2,000 instances: bounded cost at any size
        rows = _rows(store, f"""SELECT ?s (COUNT(*) AS ?n) WHERE {{
            {{ SELECT DISTINCT ?s WHERE {{ ?s a <{c}> . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ids}")) }} LIMIT 2000 }}
            ?s ?p ?o }} GROUP BY ?s ORDER BY DESC(?n) STR(?s) LIMIT 1""")
        if rows and rows[0]["s"].value not in out:
            out.append(rows[0]["s"].value)
    return out
