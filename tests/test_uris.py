"""IRI <-> path mapping and the URL builder."""

from __future__ import annotations

import pytest

from sistercities.uris import URLs

U = URLs(base="https://w3id.org/twinning/", root="http://127.0.0.1:8080")


@pytest.mark.parametrize(
    ("path", "iri"),
    [
        ("/id/city/khabarovsk", "https://w3id.org/twinning/id/city/khabarovsk"),
        ("/ontology", "https://w3id.org/twinning/ontology"),
        ("/id/city/%D0%BE%D0%B4%D0%B5%D1%81%D0%B0", "https://w3id.org/twinning/id/city/одеса"),
    ],
)
def test_round_trip(path: str, iri: str) -> None:
    assert U.iri_for_path(path) == iri
    assert U.path_for_iri(iri) == path


def test_foreign_iri_links_out() -> None:
    assert U.path_for_iri("http://www.wikidata.org/entity/Q4454") is None
    assert U.link("http://www.wikidata.org/entity/Q4454") == "http://www.wikidata.org/entity/Q4454"


def test_links_stay_on_serving_host() -> None:
    assert U.link("https://w3id.org/twinning/id/city/x") == "http://127.0.0.1:8080/id/city/x"
    assert U.document("https://w3id.org/twinning/id/city/x", "ttl") == "http://127.0.0.1:8080/doc/id/city/x.ttl"
    assert U.url("search", q="Pucheon") == "http://127.0.0.1:8080/search?q=Pucheon"
