"""A first install is quiet (issue 14, rough edge 11): building the package prints no setuptools
deprecation warnings (it printed two screens of licence-metadata warnings), and the wheel's metadata
carries the SPDX licence expression."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_building_the_package_prints_no_deprecation_warnings(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0 and ("Could not find a version" in out or "NewConnectionError" in out):
        pytest.skip("the package index is unreachable: setuptools>=77 cannot be fetched for the isolated build")
    assert proc.returncode == 0, out[-2000:]
    assert "Deprecat" not in out and "deprecat" not in out, out[-3000:]
    [wheel] = tmp_path.glob("sistercities-*.whl")
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(next(n for n in z.namelist() if n.endswith("METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in meta
    assert any(n.endswith("licenses/LICENSE") for n in zipfile.ZipFile(wheel).namelist())
