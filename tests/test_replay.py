"""The replay of repeated SPARQL GETs in front of Flask (sistercities.cache.replay), through the real app.

What is replayed is observed (the middleware's ``replayed`` count, the engine runs), not assumed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from sistercities import create_app
from sistercities.cache.replay import Replay
from test_shared_cache import ASK, CONSTRUCT, DESCRIBE, FORMATS, RUNAWAY, SELECT, SYNTAX_ERROR, Runs, ask

Client = Any


@pytest.fixture()
def runs(monkeypatch: pytest.MonkeyPatch) -> Runs:
    return Runs(monkeypatch)


def worker(build_dir: Path, tmp_path: Path, **settings: Any) -> tuple[Client, Any]:
    """An app whose results go to the shared cache at the miss (SHARED_CACHE_ADMIT=1), so the replay keeps
    the first answer; with the default 2 it keeps the second (tests/test_shared_cache.py, test_admit_2_...)."""
    app = create_app({"BUILD_DIR": str(build_dir), "SHARED_CACHE_DIR": str(tmp_path / "shared"),
                      "SHARED_CACHE_ADMIT": 1, **settings})
    app.config["TESTING"] = True
    return app.test_client(), app.wsgi_app


def _headers(r: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in r.headers.items() if k != "X-Cache"]


@pytest.mark.parametrize(("query", "fmt"), FORMATS, ids=[f"{q.split()[0 if not q.startswith('PREFIX') else 3]}-{f}"
                                                          for q, f in FORMATS])
def test_a_replayed_answer_is_the_application_s_byte_for_byte(build_dir: Path, tmp_path: Path, runs: Runs,
                                                              query: str, fmt: str) -> None:
    uncached = ask(create_app({"BUILD_DIR": str(build_dir), "SHARED_CACHE": False}).test_client(), query, fmt)
    client, replay = worker(build_dir, tmp_path)
    assert isinstance(replay, Replay)
    first = ask(client, query, fmt)
    assert replay.replayed == 0
    again, third = ask(client, query, fmt), ask(client, query, fmt)
    assert replay.replayed == 2 and runs.count == 2  # the uncached app and the first miss only
    assert [r.headers["X-Cache"] for r in (first, again, third)] == ["miss", "hit-local", "hit-local"]
    for r in (first, again, third):
        assert r.status_code == 200 and r.data == uncached.data
        assert r.headers["ETag"] == uncached.headers["ETag"]
    # every header the app and its hooks wrote, in order (security headers, CORS, Vary, release...)
    assert _headers(again) == _headers(first) == _headers(third)


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"])
def test_content_negotiation_is_never_crossed(build_dir: Path, tmp_path: Path, accept: str) -> None:
    client, replay = worker(build_dir, tmp_path)
    others = [a for a in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv") if a != accept]
    for a in [*others, accept]:
        assert ask(client, SELECT, headers={"Accept": a}).status_code == 200
    r = ask(client, SELECT, headers={"Accept": accept})
    assert replay.replayed == 1
    assert r.headers["Content-Type"].startswith(accept)


@pytest.mark.parametrize(("query", "kw", "status"), [
    (SYNTAX_ERROR, {}, 400),
    (SELECT, {"headers": {"Accept": "text/html"}}, 200),  # the query page: HTML is never replayed
    (SELECT, {"headers": {"Accept": "image/png"}}, 406),
])
def test_errors_and_pages_are_never_replayed(build_dir: Path, tmp_path: Path, query: str, kw: dict[str, Any],
                                             status: int) -> None:
    client, replay = worker(build_dir, tmp_path)
    for _ in range(3):
        assert ask(client, query, **kw).status_code == status
    assert replay.replayed == 0 and len(replay) == 0


def test_a_timeout_is_never_replayed(build_dir: Path, tmp_path: Path, runs: Runs) -> None:
    client, replay = worker(build_dir, tmp_path, QUERY_TIMEOUT=0.3)
    for _ in range(2):
        assert ask(client, RUNAWAY).status_code == 503
    assert replay.replayed == 0 and runs.count == 2


def test_conditional_requests_and_posts_go_to_the_application(build_dir: Path, tmp_path: Path, runs: Runs) -> None:
    client, replay = worker(build_dir, tmp_path)
    tag = ask(client, ASK).headers["ETag"]
    assert ask(client, ASK, headers={"If-None-Match": tag}).status_code == 304
    assert client.post("/sparql", data={"query": ASK}).headers["X-Cache"] == "hit-local"
    assert replay.replayed == 0 and runs.count == 1


def test_no_replay_when_requests_are_rate_limited(build_dir: Path, tmp_path: Path) -> None:
    client, wsgi = worker(build_dir, tmp_path, RATE_LIMIT=3)
    assert not isinstance(wsgi, Replay)  # every request must be counted
    assert [ask(client, ASK).status_code for _ in range(4)] == [200, 200, 200, 429]
    _, wsgi = worker(build_dir, tmp_path, SHARED_CACHE=False)
    assert not isinstance(wsgi, Replay)  # no result cache, nothing to replay


def test_host_and_forwarded_headers_are_part_of_the_key(build_dir: Path, tmp_path: Path) -> None:
    client, replay = worker(build_dir, tmp_path)
    ask(client, CONSTRUCT, "ttl")
    ask(client, CONSTRUCT, "ttl", headers={"Host": "other.example"})
    ask(client, CONSTRUCT, "ttl", headers={"X-Forwarded-Proto": "https"})
    assert replay.replayed == 0 and len(replay) == 3


# --- the middleware alone, over a WSGI app that counts its calls --------------------------------------

class Counting:
    def __init__(self, body: bytes = b"answer", status: str = "200 OK", x_cache: str = "miss") -> None:
        self.calls, self.body, self.status, self.x_cache = 0, body, status, x_cache

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.calls += 1
        start_response(self.status, [("Content-Type", "application/sparql-results+json"), ("ETag", '"t"'),
                                     ("Cache-Control", "public, max-age=60"), ("X-Cache", self.x_cache),
                                     ("Content-Length", str(len(self.body)))])
        return [self.body]


def _get(app: Any, qs: str = "query=ASK%7B%7D", **env: str) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "QUERY_STRING": qs,
                         "wsgi.url_scheme": "http", **env}, start_response))
    return seen["status"], seen["headers"], body


def test_a_new_release_is_a_new_key_and_no_release_means_no_replay() -> None:
    inner, version = Counting(), {"v": "1"}
    app = Replay(inner, lambda: version["v"], max_bytes=1 << 20)
    _get(app), _get(app)
    assert inner.calls == 1
    version["v"] = "2"
    _get(app)
    assert inner.calls == 2
    version["v"] = None  # type: ignore[assignment]  # a manifest re-read is due: Flask must see the request
    _get(app), _get(app)
    assert inner.calls == 4


def test_the_bound_in_bytes_holds_and_large_answers_are_not_kept() -> None:
    inner = Counting(body=b"x" * 1000)
    app = Replay(inner, lambda: "1", max_bytes=4000)
    for i in range(10):
        _get(app, f"query={i}")
    assert app._bytes <= 4000 and len(app) == 4
    big = Replay(Counting(body=b"x" * 2000), lambda: "1", max_bytes=4000)  # over max_bytes // 4
    _get(big), _get(big)
    assert len(big) == 0


@pytest.mark.parametrize(("status", "x_cache"), [("500 INTERNAL SERVER ERROR", "miss"), ("200 OK", "off"),
                                                  ("304 NOT MODIFIED", "miss")])
def test_only_answers_of_the_result_cache_are_kept(status: str, x_cache: str) -> None:
    inner = Counting(status=status, x_cache=x_cache)
    app = Replay(inner, lambda: "1", max_bytes=1 << 20)
    _get(app), _get(app)
    assert inner.calls == 2


def test_a_replayed_answer_says_hit_local() -> None:
    app = Replay(Counting(), lambda: "1", max_bytes=1 << 20)
    first, again = _get(app), _get(app)
    assert first[1]["X-Cache"] == "miss" and again[1]["X-Cache"] == "hit-local"
    assert first[2] == again[2] == b"answer" and first[0] == again[0] == "200 OK"


def test_describe_is_replayed_like_any_graph_answer(build_dir: Path, tmp_path: Path) -> None:
    client, replay = worker(build_dir, tmp_path)
    one, two = ask(client, DESCRIBE, "ttl"), ask(client, DESCRIBE, "ttl")
    assert one.data == two.data and replay.replayed == 1
