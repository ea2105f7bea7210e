"""``sistercities wikidata …``: thin click commands over the modules of this package.

Each command module registers itself on :data:`group` (see the imports at the end).
A :class:`~.client.WikidataError` becomes a one-line ``Error: …`` and exit code 1.
"""

from __future__ import annotations

from typing import Any

import click

from sistercities import settings as settings_mod
from sistercities.wikidata.client import WikidataClient, WikidataError


def settings(ctx: click.Context, **overrides: Any) -> dict[str, Any]:
    root = ctx.find_root()
    try:
        return settings_mod.load(overrides, config_file=(root.obj or {}).get("config"))
    except settings_mod.ConfigError as e:
        raise click.ClickException(str(e)) from None


def client(cfg: dict[str, Any], *, refresh: bool = False) -> WikidataClient:
    return WikidataClient.from_settings(cfg, use_cache=not refresh)


def fail(e: WikidataError) -> click.ClickException:
    return click.ClickException(f"{e} (nothing was written)")


@click.group("wikidata")
def group() -> None:
    """Link with Wikidata both ways: reconcile, accept, import, compare, export QuickStatements.

    \b
    Only `reconcile` and `import` talk to the endpoint (WIKIDATA_SPARQL_URL), politely:
    User-Agent, at most WIKIDATA_RATE requests/s, Retry-After honoured, answers cached
    in WIKIDATA_CACHE_DIR. Nothing is ever sent to Wikidata.
    """


# the commands register themselves on the group
from sistercities.wikidata import compare_cli, import_cli, reconcile_cli  # noqa: E402,F401
