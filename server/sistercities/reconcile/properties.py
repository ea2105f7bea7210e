"""The properties the data extension service offers, their proposals per type and their suggest service.

Property ids are short and stable (they are what a user's OpenRefine project stores):

=================  ===========================================================  ===========
id                 values                                                       for
=================  ===========================================================  ===========
``label``          the English label (str)                                      every type
``variants``       the other labels and spelling variants, every language (str) every type
``wikidata``       the Wikidata item (str, ``Q4454``)                           every type
``country``        the country (entity)                                         cities
``coordinates``    ``lat,long`` in WGS 84 (str, OpenRefine's geo form)          cities
``latitude``       WGS 84 latitude (float)                                      cities
``longitude``      WGS 84 longitude (float)                                     cities
``geonames``       the GeoNames feature id (str, ``2022890``)                   cities, countries
``twinnedWith``    the sister cities (entities), one per twinning               cities
``twinningStart``  start date of each twinning, at its precision                cities
``twinningEnd``    end date of each twinning (ended ones), at its precision     cities
``source``         (city) the document stating each twinning (entity);          cities, twinnings
                   (twinning) every document stating it
``twinning``       the twinning record itself (entity), one per twinning        cities
``countryCode``    ISO 3166-1 alpha-2 code (str)                                countries
``partner``        the two partner cities (entities)                            twinnings
``startDate``      start date, at its precision                                 twinnings
``endDate``        end date, at its precision                                   twinnings
``url``            the original address (str)                                   source documents
``issued``         publication date, at its precision                           source documents
=================  ===========================================================  ===========

The twinning properties of a city (``twinnedWith``, ``twinningStart``, ``twinningEnd``, ``source``,
``twinning``) are *aligned*: each gives exactly one value per twinning, in the same order (by partner
name), an empty value ``{}`` where a twinning has none (Bucheon–Khabarovsk has no start date) — so
OpenRefine, which lays out the n-th value of every column of one extension in the n-th row of the
record, puts each sister city on one row with its own start date and source.  A twinning stated by
several documents (Khabarovsk–Niigata: two) still gets one ``source`` on the city's row — the
document quoted for its start date (``tw:Evidence``), else the earliest issued — so the rows stay
aligned; extending the ``twinning`` column with ``source`` lists every document.
"""

from __future__ import annotations

from dataclasses import dataclass

from sistercities.search import fold

#: Every type (no class restriction).
ANY = ""


@dataclass(frozen=True)
class Prop:
    id: str
    name: str
    description: str
    domains: tuple[str, ...]  # tw: class local names (ANY: every type)
    value_type: str | None = None  # tw: class local name of entity values (the meta "type")


PROPERTIES: tuple[Prop, ...] = (
    Prop("label", "label", "the English name (else the first name given)", (ANY,)),
    Prop("variants", "alternative names", "the other labels and spelling variants, in every language", (ANY,)),
    Prop("wikidata", "Wikidata QID", "the Wikidata item this is the same as (e.g. Q4454)", (ANY,)),
    Prop("country", "country", "the country the city is in", ("City",), "Country"),
    Prop("coordinates", "coordinates", "latitude,longitude (WGS 84), as OpenRefine writes geo-coordinates",
         ("City",)),
    Prop("latitude", "latitude", "WGS 84 latitude in degrees", ("City",)),
    Prop("longitude", "longitude", "WGS 84 longitude in degrees", ("City",)),
    Prop("geonames", "GeoNames id", "the GeoNames feature id (e.g. 2022890)", ("City", "Country")),
    Prop("twinnedWith", "sister cities", "the partner city of each twinning (one row per twinning)",
         ("City",), "City"),
    Prop("twinningStart", "twinning start date",
         "start date of each twinning, at the precision the source gives (1965, 2005-05, 1965-04-23)", ("City",)),
    Prop("twinningEnd", "twinning end date", "end date of each twinning that ended, at its precision", ("City",)),
    Prop("source", "source document",
         "for a city: the document stating each twinning (one per twinning); for a twinning: every document "
         "stating it", ("City", "CityRelationship"), "SourceDocument"),
    Prop("twinning", "twinning record", "the twinning record of each sister city (extend it for all its sources)",
         ("City",), "Twinning"),
    Prop("countryCode", "country code", "ISO 3166-1 alpha-2 code", ("Country",)),
    Prop("partner", "partners", "the partner cities of the twinning", ("CityRelationship",), "City"),
    Prop("startDate", "start date", "start date, at the precision the source gives", ("CityRelationship",)),
    Prop("endDate", "end date", "end date, at the precision the source gives", ("CityRelationship",)),
    Prop("url", "original address", "where the source document was published", ("SourceDocument",)),
    Prop("issued", "publication date", "publication date, at its precision", ("SourceDocument",)),
)
BY_ID: dict[str, Prop] = {p.id: p for p in PROPERTIES}

#: Settings every property accepts (the manifest's ``extend.property_settings``).
PROPERTY_SETTINGS: list[dict[str, object]] = [
    {"name": "limit", "label": "Limit", "type": "number", "default": 0,
     "help_text": "Maximum number of values per entity (0: all). For the twinning columns of a city, "
                  "give every column the same limit to keep them aligned."},
    {"name": "dates", "label": "Dates", "type": "select", "default": "as-stated",
     "help_text": "as stated: text at the precision of the source (1965, 1965-04-23); date-time: OpenRefine "
                  "dates (the first instant of that period)",
     "choices": [{"value": "as-stated", "name": "as stated (1965, 1965-04-23)"},
                 {"value": "date-time", "name": "date-time (1965-01-01T00:00:00Z)"}]},
]
MAX_LIMIT = 10_000


def applies(prop: Prop, classes: set[str], tw: str) -> bool:
    """Whether ``prop`` is offered for a type whose superclasses (itself included) are ``classes``."""
    return any(d == ANY or tw + d in classes for d in prop.domains)


def proposals(classes: set[str] | None, tw: str, limit: int | None = None) -> list[dict[str, str]]:
    """The properties for a type (``classes``: the type and its superclasses; None: every property),
    type-specific ones first."""
    chosen = [p for p in PROPERTIES if classes is None or applies(p, classes, tw)]
    chosen.sort(key=lambda p: ANY in p.domains)  # stable: the catalogue order within each group
    out = [{"id": p.id, "name": p.name, "description": p.description} for p in chosen]
    return out[:limit] if limit else out


def suggest(prefix: str, classes: set[str] | None, tw: str) -> list[dict[str, str]]:
    """Properties whose id or some word of whose name starts with ``prefix`` (case- and accent-folded)."""
    needle = fold(prefix)
    out = []
    for p in proposals(classes, tw):
        keys = [fold(p["id"]), fold(p["name"])]
        if not needle or any(k.startswith(needle) or (" " + needle) in k for k in keys):
            out.append(p)
    return out
