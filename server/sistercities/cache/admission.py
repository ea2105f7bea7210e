"""Which SPARQL results a worker writes to the shared cache (``SHARED_CACHE_ADMIT``).

Writing a result to the shared cache is a SQLite transaction plus, for a large answer, a
file: 0.7 ms for a 207 kB CONSTRUCT on this machine, and at c=16, where the two cores are the
limit, it cost ~20 % of the throughput of a 2 ms DESCRIBE and ~8 % of a 15 ms CONSTRUCT that
were each asked once (``bench.cachetier``'s cold queries).  A query asked once never profits
from the write.  :class:`Admission` lets a worker wait: with ``uses`` = N a result is written
when this worker has answered it N times (the miss, then hits from its own memory), so a
query nobody repeats costs no write.  N = 1 writes at the miss (every worker profits from
every answer at once).  Whatever N, an answer that cost the engine :data:`AT_ONCE_S` or
more is written at the miss: the write is then a few per cent of the work, and every other
worker running the query again would cost far more.  The cost is the query thread's CPU time
(``Outcome.cost_s``), not the wall time: at c=16 on two cores a 19 ms query waits ~200 ms, and
timed by the clock every cold answer was written (bench.cachetier 2026-12-06 14:37: the
cold OPTIONAL query fell from 0.91x of the Oxigraph server without the cache to 0.66x).  The count is per worker, in memory,
bounded: a key pushed out is counted afresh, so at worst an answer is written later, never
wrongly.  Never imports Flask.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

#: Keys a worker counts at most (the oldest counted go first).
MAX_PENDING = 4096
#: An answer that cost the engine this much CPU time (seconds) is written at once, whatever ``uses``
#: says (a 207 kB write costs ~1 ms under load: under 2 % of it).
AT_ONCE_S = 0.05


class Admission:
    """Counts, per key, the answers of this worker not yet written to the shared cache."""

    def __init__(self, uses: int, max_pending: int = MAX_PENDING) -> None:
        if uses < 1:
            raise ValueError(f"uses must be at least 1, got {uses}")
        self.uses = uses
        self.max_pending = max_pending
        self._pending: OrderedDict[Hashable, int] = OrderedDict()
        self._lock = threading.Lock()

    def missed(self, key: Hashable, seconds: float = 0.0) -> bool:
        """The engine just answered ``key`` in ``seconds``: True when the answer is to be written now."""
        if self.uses == 1 or seconds >= AT_ONCE_S:
            return True
        with self._lock:
            self._pending[key] = 1
            self._pending.move_to_end(key)
            while len(self._pending) > self.max_pending:
                self._pending.popitem(last=False)
        return False

    def hit(self, key: Hashable) -> bool:
        """This worker answered ``key`` from its own memory: True when that makes the answer due
        for the shared cache (once per key; an answer already written, or read from there, is not
        counted)."""
        with self._lock:
            seen = self._pending.get(key)
            if seen is None:
                return False
            if seen + 1 >= self.uses:
                del self._pending[key]
                return True
            self._pending[key] = seen + 1
            return False

    def pending(self, key: Hashable) -> bool:
        """Whether ``key`` has been answered by this worker and not yet written."""
        with self._lock:
            return key in self._pending

    def __len__(self) -> int:
        return len(self._pending)
