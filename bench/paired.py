"""Paired one-at-a-time latency: the same request to two or more servers in turn, many turns.

wrk at c=1 runs one server for seconds, then the other; on this shared machine the speed of
the whole VM drifts between those runs by more than our layer costs (the Oxigraph server's p50
on one query moved from 14 to 8 ms between two runs minutes apart).  Here each turn sends one
request to every server, back to back and in a rotating order, so a drift slower than one turn
slows all of them alike; a per-turn difference (ours − store) cancels it, and the median of those
differences is the overhead at c=1.  One client (``http.client``, keep-alive where the server
offers it, a new connection where it closes them, as gunicorn's sync workers do) times every
request the same way, from the first byte sent to the last byte read.
"""

from __future__ import annotations

import http.client
import statistics
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any


class PairedError(RuntimeError):
    pass


@dataclass
class Target:
    """One server's side of the comparison: ``url`` receives ``body`` (a form POST) asking for ``accept``."""

    name: str
    url: str
    body: bytes
    accept: str
    _conn: http.client.HTTPConnection | None = field(default=None, repr=False)

    def once(self, timeout: float = 120) -> float:
        """Seconds for one request and its whole answer (status 200 required)."""
        u = urllib.parse.urlsplit(self.url)
        path = u.path + (f"?{u.query}" if u.query else "")
        headers = {"Accept": self.accept, "Content-Type": "application/x-www-form-urlencoded",
                   "Content-Length": str(len(self.body))}
        for attempt in (1, 2):  # a kept connection the server has closed meanwhile: once more, new
            start = time.perf_counter()
            if self._conn is None:
                self._conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port or 80, timeout=timeout)
            try:
                self._conn.request("POST", path, body=self.body, headers=headers)
                resp = self._conn.getresponse()
                data = resp.read()
            except (http.client.HTTPException, ConnectionError) as e:
                self.close()
                if attempt == 2:
                    raise PairedError(f"{self.name}: {type(e).__name__}: {e}") from None
                continue
            took = time.perf_counter() - start
            if resp.will_close:
                self.close()
            if resp.status != 200:
                raise PairedError(f"{self.name}: HTTP {resp.status}: {data[:300]!r}")
            return took
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def measure(targets: list[Target], *, turns: int, budget_s: float, warm: int = 2, min_turns: int = 5) -> dict[str, Any]:
    """``turns`` turns (fewer when ``budget_s`` runs out, never fewer than ``min_turns``) of one request
    to each target, the order rotating by one each turn, after ``warm`` untimed turns.

    Returns ``{"turns": n, "p50_ms": {name: …}, "diff_ms": {"a-b": {"median", "q1", "q3"}}}`` where a
    difference is taken within each turn, for every pair in the order given (the first against the rest, …)."""
    if len(targets) < 2 or turns < 1 or min_turns < 1:
        raise ValueError("measure needs two targets or more and at least one turn")
    try:
        for _ in range(warm):
            for t in targets:
                t.once()
        times: dict[str, list[float]] = {t.name: [] for t in targets}
        started = time.monotonic()
        n = 0
        while n < turns and (n < min_turns or time.monotonic() - started < budget_s):
            k = n % len(targets)
            for t in targets[k:] + targets[:k]:
                times[t.name].append(1000 * t.once())
            n += 1
    finally:
        for t in targets:
            t.close()
    return summarise(times)


def summarise(times: dict[str, list[float]]) -> dict[str, Any]:
    """Medians and within-turn differences of per-target latencies (ms, one list entry per turn)."""
    names = list(times)
    n = min(len(v) for v in times.values())
    out: dict[str, Any] = {"turns": n, "p50_ms": {k: round(statistics.median(v), 3) for k, v in times.items()},
                           "diff_ms": {}}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            d = sorted(x - y for x, y in zip(times[a][:n], times[b][:n], strict=True))
            q = statistics.quantiles(d, n=4) if len(d) > 1 else [d[0]] * 3
            out["diff_ms"][f"{a}-{b}"] = {"median": round(statistics.median(d), 3),
                                          "q1": round(q[0], 3), "q3": round(q[2], 3)}
    return out
