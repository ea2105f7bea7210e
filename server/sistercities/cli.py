"""The ``sistercities`` command."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import sys
from pathlib import Path
from typing import Any

import click

from sistercities import settings as settings_mod


def _settings(ctx: click.Context, **overrides: Any) -> dict[str, Any]:
    try:
        return settings_mod.load(overrides, config_file=ctx.obj.get("config"))
    except settings_mod.ConfigError as e:
        raise click.ClickException(str(e)) from None


@click.group()
@click.option("--config", type=click.Path(dir_okay=False), help="TOML file of settings (or SISTERCITIES_CONFIG).")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """Publish the city-twinning knowledge graph as linked data."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


@main.command("settings")
@click.pass_context
def show_settings(ctx: click.Context) -> None:
    """Print every setting with its current value."""
    from sistercities.store.remote import CREDENTIAL_VARS, mask_url

    cfg = _settings(ctx)
    for s in settings_mod.SETTINGS:
        value = mask_url(cfg[s.name]) if s.name.startswith("STORE_") else cfg[s.name]
        click.echo(f"{s.name} = {value!r}    # {s.help}")
    for var in CREDENTIAL_VARS:  # never their values
        if os.environ.get(var):
            click.echo(f"{var} = '***'    # store credentials, from the environment only")


def _project_opts(f: Any) -> Any:
    f = click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Where releases are written (BUILD_DIR).")(f)
    f = click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
                     help="Folder holding ontology/, shapes/, data/ and queries/quality/.")(f)
    return f


def _root(project: Path) -> str:
    """How report paths are prefixed: relative to the working directory when possible."""
    try:
        rel = project.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return str(project.resolve()) + "/"
    return "" if str(rel) == "." else rel.as_posix() + "/"


def _err(msg: str) -> None:
    click.echo(msg, err=True)


@main.command()
@_project_opts
@click.option("--skip-shacl", is_flag=True, help="Skip SHACL (syntax, terms and quality checks still run).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report as readable lines or as JSON (for CI).")
@click.pass_context
def validate(ctx: click.Context, project: Path, build_dir: Path | None, skip_shacl: bool, fmt: str) -> None:
    """Check syntax, terms, SHACL shapes and quality queries; exit 1 on any error.

    \b
    Each finding is one line, like a compiler's:
      data/x.ttl:12:5: error: Turtle syntax error: ...
      data/x.ttl:8: error: unknown property tw:partnr: not declared in ontology/; did you mean tw:partner?
      data/x.ttl:70: error: invalid xsd:date "2023-02-30": 2023-02 has no day 30 (<id/event/e> tw:date)
      data/x.ttl:12: error: <id/city/b> tw:twinnedWith <id/city/a> is missing: ... — add it to data/x.ttl
      data/reference.ttl:96: warning: <id/city/maizuru> owl:sameAs: ... [rule <shapes/CityShape>]
    Errors (syntax, unknown terms, sh:Violation) exit 1; warnings and info exit 0.
    """
    from sistercities.validate import validate_project

    cfg = _settings(ctx, BUILD_DIR=str(build_dir) if build_dir else None)
    report = validate_project(project, cfg["BASE_IRI"], shacl_check=not skip_shacl,
                              sources_dir=Path(cfg["SOURCES_DIR"]) if cfg["SOURCES_DIR"] else None)
    click.echo(report.to_json() if fmt == "json" else report.format(_root(project)))
    if not report.ok:
        ctx.exit(1)


@main.command()
@_project_opts
@click.option("--skip-shacl", is_flag=True, help="Skip SHACL only (for large generated data).")
@click.option("--no-validate", is_flag=True, help="Skip terms, SHACL and quality checks (syntax is always checked).")
@click.option("--force", is_flag=True, help="Rebuild even if the inputs did not change.")
@click.option("--keep", type=click.IntRange(min=1), default=3, show_default=True,
              help="Releases kept on disk (and in the remote store, when publishing).")
@click.option("--store-update", default=None, metavar="URL",
              help="Also publish into this SPARQL 1.1 Update endpoint (STORE_UPDATE_URL).")
