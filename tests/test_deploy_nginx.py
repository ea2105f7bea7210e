"""``sistercities nginx-config``: the pure renderer and the command's one-line errors (no nginx needed;
tests/test_nginx_front.py runs the rendered configuration in a real nginx)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from sistercities.cli import main
from sistercities.deploy.nginx import DumpFile, NginxConfigError, NginxOptions, dump_files, parse_upstream, render
from sistercities.release import Release

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _opts(**kw: object) -> NginxOptions:
    base: dict[str, object] = {"release": "2026.12.03-abc", "upstreams": ("127.0.0.1:8080",),
                               "cache_dir": Path("/var/cache/nginx/sc")}
    base.update(kw)
    return NginxOptions(**base)  # type: ignore[arg-type]


def test_render_keys_the_cache_by_release_url_and_accept() -> None:
    text = render(_opts(upstreams=("10.0.0.11:8080", "10.0.0.12:8080", "8081")))
    assert 'proxy_cache_key "2026.12.03-abc|$scheme|$sistercities_host|$request_uri|$http_accept";' in text
    assert "server 10.0.0.11:8080 " in text and "server 10.0.0.12:8080 " in text and "server 127.0.0.1:8081 " in text
    assert "keepalive 32;" in text
    # only answers of this release are stored
    assert 'map $upstream_http_x_sistercities_release $sistercities_not_this_release {\n    "2026.12.03-abc" 0;' in text
    assert "proxy_no_cache $sistercities_not_this_release;" in text
    assert "proxy_cache_valid" not in text  # the app's Cache-Control decides alone
    assert "{{" not in text and "{%" not in text


def test_render_limits_follow_the_app_settings() -> None:
    text = render(_opts(query_timeout=12.5, max_request_bytes=50_000))
    assert "proxy_read_timeout 27s;" in text
    assert "client_max_body_size 98k;" in text  # twice the app's limit: the app answers 413 first
    assert "MAX_REQUEST_BYTES (50000 bytes)" in text


def test_render_serves_each_dump_with_the_app_s_type(tmp_path: Path) -> None:
    manifest = {"dumps": [
        {"file": "sc-1.ttl", "media_type": "text/turtle", "compression": None},
        {"file": "sc-1.nt.gz", "media_type": "application/n-triples", "compression": "application/gzip"},
    ]}
    dumps = dump_files(manifest)
    assert dumps == (DumpFile("sc-1.ttl", "text/turtle", False), DumpFile("sc-1.nt.gz", "application/gzip", True))
    text = render(_opts(dumps_dir=tmp_path, dumps=dumps))
    assert f"location = /dumps/sc-1.ttl {{\n        alias {tmp_path.resolve()}/sc-1.ttl;" in text
    assert 'add_header Content-Disposition "attachment; filename=sc-1.nt.gz" always;' in text
    assert text.count("Content-Disposition") == 1
    assert "/dumps/" not in render(_opts(dumps=dumps))  # no folder: the app serves them


@pytest.mark.parametrize(("kw", "message"), [
    ({"upstreams": ("nohost",)}, "--upstream 'nohost': expected host:port"),
    ({"upstreams": ("a b:80",)}, "expected host:port"),
    ({"upstreams": ("127.0.0.1:99999",)}, "expected host:port"),
    ({"upstreams": ()}, "at least one --upstream"),
    ({"listen": "80; evil"}, "--listen"),
    ({"listen": "localhost:x"}, "--listen"),
    ({"server_name": "a;b"}, "--server-name"),
    ({"cache_size": "lots"}, "--cache-size 'lots'"),
    ({"cache_dir": Path("/tmp/with space")}, "--cache-dir"),
    ({"release": "v1; x"}, "release"),
    ({"dumps": (DumpFile("../etc/passwd", "text/plain", False),), "dumps_dir": Path("/tmp")}, "dump file"),
])
def test_render_refuses_what_cannot_go_into_a_configuration(kw: dict[str, object], message: str) -> None:
    with pytest.raises(NginxConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        render(_opts(**kw))


def test_parse_upstream() -> None:
    assert parse_upstream(" 10.0.0.5:8080 ") == "10.0.0.5:8080"
    assert parse_upstream("app-1.internal:80") == "app-1.internal:80"
    assert parse_upstream("[::1]:8080") == "[::1]:8080"
    assert parse_upstream("9000") == "127.0.0.1:9000"


def test_cli_renders_the_current_release(built: Release, build_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sc.conf"
    r = CliRunner().invoke(main, ["nginx-config", "--build-dir", str(build_dir), "--upstream", "127.0.0.1:9",
                                  "--cache-dir", str(tmp_path / "cache"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert f'proxy_cache_key "{built.version}|' in text
    for dump in built.manifest["dumps"]:
        assert f"alias {built.dumps_dir}/{dump['file']};" in text
    assert f"wrote {out} for release {built.version}" in r.stderr
    assert not list(tmp_path.glob(".sc.conf.*"))  # written atomically, no temp file left
    stdout = CliRunner().invoke(main, ["nginx-config", "--build-dir", str(build_dir), "--cache-dir",
                                       str(tmp_path / "cache")])
    assert stdout.exit_code == 0 and stdout.output.startswith("# sistercities: nginx in front")
    assert "server 127.0.0.1:8080 " in stdout.output  # HOST:PORT of the settings by default


@pytest.mark.parametrize(("args", "message"), [
    (["--upstream", "nohost"], "Error: --upstream 'nohost': expected host:port"),
    (["--cache-size", "big"], "Error: --cache-size 'big'"),
    (["-o", "/nonexistent-dir/sc.conf"], "Error: cannot write /nonexistent-dir/sc.conf: No such file or directory"),
])
def test_cli_errors_are_one_line(build_dir: Path, args: list[str], message: str) -> None:
    r = CliRunner().invoke(main, ["nginx-config", "--build-dir", str(build_dir), *args])
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), r.output


def test_cli_without_a_build(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["nginx-config", "--build-dir", str(tmp_path)])
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1
    assert "no build in" in r.output and "--release VERSION" in r.output
    # with an explicit release that is not on this machine: no dumps, everything else rendered
    ok = CliRunner().invoke(main, ["nginx-config", "--build-dir", str(tmp_path), "--release", "2026.01.01-x"])
    assert ok.exit_code == 0 and 'proxy_cache_key "2026.01.01-x|' in ok.output and "/dumps/" not in ok.output


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed: run scripts/install-bench-tools as root")
def test_nginx_accepts_a_configuration_with_several_app_servers(tmp_path: Path) -> None:
    conf = tmp_path / "sc.conf"
    conf.write_text(render(_opts(upstreams=("10.0.0.11:8080", "10.0.0.12:8080"), listen="127.0.0.1:8443",
                                 server_name="twinning.example.org www.twinning.example.org",
                                 cache_dir=tmp_path / "cache")), encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ proxy_temp_path {tmp_path}/proxy; client_body_temp_path {tmp_path}/body; include {conf}; }}\n",
        encoding="utf-8")
    assert NGINX is not None
    r = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
