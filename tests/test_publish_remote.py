"""Publishing a release into a real read-write Oxigraph server (``oxigraph serve`` on loopback):
counts per graph, the pointer, an atomic switch under a reader, interrupted loads (a store
answering 500, a publisher killed with SIGKILL) and their clean-up, credentials."""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
import requests
from tests.conftest import BASE, ROOT, SHARED, start_loopback_http, start_oxigraph_rw, stop_loopback_http, stop_server

from sistercities.build import build as do_build
from sistercities.publish import Names, Publisher, PublishError, publish_from_settings, read_release
from sistercities.release import Release, current
from sistercities.store.remote import RemoteStore

N = Names(BASE)
DCT = "http://purl.org/dc/terms/"


@pytest.fixture()
def oxigraph(tmp_path: Path) -> Iterator[str]:
    proc, root = start_oxigraph_rw(tmp_path / "ox", log=tmp_path / "ox.log")
    try:
        yield root
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """The real project plus one new data file (a new graph and new triples), built."""
    root = tmp_path_factory.mktemp("changed")
    for d in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / d, root / "project" / d)
    (root / "project" / "data" / "zz-publish-test.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        + "".join(f'<id/thing/publish-test-{i}> rdfs:label "publish test {i}"@en .\n' for i in range(50)),
        encoding="utf-8")
    do_build(root / "project", root / "build", BASE, validate=False, sources_dir=SHARED / "sources")
    return current(root / "build")


def settings(root: str, **kw: str) -> dict[str, Any]:
    return {"STORE_URL": root + "/query", "STORE_UPDATE_URL": root + "/update", "STORE_GSP_URL": root + "/store",
            "BASE_IRI": BASE, **kw}


