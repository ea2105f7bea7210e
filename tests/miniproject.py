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
