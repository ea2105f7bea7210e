"""``sistercities wikidata reconcile`` and ``sistercities wikidata accept FILE``: thin commands over
:mod:`.reconcile` and :mod:`.accept`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from sistercities.wikidata.accept import AcceptError, accepted_path, new_text, plan, read_review
from sistercities.wikidata.cli import client, fail, group, settings
from sistercities.wikidata.client import WikidataError
from sistercities.wikidata.entities import ProjectError, read_project
from sistercities.wikidata.files import write_atomic
from sistercities.wikidata.reconcile import DEFAULT_LIMIT, reconcile, review_csv, summary

_PROJECT = click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".",
                        show_default=True, help="Folder holding ontology/ and data/.")


@group.command("reconcile")
@_PROJECT
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("wikidata-review.csv"),
              show_default=True, help="The review file to write (CSV).")
@click.option("--refresh", is_flag=True, help="Ask the endpoint again instead of using cached answers.")
@click.option("--limit-per-entity", type=click.IntRange(min=0), default=DEFAULT_LIMIT, show_default=True,
              help="Keep at most N candidates per entity, best first (0 = all).")
@click.pass_context
def reconcile_cmd(ctx: click.Context, project: Path, out: Path, refresh: bool, limit_per_entity: int) -> None:
    """Find Wikidata candidates for cities, countries and organisations without a link.

    \b
    Asks WIKIDATA_SPARQL_URL for items whose label or alternative label is exactly one
    of ours (with its language tag, and as @en and @mul), scores them 0-100 by class
    hierarchy (P31/P279*), country (P17) and distance (P625), and writes a review CSV
    sorted by entity, best candidate first:
      our_iri,our_label,candidate_qid,candidate_label,candidate_description,
      candidate_country,distance_km,score,reasons,accepted
    Mark the right rows `yes` in the accepted column, then run
    `sistercities wikidata accept FILE`. It never writes a link itself.
    """
    cfg = settings(ctx)
    try:
        proj = read_project(project, cfg["BASE_IRI"])
    except ProjectError as e:
        raise click.ClickException(f"{e} (nothing was written)") from None
    wd = client(cfg, refresh=refresh)
    try:
        review = reconcile(proj, wd, limit=limit_per_entity)
    except WikidataError as e:
        raise fail(e) from None
    try:
        write_atomic(out, review_csv(review))
    except OSError as e:
        raise click.ClickException(f"{out}: cannot write the review file: {e.strerror or e}") from None
    click.echo(f"Wrote {out}: {summary(review, wd.endpoint)}.")


def _n(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


@group.command("accept")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_PROJECT
@click.pass_context
def accept_cmd(ctx: click.Context, file: Path, project: Path) -> None:
    """Write the links a curator accepted in a review FILE into data/wikidata-accepted.ttl.

    \b
    Rows whose `accepted` column is yes, y, x, true or 1 (any case) become
    `owl:sameAs wd:Q…` on our IRI, each with a tw:AcceptedLink record: when it was accepted,
    the method, the candidate's score and reasons, and the review file's name. Links already
    in the data are skipped, so running it twice adds nothing. Any problem (bad header, unknown
    IRI, a QID not like Q123, two candidates for one entity, one QID for two entities, a
    contradiction with an existing owl:sameAs) is one line naming the file and line; then
    nothing is written. Run `sistercities validate` and `build` afterwards as usual.
    """
    cfg = settings(ctx)
    try:
        rows = read_review(file)
        proj = read_project(project, cfg["BASE_IRI"])
        todo = plan(proj, rows, str(file))
        if not todo.new:
            click.echo(f"Nothing to add: {_n(len(rows), 'accepted row')} in {file}, "
                       f"{len(todo.already)} already linked in the data.")
            return
        text = new_text(proj, project, todo.new, file.name, dt.datetime.now(dt.UTC))
    except (AcceptError, ProjectError) as e:
        raise click.ClickException(f"{e} (nothing was written)") from None
    target = accepted_path(project)
    try:
        write_atomic(target, text)
    except OSError as e:
        raise click.ClickException(f"{target}: cannot write: {e.strerror or e} (nothing was written)") from None
    for r in todo.new:
        click.echo(f"  <{r.iri}> owl:sameAs wd:{r.qid}  (score {r.score}, {file.name} line {r.line})")
    click.echo(f"Added {_n(len(todo.new), 'link')} to {target} ({len(todo.already)} already linked); "
               "run `sistercities validate` and `sistercities build`.")
