"""A full disk or an unwritable build folder fails the build with one line and leaves the
previous release published and served (issue 9).

Uses a real tiny tmpfs, mounted by the test (needs root, as in CI; skipped otherwise with
the reason), so the errors are the kernel's own ENOSPC and EROFS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conftest import start_server, stop_server, tiny_tmpfs
from miniproject import GOOD_DATA, PREFIXES, make_project


@pytest.fixture()
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    with tiny_tmpfs(tmp_path, "8m") as mnt:
        yield mnt


def _build(project: Path, bd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sistercities.cli", "build", "--build-dir", str(bd)], cwd=project,
                          capture_output=True, text=True, timeout=300)


def _current(bd: Path) -> str:
    return os.readlink(bd / "current")


def _one_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    assert "Traceback" not in stderr, stderr
    return errors[0]


def _served(bd: Path, tmp_path: Path) -> int:
    proc, root = start_server(bd, workers=1, log=tmp_path / "server.log")
    try:
        return requests.get(root + "/id/city/a", headers={"Accept": "text/turtle"}, timeout=10).status_code
    finally:
        stop_server(proc)


def _rebuild_fails_and_keeps(project: Path, bd: Path, tmp_path: Path, before: str) -> str:
    """Change the input, build: exit 1, one error line (returned), the old release current and served."""
    (project / "data" / "more.ttl").write_text(PREFIXES + '<id/city/b> a tw:City ; rdfs:label "B"@en .\n')
    p = _build(project, bd)
    assert p.returncode == 1
    line = _one_error_line(p.stderr)
    assert _current(bd) == before
    assert _served(bd, tmp_path) == 200
    return line


def test_a_full_disk_fails_the_build_and_keeps_the_release(tiny_fs: Path, tmp_path: Path) -> None:
    project, bd = make_project(tmp_path / "p", {"g.ttl": GOOD_DATA}), tiny_fs / "build"
    assert _build(project, bd).returncode == 0
    before = _current(bd)
    # fill the file system, leaving a few kB
    filler = tiny_fs / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    finally:
        os.close(fd)
    line = _rebuild_fails_and_keeps(project, bd, tmp_path, before)
    assert "No space left on device" in line and "nothing published" in line, line
    filler.unlink()
    p = _build(project, bd)
    assert p.returncode == 0, p.stderr
    assert _current(bd) != before


def test_an_unwritable_build_folder_fails_the_build_and_keeps_the_release(tiny_fs: Path, tmp_path: Path) -> None:
    project, bd = make_project(tmp_path / "p", {"g.ttl": GOOD_DATA}), tiny_fs / "build"
    assert _build(project, bd).returncode == 0
    before = _current(bd)
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    line = _rebuild_fails_and_keeps(project, bd, tmp_path, before)
    assert "Read-only file system" in line or "not writable" in line, line