def select(root: str, sparql: str, **params: Any) -> list[dict[str, Any]]:
    r = requests.post(root + "/query", data={"query": sparql, **params},
                      headers={"Accept": "application/sparql-results+json"}, timeout=30)
    r.raise_for_status()
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def remote_counts(root: str) -> dict[str, int]:
    rows = select(root, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {r["g"]: int(r["n"]) for r in rows}


def local_counts(rel: Release) -> dict[str | None, int]:
    s = ox.Store.read_only(str(rel.store_dir))
    out: dict[str | None, int] = {g.value: sum(1 for _ in s.quads_for_pattern(None, None, None, g))
                                  for g in s.named_graphs() if isinstance(g, ox.NamedNode)}
    out[None] = sum(1 for _ in s.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return out


def served(root: str) -> dict[str, Any] | None:
    return read_release(RemoteStore(root + "/query"), BASE)


def test_publish_real_build(oxigraph: str, built: Release) -> None:
    res = publish_from_settings(settings(oxigraph), built.path)
    assert res.published and res.version == built.version
    local, remote = local_counts(built), remote_counts(oxigraph)
    v = built.version
    for g, n in local.items():
        if g is None:
            assert remote[N.served_default] == remote[N.staged(v, None)] == n == built.manifest["stats"]["triples"]
        else:
            assert remote[g] == remote[N.staged(v, g)] == n, g
    m = served(oxigraph)
    assert m is not None and m["version"] == v and m["triples"] == built.triples
    assert m["store"]["default_graph"] == N.served_default
    assert sorted(m["store"]["named_graphs"]) == sorted(g for g in local if g is not None)
    # the reader's dataset: the union, each triple once, and exactly the build's named graphs
    ds = {"default-graph-uri": m["store"]["default_graph"], "named-graph-uri": m["store"]["named_graphs"]}
    n = select(oxigraph, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **ds)
    assert int(n[0]["n"]) == local[None]
    gs = select(oxigraph, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", **ds)
    assert sorted(r["g"] for r in gs) == sorted(m["store"]["named_graphs"])
    # blank nodes went in as the Skolem IRIs of the build's labels
    assert select(oxigraph, f'SELECT ?s WHERE {{ GRAPH <{BASE}shapes> {{ ?s ?p ?o '
                  f'FILTER STRSTARTS(STR(?s), "{BASE}.well-known/genid/") }} }} LIMIT 1')
    # publishing the same release again does nothing
    assert not publish_from_settings(settings(oxigraph), built.path).published


def test_second_publish_switches_atomically(oxigraph: str, built: Release, changed: Release) -> None:
    publish_from_settings(settings(oxigraph), built.path)
    old, new = served(oxigraph), None
    assert old is not None
    graphs = sorted({*old["store"]["named_graphs"], *(g["iri"] for g in changed.manifest["graphs"])})
    expect = {(built.version, local_counts(built)[None], built.triples),
              (changed.version, local_counts(changed)[None], changed.triples)}
    q = (f"SELECT ?v ?n ?m WHERE {{ GRAPH <{N.pointer}> {{ <{N.current}> <{DCT}hasVersion> ?v }} "
         f"{{ SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} }} "
         f"{{ SELECT (COUNT(*) AS ?m) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{N.pointer}>) }} }} }}")
    ds = {"default-graph-uri": N.served_default, "named-graph-uri": [*graphs, N.pointer]}
    seen: list[tuple[str, int, int]] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            while not stop.is_set():
                rows = select(oxigraph, q, **ds)
                seen.append((rows[0]["v"], int(rows[0]["n"]), int(rows[0]["m"])))
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=reader)
    t.start()
    try:
        time.sleep(0.3)
        publish_from_settings(settings(oxigraph), changed.path, chunk_bytes=20_000)
        time.sleep(0.3)
    finally:
        stop.set()
        t.join()
    assert not errors
    assert set(seen) == expect, set(seen) - expect  # only whole releases: never a mix, never empty
    assert seen[0][0] == built.version and seen[-1][0] == changed.version
    new = served(oxigraph)
    assert new is not None and new["version"] == changed.version
    assert remote_counts(oxigraph)[BASE + "graph/zz-publish-test"] == 50
    # back to the first project: the graph it does not have is dropped; --keep 1 drops the staged ones
    publish_from_settings(settings(oxigraph), built.path, keep=1)
    counts = remote_counts(oxigraph)
    assert BASE + "graph/zz-publish-test" not in counts
    assert not [g for g in counts if N.version_of(g) not in (None, built.version)]


class Stub:
    """A loopback HTTP proxy in front of the store: records Authorization headers, can demand one,
    fail GSP POSTs after the first ``fail_after`` with 500 (and everything after: a store gone bad),
    or hold each POST ``delay`` seconds."""

    def __init__(self, target: str, *, auth: str | None = None, fail_after: int | None = None, delay: float = 0,
                 fail_update_with: bytes | None = None) -> None:
        self.target, self.auth, self.fail_after, self.delay = target, auth, fail_after, delay
        self.fail_update_with = fail_update_with  # answer 500, once, to the Update request holding these bytes
        self.posts = 0
        self.failing = False
        self.seen_auth: list[str | None] = []
        stub = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def _any(self) -> None:
                stub.seen_auth.append(self.headers.get("Authorization"))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if stub.auth is not None and self.headers.get("Authorization") != stub.auth:
                    return self._answer(401, b"unauthorized", {"WWW-Authenticate": 'Basic realm="store"'})
                if self.command == "POST" and self.path.startswith("/store"):
                    stub.posts += 1
                    time.sleep(stub.delay)
                    if stub.fail_after is not None and stub.posts > stub.fail_after:
                        stub.failing = True
                if stub.failing:
                    return self._answer(500, b"internal error", {})
                if stub.fail_update_with and self.path.startswith("/update") and stub.fail_update_with in body:
                    stub.fail_update_with = None
                    return self._answer(500, b"internal error during the update", {})
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                r = requests.request(self.command, stub.target + self.path, data=body, headers=headers, timeout=60)
                self._answer(r.status_code, r.content, {"Content-Type": r.headers.get("Content-Type", "text/plain")})

            def _answer(self, code: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(code)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.server, self.url = start_loopback_http(H)

    def close(self) -> None:
        stop_loopback_http(self.server)


def test_store_answering_500_mid_load_keeps_old_release(oxigraph: str, built: Release, changed: Release) -> None:
    publish_from_settings(settings(oxigraph), built.path)
    before = remote_counts(oxigraph)
    stub = Stub(oxigraph, fail_after=5)
    try:
        with pytest.raises(PublishError) as e:
            publish_from_settings(settings(stub.url), changed.path, chunk_bytes=20_000)
    finally:
        stub.close()
    msg = str(e.value)
    assert "500" in msg and f"still serves {built.version}" in msg, msg
    m = served(oxigraph)
    assert m is not None and m["version"] == built.version
    after = remote_counts(oxigraph)
    orphans = {g for g in after if N.version_of(g) == changed.version}
    assert orphans  # the stub kept failing: nothing could be cleaned up then
    # the old release untouched (the pointer graph also names the failed release's graphs, for the clean-up)
    assert {g: n for g, n in after.items() if g not in orphans and g != N.pointer} == {
        g: n for g, n in before.items() if g != N.pointer}
    # the next publish drops the orphans, then publishes
    publish_from_settings(settings(oxigraph), changed.path)
    after = remote_counts(oxigraph)
    m = served(oxigraph)
    assert m is not None and m["version"] == changed.version
    assert {g: n for g, n in after.items() if N.version_of(g) == changed.version} == {
        N.staged(changed.version, g): n for g, n in local_counts(changed).items()}


def test_switch_answering_500_keeps_old_release(oxigraph: str, built: Release, changed: Release) -> None:
    publish_from_settings(settings(oxigraph), built.path)
    before = remote_counts(oxigraph)
    stub = Stub(oxigraph, fail_update_with=b"hasVersion")  # the switch request (it replaces the pointer)
    try:
        with pytest.raises(PublishError, match=f"switch to {changed.version} failed, the store still serves {built.version}"):
            publish_from_settings(settings(stub.url), changed.path)
    finally:
        stub.close()
    m = served(oxigraph)
    assert m is not None and m["version"] == built.version
    assert remote_counts(oxigraph) == before  # and the staged graphs of the failed version are gone


def test_publisher_killed_mid_load(oxigraph: str, built: Release, changed: Release, tmp_path: Path) -> None:
    publish_from_settings(settings(oxigraph), built.path)
    before = remote_counts(oxigraph)
    stub = Stub(oxigraph, delay=0.2)
    # a real `sistercities build --store-…`, killed with SIGKILL after a few chunks
    project, build_dir = changed.path.parent.parent.parent / "project", changed.path.parent.parent
    cmd = [sys.executable, "-m", "sistercities.cli", "build", "--project", str(project), "--build-dir", str(build_dir), "--no-validate",
           "--store-update", stub.url + "/update", "--store-query", stub.url + "/query", "--store-gsp", stub.url + "/store"]
    env = {**os.environ, "SISTERCITIES_SOURCES_DIR": str(SHARED / "sources")}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while stub.posts < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the publish ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
        stub.close()
    m = served(oxigraph)
    assert m is not None and m["version"] == built.version
    after = remote_counts(oxigraph)
    assert {g for g in after if N.version_of(g) == changed.version}  # half-loaded, invisible to readers
    assert {g: n for g, n in after.items() if N.version_of(g) != changed.version and g != N.pointer} == {
        g: n for g, n in before.items() if g != N.pointer}
    http = RemoteStore(oxigraph + "/query")
    res = Publisher(http, update_url=oxigraph + "/update", gsp_url=oxigraph + "/store").publish(changed)
    assert res.published
    assert remote_counts(oxigraph)[N.staged(changed.version, None)] == local_counts(changed)[None]


@pytest.mark.parametrize("kind", ["basic", "bearer"])
def test_credentials_sent_and_never_printed(oxigraph: str, built: Release, kind: str) -> None:
    secret = "s3cret-" + kind + "-Zq9"
    if kind == "basic":
        env = {"SISTERCITIES_STORE_USER": "publisher", "SISTERCITIES_STORE_PASSWORD": secret}
        header = "Basic " + base64.b64encode(f"publisher:{secret}".encode()).decode()
    else:
        env = {"SISTERCITIES_STORE_TOKEN": secret}
        header = "Bearer " + secret
    stub = Stub(oxigraph, auth=header)
    try:
        cmd = [sys.executable, "-m", "sistercities.cli", "build", "--build-dir", str(built.path.parent.parent),
               "--store-update", stub.url + "/update", "--store-query", stub.url + "/query", "--store-gsp", stub.url + "/store"]
        clean = {k: v for k, v in os.environ.items() if not k.startswith("SISTERCITIES_STORE_")}
        clean["SISTERCITIES_SOURCES_DIR"] = str(SHARED / "sources")  # the session build: up to date, untouched
        ok = subprocess.run(cmd, env={**clean, **env}, capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert ok.returncode == 0, ok.stderr
        assert stub.seen_auth and all(a == header for a in stub.seen_auth)
        wrong = {k: v + "-wrong" for k, v in env.items()}
        bad = subprocess.run(cmd, env={**clean, **wrong}, capture_output=True, text=True,
                             cwd=ROOT, timeout=120)
    finally:
        stub.close()
    m = served(oxigraph)
    assert m is not None and m["version"] == built.version
    assert bad.returncode == 1 and "401" in bad.stderr, bad.stderr
    for out in (ok.stdout, ok.stderr, bad.stdout, bad.stderr):
        assert secret not in out and base64.b64encode(secret.encode()).decode()[:8] not in out
        assert "Traceback" not in out
    assert json.dumps(m).find(secret) == -1


def test_publish_through_update_only(oxigraph: str, built: Release) -> None:
    """No Graph Store endpoint: the chunks go as INSERT DATA requests."""
    cfg = settings(oxigraph)
    cfg["STORE_GSP_URL"] = ""
    res = publish_from_settings(cfg, built.path, chunk_bytes=50_000)
    assert res.published
    remote = remote_counts(oxigraph)
    for g, n in local_counts(built).items():
        assert remote[N.served_default if g is None else g] == n
    m = served(oxigraph)
    assert m is not None and m["version"] == built.version


def test_publish_needs_both_endpoints(built: Release) -> None:
    with pytest.raises(PublishError, match="query and an update endpoint"):
        publish_from_settings({"STORE_URL": "", "STORE_UPDATE_URL": "http://127.0.0.1:9/update"}, built.path)


def test_web_tier_with_only_the_settings_serves_each_published_release(oxigraph: str, built: Release, changed: Release,
                                                                        tmp_path: Path) -> None:
    """A `sistercities serve` with STORE_URL and no build folder serves what was published, and
    the next publish without a restart (the pointer is read again after a few seconds)."""
    from tests.conftest import start_server

    publish_from_settings(settings(oxigraph), built.path)
    empty = tmp_path / "no-build"
    empty.mkdir()
    proc, root = start_server(empty, workers=1, log=tmp_path / "server.log",
                              env={"SISTERCITIES_STORE_URL": oxigraph + "/query"})
    ask = f'ASK {{ <{BASE}id/thing/publish-test-7> ?p ?o }}'
    try:
        assert requests.get(root + "/-/version", timeout=10).json()["dataset_version"] == built.version
        r = requests.get(root + "/id/city/khabarovsk", headers={"Accept": "text/turtle"}, timeout=10)
        assert r.status_code == 200 and "Khabarovsk" in r.text
        r = requests.get(root + "/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"}, timeout=10)
        assert r.status_code == 200 and r.json()["boolean"] is False
        publish_from_settings(settings(oxigraph), changed.path)
        deadline = time.monotonic() + 20
        while requests.get(root + "/-/version", timeout=10).json()["dataset_version"] != changed.version:
            assert time.monotonic() < deadline, "the web tier did not pick up the new release within 20 s"
            time.sleep(0.5)
        deadline = time.monotonic() + 20
        while not requests.get(root + "/sparql", params={"query": ask},
                               headers={"Accept": "application/sparql-results+json"}, timeout=10).json()["boolean"]:
            assert time.monotonic() < deadline, "the new graph did not show in /sparql within 20 s"
            time.sleep(0.5)
        # only the release's graphs are seen: never the staged copies or the pointer graph
        q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        r = requests.get(root + "/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"}, timeout=10)
        gs = sorted(b["g"]["value"] for b in r.json()["results"]["bindings"])
        assert gs == sorted(g for g in local_counts(changed) if g is not None)
        # the catalogue lists both releases and keeps the first one's issue date, with no build folder
        page = requests.get(root + "/dataset.html", timeout=10).text
        assert built.version in page and f"{changed.version} (served)" in page
        cat = rdflib.Graph().parse(data=requests.get(root + "/catalog", headers={"Accept": "text/turtle"},
                                                     timeout=10).text, format="turtle")
        issued = {o.toPython() for o in cat.objects(rdflib.URIRef(BASE + "dataset"), rdflib.DCTERMS.issued)}
        first = dt.datetime.fromisoformat(built.build_time.replace("Z", "+00:00"))
        assert issued == {first}, (issued, built.build_time, changed.build_time)
    finally:
        stop_server(proc)
    assert "Traceback" not in (tmp_path / "server.log").read_text(errors="replace")


def test_publish_again_repairs_served_graphs_that_differ(oxigraph: str, built: Release) -> None:
    """A switch that did not take whole (a store without transactions) is repaired by publishing again."""
    publish_from_settings(settings(oxigraph), built.path)
    g = BASE + "graph/reference"
    requests.post(oxigraph + "/update", data={"update": f"DELETE WHERE {{ GRAPH <{g}> {{ ?s a ?t }} }}"},
                  timeout=30).raise_for_status()
    requests.post(oxigraph + "/update", data={"update": f"INSERT DATA {{ GRAPH <{N.served_default}> {{ <{BASE}x> <{BASE}y> 1 }} }}"},
                  timeout=30).raise_for_status()
    assert remote_counts(oxigraph)[g] < local_counts(built)[g]
    assert publish_from_settings(settings(oxigraph), built.path).published
    remote = remote_counts(oxigraph)
    for graph, n in local_counts(built).items():
        assert remote[N.served_default if graph is None else graph] == n
