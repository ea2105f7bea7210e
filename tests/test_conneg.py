"""Content negotiation as tables: Accept header -> chosen media type."""

from __future__ import annotations

import pytest

from sistercities.conneg import negotiate, parse_accept_language

DOC_OFFERS = ["text/html", "text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"]
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8"
RDFLIB = "application/rdf+xml, text/n3, text/turtle, application/n-triples, application/ld+json, */*;q=0.1"


@pytest.mark.parametrize(
    ("accept", "offers", "expected"),
    [
        (None, DOC_OFFERS, "text/html"),
        ("", DOC_OFFERS, "text/html"),
        ("*/*", DOC_OFFERS, "text/html"),
        (FIREFOX, DOC_OFFERS, "text/html"),
        (CHROME, DOC_OFFERS, "text/html"),
        ("text/turtle", DOC_OFFERS, "text/turtle"),
        ("text/turtle;q=0.5, application/ld+json", DOC_OFFERS, "application/ld+json"),
        ("application/json", DOC_OFFERS, "application/ld+json"),
        ("application/x-turtle", DOC_OFFERS, "text/turtle"),
        ("text/*;q=0.3, application/n-triples;q=0.9", DOC_OFFERS, "application/n-triples"),
        ("text/turtle;q=0", ["text/turtle"], None),
        ("image/png", DOC_OFFERS, None),
        ("application/*", ["text/html", "text/turtle", "application/ld+json"], "application/ld+json"),
        (RDFLIB, DOC_OFFERS, "text/turtle"),  # all q=1: our order decides
        ("text/turtle;q=0.9, */*;q=0.1", DOC_OFFERS, "text/turtle"),
        ("garbage, text/turtle", DOC_OFFERS, "text/turtle"),
        ("text/turtle;q=abc, application/n-triples;q=0.2", DOC_OFFERS, "application/n-triples"),
    ],
)
def test_negotiate(accept: str | None, offers: list[str], expected: str | None) -> None:
    assert negotiate(accept, offers) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, []),
        ("ja", ["ja"]),
        ("ru-RU,ru;q=0.9,en;q=0.8", ["ru-ru", "ru", "en"]),
        ("en;q=0.1, uk", ["uk", "en"]),
        ("*, fr;q=0", []),
    ],
)
def test_accept_language(header: str | None, expected: list[str]) -> None:
    assert parse_accept_language(header) == expected
