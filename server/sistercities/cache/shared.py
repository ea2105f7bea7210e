"""The on-disk cache every worker of a server shares (``diskcache``: SQLite plus files).

One folder per release (``<dir>/<version>``; the folders of other releases are removed when
a worker opens a new one), bounded in bytes, entries only up to a size.  The cache is an
optimisation and never a reason to fail: a folder that cannot be created or written, a full
disk, a locked or corrupt database, an entry whose bytes do not check out — each is logged
once per process and the caller answers from the engine, as without a cache.  Each entry
carries its length and CRC-32, so a damaged entry is a miss, never wrong bytes.
Never imports Flask.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import struct
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAGIC = b"sistercities-cache-1\n"
_LEN = struct.Struct(">I")
#: Seconds a worker waits for SQLite's lock before giving up on one read or write (then: the engine).
LOCK_TIMEOUT = 0.5
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True)
class Entry:
    """A cached answer: its bytes, media type and the headers that belong to those bytes."""

    body: bytes
    mime: str
    headers: tuple[tuple[str, str], ...] = field(default=())

    def encode(self) -> bytes:
        head = json.dumps({"mime": self.mime, "headers": [list(h) for h in self.headers],
                           "length": len(self.body), "crc": zlib.crc32(self.body)}).encode("utf-8")
        return MAGIC + _LEN.pack(len(head)) + head + self.body

    @classmethod
    def decode(cls, raw: bytes) -> Entry:
        """The entry ``raw`` holds; ValueError when it is not one written by :meth:`encode` or is damaged."""
        if not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + _LEN.size:
            raise ValueError("not a cache entry")
        (n,) = _LEN.unpack_from(raw, len(MAGIC))
        start = len(MAGIC) + _LEN.size
        head = json.loads(raw[start:start + n].decode("utf-8"))
        body = raw[start + n:]
        if len(body) != head["length"] or zlib.crc32(body) != head["crc"]:
            raise ValueError("cache entry damaged (length or CRC-32 differs)")
        return cls(body, str(head["mime"]), tuple((str(k), str(v)) for k, v in head["headers"]))


def folder_name(version: str) -> str:
    """A release version as a folder name (a remote store's manifest may say anything)."""
    if _SAFE_NAME.fullmatch(version) and version not in (".", ".."):
        return version
    return "v-" + hashlib.sha256(version.encode("utf-8", "surrogatepass")).hexdigest()[:24]

#: The part of SHARED_CACHE_MAX_BYTES given to diskcache (database and entries); the rest is room
#: for SQLite's write-ahead log.
DISKCACHE_SHARE = 0.9


class SharedCache:
    """The shared cache of one release.  Safe in threads; opened lazily in each process
    (a SQLite connection must not cross ``fork``)."""

    def __init__(self, directory: Path, *, max_bytes: int, max_entry_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self.hits = self.misses = self.stores = self.errors = 0
        self._cache: Any = None
        self._pid = -1
        self._broken = False
        self._logged: set[str] = set()
        self._lock = threading.Lock()

    def _trouble(self, what: str, e: BaseException) -> None:
        self.errors += 1
        if what not in self._logged:
            self._logged.add(what)
            log.warning("shared cache %s: %s failed (%s: %s); answering without it (logged once per process)",
                        self.directory, what, type(e).__name__, e)

    def _open(self) -> Any:
        pid = os.getpid()
        if self._cache is not None and self._pid == pid:
            return self._cache
        if self._broken and self._pid == pid:
            return None
        with self._lock:
            if self._pid != pid:
                self._cache, self._broken, self._pid = None, False, pid
            if self._cache is None and not self._broken:
                try:
                    import diskcache

                    # diskcache counts the database file and the entries, not SQLite's write-ahead
                    # log beside them: it gets DISKCACHE_SHARE of the bound, the rest is the log's room
                    # (capped by journal_size_limit), so the folder stays within SHARED_CACHE_MAX_BYTES
                    # (the 1M bench: 281 MB in a folder bound to 268 MB before)
                    self._cache = diskcache.Cache(
                        str(self.directory), timeout=LOCK_TIMEOUT, size_limit=int(self.max_bytes * DISKCACHE_SHARE),
                        eviction_policy="least-recently-stored",  # reads stay reads (no write per hit)
                        statistics=0, cull_limit=10,
                        sqlite_journal_size_limit=max(1 << 20, int(self.max_bytes * (1 - DISKCACHE_SHARE) / 2)))
                except Exception as e:  # unwritable folder, full disk, corrupt database: no cache
                    self._broken = True
                    self._trouble("opening", e)
        return self._cache

    def get(self, key: str) -> Entry | None:
        """The entry under ``key``, or None (absent, damaged, or the cache unusable)."""
        cache = self._open()
        if cache is None:
            self.misses += 1
            return None
        try:
            raw = cache.get(key, default=None, retry=False)
        except Exception as e:
            self._trouble("reading", e)
            self.misses += 1
            return None
        if raw is None:
            self.misses += 1
            return None
        try:
            entry = Entry.decode(bytes(raw))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
            self._trouble("decoding an entry", e)
            self._forget(cache, key)
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def _forget(self, cache: Any, key: str) -> None:
        try:
            cache.delete(key, retry=False)
        except Exception as e:
            self._trouble("deleting a damaged entry", e)

    def put(self, key: str, entry: Entry) -> bool:
        """Keep ``entry`` (if small enough); True when it was stored."""
        if len(entry.body) > self.max_entry_bytes:
            return False
        cache = self._open()
        if cache is None:
            return False
        try:
            cache.set(key, entry.encode(), retry=False)
        except Exception as e:
            self._trouble("writing", e)
            return False
        self.stores += 1
        return True

    def volume(self) -> int | None:
        """Bytes the cache takes on disk (diskcache's estimate), or None when unusable."""
        cache = self._open()
        try:
            return int(cache.volume()) if cache is not None else None
        except Exception as e:
            self._trouble("measuring", e)
            return None

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "stores": self.stores, "errors": self.errors}


def _prune(parent: Path, keep: str) -> None:
    """Remove the cache folders of other releases below ``parent`` (only folders diskcache made)."""
    try:
        siblings = [p for p in parent.iterdir() if p.name != keep and (p / "cache.db").is_file()]
    except OSError:
        return
    for p in siblings:
        shutil.rmtree(p, ignore_errors=True)


def open_shared(parent: Path, version: str, *, max_bytes: int, max_entry_bytes: int) -> SharedCache:
    """The shared cache of release ``version`` in ``parent/<version>``; other releases' folders go."""
    name = folder_name(version)
    _prune(parent, name)
    return SharedCache(parent / name, max_bytes=max_bytes, max_entry_bytes=max_entry_bytes)
