"""Pick the label a reader wants: their languages in order, then English, then any.

Pure functions over pyoxigraph terms; no store access here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

import pyoxigraph as ox

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"

#: Properties that name a thing, best first.
LABEL_PROPS: tuple[str, ...] = (
    SKOS + "prefLabel",
    RDFS + "label",
    DCT + "title",
    SCHEMA + "name",
    FOAF + "name",
)
ALT_LABEL_PROPS: tuple[str, ...] = (SKOS + "altLabel", SCHEMA + "alternateName")


#: Prefixes for compact names of terms that have no label.
PREFIXES = {
    "http://www.w3.org/2001/XMLSchema#": "xsd", "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    RDFS: "rdfs", "http://www.w3.org/2002/07/owl#": "owl", SKOS: "skos", DCT: "dct", FOAF: "foaf",
    "http://www.w3.org/ns/prov#": "prov", "http://www.w3.org/ns/org#": "org", SCHEMA: "schema",
    "http://schema.org/": "schema", "http://www.w3.org/2006/time#": "time",
    "http://www.w3.org/2003/01/geo/wgs84_pos#": "wgs", "http://www.opengis.net/ont/geosparql#": "geosparql",
    "http://dbpedia.org/ontology/": "dbo", "http://www.wikidata.org/entity/": "wd",
    "http://www.wikidata.org/prop/direct/": "wdt", "http://www.w3.org/ns/shacl#": "sh",
    "http://purl.org/linked-data/cube#": "qb", "http://purl.org/vocab/vann/": "vann",
    "http://rdfs.org/ns/void#": "void", "http://www.w3.org/ns/dcat#": "dcat",
}


def curie(iri: str) -> str:
    """``rdfs:seeAlso`` for ``http://www.w3.org/2000/01/rdf-schema#seeAlso``; the IRI when no prefix fits."""
    for ns, p in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{p}:{iri[len(ns):]}"
    return iri


@dataclass(frozen=True)
class Label:
    """A text with its language tag ("" when the literal has none)."""

    text: str
    lang: str = ""

    def __str__(self) -> str:
        return self.text


def lang_of(term: object) -> str:
    return (term.language or "") if isinstance(term, ox.Literal) else ""


def _matches(tag: str, wanted: str) -> bool:
    """``ru`` matches ``ru`` and ``ru-RU``; ``ru-RU`` also matches a plain ``ru`` label."""
    tag, wanted = tag.lower(), wanted.lower()
    return tag == wanted or tag.startswith(wanted + "-") or wanted.startswith(tag + "-")


def pick(literals: Iterable[ox.Literal], langs: Sequence[str] = ()) -> Label | None:
    """The literal in the reader's best language, else English, else untagged, else any."""
    cands = [(lit.value, lit.language or "") for lit in literals if isinstance(lit, ox.Literal)]
    if not cands:
        return None
    for wanted in [*langs, "en"]:
        exact = [c for c in cands if c[1].lower() == wanted.lower()]
        close = exact or [c for c in cands if c[1] and _matches(c[1], wanted)]
        if close:
            return Label(*sorted(close)[0])
    plain = [c for c in cands if not c[1]]
    return Label(*sorted(plain or cands)[0])


def local_name(iri: str) -> str:
    """The last segment of an IRI (after ``#`` or ``/``), URL-decoded."""
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1] if iri else iri
    return unquote(tail) or iri


#: Names of external terms the data uses, where their local name reads badly.
KNOWN_NAMES: dict[str, str] = {
    "http://www.w3.org/ns/prov#wasDerivedFrom": "derived from",
    "http://www.w3.org/ns/prov#wasQuotedFrom": "quoted from",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject": "statement about",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate": "property",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#object": "value",
    "http://purl.org/dc/terms/isReplacedBy": "replaced by",
    "http://purl.org/dc/terms/isPartOf": "part of",
}


def humanise(iri: str) -> str:
    """A readable fallback name for an IRI without a label: ``khabarovsk-niigata`` -> ``khabarovsk niigata``,
    ``wasDerivedFrom`` -> ``was derived from`` (well-known terms by :data:`KNOWN_NAMES`)."""
    if iri in KNOWN_NAMES:
        return KNOWN_NAMES[iri]
    name = local_name(iri)
    name = re.sub(r"(?<=[a-z])([A-Z])(?=[a-z])", lambda m: " " + m.group(1).lower(), name)  # camelCase
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    return name.replace("-", " ").replace("_", " ")
