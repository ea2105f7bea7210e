"""The dataset page's class statistics: the data's own classes first, the vocabulary's after.

The store counts instances of every class, so the ontology (owl:Class, owl:ObjectProperty), the shapes
(sh:NodeShape) and the code lists (skos:Concept) are counted next to cities and agreements.  Readers come
for the data: its classes (tw:, foaf:, org:, ...) lead, by instance count, with their labels; the
vocabulary's classes follow as CURIEs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sistercities.html.labels import curie

#: Namespaces whose classes describe the vocabulary (ontology, shapes, code lists), not the data.
VOCABULARY = ("http://www.w3.org/2002/07/owl#", "http://www.w3.org/2000/01/rdf-schema#",
              "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/ns/shacl#",
              "http://www.w3.org/2004/02/skos/core#", "http://purl.org/vocab/vann/", "http://rdfs.org/ns/void#",
              "http://www.w3.org/ns/dcat#")

#: Labels of the external classes the data uses (the store holds no labels for them).
KNOWN = {"http://xmlns.com/foaf/0.1/Person": "person", "http://xmlns.com/foaf/0.1/Organization": "organisation",
         "http://www.w3.org/ns/org#Organization": "organisation", "http://www.w3.org/ns/org#Membership": "membership",
         "http://www.w3.org/ns/org#Role": "role", "http://www.w3.org/ns/org#Post": "post",
         "http://www.w3.org/ns/prov#Entity": "entity", "http://www.w3.org/ns/prov#Activity": "activity",
         "https://schema.org/Place": "place", "http://www.w3.org/2004/02/skos/core#Concept": "concept",
         "http://www.w3.org/2004/02/skos/core#ConceptScheme": "concept scheme"}


def short(iri: str, base: str) -> str:
    tw = base + "ontology/"
    if iri.startswith(tw) and len(iri) > len(tw):
        return "tw:" + iri[len(tw):]
    return curie(iri)


def class_groups(partitions: Iterable[Mapping[str, Any]], labels: Mapping[str, str],
                 base: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(data classes, vocabulary classes), each by instance count (most first), then by name."""
    data: list[dict[str, Any]] = []
    vocab: list[dict[str, Any]] = []
    for p in partitions:
        iri = str(p.get("class") or "")
        if not iri:
            continue
        row = {"iri": iri, "curie": short(iri, base), "label": labels.get(iri) or KNOWN.get(iri, ""),
               "entities": int(p.get("entities") or 0)}
        (vocab if iri.startswith(VOCABULARY) else data).append(row)
    for rows in (data, vocab):
        rows.sort(key=lambda r: (-r["entities"], r["curie"]))
    return data, vocab
