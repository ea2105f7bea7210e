"""Researchers' questions as SPARQL over the BUILT store, with exact answers, dates and sources.

Uses the ``sparql`` fixture of tests/conftest.py: ``sparql(query) -> list[dict[var, pyoxigraph term]]``
over the built release, whose default graph is the union of the named graphs (each triple once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sistercities.uris import DEFAULT_BASE as BASE

Sparql = Callable[[str], list[dict[str, Any]]]

XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES = f"""
BASE <{BASE}>
PREFIX tw:     <{BASE}ontology/>
PREFIX rdf:    <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos:   <http://www.w3.org/2004/02/skos/core#>
PREFIX dct:    <http://purl.org/dc/terms/>
PREFIX prov:   <http://www.w3.org/ns/prov#>
PREFIX org:    <http://www.w3.org/ns/org#>
PREFIX owl:    <http://www.w3.org/2002/07/owl#>
PREFIX wgs:    <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX schema: <https://schema.org/>
"""


@pytest.fixture(scope="module")
def ask(sparql: Sparql) -> Sparql:
    def run(query: str) -> list[dict[str, Any]]:
        return sparql(PREFIXES + query)

    return run


def val(term: Any) -> str:
    return term.value


def dt(term: Any) -> str:
    return term.datatype.value.replace(XSD, "xsd:")


def local(term: Any) -> str:
    return term.value[len(BASE):]


# 1 -----------------------------------------------------------------------------------------


def test_which_cities_is_khabarovsk_twinned_with(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?name WHERE {
          <id/city/khabarovsk> tw:twinnedWith ?c .
          ?c rdfs:label ?name . FILTER (lang(?name) = "en")
        }""")
    assert sorted(val(r["name"]) for r in rows) == ["Bucheon", "Harbin", "Niigata", "Portland", "Victoria"]


# 2 -----------------------------------------------------------------------------------------


def test_since_when_are_they_twinned(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?name ?start WHERE {
          ?t a tw:Twinning ; tw:partner <id/city/khabarovsk> , ?c .
          FILTER (?c != <id/city/khabarovsk>)
          ?c rdfs:label ?name . FILTER (lang(?name) = "en")
          OPTIONAL { ?t tw:startDate ?start }
        }""")
    got = {val(r["name"]): (val(r["start"]), dt(r["start"])) if "start" in r else None for r in rows}
    assert got == {
        "Niigata": ("1965-04-23", "xsd:date"),
        "Portland": ("1988-06-10", "xsd:date"),
        "Victoria": ("1990-05-25", "xsd:date"),
        "Harbin": ("1993-06-15", "xsd:date"),
        "Bucheon": None,  # the source gives no date
    }


# 3 -----------------------------------------------------------------------------------------


def test_which_documents_say_khabarovsk_and_niigata_are_twinned(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?doc ?n ?url WHERE {
          <id/twinning/khabarovsk-niigata> prov:wasDerivedFrom ?p .
          ?p dct:isPartOf ?doc ; tw:paragraphNumber ?n .
          ?doc schema:url ?url .
        }""")
    by_doc: dict[str, set[int]] = {}
    for r in rows:
        by_doc.setdefault(local(r["doc"]), set()).add(int(val(r["n"])))
    assert by_doc == {
        "id/source/khabarovsk-sister-cities": {1, 3, 4, 5},
        "id/source/khabarovsk-japanese-delegation": {4},
    }
    assert {val(r["url"]) for r in rows} == {
        "https://int.khabarovskadm.ru/en/about_city/friend_cities/index.php?ELEMENT_ID=3230",
        "https://int.khabarovskadm.ru/en/index.php?ELEMENT_ID=727575",
    }


# 4 -----------------------------------------------------------------------------------------


