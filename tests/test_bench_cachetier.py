"""bench/cachetier.py: the targets and the results file, computed from the figures; the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bench import cachetier_report

ROOT = Path(__file__).resolve().parent.parent


def _run(qps: float, p50: float = 1.0, **extra: Any) -> dict[str, Any]:
    return {"qps": qps, "p50_ms": p50, "p99_ms": p50 * 3, "requests": int(qps * 4), **extra}


def result(front_trivial: float = 30_000, cached_trivial: float = 6_000, cached_heavy: float = 1_500,
           cold_heavy: float = 380, never_p99: float = 12.0, shared: int = 10_000) -> dict[str, Any]:
    return {
        "started": "2026-12-04 00:00 UTC", "finished": "2026-12-04 00:20 UTC",
        "machine": {"nproc": 2, "platform": "Linux"}, "wrk": "wrk 4",
        "config": {"triples": 1_000_000, "seed": 42, "duration": 4, "concurrency": 16, "workers": 4,
                   "quick": False, "sample": 200, "never": 3000, "cache_max_bytes": 1 << 20},
        "sparql": {
            "06-label-search": {"oxigraph_alone_ms": 40.0, "front_cache_status": {"HIT": 99, "MISS": 1},
                                "x_cache_after_warming": "hit-local",
                                "repeated": {"oxigraph": _run(400), "front": _run(30_000), "cached": _run(cached_heavy),
                                             "nocache": _run(390)},
                                "cold": {"oxigraph": _run(400, 40, distinct=1000), "cached": _run(cold_heavy, 42, repeated=0),
                                         "nocache": _run(390, 41, repeated=0), "floor": _run(360, 44, repeated=0)}},
            "10-trivial-lookup": {"oxigraph_alone_ms": 0.7,
                                  "repeated": {"oxigraph": _run(20_000), "front": _run(front_trivial),
                                               "cached": _run(cached_trivial), "nocache": _run(2_000),
                                               "floor": _run(4_000), "ceiling": _run(5_000)},
                                  "cold": {"oxigraph": _run(20_000, distinct=40_000), "cached": _run(1_500, repeated=0),
                                           "nocache": _run(2_000, repeated=0)}},
        },
        "documents": {"sample": 200, "never_asked": 3000, "warmer_render_s": 30.0, "x_cache_on_cached": ["hit-shared"],
                      "ttl": {"front": _run(30_000), "static": _run(50_000)},
                      "html": {"front": _run(28_000), "static": _run(50_000)},
                      "never_cached": _run(2_000, 5, distinct=3000) | {"p99_ms": never_p99},
                      "never_nocache": _run(300, 50, distinct=3000)},
        "memory": {"cached": {"processes": 5, "pss_mib": 300.0, "rss_mib": 500.0}},
        "cache_bytes": {"shared": shared, "shared_bound": 1 << 20, "nginx": 5000},
    }


def _met(r: dict[str, Any]) -> dict[str, bool]:
    return {t["target"]: t["met"] for t in cachetier_report.targets(r)}


def test_every_target_is_met_by_good_figures() -> None:
    met = _met(result())
    assert len(met) == 7 and all(met.values()), met


@pytest.mark.parametrize(("figures", "target"), [
    ({"front_trivial": 19_000}, "repeated queries through the front"),
    ({"cached_trivial": 4_000}, "repeated trivial lookup, serve + shared cache"),
    ({"cached_heavy": 1_100}, "repeated heavy queries, serve + shared cache"),
    ({"cold_heavy": 350}, "cold queries, serve + shared cache"),
    ({"never_p99": 25.0}, "never-asked documents, shared cache warm from other workers"),
    ({"shared": 2 << 20}, "the shared cache's size bound"),
])
def test_a_figure_below_its_target_fails_only_that_target(figures: dict[str, Any], target: str) -> None:
    met = _met(result(**figures))
    assert [t for t, ok in met.items() if not ok] == [target]


def test_the_trivial_lookup_is_not_a_heavy_query() -> None:
    heavy = next(t for t in cachetier_report.targets(result(cached_trivial=5_000))
                 if t["target"].startswith("repeated heavy"))
    assert heavy["where"] == "06-label-search"


def test_results_file_has_the_targets_and_every_table() -> None:
    md = cachetier_report.markdown(result(cached_heavy=1_100))
    assert "| repeated heavy queries, serve + shared cache | ≥ 3× the Oxigraph server" in md and "**no**" in md
    for heading in ("## Targets", "## SPARQL, repeated", "## SPARQL, cold", "## Documents", "## Memory and cache size"):
        assert heading in md
    assert "99.0 %" in md  # the front's hit ratio from its log


@pytest.mark.parametrize(("args", "message"), [(["--triples", "10"], "--triples"), (["--never", "0"], "--never"),
                                               (["--bogus"], "unrecognized")])
def test_cachetier_cli_rejects_bad_input(args: list[str], message: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench.cachetier", *args], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_results_file_reports_the_python_floor_beside_the_trivial_lookup() -> None:
    md = cachetier_report.markdown(result(cached_trivial=6_000))
    assert "answered 4,000 QPS = 0.2× the Oxigraph server" in md and "answered 1.5× the floor's throughput" in md
    row = next(line for line in md.splitlines() if line.startswith("| 10-trivial-lookup | 0.7"))
    assert "4,000 (0.2×)" in row
    heavy = next(line for line in md.splitlines() if line.startswith("| 06-label-search | 40"))
    assert heavy.count("–") == 1  # no floor figure beside a heavy query
    # the constant answer under the same gunicorn: the most any gunicorn sync answer reaches here
    assert "constant answer (`/h`, two bytes, no query, nothing read) answered 5,000 QPS = 0.25× the Oxigraph" in md
    assert "**cached** reached 1.2× of it." in md



def test_results_file_reports_the_floor_beside_every_cold_query() -> None:
    md = cachetier_report.markdown(result(cold_heavy=342))
    row = next(line for line in md.splitlines() if line.startswith("| 06-label-search | 400 (p50 40)"))
    assert row.endswith("| 360 (0.9×, p50 44) |"), row  # the floor app's cold figure in its own column
    assert ("the floor app (a bare WSGI handler running the query in-process, none of the endpoint's checks) reached "
            "0.9× (06-label-search) to 0.9× (06-label-search) of the Oxigraph server; **cached** answered 0.95–0.95× "
            "the floor's throughput") in md
    trivial = next(line for line in md.splitlines() if line.startswith("| 10-trivial-lookup | 20,000 (p50"))
    assert trivial.endswith("| – |")  # not measured there: a dash, not a made-up figure
    assert "floor" not in "".join(cachetier_report.cold_floor_lines({"q": {"oxigraph_alone_ms": 9.0, "cold": {
        "oxigraph": _run(100), "cached": _run(90)}}}))  # no floor figures: no sentence


def test_cold_rows_carry_the_cpu_per_answer_when_it_was_measured() -> None:
    r = result()
    cold = r["sparql"]["06-label-search"]["cold"]
    cold["oxigraph"]["cpu_ms_per_answer"], cold["cached"]["cpu_ms_per_answer"] = 14.5, 17.2
    md = cachetier_report.markdown(r)
    row = next(line for line in md.splitlines() if line.startswith("| 06-label-search | 400 (p50 40"))
    assert row.startswith("| 06-label-search | 400 (p50 40, CPU 14.5 ms) | 380 (0.95×, p50 42, CPU 17.2 ms) | 390 (0.97×, p50 41) |"), row
    assert "CPU per answer: the user and system time of every process of the server" in md


def test_session_cpu_counts_every_process_of_a_session() -> None:
    import time

    from bench import servers

    spin = ("import os, time\nos.fork()\n"  # two processes in one session, each spinning 0.4 s
            "t = time.process_time()\nwhile time.process_time() - t < 0.4: pass\ntime.sleep(30)")
    proc = subprocess.Popen([sys.executable, "-c", spin], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        used = 0.0
        while time.monotonic() < deadline and used < 0.75:
            used = servers.session_cpu(proc.pid)
            time.sleep(0.1)
        assert used >= 0.75, used  # parent and forked child each spun 0.4 s
        assert servers.session_cpu(proc.pid + 10_000_000) == 0.0  # no such session: nothing
    finally:
        servers.stop(proc)
