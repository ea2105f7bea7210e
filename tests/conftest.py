"""Shared fixtures: the real build, the app/client/runner trio, a live server.

* ``built``      – a release built once per session from the real ontology/, shapes/ and data/.
* ``store``      – its pyoxigraph store, read-only (:class:`sistercities.store.EmbeddedStore`).
* ``sparql``     – ``sparql(query) -> list[dict[var, pyoxigraph term]]`` over it (the default graph: the
  union of the named graphs, each triple once).
* ``app`` / ``client`` / ``runner`` – Flask's test trio on that build.
* ``live_server`` – a real ``sistercities serve`` (gunicorn) process on a free loopback port;
  yields its root URL and is stopped by PID at the end of the session.
* ``backend``    – where ``app``/``client``/``live_server`` get their data (tests/backends.py): the
  embedded store, or in modules marked ``pytestmark = pytest.mark.backends`` each of ``BACKENDS``.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from backends import BACKENDS, FACTORIES, Backend
from sistercities import create_app
from sistercities.build import build as do_build
from sistercities.release import Release, current
from sistercities.store import EmbeddedStore
from sistercities.uris import DEFAULT_BASE

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SISTERCITIES_SHARED", ROOT.parent / "shared"))
BASE = DEFAULT_BASE


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"shared/ not found at {SHARED} (set SISTERCITIES_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("build")
    do_build(ROOT, d, BASE, sources_dir=SHARED / "sources")  # quotations checked against the team's texts
    return d


@pytest.fixture(scope="session")
def built(build_dir: Path) -> Release:
    return current(build_dir)


@pytest.fixture(scope="session")
def store(built: Release) -> EmbeddedStore:
    return EmbeddedStore(built.store_dir)


@pytest.fixture(scope="session")
def sparql(store: EmbeddedStore) -> Callable[[str], list[dict[str, Any]]]:
    def run(query: str) -> list[dict[str, Any]]:
        return store.select(query)

    return run


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("backends"):
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="session")


@pytest.fixture(scope="session")
def _backends(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Backend]]:
    """Each backend started once per session, on first use."""
    started: dict[str, Backend] = {}
    stops: list[Callable[[], None]] = []

    def get(name: str) -> Backend:
        if name not in started:
            b, stop = FACTORIES[name](build_dir, tmp_path_factory.mktemp("backend-" + name))
            started[name] = b
            stops.append(stop)
        return started[name]

    try:
        yield get
    finally:
        for stop in stops:
            stop()


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest, _backends: Callable[[str], Backend]) -> Backend:
    return _backends(getattr(request, "param", "embedded"))


@pytest.fixture()
def app(backend: Backend, tmp_path: Path):  # type: ignore[no-untyped-def]
    # each test's app has its own shared cache (sistercities.cache): what one test cached must not
    # answer another test's request (a store made to fail, a renderer replaced)
    app = create_app({"SHARED_CACHE_DIR": str(tmp_path / "shared-cache"), **backend.config})
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture()
def runner():  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    return CliRunner()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(build_dir: Path, *, workers: int = 2, env: dict[str, str] | None = None,
                 log: Path | None = None, ready: int = 200, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``sistercities serve`` on ``port`` (default: a free one); return (process, root URL) once healthy
    (``/-/health`` answers ``ready``: 503 for a server whose store is down)."""
    port = port or free_port()
    full_env = {**os.environ, **(env or {})}
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "sistercities.cli", "serve", "--build-dir", str(build_dir),
         "--port", str(port), "--workers", str(workers)],
        env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )
    root = f"http://127.0.0.1:{port}"
    wait_until_answers(proc, root + "/-/health", "sistercities serve", ready=ready)
    return proc, root


def wait_until_answers(proc: subprocess.Popen[bytes], url: str, what: str, seconds: float = 30,
                       ready: int = 200) -> None:
    """Poll ``url`` until it answers ``ready``; stop ``proc`` and fail if it exits or takes longer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=5).status_code == ready:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError(f"{what} did not answer {url} within {seconds:g} s")


def start_loopback_http(handler: type[http.server.BaseHTTPRequestHandler]) -> tuple[http.server.ThreadingHTTPServer, str]:
    """A throw-away HTTP server on a free loopback port, answering with ``handler`` in a background thread;
    return (server, root URL).  Stop it with :func:`stop_loopback_http`."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def stop_loopback_http(server: http.server.ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