def test_odesa_and_yokohama_since_1965_and_who_says_so(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?start ?title ?issued ?publisher WHERE {
          ?t a tw:Twinning ; tw:partner <id/city/odesa> , <id/city/yokohama> ; tw:startDate ?start ;
             prov:wasDerivedFrom/dct:isPartOf ?doc .
          ?doc dct:title ?title ; dct:issued ?issued ; dct:publisher/rdfs:label ?publisher .
        }""")
    assert len(rows) == 1
    r = rows[0]
    assert (val(r["start"]), dt(r["start"])) == ("1965", "xsd:gYear")
    assert val(r["title"]).startswith("Odesa Mayor visits Japan")
    assert (val(r["issued"]), dt(r["issued"])) == ("2023-04-12", "xsd:date")
    assert val(r["publisher"]) == "Business Yokohama"


# 5 -----------------------------------------------------------------------------------------


def test_who_signed_the_2023_memorandum_and_what_it_covers(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?mou ?title ?date ?signer ?field WHERE {
          ?mou a tw:MemorandumOfUnderstanding ; tw:party <id/city/odesa> , <id/city/yokohama> ;
               dct:title ?title ; tw:signingDate ?date ;
               tw:signatory/rdfs:label ?signer ; tw:field/skos:prefLabel ?field .
          FILTER (lang(?signer) = "en" && lang(?field) = "en")
        }""")
    assert {local(r["mou"]) for r in rows} == {"id/agreement/odesa-yokohama-mou-2023"}
    assert {val(r["title"]) for r in rows} == {
        "Memorandum of Understanding on Technical Cooperation for Sustainable Urban Development"}
    assert {(val(r["date"]), dt(r["date"])) for r in rows} == {("2023-03-16", "xsd:date")}
    assert {val(r["signer"]) for r in rows} == {"Gennadiy Trukhanov", "Takeharu Yamanaka"}
    assert {val(r["field"]) for r in rows} == {"urban development", "reconstruction"}
    terms = ask("SELECT DISTINCT ?t WHERE { <id/agreement/odesa-yokohama-mou-2023> tw:term ?t }")
    assert len(terms) == 3


# 6 -----------------------------------------------------------------------------------------


def test_which_cities_sent_the_japanese_delegation_and_their_association(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?city ?assoc WHERE {
          ?visit a tw:Visit ; tw:destination <id/city/khabarovsk> ; tw:visitingParty ?d .
          ?d a tw:Delegation ; tw:sendingCity ?c .
          ?c tw:country <id/country/japan> ; rdfs:label ?city . FILTER (lang(?city) = "en")
          OPTIONAL { ?a a tw:Association ; tw:hasMemberCity ?c ; rdfs:label ?assoc }
        }""")
    assert sorted(val(r["city"]) for r in rows) == ["Akita", "Joetsu", "Maizuru", "Niigata"]
    assert {val(r["assoc"]) for r in rows} == {"Association of Mayors from Western Coast of Japan"}


# 7 -----------------------------------------------------------------------------------------


def test_who_headed_the_delegation(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?head ?dept ?city WHERE {
          <id/org/japanese-delegation-khabarovsk> tw:headOfDelegation ?h .
          ?h org:headOf ?d . ?d org:unitOf/tw:administrationOf ?city .
          ?h rdfs:label ?head . ?d rdfs:label ?dept .
        }""")
    assert len(rows) == 1
    assert local(rows[0]["city"]) == "id/city/niigata"
    assert "International Relations Department" in val(rows[0]["dept"])
    assert "name not stated" in val(rows[0]["head"])


# 8 -----------------------------------------------------------------------------------------


def test_official_visits_in_2005_and_what_was_agreed(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?visit ?date ?agreement ?prolongation WHERE {
          ?visit a tw:Visit ; tw:eventStatus <id/concept/event-status/took-place> ; tw:date ?date .
          FILTER (SUBSTR(STR(?date), 1, 4) = "2005")
          OPTIONAL { ?visit tw:outcome ?agreement . OPTIONAL { ?agreement tw:prolongation ?prolongation } }
        }""")
    got = {local(r["visit"]): (val(r["date"]), dt(r["date"]), local(r["agreement"]) if "agreement" in r else None)
           for r in rows}
    assert got == {
        "id/event/bucheon-delegation-visit-khabarovsk-2005":
            ("2005-05", "xsd:gYearMonth", "id/agreement/khabarovsk-save-the-children-2005"),
        "id/event/khabarovsk-youth-delegation-visit-busan-2005": ("2005", "xsd:gYear", None),
    }
    prolongations = {val(r["prolongation"]) for r in rows if "prolongation" in r}
    assert prolongations == {"P3Y"}


# 9 -----------------------------------------------------------------------------------------


def test_which_agreements_come_from_the_sister_cities_page(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?a WHERE {
          ?a a ?cls ; prov:wasDerivedFrom/dct:isPartOf <id/source/khabarovsk-sister-cities> .
          ?cls rdfs:subClassOf* tw:Agreement .
        }""")
    assert {local(r["a"]) for r in rows} == {
        "id/agreement/khabarovsk-niigata-1965", "id/agreement/khabarovsk-portland-1988",
        "id/agreement/khabarovsk-victoria-1990", "id/agreement/harbin-khabarovsk-1993",
        "id/agreement/khabarovsk-musashino-taiga", "id/agreement/khabarovsk-musashino-youth-ecology-exchange",
        "id/agreement/khabarovsk-victoria-visit", "id/agreement/khabarovsk-save-the-children-2005",
    }


