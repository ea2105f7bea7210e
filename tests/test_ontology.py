"""The real ontology/, shapes/ and data/: documented terms, known vocabularies, conformance."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from sistercities.serialize import to_rdflib_term

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/twinning/"
TW = rdflib.Namespace(BASE + "ontology/")
ONTOLOGY = rdflib.URIRef(BASE + "ontology")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")

#: External vocabularies the data may use directly (namespaces of predicates and classes).
KNOWN_NAMESPACES = (
    str(RDF),
    str(RDFS),
    str(OWL),
    str(SKOS),
    "http://purl.org/dc/terms/",
    "http://xmlns.com/foaf/0.1/",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/ns/org#",
    "https://schema.org/",
    "http://www.w3.org/2003/01/geo/wgs84_pos#",
)

TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDFS.Datatype)


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).glob("*.ttl"))


def _parse(paths: list[Path]) -> rdflib.Graph:
    g = rdflib.Graph()
    for f in paths:
        g.parse(f, format="turtle", publicID=BASE)
    return g


@cache
def ontology() -> rdflib.Graph:
    return _parse(_files("ontology"))


@cache
def shapes() -> rdflib.Graph:
    return _parse(_files("shapes"))


@cache
def data() -> rdflib.Graph:
    """The data as published: the files with the tw:evidence shorthand expanded (as the build does)."""
    import pyoxigraph as ox

    from sistercities.rdfio import inputs, load
    from sistercities.validate import expand_evidence

    files = [f for f in inputs(ROOT, BASE) if f.kind == "data"]
    store = ox.Store()
    assert not load(store, files, BASE)
    assert not expand_evidence(store, files, BASE)
    g = rdflib.Graph()
    for q in store:
        g.add(tuple(to_rdflib_term(t) for t in (q.subject, q.predicate, q.object)))  # type: ignore[arg-type]
    assert len(g) > len(_parse(_files("data"))) / 2
    return g


@cache
def per_file() -> dict[str, rdflib.Graph]:
    return {f"{p.parent.name}/{p.name}": _parse([p]) for p in _files("ontology") + _files("shapes") + _files("data")}


def declared_terms() -> set[rdflib.URIRef]:
    g = ontology()
    return {s for t in TERM_TYPES for s in g.subjects(RDF.type, t) if isinstance(s, rdflib.URIRef)}


# --- files -----------------------------------------------------------------------------------


def test_read_files_and_triples() -> None:
    files = per_file()
    assert len([f for f in files if f.startswith("ontology/")]) >= 1
    assert len([f for f in files if f.startswith("shapes/")]) >= 1
    assert len([f for f in files if f.startswith("data/")]) >= 5
    for name, g in files.items():
        assert len(g) > 0, f"{name} is empty"
    assert len(data()) > 1000
    assert len(ontology()) > 500
    assert len(shapes()) > 300


@pytest.mark.parametrize("path", _files("ontology") + _files("shapes") + _files("data"), ids=lambda p: p.name)
def test_files_use_relative_iris_without_base(path: Path) -> None:
    """The build resolves relative IRIs against the configured base: no @base, no hard-coded base."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.lstrip().startswith("#")]
    text = "\n".join(lines)
    assert not re.search(r"^\s*(@base|BASE)\b", text, re.MULTILINE | re.IGNORECASE)
    assert BASE not in text, f"{path.name} hard-codes the base IRI"
    assert not re.search(r"^\s*GRAPH\b", text, re.MULTILINE)  # one file = one graph, named by the build


def test_data_files_are_the_expected_graphs() -> None:
    stems = {p.stem for p in _files("data")}
    assert {"reference", "sources", "odesa-yokohama-2023", "khabarovsk-japanese-delegation",
            "khabarovsk-sister-cities"} <= stems
    for stem in stems:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", stem), stem


# --- the ontology header -----------------------------------------------------------------------


def test_ontology_header() -> None:
    g = ontology()
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in g
    version_iri = g.value(ONTOLOGY, OWL.versionIRI)
    assert isinstance(version_iri, rdflib.URIRef) and str(version_iri).startswith(BASE + "ontology/")
    assert g.value(ONTOLOGY, OWL.versionInfo) is not None
    assert g.value(ONTOLOGY, DCT.license) == rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert list(g.objects(ONTOLOGY, DCT.creator))
    assert any(lbl.language == "en" for lbl in g.objects(ONTOLOGY, RDFS.label))


def test_imported_modules_exist() -> None:
    g = ontology()
    imports = set(g.objects(ONTOLOGY, OWL.imports))
    assert imports, "the umbrella ontology imports its modules"
    modules = {s for s in g.subjects(RDF.type, OWL.Ontology)} - {ONTOLOGY}
    assert imports == modules
    for m in modules:
        assert g.value(m, DCT.license) is not None


# --- terms ----------------------------------------------------------------------------------------


def test_ontology_declares_the_model() -> None:
    terms = declared_terms()
    for local in ("City", "Country", "CityAdministration", "Association", "Charity", "Company", "Consulate",
                  "Delegation", "Agreement", "TwinningAgreement", "MemorandumOfUnderstanding",
                  "CooperationAgreement", "Twinning", "CityRelationship", "Event", "Visit", "Meeting",
                  "MeetingSeries", "Contest", "Festival", "Programme", "ExchangeProgramme", "AidProgramme",
                  "Statistic", "SourceDocument", "Paragraph", "twinnedWith", "partner", "startDate", "endDate",
                  "status", "date", "earliestDate", "latestDate", "signingDate", "party", "signatory", "field",
                  "recurrence", "prolongation", "eventStatus", "visitingParty", "host", "headOfDelegation",
                  "ordinal", "inSeries", "country", "geonamesId", "value", "measure"):
        assert TW[local] in terms, local


