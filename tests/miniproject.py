"""Small throw-away projects (ontology/, shapes/, data/, queries/quality/) for the
build, validate and CLI tests: inline Turtle written into tmp_path."""

from __future__ import annotations

from pathlib import Path

BASE = "https://w3id.org/twinning/"

PREFIXES = """\
@prefix tw: <ontology/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix schema: <https://schema.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
"""

ONTOLOGY = PREFIXES + """
<ontology> a owl:Ontology .
tw:City a owl:Class ; rdfs:label "city"@en .
tw:Country a owl:Class ; rdfs:label "country"@en .
tw:partner a owl:ObjectProperty ; rdfs:label "partner"@en .
tw:country a owl:ObjectProperty ; rdfs:label "country"@en .
tw:startDate a owl:DatatypeProperty ; rdfs:label "start date"@en .
"""

GOOD_DATA = PREFIXES + """
<id/city/a> a tw:City ;
    rdfs:label "A"@en ;
    tw:country <id/country/x> .
<id/country/x> a tw:Country ; rdfs:label "X"@en .
"""


def make_project(root: Path, data: dict[str, str], *, ontology: str = ONTOLOGY, shapes: str | None = None,
                 queries: dict[str, str] | None = None) -> Path:
    for d in ("ontology", "shapes", "data", "queries/quality"):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "ontology" / "o.ttl").write_text(ontology, encoding="utf-8")
    if shapes is not None:
        (root / "shapes" / "s.ttl").write_text(shapes, encoding="utf-8")
    for name, text in data.items():
        (root / "data" / name).write_text(text, encoding="utf-8")
    for name, text in (queries or {}).items():
        (root / "queries" / "quality" / name).write_text(text, encoding="utf-8")
    return root


# --- a project to reconcile with Wikidata (the traps of tests/fixtures/wikidata/wikidata.ttl) -----------

