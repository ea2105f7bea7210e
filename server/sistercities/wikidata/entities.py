"""The project's cities, countries and organisations as the reconciler sees them.

:func:`read_project` loads ``ontology/`` and ``data/`` (as ``validate`` and ``build`` do, see
:mod:`sistercities.rdfio`) into a scratch store and returns every :class:`Entity` with its labels,
alternative labels, country (and that country's Wikidata QID), coordinates and existing
``owl:sameAs wd:Q…`` link.  Organisations are every ``org:Organization`` / ``org:OrganizationalUnit``
(and subclasses) except ``tw:Delegation`` (a group sent on one visit has no Wikidata item); places
imported from Wikidata (``tw:wikidataItem``) are not ours and are left out.  A data file that does
not parse raises :class:`ProjectError` naming file and line.  Never imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from sistercities.rdfio import DATA, ONTOLOGY, Input, Locator, inputs, load

WD = "http://www.wikidata.org/entity/"
KINDS = ("city", "country", "organisation")

_PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX tw: <{base}ontology/>
"""

_ENTITIES = """SELECT DISTINCT ?e ?kind WHERE {
  { ?e a/rdfs:subClassOf* tw:City . BIND("city" AS ?kind) }
  UNION { ?e a/rdfs:subClassOf* tw:Country . BIND("country" AS ?kind) }
  UNION { VALUES ?oc { org:Organization org:OrganizationalUnit } ?e a/rdfs:subClassOf* ?oc .
          FILTER NOT EXISTS { ?e a/rdfs:subClassOf* tw:Delegation } BIND("organisation" AS ?kind) }
  FILTER (isIRI(?e))
  FILTER NOT EXISTS { ?e tw:wikidataItem ?item }
}"""

_LABELS = """SELECT ?e ?p ?l WHERE { VALUES ?p { rdfs:label skos:altLabel } ?e ?p ?l . FILTER (isLiteral(?l)) }"""
_SAMEAS = """SELECT ?e ?x WHERE { ?e owl:sameAs ?x . FILTER (STRSTARTS(STR(?x), "http://www.wikidata.org/entity/")) }"""
_COORDS = """SELECT ?e ?lat ?long WHERE { ?e wgs:lat ?lat ; wgs:long ?long }"""
_CODES = """SELECT ?e ?code WHERE { ?e tw:countryCode ?code }"""
#: the country of a city, of an organisation (the country it represents, or that of its city)
_COUNTRY = """SELECT ?e ?c WHERE {
  { ?e tw:country ?c } UNION { ?e tw:representsCountry ?c }
  UNION { ?e tw:basedIn/tw:country ?c } UNION { ?e tw:administrationOf/tw:country ?c }
}"""


class ProjectError(Exception):
    """The project cannot be read; ``str(e)`` is one line naming the file (and line)."""


@dataclass
class Label:
    text: str
    lang: str  # "" for a plain literal
    alt: bool  # skos:altLabel rather than rdfs:label


@dataclass
class Entity:
    iri: str
    kind: str  # one of KINDS
    labels: list[Label] = field(default_factory=list)
    qid: str | None = None  # its owl:sameAs wd:Q… link, if any
    country: str | None = None  # IRI of our country
    country_label: str | None = None
    country_qid: str | None = None
    lat: float | None = None
    long: float | None = None
    code: str | None = None  # a country's ISO 3166-1 alpha-2 code (tw:countryCode)

    @property
    def label(self) -> str:
        """The English label (else the first label) for the review file."""
        for want in (lambda lb: not lb.alt and lb.lang == "en", lambda lb: not lb.alt, lambda lb: True):
            for lb in self.labels:
                if want(lb):
                    return lb.text
        return self.iri


@dataclass
class Project:
    base: str
    entities: dict[str, Entity]  # by IRI, every city/country/organisation (linked or not)
    sameas: dict[str, list[tuple[str, Input]]]  # IRI -> [(QID, the data file stating it)]
    files: list[Input]
    locator: Locator

    def unlinked(self) -> list[Entity]:
        return [e for iri, e in sorted(self.entities.items()) if e.qid is None]

    def line_of(self, iri: str, f: Input) -> int | None:
        return self.locator.line_of(f.path, iri, subject=True)


def _str(t: object) -> str:
    return str(getattr(t, "value", t))


def _qid(iri: str) -> str | None:
    return iri[len(WD):] if iri.startswith(WD) else None


def read_project(project: Path, base: str) -> Project:
    project = Path(project)
    if not (project / DATA).is_dir():
        raise ProjectError(f"{project}: no {DATA}/ folder here (use --project)")
    files = [f for f in inputs(project, base) if f.kind in (ONTOLOGY, DATA)]
    store = ox.Store()
    issues = load(store, files, base)
    if issues:
        i = issues[0]
        where = ":".join(str(x) for x in (i.file, i.line, i.column) if x is not None)
        raise ProjectError(f"{where}: {i.message}")
    pfx = _PREFIXES.format(base=base)

    def q(text: str) -> list[ox.QuerySolution]:
        return list(store.query(pfx + text, use_default_graph_as_union=True))  # type: ignore[arg-type]

    entities: dict[str, Entity] = {}
    for r in q(_ENTITIES):
        iri, kind = _str(r["e"]), _str(r["kind"])
        if iri not in entities or KINDS.index(kind) < KINDS.index(entities[iri].kind):
            entities[iri] = Entity(iri, kind)
    for r in sorted(q(_LABELS), key=lambda r: (_str(r["e"]), _str(r["p"]), _str(r["l"]))):
        e = entities.get(_str(r["e"]))
        lit = r["l"]
        if e is not None and isinstance(lit, ox.Literal):
            e.labels.append(Label(lit.value, lit.language or "", _str(r["p"]).endswith("altLabel")))
    for e in entities.values():  # labels first, then alternative labels
        e.labels.sort(key=lambda lb: lb.alt)
    sameas: dict[str, list[tuple[str, Input]]] = {}
    for f in files:
        if f.kind != DATA:
            continue
        for quad in store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"), None,
                                            ox.NamedNode(f.graph)):
            qid = _qid(_str(quad.object))
            if qid is not None and isinstance(quad.subject, ox.NamedNode):
                sameas.setdefault(quad.subject.value, []).append((qid, f))
    for r in q(_SAMEAS):
        e = entities.get(_str(r["e"]))
        if e is not None and e.qid is None:
            e.qid = _qid(_str(r["x"]))
    for r in q(_COORDS):
        e = entities.get(_str(r["e"]))
        try:
            lat, long = float(_str(r["lat"])), float(_str(r["long"]))
        except ValueError:
            continue
        if e is not None and e.lat is None:
            e.lat, e.long = lat, long
    for r in q(_CODES):
        e = entities.get(_str(r["e"]))
        if e is not None and e.kind == "country":
            e.code = _str(r["code"]).strip().upper() or None
    for r in sorted(q(_COUNTRY), key=lambda r: _str(r["c"])):
        e = entities.get(_str(r["e"]))
        c = entities.get(_str(r["c"]))
        if e is not None and e.country is None and c is not None and c.kind == "country":
            e.country, e.country_label, e.country_qid = c.iri, c.label, c.qid
    return Project(base, entities, sameas, files, Locator(base))
