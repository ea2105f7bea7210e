"""Facts about a release that the manifest does not carry, read from the store
ONCE per release (callers cache): country codes and labels, the bounding box
of the places, the languages of the labels, and -- while a build lacks
``manifest['stats']`` -- the statistics themselves.

Every query puts its triple patterns first (see stack-facts.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from sistercities.store import Store

WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL_SAMEAS = "http://www.w3.org/2002/07/owl#sameAs"
RDFS_SEEALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
WIKIDATA = "http://www.wikidata.org/entity/"
GEONAMES = "https://sws.geonames.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class CountryFact:
    iri: str
    code: str  # ISO 3166-1 alpha-2 as the data gives it ("" when absent)
    label: str


@dataclass(frozen=True)
class Facts:
    countries: tuple[CountryFact, ...] = ()
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north (west > east: crosses 180°)
    languages: tuple[str, ...] = ()  # BCP 47 primary subtags of labels, sorted
    distinct_triples: int | None = None  # triples of the union default graph (a set)
    graph_triples: dict[str, int] = field(default_factory=dict)  # triples per named graph
    linksets: dict[str, int] = field(default_factory=dict)  # links per target, counted for the declared predicate only
    stats: dict[str, Any] = field(default_factory=dict)  # fallback statistics when the manifest has none


def _int(row: dict[str, Any], key: str) -> int:
    t = row.get(key)
    return int(t.value) if t is not None else 0


def _local_ns(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def _is_number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


def bounding_box(points: list[tuple[float, float]]) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of (lon, lat) points, taking the shortest way
    round the globe: ``west > east`` when the box crosses the antimeridian."""
    if not points:
        return None
    lons = sorted({lon for lon, _ in points})
    lats = [lat for _, lat in points]
    # the largest empty arc between neighbouring longitudes is what the box leaves out
    gaps = [(lons[i + 1] - lons[i], i) for i in range(len(lons) - 1)]
    wrap = lons[0] + 360 - lons[-1]
    west, east = lons[0], lons[-1]
    if gaps:
        gap, i = max(gaps)
        if gap > wrap:
            west, east = lons[i + 1], lons[i]
    return (west, min(lats), east, max(lats))


def read_facts(store: Store, base: str, tw: str, *, need_stats: bool, need_graph_counts: bool = True) -> Facts:
    """Read the facts (a handful of small aggregate queries)."""
    countries = tuple(
        CountryFact(r["c"].value, r["code"].value if "code" in r else "", r["label"].value if "label" in r else "")
        for r in store.select(
            f"""SELECT ?c (SAMPLE(?cc) AS ?code) (SAMPLE(?l) AS ?label) WHERE {{
                ?c a <{tw}Country> .
                OPTIONAL {{ ?c <{tw}countryCode> ?cc }}
                OPTIONAL {{ ?c <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(langMatches(lang(?l), "en")) }}
            }} GROUP BY ?c ORDER BY ?c"""
        )
    )
    points = [
        (float(r["lon"].value), float(r["lat"].value))
        for r in store.select(f"SELECT DISTINCT ?lat ?lon WHERE {{ ?p <{WGS}lat> ?lat ; <{WGS}long> ?lon }}")
        if _is_number(r["lat"].value) and _is_number(r["lon"].value)
    ]
    bbox = bounding_box(points)
    langs = sorted(  # languages of the labels (rdfs:label is indexed; scanning every literal is 10x slower)
        {r["lang"].value.split("-")[0].lower() for r in store.select(
            "SELECT DISTINCT ?lang WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o BIND(lang(?o) AS ?lang) }"
        ) if "lang" in r and r["lang"].value}
    )
    distinct = (  # only a build without stats needs it: the manifest carries the count otherwise
        store.select("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")
        if need_stats else []
    )
    graphs = {
        r["g"].value: _int(r, "n")
        for r in store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    } if need_graph_counts else {}
    return Facts(
        linksets=count_links(store, base),
        countries=countries,
        graph_triples=graphs,
        bbox=bbox,
        languages=tuple(langs),
        distinct_triples=_int(distinct[0], "n") if distinct else None,
        stats=fallback_stats(store, base, tw) if need_stats else {},
    )


