"""A private OpenLink Virtuoso (Debian's ``virtuoso-opensource``, installed by
``scripts/install-virtuoso``): its own database folder and ``virtuoso.ini`` (free loopback
ports for isql and HTTP), started in the foreground in its own session, stopped by PID.

Used by the three-backend benchmark (:mod:`bench.backends`, large buffers and limits) and
by the tests (tests/virtuoso.py, small buffers, Debian's limits).
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.servers import HOST, free_port, stop

BINARY = "virtuoso-t"
ISQL = "isql-vt"

INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = {host}:{isql}
DisableUnixSocket = 1
MaxClientConnections = {connections}
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = {host}:{http}
ServerRoot = {d}/vsp
MaxClientConnections = {connections}
ServerThreads = {connections}
MaxKeepAlives = {connections}
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 1
[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {max_exec_s}
MaxQueryCostEstimationTime = {max_cost_s}
"""


def start_virtuoso(folder: Path, *, buffers: int = 10000, dirty: int | None = None, log: Path | None = None,
                   port: int | None = None, max_rows: int = 10000, max_exec_s: int = 60, max_cost_s: int = 400,
                   connections: int = 20, timeout: float = 60) -> tuple[subprocess.Popen[bytes], str]:
    """A fresh (or the existing) database in ``folder``; (process, root URL) once ``/sparql`` answers.
    ``buffers`` of 8 kB each (10000 = 80 MB; Virtuoso suggests 85000 per GB of RAM), ``dirty``
    (MaxDirtyBuffers) 3/4 of them unless given.  The process has ``isql_port``; it leads its own
    session (stop it with :func:`bench.servers.stop`)."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vsp").mkdir(exist_ok=True)
    isql_port, http = free_port(), port or free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(INI.format(d=folder, host=HOST, isql=isql_port, http=http, buffers=buffers,
                              dirty=dirty if dirty is not None else buffers * 3 // 4, max_rows=max_rows,
                              max_exec_s=max_exec_s, max_cost_s=max_cost_s, connections=connections))
    with open(log or folder / "stdout.log", "ab") as out:
        proc = subprocess.Popen([BINARY, "+foreground", "+configfile", str(ini)], cwd=folder,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    proc.isql_port = isql_port  # type: ignore[attr-defined]
    root = f"http://{HOST}:{http}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            errlog = folder / "virtuoso.log"
            tail = errlog.read_text(errors="replace")[-500:] if errlog.exists() else ""
            raise RuntimeError(f"virtuoso-t exited with {proc.returncode}: {tail}")
        try:
            with urllib.request.urlopen(root + "/sparql?query=ASK%20%7B%7D", timeout=2) as r:
                if r.status == 200:
                    return proc, root
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"Virtuoso did not answer /sparql within {timeout:.0f} s")


def isql(proc: subprocess.Popen[bytes], sql: str) -> str:
    """Run SQL through isql as dba (default password on a fresh database)."""
    port = proc.isql_port  # type: ignore[attr-defined]
    r = subprocess.run([ISQL, str(port), "dba", "dba", f"exec={sql}"], capture_output=True, text=True, timeout=120,
                       check=False)
    if r.returncode != 0 or "*** Error" in r.stdout + r.stderr:
        raise RuntimeError(f"isql {sql!r}: {(r.stdout + r.stderr).strip()[-300:]}")
    return r.stdout


def allow_update(proc: subprocess.Popen[bytes]) -> None:
    """Let the anonymous SPARQL user update (``/sparql`` Update and ``/sparql-graph-crud``).
    Safe on a loopback, throw-away database only; never on a public Virtuoso."""
    isql(proc, 'grant SPARQL_UPDATE to "SPARQL"')
