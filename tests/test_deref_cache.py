"""The per-process document cache, validators and request-path checks (plain modules, no server)."""

from __future__ import annotations

import pytest

from sistercities.doccache import Doc, DocCache, cache_key, etag, http_date, not_modified
from sistercities.iripath import BadPath, check, iri_for, raw_request_path, split_extension
from sistercities.uris import URLs

MODIFIED = "2026-11-25T12:00:00Z"


def test_lru_is_bounded_by_bytes_and_entries() -> None:
    c = DocCache(max_bytes=1000, max_entries=3)
    for i in range(5):
        c.put(("k", str(i)), Doc(b"x" * 100, "text/turtle"))
    assert len(c) == 3
    assert c.get(("k", "0")) is None and c.get(("k", "4")) is not None
    c.get(("k", "2"))  # recently used survives
    c.put(("k", "big"), Doc(b"y" * 240, "text/turtle"))
    assert c.get(("k", "2")) is not None
    assert c.get(("k", "3")) is None
    assert c.size_bytes <= 1000
    c.put(("k", "huge"), Doc(b"z" * 600, "text/turtle"))  # over a quarter of the budget: not cached
    assert c.get(("k", "huge")) is None


def test_etag_depends_on_every_part_of_the_key() -> None:
    base = cache_key("v1", "http://x/a", "ttl")
    variants = [cache_key("v2", "http://x/a", "ttl"), cache_key("v1", "http://x/b", "ttl"),
                cache_key("v1", "http://x/a", "nt"), cache_key("v1", "http://x/a", "ttl", lang="ru"),
                cache_key("v1", "http://x/a", "ttl", page=2)]
    assert len({etag(k) for k in [base, *variants]}) == 6
    assert etag(base) == etag(cache_key("v1", "http://x/a", "ttl"))


@pytest.mark.parametrize(("inm", "ims", "expected"), [
    ('"t"', None, True),
    ('W/"t"', None, True),
    ('"a", "t"', None, True),
    ("*", None, True),
    ('"a"', None, False),
    ('"a"', "Wed, 25 Nov 2026 13:00:00 GMT", False),  # If-None-Match wins
    (None, "Wed, 25 Nov 2026 12:00:00 GMT", True),
    (None, "Wed, 25 Nov 2026 11:59:59 GMT", False),
    (None, "not a date", False),
    (None, None, False),
])
def test_not_modified(inm: str | None, ims: str | None, expected: bool) -> None:
    assert not_modified(inm, ims, '"t"', MODIFIED) is expected


def test_http_date() -> None:
    assert http_date(MODIFIED) == "Wed, 25 Nov 2026 12:00:00 GMT"
    assert http_date("garbage") is None


@pytest.mark.parametrize(("raw", "status"), [
    ("/id/city/%G1", 400), ("/id/city/%", 400), ("/id/city/%C3%28", 400), ("/id/%00", 400),
    ("/id/a/./b", 400), ("/id/a/../b", 400), ("/id/" + "a" * 7000, 414),
])
def test_check_refuses(raw: str, status: int) -> None:
    with pytest.raises(BadPath) as e:
        check(raw)
    assert e.value.status == status


def test_iri_mapping_is_the_inverse_of_path_for_iri() -> None:
    u = URLs(base="http://example.org/tw/")
    for iri in ["http://example.org/tw/id/city/хабаровск", "http://example.org/tw/id/city/a%20b", "http://example.org/tw/ontology/City"]:
        path = u.path_for_iri(iri)
        assert path is not None
        assert iri_for(u, path) == iri
    with pytest.raises(BadPath) as e:
        iri_for(u, "/id/" + "a" * 2100)
    assert e.value.status == 414
    # a path whose decoded form is no IRI (a space, a quote, a lone '%', a '[') is refused, not looked up
    for raw in ["/id/city/a%20b", "/id/city/a%22", "/id/city/a%25", "/id/city/a%25zz", "/id/%5B"]:
        with pytest.raises(BadPath) as e:
            iri_for(u, raw)
        assert e.value.status == 400 and "names no IRI" in e.value.message


def test_raw_request_path() -> None:
    assert raw_request_path("/id/city/%D1%85?x=1", "", "/id/city/х") == "/id/city/%D1%85"
    assert raw_request_path("http://h:1/id/x", "", "/id/x") == "/id/x"
    assert raw_request_path("/app/id/x", "/app", "/id/x") == "/id/x"
    assert raw_request_path(None, "", "/id/city/х") == "/id/city/%D1%85"


@pytest.mark.parametrize(("raw", "expected"), [
    ("/id/city/x.ttl", ("/id/city/x", "ttl")), ("/graph/g.trig", ("/graph/g", "trig")),
    ("/id/city/x", ("/id/city/x", None)), ("/id/city/st.petersburg", ("/id/city/st.petersburg", None)),
    ("/id/city/.ttl", ("/id/city/.ttl", None)),
])
def test_split_extension(raw: str, expected: tuple[str, str | None]) -> None:
    assert split_extension(raw) == expected