def test_facts_of_a_source_live_in_its_named_graph(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?g WHERE {
          GRAPH ?g { ?r prov:wasDerivedFrom ?p ; a ?cls }
          ?p dct:isPartOf <id/source/odesa-yokohama-2023> .
          ?cls rdfs:subClassOf* tw:Record .
        }""")
    # the records citing a document are stated in that document's graph
    assert {val(r["g"]) for r in rows} == {f"{BASE}graph/odesa-yokohama-2023"}
    count = ask("""
        SELECT DISTINCT (COUNT(DISTINCT ?r) AS ?n) WHERE {
          ?r prov:wasDerivedFrom/dct:isPartOf <id/source/odesa-yokohama-2023> .
          ?r a ?cls . ?cls rdfs:subClassOf* tw:Record .
        }""")
    assert int(val(count[0]["n"])) == 8  # twinning, visit, speech, memorandum, 3 aid programmes, invasion


# 10 ----------------------------------------------------------------------------------------


def test_who_chairs_the_association(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?assoc ?chair ?city ?n WHERE {
          ?a a tw:Association ; tw:chair ?p ; rdfs:label ?assoc ; prov:wasDerivedFrom ?par .
          ?par tw:paragraphNumber ?n ; dct:isPartOf <id/source/khabarovsk-japanese-delegation> .
          ?p rdfs:label ?chair ; tw:mayorOf ?city . FILTER (lang(?chair) = "en")
        }""")
    assert len(rows) == 1
    r = rows[0]
    assert val(r["assoc"]).startswith("Association to Develop Friendly Relationship among Mayors")
    assert val(r["chair"]) == "Alexander Sokolov"
    assert local(r["city"]) == "id/city/khabarovsk"
    assert int(val(r["n"])) == 4


# 11 ----------------------------------------------------------------------------------------


def test_japanese_visitors_to_khabarovsk_in_2015(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?value ?year ?num ?den WHERE {
          ?s a tw:Statistic ; tw:measure <id/concept/measures/visitors> ; tw:statisticAbout <id/city/khabarovsk> ;
             tw:originCountry <id/country/japan> ; tw:value ?value ; tw:date ?year .
          ?share tw:shareOf ?s ; tw:measure <id/concept/measures/tourist-share> ;
                 tw:numerator ?num ; tw:denominator ?den .
        }""")
    assert len(rows) == 1
    r = rows[0]
    assert float(val(r["value"])) == 3500 and dt(r["value"]) == "xsd:decimal"
    assert (val(r["year"]), dt(r["year"])) == ("2015", "xsd:gYear")
    assert (int(val(r["num"])), int(val(r["den"]))) == (2, 3)


# 12 ----------------------------------------------------------------------------------------


def test_ordinal_and_date_of_the_planned_meeting(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?m ?ordinal ?date ?where ?status WHERE {
          ?m a tw:Meeting ; tw:inSeries ?series ; tw:ordinal ?ordinal ; tw:date ?date ;
             tw:location/rdfs:label ?where ; tw:eventStatus/skos:prefLabel ?status .
          FILTER (lang(?where) = "en")
        } ORDER BY ?ordinal""")
    got = [(int(val(r["ordinal"])), val(r["date"]), dt(r["date"]), val(r["where"]), val(r["status"])) for r in rows]
    assert got == [
        (1, "1970", "xsd:gYear", "Khabarovsk", "took place"),
        (26, "2017-08", "xsd:gYearMonth", "Niigata", "planned"),
    ]


# 13 ----------------------------------------------------------------------------------------


