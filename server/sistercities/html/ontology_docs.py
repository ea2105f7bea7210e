"""Documentation pages of the ontology and of the SHACL shapes, from their named graphs.

One query per page reads the whole graph (a few thousand triples at most); terms
are grouped (classes, object properties, datatype properties, datatypes) and each
gets an anchor ``#<localname>``, so ``/ontology#City`` is the documentation of
``tw:City``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from sistercities.html.labels import Label, curie, humanise, local_name, pick
from sistercities.html.values import Value, browse_url, external_name
from sistercities.store import Store
from sistercities.uris import URLs, ontology_ns

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
SH = "http://www.w3.org/ns/shacl#"
VANN = "http://purl.org/vocab/vann/"

#: (group heading, what one term of the group is called, the rdf:types that put a term in it).
GROUPS = (
    ("Classes", "class", (OWL + "Class", RDFS + "Class")),
    ("Object properties", "object property", (OWL + "ObjectProperty",)),
    ("Datatype properties", "datatype property", (OWL + "DatatypeProperty",)),
    ("Annotation properties", "annotation property", (OWL + "AnnotationProperty", RDF + "Property")),
    ("Datatypes", "datatype", (RDFS + "Datatype",)),
)
CHARACTERISTICS = ("FunctionalProperty", "InverseFunctionalProperty", "SymmetricProperty", "AsymmetricProperty",
                   "TransitiveProperty", "IrreflexiveProperty", "ReflexiveProperty")
RELATIONS = (
    ("Sub-class of", RDFS + "subClassOf"), ("Sub-property of", RDFS + "subPropertyOf"),
    ("Domain", RDFS + "domain"), ("Range", RDFS + "range"), ("Inverse of", OWL + "inverseOf"),
    ("Equivalent to", OWL + "equivalentClass"), ("Equivalent property", OWL + "equivalentProperty"),
    ("Exact match", SKOS + "exactMatch"), ("Close match", SKOS + "closeMatch"), ("Broad match", SKOS + "broadMatch"),
    ("Narrow match", SKOS + "narrowMatch"), ("Related match", SKOS + "relatedMatch"), ("See also", RDFS + "seeAlso"),
)


class Triples:
    """A small graph in memory, keyed by term (blank nodes included)."""

    def __init__(self, rows: Sequence[dict[str, object]]) -> None:
        self.out: dict[object, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            self.out[r["s"]][r["p"].value].append(r["o"])  # type: ignore[attr-defined]

    def objs(self, s: object, p: str) -> list[object]:
        return list(self.out.get(s, {}).get(p, ()))

    def subjects_of_type(self, *classes: str) -> list[ox.NamedNode]:
        want = {ox.NamedNode(c) for c in classes}
        return sorted((s for s, po in self.out.items() if isinstance(s, ox.NamedNode) and want & set(po.get(RDF + "type", ()))),
                      key=lambda n: n.value)

    def text(self, s: object, *props: str, langs: Sequence[str] = ()) -> Label | None:
        for p in props:
            lab = pick([o for o in self.objs(s, p) if isinstance(o, ox.Literal)], langs)
            if lab:
                return lab
        return None

    def rdf_list(self, head: object) -> list[object]:
        items, seen = [], set()
        while isinstance(head, ox.BlankNode) and head not in seen:
            seen.add(head)
            items += self.objs(head, RDF + "first")
            rest = self.objs(head, RDF + "rest")
            head = rest[0] if rest else None
        return items


def ontology_page_url(term_iri: str, urls: URLs | None = None) -> str:
    """Where the HTML documentation of an ontology term is: the ontology page at ``#<localname>``."""
    urls = urls or URLs()
    return urls.link(urls.ontology_iri()) + "#" + local_name(term_iri)


@dataclass
class Term:
    iri: str
    anchor: str
    label: Label
    kind: str
    definition: Label | None = None
    notes: list[Label] = field(default_factory=list)
    alt_labels: list[Label] = field(default_factory=list)
    characteristics: list[str] = field(default_factory=list)
    relations: list[tuple[str, list[Value]]] = field(default_factory=list)
    used_by: list[tuple[str, list[Value]]] = field(default_factory=list)