def count_links(store: Store, base: str) -> dict[str, int]:
    """Distinct (entity, target) links of the VoID linksets: owl:sameAs to Wikidata and
    rdfs:seeAlso to GeoNames features, from our entities (``{base}id/``) only."""
    out = {}
    for key, pred, target in (("wikidata", OWL_SAMEAS, WIKIDATA), ("geonames", RDFS_SEEALSO, GEONAMES)):
        rows = store.select(
            f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{pred}> ?o }}
                FILTER(STRSTARTS(STR(?o), "{target}") && STRSTARTS(STR(?s), "{base}id/")) }} }}"""
        )
        out[key] = _int(rows[0], "n") if rows else 0
    return out


def fallback_stats(store: Store, base: str, tw: str) -> dict[str, Any]:
    """``manifest['stats']`` computed from the store, for builds that lack it."""
    idns = base + "id/"

    def one(q: str) -> int:
        rows = store.select(q)
        return _int(rows[0], "n") if rows else 0

    quads = "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"  # the union as a SET of triples
    quads = "{ " + quads + " }"
    classes = [
        {"class": r["c"].value, "entities": _int(r, "n")}
        for r in store.select(f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{RDF_TYPE}> ?c }} FILTER(isIRI(?c)) }} "
                              "GROUP BY ?c ORDER BY DESC(?n) ?c")
    ]
    props = [
        {"property": r["p"].value, "triples": _int(r, "n")}
        for r in store.select(f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {quads} }} GROUP BY ?p ORDER BY DESC(?n) ?p")
    ]
    dates = store.select(
        f"""SELECT (MIN(?y) AS ?start) (MAX(?y) AS ?end) WHERE {{
            ?s ?p ?d FILTER(isLiteral(?d) && datatype(?d) IN (<{XSD}date>, <{XSD}gYear>, <{XSD}gYearMonth>))
            FILTER(STRSTARTS(STR(?p), "{tw}"))
            BIND(STR(?d) AS ?y)
        }}"""
    )
    temporal: dict[str, str] = {}
    if dates and "start" in dates[0]:
        temporal = {"start": dates[0]["start"].value, "end": dates[0]["end"].value}
    examples = [
        r["s"].value
        for r in store.select(
            f"""SELECT ?c (MIN(STR(?s)) AS ?s) WHERE {{ GRAPH ?g {{ ?x <{RDF_TYPE}> ?c }}
                FILTER(STRSTARTS(STR(?x), "{idns}")) BIND(?x AS ?s) }} GROUP BY ?c ORDER BY ?c LIMIT 8"""
        )
    ]
    vocabs = sorted({_local_ns(p["property"]) for p in props} | {_local_ns(c["class"]) for c in classes})
    return {
        "triples": one(f"SELECT (COUNT(*) AS ?n) WHERE {{ {quads} }}"),
        "entities": one(f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{RDF_TYPE}> ?c }} '
                        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{idns}")) }}'),
        "distinct_subjects": one(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {quads} }}"),
        "distinct_objects": one(f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {quads} }}"),
        "classes": len(classes),
        "properties": len(props),
        "class_partitions": classes,
        "property_partitions": props,
        "linksets": count_links(store, base),
        "vocabularies": vocabs,
        "temporal": temporal,
        "countries": [r["c"].value for r in store.select(f"SELECT DISTINCT ?c WHERE {{ ?c a <{tw}Country> }} ORDER BY ?c")],
        "example_resources": examples,
    }


def local_subjects(store: Store, base: str) -> list[str]:
    """Every typed IRI under ``base`` (every instance carries its rdf:type, see docs/model.md),
    without fragment IRIs, sorted.  Uses the rdf:type index: at 1M triples a DISTINCT over
    every subject took minutes, this takes seconds."""
    rows = store.select("SELECT DISTINCT ?s WHERE { ?s a ?c }")
    return sorted(
        s.value for s in (r["s"] for r in rows)
        if isinstance(s, ox.NamedNode) and s.value.startswith(base) and "#" not in s.value
    )


def labels(store: Store, iris: list[str]) -> dict[str, str]:
    """English (or any) rdfs:label of each IRI that has one."""
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in iris if ">" not in i)
    rows = store.select(
        f"""SELECT ?x (SAMPLE(?l) AS ?label) WHERE {{
            VALUES ?x {{ {values} }}
            ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(lang(?l) = "en" || lang(?l) = "")
        }} GROUP BY ?x"""
    )
    return {r["x"].value: r["label"].value for r in rows if "label" in r}
