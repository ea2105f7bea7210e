"""Evidence per statement: the tw:evidence shorthand, its expansion, and quotations checked
against the source texts (issue 14).  Inline-Turtle projects beside their assertions; the
real data is covered by tests/test_evidence_data.py and tests/test_validate.py."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from miniproject import BASE, ONTOLOGY, PREFIXES, make_project
from sistercities.build import build
from sistercities.cli import main
from sistercities.evidence import evidence_iri
from sistercities.evidence.quotes import occurs
from sistercities.release import current
from sistercities.validate import validate_project

TW = BASE + "ontology/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

EV_ONTOLOGY = ONTOLOGY + """
tw:Event a owl:Class ; rdfs:label "event"@en .
tw:Paragraph a owl:Class ; rdfs:label "paragraph"@en .
tw:SourceDocument a owl:Class ; rdfs:label "source document"@en .
tw:Evidence a owl:Class ; rdfs:label "evidence"@en .
tw:evidence a owl:ObjectProperty ; rdfs:label "evidence"@en .
tw:supports a owl:ObjectProperty ; rdfs:label "supports"@en .
tw:supportsValue a owl:ObjectProperty ; rdfs:label "supports value"@en .
tw:quotation a owl:DatatypeProperty ; rdfs:label "quotation"@en .
tw:sourceFile a owl:DatatypeProperty ; rdfs:label "source file"@en .
tw:paragraphNumber a owl:DatatypeProperty ; rdfs:label "paragraph number"@en .
tw:date a owl:DatatypeProperty ; rdfs:label "date"@en .
"""

SOURCES = PREFIXES + """
@prefix dct: <http://purl.org/dc/terms/> .
<id/source/doc> a tw:SourceDocument ; rdfs:label "Doc"@en ; tw:sourceFile "doc.txt" .
<id/source/doc/p1> a tw:Paragraph ; dct:isPartOf <id/source/doc> ; tw:paragraphNumber 1 .
<id/source/doc/p2> a tw:Paragraph ; dct:isPartOf <id/source/doc> ; tw:paragraphNumber 2 .
"""

TEXT = "On the 23 rd of April 1965 year were set a sisters relations with Niigata, Japan.\n" \
       "\nIt’s important  to make travelling   interesting. 3500 Japanese visited Khabarovsk in 2015.\n"


def record(evidence: str, facts: str = 'tw:partner <id/city/a> , <id/city/b> ; tw:date "1965"^^xsd:gYear') -> str:
    return PREFIXES + f"""
@prefix prov: <http://www.w3.org/ns/prov#> .
<id/event/e> a tw:Event ; rdfs:label "E"@en ; {facts} ;
    prov:wasDerivedFrom <id/source/doc/p1> ;
    tw:evidence {evidence} .
