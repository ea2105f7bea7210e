"""Where a build lives on disk, and its manifest.

Layout of ``BUILD_DIR``::

    BUILD_DIR/
      current -> releases/<version>      (symlink, swapped only when a build is complete)
      releases/<version>/
        store/                           pyoxigraph store (opened read-only by the server)
        dumps/sistercities-<version>.*   the dumps (Turtle, N-Triples gzip, N-Quads gzip, TriG, JSON-LD)
        manifest.json                    see :class:`Release` and the README

Never imports Flask.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
CURRENT = "current"
RELEASES = "releases"
#: Response header naming the release an answer comes from (every response of the app; a cache
#: in front stores only answers of the release it is configured for: sistercities.deploy.nginx).
RELEASE_HEADER = "X-Sistercities-Release"


class NoBuildError(FileNotFoundError):
    """BUILD_DIR has no complete build."""


@dataclass(frozen=True)
class Release:
    """A complete build, read from its manifest."""

    path: Path
    manifest: dict[str, Any] = field(repr=False)
    dumps: Path | None = None  # where the dump files are, when not in ``path/dumps`` (DUMPS_DIR)

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def store_dir(self) -> Path:
        return self.path / "store"

    @property
    def dumps_dir(self) -> Path:
        return self.dumps if self.dumps is not None else self.path / "dumps"

    @property
    def build_time(self) -> str:
        return str(self.manifest["build_time"])

    @property
    def modified(self) -> str:
        return str(self.manifest.get("modified", self.manifest["build_time"]))

    @property
    def triples(self) -> int:
        return int(self.manifest["triples"])

    @functools.cached_property
    def ranked_predicates(self) -> frozenset[str] | None:
        """The predicates whose objects an ORDER BY must rank by kind (:mod:`sistercities.sparql.ordersafe`):
        those with a literal object (``stats.literal_predicates``) that may not sort by its form
        (less ``stats.form_ordered_predicates``, :func:`sistercities.stats.literal_kinds`); None for a
        release built before the build recorded literal predicates (every object is then ranked)."""
        stats = self.manifest.get("stats") or {}
        found, ordered = stats.get("literal_predicates"), stats.get("form_ordered_predicates")
        if not isinstance(found, list):
            return None
        return frozenset(found) - frozenset(ordered if isinstance(ordered, list) else ())


def current(build_dir: str | Path) -> Release:
    """The release ``BUILD_DIR/current`` points at (resolved once: a later swap
    does not move a running server under its feet)."""
    link = Path(build_dir) / CURRENT
    if not link.exists():
        raise NoBuildError(f"no build in {Path(build_dir).resolve()}: run `sistercities build` first")
    path = link.resolve()
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except PermissionError as e:
        raise NoBuildError(f"{path / MANIFEST}: unreadable manifest ({e.strerror})") from None
    except FileNotFoundError:
        raise NoBuildError(f"{path / MANIFEST}: missing manifest: run `sistercities build` again") from None
    except (OSError, ValueError) as e:
        raise NoBuildError(f"{path / MANIFEST}: corrupt manifest ({e})") from None
    if not isinstance(manifest, dict) or not all(k in manifest for k in ("version", "build_time", "triples")):
        raise NoBuildError(f"{path / MANIFEST}: corrupt manifest (not a release manifest: "
                           "needs version, build_time and triples)")
    return Release(path=path, manifest=manifest)


def from_store(store: Any, settings: dict[str, Any]) -> Release:
    """The release a remote store serves: ``BUILD_DIR/current`` when this machine has a build,
    else the manifest the publisher stored in the store (:func:`sistercities.store.read_release`),
    so that a web server needs only the settings.  :class:`NoBuildError` if there is neither;
    :class:`~sistercities.store.StoreError` if the store cannot be asked."""
    build_dir = Path(settings["BUILD_DIR"])
    if (build_dir / CURRENT).exists():
        return current(build_dir)
    from sistercities.store import read_release, safe_url

    manifest = read_release(store, str(settings["BASE_IRI"]))
    if manifest is None:
        raise NoBuildError(f"no build in {build_dir.resolve()} and no release published into the store at "
                           f"{safe_url(str(settings['STORE_URL']))}: run `sistercities build --store-update URL`")
    dumps = Path(settings["DUMPS_DIR"]) if settings.get("DUMPS_DIR") else None
    return Release(path=build_dir.resolve() / RELEASES / str(manifest["version"]), manifest=manifest, dumps=dumps)
