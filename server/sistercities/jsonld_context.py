"""The JSON-LD context of our documents: short keys, IRIs as ``@id``, language maps.

* ``@vocab`` is the ontology namespace, so our own terms are bare words
  (``"partner"``, ``"startDate"``, ``"type": "Twinning"``);
* ``id``/``type`` alias ``@id``/``@type``;
* labels are language maps (``"label": {"en": "Khabarovsk", "ru": "Хабаровск"}``);
* every object property of the ontology, and the common linking terms of
  other vocabularies (``sameAs``, ``wasDerivedFrom``, ``seeAlso`` …), are
  coerced to ``@id`` so their values are plain IRI strings;
* the usual prefixes (``rdfs:``, ``skos:``, ``wd:`` …) for everything else.

Never imports Flask.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from sistercities.serialize import prefixes
from sistercities.store import Store, StoreError
from sistercities.uris import URLs, ontology_ns

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
VOID = "http://rdfs.org/ns/void#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
ORG = "http://www.w3.org/ns/org#"

#: Language-tagged text: a language map keyed by tag.
LANGUAGE_MAPS = {
    "label": RDFS + "label",
    "altLabel": SKOS + "altLabel",
    "prefLabel": SKOS + "prefLabel",
}

#: Linking terms of other vocabularies whose values are IRIs.
IRI_TERMS = {
    "sameAs": OWL + "sameAs",
    "seeAlso": RDFS + "seeAlso",
    "isDefinedBy": RDFS + "isDefinedBy",
    "subClassOf": RDFS + "subClassOf",
    "subPropertyOf": RDFS + "subPropertyOf",
    "domain": RDFS + "domain",
    "range": RDFS + "range",
    "wasDerivedFrom": PROV + "wasDerivedFrom",
    "primaryTopic": FOAF + "primaryTopic",
    "inDataset": VOID + "inDataset",
    "source": DCT + "source",
    "isPartOf": DCT + "isPartOf",
    "publisher": DCT + "publisher",
    "license": DCT + "license",
    "inScheme": SKOS + "inScheme",
    "broader": SKOS + "broader",
    "narrower": SKOS + "narrower",
    "closeMatch": SKOS + "closeMatch",
    "exactMatch": SKOS + "exactMatch",
    "headOf": ORG + "headOf",
    "memberOf": ORG + "memberOf",
    "unitOf": ORG + "unitOf",
    "hasMember": ORG + "hasMember",
    "next": HYDRA + "next",
    "previous": HYDRA + "previous",
    "first": HYDRA + "first",
    "last": HYDRA + "last",
}

#: Plain-valued terms of other vocabularies given a short key.
PLAIN_TERMS = {
    "title": DCT + "title",
    "modified": DCT + "modified",
    "issued": DCT + "issued",
    "editorialNote": SKOS + "editorialNote",
    "definition": SKOS + "definition",
    "comment": RDFS + "comment",
    "totalItems": HYDRA + "totalItems",
    "itemsPerPage": HYDRA + "itemsPerPage",
}


def object_properties(store: Store | None, base: str) -> list[str]:
    """Local names of the ontology's object properties (``tw:partner`` …)."""
    if store is None:
        return []
    ns = ontology_ns(base)
    graph = ox.NamedNode(URLs(base=base).ontology_iri())
    names: set[str] = set()
    try:
        quads = store.quads(None, ox.NamedNode(RDF + "type"), ox.NamedNode(OWL + "ObjectProperty"), graph)
        for q in quads:
            iri = q.subject.value if isinstance(q.subject, ox.NamedNode) else ""
            local = iri[len(ns):]
            if iri.startswith(ns) and local and "/" not in local and "#" not in local:
                names.add(local)
    except StoreError:  # a remote store that cannot answer still gets a usable context
        return []
    return sorted(names)


def build_context(base: str, store: Store | None = None) -> dict[str, Any]:
    """The context for documents about data under ``base``."""
    ns = ontology_ns(base)
    ctx: dict[str, Any] = {"@vocab": ns, "id": "@id", "type": "@type"}
    for prefix, iri in sorted(prefixes(base).items()):
        ctx[prefix] = iri
    ctx["hydra"] = HYDRA
    for key, iri in LANGUAGE_MAPS.items():
        ctx[key] = {"@id": iri, "@container": "@language"}
    for key, iri in PLAIN_TERMS.items():
        ctx[key] = {"@id": iri}
    for key, iri in IRI_TERMS.items():
        ctx[key] = {"@id": iri, "@type": "@id"}
    for local in object_properties(store, base):
        if local not in ctx:
            ctx[local] = {"@id": ns + local, "@type": "@id"}
    return ctx