@pytest.mark.parametrize("term", sorted(declared_terms()), ids=lambda t: str(t).rsplit("/", 1)[-1])
def test_term_is_documented(term: rdflib.URIRef) -> None:
    g = ontology()
    assert str(term).startswith(str(TW)), "only our own terms are declared"
    labels = [x for x in g.objects(term, RDFS.label) if x.language == "en"]
    assert len(labels) == 1, "exactly one English rdfs:label"
    definitions = [x for x in g.objects(term, SKOS.definition) if x.language == "en"]
    assert len(definitions) == 1, "exactly one English skos:definition"
    assert g.value(term, RDFS.comment) is None, "definitions use skos:definition consistently"
    assert g.value(term, RDFS.isDefinedBy) == ONTOLOGY
    local = str(term)[len(str(TW)):]
    if (term, RDF.type, OWL.Class) in g or (term, RDF.type, RDFS.Datatype) in g:
        assert re.fullmatch(r"[A-Z][A-Za-z]+", local)
    else:
        assert re.fullmatch(r"[a-z][A-Za-z]+", local)


def test_no_undeclared_own_terms_in_ontology() -> None:
    """Every tw: term the ontology refers to (superclass, domain, range...) is declared."""
    g = ontology()
    terms = declared_terms()
    modules = set(g.subjects(RDF.type, OWL.Ontology)) | set(g.objects(None, OWL.versionIRI))
    used = {o for o in g.objects() if isinstance(o, rdflib.URIRef) and str(o).startswith(str(TW))}
    assert used - terms - modules == set()


def test_twinning_shortcut_alignment() -> None:
    g = ontology()
    assert (TW.twinnedWith, RDF.type, OWL.SymmetricProperty) in g
    assert (TW.twinnedWith, RDFS.subPropertyOf, rdflib.URIRef("http://dbpedia.org/ontology/twinCity")) in g
    assert (TW.twinnedWith, RDFS.subPropertyOf, rdflib.URIRef("http://www.wikidata.org/prop/direct/P190")) in g
    assert (TW.startDate, SKOS.closeMatch, rdflib.URIRef("http://www.wikidata.org/prop/direct/P580")) in g
    assert (TW.endDate, SKOS.closeMatch, rdflib.URIRef("http://www.wikidata.org/prop/direct/P582")) in g
    # equivalences are used sparingly
    eq = list(g.triples((None, OWL.equivalentProperty, None))) + list(g.triples((None, OWL.equivalentClass, None)))
    assert len(eq) <= 2


def test_concept_schemes() -> None:
    g = ontology()
    schemes = set(g.subjects(RDF.type, SKOS.ConceptScheme))
    assert rdflib.URIRef(BASE + "id/concept/fields") in schemes
    fields = {str(c).rsplit("/", 1)[-1] for c in g.subjects(SKOS.inScheme, rdflib.URIRef(BASE + "id/concept/fields"))}
    assert {"urban-development", "reconstruction", "tourism", "ecology", "youth-exchange", "culture", "business",
            "education", "humanitarian-aid"} <= fields


def test_terms_used_in_data_are_known() -> None:
    """Predicates and classes in data/ are ours (declared) or from an allowed external vocabulary."""
    terms = declared_terms()
    g = data()
    used = set(g.predicates()) | set(g.objects(None, RDF.type))
    unknown = []
    for t in used:
        s = str(t)
        if s.startswith(str(TW)):
            if t not in terms:
                unknown.append(s)
        elif not s.startswith(KNOWN_NAMESPACES):
            unknown.append(s)
    assert not unknown, unknown


def test_own_terms_used_in_shapes_are_declared() -> None:
    terms = declared_terms()
    used = {o for o in shapes().objects() if isinstance(o, rdflib.URIRef) and str(o).startswith(str(TW))}
    assert used - terms == set()


def test_every_instance_has_an_explicit_type() -> None:
    g = data()
    replaced = rdflib.URIRef("http://purl.org/dc/terms/isReplacedBy")
    untyped = [s for s in set(g.subjects())
               if isinstance(s, rdflib.URIRef) and str(s).startswith(BASE + "id/") and g.value(s, RDF.type) is None
               and set(g.predicates(s)) != {replaced}]  # a renamed IRI keeps only its successor (and answers 301)
    assert untyped == []


# --- conformance ------------------------------------------------------------------------------------


@cache
def real_validation() -> tuple[bool, rdflib.Graph]:
    g = rdflib.Graph()
    g += data()
    g += ontology()
    conforms, report, _text = pyshacl.validate(
        g, shacl_graph=shapes(), inference="none", advanced=True, allow_warnings=True
    )
    return conforms, report


def _results(severity: rdflib.URIRef) -> list[tuple[str, str]]:
    _c, report = real_validation()
    return [
        (str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultMessage)))
        for r in report.subjects(RDF.type, SH.ValidationResult)
        if report.value(r, SH.resultSeverity) == severity
    ]


def test_real_data_conforms_without_violations() -> None:
    conforms, _report = real_validation()
    violations = _results(SH.Violation)
    assert violations == [], "\n".join(f"{f}: {m}" for f, m in violations)
    assert conforms


def test_real_data_warnings_are_the_expected_ones() -> None:
    """Only Maizuru, which has no verified Wikidata item, is warned about."""
    assert [f for f, _m in _results(SH.Warning)] == [BASE + "id/city/maizuru"]
    assert _results(SH.Info) == []
