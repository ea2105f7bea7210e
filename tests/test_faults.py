"""Faults an operator meets: a broken store at start, a worker killed mid-request,
broken input at build time.  Each must end in one clear line (or be survived),
never a traceback, and never an unpublished or half-published release."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from conftest import ROOT, SHARED, free_port, start_server, stop_server, worker_pids
from miniproject import GOOD_DATA, PREFIXES, make_project
from sistercities.release import current


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SISTERCITIES_")}
    return {**env, **extra}


def _serve(build_dir: Path, *, timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``sistercities serve`` in its own process group; killed (with its workers) if it does start."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sistercities.cli", "serve", "--build-dir", str(build_dir), "--port", str(free_port()),
         "--workers", "1"],
        env=env or _env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"serve did not exit within {timeout} s on a broken build")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


# --- A. a broken store at start: one line, exit non-zero ------------------------------


def _garble(store: Path) -> None:
    for f in store.iterdir():
        f.write_bytes(b"this is not a RocksDB file\n" * 64)


def _empty_folder(store: Path) -> None:
    shutil.rmtree(store)
    store.mkdir()


def _replace_by_file(store: Path) -> None:
    shutil.rmtree(store)
    store.write_text("not a store\n")


def _truncate_manifest(store: Path) -> None:
    m = store.parent / "manifest.json"
    m.write_bytes(m.read_bytes()[:100])


def _empty_manifest(store: Path) -> None:
    (store.parent / "manifest.json").write_bytes(b"")


def _not_a_manifest(store: Path) -> None:
    (store.parent / "manifest.json").write_text('["a list, valid JSON"]\n')


def _unreadable(store: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not deny reads (the not-a-folder case covers an unusable store)")
    store.chmod(0)


BROKEN: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # case: (break it, file the message names, what it says)
    "missing store": (shutil.rmtree, "store", "missing store folder"),
    "empty store folder": (_empty_folder, "store", "not an Oxigraph store ("),
    "store is a file": (_replace_by_file, "store", "the store is not a folder"),
    "unreadable store": (_unreadable, "store", "unreadable store"),
    "garbage store": (_garble, "store", "not an Oxigraph store, or one of an incompatible version: Corruption"),
    "truncated manifest": (_truncate_manifest, "manifest.json", "corrupt manifest"),
    "empty manifest": (_empty_manifest, "manifest.json", "corrupt manifest"),
    "not a manifest": (_not_a_manifest, "manifest.json", "corrupt manifest (not a release manifest"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_serve_refuses_a_broken_store_in_one_line(build_dir: Path, tmp_path: Path, case: str) -> None:
    bd = tmp_path / "build"
    shutil.copytree(build_dir, bd, symlinks=True)
    rel = (bd / "current").resolve()
    breaker, named, what = BROKEN[case]
    try:
        breaker(rel / "store")
        t0 = time.monotonic()
        p = _serve(bd)
        took = time.monotonic() - t0
    finally:
        if (rel / "store").is_dir():
            (rel / "store").chmod(0o755)  # so tmp_path can be removed
    assert p.returncode != 0
    assert "Traceback" not in p.stderr + p.stdout
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith(f"Error: cannot serve: {rel / named}: {what}"), lines[0]
    assert took < 30


def test_serve_skips_the_store_check_for_a_remote_store(build_dir: Path, tmp_path: Path) -> None:
    bd = tmp_path / "build"
    shutil.copytree(build_dir, bd, symlinks=True)
    shutil.rmtree((bd / "current").resolve() / "store")
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sistercities.cli", "serve", "--build-dir", str(bd), "--port", str(free_port()),
             "--workers", "1"],
            env=_env(SISTERCITIES_STORE_URL="http://127.0.0.1:9/sparql"), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "serving release" not in log.read_text() and proc.poll() is None:
            time.sleep(0.1)
        assert "serving release" in log.read_text(), log.read_text()
    finally:
        stop_server(proc)


# --- a worker killed mid-request is replaced --------------------------------------------

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_a_worker_killed_mid_request_is_replaced(build_dir: Path, tmp_path: Path) -> None:
    proc, root = start_server(build_dir, workers=2, log=tmp_path / "server.log")
    try:
        old = worker_pids(proc)
        assert len(old) == 2
        outcome: list[object] = []

        def slow() -> None:
            try:
                outcome.append(requests.get(root + "/sparql", params={"query": SLOW},
                                            headers={"Accept": "application/sparql-results+json"}, timeout=60).status_code)
            except requests.RequestException as e:
                outcome.append(e)

        t = threading.Thread(target=slow, daemon=True)
        t.start()
        time.sleep(1.0)  # the query is running in one of the two workers
        assert not outcome, f"the slow query finished too early: {outcome}"
        t0 = time.monotonic()
        for pid in old:  # both: the one running the query is among them
            os.kill(pid, signal.SIGKILL)
        new: list[int] = []
        while time.monotonic() - t0 < 10:
            new = [p for p in worker_pids(proc) if p not in old]
            if len(new) == 2:
                break
            time.sleep(0.05)
        replaced = time.monotonic() - t0
        assert len(new) == 2, f"workers not replaced within 10 s: {worker_pids(proc)} (old {old})"
        t.join(timeout=15)
        # the killed request fails (connection reset), it does not hang
        assert outcome and isinstance(outcome[0], requests.RequestException), outcome
        codes = [requests.get(root + "/id/city/khabarovsk", timeout=10).status_code for _ in range(20)]
        assert codes == [200] * 20
        assert proc.poll() is None
        print(f"2 workers replaced {replaced:.2f} s after SIGKILL")
    finally:
        stop_server(proc)


# --- broken input at build time: file:line, nothing published --------------------------


def _run_build(project: Path, bd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sistercities.cli", "build", "--build-dir", str(bd)], cwd=project,
                          env=_env(SISTERCITIES_SOURCES_DIR=str(SHARED / "sources")), capture_output=True, text=True,
                          timeout=300)


def _state(bd: Path) -> tuple[str, list[str]]:
    return os.readlink(bd / "current"), sorted(os.listdir(bd / "releases"))


# syntax errors, typo'd terms and shape violations on small projects: tests/test_cli.py
@pytest.mark.parametrize(("content", "line"), [
    (PREFIXES.encode() + b'<id/city/z> a tw:City ;\n    rdfs:label "caf\xff\xfe"@fr .\n',
     "data/bad.ttl:9:20: error: Turtle syntax error: Invalid UTF-8"),
    (b"\xff\xfe" + PREFIXES.encode("utf-16-le"), "data/bad.ttl:1:1: error: Turtle syntax error: Invalid UTF-8"),
])
def test_build_rejects_invalid_utf8_with_file_and_line(tmp_path: Path, content: bytes, line: str) -> None:
    project, bd = make_project(tmp_path / "p", {"g.ttl": GOOD_DATA}), tmp_path / "b"
    assert _run_build(project, bd).returncode == 0
    before = _state(bd)
    (project / "data" / "bad.ttl").write_bytes(content)
    p = _run_build(project, bd)
    assert p.returncode == 1
    assert line in p.stderr, p.stderr
    assert "Error: build failed, nothing published: invalid input: 1 error" in p.stderr
    assert "Traceback" not in p.stderr
    assert _state(bd) == before


def test_build_of_the_real_project_rejects_a_truncated_file_and_keeps_current(build_dir: Path, tmp_path: Path) -> None:
    project, bd = tmp_path / "project", tmp_path / "build"
    for d in ("ontology", "shapes", "data", "queries"):
        if (ROOT / d).is_dir():
            shutil.copytree(ROOT / d, project / d)
    shutil.copytree(build_dir, bd, symlinks=True)  # the session's build of the same inputs
    up = _run_build(project, bd)
    assert up.returncode == 0 and up.stderr.strip().startswith("up to date: "), up.stderr
    before, version = _state(bd), current(bd).version
    victim = sorted((project / "data").rglob("*.ttl"), key=lambda f: f.stat().st_size)[-1]
    text = victim.read_bytes()
    cut = text.rindex(b" ;\n", 0, len(text) // 2) + 3  # mid-description: a statement left open
    victim.write_bytes(text[:cut])
    rel = victim.relative_to(project).as_posix()
    p = _run_build(project, bd)
    assert p.returncode == 1
    assert "Traceback" not in p.stderr
    assert f"{rel}:" in p.stderr and ": error: Turtle syntax error" in p.stderr, p.stderr
    err = next(x for x in p.stderr.splitlines() if x.startswith(f"{rel}:"))
    assert int(err.split(":")[1]) > 1  # a line number
    assert _state(bd) == before and current(bd).version == version


# --- C. a build killed while writing its dumps leaves the previous release served --------


def test_a_build_killed_while_writing_dumps_leaves_the_previous_release(build_dir: Path, tmp_path: Path) -> None:
    from sistercities.store import check_store

    project, bd = tmp_path / "project", tmp_path / "build"
    for d in ("ontology", "shapes", "data", "queries"):
        if (ROOT / d).is_dir():
            shutil.copytree(ROOT / d, project / d)
    shutil.copytree(build_dir, bd, symlinks=True)
    before, version = _state(bd), current(bd).version
    victim = sorted((project / "data").rglob("*.ttl"), key=lambda f: f.stat().st_size)[-1]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n# a changed input: a new version\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "sistercities.cli", "build", "--build-dir", str(bd)], cwd=project,
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # the build says "dumps" just before it writes them
        seen.append(line)
        if line.strip() == "dumps":
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    tmp_dirs = [p.name for p in (bd / "releases").iterdir() if ".tmp-" in p.name]
    assert len(tmp_dirs) == 1  # the half-written release, never published
    assert os.readlink(bd / "current") == before[0] and current(bd).version == version
    check_store(current(bd).store_dir)  # what `serve` checks: the old release still opens
    server, root = start_server(bd, workers=1)
    try:
        r = requests.get(root + "/id/city/khabarovsk", timeout=10)
        assert r.status_code == 200
    finally:
        stop_server(server)
    again = _run_build(project, bd)
    assert again.returncode == 0, again.stderr
    assert current(bd).version != version
    assert not [p for p in (bd / "releases").iterdir() if ".tmp-" in p.name]  # the dead build's folder is gone
