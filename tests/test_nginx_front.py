"""The shipped nginx front (``sistercities nginx-config``) in front of a real ``sistercities serve``.

Debian's nginx runs as a non-daemon on loopback with its own prefix, pid and temp paths (as the
benchmark runs it), with the configuration rendered by the real CLI included in its http block.
The app's access log counts what reaches the app.  Skipped when nginx is not installed
(``scripts/install-bench-tools``, as root; CI installs it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from conftest import BASE, ROOT, SHARED, free_port, start_server, stop_server, wait_until_answers
from sistercities.build import build as do_build
from sistercities.release import RELEASE_HEADER, current

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed: run scripts/install-bench-tools as root (Debian package nginx)")

MAX_AGE = 6  # the app's CACHE_MAX_AGE here: short, so that expiry can be watched
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TURTLE, JSONLD, HTML = "text/turtle", "application/ld+json", "text/html"
ASK = "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"

WRAPPER = """\
{user}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {work}/access.log;
    client_body_temp_path {work}/tmp/body;
    proxy_temp_path {work}/tmp/proxy;
    fastcgi_temp_path {work}/tmp/fastcgi;
    uwsgi_temp_path {work}/tmp/uwsgi;
    scgi_temp_path {work}/tmp/scgi;
    include {work}/sistercities.conf;
}}
"""


@dataclass
class Front:
    work: Path
    project: Path
    build: Path
    app_log: Path
    port: int
    nginx: subprocess.Popen[bytes] | None = None
    app: subprocess.Popen[bytes] | None = None
    app_root: str = ""
    env: dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app_hits(self) -> int:
        time.sleep(0.2)  # gunicorn writes the line after the answer
        return len(self.app_log.read_text(encoding="utf-8").splitlines()) if self.app_log.exists() else 0

    def get(self, path: str, accept: str | None = None, **headers: str) -> requests.Response:
        h = dict(headers)
        if accept is not None:
            h["Accept"] = accept
        return requests.get(self.root + path, headers=h, allow_redirects=False, timeout=30)

    def direct(self, path: str, accept: str | None = None) -> requests.Response:
        h = {"Accept": accept} if accept is not None else {}
        return requests.get(self.app_root + path, headers=h, allow_redirects=False, timeout=30)

    def start_app(self) -> None:
        """Start the app server (again on the same port, as a supervisor restarts it)."""
        port = int(self.app_root.rpartition(":")[2]) if self.app_root else None
        self.app, self.app_root = start_server(self.build, env=self.env, workers=2, port=port)

    def render(self) -> subprocess.CompletedProcess[str]:
        """The configuration, by the real CLI, for the running app server and the current release."""
        return subprocess.run(
            [sys.executable, "-m", "sistercities.cli", "nginx-config", "--build-dir", str(self.build),
             "--upstream", self.app_root.removeprefix("http://"), "--listen", f"127.0.0.1:{self.port}",
             "--cache-dir", str(self.work / "cache"), "--cache-size", "100m",
             "-o", str(self.work / "sistercities.conf")],
            env={**os.environ, **self.env}, capture_output=True, text=True, check=True, timeout=60)

    def start_nginx(self) -> None:
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.work / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        # as root, nginx's workers would be nobody, who cannot enter pytest's 0700 folders
        user = "user root root;" if os.geteuid() == 0 else ""
        conf = self.work / "nginx.conf"
        conf.write_text(WRAPPER.format(user=user, work=self.work), encoding="utf-8")
        assert NGINX is not None
        check = subprocess.run([NGINX, "-t", "-p", str(self.work), "-c", str(conf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        log = open(self.work / "nginx.out", "wb")  # noqa: SIM115
        self.nginx = subprocess.Popen([NGINX, "-p", str(self.work), "-c", str(conf)], stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        wait_until_answers(self.nginx, self.root + "/static/site.css", "nginx")

    def reload_nginx(self, served_by_nginx: str) -> None:
        """``nginx -s reload`` (SIGHUP to its master); wait until ``served_by_nginx`` (a path only the
        new configuration serves from disk: no X-Cache-Status) is answered by the new workers."""
        assert self.nginx is not None
        old_workers = _children(self.nginx.pid)
        os.kill(self.nginx.pid, signal.SIGHUP)
        deadline = time.monotonic() + 20
        # the old workers stop accepting only when they act on the master's signal: until they are
        # gone, a new connection may still reach one (and its old configuration's cache)
        while time.monotonic() < deadline and set(_children(self.nginx.pid)) & set(old_workers):
            time.sleep(0.05)
        while time.monotonic() < deadline:
            r = self.get(served_by_nginx)
            if r.status_code == 200 and "X-Cache-Status" not in r.headers:
                return
            time.sleep(0.1)
        raise AssertionError(f"nginx did not take the new configuration: {served_by_nginx} still proxied")

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGTERM)
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.nginx.pid, signal.SIGKILL)
                self.nginx.wait()
        if self.app is not None:
            stop_server(self.app)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (nginx's workers)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                out.append(int(entry.name))
    return out


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Front]:
    """A copy of the project (the last test changes its data), built, served, with nginx in front."""
    tmp = tmp_path_factory.mktemp("nginx-front")
    project = tmp / "project"
    for sub in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / sub, project / sub)
    build = tmp / "build"
    do_build(project, build, BASE, sources_dir=SHARED / "sources")
    work = tmp / "nginx"
    work.mkdir()
    log = tmp / "app-access.log"
    f = Front(work=work, project=project, build=build, app_log=log, port=free_port(),
              env={"SISTERCITIES_ACCESS_LOG": str(log), "SISTERCITIES_TRUSTED_PROXIES": "1",
                   "SISTERCITIES_CACHE_MAX_AGE": str(MAX_AGE)})
    try:
        f.start_app()
        f.render()
        f.start_nginx()
        yield f
    finally:
        f.stop()


def _doc(name: str) -> str:
    return f"/doc/id/city/{name}"


def test_the_cli_writes_a_configuration_nginx_accepts(front: Front) -> None:
    text = (front.work / "sistercities.conf").read_text(encoding="utf-8")
    version = current(front.build).version
    assert f'proxy_cache_key "{version}|' in text
    assert "$http_accept" in text.split("proxy_cache_key", 1)[1].split("\n", 1)[0]
    assert f"server {front.app_root.removeprefix('http://')} " in text
    # the harness ran `nginx -t` on it; every dump of the release is served from the release folder
    for dump in json.loads((front.build / "current" / "manifest.json").read_text())["dumps"]:
        assert f"location = /dumps/{dump['file']} " in text


@pytest.mark.parametrize(("city", "order"), [
    ("akita", [HTML, TURTLE, JSONLD, FIREFOX]),
    ("niigata", [TURTLE, JSONLD, FIREFOX, HTML]),
    ("maizuru", [JSONLD, FIREFOX, HTML, TURTLE]),
])
def test_content_negotiation_is_never_crossed(front: Front, city: str, order: list[str]) -> None:
    """The same document asked for as HTML, Turtle and JSON-LD, in any order, twice: every answer
    through nginx is byte for byte what the app answers for that Accept, and the second round is
    served from nginx's cache."""
    want = {a: front.direct(_doc(city), a) for a in order}
    types = {HTML: "text/html", FIREFOX: "text/html", TURTLE: "text/turtle", JSONLD: "application/ld+json"}
    for round_ in ("MISS", "HIT"):
        for accept in order:
            r = front.get(_doc(city), accept)
            assert r.status_code == 200
            assert r.headers["Content-Type"].split(";")[0] == types[accept], (accept, round_)
            assert r.content == want[accept].content, (accept, round_)
            assert r.headers["ETag"] == want[accept].headers["ETag"]
            if round_ == "HIT":
                assert r.headers["X-Cache-Status"] == "HIT", accept


