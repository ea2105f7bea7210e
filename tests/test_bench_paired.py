"""bench.paired: the one-request-per-server-per-turn c=1 measurement, against real loopback HTTP servers,
and how bench.backends reports it."""

from __future__ import annotations

import http.server
import socket
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import loopback_http

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench import backends_report, paired  # noqa: E402

from test_bench_backends import _res  # noqa: E402


def _handler(delay_s: float, *, keep_alive: bool = True, status: int = 200) -> type[http.server.BaseHTTPRequestHandler]:
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"  # 1.0: the connection closes, as gunicorn sync

        def setup(self) -> None:  # headers and body are two writes: without this, Nagle holds the body
            super().setup()       # for the client's delayed ACK (40 ms) on a kept-alive connection
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(delay_s)
            body = b'{"head":{},"boolean":true}'
            self.send_response(status)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass
    return H


def test_differences_are_taken_within_a_turn_not_between_sorted_lists() -> None:
    # a drift that slowed both in turn 3: pairing sees a steady +1 ms, medians of each side alone do not
    s = paired.summarise({"ours": [11.0, 12.0, 101.0], "store": [10.0, 11.0, 100.0]})
    assert s["turns"] == 3 and s["diff_ms"]["ours-store"]["median"] == 1.0
    s = paired.summarise({"a": [1.0, 2.0, 100.0], "b": [99.0, 0.0, 1.0]})
    assert s["p50_ms"] == {"a": 2.0, "b": 1.0}
    assert s["diff_ms"]["a-b"]["median"] == 2.0  # within turns: -98, 2, 99 (sorted lists would say 1)
    s = paired.summarise({"x": [3.0], "y": [1.0], "z": [0.5]})
    assert set(s["diff_ms"]) == {"x-y", "x-z", "y-z"} and s["diff_ms"]["x-z"]["q1"] == 2.5


def test_a_server_20_ms_slower_measures_about_20_ms_slower_keep_alive_or_not() -> None:
    with loopback_http(_handler(0.02, keep_alive=False)) as (_, slow), loopback_http(_handler(0.0)) as (_, fast):
        got = paired.measure([paired.Target("ours", slow + "/sparql", b"query=ASK%7B%7D", "application/json"),
                              paired.Target("store", fast + "/query", b"query=ASK%7B%7D", "application/json")],
                             turns=9, budget_s=10)
    assert got["turns"] == 9
    assert 15 < got["diff_ms"]["ours-store"]["median"] < 60  # sleep(0.02) plus scheduling, never less


def test_the_budget_stops_turns_but_not_before_the_minimum() -> None:
    with loopback_http(_handler(0.05)) as (_, a), loopback_http(_handler(0.0)) as (_, b):
        got = paired.measure([paired.Target("a", a + "/", b"", "*/*"), paired.Target("b", b + "/", b"", "*/*")],
                             turns=1000, budget_s=0.01, warm=0, min_turns=4)
    assert got["turns"] == 4


def test_a_refusal_or_a_single_side_is_an_error_not_a_figure() -> None:
    with loopback_http(_handler(0.0, status=400)) as (_, bad), loopback_http(_handler(0.0)) as (_, good):
        with pytest.raises(paired.PairedError, match="bad: HTTP 400"):
            paired.measure([paired.Target("good", good + "/", b"", "*/*"), paired.Target("bad", bad + "/", b"", "*/*")],
                           turns=3, budget_s=5)
        with pytest.raises(ValueError, match="two targets"):
            paired.measure([paired.Target("good", good + "/", b"", "*/*")], turns=3, budget_s=5)


def _with_paired(res: dict[str, Any]) -> dict[str, Any]:
    # wrk's separate runs said +1 ms on oxigraph; the paired turns say +3 and +0.5 (median 1.75)
    for name, diff in (("heavy", 3.0), ("light", 0.5)):
        res["backends"]["oxigraph"]["sparql"][name]["paired"] = {
            "turns": 41, "p50_ms": {"ours": 20 + diff, "floor": 20.0, "store": 19.0},
            "diff_ms": {"ours-store": {"median": diff, "q1": diff - 1, "q3": diff + 1},
                        "ours-floor": {"median": diff - 1, "q1": 0, "q3": 1},
                        "floor-store": {"median": 1.0, "q1": 0.5, "q3": 1.5}}}
    return res


def test_the_c1_target_is_judged_on_the_paired_difference_where_there_is_one() -> None:
    res = _with_paired(_res())
    by = {c["target"].split(":")[0]: c for c in backends_report.evaluate(res) if "overhead" in c["target"]}
    assert by["oxigraph"]["value"] == pytest.approx(1.75) and by["oxigraph"]["pass"] is True
    assert "paired" in by["oxigraph"]["note"] and "our layer (ours − floor app) median 0.8 ms" in by["oxigraph"]["note"]
    assert by["virtuoso"]["value"] == pytest.approx(3.0) and "wrk p50s" in by["virtuoso"]["note"]  # not paired
    res["checks"] = backends_report.evaluate(res)
    md = backends_report.markdown(res)
    assert "### c=1, paired" in md
    assert "| heavy | 41 | 23.0 | 20.0 | 19.0 | +3.00 ms [+2.0, +4.0] | +2.00 ms [+0.0, +1.0] | +1.00 ms [+0.5, +1.5] |" in md


def test_turns_default_to_41_quick_7_and_cannot_be_negative(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import backends

    assert backends.parse_args([]).turns == 41 and backends.parse_args(["--quick"]).turns == 7
    assert backends.parse_args(["--turns", "0"]).turns == 0  # 0 = wrk only
    with pytest.raises(SystemExit) as exit_:  # parsed in process: no benchmark can start
        backends.parse_args(["--turns", "-1"])
    assert exit_.value.code == 2 and "--turns" in capsys.readouterr().err
