"""ALLOCATOR: the malloc `sistercities serve` preloads into its workers, and the clear errors around it."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from tests.conftest import start_server, stop_server, worker_pids

from sistercities import allocator
from sistercities.cli import main


@pytest.mark.parametrize("value", ["", "system", " system "])
def test_system_preloads_nothing(value: str) -> None:
    assert allocator.resolve(value) is None
    assert allocator.preload_env({"PATH": "/bin"}, None) == {"PATH": "/bin"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("glibc", "is not one of system, jemalloc, mimalloc, or a library's path"),
        ("/no/such/libjemalloc.so.2", "ALLOCATOR=/no/such/libjemalloc.so.2: no such file"),
    ],
)
def test_unknown_allocator_is_a_clear_error(value: str, message: str) -> None:
    with pytest.raises(allocator.AllocatorError, match=message.replace(".", r"\.").replace("(", r"\(")):
        allocator.resolve(value)


def test_a_name_not_installed_says_which_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(allocator, "LIB_DIRS", (str(tmp_path),))
    monkeypatch.setattr(allocator.ctypes.util, "find_library", lambda name: None)
    with pytest.raises(allocator.AllocatorError, match=r"libmimalloc is not installed \(Debian: apt-get install libmimalloc2.0\)"):
        allocator.resolve("mimalloc")
    (tmp_path / "libmimalloc.so.2").write_bytes(b"")
    assert allocator.resolve("mimalloc") == str(tmp_path / "libmimalloc.so.2")


def test_preload_goes_first_and_keeps_what_was_preloaded() -> None:
    env = allocator.preload_env({"LD_PRELOAD": "/opt/a.so:/lib/j.so"}, "/lib/j.so")
    assert env["LD_PRELOAD"] == "/lib/j.so /opt/a.so"


def test_serve_refuses_a_missing_allocator_before_starting(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["serve", "--build-dir", str(tmp_path)],
                           env={"SISTERCITIES_ALLOCATOR": str(tmp_path / "libnone.so")})
    assert result.exit_code != 0
    assert f"cannot serve: ALLOCATOR={tmp_path / 'libnone.so'}: no such file" in result.output
    assert "Traceback" not in result.output


def _jemalloc() -> str:
    """The system's jemalloc, installed with apt-get when missing and we are root (CI); else skip."""
    try:
        return str(allocator.resolve("jemalloc"))
    except allocator.AllocatorError:
        pass
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("libjemalloc2 is not installed and apt-get cannot run here (not root)")
    done = subprocess.run(["apt-get", "install", "-y", "-q", "libjemalloc2"], capture_output=True, text=True,
                          env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, check=False)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False)
        subprocess.run(["apt-get", "install", "-y", "-q", "libjemalloc2"], capture_output=True, check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return str(allocator.resolve("jemalloc"))


def test_workers_run_with_the_preloaded_jemalloc_and_answer(build_dir: Path, tmp_path: Path) -> None:
    library = _jemalloc()
    proc, root = start_server(build_dir, env={"SISTERCITIES_ALLOCATOR": "jemalloc"}, log=tmp_path / "serve.log")
    try:
        assert f"(malloc: {library})" in (tmp_path / "serve.log").read_text()
        pids = worker_pids(proc)
        assert pids
        for pid in pids:
            assert allocator.loaded(pid) == [library], f"worker {pid} maps {allocator.loaded(pid)}"
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        req = urllib.request.Request(root + "/sparql?query=" + quote(query), headers={"Accept": "text/csv"})
        with urllib.request.urlopen(req, timeout=30) as r:
            rows = r.read().decode().split()
        assert rows[0] == "n" and int(rows[1]) > 0
    finally:
        stop_server(proc)
    # without the setting, glibc's malloc: nothing preloaded
    proc, root = start_server(build_dir, env={"SISTERCITIES_ALLOCATOR": "system", "LD_PRELOAD": ""})
    try:
        assert all(allocator.loaded(pid) == [] for pid in worker_pids(proc))
    finally:
        stop_server(proc)
