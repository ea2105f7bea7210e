"""``sistercities wikidata import [--all]``: thin over :mod:`sistercities.wikidata.importer`."""

from __future__ import annotations

from pathlib import Path

import click

from sistercities.wikidata.cli import client, fail, group, settings
from sistercities.wikidata.client import WikidataError
from sistercities.wikidata.importer import DEFAULT_BATCH, DEFAULT_PAGE_SIZE, ImportProblem, run_import


@group.command("import")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="The project folder (with data/).")
@click.option("--refresh", is_flag=True, help="Ask the endpoint again instead of using cached answers.")
@click.option("--all", "all_statements", is_flag=True,
              help="Import every P190 statement in Wikidata (tens of thousands), in pages; a rerun resumes.")
@click.option("--page-size", type=click.IntRange(1), default=DEFAULT_PAGE_SIZE, show_default=True,
              help="Statements per page with --all.")
@click.option("--batch-size", type=click.IntRange(1), default=DEFAULT_BATCH, show_default=True,
              help="Items or statements per VALUES block of the detail queries.")
@click.pass_context
def import_(ctx: click.Context, project: Path, refresh: bool, all_statements: bool, page_size: int,
            batch_size: int) -> None:
    """Import Wikidata's twinnings (P190) into data/wikidata.ttl (graph graph/wikidata).

    \b
    Without --all: the P190 statements of our linked cities (owl:sameAs wd:Q…), on their
    items and on other items that name them, with start/end time at Wikidata's precision,
    end cause, references, and the partners' labels, country and coordinates.
    The file is written only when everything was fetched; progress goes to stderr.
    """
    cfg = settings(ctx)
    c = client(cfg, refresh=refresh)

    def progress(msg: str) -> None:
        click.echo(msg, err=True)

    try:
        s = run_import(project, cfg["BASE_IRI"], c, all_statements=all_statements, page_size=page_size,
                       batch=batch_size, progress=progress)
    except WikidataError as e:
        raise fail(e) from None
    except ImportProblem as e:
        raise click.ClickException(f"{e} (nothing was written)") from None
    click.echo(f"Wrote {s.path}: {s.statements} Wikidata twinnings, {s.places} places of graph/wikidata, "
               f"{s.references} references, {s.triples} triples ({s.requests} requests, {s.cache_hits} cached).")
