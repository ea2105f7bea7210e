"""The words the query editor completes: our ontology's terms and the usual prefixes (pure, no Flask).

The terms are read from the ``{base}ontology`` graph of the release, so the
editor offers exactly what the data's vocabulary declares: ``tw:twinnedWith``,
``tw:City``...  :func:`editor_data` is the small JSON document the query page
carries in a ``data-`` attribute (the CSP allows no inline script).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sistercities.sparql.hints import ontology_graph
from sistercities.uris import ontology_ns

OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
#: the kind of a term, from its rdf:type, as the editor shows it
KINDS = {
    OWL + "Class": "class", RDFS + "Class": "class",
    OWL + "ObjectProperty": "property", OWL + "DatatypeProperty": "property",
    OWL + "AnnotationProperty": "property", "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property": "property",
}


@dataclass(frozen=True)
class Term:
    local: str  # the name after the namespace: "twinnedWith"
    kind: str  # "class", "property" or "term"
    label: str


def terms_query(base: str) -> str:
    """A SELECT of ``?term ?type ?label`` over the ontology graph, in the ontology namespace."""
    return (f"PREFIX rdfs: <{RDFS}>\nSELECT ?term ?type ?label WHERE {{ GRAPH <{ontology_graph(base)}> {{ "
            f"?term ?p ?o OPTIONAL {{ ?term a ?type }} "
            f'OPTIONAL {{ ?term rdfs:label ?label FILTER(LANG(?label) = "en" || LANG(?label) = "") }} }} '
            f'FILTER(isIRI(?term) && STRSTARTS(STR(?term), "{ontology_ns(base)}")) }}')


def terms(rows: Iterable[Mapping[str, Any]], base: str) -> tuple[Term, ...]:
    """One :class:`Term` per IRI of the rows (``term``, optional ``type`` and ``label``), sorted by name."""
    ns = ontology_ns(base)
    kinds: dict[str, str] = {}
    labels: dict[str, str] = {}
    for r in rows:
        iri = r["term"].value
        local = iri[len(ns):]
        if not local or not iri.startswith(ns):
            continue
        kind = KINDS.get(r["type"].value, "") if "type" in r else ""
        if kind or local not in kinds:
            kinds[local] = kind or kinds.get(local, "")
        if "label" in r:
            labels.setdefault(local, r["label"].value)
    return tuple(Term(k, kinds[k] or "term", labels.get(k, "")) for k in sorted(kinds, key=str.lower))


def editor_data(found: Iterable[Term], base: str, prefixes: Iterable[tuple[str, str]]) -> str:
    """The JSON the editor reads: the ontology namespace, its terms and the known prefixes."""
    doc = {
        "ns": ontology_ns(base),
        "terms": [{"n": t.local, "k": t.kind, "l": t.label} for t in found],
        "prefixes": dict(prefixes),
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


class TermsCache:
    """The terms, read once per key (a worker's store, base and release); a failed read is not kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: Hashable = None
        self._terms: tuple[Term, ...] = ()

    def get(self, key: Hashable, load: Callable[[], tuple[Term, ...]]) -> tuple[Term, ...]:
        with self._lock:
            if self._key is not None and self._key == key:
                return self._terms
            found = load()
            self._key, self._terms = key, found
            return found
