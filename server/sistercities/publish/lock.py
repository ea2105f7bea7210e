"""One publisher at a time: a lock ticket in the store's pointer graph.

Two publishes into one store at once would undo each other: each one's clean-up drops
the other's staged graphs (they are not published yet, so they look abandoned), and a
switch from a staged graph that was dropped under it empties the served graphs.  So a
publisher first takes the store's publish lock, with nothing but SPARQL 1.1 Update and
a query (no store-specific transaction or conditional write):

1. ``INSERT DATA`` its own ticket into the pointer graph::

       <BASE>release/lock/<token>> <BASE>ontology/lockHolder "host pid 1234" ;
                                    <BASE>ontology/lockedAt "<time>"^^xsd:dateTime .

2. read every ticket back.  Abandoned tickets are deleted: a ticket not renewed for
   :data:`LOCK_TTL` (the holder renews ``lockedAt`` at least every :data:`HEARTBEAT`
   seconds between its requests, and no request takes longer than the publish timeout),
   a ticket of a process of this host that is no longer running (a publisher killed with
   SIGKILL), and a ticket of this very process that no publish in it holds (one whose
   removal failed because the store had gone away).  If any other
   ticket remains, it deletes its own and stops with :class:`LockHeld`, naming the holder.

Of two publishers that write their tickets at the same moment, each sees the other and
both stop (safe, and the message says to try again); one that comes later sees the
earlier one's ticket and stops; so at most one goes on.  Clocks matter only for the
age of a ticket, measured in hours.  The ticket is deleted when the publish ends, also
when it fails.  ``sistercities build --store-break-lock`` deletes every ticket first,
for an operator who knows the holder is gone.  Never imports Flask.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

from sistercities.publish.names import Names
from sistercities.publish.update import literal

#: A ticket not renewed for this long (seconds) belongs to a publisher that died: it is deleted.
#: Longer than the longest single publishing request (``PUBLISH_TIMEOUT``, 900 s) and a margin.
LOCK_TTL = 1200.0
#: The holder renews its ticket at most this often (seconds), between its requests.
HEARTBEAT = 60.0
#: Tokens of the tickets the publishes running in this process hold.
_HELD: set[str] = set()
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"

Select = Callable[[str], list[dict[str, Any]]]
Run = Callable[[str], None]


class LockHeld(RuntimeError):
    """Another publish holds the store's publish lock."""


def _time(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dead_here(holder: str, subject: str) -> bool:
    """Is ``holder`` (``"<host> pid <n>"``) a process of this host that is not running, or this
    process while no publish in it holds the ticket ``subject``?"""
    host, sep, pid = holder.rpartition(" pid ")
    if not sep or host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return subject.rsplit("/", 1)[-1] not in _HELD
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # running, as another user
        return False
    return False


def _parse(text: str) -> dt.datetime | None:
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


class PublishLock:
    """The publish lock of the store behind ``select``/``run`` (its pointer graph, ``names``)."""

    def __init__(self, select: Select, run: Run, names: Names, *, ttl: float = LOCK_TTL,
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.select, self.run, self.names = select, run, names
        self.ttl = ttl
        self.now = now
        self.token = uuid.uuid4().hex
        self.holder = f"{socket.gethostname()} pid {os.getpid()}"
        self.held = False

    @property
    def prefix(self) -> str:
        return self.names.release("lock/")

    @property
    def subject(self) -> str:
        return self.prefix + self.token

    def _p(self, name: str) -> str:
        return f"{self.names.base}ontology/{name}"

    def tickets(self) -> list[tuple[str, str, dt.datetime | None]]:
        """``(subject, holder, locked at)`` of every ticket in the store."""
        rows = self.select(
            f"SELECT ?t ?who ?at WHERE {{ GRAPH <{self.names.pointer}> {{ ?t <{self._p('lockHolder')}> ?who "
            f"OPTIONAL {{ ?t <{self._p('lockedAt')}> ?at }} }} }}")
        return [(r["t"].value, r["who"].value, _parse(r["at"].value) if "at" in r else None) for r in rows]

    def _delete(self, subjects: list[str]) -> None:
        if subjects:
            self.run(" ;\n".join(f"DELETE WHERE {{ GRAPH <{self.names.pointer}> {{ <{s}> ?p ?o }} }}"
                                 for s in subjects))

    def acquire(self, *, break_lock: bool = False) -> None:
        """Take the lock or raise :class:`LockHeld` (the store keeps no ticket of ours then)."""
        if break_lock:
            self._delete([t for t, _, _ in self.tickets()])
        self.run(f"INSERT DATA {{ GRAPH <{self.names.pointer}> {{ <{self.subject}> "
                 f"<{self._p('lockHolder')}> {literal(self.holder)} ; "
                 f"<{self._p('lockedAt')}> \"{_time(self.now())}\"^^<{XSD_DATETIME}> }} }}")
        self.held = True
        _HELD.add(self.token)
        self.beaten = time.monotonic()
        now = self.now()
        stale, others = [], []
        for subject, who, at in self.tickets():
            if subject == self.subject:
                continue
            if at is None or (now - at).total_seconds() > self.ttl or _dead_here(who, subject):
                stale.append(subject)
            else:
                others.append((who, at))
        self._delete(stale)
        if others:
            self.release()
            who, at = min(others, key=lambda o: o[1])
            raise LockHeld(
                f"another publish into this store is under way ({who}, since {_time(at)}); try again when it "
                f"has ended. A lock not renewed for {self.ttl / 60:g} min counts as abandoned; if you know its "
                "publisher is gone, run again with --store-break-lock")

    def renew(self) -> None:
        """Renew our ticket's ``lockedAt`` if :data:`HEARTBEAT` seconds went by since the last time."""
        if not self.held or time.monotonic() - self.beaten < HEARTBEAT:
            return
        self.beaten = time.monotonic()
        at = f"<{self._p('lockedAt')}>"
        self.run(f"DELETE WHERE {{ GRAPH <{self.names.pointer}> {{ <{self.subject}> {at} ?t }} }} ;\n"
                 f"INSERT DATA {{ GRAPH <{self.names.pointer}> {{ <{self.subject}> {at} "
                 f"\"{_time(self.now())}\"^^<{XSD_DATETIME}> }} }}")

    def release(self) -> None:
        """Delete our ticket (nothing if we hold none)."""
        if self.held:
            _HELD.discard(self.token)
            self.held = False
            self._delete([self.subject])
