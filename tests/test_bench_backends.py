"""The three-backend benchmark's targets and results file (bench/backends_report.py) on fixed figures,
and its command line's refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench import backends_report  # noqa: E402


def _run(qps: float, p50: float) -> dict[str, Any]:
    return {"qps": qps, "p50_ms": p50, "p99_ms": p50 * 2, "requests": int(qps * 5), "errors": {"timeout": 0}}


def _backend(ours_c1: float, ours_c16_qps: float) -> dict[str, Any]:
    return {"sparql": {
        "heavy": {"rows": 12, "runs": {"store": {"1": _run(50, 20), "16": _run(100, 150)},
                                       "ours": {"1": _run(45, 20 + ours_c1), "16": _run(ours_c16_qps, 160)}}},
        "light": {"rows": 1, "runs": {"store": {"1": _run(5000, 0.2), "16": _run(9000, 1.5)},
                                      "ours": {"1": _run(900, 0.2 + ours_c1), "16": _run(3000, 5)}}},
    }}


def _res() -> dict[str, Any]:
    virtuoso = _backend(3.0, 70)
    virtuoso["publish"] = {"wall_s": 61.5, "exit": 0, "publisher_peak_rss_mib": 812.0, "publisher_cpu_s": 40.2,
                           "store_before": {"rss_mib": 120.0, "peak_rss_mib": 120.0},
                           "store_after": {"rss_mib": 1400.0, "peak_rss_mib": 1450.0}}
    virtuoso["scaling"] = {w: {"q": _run(10 * int(w), 100), "memory": {"pss_mib": 100.0 * int(w)}} for w in "124"}
    return {"date": "d", "config": {"concurrency": [1, 16], "workers": 4, "duration": 5, "seed": 42},
            "machine": {"nproc": 2, "python": "3", "packages": {}, "loadavg_start": "0"},
            "dataset": {"triples": 1000, "cities": 10, "twinnings": 5, "hub": {"path": "id/city/x"}},
            "backends": {"oxigraph": _backend(1.0, 90), "virtuoso": virtuoso}}


def test_targets_hold_overhead_at_c1_and_heavy_throughput_at_the_top() -> None:
    res = _res()
    checks = backends_report.evaluate(res)
    by = {(c["target"].split(":")[0], "overhead" in c["target"]): c for c in checks}
    assert by[("oxigraph", True)]["pass"] is True and by[("oxigraph", True)]["value"] == pytest.approx(1.0)
    assert by[("virtuoso", True)]["pass"] is False  # 3 ms > 2 ms
    assert by[("oxigraph", False)]["value"] == pytest.approx(0.9) and by[("oxigraph", False)]["pass"] is True
    assert by[("virtuoso", False)]["pass"] is False  # 70/100 < 0.8; the light query is not held to it
    assert res["backends"]["oxigraph"]["sparql"]["heavy"]["heavy"] is True
    assert res["backends"]["oxigraph"]["sparql"]["light"]["heavy"] is False


def test_results_file_has_targets_publishing_and_scaling() -> None:
    res = _res()
    res["checks"] = backends_report.evaluate(res)
    md = backends_report.markdown(res)
    assert "**FAIL**" in md and "**pass**" in md
    assert "| virtuoso | 61.5 | 812 | 40.2 | 120 | 1,400 | 1,450 | ok |" in md
    assert "| 4 | 40.0 (4.00×) | 400 |" in md
    assert "The reference request" in md and "remote_request" in md


def test_a_scaling_run_where_nothing_finished_says_so_rather_than_zero_throughput() -> None:
    # the 2026-12-04 run: Virtuoso's label search at 4 workers finished no request in its 4 s run
    res = _res()
    res["backends"]["virtuoso"]["scaling"]["4"]["q"] = {"qps": 0.0, "p50_ms": 0.0, "requests": 0, "seconds": 4.01}
    md = backends_report.markdown(res)
    assert "| 4 | none finished in 4 s | 400 |" in md and "0.00×" not in md


@pytest.mark.parametrize(("args", "message"), [
    (["--backends", "fuseki"], "unknown backend(s) fuseki"),
    (["--concurrency", "one"], "--concurrency takes numbers"),
    (["--triples", "5"], "--triples must be"),
])
def test_backends_cli_rejects_bad_input(args: list[str], message: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench.backends", *args], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("args", "shared_cache"), [
    ([], "false"),  # the store answers every request, as the results file says
    (["--server-env", "SHARED_CACHE=true"], "true"),
    (["--server-env", "THREADS=4"], "false"),
])
def test_our_server_runs_without_the_shared_cache_unless_told(args: list[str], shared_cache: str) -> None:
    from bench import backends

    env = backends.parse_args(args).server_env
    assert env["SISTERCITIES_SHARED_CACHE"] == shared_cache


def test_the_median_round_is_a_whole_run_chosen_by_latency_at_c1_and_throughput_above() -> None:
    from bench import backends

    runs = [_run(10, 30), _run(30, 12), _run(20, 50)]
    at1 = backends.median_run(runs, 1)
    assert (at1["qps"], at1["p50_ms"]) == (10, 30)  # the median p50, with its own QPS: rounds are not mixed
    at16 = backends.median_run(runs, 16)
    assert (at16["qps"], at16["p50_ms"]) == (20, 50)
    assert at16["rounds"] == [10, 30, 20]
    assert backends.median_run(runs[:2], 16)["qps"] == 10  # an even count: the lower middle
    assert backends.median_run(runs[:1], 1)["p50_ms"] == 30


def test_rounds_default_to_three_and_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import backends

    assert backends.parse_args([]).rounds == 3
    assert backends.parse_args(["--quick"]).rounds == 1
    # parsed in process: were --rounds 0 accepted, a subprocess would run (and publish) a whole benchmark
    with pytest.raises(SystemExit) as exit_:
        backends.parse_args(["--rounds", "0"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "--rounds" in err and "Traceback" not in err


def test_the_results_file_says_how_many_rounds_each_figure_is_the_median_of() -> None:
    res = _res()
    res["config"]["rounds"] = 3
    assert "median of 3 rounds" in backends_report.markdown(res)
    assert "median of" not in backends_report.markdown(_res())  # a results file from before rounds


def _paired(ours: float, floor: float, store: float) -> dict[str, Any]:
    def d(x: float) -> dict[str, float]:
        return {"median": x, "q1": x - 0.1, "q3": x + 0.1}
    return {"turns": 41, "p50_ms": {"ours": ours, "floor": floor, "store": store},
            "diff_ms": {"ours-store": d(ours - store), "ours-floor": d(ours - floor), "floor-store": d(floor - store)}}


def test_the_floor_splits_the_overhead_as_the_python_worker_or_the_python_tier() -> None:
    # embedded: the floor runs pyoxigraph in a Python worker; remote: it forwards the store's request
    res = _res()
    res["backends"] = {"embedded": _backend(5.0, 70), "oxigraph": _backend(3.0, 90)}
    for kind, (ours, floor) in {"embedded": (8.0, 7.0), "oxigraph": (4.0, 1.5)}.items():
        for q in res["backends"][kind]["sparql"].values():
            q["paired"] = _paired(ours, floor, 0.5)
    checks = {c["target"].split(":")[0]: c for c in backends_report.evaluate(res) if "overhead" in c["target"]}
    assert checks["embedded"]["value"] == pytest.approx(7.5) and checks["oxigraph"]["value"] == pytest.approx(3.5)
    assert "our layer (ours − floor app) median 1.0 ms, the Python worker (floor app − store) median 6.5 ms" \
        in checks["embedded"]["note"]
    assert "our layer (ours − floor app) median 2.5 ms, the Python tier (floor app − store) median 1.0 ms" \
        in checks["oxigraph"]["note"]
    res["checks"] = list(checks.values())
    md = backends_report.markdown(res)
    embedded, remote = md.split("## oxigraph")
    assert "floor − store (Python worker)" in embedded and "Python tier" not in embedded.split("## embedded")[1]
    assert "| ours − floor (our layer) | floor − store (Python tier) |" in remote
