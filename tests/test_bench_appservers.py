"""The application-server benchmark (bench/appservers.py): its decision rule and report on fixed figures,
and a real start of our app under granian, as the benchmark starts it."""

from __future__ import annotations

import importlib.util
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench import appservers  # noqa: E402


def _run(qps: float, p50: float, errors: int = 0) -> dict[str, Any]:
    return {"qps": qps, "p50_ms": p50, "p99_ms": p50 * 3, "requests": int(qps * 2), "errors": {"timeout": errors}}


def _row(holds: bool) -> dict[str, Any]:
    return {"holds": holds, "detail": "held" if holds else "did not hold"}


def _res(granian_c16: float, granian_holds: dict[str, bool] | None = None) -> dict[str, Any]:
    qps = {"oxigraph": (10000, 20000), "floor_sync": (1500, 1600), "floor_gthread": (2000, 2200),
           "floor_granian": (6000, 15000), "floor_granian_t4": (5000, 11000),
           "ours_gunicorn": (1000, 900), "ours_granian": (1500, granian_c16),
           "ours_gunicorn_nocache": (700, 800), "ours_granian_nocache": (900, 1600)}
    trivial = {k: {"1": [_run(a, 0.5), _run(a + 100, 0.7)], "16": [_run(b, 8.0, errors=1 if k == "floor_sync" else 0)]}
               for k, (a, b) in qps.items()}
    heavy = {k: {"1": [_run(50, 20)], "16": [_run(90, 170)]} for k in appservers.OURS}
    holds = {k: True for k in appservers.GUARANTEES}
    return {"date": "2026-12-04 02:00 UTC",
            "machine": {"nproc": 2, "python": "3.11.7", "packages": {"granian": "2.8.9"}},
            "config": {"triples": 50000, "seed": 42, "duration": 2, "passes": 2, "workers": 2, "concurrency": [1, 16]},
            "notes": ["a note"],
            "runs": {"trivial": trivial, "heavy": heavy},
            "guarantees": {"gunicorn": {k: _row(v) for k, v in holds.items()},
                           "granian": {k: _row(v) for k, v in {**holds, **(granian_holds or {})}.items()}}}


def test_summary_and_ratios_are_computed_from_the_passes() -> None:
    res = appservers.finish(_res(2700))
    s = res["summary"]["trivial"]
    assert s["ours_gunicorn"]["1"]["qps"] == 1050.0 and s["ours_gunicorn"]["1"]["passes"] == 2  # mean of the passes
    assert s["ours_gunicorn"]["1"]["p99_ms"] == pytest.approx(2.1)  # the worst pass
    assert s["floor_sync"]["16"]["errors"] == 1
    assert res["ratios"]["to_oxigraph"]["oxigraph"] == {"1": 1.0, "16": 1.0}
    assert res["ratios"]["granian_over_gunicorn"]["ours (granian / gunicorn sync)"]["16"] == 3.0


@pytest.mark.parametrize(("granian_c16", "lost", "switch"), [
    (2700, {}, True),                           # 3x and every guarantee: switch
    (1700, {}, False),                          # every guarantee but less than 2x
    (2700, {"runaway": False}, False),          # 3x but the runaway's work does not end
    (1800, {}, True),                           # exactly 2x is enough
])
def test_the_decision_needs_twice_the_throughput_and_every_guarantee(granian_c16: float, lost: dict[str, bool],
                                                                     switch: bool) -> None:
    d = appservers.finish(_res(granian_c16, lost))["decision"]
    assert d["switch"] is switch
    assert d["speedup"] == round(granian_c16 / 900, 2) and d["at_concurrency"] == 16
    assert d["guarantees_lost"] == list(lost)
    assert d["text"].startswith("Switch to granian" if switch else "Stay on gunicorn")
    assert f"{granian_c16}" in d["text"]  # stated from the figures
    for k in lost:
        assert appservers.GUARANTEES[k] in d["text"]


def test_a_guarantee_gunicorn_does_not_give_is_not_held_against_granian() -> None:
    res = _res(2700, {"network": False})
    res["guarantees"]["gunicorn"]["network"] = _row(False)  # e.g. a kernel that refuses the empty namespace
    assert appservers.finish(res)["decision"]["switch"] is True


def test_report_files(tmp_path: Path) -> None:
    res = appservers.finish(_res(2700, {"memory": False}))
    md, js = appservers.write(res, tmp_path, "appservers-test")
    text = md.read_text()
    assert "| our app, granian | 1550 | 0.60 | 2.10 | 0.15 | 2700 | 8.00 | 24.00 | 0.14 |" in text
    assert "| floor app, gunicorn sync |" in text and "(1 errors)" in text
    assert "| ours (granian / gunicorn sync) | 1.48 | 3.00 |" in text
    assert "06-label-search" in text and "granian / gunicorn (SHARED_CACHE off): c=1 1.00, c=16 1.00" in text
    assert "| the memory guard (MAX_QUERY_MEMORY) stops the query | **holds**: held | **no**: did not hold |" in text
    assert "Stay on gunicorn" in text and "- a note" in text
    assert json.loads(js.read_text())["decision"]["switch"] is False


def test_serve_env_gives_every_setting_as_serve_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sistercities.settings import SETTINGS

    monkeypatch.delenv("SISTERCITIES_CONFIG", raising=False)
    env = appservers.serve_env(tmp_path, 3, {"SISTERCITIES_QUERY_TIMEOUT": "7"})
    assert all("SISTERCITIES_" + s.name in env for s in SETTINGS)
    assert env["SISTERCITIES_BUILD_DIR"] == str(tmp_path) and env["SISTERCITIES_WORKERS"] == "3"
    assert float(env["SISTERCITIES_QUERY_TIMEOUT"]) == 7 and env["SISTERCITIES_HOST"] == "127.0.0.1"


@pytest.mark.skipif(importlib.util.find_spec("granian") is None, reason="granian is not installed (the bench extra)")
def test_our_app_answers_under_granian(build_dir: Path, tmp_path: Path) -> None:
    with appservers.limits_file() as limits:
        srv = appservers.start_ours_granian(build_dir, 1, tmp_path / "granian.log", {}, limits)
        try:
            url = srv.root + "/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"})
            req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(req, timeout=30) as r:
                assert r.status == 200
                assert json.loads(r.read())["boolean"] is True
            assert appservers.children(srv.proc.pid)  # the granian worker process
        finally:
            srv.stop()
        assert srv.proc.poll() is not None
