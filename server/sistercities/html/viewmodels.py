"""View models: what each kind of page shows, computed from :class:`Facts`.

A page has a *kind* (city, agreement, twinning, event, person, organisation,
source, concept, country, ...) decided from its types and their super-classes;
each kind lists its key properties, and every page also gets the full property
table, incoming links, provenance and the curators' notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from sistercities.html.facts import PROV_DERIVED, RDF_TYPE, Facts
from sistercities.html.labels import ALT_LABEL_PROPS, LABEL_PROPS, Label
from sistercities.html.values import Row, SourceRef, Value, date_key, date_of, link, sources, value, values, with_evidence
from sistercities.uris import URLs

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "https://schema.org/"
EDITORIAL_NOTE = SKOS + "editorialNote"
DEFINITION_PROPS = (SKOS + "definition", RDFS + "comment", DCT + "description", SCHEMA + "description")

ORG_CLASSES = (ORG + "Organization", ORG + "FormalOrganization", ORG + "OrganizationalUnit", FOAF + "Organization",
               "Association", "Charity", "Company", "Consulate", "Delegation", "CityAdministration", "CityCouncil")

#: (kind, classes that make it) — first match wins.
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("city", ("City",)),
    ("country", ("Country",)),
    ("agreement", ("Agreement",)),
    ("twinning", ("CityRelationship",)),
    ("event", ("Event", "EventSeries")),
    ("person", (FOAF + "Person",)),
    ("organisation", ORG_CLASSES),
    ("source", ("SourceDocument",)),
    ("paragraph", ("Paragraph",)),
    ("evidence", ("Evidence",)),
    ("role", (ORG + "Membership",)),
    ("programme", ("Programme",)),
    ("statistic", ("Statistic",)),
    ("participation", ("Participation",)),
    ("concept", (SKOS + "Concept", SKOS + "ConceptScheme")),
    ("term", (OWL + "Class", RDFS + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty",
              "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property", RDFS + "Datatype")),
)

#: Key properties of each kind, in display order (bare names are tw: terms).
KEY_PROPS: dict[str, tuple[str, ...]] = {
    "city": ("country",),
    "country": ("countryCode", "geonamesId", OWL + "sameAs"),
    "agreement": ("party", "signatory", "signingDate", "field", "term", "recurrence", "prolongation", "prolongs",
                  "concernsPlace"),
    "twinning": ("partner", "startDate", "endDate", "earliestDate", "latestDate", "status", "basedOn", "field"),
    "event": ("eventStatus", "date", "earliestDate", "latestDate", "location", "venue", "destination", "placeVisited",
              "host", "visitingParty", "invitedBy", "participant", "speaker", "audience", "organiser", "purpose",
              "outcome", "partOfEvent", "inSeries", "ordinal", "field", "commemorates", "anniversaryYears",
              "partOfProgramme", "startDate", "recurrence"),
    "person": ("mayorOf", ORG + "headOf", ORG + "memberOf"),
    "organisation": ("administrationOf", "basedIn", "representsCountry", ORG + "unitOf", "hasMemberCity", "chair",
                     ORG + "hasMember", "sendingCity", "headOfDelegation"),
    "source": (DCT + "publisher", DCT + "issued", DCT + "language", SCHEMA + "url", "sourceFile"),
    "paragraph": (DCT + "isPartOf", "paragraphNumber"),
    "programme": ("provider", "recipient", "participant", "implementer", "field", "recurrence", "basedOn",
                  "itemDescription", "startDate", "endDate", "date"),
    "statistic": ("measure", "statisticAbout", "originCountry", "value", "numerator", "denominator", "shareOf",
                  "approximate", "date"),
    "participation": ("participant", "participationIn", "rank"),
    "concept": (SKOS + "inScheme", SKOS + "broader", SKOS + "narrower", SKOS + "closeMatch", SKOS + "exactMatch"),
}

#: Headings of the "related" list (things that point at the page's resource).
RELATED_HEADING = {
    "person": "Roles and events",
    "organisation": "Events and records",
    "concept": "What has this subject",
    "country": "Cities and records",
    "agreement": "Relationships and events based on it",
}


@dataclass
class Related:
    """Something that points at the page's resource, with how and when."""

    thing: Value
    kind: str
    how: str  # the predicate's label
    when: str = ""
    sort: str = ""


@dataclass
class Page:
    iri: str
    kind: str
    title: Label
    types: list[Value]
    definitions: list[Value] = field(default_factory=list)
    notes: list[Value] = field(default_factory=list)
    key_facts: list[Row] = field(default_factory=list)
    when: str = ""
    sources: list[SourceRef] = field(default_factory=list)
    properties: list[Row] = field(default_factory=list)
    incoming: list[Row] = field(default_factory=list)
    incoming_truncated: bool = False
    related: list[Related] = field(default_factory=list)
    related_heading: str = "Linked from"
    extra: dict[str, Any] = field(default_factory=dict)  # kind-specific sections


def tw_iri(facts: Facts, name: str) -> str:
    return name if ":" in name else facts.tw + name


