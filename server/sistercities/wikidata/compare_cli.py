"""``sistercities wikidata compare`` and ``export-quickstatements``: thin over :mod:`.compare`,
:mod:`.compare_format` and :mod:`.quickstatements`, reading the built store (no network)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import click

from sistercities.release import NoBuildError, Release, current
from sistercities.store import Store, StoreError, open_store
from sistercities.wikidata import compare_format
from sistercities.wikidata.cli import group, settings
from sistercities.wikidata.compare import Comparison, NoWikidataGraph, compare
from sistercities.wikidata.files import write_atomic
from sistercities.wikidata.quickstatements import quickstatements, to_text

_build_dir = click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                          help="Build folder (BUILD_DIR); its current release is read.")


def _open(ctx: click.Context, build_dir: Path | None) -> tuple[dict[str, Any], Release, Store, Comparison]:
    cfg = settings(ctx, BUILD_DIR=str(build_dir) if build_dir else None)
    try:
        release = current(cfg["BUILD_DIR"])
        store = open_store(cfg, release.store_dir)
        base = str(release.manifest.get("base_iri") or cfg["BASE_IRI"])
        return cfg, release, store, compare(store, base)
    except NoWikidataGraph as e:
        raise click.ClickException(str(e)) from None
    except (NoBuildError, StoreError) as e:
        raise click.ClickException(str(e)) from None
    except OSError as e:  # the store folder vanished or became unreadable under us
        raise click.ClickException(f"cannot read the build: {e}") from None


@group.command("compare", short_help="Our twinnings side by side with Wikidata's (from the build, no network).")
@_build_dir
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="A table for the terminal, or CSV / JSON (stable keys) for programs.")
@click.pass_context
def compare_cmd(ctx: click.Context, build_dir: Path | None, fmt: str) -> None:
    """Our sourced twinnings side by side with Wikidata's P190 statements (from the build; no network).

    \b
    Kinds of row: ours-only (Wikidata lacks it, or a partner has no Wikidata link),
    wikidata-only (our sources lack it), start-date (agrees / agrees at year or month
    precision only / disagrees / wikidata lacks a start date / we lack a start date),
    one-directional (stated on one item only), ended. Each row cites our source paragraphs
    and the Wikidata statements. Needs a build that includes data/wikidata.ttl
    (sistercities wikidata import, then sistercities build).
    """
    _, _, _, comparison = _open(ctx, build_dir)
    if fmt == "json":
        click.echo(compare_format.to_json(comparison), nl=False)
    elif fmt == "csv":
        click.echo(compare_format.to_csv(comparison), nl=False)
    else:
        width = shutil.get_terminal_size((120, 24)).columns
        click.echo(compare_format.to_table(comparison, width=max(width, 60)), nl=False)


@group.command("export-quickstatements", short_help="QuickStatements v1 for what Wikidata lacks (nothing is sent).")
@_build_dir
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the commands to FILE (default: standard output).")
@click.pass_context
def export_quickstatements(ctx: click.Context, build_dir: Path | None, out: Path | None) -> None:
    """QuickStatements (v1) for twinnings Wikidata lacks or lacks a start date for.

    \b
    P190 in both directions, P580 at our precision (+1965-00-00T00:00:00Z/9, /10, /11),
    each with a reference to our source document: S854 its URL, S1476 its title,
    S577 its publication date (if it states one), S813 the build date. Disagreeing
    dates are reported by `compare`, never overwritten. Nothing is sent to Wikidata:
    review the file, then paste it into QuickStatements yourself.
    """
    _, release, store, comparison = _open(ctx, build_dir)
    base = str(release.manifest.get("base_iri") or settings(ctx)["BASE_IRI"])
    text = to_text(quickstatements(store, base, comparison, release.build_time))
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(out, text)
    except OSError as e:
        raise click.ClickException(f"{out}: cannot write ({e.strerror or e}) (nothing was written)") from None
    n = text.count("\n")
    click.echo(f"{out}: {n} command{'' if n == 1 else 's'}", err=True)