RECONCILE_DATA = """\
@prefix tw: <ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .
@prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix wd: <http://www.wikidata.org/entity/> .

<id/source/places> a tw:SourceDocument ;
    rdfs:label "Places to reconcile"@en ; dct:title "Places to reconcile"@en ;
    schema:url <https://example.org/places> .

<id/country/ukraine> a tw:Country ; rdfs:label "Ukraine"@en ; tw:countryCode "UA" ; owl:sameAs wd:Q212 ;
    tw:geonamesId "690791" ; rdfs:seeAlso <https://sws.geonames.org/690791/> ; prov:wasDerivedFrom <id/source/places> .
<id/country/united-states> a tw:Country ; rdfs:label "United States"@en ; tw:countryCode "US" ; owl:sameAs wd:Q30 ;
    tw:geonamesId "6252001" ; rdfs:seeAlso <https://sws.geonames.org/6252001/> ; prov:wasDerivedFrom <id/source/places> .
<id/country/canada> a tw:Country ; rdfs:label "Canada"@en ; tw:countryCode "CA" ; owl:sameAs wd:Q16 ;
    tw:geonamesId "6251999" ; rdfs:seeAlso <https://sws.geonames.org/6251999/> ; prov:wasDerivedFrom <id/source/places> .
<id/country/south-korea> a tw:Country ; rdfs:label "South Korea"@en ; tw:countryCode "KR" ; owl:sameAs wd:Q884 ;
    tw:geonamesId "1835841" ; rdfs:seeAlso <https://sws.geonames.org/1835841/> ; prov:wasDerivedFrom <id/source/places> .
<id/country/japan> a tw:Country ; rdfs:label "Japan"@en ; tw:countryCode "JP" ; owl:sameAs wd:Q17 ;
    tw:geonamesId "1861060" ; rdfs:seeAlso <https://sws.geonames.org/1861060/> ; prov:wasDerivedFrom <id/source/places> .
<id/country/australia> a tw:Country ; rdfs:label "Australia"@en ; tw:countryCode "AU" ;
    tw:geonamesId "2077456" ; rdfs:seeAlso <https://sws.geonames.org/2077456/> ; prov:wasDerivedFrom <id/source/places> .

<id/city/odesa> a tw:City ; rdfs:label "Odessa"@en ; tw:country <id/country/ukraine> ;
    wgs:lat "46.48"^^xsd:decimal ; wgs:long "30.74"^^xsd:decimal ;
    tw:geonamesId "698740" ; rdfs:seeAlso <https://sws.geonames.org/698740/> ; prov:wasDerivedFrom <id/source/places> .
<id/city/odessa-texas> a tw:City ; rdfs:label "Odessa"@en ; tw:country <id/country/united-states> ;
    wgs:lat "31.85"^^xsd:decimal ; wgs:long "-102.37"^^xsd:decimal ;
    tw:geonamesId "5527554" ; rdfs:seeAlso <https://sws.geonames.org/5527554/> ; prov:wasDerivedFrom <id/source/places> .
<id/city/pusan> a tw:City ; rdfs:label "Pusan"@en ; tw:country <id/country/south-korea> ;
    wgs:lat "35.10"^^xsd:decimal ; wgs:long "129.03"^^xsd:decimal ;
    tw:geonamesId "1838524" ; rdfs:seeAlso <https://sws.geonames.org/1838524/> ; prov:wasDerivedFrom <id/source/places> .
<id/city/pucheon> a tw:City ; rdfs:label "Pucheon"@en ; tw:country <id/country/south-korea> ;
    wgs:lat "37.50"^^xsd:decimal ; wgs:long "126.78"^^xsd:decimal ;
    tw:geonamesId "1838716" ; rdfs:seeAlso <https://sws.geonames.org/1838716/> ; prov:wasDerivedFrom <id/source/places> .
<id/city/victoria> a tw:City ; rdfs:label "Victoria"@en ; tw:country <id/country/canada> ;
    wgs:lat "48.43"^^xsd:decimal ; wgs:long "-123.35"^^xsd:decimal ;
    tw:geonamesId "6174041" ; rdfs:seeAlso <https://sws.geonames.org/6174041/> ; prov:wasDerivedFrom <id/source/places> .
<id/city/portland> a tw:City ; rdfs:label "Portland"@en ; tw:country <id/country/united-states> ;
    wgs:lat "45.52"^^xsd:decimal ; wgs:long "-122.68"^^xsd:decimal ;
    tw:geonamesId "5746545" ; rdfs:seeAlso <https://sws.geonames.org/5746545/> ; prov:wasDerivedFrom <id/source/places> .
<id/city/maizuru> a tw:City ; rdfs:label "Maizuru"@en , "舞鶴市"@ja ; tw:country <id/country/japan> ;
    wgs:lat "35.45"^^xsd:decimal ; wgs:long "135.33333"^^xsd:decimal ;
    tw:geonamesId "1857766" ; rdfs:seeAlso <https://sws.geonames.org/1857766/> ; prov:wasDerivedFrom <id/source/places> .
<id/city/atlantis> a tw:City ; rdfs:label "Atlantis"@en ; tw:country <id/country/japan> ;
    wgs:lat "35.0"^^xsd:decimal ; wgs:long "135.0"^^xsd:decimal ;
    tw:geonamesId "1" ; rdfs:seeAlso <https://sws.geonames.org/1/> ; prov:wasDerivedFrom <id/source/places> .
<id/city/khabarovsk> a tw:City ; rdfs:label "Khabarovsk"@en ; tw:country <id/country/japan> ;
    wgs:lat "48.46"^^xsd:decimal ; wgs:long "135.10"^^xsd:decimal ; owl:sameAs wd:Q4454 ;
    tw:geonamesId "2022890" ; rdfs:seeAlso <https://sws.geonames.org/2022890/> ; prov:wasDerivedFrom <id/source/places> .

<id/org/ukrainian-red-cross> a tw:Charity ; rdfs:label "Ukrainian Red Cross Society"@en ;
    skos:altLabel "Ukraine Red Cross"@en ; tw:representsCountry <id/country/ukraine> ;
    prov:wasDerivedFrom <id/source/places> .
"""


def reconcile_project(root: Path, project_root: Path) -> Path:
    """A project with the real ontology/, shapes/ and queries/ and cities without Wikidata links whose
    names are the fixture's traps (Khabarovsk is linked already, so it is not reconciled)."""
    import shutil

    for d in ("ontology", "shapes", "queries"):
        shutil.copytree(project_root / d, root / d)
    (root / "data").mkdir(parents=True)
    (root / "data" / "places.ttl").write_text(RECONCILE_DATA, encoding="utf-8")
    return root
