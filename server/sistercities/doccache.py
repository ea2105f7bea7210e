"""Per-process cache of rendered documents, validators and conditional GET.

A rendered document depends only on (dataset build, software version, IRI,
format, language preference, page), so it is cached in a bounded LRU keyed by
exactly that, and its ETag is a hash of the same key: a conditional request
is answered 304 without touching the store or rendering anything.  A new
build has a new version, hence new keys and new ETags.  Never imports Flask.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime

from sistercities import __version__

#: Default budget of one worker's cache.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_ENTRIES = 20_000

CacheKey = tuple[str, ...]


@dataclass(frozen=True)
class Doc:
    """A rendered document and the headers that belong to it."""

    body: bytes
    mime: str
    headers: tuple[tuple[str, str], ...] = field(default=())


def cache_key(version: str, iri: str, fmt: str, *, lang: str = "", page: int = 1, extra: str = "") -> CacheKey:
    return (version, __version__, iri, fmt, lang, str(page), extra)


def etag(key: CacheKey) -> str:
    """A strong ETag for a cache key (the same key always renders the same bytes)."""
    return '"' + hashlib.sha256("\0".join(key).encode("utf-8")).hexdigest()[:32] + '"'


def http_date(iso: str | None) -> str | None:
    """An ISO 8601 UTC timestamp (manifest ``modified``) as an HTTP date."""
    parsed = parse_iso(iso)
    return format_datetime(parsed, usegmt=True) if parsed else None


def parse_iso(iso: str | None) -> dt.datetime | None:
    if not iso:
        return None
    try:
        d = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return d.astimezone(dt.UTC).replace(microsecond=0)


def _etag_matches(header: str, tag: str) -> bool:
    if header.strip() == "*":
        return True
    weak = tag[2:] if tag.startswith("W/") else tag
    for candidate in header.split(","):
        c = candidate.strip()
        if c.startswith("W/"):
            c = c[2:]
        if c == weak:
            return True
    return False


def not_modified(if_none_match: str | None, if_modified_since: str | None, tag: str, modified_iso: str | None) -> bool:
    """RFC 9110 §13.1: True when a GET/HEAD may be answered 304.

    If-None-Match wins over If-Modified-Since; an unparsable date is ignored.
    """
    if if_none_match:
        return _etag_matches(if_none_match, tag)
    if if_modified_since:
        last = parse_iso(modified_iso)
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        if last is None or since is None:
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        return last <= since
    return False


class DocCache:
    """A thread-safe LRU of :class:`Doc` bounded by entries and total bytes."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._data: OrderedDict[CacheKey, Doc] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> Doc | None:
        with self._lock:
            doc = self._data.get(key)
            if doc is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return doc

    def put(self, key: CacheKey, doc: Doc) -> None:
        size = len(doc.body)
        if size > self.max_bytes // 4:  # one huge document must not flush everything else
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._data[key] = doc
            self._bytes += size
            while self._data and (self._bytes > self.max_bytes or len(self._data) > self.max_entries):
                _, evicted = self._data.popitem(last=False)
                self._bytes -= len(evicted.body)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._data)