"""


def project(tmp_path: Path, evidence: str, **kw: str) -> tuple[Path, Path]:
    root = tmp_path / "proj"
    make_project(root, {"sources.ttl": SOURCES, "g.ttl": record(evidence, **kw)}, ontology=EV_ONTOLOGY)
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "doc.txt").write_text(TEXT, encoding="utf-8")
    return root, texts


GOOD = """[ tw:supports tw:date ; prov:wasQuotedFrom <id/source/doc/p1> ;
             tw:quotation "On the 23 rd of April 1965 year"@en ]"""


# --- the quotation matcher ----------------------------------------------------------------

@pytest.mark.parametrize("quote,paragraph,found", [
    ("April 1965", "On the 23 rd of April 1965 year", True),
    ("April  1965", "On the 23 rd of April 1965 year", True),  # white space collapsed
    ("On the … 1965 year", "On the 23 rd of April 1965 year", True),  # ellipsis: words left out, in order
    ("1965 … On the", "On the 23 rd of April 1965 year", False),  # parts out of order
    ("april 1965", "On the 23 rd of April 1965 year", False),  # case is the source's
    ("It's important", "It’s important", False),  # so are its apostrophes
    ("It’s important", "It’s important", True),
    ("1966", "On the 23 rd of April 1965 year", False),
])
def test_quotation_occurs(quote: str, paragraph: str, found: bool) -> None:
    assert occurs(quote, paragraph) is found


# --- expansion ------------------------------------------------------------------------------

def test_build_publishes_one_evidence_node_per_statement_and_no_shorthand(tmp_path: Path) -> None:
    root, texts = project(tmp_path, GOOD + """ ,
        [ tw:supports tw:partner ; prov:wasQuotedFrom <id/source/doc/p1> ;
          tw:quotation "sisters relations with Niigata"@en ]""")
    rel = current(Path(build(root, tmp_path / "build", BASE, sources_dir=texts)).parent.parent)
    st = ox.Store.read_only(str(rel.store_dir))
    assert not list(st.quads_for_pattern(None, ox.NamedNode(TW + "evidence"), None, None))
    assert not list(st.quads_for_pattern(None, ox.NamedNode(TW + "supports"), None, None))
    evs = {q.subject for q in st.quads_for_pattern(None, ox.NamedNode(RDF + "type"), ox.NamedNode(TW + "Evidence"), None)}
    assert len(evs) == 3  # date, and the two partners
    objs = {q.object for ev in evs for q in st.quads_for_pattern(ev, ox.NamedNode(RDF + "object"), None, None)}
    assert objs == {ox.NamedNode(BASE + "id/city/a"), ox.NamedNode(BASE + "id/city/b"),
                    ox.Literal("1965", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))}
    assert all(ev.value.startswith(BASE + "id/evidence/") for ev in evs)
    # every node in the graph of the file that states the statement
    assert {q.graph_name.value for ev in evs for q in st.quads_for_pattern(ev, None, None, None)
            if isinstance(q.graph_name, ox.NamedNode)} == {BASE + "graph/g"}


def test_evidence_iris_are_stable() -> None:
    args = (ox.NamedNode(BASE + "id/event/e"), ox.NamedNode(TW + "date"), ox.Literal("1965"),
            ox.NamedNode(BASE + "id/source/doc/p1"), ox.Literal("words", language="en"))
    assert evidence_iri(BASE, *args) == evidence_iri(BASE, *args)
    assert evidence_iri(BASE, *args) != evidence_iri(BASE, *args[:4], ox.Literal("other words", language="en"))


def test_supports_value_narrows_to_one_partner(tmp_path: Path) -> None:
    root, texts = project(tmp_path, GOOD + """ ,
        [ tw:supports tw:partner ; tw:supportsValue <id/city/b> ; prov:wasQuotedFrom <id/source/doc/p1> ;
          tw:quotation "with Niigata"@en ]""")
    rel = current(Path(build(root, tmp_path / "build", BASE, sources_dir=texts)).parent.parent)
    st = ox.Store.read_only(str(rel.store_dir))
    partner_evs = {q.subject for q in st.quads_for_pattern(None, ox.NamedNode(RDF + "predicate"),
                                                           ox.NamedNode(TW + "partner"), None)}
    assert len(partner_evs) == 1
    assert {q.object for q in st.quads_for_pattern(next(iter(partner_evs)), ox.NamedNode(RDF + "object"), None, None)} \
        == {ox.NamedNode(BASE + "id/city/b")}


@pytest.mark.parametrize("evidence,words", [
    ("""[ tw:supports tw:startDate ; prov:wasQuotedFrom <id/source/doc/p1> ; tw:quotation "1965"@en ]""",
     "tw:supports tw:startDate, but <id/event/e> has no tw:startDate in this file"),
    ("""[ tw:supports tw:partner ; tw:supportsValue <id/city/c> ; prov:wasQuotedFrom <id/source/doc/p1> ;
          tw:quotation "Niigata"@en ]""",
     "tw:supportsValue <id/city/c> is not a value of tw:partner"),
    ("""[ tw:supports tw:date ; tw:quotation "1965"@en ]""",
     "exactly one paragraph IRI (prov:wasQuotedFrom), has 0"),
    ("""[ tw:supports tw:date ; prov:wasQuotedFrom <id/source/doc/p1> , <id/source/doc/p2> ; tw:quotation "1965"@en ]""",
     "exactly one paragraph IRI (prov:wasQuotedFrom), has 2"),
    ("""[ tw:supports tw:date ; prov:wasQuotedFrom <id/source/doc/p1> ]""",
     "exactly one non-empty quotation (tw:quotation), has 0"),
    ("""[ prov:wasQuotedFrom <id/source/doc/p1> ; tw:quotation "1965"@en ]""",
     "names no property it supports (tw:supports)"),
    ("""[ tw:supports rdfs:label ; prov:wasQuotedFrom <id/source/doc/p1> ; tw:quotation "1965"@en ]""",
     "this property needs no evidence"),
    ("""[ tw:supports tw:date ; prov:wasQuotedFrom <id/source/doc/p1> ; tw:quotation "1965"@en ; rdfs:label "x"@en ]""",
     "properties the shorthand does not know: rdfs:label"),
    ('"1965"@en', "tw:evidence must point to a node"),
])
def test_broken_shorthand_is_an_error_naming_file_and_line(tmp_path: Path, evidence: str, words: str) -> None:
    root, texts = project(tmp_path, evidence)
    report = validate_project(root, BASE, sources_dir=texts, shacl_check=False)
    errors = [i for i in report.issues if i.severity == "error"]
    line = _line_of(root / "data" / "g.ttl", "<id/event/e> a tw:Event")
    assert [i for i in errors if words in i.message and i.file == "data/g.ttl" and i.line == line], \
        [i.format() for i in report.issues]
    assert len(errors) == 1, [i.format() for i in errors]  # one problem, reported once


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


# --- quotations against the source text -------------------------------------------------------

def test_good_quotation_passes(tmp_path: Path) -> None:
    root, texts = project(tmp_path, GOOD)
    report = validate_project(root, BASE, sources_dir=texts, shacl_check=False)
    assert not [i for i in report.issues if i.kind == "evidence"], [i.format() for i in report.issues]
    assert "quotations" in report.checks


def test_quotation_from_another_paragraph_says_where_it_is(tmp_path: Path) -> None:
    root, texts = project(tmp_path, """[ tw:supports tw:date ; prov:wasQuotedFrom <id/source/doc/p2> ;
        tw:quotation "April 1965 year"@en ]""")
    report = validate_project(root, BASE, sources_dir=texts, shacl_check=False)
    [issue] = [i for i in report.issues if i.kind == "evidence"]
    assert issue.severity == "error"
    assert "is not in <id/source/doc/p2> of doc.txt; it is in paragraph 1" in issue.message
    assert issue.file == "data/g.ttl"
    assert issue.line == _line_of(root / "data" / "g.ttl", '"April 1965 year"')  # the line of the quotation


def test_misquotation_shows_the_closest_words(tmp_path: Path) -> None:
    root, texts = project(tmp_path, """[ tw:supports tw:date ; prov:wasQuotedFrom <id/source/doc/p2> ;
        tw:quotation "3500 Japanese visitors"@en ]""")
    report = validate_project(root, BASE, sources_dir=texts, shacl_check=False)
    [issue] = [i for i in report.issues if i.kind == "evidence"]
    assert "closest: “3500 Japanese visited" in issue.message


def test_one_misquotation_is_reported_once_however_many_statements_it_supports(tmp_path: Path) -> None:
    root, texts = project(tmp_path, """[ tw:supports tw:partner ; prov:wasQuotedFrom <id/source/doc/p1> ;
        tw:quotation "sister relations"@en ]""")  # two partners: two evidence nodes, one quotation
    report = validate_project(root, BASE, sources_dir=texts, shacl_check=False)
    assert len([i for i in report.issues if i.kind == "evidence"]) == 1, [i.format() for i in report.issues]


def test_paragraph_beyond_the_text(tmp_path: Path) -> None:
    root, texts = project(tmp_path, GOOD)
    (texts / "doc.txt").write_text("Only one line\n", encoding="utf-8")
    report = validate_project(root, BASE, sources_dir=texts, shacl_check=False)
    assert [i for i in report.issues if "doc.txt has 1 paragraphs, not 2" in i.message] or \
        [i for i in report.issues if "is not in <id/source/doc/p1>" in i.message]


def test_missing_source_texts_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    root, _texts = project(tmp_path, GOOD)
    report = validate_project(root, BASE, sources_dir=tmp_path / "nowhere", shacl_check=False)
    [issue] = [i for i in report.issues if i.kind == "evidence"]
    assert issue.severity == "warning" and "not checked" in issue.message and "SOURCES_DIR" in issue.message
    assert report.ok


def test_cli_validate_names_file_and_line_of_a_misquotation(tmp_path: Path) -> None:
    root, texts = project(tmp_path, """[ tw:supports tw:date ; prov:wasQuotedFrom <id/source/doc/p1> ;
        tw:quotation "April 1966"@en ]""")
    result = CliRunner().invoke(main, ["validate", "--project", str(root), "--skip-shacl"],
                                env={"SISTERCITIES_SOURCES_DIR": str(texts)})
    assert result.exit_code == 1, result.output
    line = _line_of(root / "data" / "g.ttl", '"April 1966"')
    assert f"data/g.ttl:{line}: error:" in result.output and "“April 1966” is not in" in result.output
    assert "Traceback" not in result.output


def test_a_changed_source_text_rebuilds(tmp_path: Path) -> None:
    root, texts = project(tmp_path, GOOD)
    first = build(root, tmp_path / "build", BASE, sources_dir=texts)
    assert build(root, tmp_path / "build", BASE, sources_dir=texts) == first  # unchanged: no work
    (texts / "doc.txt").write_text(TEXT.replace("1965", "1966"), encoding="utf-8")
    with pytest.raises(Exception, match="is not in"):
        build(root, tmp_path / "build", BASE, sources_dir=texts)


# --- one list of what needs no evidence ----------------------------------------------------------

def _not_in_list(text: str, prefixes: dict[str, str]) -> set[str]:
    """The terms of the ``FILTER (?p[ath] NOT IN (…))`` of a query, expanded."""
    import re
    m = re.search(r"NOT IN \(([^)]*)\)", text)
    assert m, text[:200]
    out = set()
    for term in (t.strip() for t in m.group(1).split(",")):
        if term.startswith("$"):
            out.add("tw:twinnedWith")  # the shape's $evidenceShortcut parameter (tw:twinnedWith)
            continue
        pfx, local = term.split(":", 1)
        out.add(prefixes[pfx] + local if pfx != "tw" else term)
    return out


def test_shapes_quality_query_build_and_generator_agree_on_what_needs_no_evidence() -> None:
    from bench.generate import NO_EVIDENCE

    from sistercities.evidence import EXEMPT_PREDICATES
    from test_shapes import ROOT

    ns = {"rdf": RDF, "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "skos": "http://www.w3.org/2004/02/skos/core#",
          "prov": "http://www.w3.org/ns/prov#", "owl": "http://www.w3.org/2002/07/owl#",
          "wgs": "http://www.w3.org/2003/01/geo/wgs84_pos#"}
    expected = set(EXEMPT_PREDICATES) | {"tw:twinnedWith"}
    shapes = (ROOT / "shapes" / "twinning.ttl").read_text(encoding="utf-8")
    component = shapes[shapes.index("tws:EvidenceComponent a"):]
    assert _not_in_list(component, ns) == expected
    query = (ROOT / "queries" / "quality" / "statements-without-quotation.rq").read_text(encoding="utf-8")
    assert _not_in_list(query, ns) == expected
    generated = {ns[t.split(":")[0]] + t.split(":")[1] if t not in ("a", "tw:twinnedWith") else t for t in NO_EVIDENCE}
    assert generated == (expected - {RDF + "type"}) | {"a"}
