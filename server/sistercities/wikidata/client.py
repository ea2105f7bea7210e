"""Every conversation with a Wikidata-like SPARQL endpoint, through SPARQLWrapper.

Wikidata's query-service usage policy asks for a descriptive User-Agent, few requests
at a time, and for ``Retry-After`` to be honoured.  :class:`WikidataClient` does all
of that and keeps each answer on disk, keyed by the query text, with the time it was
retrieved, so a second run (or a resumed ``import --all``) asks nothing again::

    client = WikidataClient.from_settings(cfg)
    rows = client.select("SELECT ?item WHERE { ?item rdfs:label 'Odesa'@en }")
    rows[0]["item"]            # {"type": "uri", "value": "http://www.wikidata.org/entity/Q1874"}
    client.last_retrieved      # ISO time of the answer just returned (from the cache or not)

Anything that goes wrong (unreachable, timeout, HTTP error, 429 past the retries,
malformed results) raises :class:`WikidataError` whose message is one line naming the
endpoint and what happened.  Never imports Flask.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import os
import tempfile
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from sistercities import __version__

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
#: how many times a 429/503 answer is retried before giving up, and the longest wait honoured
MAX_RETRIES = 4
MAX_WAIT = 60.0

Binding = dict[str, dict[str, str]]


class WikidataError(Exception):
    """The endpoint could not answer; ``str(e)`` is one line naming the endpoint."""


def default_user_agent(contact: str) -> str:
    return (f"sistercities/{__version__} (https://w3id.org/twinning/; {contact}) "
            f"SPARQLWrapper (a linked-data publisher of city twinning)")


def default_cache_dir(build_dir: str | os.PathLike[str]) -> Path:
    return Path(build_dir) / "wikidata-cache"


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class WikidataClient:
    endpoint: str = DEFAULT_ENDPOINT
    user_agent: str = field(default_factory=lambda: default_user_agent("data@sistercities.example.org"))
    rate: float = 2.0  # requests per second at most; <= 0 = no limit
    timeout: float = 60.0
    cache_dir: Path | None = None
    use_cache: bool = True  # False: ask again, but still write what was retrieved
    sleep: Callable[[float], None] = time.sleep
    last_retrieved: str = ""
    requests_made: int = 0
    cache_hits: int = 0
    _last_request: float = field(default=0.0, repr=False)

    @classmethod
    def from_settings(cls, cfg: dict[str, Any], **kw: Any) -> WikidataClient:
        return cls(
            endpoint=cfg["WIKIDATA_SPARQL_URL"],
            user_agent=cfg["WIKIDATA_USER_AGENT"] or default_user_agent(cfg["CONTACT_EMAIL"]),
            rate=float(cfg["WIKIDATA_RATE"]),
            timeout=float(cfg["WIKIDATA_TIMEOUT"]),
            cache_dir=Path(cfg["WIKIDATA_CACHE_DIR"]) if cfg["WIKIDATA_CACHE_DIR"] else default_cache_dir(cfg["BUILD_DIR"]),
            **kw,
        )

    # --- the cache ----------------------------------------------------------------------------

    def _cache_path(self, query: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.endpoint}\0{query}".encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}.json"

    def _cached(self, query: str) -> dict[str, Any] | None:
        path = self._cache_path(query)
        if path is None or not self.use_cache:
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # missing or damaged: ask again
        if not isinstance(entry, dict) or entry.get("query") != query or "result" not in entry:
            return None
        return entry

    def _store(self, query: str, result: Any, retrieved: str) -> None:
        path = self._cache_path(query)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"endpoint": self.endpoint, "retrieved": retrieved, "query": query, "result": result}
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(entry, fh)
        os.replace(tmp, path)

    # --- asking -------------------------------------------------------------------------------

    def select(self, query: str) -> list[Binding]:
        """The bindings of a SELECT query (SPARQL 1.1 JSON results)."""
        result = self.query_json(query, check=self._bindings)
        return self._bindings(result)

    def _bindings(self, result: Any) -> list[Binding]:
        try:
            rows = result["results"]["bindings"]
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise TypeError
        except (KeyError, TypeError):
            raise WikidataError(f"{self.endpoint}: malformed SPARQL results (no results.bindings list)") from None
        return rows

    def query_json(self, query: str, check: Callable[[Any], Any] | None = None) -> Any:
        """The parsed JSON answer; ``check`` raises on an answer of the wrong shape, which is then not cached."""
        entry = self._cached(query)
        if entry is not None:
            self.cache_hits += 1
            self.last_retrieved = str(entry.get("retrieved", ""))
            return entry["result"]
        result = self._ask(query)
        if check is not None:
            check(result)
        self.last_retrieved = _now()
        self._store(query, result, self.last_retrieved)
        return result

    def _wait_for_rate(self) -> None:
        if self.rate <= 0:
            return
        gap = 1.0 / self.rate - (time.monotonic() - self._last_request)
        if gap > 0:
            self.sleep(gap)

    def _ask(self, query: str) -> Any:
        attempt = 0
        while True:
            self._wait_for_rate()
            self._last_request = time.monotonic()
            self.requests_made += 1
            try:
                return self._once(query)
            except urllib.error.HTTPError as e:
                if e.code in (429, 503) and attempt < MAX_RETRIES:
                    self.sleep(self._retry_after(e, attempt))
                    attempt += 1
                    continue
                raise WikidataError(f"{self.endpoint}: HTTP {e.code} {e.reason}"
                                    + (f" after {attempt} retries" if attempt else "")) from None

    def _retry_after(self, e: urllib.error.HTTPError, attempt: int) -> float:
        raw = e.headers.get("Retry-After", "") if e.headers is not None else ""
        wait = 2.0 ** attempt
        try:
            wait = float(str(raw).strip())
        except ValueError:
            try:
                when = dt.datetime.strptime(str(raw).strip(), "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=dt.UTC)
                wait = (when - dt.datetime.now(dt.UTC)).total_seconds()
            except ValueError:
                pass
        return min(max(wait, 0.0), MAX_WAIT)

    def _once(self, query: str) -> Any:
        sw = SPARQLWrapper(self.endpoint, agent=self.user_agent)
        sw.setQuery(query)
        sw.setMethod(POST)  # long VALUES lists do not fit in a URL
        sw.setReturnFormat(JSON)
        sw.setTimeout(int(max(1, round(self.timeout))))
        try:
            response = sw.query()
            raw = response.response.read()
        except urllib.error.HTTPError:
            raise
        except SPARQLWrapperException as e:
            raise WikidataError(f"{self.endpoint}: {_describe(e)}") from None
        except TimeoutError:
            raise WikidataError(f"{self.endpoint}: no answer within {self.timeout:g} s (timeout)") from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, TimeoutError):
                raise WikidataError(f"{self.endpoint}: no answer within {self.timeout:g} s (timeout)") from None
            raise WikidataError(f"{self.endpoint}: unreachable ({reason})") from None
        except (OSError, http.client.HTTPException, ValueError) as e:
            raise WikidataError(f"{self.endpoint}: {type(e).__name__}: {e}") from None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise WikidataError(f"{self.endpoint}: malformed SPARQL results (not JSON: {raw[:60]!r})") from None


_STATUS = {"QueryBadFormed": "HTTP 400 (the endpoint rejected the query)", "Unauthorized": "HTTP 401 (unauthorized)",
           "EndPointNotFound": "HTTP 404 (no SPARQL endpoint at this URL; EndPointNotFound)",
           "URITooLong": "HTTP 414 (URI too long)", "EndPointInternalError": "HTTP 500 (internal error of the endpoint)"}


def _describe(e: SPARQLWrapperException) -> str:
    """``HTTP 400 (the endpoint rejected the query): <first line of its answer>``, on one line."""
    head = _STATUS.get(type(e).__name__, type(e).__name__)
    body = str(getattr(e, "response", "") or "")
    text = str(e)
    if "Response:" in text:
        body = text.split("Response:", 1)[1]
    body = body.strip()
    if body.startswith(("b'", 'b"')):
        body = body[2:-1]
    detail = " ".join(body.replace("\\n", " ").split())[:160]
    return f"{head}: {detail}" if detail else head