class _Linker:
    def __init__(self, g: Triples, urls: URLs, langs: Sequence[str]) -> None:
        self.g, self.urls, self.langs = g, urls, langs
        self.ns = ontology_ns(urls.base)

    def term_href(self, iri: str) -> str | None:
        if iri.startswith(self.ns) and "/" not in iri[len(self.ns):]:
            return "#" + local_name(iri)
        return None

    def value(self, o: object) -> Value:
        if isinstance(o, ox.NamedNode):
            iri = o.value
            anchor = self.term_href(iri)
            lab = self.g.text(o, SKOS + "prefLabel", RDFS + "label", langs=self.langs)
            if anchor:
                return Value(lab.text if lab else humanise(iri), lab.lang if lab else "", anchor, iri, note=curie(iri))
            if self.urls.is_local(iri):
                return Value(lab.text if lab else humanise(iri), lab.lang if lab else "", self.urls.link(iri), iri)
            name = external_name(iri)
            return Value(name or curie(iri), "", browse_url(iri), iri, external=True)
        if isinstance(o, ox.BlankNode):
            for p, word in ((OWL + "unionOf", " or "), (OWL + "intersectionOf", " and ")):
                lst = self.g.objs(o, p)
                if lst:
                    members = [self.value(x) for x in self.g.rdf_list(lst[0])]
                    return Value(word.join(m.note or m.text for m in members), note="")
            inv = self.g.objs(o, SH + "inversePath")
            if inv:
                v = self.value(inv[0])
                return Value("^" + (v.note or v.text), href=v.href, iri=v.iri)
            items = self.g.rdf_list(o)
            if items:
                return Value(" / ".join(self.value(x).note or self.value(x).text for x in items))
            return Value("(anonymous)")
        lit = o
        assert isinstance(lit, ox.Literal)
        return Value(lit.value, lit.language or "")


def ontology_view(store: Store, urls: URLs, langs: Sequence[str]) -> dict[str, object] | None:
    onto = urls.ontology_iri()
    rows = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{onto}> {{ ?s ?p ?o }} }}")
    if not rows:
        return None
    g = Triples(rows)
    lk = _Linker(g, urls, langs)
    head = ox.NamedNode(onto)
    meta = [(name, [lk.value(o) for o in g.objs(head, p)]) for name, p in (
        ("Version", OWL + "versionInfo"), ("Version IRI", OWL + "versionIRI"), ("Imports", OWL + "imports"),
        ("Created", DCT + "created"), ("Modified", DCT + "modified"), ("Creator", DCT + "creator"),
        ("Licence", DCT + "license"), ("Preferred prefix", VANN + "preferredNamespacePrefix"),
        ("Namespace", VANN + "preferredNamespaceUri"), ("See also", RDFS + "seeAlso"))]
    groups: list[tuple[str, list[Term]]] = []
    seen: set[str] = set()
    uses: dict[str, list[tuple[str, object]]] = defaultdict(list)
    for s, po in g.out.items():
        for name, p in (("Domain of", RDFS + "domain"), ("Range of", RDFS + "range"), ("Super-class of", RDFS + "subClassOf"),
                        ("Super-property of", RDFS + "subPropertyOf")):
            for o in po.get(p, ()):
                if isinstance(o, ox.NamedNode):
                    uses[o.value].append((name, s))
    for title, kind, classes in GROUPS:
        terms = []
        for n in g.subjects_of_type(*classes):
            if n.value in seen or not n.value.startswith(lk.ns):
                continue
            seen.add(n.value)
            lab = g.text(n, SKOS + "prefLabel", RDFS + "label", langs=langs) or Label(humanise(n.value))
            t = Term(n.value, local_name(n.value), lab, kind,
                     g.text(n, SKOS + "definition", RDFS + "comment", langs=langs))
            t.notes = [Label(o.value, o.language or "") for p in (SKOS + "scopeNote", SKOS + "editorialNote", SKOS + "example")
                       for o in g.objs(n, p) if isinstance(o, ox.Literal)]
            t.alt_labels = [Label(o.value, o.language or "") for o in g.objs(n, SKOS + "altLabel") if isinstance(o, ox.Literal)]
            types = {o.value for o in g.objs(n, RDF + "type") if isinstance(o, ox.NamedNode)}
            t.characteristics = [humanise(c).replace(" Property", "").lower() for c in CHARACTERISTICS if OWL + c in types]
            for name, p in RELATIONS:
                vals = [lk.value(o) for o in g.objs(n, p)]
                if vals:
                    t.relations.append((name, vals))
            grouped: dict[str, list[Value]] = defaultdict(list)
            for name, s in uses.get(n.value, ()):
                grouped[name].append(lk.value(s))
            t.used_by = [(k, sorted(v, key=lambda x: x.text)) for k, v in sorted(grouped.items())]
            terms.append(t)
        terms.sort(key=lambda t: t.anchor.lower())
        if terms:
            groups.append((title, terms))
    schemes = [lk.value(n) for n in g.subjects_of_type(SKOS + "ConceptScheme")]
    return {
        "iri": onto,
        "title": g.text(head, DCT + "title", RDFS + "label", langs=langs) or Label("Ontology"),
        "definition": g.text(head, SKOS + "definition", DCT + "description", RDFS + "comment", langs=langs),
        "meta": [(k, v) for k, v in meta if v],
        "groups": groups,
        "schemes": sorted(schemes, key=lambda v: v.text),
        "count": sum(len(ts) for _, ts in groups),
    }


