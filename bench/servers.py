"""The three servers of the benchmark, each started on a free 127.0.0.1 port and stopped by PID.

* :func:`start_ours`     ``sistercities serve`` (gunicorn, the real process a user runs);
* :func:`start_oxigraph` ``oxigraph serve-read-only`` (the Rust server) on a store directory;
* :func:`start_nginx`    Debian's nginx serving a folder of pre-rendered documents;
* :func:`start_floor`    gunicorn with :mod:`bench.floor_app`, the least a Python handler can do;
* :func:`start_granian`  granian (a Rust HTTP server) running a WSGI app (bench/appservers.py).

Each runs in its own session (process group) so that it and all its children (gunicorn
workers) are measured and stopped together.
"""

from __future__ import annotations

import grp
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"


class ServerError(RuntimeError):
    pass


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    root: str  # http://127.0.0.1:PORT
    log: Path
    probe: str = "/"  # a cheap path that answers 200

    def stop(self) -> None:
        stop(self.proc)

    def memory(self) -> dict[str, float]:
        return session_memory(self.proc.pid)

    def settle(self, probes: int = 4, timeout: float = 120) -> float:
        """Wait until requests left over from a load run are answered (wrk stops sending, but a
        slow server still works through its backlog); returns the seconds waited."""
        t0 = time.monotonic()
        for _ in range(probes):
            try:
                with urllib.request.urlopen(self.root + self.probe, timeout=timeout) as r:
                    r.read()
            except (urllib.error.URLError, OSError):
                break
        return time.monotonic() - t0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _wait(proc: subprocess.Popen[bytes], url: str, log: Path, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise ServerError(f"{what} exited with {proc.returncode}; log {log}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    stop(proc)
    raise ServerError(f"{what} did not answer {url} within {timeout:.0f} s; log {log}")


def _popen(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def start_ours(build_dir: Path, workers: int, log: Path, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    cmd = [sys.executable, "-m", "sistercities.cli", "serve", "--build-dir", str(build_dir),
           "--host", HOST, "--port", str(port), "--workers", str(workers)]
    proc = _popen(cmd, log, {**os.environ, **(env or {})})
    root = f"http://{HOST}:{port}"
    _wait(proc, root + "/-/health", log, "sistercities serve")
    return Server("ours", proc, root, log, "/-/health")


def start_floor(store_dir: Path | None, workers: int, log: Path, threads: int = 1, *, union: bool = True,
                upstream: str = "", env: dict[str, str] | None = None) -> Server:
    """The floor app under gunicorn: sync workers, or gthread (keeps connections alive) when threads > 1;
    ``union``: it reads the union of the graphs (else the store's default graph, as ours does);
    ``upstream`` (a SPARQL endpoint's URL, instead of ``store_dir``): it forwards each request there;
    ``env``: more environment (e.g. the LD_PRELOAD of our servers' ALLOCATOR)."""
    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    kind = ["--worker-class", "sync"] if threads == 1 else ["--worker-class", "gthread", "--threads", str(threads)]
    cmd = [gunicorn, "--workers", str(workers), *kind, "--bind", f"{HOST}:{port}",
           "--chdir", str(Path(__file__).resolve().parent.parent), "bench.floor_app:app"]
    full = {**os.environ, **(env or {}), "UNION": "1" if union else "0"}
    full |= {"UPSTREAM": upstream} if upstream else {"STORE": str(store_dir)}
    proc = _popen(cmd, log, full)
    root = f"http://{HOST}:{port}"
    _wait(proc, root + "/h", log, "the floor app")
    return Server("floor", proc, root, log, "/h")


def granian_binary() -> str:
    here = Path(sys.executable).parent / "granian"
    path = str(here) if here.exists() else shutil.which("granian")
    if not path:
        raise ServerError("granian is not installed: pip install granian (the bench extra)")
    return path


def start_granian(target: str, workers: int, log: Path, env: dict[str, str], *, probe: str, name: str,
                  threads: int = 1, factory: bool = False, extra: tuple[str, ...] = ()) -> Server:
    """granian's WSGI interface on ``target`` (``module:app``, or ``module:factory`` with ``factory``):
    ``workers`` processes of ``threads`` Python (blocking) threads each, HTTP/1.1 only."""
    port = free_port()
    cmd = [granian_binary(), "--interface", "wsgi", "--host", HOST, "--port", str(port), "--workers", str(workers),
           "--blocking-threads", str(threads), "--http", "1", "--no-ws",
           "--working-dir", str(Path(__file__).resolve().parent.parent),
           *(["--factory"] if factory else []), *extra, target]
    proc = _popen(cmd, log, env)
    root = f"http://{HOST}:{port}"
    _wait(proc, root + probe, log, f"granian ({target})")
    return Server(name, proc, root, log, probe)


def oxigraph_binary() -> str:
    here = Path(sys.executable).parent / "oxigraph"
    path = str(here) if here.exists() else shutil.which("oxigraph")
    if not path:
        raise ServerError("the oxigraph server is not installed: pip install oxigraph (the bench extra)")
    return path


def start_oxigraph(store_dir: Path, log: Path, *, union: bool = True) -> Server:
    """``oxigraph serve-read-only`` on ``store_dir``; ``union``: its default graph is the union of
    the named graphs (``--union-default-graph``), else the store's own default graph."""
    port = free_port()
    cmd = [oxigraph_binary(), "serve-read-only", "--location", str(store_dir), "--bind", f"{HOST}:{port}",
           *(["--union-default-graph"] if union else [])]
    proc = _popen(cmd, log)
    root = f"http://{HOST}:{port}"
    _wait(proc, root + "/query?query=ASK%7B%7D", log, "oxigraph serve-read-only")
    return Server("oxigraph", proc, root, log, "/query?query=ASK%7B%7D")


def oxigraph_load(dump: Path, location: Path, log: Path) -> None:
    """Load an N-Quads dump into a fresh Oxigraph store (fallback when the CLI cannot open ours)."""
    if location.exists():
        shutil.rmtree(location)
    cmd = [oxigraph_binary(), "load", "--location", str(location), "--file", str(dump)]
    with open(log, "ab") as out:
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    if rc != 0:
        raise ServerError(f"oxigraph load {dump} failed ({rc}); see {log}")


def nginx_binary() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not path:
        raise ServerError("nginx is not installed: run scripts/install-bench-tools (Debian package nginx)")
    return path


NGINX_CONF = """\
# generated by bench/servers.py: static copies of our documents on 127.0.0.1 only
{user}
worker_processes 2;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {work}/tmp/body;
    proxy_temp_path {work}/tmp/proxy;
    fastcgi_temp_path {work}/tmp/fastcgi;
    uwsgi_temp_path {work}/tmp/uwsgi;
    scgi_temp_path {work}/tmp/scgi;
    types {{
        text/turtle ttl;
        text/html html;
    }}
    charset utf-8;
    charset_types text/turtle text/html;
    server {{
        listen {host}:{port};
        root {root};
        # no content negotiation: a fixed 303 to the Turtle document, for comparison
        location /id/ {{ return 303 /doc$uri.ttl; }}
    }}
}}
"""


def start_nginx(static_root: Path, work: Path) -> Server:
    work.mkdir(parents=True, exist_ok=True)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (work / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    static_root.mkdir(parents=True, exist_ok=True)
    (static_root / "nginx-alive.txt").write_text("ok\n")
    port = free_port()
    user = ""
    if os.geteuid() == 0:
        # nginx's workers drop to nobody:nobody (a group Debian does not have); keep them
        # unprivileged when nobody can reach the files, else (a 0700 temp folder) stay root
        if _world_readable(static_root.resolve()):
            try:
                grp.getgrnam("nogroup")
                user = "user nobody nogroup;"
            except KeyError:
                user = "user nobody;"
        else:
            user = "user root root;"
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, work=work.resolve(), host=HOST, port=port,
                                      root=static_root.resolve()), encoding="utf-8")
    log = work / "nginx.log"
    proc = _popen([nginx_binary(), "-p", str(work.resolve()), "-c", str(conf.resolve())], log)
    root = f"http://{HOST}:{port}"
    _wait(proc, root + "/nginx-alive.txt", log, "nginx")
    return Server("nginx", proc, root, log, "/nginx-alive.txt")


def _world_readable(folder: Path) -> bool:
    """Can any user list ``folder`` (every ancestor searchable by others)?"""
    return all(p.stat().st_mode & stat.S_IXOTH for p in [folder, *folder.parents]) and bool(
        folder.stat().st_mode & stat.S_IROTH)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server we started, and its whole process group, by PID."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def _session_pids(sid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid:  # field 6 of stat: session id
            pids.append(int(entry))
    return pids


def session_cpu(sid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of a server's session."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _session_pids(sid):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat: utime, stime
    return total / tick


def session_memory(sid: int) -> dict[str, float]:
    """RSS, peak RSS and PSS (MiB) summed over every process of a server's session.

    RSS counts the pages the workers share (store files, forked code) once per process;
    PSS shares them out, so the PSS sum is the memory the server really costs.
    """
    rss = hwm = pss = 0
    pids = _session_pids(sid)
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm += int(line.split()[1])
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return {"processes": len(pids), "rss_mib": round(rss / 1024, 1), "peak_rss_mib": round(hwm / 1024, 1),
            "pss_mib": round(pss / 1024, 1)}
