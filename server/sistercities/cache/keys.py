"""Keys of cached answers and the strong ETags made from them.  Never imports Flask.

A key holds everything an answer depends on: the release version (so a new build never
sees an old answer), the software version, a fingerprint of the settings that change what
is rendered, and the request's meaning (not its spelling: a GET and a form POST of the same
query are one key; the result format is the negotiated media type, however it was asked).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from sistercities import __version__

#: Settings that cannot change the bytes of an answer (where and how the server runs, limits
#: that only refuse).  Every other setting is part of the fingerprint, so a setting added later
#: is in it unless it is listed here.
NOT_IN_OUTPUT = frozenset({
    "HOST", "PORT", "WORKERS", "THREADS", "ACCESS_LOG", "TRUSTED_PROXIES", "RATE_LIMIT", "MAX_CLIENT_QUERIES",
    "QUERY_TIMEOUT", "MAX_QUERY_MEMORY", "MAX_REQUEST_BYTES", "BUILD_DIR", "SOURCES_DIR", "DUMPS_DIR",
    "STORE_UPDATE_URL", "STORE_GSP_URL", "CACHE_MAX_AGE", "SPARQL_MAX_AGE",
    "SHARED_CACHE", "SHARED_CACHE_DIR", "SHARED_CACHE_MAX_BYTES", "SHARED_CACHE_MAX_ENTRY", "SHARED_CACHE_ADMIT",
    "WIKIDATA_SPARQL_URL", "WIKIDATA_USER_AGENT", "WIKIDATA_RATE", "WIKIDATA_TIMEOUT", "WIKIDATA_CACHE_DIR",
})


def fingerprint(settings: Mapping[str, Any]) -> str:
    """A short hash of the settings that shape answers (BASE_IRI, PUBLIC_URL, PAGE_SIZE, …)."""
    items = sorted((k, repr(v)) for k, v in settings.items() if k not in NOT_IN_OUTPUT)
    return hashlib.sha256(repr(items).encode("utf-8")).hexdigest()[:16]


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def sparql_key(release: str, settings_fp: str, query: str, default_graphs: Iterable[str],
               named_graphs: Iterable[str], media_type: str) -> str:
    """The key of one SPARQL answer.

    The query text is taken without its surrounding whitespace (which cannot change a result);
    the protocol's dataset IRIs as sets (the order of ``default-graph-uri`` parameters does not
    change the dataset)."""
    dg = "\x1f".join(sorted(set(default_graphs)))
    ng = "\x1f".join(sorted(set(named_graphs)))
    return "sparql:" + _digest(("sparql", release, __version__, settings_fp, query.strip(), dg, ng, media_type))


def document_key(doc_key: tuple[str, ...], settings_fp: str) -> str:
    """The shared key of a rendered document (``doc_key`` from :func:`sistercities.doccache.cache_key`,
    which already holds release, software version, IRI, format, language and page)."""
    return "doc:" + _digest(("doc", settings_fp, *doc_key))


def etag(key: str) -> str:
    """A strong ETag for a key: the same key always answers the same bytes."""
    return '"' + hashlib.sha256(key.encode("ascii")).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str, tag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison of ``If-None-Match`` (a list or ``*``) with ``tag``."""
    if if_none_match.strip() == "*":
        return True
    want = tag.removeprefix("W/")
    return any(c.strip().removeprefix("W/") == want for c in if_none_match.split(","))
