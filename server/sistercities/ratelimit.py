"""Per-client fairness: a request rate limit and a limit on concurrent SPARQL queries.

Both are off by default (``RATE_LIMIT = 0``, ``MAX_CLIENT_QUERIES = 0``).  A client is
its address as the WSGI server sees it (behind a proxy, set ``TRUSTED_PROXIES`` so the
address comes from ``X-Forwarded-For``).

The counts must hold for the whole server, not per worker, so they live in one small
SQLite file that every gunicorn worker opens (:func:`shared_path`: made by the arbiter
before it forks, see :mod:`sistercities.gunicorn_conf`).  Outside gunicorn (the Flask
test client, an embedding app) an in-memory database serves the one process.

* **Rate**: a token bucket per client holding up to ``rate`` tokens, refilled at
  ``rate`` per minute; a request takes one; an empty bucket answers with the seconds
  until the next token.
* **Concurrent queries**: a row per running query (client, worker pid); a client
  with ``max_queries`` rows waits.  Rows of workers that died (a retired runaway, a
  SIGKILL) are dropped when the client next asks, so a slot is never lost.

Never imports Flask.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Environment variable through which the arbiter hands the shared file to its workers.
SHARED_ENV = "SISTERCITIES_INTERNAL_LIMITS_DB"
#: Seconds a client is told to wait when all its query slots are taken.
QUERY_RETRY_AFTER = 5

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bucket (client TEXT PRIMARY KEY, tokens REAL NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS running (id INTEGER PRIMARY KEY, client TEXT NOT NULL, pid INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS running_client ON running (client);
"""


def shared_path() -> str | None:
    return os.environ.get(SHARED_ENV) or None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ClientLimits:
    """The two limits over one SQLite database (a file shared by workers, or ``:memory:``)."""

    def __init__(self, rate_per_minute: int, max_queries: int, path: str | None = None) -> None:
        self.rate = max(0, int(rate_per_minute))
        self.max_queries = max(0, int(max_queries))
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._path = path or ":memory:"

    @property
    def enabled(self) -> bool:
        return bool(self.rate or self.max_queries)

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(self._path, timeout=5, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def _txn(self) -> sqlite3.Connection:
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        return db

    def check_rate(self, client: str, now: float | None = None) -> int | None:
        """None when ``client`` may make a request (one token is taken); else seconds to wait (≥ 1)."""
        if not self.rate:
            return None
        now = time.time() if now is None else now
        per_second = self.rate / 60.0
        with self._lock:
            db = self._txn()
            try:
                row = db.execute("SELECT tokens, at FROM bucket WHERE client = ?", (client,)).fetchone()
                tokens = float(self.rate) if row is None else min(float(self.rate), row[0] + (now - row[1]) * per_second)
                if tokens >= 1.0:
                    db.execute("INSERT OR REPLACE INTO bucket (client, tokens, at) VALUES (?, ?, ?)",
                               (client, tokens - 1.0, now))
                    wait = None
                else:
                    db.execute("INSERT OR REPLACE INTO bucket (client, tokens, at) VALUES (?, ?, ?)", (client, tokens, now))
                    wait = max(1, math.ceil((1.0 - tokens) / per_second))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return wait

    @contextmanager
    def query_slot(self, client: str) -> Iterator[int | None]:
        """Yields None while holding one of ``client``'s query slots; else the seconds to wait."""
        if not self.max_queries:
            yield None
            return
        slot = self._acquire(client)
        if slot is None:
            yield QUERY_RETRY_AFTER
            return
        try:
            yield None
        finally:
            self._release(slot)

    def _acquire(self, client: str) -> int | None:
        with self._lock:
            db = self._txn()
            try:
                rows = db.execute("SELECT id, pid FROM running WHERE client = ?", (client,)).fetchall()
                dead = [r[0] for r in rows if r[1] != os.getpid() and not _alive(r[1])]
                db.executemany("DELETE FROM running WHERE id = ?", [(i,) for i in dead])
                slot = None
                if len(rows) - len(dead) < self.max_queries:
                    slot = db.execute("INSERT INTO running (client, pid) VALUES (?, ?)", (client, os.getpid())).lastrowid
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return slot

    def _release(self, slot: int) -> None:
        with self._lock:
            self._conn().execute("DELETE FROM running WHERE id = ?", (slot,))

    def running(self, client: str) -> int:
        with self._lock:
            return int(self._conn().execute("SELECT COUNT(*) FROM running WHERE client = ?", (client,)).fetchone()[0])