@click.option("--store-query", default=None, metavar="URL", help="Its query endpoint (STORE_URL).")
@click.option("--store-gsp", default=None, metavar="URL",
              help="Its Graph Store Protocol endpoint, for loading (STORE_GSP_URL); default: Update.")
@click.option("--store-break-lock", is_flag=True,
              help="Remove the store's publish lock first (only when its holder is known to be gone).")
@click.pass_context
def build(ctx: click.Context, project: Path, build_dir: Path | None, skip_shacl: bool, no_validate: bool,
          force: bool, keep: int, store_update: str | None, store_query: str | None, store_gsp: str | None,
          store_break_lock: bool) -> None:
    """Validate, then load everything into a new store, write dumps and the manifest, and publish it.

    Invalid input publishes nothing and exits 1; the current release stays.
    Unchanged inputs do no work ("up to date: <version>").
    With --store-update (or STORE_UPDATE_URL) the release is then published into that
    remote store: loaded under release-specific graph names, counted, and switched in one
    Update request; a failure leaves the store serving the previous release.
    """
    from sistercities.build import BuildError
    from sistercities.build import build as do_build

    cfg = _settings(ctx, BUILD_DIR=str(build_dir) if build_dir else None)
    try:
        rel = do_build(project, Path(cfg["BUILD_DIR"]), cfg["BASE_IRI"], validate=not no_validate,
                       shacl=not skip_shacl, force=force, keep=keep, log=_err,
                       sources_dir=Path(cfg["SOURCES_DIR"]) if cfg["SOURCES_DIR"] else None)
    except BuildError as e:
        if e.report is not None and e.report.issues:
            _err(e.report.format(_root(project)))
        raise click.ClickException(f"build failed, nothing published: {e.message}") from None
    except OSError as e:
        raise click.ClickException(f"build failed, nothing published: {e}") from None
    _warnings_hint(_manifest_of(rel), project)
    if store_update or cfg["STORE_UPDATE_URL"]:
        _publish(ctx, rel, keep, store_break_lock, STORE_UPDATE_URL=store_update, STORE_URL=store_query,
                 STORE_GSP_URL=store_gsp,
                 BUILD_DIR=str(build_dir) if build_dir else None)
    click.echo(str(rel))


def _publish(ctx: click.Context, rel: Path, keep: int, break_lock: bool, **overrides: Any) -> None:
    from sistercities.publish import PublishError, publish_from_settings

    try:
        publish_from_settings(_settings(ctx, **overrides), rel, keep=keep, log=_err, break_lock=break_lock)
    except PublishError as e:
        raise click.ClickException(f"built {rel.name}, but {e}") from None


