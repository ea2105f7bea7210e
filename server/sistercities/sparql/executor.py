"""Run a query with a real timeout and a result-size limit.

pyoxigraph has no query timeout and a running query cannot be interrupted
from Python (it does release the GIL, so other threads keep running).  So
each web worker process keeps a small pool of long-lived executor processes
(:mod:`sistercities.sparql.worker`), one per concurrent request.  A query is
sent as one small frame; the executor evaluates and serialises it in Rust
and sends the bytes back.  If the answer is not there by the deadline the
executor is killed (SIGKILL), a fresh one is started, and the caller answers
503.  For a remote store the query is forwarded with the same deadline.
Never imports Flask.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sistercities.sparql import worker as w

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """``kind`` is ok, query_error, too_large, forbidden, timeout, crashed or failed."""

    kind: str
    body: bytes = b""
    message: str = ""


@dataclass(frozen=True)
class Job:
    query: str
    mime: str
    max_bytes: int
    union: bool = False
    default_graphs: tuple[str, ...] | None = None  # None: not given; () : empty default graph
    named_graphs: tuple[str, ...] | None = None

    def frame(self) -> bytes:
        d: dict[str, Any] = {"q": self.query, "mime": self.mime, "max": self.max_bytes}
        if self.union:
            d["union"] = True
        if self.default_graphs is not None:
            d["dg"] = list(self.default_graphs)
        if self.named_graphs is not None:
            d["ng"] = list(self.named_graphs)
        raw = json.dumps(d).encode()
        return w.JOB_HEADER.pack(len(raw)) + raw


class _Timeout(Exception):
    pass


class Executor:
    """One executor process, restarted whenever it is killed or dies."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = store_dir
        self.proc = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "sistercities.sparql.worker", str(self.store_dir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, close_fds=True,
        )

    def restart(self) -> None:
        self.kill()
        self.proc = self._spawn()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                f.close()

    def _read(self, n: int, deadline: float) -> bytes:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        buf = bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise _Timeout
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
            if not chunk:
                raise EOFError
            buf += chunk
        return bytes(buf)

    def run(self, job: Job, timeout: float) -> Outcome:
        if self.proc.poll() is not None:
            self.restart()
        deadline = time.monotonic() + timeout
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(job.frame())
            status, length = w.HEADER.unpack(self._read(w.HEADER.size, deadline))
            payload = self._read(length, deadline)
        except _Timeout:
            self.restart()
            return Outcome("timeout", message=f"The query did not finish within {timeout:g} s and was stopped.")
        except (EOFError, BrokenPipeError, OSError) as e:
            code = self.proc.poll()
            self.restart()
            log.warning("query executor died (%s, exit %s) on: %.200s", e, code, job.query)
            return Outcome("crashed", message="The query engine stopped while running this query "
                                              "(probably out of memory); it has been restarted.")
        if status == w.OK:
            return Outcome("ok", payload)
        if status == w.QUERY_ERROR:
            return Outcome("query_error", message=payload.decode("utf-8", "replace"))
        if status == w.TOO_LARGE:
            return Outcome("too_large", message=f"The result is larger than {job.max_bytes} bytes "
                                                "(MAX_RESULT_BYTES) and was not sent. Add LIMIT/OFFSET, "
                                                "select fewer variables, or download the data dumps.")
        return Outcome("failed", message=payload.decode("utf-8", "replace"))


class ExecutorPool:
    """Executors of this process, one per concurrently running request."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = store_dir
        self.pid = os.getpid()
        self._idle: list[Executor] = []
        self._all: list[Executor] = []
        self._lock = threading.Lock()
        atexit.register(self.close)

    def warm(self) -> None:
        """Start one executor now, so the first query does not wait for it."""
        with self._lock:
            if not self._all:
                ex = Executor(self.store_dir)
                self._all.append(ex)
                self._idle.append(ex)

    def run(self, job: Job, timeout: float) -> Outcome:
        with self._lock:
            ex = self._idle.pop() if self._idle else None
            if ex is None:
                ex = Executor(self.store_dir)
                self._all.append(ex)
        try:
            return ex.run(job, timeout)
        finally:
            with self._lock:
                self._idle.append(ex)

    def close(self) -> None:
        if os.getpid() != self.pid:
            return
        with self._lock:
            for ex in self._all:
                with contextlib.suppress(OSError):
                    ex.kill()
            self._all.clear()
            self._idle.clear()


_pools: dict[tuple[int, str], ExecutorPool] = {}
_pools_lock = threading.Lock()


def pool_for(store_dir: Path) -> ExecutorPool:
    """This process's pool for ``store_dir`` (a forked child never reuses its parent's)."""
    key = (os.getpid(), str(store_dir))
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = ExecutorPool(store_dir)
        return pool


def run_remote(endpoint: str, job: Job, timeout: float) -> Outcome:
    """Forward ``job`` to a SPARQL endpoint, with the same deadline and size limit."""
    params: list[tuple[str, str]] = [("query", job.query)]
    params += [("default-graph-uri", g) for g in job.default_graphs or ()]
    params += [("named-graph-uri", g) for g in job.named_graphs or ()]
    req = urllib.request.Request(  # noqa: S310 - STORE_URL is checked to be http(s) by RemoteStore
        endpoint, data=urlencode(params).encode(),
        headers={"Accept": job.mime, "Content-Type": "application/x-www-form-urlencoded"},
    )
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            buf = bytearray()
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunk = resp.read(1 << 16)
                if not chunk:
                    break
                buf += chunk
                if len(buf) > job.max_bytes:
                    return Outcome("too_large", message=f"The result is larger than {job.max_bytes} bytes "
                                                        "(MAX_RESULT_BYTES) and was not sent.")
            return Outcome("ok", bytes(buf))
    except urllib.error.HTTPError as e:
        text = e.read()[:2000].decode("utf-8", "replace")
        if 400 <= e.code < 500:
            return Outcome("query_error", message=text)
        return Outcome("failed", message=f"remote store answered {e.code}: {text}")
    except TimeoutError:
        return Outcome("timeout", message=f"The query did not finish within {timeout:g} s and was stopped.")
    except (urllib.error.URLError, OSError) as e:
        if isinstance(getattr(e, "reason", None), TimeoutError):
            return Outcome("timeout", message=f"The query did not finish within {timeout:g} s and was stopped.")
        return Outcome("failed", message=f"remote store unreachable: {e}")