@contextmanager
def loopback_http(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[tuple[http.server.ThreadingHTTPServer, str]]:
    """:func:`start_loopback_http` for the length of a ``with`` block."""
    server, root = start_loopback_http(handler)
    try:
        yield server, root
    finally:
        stop_loopback_http(server)


def tree_hash(folder: Path) -> str:
    """One hash of every file's path and bytes below ``folder`` (to prove a command left it untouched)."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def worker_pids(proc: subprocess.Popen[bytes]) -> list[int]:
    """The gunicorn workers of a server from :func:`start_server` (children of its arbiter)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True, check=False)
    return sorted(int(x) for x in out.stdout.split())


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def live_server(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    proc, root = start_server(backend.build_dir, log=log, env=backend.env)
    try:
        yield root
    finally:
        stop_server(proc)


# --- a real headless Chromium (Debian's, driven by Playwright) -------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def ensure_chromium() -> str:
    """The Chromium executable, installed by ``scripts/install-browser`` if missing (else the test is skipped)."""
    if not Path(CHROMIUM).exists():
        script = ROOT / "scripts" / "install-browser"
        result = subprocess.run([str(script)], capture_output=True, text=True, timeout=900)
        if not Path(CHROMIUM).exists():
            pytest.skip(f"Chromium is not installed and cannot be installed here: {result.stderr.strip()[-300:]}")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    exe = ensure_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


# --- a Wikidata-shaped SPARQL endpoint (the Oxigraph server, loopback only) ------------------------

WIKIDATA_FIXTURE = ROOT / "tests" / "fixtures" / "wikidata" / "wikidata.ttl"


def start_oxigraph(files: list[Path], location: Path, log: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Load ``files`` into a fresh Oxigraph store at ``location`` and serve it read-only on a free
    loopback port; return (process, SPARQL query URL) once it answers.  Stop it with :func:`stop_server`."""
    binary = Path(sys.executable).parent / "oxigraph"
    for f in files:
        subprocess.run([str(binary), "load", "--location", str(location), "--file", str(f)],
                       check=True, capture_output=True)
    port = free_port()
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen([str(binary), "serve-read-only", "--location", str(location),
                             "--bind", f"127.0.0.1:{port}"],
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/query"
    wait_until_answers(proc, url + "?query=ASK%7B%7D", "oxigraph serve-read-only")
    return proc, url


@pytest.fixture(scope="session")
def wikidata_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real project plus the hand-written imported Wikidata graph (tests/wikidata_project.py), built once."""
    from wikidata_project import build_project, make_project

    root = tmp_path_factory.mktemp("wikidata-build")
    return build_project(make_project(root / "project"), root / "build")


@pytest.fixture(scope="session")
def wikidata_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SPARQL query URL of the Wikidata-shaped fixture (tests/fixtures/wikidata/wikidata.ttl)."""
    proc, url = start_oxigraph([WIKIDATA_FIXTURE], tmp_path_factory.mktemp("wikidata-store") / "store")
    try:
        yield url
    finally:
        stop_server(proc)


def start_oxigraph_rw(location: Path, log: Path | None = None,
                      port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """A fresh read-write Oxigraph server (``oxigraph serve``) on a free loopback port, its store at
    ``location``; return (process, root URL) once it answers: query at ``/query``, SPARQL Update at
    ``/update``, Graph Store Protocol at ``/store``.  Stop it with :func:`stop_server`."""
    binary = Path(sys.executable).parent / "oxigraph"
    port = port or free_port()  # a given port: the same server started again
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen([str(binary), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    root = f"http://127.0.0.1:{port}"
    wait_until_answers(proc, root + "/query?query=ASK%7B%7D", "oxigraph serve")
    return proc, root


# --- a private OpenLink Virtuoso loaded with the build (tests/virtuoso.py) --------------------------

@pytest.fixture(scope="session")
def virtuoso(_backends: Callable[[str], Backend]) -> Backend:
    """The ``virtuoso`` backend (started once per session, shared with the parametrised
    modules); skips with the reason when Virtuoso cannot be installed here."""
    return _backends("virtuoso")


@contextmanager
def tiny_tmpfs(tmp_path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``"1m"``) mounted under ``tmp_path``: a disk that fills up. Skips unless root."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs needs root (CI runs as root)")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"this machine refused to mount a tmpfs: {p.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