def kind_of(facts: Facts, iri: str) -> str:
    types = facts.all_types(iri)
    for kind, classes in KINDS:
        if types & {tw_iri(facts, c) for c in classes}:
            return kind
    return "generic"


def kind_label(kind: str) -> str:
    return {"twinning": "city relationship", "term": "ontology term", "generic": "resource",
            "role": "role at the time"}.get(kind, kind)


def kind_text(facts: Facts, iri: str) -> str:
    """What to call ``iri`` in a list: a twinning is a twinning, not just a city relationship."""
    kind = kind_of(facts, iri)
    if kind == "twinning" and facts.is_a(iri, "Twinning"):
        return "twinning"
    return kind_label(kind)


def _prop_value(facts: Facts, p: str, urls: URLs, langs: Sequence[str]) -> Value:
    return link(facts, p, urls, langs)


def property_rows(facts: Facts, s: str, urls: URLs, langs: Sequence[str], skip: Sequence[str] = ()) -> list[Row]:
    rows = []
    for p, objs in facts.out.get(s, {}).items():
        if p in skip:
            continue
        vals = sorted((with_evidence(value(o, facts, urls, langs), facts, s, p, o, urls, langs) for o in objs),
                      key=lambda v: (v.lang, v.text))
        rows.append(Row(_prop_value(facts, p, urls, langs), vals))
    rows.sort(key=lambda r: (r.prop.iri != RDF_TYPE, r.prop.text.lower()))
    return rows


def incoming_rows(facts: Facts, urls: URLs, langs: Sequence[str]) -> list[Row]:
    rows = []
    for p, subs in facts.inc.get(facts.focus, {}).items():
        vals = sorted((link(facts, s, urls, langs) for s in subs), key=lambda v: v.text.lower())
        rows.append(Row(_prop_value(facts, p, urls, langs), vals))
    rows.sort(key=lambda r: r.prop.text.lower())
    return rows


def related(facts: Facts, urls: URLs, langs: Sequence[str], *, exclude: Sequence[str] = ()) -> list[Related]:
    """Everything pointing at the focus (except ``exclude`` predicates), with its kind and date."""
    items = []
    for p, subs in facts.inc.get(facts.focus, {}).items():
        if p in exclude:
            continue
        how = facts.label(p, langs).text
        for s in subs:
            items.append(Related(link(facts, s, urls, langs), kind_text(facts, s), how,
                                 date_of(facts, s), date_key(facts, s)))
    items.sort(key=lambda r: (r.sort or "~", r.thing.text.lower()))
    return items


def build_page(facts: Facts, urls: URLs, langs: Sequence[str]) -> Page:
    s = facts.focus
    kind = kind_of(facts, s)
    page = Page(
        iri=s, kind=kind, title=facts.label(s, langs),
        types=sorted((link(facts, t, urls, langs) for t in facts.types(s)), key=lambda v: v.text),
        incoming_truncated=facts.incoming_truncated,
    )
    for p in DEFINITION_PROPS:
        page.definitions += [v for v in values(facts, s, p, urls, langs) if not v.lang or v.lang == "en"] or \
            values(facts, s, p, urls, langs)[:1]
    page.notes = values(facts, s, EDITORIAL_NOTE, urls, langs)
    keys = KEY_PROPS.get(kind, ())
    for name in keys:
        p = tw_iri(facts, name)
        if facts.objects(s, p):
            page.key_facts.append(Row(_prop_value(facts, p, urls, langs), values(facts, s, p, urls, langs)))
    page.when = date_of(facts, s, since=kind == "twinning")
    page.sources = sources(facts, s, urls, langs)
    shown = (*LABEL_PROPS, *ALT_LABEL_PROPS, EDITORIAL_NOTE, PROV_DERIVED)
    page.properties = property_rows(facts, s, urls, langs, skip=() if kind == "generic" else shown)
    page.incoming = incoming_rows(facts, urls, langs)
    # evidence is shown next to the facts it supports, not as a link to the record
    evidence_links = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#subject", "http://www.w3.org/1999/02/22-rdf-syntax-ns#object",
                      "http://www.w3.org/ns/prov#wasQuotedFrom")
    page.related = related(facts, urls, langs, exclude=((RDF_TYPE,) if kind != "term" else ()) + evidence_links)
    page.related_heading = RELATED_HEADING.get(kind, "Linked from")
    if kind == "event":
        status = facts.iris(s, facts.tw + "eventStatus")
        page.extra["planned"] = any(x.endswith("/planned") for x in status)
    return page


def names(facts: Facts, s: str, langs: Sequence[str]) -> list[Value]:
    """All names of a thing (labels first, then alternative labels), each with its language."""
    out: list[Value] = []
    for p in (*LABEL_PROPS, *ALT_LABEL_PROPS):
        for o in facts.objects(s, p):
            if isinstance(o, ox.Literal) and not any(v.text == o.value and v.lang == (o.language or "") for v in out):
                out.append(Value(o.value, o.language or "", note="alternative" if p in ALT_LABEL_PROPS else ""))
    return out
