"""Every setting, declared once: name, default, type and help.

Settings are read, in increasing priority, from the defaults below, a TOML
file (``--config FILE`` or ``SISTERCITIES_CONFIG``), and environment
variables named ``SISTERCITIES_<NAME>``.  The README's settings table and
``sistercities serve --help`` are generated from :data:`SETTINGS`.
This module never imports Flask.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sistercities.uris import DEFAULT_BASE

ENV_PREFIX = "SISTERCITIES_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    type: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting("BASE_IRI", DEFAULT_BASE, "Base of every IRI in the data; request paths are mapped onto it."),
    Setting("BUILD_DIR", "build", "Folder holding the built releases; the server reads `BUILD_DIR/current`."),
    Setting("SOURCES_DIR", "", "Folder of the source texts that quotations are checked against; empty = `../shared/sources`."),
    Setting("HOST", "127.0.0.1", "Address gunicorn binds to."),
    Setting("PORT", 8080, "Port gunicorn binds to.", int),
    Setting("WORKERS", 4, "Number of gunicorn worker processes.", int),
    Setting("ALLOCATOR", "system", "The malloc the workers run with: system (glibc's), jemalloc, mimalloc (installed system libraries, "
            "preloaded with LD_PRELOAD), or a library's path; jemalloc cut the CPU of heavy queries by ~15 %."),
    Setting("THREADS", 1, "Threads per worker: 1 = gunicorn sync workers (a busy worker takes no new connection); >1 = gthread.", int),
    Setting("ACCESS_LOG", "-", "Where gunicorn writes its access log ('-' = stdout, empty = no access log)."),
    Setting("PUBLIC_URL", "", "Public root URL of the service (e.g. https://twinning.example.org); empty = the requesting host."),
    Setting("TRUSTED_PROXIES", 0, "Reverse-proxy hops whose X-Forwarded-For/-Proto/-Host are trusted; 0 = none (ignored).", int),
    Setting("STORE_URL", "", "SPARQL 1.1 query endpoint of a remote store; empty = the embedded pyoxigraph store of the build."),
    Setting("STORE_DIALECT", "auto", "How the remote store departs from the standard: standard, virtuoso, or auto (its Server header)."),
    Setting("STORE_UPDATE_URL", "", "SPARQL 1.1 Update endpoint of the remote store, for publishing (credentials: see Remote store)."),
    Setting("DUMPS_DIR", "", "With STORE_URL and no local build: folder of the published dump files (e.g. a copy or mount); empty = none."),
    Setting("STORE_GSP_URL", "", "SPARQL 1.1 Graph Store Protocol endpoint of the remote store, for publishing; empty = Update."),
    Setting("QUERY_TIMEOUT", 30.0, "Seconds a SPARQL query may run before it is stopped and answered 503.", float),
    Setting("MAX_QUERY_MEMORY", 1024, "MiB a worker may grow by while running a SPARQL query; beyond, it is stopped (503); 0 = off.", int),
    Setting("MAX_RESULT_BYTES", 50_000_000, "Largest serialised SPARQL result; larger is refused, never truncated.", int),
    Setting("MAX_REQUEST_BYTES", 100_000, "Largest request (query text, form body, URL); larger requests get 413.", int),
    Setting("RATE_LIMIT", 0, "Requests per minute per client address (bursts up to that many); beyond, 429 + Retry-After; 0 = off.", int),
    Setting("MAX_CLIENT_QUERIES", 0, "SPARQL queries one client address may run at once; beyond, 429 + Retry-After; 0 = off.", int),
    Setting("PAGE_SIZE", 200, "Incoming links shown in one resource document before paging.", int),
    Setting("CACHE_MAX_AGE", 3600, "Cache-Control max-age, in seconds, of resource documents.", int),
    Setting("SPARQL_MAX_AGE", 3600, "Cache-Control max-age, in seconds, of SPARQL results (each has a strong ETag, new per release).",
            int),
    Setting("SHARED_CACHE", True, "Keep SPARQL results and rendered documents in a cache on disk shared by every worker; "
            "false = each worker queries and renders itself.", bool),
    Setting("SHARED_CACHE_DIR", "", "Folder of the shared cache (one sub-folder per release; other releases' are removed); "
            "empty = `BUILD_DIR/cache`."),
    Setting("SHARED_CACHE_MAX_BYTES", 1 << 30, "Size bound of the shared cache, in bytes (the least recently stored go first).", int),
    Setting("SHARED_CACHE_MAX_ENTRY", 4 << 20, "Largest answer kept in the shared cache, in bytes; larger are answered, not kept.", int),
    Setting("SHARED_CACHE_ADMIT", 2, "Answers of a SPARQL query a worker gives before it writes the result to the shared cache: "
            "2 = when the query comes again, so a query asked once costs no write (under full load the write took 8-20 % "
            "of a light query's throughput); 1 = at the first. A result that cost the engine 50 ms of CPU or more is "
            "written at once.", int),
    Setting("TITLE", "Sister Cities: a knowledge graph of city twinning", "Title of the dataset and the catalogue."),
    Setting("PUBLISHER_NAME", "The sistercities project", "Publisher named in the catalogue (foaf:name)."),
    Setting("PUBLISHER_URL", "https://w3id.org/twinning/", "Publisher's home page."),
    Setting("CONTACT_EMAIL", "data@sistercities.example.org", "Contact e-mail in the catalogue's vCard."),
    Setting("WIKIDATA_SPARQL_URL", "https://query.wikidata.org/sparql", "Endpoint the `sistercities wikidata` commands ask."),
    Setting("WIKIDATA_USER_AGENT", "", "User-Agent sent to it; empty = `sistercities/<version> (…; CONTACT_EMAIL)`."),
    Setting("WIKIDATA_RATE", 2.0, "Requests per second at most to the Wikidata endpoint; 429/503 are retried after `Retry-After`.", float),
    Setting("WIKIDATA_TIMEOUT", 60.0, "Seconds one Wikidata request may take.", float),
    Setting("WIKIDATA_CACHE_DIR", "", "Cached Wikidata answers, by query text, with retrieval time; empty = `BUILD_DIR/wikidata-cache`."),
    Setting("LICENSE", "https://creativecommons.org/licenses/by/4.0/", "Licence of the published data."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


class ConfigError(ValueError):
    """A setting has a value of the wrong type or an unknown name."""


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    try:
        if setting.type is bool and isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "on"}
        return setting.type(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{origin}: {setting.name} must be a {setting.type.__name__}, got {value!r}"
        ) from None


def load(
    overrides: Mapping[str, Any] | None = None,
    *,
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Resolve every setting: defaults < TOML file < environment < overrides."""
    env = os.environ if environ is None else environ
    values = {s.name: s.default for s in SETTINGS}
    config_file = config_file or env.get(ENV_PREFIX + "CONFIG") or None
    if config_file:
        path = Path(config_file)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise ConfigError(f"{path}: cannot read config file: {e.strerror}") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: {e}") from None
        for key, value in data.items():
            setting = _BY_NAME.get(key.upper())
            if setting is None:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            values[setting.name] = _coerce(setting, value, str(path))
    for setting in SETTINGS:
        raw = env.get(ENV_PREFIX + setting.name)
        if raw is not None and raw != "":
            values[setting.name] = _coerce(setting, raw, ENV_PREFIX + setting.name)
    for key, value in (overrides or {}).items():
        setting = _BY_NAME.get(key.upper())
        if setting is None:
            raise ConfigError(f"unknown setting {key!r}")
        if value is not None:
            values[setting.name] = _coerce(setting, value, key)
    if values["SHARED_CACHE_ADMIT"] < 1:
        raise ConfigError(f"SHARED_CACHE_ADMIT must be at least 1 (answers before the shared cache keeps a result), "
                          f"got {values['SHARED_CACHE_ADMIT']}")
    if not str(values["BASE_IRI"]).endswith(("/", "#")):
        raise ConfigError(f"BASE_IRI must end with '/' or '#', got {values['BASE_IRI']!r}")
    return values


def markdown_table() -> str:
    """The settings table for the README."""
    rows = ["| setting (env `SISTERCITIES_…`) | default | meaning |", "| --- | --- | --- |"]
    for s in SETTINGS:
        rows.append(f"| `{s.name}` | `{s.default}` | {s.help} |")
    return "\n".join(rows)