def test_meeting_series_since_1970_every_two_years(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?start ?rec (COUNT(DISTINCT ?m) AS ?meetings) WHERE {
          ?s a tw:MeetingSeries ; tw:startDate ?start ; tw:recurrence/skos:prefLabel ?rec .
          ?m tw:inSeries ?s .
        } GROUP BY ?start ?rec""")
    assert len(rows) == 1
    assert (val(rows[0]["start"]), dt(rows[0]["start"])) == ("1970", "xsd:gYear")
    assert val(rows[0]["rec"]) == "biennial"
    assert int(val(rows[0]["meetings"])) == 4  # 1st, Maizuru, Vladivostok 2015, 26th (planned)


def test_maizuru_meeting_has_only_bounds(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?date ?earliest ?latest ?note WHERE {
          <id/event/meeting-of-mayors-maizuru> tw:earliestDate ?earliest ; tw:latestDate ?latest ;
                                             skos:editorialNote ?note .
          OPTIONAL { <id/event/meeting-of-mayors-maizuru> tw:date ?date }
        }""")
    assert len(rows) == 1
    r = rows[0]
    assert "date" not in r
    assert (val(r["earliest"]), dt(r["earliest"]), val(r["latest"]), dt(r["latest"])) == (
        "2012", "xsd:gYear", "2013", "xsd:gYear")


# 14 ----------------------------------------------------------------------------------------


def test_aid_from_yokohama(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?p ?recipient ?earliest ?latest WHERE {
          ?p a tw:AidProgramme ; tw:provider <id/city/yokohama> ; tw:recipient/rdfs:label ?recipient ;
             tw:earliestDate ?earliest ; tw:latestDate ?latest .
          FILTER (lang(?recipient) = "en")
        }""")
    assert sorted(val(r["recipient"]) for r in rows) == ["Odesa", "Odesa", "Ukrainian Red Cross Society"]
    assert {(val(r["earliest"]), dt(r["earliest"])) for r in rows} == {("2022-02", "xsd:gYearMonth")}
    assert {(val(r["latest"]), dt(r["latest"])) for r in rows} == {("2023-04-12", "xsd:date")}


# 15 ----------------------------------------------------------------------------------------


def test_what_happened_during_the_odesa_mayors_visit(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?who ?date ?host ?outcome ?field WHERE {
          ?v a tw:Visit ; tw:destination <id/city/yokohama> ; tw:visitingParty/rdfs:label ?who ;
             tw:date ?date ; tw:host/rdfs:label ?host ; tw:outcome ?outcome ; tw:field/skos:prefLabel ?field .
          FILTER (lang(?who) = "en" && lang(?host) = "en")
        }""")
    assert len(rows) == 1
    r = rows[0]
    assert val(r["who"]) == "Gennadiy Trukhanov"
    assert (val(r["date"]), dt(r["date"])) == ("2023-03-16", "xsd:date")
    assert val(r["host"]) == "City of Yokohama"
    assert local(r["outcome"]) == "id/agreement/odesa-yokohama-mou-2023"
    assert val(r["field"]) == "reconstruction"
    speech = ask("""
        SELECT DISTINCT ?audience WHERE {
          ?s a tw:Speech ; tw:partOfEvent ?v ; tw:audience/rdfs:label ?audience .
          ?v tw:destination <id/city/yokohama> . FILTER (lang(?audience) = "en")
        }""")
    assert {val(r["audience"]) for r in speech} == {"Takeharu Yamanaka", "Yokohama City Council"}


# 16 ----------------------------------------------------------------------------------------


def test_musashino_relations_are_not_a_twinning(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?rel ?kind ?agreement ?recurrence WHERE {
          ?rel tw:partner <id/city/musashino> ; a ?kind ; tw:basedOn ?agreement .
          ?agreement tw:recurrence/skos:prefLabel ?recurrence .
        }""")
    assert {local(r["kind"]) for r in rows} == {"ontology/CityRelationship"}
    assert {local(r["agreement"]) for r in rows} == {"id/agreement/khabarovsk-musashino-taiga"}
    assert {val(r["recurrence"]) for r in rows} == {"annual"}
    assert ask("SELECT DISTINCT ?x WHERE { <id/city/musashino> tw:twinnedWith ?x }") == []


# 17 ----------------------------------------------------------------------------------------


def test_places_without_a_wikidata_link(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?p WHERE {
          { ?p a tw:City } UNION { ?p a tw:Country }
          FILTER NOT EXISTS { ?p owl:sameAs ?wd }
        }""")
    assert [local(r["p"]) for r in rows] == ["id/city/maizuru"]