def test_types_no_single_accept_class_could_share(front: Front) -> None:
    """Why the key holds the exact Accept header: ``text/html`` alone gets 406 from /catalog
    (it has no HTML), a browser's Accept gets RDF/XML there, HTML on documents.  Asked in both
    orders, twice, nginx never hands one the other's answer."""
    for accepts in ([HTML, FIREFOX], [FIREFOX, HTML]):
        front.get("/catalog?x=" + accepts[0][:4], "application/n-triples")  # another key, another entry
        for _ in range(2):
            for accept in accepts:
                r = front.get("/catalog?x=" + accepts[0][:4], accept)
                if accept == HTML:
                    assert r.status_code == 406
                else:
                    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/rdf+xml")


def test_a_cache_hit_never_reaches_the_app(front: Front) -> None:
    path = _doc("joetsu") + ".ttl"
    assert front.get(path).headers["X-Cache-Status"] == "MISS"
    before = front.app_hits()
    for _ in range(5):
        r = front.get(path)
        assert r.status_code == 200 and r.headers["X-Cache-Status"] == "HIT"
    assert front.app_hits() == before


def test_303_passes_through_and_is_cached_only_as_long_as_the_app_says(front: Front) -> None:
    for accept, ext in ((HTML, "html"), (TURTLE, "ttl"), (JSONLD, "jsonld")):
        first = front.get("/id/city/khabarovsk", accept)
        assert first.status_code == 303
        # the app builds the Location from the host nginx was asked for (X-Forwarded-Host / Host)
        assert first.headers["Location"] == f"{front.root}/doc/id/city/khabarovsk.{ext}"
        assert first.headers["Cache-Control"] == f"public, max-age={MAX_AGE}"
        again = front.get("/id/city/khabarovsk", accept)
        assert (again.status_code, again.headers["Location"]) == (303, first.headers["Location"])
        assert again.headers["X-Cache-Status"] == "HIT"
    time.sleep(MAX_AGE + 1)
    before = front.app_hits()
    late = front.get("/id/city/khabarovsk", TURTLE)
    assert late.status_code == 303 and late.headers["X-Cache-Status"] in {"EXPIRED", "REVALIDATED"}
    assert front.app_hits() == before + 1  # asked the app again once max-age ran out


