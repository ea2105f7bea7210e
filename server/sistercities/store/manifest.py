"""The release manifest a publisher stored in a remote store (the reading side).

So that web servers on other machines need only the settings, not a copy of the
build folder, the publisher (:mod:`sistercities.publish`) keeps the manifest of the
release being served in the pointer graph ``<BASE>graph/release``::

    GRAPH <BASE>graph/release {
      <BASE>release/current> <BASE>ontology/manifest "…the manifest.json text…" .
    }

:func:`read_release` reads it back.  Its ``history`` lists the releases the store served
before, oldest first (:func:`served_history`).  Never imports Flask.
"""

from __future__ import annotations

import json
from typing import Any

from sistercities.store.base import Store, StoreError

REQUIRED = ("version", "build_time", "triples")


def release_graph(base: str) -> str:
    return base + "graph/release"


def manifest_query(base: str) -> str:
    return (f"SELECT ?m WHERE {{ GRAPH <{release_graph(base)}> "
            f"{{ <{base}release/current> <{base}ontology/manifest> ?m }} }} LIMIT 2")


def read_release(store: Store, base: str) -> dict[str, Any] | None:
    """The manifest of the release ``store`` serves, or None if no release was published
    into it.  :class:`StoreError` if the store cannot be asked (unreachable...) or the
    stored manifest is not one (one line saying what is wrong)."""
    return parse_manifest(store.select(manifest_query(base), default_graphs=(), named_graphs=[release_graph(base)]),
                          base)


def parse_manifest(rows: list[dict[str, Any]], base: str) -> dict[str, Any] | None:
    """The manifest in the rows of :func:`manifest_query` (see :func:`read_release`)."""
    if not rows:
        return None
    if len(rows) > 1:
        raise StoreError(f"<{release_graph(base)}> holds two manifests: the last publish did not finish its switch")
    try:
        manifest = json.loads(rows[0]["m"].value)
    except ValueError as e:
        raise StoreError(f"<{release_graph(base)}>: the stored manifest is not JSON ({e})") from None
    if not isinstance(manifest, dict) or not all(k in manifest for k in REQUIRED):
        raise StoreError(f"<{release_graph(base)}>: the stored manifest is not a release manifest "
                         f"(needs {', '.join(REQUIRED)})")
    return manifest


HISTORY_FIELDS = ("version", "build_time", "modified", "triples")


def served_history(served: dict[str, Any] | None, version: str) -> list[dict[str, Any]]:
    """The releases a store served before ``version``, oldest first: those the served manifest
    recorded and the served release itself (``version`` left out: a repeated publish of the
    served release does not list it twice)."""
    if served is None:
        return []
    entries = [e for e in served.get("history") or [] if isinstance(e, dict)] + [served]
    out: dict[str, dict[str, Any]] = {}
    for e in entries:
        v = e.get("version")
        if isinstance(v, str) and v != version:
            out.setdefault(v, {k: e[k] for k in HISTORY_FIELDS if k in e})
    return list(out.values())
