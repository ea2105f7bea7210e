"""gunicorn hooks used by ``sistercities serve`` (``--config python:sistercities.gunicorn_conf``).

Everything else is given on gunicorn's command line by :mod:`sistercities.cli`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Any

from sistercities import lifecycle, ratelimit
from sistercities.settings import ENV_PREFIX

# gunicorn >= 25.1 opens a control socket at one fixed path per user: several servers on a
# machine (a test run, a second release) would take it from each other; nothing here uses it.
# Older gunicorn ignores the unknown name.
control_socket_disable = True

# gunicorn trusts X-Forwarded-Proto (and friends) from 127.0.0.1 by default, so a client on the
# same host could make every absolute URL https (or a forwarded SCRIPT_NAME).  Proxy headers
# are trusted only through the TRUSTED_PROXIES setting (werkzeug's ProxyFix in create_app).
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
forwarder_headers = ""


def post_fork(server: Any, worker: Any) -> None:
    """In each new worker, before it loads the app: remember it, and leave the network
    unless the store is a remote endpoint (which the worker must reach)."""
    lifecycle.attach(worker)
    if os.environ.get(ENV_PREFIX + "STORE_URL"):
        return
    if not lifecycle.isolate_network():
        server.log.warning("worker %s keeps network access: this kernel refused an empty network namespace",
                           worker.pid)


def post_worker_init(worker: Any) -> None:
    """After a worker has loaded the app, just before it accepts: say so, so an operator (and
    a test) can tell a worker that serves from one still importing after a restart."""
    worker.log.info("worker %s ready", worker.pid)


def on_starting(server: Any) -> None:
    """In the arbiter, before any worker: the file the workers share for per-client limits."""
    fd, path = tempfile.mkstemp(prefix="sistercities-limits-", suffix=".sqlite")
    os.close(fd)
    os.environ[ratelimit.SHARED_ENV] = path


def on_exit(server: Any) -> None:
    path = os.environ.get(ratelimit.SHARED_ENV)
    if path:
        for p in (path, path + "-wal", path + "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(p)
