"""The soak run (bench/soak.py, bench/lua/soak.lua) at tiny scale, and its target checks.

The real run is part of ``make bench``; here 2,000 triples, 5 s at 4 connections (~20 s).
Needs Debian's wrk (scripts/install-bench-tools); skipped with that message when it is missing.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench import soak  # noqa: E402

needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk missing: run scripts/install-bench-tools")

KIND_FIELDS = {"class", "share_pct", "sent", "answered", "status", "p50_ms", "p99_ms", "p999_ms", "max_ms",
               "mean_ms"}


@needs_wrk
def test_tiny_soak_reports_every_request_kind(tmp_path: Path) -> None:
    out = tmp_path / "out" / "soak.md"
    rc = soak.main(["--triples", "2000", "--seconds", "5", "--connections", "4", "--warmup", "1",
                    "--sample", "200", "--work", str(tmp_path / "work"), "--out", str(out)])
    assert rc == 0
    res = json.loads(out.with_suffix(".json").read_text())
    md = out.read_text()
    kinds = res["soak"]["kinds"]
    expected = ({f"doc.{ext}" for ext, _ in soak.FORMATS} | {f"id->{ext}" for ext, _ in soak.FORMATS}
                | {"page:home", "page:search", "catalog", "dataset.html", "sitemap.xml", "dump"}
                | {f"sparql:{f.stem}" for f in (ROOT / "bench" / "queries").glob("*.rq")}
                | {f"expensive:{n}" for n in soak.EXPENSIVE})
    assert set(kinds) == expected
    for name, k in kinds.items():
        assert set(k) >= KIND_FIELDS, name
        assert k["answered"] <= k["sent"]
        assert name in md
    assert {k["class"] for k in kinds.values()} == set(soak.CLASSES)
    assert abs(sum(k["share_pct"] for k in kinds.values()) - 100) < 0.5
    expensive = sum(k["share_pct"] for k in kinds.values() if k["class"] == "expensive")
    assert 1.5 <= expensive <= 2.5
    s = res["soak"]
    assert s["requests"] > 20 and s["seconds"] >= 4
    assert s["requests"] == sum(k["answered"] for k in kinds.values())
    answered = {c for k in kinds.values() for c in k["status"]}
    assert "200" in answered and "303" in answered  # documents and the /id/ redirects
    assert all(k["status"].keys() <= {"303"} for n, k in kinds.items() if n.startswith("id->"))
    assert s["wrk_cpu_s"] >= 0 and "wrk_cpu_s" in res["soak"]
    for when in ("before_warmup", "start", "end"):
        assert res["memory"][when]["processes"] >= 2 and res["memory"][when]["pss_mib"] > 0
    assert [c["target"] for c in res["checks"]] == [c["target"] for c in soak.evaluate(res)]
    assert len(res["checks"]) == 3 and all(isinstance(c["ok"], bool) for c in res["checks"])
    assert "## Targets" in md and "p99.9 ms" in md
    assert res["config"]["query_timeout"] == 5.0 and res["config"]["workers"] == 4


def _result(kinds: dict[str, dict[str, Any]], pss: tuple[float, float]) -> dict[str, Any]:
    full = {n: {"share_pct": 1.0, "sent": 1, "answered": 1, "p50_ms": 1.0, "p999_ms": 1.0, "max_ms": 1.0,
                "mean_ms": 1.0, **k} for n, k in kinds.items()}
    return {"soak": {"kinds": full},
            "memory": {"start": {"pss_mib": pss[0]}, "end": {"pss_mib": pss[1]}}}


def test_targets_allow_503_only_on_expensive_queries() -> None:
    ok = _result({"doc.ttl": {"class": "light", "status": {"200": 9}, "p99_ms": 50.0},
                  "expensive:x": {"class": "expensive", "status": {"503": 3, "200": 1}, "p99_ms": 5000.0}},
                 (100.0, 105.0))
    assert [c["ok"] for c in soak.evaluate(ok)] == [True, True, True]
    bad = _result({"doc.ttl": {"class": "light", "status": {"200": 9, "503": 1}, "p99_ms": 250.0},
                   "expensive:x": {"class": "expensive", "status": {"500": 1}, "p99_ms": 5000.0}},
                  (100.0, 111.0))
    checks = soak.evaluate(bad)
    assert [c["ok"] for c in checks] == [False, False, False]
    assert "doc.ttl" in checks[0]["detail"] and "expensive:x" in checks[0]["detail"]
    assert "doc.ttl 250 ms" in checks[1]["detail"]
    assert "+11.0%" in checks[2]["detail"]


@pytest.mark.parametrize("args", [["--triples", "10"], ["--seconds", "0"], ["--connections", "0"]])
def test_soak_cli_rejects_bad_input(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        soak.parse_args(args)
    assert "must be" in capsys.readouterr().err