def shapes_view(store: Store, urls: URLs, langs: Sequence[str]) -> dict[str, object] | None:
    shapes_iri = urls.shapes_iri()
    rows = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{shapes_iri}> {{ ?s ?p ?o }} }}")
    if not rows:
        return None
    g = Triples(rows)
    lk = _Linker(g, urls, langs)
    shapes = []
    for n in g.subjects_of_type(SH + "NodeShape", SH + "PropertyShape"):
        targets = [(curie(p).split(":")[1], [lk.value(o) for o in g.objs(n, p)])
                   for p in (SH + "targetClass", SH + "targetNode", SH + "targetSubjectsOf", SH + "targetObjectsOf")]
        props = []
        for ps in g.objs(n, SH + "property"):
            path = g.objs(ps, SH + "path")
            cons = []
            for p, objs in sorted(g.out.get(ps, {}).items()):
                if p in (SH + "path", SH + "message", SH + "name", SH + "description", SH + "severity", RDF + "type"):
                    continue
                for o in objs:
                    lst = g.rdf_list(o) if isinstance(o, ox.BlankNode) else []
                    v = Value(", ".join(lk.value(x).note or lk.value(x).text for x in lst)) if lst else lk.value(o)
                    cons.append((curie(p).replace("sh:", ""), v))
            msg = g.text(ps, SH + "message", SH + "description", SH + "name", langs=langs)
            sev = g.objs(ps, SH + "severity")
            props.append({"path": lk.value(path[0]) if path else Value("(none)"), "constraints": cons,
                          "message": msg, "severity": local_name(sev[0].value) if sev else ""})  # type: ignore[attr-defined]
        sparql = [g.text(c, SH + "message", langs=langs) for c in g.objs(n, SH + "sparql")]
        sev = g.objs(n, SH + "severity")
        shapes.append({
            "iri": n.value, "anchor": local_name(n.value),
            "label": g.text(n, RDFS + "label", SH + "name", langs=langs) or Label(local_name(n.value)),
            "description": g.text(n, RDFS + "comment", SH + "description", SKOS + "definition", langs=langs),
            "message": g.text(n, SH + "message", langs=langs),
            "severity": local_name(sev[0].value) if sev else "",  # type: ignore[attr-defined]
            "targets": [(k, v) for k, v in targets if v], "properties": props,
            "sparql": [m for m in sparql if m],
        })
    return {"iri": shapes_iri, "shapes": shapes,
            "title": g.text(ox.NamedNode(shapes_iri), DCT + "title", RDFS + "label", langs=langs) or Label("Shapes")}
