"""schema.org JSON-LD for search engines, embedded safely in ``<script type="application/ld+json">``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from sistercities.html.city import coords
from sistercities.html.facts import Facts
from sistercities.html.values import browse_url, external_name
from sistercities.html.viewmodels import DEFINITION_PROPS, OWL, RDFS, SCHEMA, Page
from sistercities.uris import URLs

SCHEMA_TYPE = {
    "city": "City", "country": "Country", "agreement": "CreativeWork", "event": "Event", "person": "Person",
    "organisation": "Organization", "source": "CreativeWork", "paragraph": "CreativeWork", "concept": "DefinedTerm",
    "programme": "Project", "statistic": "Observation", "term": "DefinedTerm",
}

_EVENT_STATUS = {"planned": "https://schema.org/EventScheduled"}


def script_json(data: Any) -> Markup:
    """JSON that is safe inside a <script> element: no ``</script>``, ``<!--`` or ``&`` can escape it."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # noqa: S704 - every character that could end the script is escaped above


def _names(facts: Facts, iri: str, langs: Sequence[str]) -> dict[str, Any]:
    label = facts.label(iri, langs)
    d: dict[str, Any] = {"@id": iri, "name": label.text}
    return d


def resource_jsonld(facts: Facts, page: Page, urls: URLs, langs: Sequence[str]) -> dict[str, Any]:
    s, tw, kind = facts.focus, facts.tw, page.kind
    d: dict[str, Any] = {"@context": "https://schema.org", "@type": SCHEMA_TYPE.get(kind, "Thing"), "@id": s,
                         "name": page.title.text, "url": urls.document(s) or s}
    alts = sorted({lit.value for lit in facts.labels(s) if lit.value != page.title.text})
    if alts:
        d["alternateName"] = alts
    for p in DEFINITION_PROPS:
        lit = facts.literal(s, p)
        if lit is not None:
            d["description"] = lit.value
            break
    same = [o for o in facts.iris(s, OWL + "sameAs") + facts.iris(s, RDFS + "seeAlso") if external_name(o)]
    if same:
        d["sameAs"] = sorted({browse_url(o) for o in same} | set(same))
    if kind == "city":
        xy = coords(facts, s)
        if xy:
            d["geo"] = {"@type": "GeoCoordinates", "latitude": xy[0], "longitude": xy[1]}
        country = facts.iris(s, tw + "country")
        if country:
            d["containedInPlace"] = {"@type": "Country", **_names(facts, country[0], langs)}
    elif kind == "agreement":
        date = facts.literal(s, tw + "signingDate") or facts.literal(s, tw + "date")
        if date is not None:
            d["dateCreated"] = date.value
        d["about"] = [_names(facts, p, langs) for p in facts.iris(s, tw + "party")]
        signers = facts.iris(s, tw + "signatory")
        if signers:
            d["author"] = [{"@type": "Person", **_names(facts, p, langs)} for p in signers]
    elif kind == "event":
        date = facts.literal(s, tw + "date") or facts.literal(s, tw + "startDate")
        if date is not None:
            d["startDate"] = date.value
        places = facts.iris(s, tw + "location") or facts.iris(s, tw + "destination")
        if places:
            d["location"] = [{"@type": "Place", **_names(facts, p, langs)} for p in places]
        if page.extra.get("planned"):
            d["eventStatus"] = _EVENT_STATUS["planned"]
        people = facts.iris(s, tw + "participant") + facts.iris(s, tw + "visitingParty")
        if people:
            d["attendee"] = [_names(facts, p, langs) for p in people]
    elif kind == "person":
        mayor = facts.iris(s, tw + "mayorOf")
        if mayor:
            d["jobTitle"] = "Mayor of " + ", ".join(facts.label(c, langs).text for c in mayor)
        orgs = facts.iris(s, "http://www.w3.org/ns/org#memberOf")
        if orgs:
            d["memberOf"] = [{"@type": "Organization", **_names(facts, o, langs)} for o in orgs]
    elif kind == "organisation":
        members = facts.iris(s, tw + "hasMemberCity") + facts.iris(s, "http://www.w3.org/ns/org#hasMember")
        if members:
            d["member"] = [_names(facts, m, langs) for m in members]
    elif kind == "source":
        url = facts.literal(s, SCHEMA + "url") or next(iter(facts.iris(s, SCHEMA + "url")), None)
        if url is not None:
            d["sameAs"] = [getattr(url, "value", url)]
        issued = facts.literal(s, "http://purl.org/dc/terms/issued")
        if issued is not None:
            d["datePublished"] = issued.value
    return d