def _manifest_of(release_path: Path) -> dict[str, Any]:
    from sistercities.release import MANIFEST

    try:
        data = json.loads((release_path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _warnings_hint(manifest: dict[str, Any], project: Path | None = None) -> None:
    """``… 9 warnings: run sistercities validate to see them`` (stderr), if the build had any."""
    v = manifest.get("validation") or {}
    n = v.get("warnings") if isinstance(v, dict) else None
    if not isinstance(n, int) or n <= 0:
        return
    where = ""
    if project is not None and project.resolve() != Path.cwd().resolve():
        where = f" --project {project}"
    _err(f"{manifest.get('version', 'this release')}: {n} validation warning{'' if n == 1 else 's'}: "
         f"run sistercities validate{where} to see them")


def _port_in_use(host: str, port: int) -> bool:
    """Whether binding ``host:port`` fails now (as gunicorn would, with SO_REUSEADDR)."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError):
        return False  # gunicorn will say what is wrong with the address
    for family, kind, proto, _name, addr in infos[:1]:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(addr)
            except OSError as e:
                return e.errno == errno.EADDRINUSE
    return False


def _free_port_after(host: str, port: int) -> int:
    for p in range(port + 1, min(port + 50, 65536)):
        if not _port_in_use(host, p):
            return p
    return port + 1


def _serve_help() -> str:
    lines = ["Serve the current build with gunicorn.", "", "\b", "Settings (environment SISTERCITIES_<NAME>, or --config TOML):"]
    lines += [f"  {s.name} (default {s.default!r}): {s.help}" for s in settings_mod.SETTINGS]
    return "\n".join(lines)


@main.command(help=_serve_help())
@click.option("--host", default=None, help="Address to bind (HOST).")
@click.option("--port", type=int, default=None, help="Port to bind (PORT).")
@click.option("--workers", type=int, default=None, help="Worker processes (WORKERS).")
@click.option("--build-dir", default=None, help="Build folder (BUILD_DIR).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None, build_dir: str | None) -> None:
    cfg = _settings(ctx, HOST=host, PORT=port, WORKERS=workers, BUILD_DIR=build_dir)
    from sistercities import allocator

    try:
        library = allocator.resolve(str(cfg["ALLOCATOR"]))
    except allocator.AllocatorError as e:
        raise click.ClickException(f"cannot serve: {e}") from None
    # checked before gunicorn starts: its own answer is a retry loop of "Connection in use"
    if _port_in_use(str(cfg["HOST"]), int(cfg["PORT"])):
        other = _free_port_after(str(cfg["HOST"]), int(cfg["PORT"]))
        raise click.ClickException(
            f"port {cfg['PORT']} is in use (another server?): choose another with "
            f"{settings_mod.ENV_PREFIX}PORT={other} sistercities serve or --port {other}")
    from sistercities.release import NoBuildError, current
    from sistercities.store import StoreError, check_store

    try:
        if cfg["STORE_URL"]:  # a remote store is checked by its own operators; the manifest may live in it
            rel = _remote_release(cfg)
        else:
            rel = current(cfg["BUILD_DIR"])
            check_store(rel.store_dir)
    except (NoBuildError, StoreError) as e:
        raise click.ClickException(f"cannot serve: {e}") from None
    env = allocator.preload_env(dict(os.environ), library)
    for s in settings_mod.SETTINGS:
        env[settings_mod.ENV_PREFIX + s.name] = str(cfg[s.name])
    env.pop(settings_mod.ENV_PREFIX + "CONFIG", None)
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""))
    if gunicorn is None:
        raise click.ClickException("gunicorn is not installed in this environment")
    threads = max(1, int(cfg["THREADS"]))
    args = [
        gunicorn,
        # hooks: each worker leaves the network and can retire after a runaway query
        "--config", "python:sistercities.gunicorn_conf",
        "--bind", f"{cfg['HOST']}:{cfg['PORT']}",
        "--workers", str(cfg["WORKERS"]),
        # sync workers accept a connection only when free, so a runaway query never
        # holds up a light one queued behind it in the same worker
        *(["--worker-class", "sync"] if threads == 1 else ["--worker-class", "gthread", "--threads", str(threads)]),
        "--timeout", str(int(cfg["QUERY_TIMEOUT"]) + 30),
        # our own MAX_REQUEST_BYTES check answers 413; gunicorn's 4 KiB line limit would answer 400 first
        "--limit-request-line", "0",
        *(["--access-logfile", cfg["ACCESS_LOG"]] if cfg["ACCESS_LOG"] else []),
        "sistercities.app:create_app()",
    ]
    malloc = f" (malloc: {library})" if library else ""
    click.echo(f"serving release {rel.version if rel else '(none yet)'} on http://{cfg['HOST']}:{cfg['PORT']}/{malloc}",
               err=True)
    if rel is not None:
        _warnings_hint(rel.manifest)
    sys.stdout.flush()
    os.execve(gunicorn, args, env)


def _remote_release(cfg: dict[str, Any]) -> Any:
    """The release a remote store serves, or None (with a warning) when the store does not answer
    now: the workers retry by themselves, so a web tier may start before its store."""
    from sistercities.release import from_store
    from sistercities.store import StoreUnavailable, open_store

    store = open_store(cfg, None)
    try:
        return from_store(store, cfg)
    except StoreUnavailable as e:
        click.echo(f"warning: {e}; answering 503 until it does", err=True)
        return None
    finally:
        store.close()


@main.command("nginx-config")
@click.option("--upstream", "upstreams", multiple=True, metavar="HOST:PORT",
              help="An app server (`sistercities serve`); repeat for several. Default: HOST:PORT of the settings.")
@click.option("--listen", default="80", show_default=True, help="nginx `listen`: port, host:port, parameters ('443 ssl').")
@click.option("--server-name", default="_", show_default=True, help="nginx `server_name` (the public host name).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("/var/cache/nginx/sistercities"), show_default=True, help="nginx's proxy cache folder.")
@click.option("--cache-size", default="2g", show_default=True, help="Largest size of the proxy cache on disk (nginx size).")
@click.option("--build-dir", default=None, help="Build folder (BUILD_DIR): the release, its dumps served by nginx.")
@click.option("--release", "release_version", default=None, metavar="VERSION",
              help="Release to cache for; default: the current release of the build folder (or of STORE_URL).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the configuration to this file (atomically); default: standard output.")
@click.pass_context
def nginx_config(ctx: click.Context, upstreams: tuple[str, ...], listen: str, server_name: str, cache_dir: Path,
                 cache_size: str, build_dir: str | None, release_version: str | None, output: Path | None) -> None:
    """Write an nginx configuration for the front of `sistercities serve`.

    \b
    nginx caches what the app says may be cached (Cache-Control, ETag, Vary), keyed by the
    release, the URL and the Accept header, and serves static files and the release's dumps
    itself. Render it again and `nginx -s reload` after every new release (see the README).
    """
    from sistercities import __version__
    from sistercities.deploy import nginx

    cfg = _settings(ctx, BUILD_DIR=build_dir)
    rel = _release_for_nginx(cfg, release_version)
    dumps_dir = Path(cfg["DUMPS_DIR"]) if cfg["DUMPS_DIR"] else (rel.dumps_dir if rel is not None else None)
    if dumps_dir is not None and not dumps_dir.is_dir():
        dumps_dir = None  # nothing to serve from here: the app answers /dumps/ itself
    version = release_version or (rel.version if rel is not None else "")
    opts = nginx.NginxOptions(
        release=version, upstreams=upstreams or (f"{cfg['HOST']}:{cfg['PORT']}",), cache_dir=cache_dir,
        listen=listen, server_name=server_name, cache_size=cache_size, static_dir=nginx.static_folder(),
        dumps_dir=dumps_dir, dumps=nginx.dump_files(rel.manifest) if rel is not None else (),
        query_timeout=float(cfg["QUERY_TIMEOUT"]), max_request_bytes=int(cfg["MAX_REQUEST_BYTES"]),
        max_age=int(cfg["CACHE_MAX_AGE"]), software_version=__version__)
    try:
        text = nginx.render(opts)
    except nginx.NginxConfigError as e:
        raise click.ClickException(str(e)) from None
    if output is None:
        click.echo(text, nl=False)
        return
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, output)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {output}: {e.strerror}") from None
    click.echo(f"wrote {output} for release {version}: check it with `nginx -t`, then `nginx -s reload`", err=True)


def _release_for_nginx(cfg: dict[str, Any], version: str | None) -> Any:
    """The release to render for: ``version`` in the build folder (None if not there), else the
    current one of the build folder or of the remote store; a CLI error when there is none."""
    from sistercities.release import MANIFEST, RELEASES, NoBuildError, Release, current

    build = Path(cfg["BUILD_DIR"])
    if version is not None:
        path = build / RELEASES / version
        manifest = _manifest_of(path)
        return Release(path=path.resolve(), manifest=manifest) if (path / MANIFEST).is_file() and manifest else None
    try:
        if cfg["STORE_URL"] and not (build / "current").exists():
            rel = _remote_release(cfg)
            if rel is None:
                raise click.ClickException("the store does not answer: give the release with --release VERSION")
            return rel
        return current(build)
    except NoBuildError as e:
        raise click.ClickException(f"{e} (or give the release with --release VERSION)") from None


from sistercities.wikidata.cli import group as _wikidata_group  # noqa: E402

main.add_command(_wikidata_group)


if __name__ == "__main__":  # pragma: no cover
    main()
