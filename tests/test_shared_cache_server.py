"""The shared cache (issue 13) across the worker processes of a real ``sistercities serve``.

A worker answers ``X-Cache: hit-shared`` only for an answer it did not make itself (what it
made is in its own memory first), so seeing it proves another process's render was reused.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from conftest import start_server, stop_server, worker_pids
from miniproject import GOOD_DATA, make_project
from sistercities.build import build as do_build

DOCS = ["/doc/id/city/odesa.ttl", "/doc/id/city/khabarovsk.html", "/doc/id/city/niigata.jsonld"]
QUERY = "ASK { <https://w3id.org/twinning/id/city/odesa> ?p ?o }"


@pytest.fixture(scope="module")
def server(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, list[int]]]:
    work = tmp_path_factory.mktemp("shared-cache-server")
    # results written at the miss (SHARED_CACHE_ADMIT=1): the default 2 is the test after these
    env = {"SISTERCITIES_SHARED_CACHE_DIR": str(work / "cache"), "SISTERCITIES_SHARED_CACHE_ADMIT": "1"}
    proc, root = start_server(build_dir, workers=2, env=env, log=work / "server.log")
    try:
        yield root, work / "cache", worker_pids(proc)
    finally:
        stop_server(proc)


def _get(url: str, headers: dict[str, str] | None = None, **kw: object) -> requests.Response:
    return requests.get(url, headers={"Connection": "close", **(headers or {})}, timeout=30, **kw)  # type: ignore[arg-type]


def _burst(urls: list[str]) -> list[requests.Response]:
    """Four at a time, so both workers answer (a sync worker takes one connection at a time)."""
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(_get, urls))


def test_a_document_rendered_by_one_worker_is_served_by_the_other(server: tuple[str, Path, list[int]]) -> None:
    root, cache, pids = server
    assert len(pids) == 2
    for path in DOCS:
        first = _get(root + path)
        assert (first.status_code, first.headers["X-Cache"]) == (200, "miss")
        states: list[str] = []
        for _ in range(10):
            for r in _burst([root + path] * 8):
                assert r.status_code == 200 and r.content == first.content
                assert r.headers["ETag"] == first.headers["ETag"]
                states.append(r.headers["X-Cache"])
            if "hit-shared" in states:
                break
        assert "miss" not in states  # one render for the whole server
        assert "hit-shared" in states, states
    assert next(cache.rglob("cache.db")).is_file()


def test_a_query_run_by_one_worker_is_answered_by_the_other(server: tuple[str, Path, list[int]]) -> None:
    root, _, _ = server
    url = root + "/sparql?" + requests.compat.urlencode({"query": QUERY, "format": "json"})
    first = _get(url)
    assert (first.status_code, first.headers["X-Cache"]) == (200, "miss")
    states: list[str] = []
    for _ in range(10):
        states += [r.headers["X-Cache"] for r in _burst([url] * 8)]
        if "hit-shared" in states:
            break
    assert "miss" not in states and "hit-shared" in states, states
    again = _get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_by_default_a_query_asked_once_is_not_written_and_a_repeated_one_is(build_dir: Path, tmp_path: Path) -> None:
    """SHARED_CACHE_ADMIT=2 (the default): the shared folder gets a result when a worker is asked for it
    again; until then each worker runs it once at most."""
    import diskcache

    cache = tmp_path / "cache"
    proc, root = start_server(build_dir, workers=2, env={"SISTERCITIES_SHARED_CACHE_DIR": str(cache)},
                              log=tmp_path / "server.log")

    def written() -> int:
        folders = [p for p in cache.iterdir() if (p / "cache.db").is_file()] if cache.is_dir() else []
        total = 0
        for folder in folders:
            with diskcache.Cache(str(folder)) as c:
                total += sum(1 for k in c if str(k).startswith("sparql:"))
        return total

    try:
        once = _get(root + "/sparql?" + requests.compat.urlencode({"query": QUERY + " # once", "format": "json"}))
        assert (once.status_code, once.headers["X-Cache"]) == (200, "miss")
        assert written() == 0
        url = root + "/sparql?" + requests.compat.urlencode({"query": QUERY, "format": "csv"})
        states = [r.headers["X-Cache"] for _ in range(3) for r in _burst([url] * 8)]
        assert 1 <= states.count("miss") <= 2, states  # once per worker at most
        assert set(states) <= {"miss", "hit-local", "hit-shared"}, states
        assert written() == 1
    finally:
        stop_server(proc)


def test_a_new_release_behind_a_running_server_is_answered_afresh(tmp_path: Path) -> None:
    """Build, serve, query; rebuild with a change, reload the workers (SIGHUP): new answers, new ETags."""
    project = make_project(tmp_path / "project", {"a.ttl": GOOD_DATA})
    bd = tmp_path / "build"
    do_build(project, bd, "https://w3id.org/twinning/")
    query = "SELECT ?l WHERE { <https://w3id.org/twinning/id/city/a> <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    proc, root = start_server(bd, workers=2, log=tmp_path / "server.log")
    try:
        def answers() -> tuple[requests.Response, requests.Response]:
            return (_get(root + "/sparql", params={"query": query, "format": "csv"}), _get(root + "/doc/id/city/a.nt"))

        q1, d1 = answers()
        assert (q1.status_code, d1.status_code) == (200, 200)
        assert "A" in q1.text.split() and '"A"@en' in d1.text
        (project / "data" / "a.ttl").write_text(GOOD_DATA.replace('"A"@en', '"A, renamed"@en'), encoding="utf-8")
        do_build(project, bd, "https://w3id.org/twinning/")
        new = os.readlink(bd / "current").rsplit("/", 1)[-1]
        os.kill(proc.pid, signal.SIGHUP)  # gunicorn replaces its workers, which open the new release
        deadline = time.monotonic() + 30
        while _get(root + "/-/version").json()["dataset_version"] != new:
            assert time.monotonic() < deadline, "the workers did not pick up the new release"
            time.sleep(0.2)
        time.sleep(1)  # the old workers are gone
        for _ in range(4):
            q2, d2 = answers()
            assert (q2.status_code, d2.status_code) == (200, 200)
            assert "A, renamed" in q2.text and "A, renamed" in d2.text
            assert q2.headers["ETag"] != q1.headers["ETag"] and d2.headers["ETag"] != d1.headers["ETag"]
        assert [p.name for p in (bd / "cache").iterdir()] == [new]  # the old release's answers are gone
    finally:
        stop_server(proc)
