"""The nginx front: a configuration rendered from the settings and the release it serves.

:func:`render` is pure (options in, text out); :func:`options_from` gathers the options from
the settings, the command line and the release's manifest.  The template is
``nginx.conf.j2`` next to this module.  Never imports Flask.

How it stays correct (the README's "The production deployment: nginx in front"):

* the cache key is ``release | scheme | host | request URI | Accept`` -- the exact Accept header,
  because our endpoints offer different sets of types (``text/html`` alone gets 406 from
  ``/catalog`` where a browser's Accept gets RDF/XML), so no coarser class is safe for all of them;
  nginx honours ``Vary`` on top of that (Accept-Language of HTML pages);
* only answers whose ``X-Sistercities-Release`` header names the rendered release are stored, so a
  configuration never caches an answer of another release, whatever the order of a roll-out;
* what is stored and for how long is what the app says (``Cache-Control``; no header, no caching).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from sistercities.release import RELEASE_HEADER

TEMPLATE = "nginx.conf.j2"

_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)")
_RELEASE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_SIZE = re.compile(r"[1-9][0-9]*[kKmMgG]?")
_SERVER_NAME = re.compile(r"[A-Za-z0-9*_.~^$\\()|?+\[\]{}:-]+(?: [A-Za-z0-9*_.~^$\\()|?+\[\]{}:-]+)*")
_DUMP_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class NginxConfigError(ValueError):
    """An option cannot go into an nginx configuration (the message says which and why)."""


@dataclass(frozen=True)
class DumpFile:
    file: str
    served_type: str
    attachment: bool  # a compressed dump is downloaded as the file it is


@dataclass(frozen=True)
class NginxOptions:
    release: str
    upstreams: tuple[str, ...]
    cache_dir: Path
    listen: str = "80"
    server_name: str = "_"
    cache_size: str = "2g"
    zone_size: str = "50m"
    keepalive: int = 32
    static_dir: Path | None = None
    dumps_dir: Path | None = None
    dumps: tuple[DumpFile, ...] = field(default=())
    query_timeout: float = 30.0
    max_request_bytes: int = 100_000
    max_age: int = 3600
    software_version: str = ""


def parse_upstream(value: str) -> str:
    """``host:port`` (``[v6]:port`` too) of one app server, checked; a bare port means 127.0.0.1."""
    v = value.strip()
    if v.isdigit():
        v = "127.0.0.1:" + v
    host, sep, port = v.rpartition(":")
    if not sep or not host or not _HOST.fullmatch(host) or not port.isdigit() or not 0 < int(port) < 65536:
        raise NginxConfigError(f"--upstream {value!r}: expected host:port of a `sistercities serve`, "
                               "e.g. 127.0.0.1:8080 or 10.0.0.11:8080")
    return f"{host}:{int(port)}"


def parse_listen(value: str) -> str:
    """``port``, ``host:port`` or either followed by nginx listen parameters (``443 ssl``)."""
    v = " ".join(value.split())
    first = v.split(" ", 1)[0]
    port = first.rpartition(":")[2]
    if not v or not port.isdigit() or not 0 < int(port) < 65536 or any(c in v for c in ";{}\"'#$"):
        raise NginxConfigError(f"--listen {value!r}: expected a port or host:port (and listen parameters), "
                               "e.g. 80, 127.0.0.1:8081 or '443 ssl'")
    if first != port:
        parse_upstream(first)  # the host part, checked the same way
    return v


def _checked(name: str, value: str, pattern: re.Pattern[str], example: str) -> str:
    if not pattern.fullmatch(value):
        raise NginxConfigError(f"{name} {value!r}: expected e.g. {example}")
    return value


def _path(name: str, p: Path) -> str:
    s = str(p.resolve())
    if any(c in s for c in ";{}\"'#$ \t\n\\"):
        raise NginxConfigError(f"{name} {s!r}: a path with spaces or any of ;{{}}\"'#$\\ cannot go into the configuration")
    return s


def _size(name: str, value: str) -> str:
    return _checked(name, value.strip(), _SIZE, "500m or 2g (nginx sizes: k, m, g)")


def _kib(n: int) -> str:
    return f"{max(1, -(-n // 1024))}k"


def render(opts: NginxOptions) -> str:
    """The configuration text (for nginx's http context)."""
    if not opts.upstreams:
        raise NginxConfigError("at least one --upstream is needed")
    release = _checked("release", opts.release, _RELEASE, "2026.12.03-8b0af41d")
    for d in opts.dumps:
        _checked("dump file", d.file, _DUMP_FILE, "sistercities-<version>.ttl")
    if opts.keepalive < 1:
        raise NginxConfigError("keepalive must be at least 1")
    # autoescape off: the output is an nginx configuration, not HTML; every value is checked above or below
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)  # noqa: S701
    context: dict[str, Any] = {
        "software_version": opts.software_version or "unknown",
        "release": release,
        "release_header": RELEASE_HEADER,
        "release_variable": "$upstream_http_" + RELEASE_HEADER.lower().replace("-", "_"),
        "upstreams": [parse_upstream(u) for u in opts.upstreams],
        "keepalive": opts.keepalive,
        "cache_dir": _path("--cache-dir", opts.cache_dir),
        "zone_size": _size("zone size", opts.zone_size),
        "cache_size": _size("--cache-size", opts.cache_size),
        "listen": parse_listen(opts.listen),
        "server_name": _checked("--server-name", " ".join(opts.server_name.split()), _SERVER_NAME,
                                "twinning.example.org (or _ for any)"),
        "max_request_bytes": opts.max_request_bytes,
        # twice the app's limit: a request somewhat too large gets the app's own 413 message
        "body_limit": _kib(2 * opts.max_request_bytes),
        "header_buffer": _kib(max(8192, 2 * opts.max_request_bytes)),
        "query_timeout": f"{opts.query_timeout:g}",
        # the app answers 503 at QUERY_TIMEOUT; nginx waits a little longer so that answer gets through
        "read_timeout": int(opts.query_timeout) + 15,
        "static_dir": _path("static folder", opts.static_dir) if opts.static_dir else None,
        "dumps_dir": _path("dumps folder", opts.dumps_dir) if opts.dumps_dir else None,
        "dumps": list(opts.dumps) if opts.dumps_dir else [],
        "max_age": opts.max_age,
    }
    return env.get_template(TEMPLATE).render(context)


def dump_files(manifest: dict[str, Any]) -> tuple[DumpFile, ...]:
    """The release's dump files with the Content-Type the app serves them with."""
    out = []
    for d in manifest.get("dumps") or []:
        if not isinstance(d, dict) or not isinstance(d.get("file"), str):
            continue
        compression = d.get("compression")
        out.append(DumpFile(file=d["file"], served_type=str(compression or d.get("media_type") or
                                                            "application/octet-stream"),
                            attachment=bool(compression)))
    return tuple(out)


def static_folder() -> Path:
    """The package's ``static/`` folder (what the app serves at ``/static/``)."""
    return Path(__file__).resolve().parent.parent / "static"