# 18 ----------------------------------------------------------------------------------------


def test_where_is_khabarovsk(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?lat ?long ?country ?wd ?gn ?ru WHERE {
          <id/city/khabarovsk> wgs:lat ?lat ; wgs:long ?long ; tw:country/rdfs:label ?country ;
                             owl:sameAs ?wd ; tw:geonamesId ?gn ; rdfs:label ?ru .
          FILTER (lang(?country) = "en" && lang(?ru) = "ru")
        }""")
    assert len(rows) == 1
    r = rows[0]
    assert float(val(r["lat"])) == pytest.approx(48.46204) and dt(r["lat"]) == "xsd:decimal"
    assert float(val(r["long"])) == pytest.approx(135.0971)
    assert val(r["country"]) == "Russia"
    assert val(r["wd"]) == "http://www.wikidata.org/entity/Q4454"
    assert val(r["gn"]) == "2022890"
    assert val(r["ru"]) == "Хабаровск"


# 19 ----------------------------------------------------------------------------------------


def test_contest_results_of_khabarovsk_sculptors(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?contest ?ordinal ?date ?rank WHERE {
          ?p a tw:Participation ; tw:participant <id/org/khabarovsk-sculptors> ; tw:participationIn ?c .
          ?c a tw:Contest ; rdfs:label ?contest ; tw:ordinal ?ordinal ; tw:date ?date ;
             tw:eventStatus <id/concept/event-status/took-place> .
          OPTIONAL { ?p tw:rank ?rank }
        } ORDER BY ?ordinal""")
    got = [(int(val(r["ordinal"])), val(r["date"]), dt(r["date"]), int(val(r["rank"])) if "rank" in r else None)
           for r in rows]
    assert got == [(10, "2005-01", "xsd:gYearMonth", 1), (19, "2005-01", "xsd:gYearMonth", None)]


# 20 ----------------------------------------------------------------------------------------


def test_plans_for_2006_are_not_recorded_as_happened(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?e ?status WHERE {
          ?e tw:date ?d ; tw:eventStatus/skos:prefLabel ?status .
          FILTER (SUBSTR(STR(?d), 1, 4) = "2006")
        }""")
    assert {local(r["e"]) for r in rows} == {
        "id/event/harbin-snow-and-ice-festival-2006", "id/event/khabarovsk-environmental-work-2006",
        "id/event/victoria-delegation-visit-khabarovsk-2006", "id/event/korean-youth-delegation-visit-khabarovsk-2006",
    }
    assert {val(r["status"]) for r in rows} == {"planned"}


# 21 ----------------------------------------------------------------------------------------


def test_member_cities_of_the_western_coast_association(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?named ?stated WHERE {
          { SELECT DISTINCT (COUNT(DISTINCT ?c) AS ?named) WHERE {
              <id/org/association-mayors-western-coast-japan> tw:hasMemberCity ?c } }
          ?s tw:statisticAbout <id/org/association-mayors-western-coast-japan> ;
             tw:measure <id/concept/measures/member-cities> ; tw:value ?stated .
        }""")
    assert len(rows) == 1
    assert int(val(rows[0]["named"])) == 4
    assert float(val(rows[0]["stated"])) == 18


# 22 ----------------------------------------------------------------------------------------


def test_people_and_their_offices(ask: Sparql) -> None:
    rows = ask("""
        SELECT DISTINCT ?person ?city WHERE {
          ?p tw:mayorOf ?c . ?p rdfs:label ?person . ?c rdfs:label ?city .
          FILTER (lang(?person) = "en" && lang(?city) = "en")
        }""")
    assert {(val(r["person"]), val(r["city"])) for r in rows} == {
        ("Gennadiy Trukhanov", "Odesa"), ("Takeharu Yamanaka", "Yokohama"),
        ("Alexander Sokolov", "Khabarovsk"), ("Hon Gon Phe", "Bucheon"),
    }
    alt = ask("""SELECT DISTINCT ?a WHERE { <id/person/tatiana-ivanova> skos:altLabel ?a }""")
    assert [val(r["a"]) for r in alt] == ["Tatyana Ivanova"]
