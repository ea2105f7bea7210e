"""The Wikidata client at the edges: real HTTP to the Oxigraph server and to a tiny loopback stub
(for what a healthy endpoint never does: 429 with Retry-After, 503, slow answers, broken results)."""

from __future__ import annotations

import http.server
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import free_port, start_loopback_http, stop_loopback_http
from sistercities import settings
from sistercities.wikidata.client import MAX_RETRIES, MAX_WAIT, WikidataClient, WikidataError, default_user_agent
from sistercities.wikidata.files import write_atomic

P190_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a <http://www.wikidata.org/prop/direct/P190> ?b }"
GOOD = json.dumps({"head": {"vars": ["n"]},
                   "results": {"bindings": [{"n": {"type": "literal", "value": "1"}}]}}).encode()

Reply = tuple[int, dict[str, str], bytes, float]  # status, headers, body, delay before answering


class Stub:
    """A loopback HTTP server answering each request with the next scripted reply (the last one repeats)."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = replies
        self.seen: list[dict[str, Any]] = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stub.seen.append({"headers": dict(self.headers), "body": body, "t": time.monotonic()})
                status, headers, payload, delay = stub.replies[min(len(stub.seen) - 1, len(stub.replies) - 1)]
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for k, v in {"Content-Type": "application/sparql-results+json", **headers}.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server, root = start_loopback_http(Handler)
        self.url = root + "/sparql"

    def close(self) -> None:
        stop_loopback_http(self.server)


@pytest.fixture()
def stub() -> Iterator[Callable[[list[Reply]], Stub]]:
    made: list[Stub] = []

    def make(replies: list[Reply]) -> Stub:
        made.append(Stub(replies))
        return made[-1]

    yield make
    for s in made:
        s.close()


def _client(url: str, tmp_path: Path, **kw: Any) -> tuple[WikidataClient, list[float]]:
    waits: list[float] = []
    c = WikidataClient(url, cache_dir=tmp_path / "cache", rate=0, sleep=waits.append, **kw)
    return c, waits


# --- the real server ---------------------------------------------------------------------------


def test_select_against_the_oxigraph_server_and_the_cache(wikidata_endpoint: str, tmp_path: Path) -> None:
    c = WikidataClient(wikidata_endpoint, cache_dir=tmp_path / "cache")
    assert c.select(P190_COUNT)[0]["n"]["value"] == "15"
    first = c.last_retrieved
    assert first.endswith("Z") and c.requests_made == 1
    # a second client (another run) answers from the cache, with the time it was first retrieved
    again = WikidataClient(wikidata_endpoint, cache_dir=tmp_path / "cache")
    assert again.select(P190_COUNT)[0]["n"]["value"] == "15"
    assert (again.requests_made, again.cache_hits, again.last_retrieved) == (0, 1, first)
    entry = json.loads(next((tmp_path / "cache").rglob("*.json")).read_text())
    assert entry["query"] == P190_COUNT and entry["endpoint"] == wikidata_endpoint and entry["retrieved"] == first
    # --refresh asks again
    fresh = WikidataClient(wikidata_endpoint, cache_dir=tmp_path / "cache", use_cache=False)
    fresh.select(P190_COUNT)
    assert fresh.requests_made == 1


def test_a_damaged_cache_entry_is_asked_again(wikidata_endpoint: str, tmp_path: Path) -> None:
    c = WikidataClient(wikidata_endpoint, cache_dir=tmp_path / "cache")
    c.select(P190_COUNT)
    entry = next((tmp_path / "cache").rglob("*.json"))
    entry.write_text("{not json")
    c2 = WikidataClient(wikidata_endpoint, cache_dir=tmp_path / "cache")
    assert c2.select(P190_COUNT)[0]["n"]["value"] == "15" and c2.requests_made == 1


def test_a_bad_query_is_one_line_naming_the_endpoint(wikidata_endpoint: str, tmp_path: Path) -> None:
    c = WikidataClient(wikidata_endpoint, cache_dir=tmp_path / "cache")
    with pytest.raises(WikidataError) as e:
        c.select("SELECT WHERE {")
    assert str(e.value).startswith(wikidata_endpoint + ": HTTP 400 (the endpoint rejected the query): error at 1:")
    assert "\n" not in str(e.value) and "b'" not in str(e.value)
    assert not list((tmp_path / "cache").rglob("*.json")), "failures are not cached"


# --- the policy: User-Agent, rate, Retry-After ---------------------------------------------------


def test_user_agent_is_descriptive_with_contact(stub: Callable[[list[Reply]], Stub], tmp_path: Path) -> None:
    s = stub([(200, {}, GOOD, 0)])
    cfg = settings.load({"WIKIDATA_SPARQL_URL": s.url, "BUILD_DIR": str(tmp_path), "CONTACT_EMAIL": "me@example.org"},
                        environ={})
    c = WikidataClient.from_settings(cfg)
    c.select("ASK {}")
    ua = s.seen[0]["headers"]["User-Agent"]
    assert ua == default_user_agent("me@example.org") and "sistercities/" in ua and "me@example.org" in ua
    assert c.cache_dir == tmp_path / "wikidata-cache"
    # configured explicitly, it is sent as given
    cfg2 = settings.load({"WIKIDATA_SPARQL_URL": s.url, "WIKIDATA_USER_AGENT": "MyBot/1.0 (x@example.org)",
                          "WIKIDATA_CACHE_DIR": str(tmp_path / "c2")}, environ={})
    WikidataClient.from_settings(cfg2).select("ASK {}")
    assert s.seen[1]["headers"]["User-Agent"] == "MyBot/1.0 (x@example.org)"


def test_requests_are_spaced_by_the_rate_limit(stub: Callable[[list[Reply]], Stub], tmp_path: Path) -> None:
    s = stub([(200, {}, GOOD, 0)])
    c = WikidataClient(s.url, cache_dir=None, rate=4.0)
    for i in range(4):
        c.select(f"ASK {{}} # {i}")
    gaps = [b["t"] - a["t"] for a, b in zip(s.seen, s.seen[1:], strict=False)]
    assert min(gaps) >= 0.24, gaps  # 1/4 s apart at 4 requests/second


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured_then_the_answer_arrives(stub: Callable[[list[Reply]], Stub], tmp_path: Path,
                                                         status: int) -> None:
    s = stub([(status, {"Retry-After": "3"}, b"slow down", 0), (status, {"Retry-After": "1"}, b"", 0), (200, {}, GOOD, 0)])
    c, waits = _client(s.url, tmp_path)
    assert c.select("ASK {}")[0]["n"]["value"] == "1"
    assert waits == [3.0, 1.0] and len(s.seen) == 3


def test_retry_after_as_an_http_date_and_absent(stub: Callable[[list[Reply]], Stub], tmp_path: Path) -> None:
    soon = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 5))
    s = stub([(429, {"Retry-After": soon}, b"", 0), (429, {}, b"", 0), (200, {}, GOOD, 0)])
    c, waits = _client(s.url, tmp_path)
    c.select("ASK {}")
    assert 3.0 <= waits[0] <= 5.0, waits  # the date, as seconds from now
    assert waits[1] == 2.0  # no header: exponential backoff (2 ** attempt)


def test_backoff_is_bounded_and_gives_up_with_one_line(stub: Callable[[list[Reply]], Stub], tmp_path: Path) -> None:
    s = stub([(429, {"Retry-After": "86400"}, b"", 0)])
    c, waits = _client(s.url, tmp_path)
    with pytest.raises(WikidataError) as e:
        c.select("ASK {}")
    assert waits == [MAX_WAIT] * MAX_RETRIES and len(s.seen) == MAX_RETRIES + 1
    assert str(e.value) == f"{s.url}: HTTP 429 Too Many Requests after {MAX_RETRIES} retries"


# --- what goes wrong ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("reply", "message"), [
    ((500, {}, b"boom", 0), "HTTP 500"),
    ((502, {}, b"bad gateway", 0), "HTTP 502 Bad Gateway"),
    ((404, {}, b"no such endpoint", 0), "EndPointNotFound"),
    ((200, {}, b"<html>maintenance</html>", 0), "malformed SPARQL results (not JSON"),
    ((200, {}, b'{"head": {}}', 0), "malformed SPARQL results (no results.bindings list)"),
    ((200, {}, b'{"results": {"bindings": [1, 2]}}', 0), "malformed SPARQL results"),
    ((200, {}, b"\xff\xfe\x00garbage", 0), "malformed SPARQL results"),
])
def test_misbehaving_endpoint_is_one_clear_line(stub: Callable[[list[Reply]], Stub], tmp_path: Path,
                                                reply: Reply, message: str) -> None:
    s = stub([reply])
    c, _ = _client(s.url, tmp_path)
    with pytest.raises(WikidataError) as e:
        c.select("ASK {}")
    text = str(e.value)
    assert text.startswith(s.url + ": ") and message in text and "\n" not in text, text
    assert not list((tmp_path / "cache").rglob("*.json"))


def test_timeout(stub: Callable[[list[Reply]], Stub], tmp_path: Path) -> None:
    s = stub([(200, {}, GOOD, 3.0)])
    c, _ = _client(s.url, tmp_path, timeout=1)
    t0 = time.monotonic()
    with pytest.raises(WikidataError) as e:
        c.select("ASK {}")
    assert time.monotonic() - t0 < 2.9
    assert str(e.value) == f"{s.url}: no answer within 1 s (timeout)"


def test_unreachable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    c, _ = _client(url, tmp_path)
    with pytest.raises(WikidataError) as e:
        c.select("ASK {}")
    assert str(e.value).startswith(f"{url}: unreachable (") and "refused" in str(e.value)


def test_unresolvable_host(tmp_path: Path) -> None:
    c, _ = _client("http://no-such-host.invalid/sparql", tmp_path)
    with pytest.raises(WikidataError) as e:
        c.select("ASK {}")
    assert str(e.value).startswith("http://no-such-host.invalid/sparql: unreachable (")


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "data" / "x.ttl", "# x\n")
    finally:
        os.umask(old)
    assert (tmp_path / "data" / "x.ttl").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["x.ttl"]  # no temporary file left
