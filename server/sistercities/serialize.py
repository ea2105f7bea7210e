"""Serialise small RDF graphs (documents, descriptions) in every format we serve.

rdflib is used here on purpose: these graphs are small and rdflib writes
readable Turtle and JSON-LD with our prefixes.  Query results and dumps are
serialised by pyoxigraph instead.  Never imports Flask.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from sistercities.conneg import RDF_BY_MIME
from sistercities.uris import ontology_ns

#: Prefixes bound in every document we write.
PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "prov": str(PROV),
    "void": str(VOID),
    "dcat": str(DCAT),
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "spdx": "http://spdx.org/rdf/terms#",
    "adms": "http://www.w3.org/ns/adms#",
    "sh": "http://www.w3.org/ns/shacl#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
}

_RDFLIB_FORMAT = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}


def prefixes(base: str) -> dict[str, str]:
    """Our prefixes plus the data's own (``tw:`` and friends) under ``base``."""
    return {**PREFIXES, "tw": ontology_ns(base), "twid": base + "id/"}


def bind(g: rdflib.Graph, base: str) -> rdflib.Graph:
    for p, ns in prefixes(base).items():
        g.bind(p, ns, override=True, replace=True)
    return g


def to_rdflib_term(t: Any) -> rdflib.term.Node:
    """A pyoxigraph term as an rdflib term."""
    if isinstance(t, ox.NamedNode):
        return rdflib.URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return rdflib.BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return rdflib.Literal(t.value, lang=t.language)
        dt = t.datatype.value
        if dt == str(XSD.string):
            return rdflib.Literal(t.value)
        return rdflib.Literal(t.value, datatype=rdflib.URIRef(dt))
    raise TypeError(f"not an RDF term: {t!r}")


def serialize_graph(g: rdflib.Graph, mime: str, base: str, *, context: dict[str, Any] | None = None) -> bytes:
    """``g`` in the syntax named by ``mime`` (one of :data:`conneg.RDF_FORMATS`)."""
    if mime not in RDF_BY_MIME:
        raise ValueError(f"cannot serialise RDF as {mime}")
    bind(g, base)
    fmt = _RDFLIB_FORMAT[mime]
    kw: dict[str, Any] = {}
    if fmt == "json-ld":
        kw["context"] = context or {p: ns for p, ns in prefixes(base).items()}
        kw["auto_compact"] = True
    out = g.serialize(format=fmt, encoding="utf-8", **kw)
    return out if isinstance(out, bytes) else out.encode("utf-8")
