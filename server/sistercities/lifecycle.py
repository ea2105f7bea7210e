"""The life of a web worker process: cut off from the network, retired after a runaway.

pyoxigraph has no query timeout and a running query cannot be interrupted.
Queries therefore run in a thread of the web worker (pyoxigraph releases the
GIL, so the request thread keeps control); when one outlives
``QUERY_TIMEOUT`` the request is answered 503 and the worker *retires*: it
takes no new connection, finishes what it is serving, exits, and gunicorn
starts a fresh one.  The process exit is what really stops the work.

Before it serves anything, a worker with an embedded store also leaves every
network (an empty network namespace, where Linux allows it): the listening
socket it inherited keeps working, but the process can open no connection,
so even a query that got past the ``SERVICE`` check could reach no host.

Attached to gunicorn by :mod:`sistercities.gunicorn_conf`; never imports
Flask or gunicorn.  Outside gunicorn (Flask's test client, an embedding
application) :func:`retire` cannot stop anything and says so in the log.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from typing import Any

log = logging.getLogger(__name__)

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
# a retiring worker that has not exited after this long (its other requests
# did not finish in gunicorn's graceful period) is ended without waiting
_EXIT_GRACE = 5.0

_worker: Any = None
_pid: int | None = None
_retiring = False
_lock = threading.Lock()


def isolate_network() -> bool:
    """Leave every network (an empty network namespace); False where the kernel refuses.

    Root (or CAP_SYS_ADMIN) may unshare the network namespace alone; other users
    need a user namespace with it, which Linux allows a single-threaded process.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
            if libc.unshare(flags) == 0:
                return True
    except (OSError, AttributeError):
        pass
    return False


def attach(worker: Any) -> None:
    """Remember this process's gunicorn worker (called after the fork)."""
    global _worker, _pid, _retiring
    with _lock:
        _worker, _pid, _retiring = worker, os.getpid(), False


def anonymous_memory() -> int:
    """Bytes of anonymous memory (heap, not mapped files) this process holds now; 0 where unknown."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"RssAnon:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def detach() -> None:
    """Forget the worker (tests)."""
    global _worker, _pid, _retiring
    with _lock:
        _worker, _pid, _retiring = None, None, False


def attached() -> bool:
    return _worker is not None and _pid == os.getpid()


def retire(reason: str, grace: float | None = None) -> bool:
    """Ask this worker to stop after the requests it is serving; False outside gunicorn.

    The worker exits at the latest ``grace`` seconds from now (default: gunicorn's graceful
    period + 5 s), even if requests are still being served.
    """
    global _retiring
    if not attached():
        log.warning("%s; not running under gunicorn, so it cannot be stopped and runs to completion", reason)
        return False
    with _lock:
        if _retiring:
            return True
        _retiring = True
    log.warning("%s; worker %d retires and gunicorn starts a fresh one", reason, os.getpid())
    _worker.alive = False  # gunicorn's own graceful stop: no new connection, finish the current ones
    if grace is None:
        grace = float(getattr(getattr(_worker, "cfg", None), "graceful_timeout", 30) or 30) + _EXIT_GRACE
    timer = threading.Timer(grace, os._exit, args=(0,))
    timer.daemon = True
    timer.start()
    return True