def test_304_from_nginx_s_own_cache(front: Front) -> None:
    path = _doc("akita")
    tag = front.get(path, TURTLE).headers["ETag"]
    front.get(path, TURTLE)
    before = front.app_hits()
    r = front.get(path, TURTLE, **{"If-None-Match": tag})
    assert r.status_code == 304 and r.content == b""
    assert r.headers["X-Cache-Status"] == "HIT" and r.headers["ETag"] == tag
    other = front.get(path, TURTLE, **{"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.headers["ETag"] == tag
    assert front.app_hits() == before


def test_static_files_and_dumps_are_served_by_nginx(front: Front) -> None:
    static = ROOT / "server" / "sistercities" / "static" / "site.css"
    manifest = json.loads((front.build / "current" / "manifest.json").read_text())
    before = front.app_hits()
    r = front.get("/static/site.css")
    assert r.status_code == 200 and r.content == static.read_bytes()
    assert r.headers["Content-Type"] == "text/css; charset=utf-8"
    assert r.headers["X-Content-Type-Options"] == "nosniff" and "X-Cache-Status" not in r.headers
    for dump in manifest["dumps"]:
        d = front.get("/dumps/" + dump["file"])
        assert d.status_code == 200, dump["file"]
        assert hashlib.sha256(d.content).hexdigest() == dump["sha256"]
        app = front.direct("/dumps/" + dump["file"])  # the same Content-Type and disposition as the app's
        for h in ("Content-Type", "Content-Disposition", "Cache-Control", "X-Content-Type-Options"):
            assert d.headers.get(h) == app.headers.get(h), (dump["file"], h)
    assert front.app_hits() == before + len(manifest["dumps"])  # only the direct comparisons
    # a file the release does not have is the app's helpful 404
    missing = front.get("/dumps/sistercities-0000.ttl")
    assert missing.status_code == 404 and "catalogue" in missing.text


def test_sparql_get_is_answered_and_cached_when_the_app_allows_it(front: Front) -> None:
    path = ASK + "&nocache=" + str(time.time_ns())  # a fresh key
    want = front.direct(path, "application/sparql-results+json")
    first = front.get(path, "application/sparql-results+json")
    assert first.status_code == 200 and first.content == want.content
    assert json.loads(first.content)["boolean"] is True
    before = front.app_hits()
    second = front.get(path, "application/sparql-results+json")
    assert second.content == want.content
    cc = {p.strip().split("=")[0]: p.strip() for p in first.headers.get("Cache-Control", "").split(",")}
    cacheable = "public" in cc and "max-age" in cc and cc["max-age"] != "max-age=0"
    if cacheable:  # the app marks results cacheable: nginx must answer the repeat itself
        assert second.headers["X-Cache-Status"] == "HIT"
        assert front.app_hits() == before
    else:
        assert second.headers["X-Cache-Status"] == "MISS"
        assert front.app_hits() == before + 1


def test_a_client_cannot_choose_the_scheme_or_host_the_app_sees(front: Front) -> None:
    r = front.get("/id/city/akita", TURTLE, **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
    assert r.headers["Location"] == f"{front.root}/doc/id/city/akita.ttl"


def test_request_size_limits_agree_with_the_app(front: Front) -> None:
    limit = 100_000  # MAX_REQUEST_BYTES default
    just_over = requests.post(front.root + "/sparql", data={"query": "ASK {}" + " " * limit}, timeout=30)
    assert just_over.status_code == 413 and "(MAX_REQUEST_BYTES)" in just_over.text  # the app's own message
    far_over = requests.post(front.root + "/sparql", data={"query": "ASK {}" + " " * (3 * limit)}, timeout=30)
    assert far_over.status_code == 413  # refused by nginx before it reaches the app, in the same style
    assert far_over.headers["Content-Type"] == "text/plain" and "MAX_REQUEST_BYTES (100000 bytes)" in far_over.text
    assert "<html" not in far_over.text
    long_url = front.get("/sparql?query=" + "ASK%7B%7D" + "%20" * 5000)  # a URL beyond nginx's default 8k buffers
    assert long_url.status_code == 200
    too_long = front.get("/sparql?query=" + "ASK%7B%7D" + "%20" * 100_000)  # 300 KB: beyond the header buffers
    assert too_long.status_code == 414 and "MAX_REQUEST_BYTES" in too_long.text


def test_posts_errors_and_health_are_not_cached(front: Front) -> None:
    for _ in range(2):
        r = requests.post(front.root + "/sparql", data={"query": "ASK { ?s ?p ?o }"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert r.status_code == 200 and r.headers.get("X-Cache-Status") in {None, "MISS", "BYPASS"}
        nf = front.get("/id/city/no-such-city", TURTLE)
        assert nf.status_code == 404 and nf.headers["X-Cache-Status"] == "MISS"
        h = front.get("/-/health")
        assert h.status_code == 200 and h.headers["X-Cache-Status"] == "MISS"


def _answers(front: Front) -> dict[str, Any]:
    return {"doc": front.get(_doc("akita") + ".ttl"), "html": front.get(_doc("akita"), HTML),
            "303": front.get("/id/city/akita", TURTLE)}


def test_a_new_release_never_serves_an_old_answer(front: Front) -> None:
    """Build, ask, rebuild with a changed data file, roll out as the README says (restart the app
    servers, render the configuration again, nginx -s reload), ask again: the new answers."""
    old_version = current(front.build).version
    for _ in range(2):
        old = _answers(front)
    assert old["doc"].headers["X-Cache-Status"] == "HIT" and old["doc"].headers[RELEASE_HEADER] == old_version
    assert '"Akita"@en' in old["doc"].text
    data = front.project / "data" / "reference.ttl"
    data.write_text(data.read_text(encoding="utf-8").replace('"Akita"@en', '"Akita City"@en'), encoding="utf-8")
    do_build(front.project, front.build, BASE, sources_dir=SHARED / "sources")
    new_version = current(front.build).version
    assert new_version != old_version
    # 1. restart the app servers on the new release; while the app is down, nginx still answers from its
    #    cache (the old release's answers: the app served that release until now)
    assert front.app is not None
    stop_server(front.app)
    down = front.get(_doc("akita") + ".ttl")
    assert down.status_code == 200 and down.content == old["doc"].content
    assert down.headers["X-Cache-Status"] in {"HIT", "STALE"}  # STALE once max-age ran out during the build
    front.start_app()
    # before the reload, nginx may still serve its cached answers of the old release, but stores no
    # answer of the new release under the old release's key
    fresh = front.get(_doc("akita") + ".ttl?before-reload")
    assert fresh.headers[RELEASE_HEADER] == new_version and fresh.headers["X-Cache-Status"] == "MISS"
    assert front.get(_doc("akita") + ".ttl?before-reload").headers["X-Cache-Status"] == "MISS"
    # 2. render again, 3. reload
    front.render()
    front.reload_nginx(f"/dumps/sistercities-{new_version}.ttl")
    new = _answers(front)
    assert '"Akita City"@en' in new["doc"].text and '"Akita"@en' not in new["doc"].text
    assert "Akita City" in new["html"].text
    for name, r in new.items():
        assert r.headers[RELEASE_HEADER] == new_version, name
        assert r.headers["X-Cache-Status"] == "MISS", name
        assert r.headers.get("ETag") != old[name].headers.get("ETag") or name == "303", name
    again = _answers(front)
    for name, r in again.items():
        assert r.headers["X-Cache-Status"] == "HIT" and r.content == new[name].content, name
    # the old release's dumps are no longer served by nginx: the app's 404 (it serves the current release only)
    assert front.get(f"/dumps/sistercities-{old_version}.ttl").status_code == 404
