"""Per-client fairness: RATE_LIMIT and MAX_CLIENT_QUERIES (issue 9)."""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from tests.conftest import start_server, stop_server

from sistercities import create_app
from sistercities.ratelimit import ClientLimits

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_token_bucket_per_client() -> None:
    lim = ClientLimits(rate_per_minute=3, max_queries=0)
    assert [lim.check_rate("a", now=100.0) for _ in range(3)] == [None, None, None]
    wait = lim.check_rate("a", now=100.0)
    assert wait is not None and 1 <= wait <= 20  # one token comes back every 20 s
    assert lim.check_rate("b", now=100.0) is None  # another client is not affected
    assert lim.check_rate("a", now=121.0) is None  # refilled
    assert lim.check_rate("a", now=121.0) is not None


def test_off_by_default_is_off() -> None:
    lim = ClientLimits(0, 0)
    assert not lim.enabled
    assert all(lim.check_rate("a") is None for _ in range(1000))
    with lim.query_slot("a") as w1, lim.query_slot("a") as w2:
        assert w1 is None and w2 is None


def test_query_slots_are_released_and_counted(tmp_path: Path) -> None:
    lim = ClientLimits(0, max_queries=2, path=str(tmp_path / "l.sqlite"))
    with lim.query_slot("a") as w1, lim.query_slot("a") as w2, lim.query_slot("a") as w3:
        assert (w1, w2) == (None, None) and w3 is not None and w3 >= 1
        assert lim.running("a") == 2
        with lim.query_slot("b") as other:
            assert other is None
    assert lim.running("a") == 0


def test_a_slot_held_by_a_dead_worker_is_freed(tmp_path: Path) -> None:
    path = str(tmp_path / "l.sqlite")
    # another process takes the only slot and dies without releasing it (as a SIGKILLed worker would)
    code = ("import os, sys; from sistercities.ratelimit import ClientLimits; l = ClientLimits(0, 1, sys.argv[1]); "
            "cm = l.query_slot('a'); assert cm.__enter__() is None; os._exit(0)")
    subprocess.run([sys.executable, "-c", code, path], check=True)
    lim = ClientLimits(0, max_queries=1, path=path)
    assert lim.running("a") == 1
    with lim.query_slot("a") as wait:
        assert wait is None


def test_counts_are_shared_between_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "l.sqlite")
    code = ("import sys; from sistercities.ratelimit import ClientLimits; l = ClientLimits(5, 0, sys.argv[1]); "
            "print(sum(l.check_rate('a') is None for _ in range(4)))")
    out = subprocess.run([sys.executable, "-c", code, path], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "4"
    lim = ClientLimits(5, 0, path)
    assert lim.check_rate("a") is None  # the fifth token
    assert lim.check_rate("a") is not None  # the other process took the rest


def test_app_answers_429_with_retry_after(build_dir: Path) -> None:
    client = create_app({"BUILD_DIR": str(build_dir), "RATE_LIMIT": 2}).test_client()
    assert client.get("/robots.txt").status_code == 200
    assert client.get("/sparql?query=ASK{}", headers={"Accept": "application/sparql-results+json"}).status_code == 200
    r = client.get("/id/city/khabarovsk")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert "RATE_LIMIT" in r.get_data(as_text=True)
    assert all(client.get("/-/health").status_code == 200 for _ in range(5))  # probes are never limited
    other = client.get("/robots.txt", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def _get(root: str, path: str, source: str, timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    u = urlsplit(root)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
        r = conn.getresponse()
        return r.status, dict(r.headers), r.read()
    finally:
        conn.close()


@pytest.mark.slow
def test_one_client_cannot_take_every_worker(build_dir: Path, tmp_path: Path) -> None:
    """With MAX_CLIENT_QUERIES=1 and 3 workers, a client running a runaway query gets 429 for a
    second query (counted across workers), while another address is served."""
    proc, root = start_server(build_dir, workers=3, log=tmp_path / "server.log",
                              env={"SISTERCITIES_MAX_CLIENT_QUERIES": "1", "SISTERCITIES_QUERY_TIMEOUT": "4"})
    results: dict[str, Any] = {}
    try:
        t = threading.Thread(target=lambda: results.setdefault("slow", _get(root, "/sparql?query=" + quote(SLOW),
                                                                             "127.0.0.1")))
        t.start()
        time.sleep(1.0)
        status, headers, body = _get(root, "/sparql?query=" + quote("ASK {}"), "127.0.0.1")
        assert status == 429, body
        assert int(headers["Retry-After"]) >= 1 and b"MAX_CLIENT_QUERIES" in body
        status, _, body = _get(root, "/sparql?query=" + quote("ASK {}"), "127.0.0.2")
        assert status == 200, body
        t.join(60)
        assert results["slow"][0] == 503  # the runaway itself hit QUERY_TIMEOUT
        # its slot is free again (released, or dropped with its retired worker)
        deadline = time.monotonic() + 15
        while True:
            status, _, body = _get(root, "/sparql?query=" + quote("ASK {}"), "127.0.0.1")
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert status == 200, body
    finally:
        stop_server(proc)
