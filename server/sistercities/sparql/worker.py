"""The query executor process: ``python -m sistercities.sparql.worker STORE_DIR``.

Opens the read-only store, then answers jobs on stdin/stdout until stdin
closes or its parent dies.  A job is a 4-byte big-endian length and a JSON
object ``{"q", "mime", "max", "union"?, "dg"?, "ng"?}``; the answer is a
1-byte status, an 8-byte length and the payload (the serialised result, or
a UTF-8 message).  Query evaluation and serialisation happen in Rust; Python
only moves bytes.  Before opening the store the process moves itself into an
empty network namespace where Linux allows it, so even a query that got past
the SERVICE check could not reach any host.  Never imports Flask.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import struct
import sys
import threading
import time
from typing import IO, Any, cast

import pyoxigraph as ox

OK, QUERY_ERROR, TOO_LARGE, FAILED = 0, 1, 2, 3
HEADER = struct.Struct("!BQ")
JOB_HEADER = struct.Struct("!I")

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def isolate_network() -> bool:
    """Leave every network (empty net namespace); False when the kernel refuses."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
            if libc.unshare(flags) == 0:
                return True
    except (OSError, AttributeError):
        pass
    return False


class _Limited(io.RawIOBase):
    """A write target that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.buf = bytearray()
        self.limit = limit

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        if len(self.buf) + len(b) > self.limit:
            raise OverflowError(f"result larger than {self.limit} bytes")
        self.buf += b
        return len(b)


def _dataset(job: dict[str, Any]) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if job.get("union"):
        kw["use_default_graph_as_union"] = True
    if "dg" in job:
        kw["default_graph"] = [ox.NamedNode(g) for g in job["dg"]] or [ox.DefaultGraph()]
    if "ng" in job:
        kw["named_graphs"] = [ox.NamedNode(g) for g in job["ng"]]
    return kw


def run_job(store: ox.Store, job: dict[str, Any]) -> tuple[int, bytes]:
    out = _Limited(int(job["max"]))
    try:
        res = store.query(job["q"], **_dataset(job))
        mime = job["mime"]
        if isinstance(res, ox.QueryTriples):
            res.serialize(cast(IO[bytes], out), format=ox.RdfFormat.from_media_type(mime))
        else:
            fmt = ox.QueryResultsFormat.from_media_type(mime)
            if fmt is None:
                kind = "SELECT" if isinstance(res, ox.QuerySolutions) else "ASK"
                return QUERY_ERROR, f"a {kind} result cannot be written as {mime}".encode()
            res.serialize(cast(IO[bytes], out), format=fmt)
    except SyntaxError as e:
        return QUERY_ERROR, str(e).encode()
    except OverflowError:
        return TOO_LARGE, str(job["max"]).encode()
    except Exception as e:  # reported to the parent, which logs it
        return FAILED, f"{type(e).__name__}: {e}".encode()
    return OK, bytes(out.buf)


def _read_exact(f: Any, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = f.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _watch_parent(ppid: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != ppid:
            os._exit(0)


def main(argv: list[str]) -> int:
    ppid = os.getppid()
    # frames go to the original stdout; anything printed goes to stderr instead
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    inp = os.fdopen(os.dup(0), "rb", buffering=0)
    isolate_network()
    store = ox.Store.read_only(argv[1])
    threading.Thread(target=_watch_parent, args=(ppid,), daemon=True).start()
    while True:
        head = _read_exact(inp, JOB_HEADER.size)
        if head is None:
            return 0
        raw = _read_exact(inp, JOB_HEADER.unpack(head)[0])
        if raw is None:
            return 0
        status, payload = run_job(store, json.loads(raw))
        out.write(HEADER.pack(status, len(payload)))
        view = memoryview(payload)
        while view:
            n = out.write(view)
            view = view[n or 0:]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
