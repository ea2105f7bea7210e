"""The atheris fuzz targets (fuzz/atheris_targets.py) still run: each target on fixed inputs.

No atheris needed: the module falls back to a small stand-in for FuzzedDataProvider.
Only the real fuzz run (a few seconds of libFuzzer) is skipped without atheris.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from fuzz import atheris_targets as targets

FIXED = [
    b"",
    b"\x00",
    b"\xff" * 64,
    b"\x01\x00\x00\x00\x01\x00text/turtle;q=0.5, */*;q=0.1",
    b"\x02\x00\x01\x00/id/city/khabarovsk.ttl",
    b"\x03\x00\x03\x00%D1%85%2e%2E/../a%2",
    b"\x00\x01SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } } # \"\"\"",
    b"\x01\x00\x01\x00query=ASK%7B%7D&default-graph-uri=urn%3Ax&format=json",
    b"S\x03hhhh\x00&query&qy=aq",  # GET with an empty query= (found by the fuzzer; allowed)
    bytes(range(256)),
]


@pytest.mark.parametrize("name", sorted(targets.TARGETS))
def test_target_runs_on_fixed_inputs(name: str) -> None:
    for data in FIXED + targets.seeds(name):
        targets.TARGETS[name](data)


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed")
def test_short_fuzz_run(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    proc = subprocess.run([sys.executable, str(Path(targets.__file__)), "--target", "conneg", "--seconds", "2",
                           "--out", str(out), "--workdir", str(tmp_path / "work")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = out.read_text()
    assert "| conneg |" in text and "executions" in text
