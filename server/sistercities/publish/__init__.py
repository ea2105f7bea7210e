"""Publishing a release into a remote SPARQL 1.1 store (issue 12).

* :mod:`~sistercities.publish.gsp` — SPARQL 1.1 Graph Store Protocol client.
* :mod:`~sistercities.publish.update` — SPARQL 1.1 Update client.
* :mod:`~sistercities.publish.names` — its graph names, and :func:`read_release`.
* :mod:`~sistercities.publish.lock` — one publisher at a time (a ticket in the pointer graph).
* :mod:`~sistercities.publish.release` — the protocol: stage under release-specific
  graph names, verify counts, switch in one Update request, clean up (read its docstring).

:func:`publish_from_settings` is what ``sistercities build --store-update …`` calls.
Never imports Flask or click.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sistercities.publish.release import Log, Names, Publisher, PublishError, Result, read_release
from sistercities.release import MANIFEST, Release
from sistercities.store.base import StoreError

__all__ = ["Names", "PublishError", "Publisher", "Result", "publish_from_settings", "read_release"]

#: seconds one publishing request may take (the switch copies the whole release)
PUBLISH_TIMEOUT = 900.0


def publish_from_settings(settings: dict[str, Any], release_path: Path, *, keep: int = 3,
                          chunk_bytes: int | None = None, log: Log | None = None, break_lock: bool = False) -> Result:
    """Publish the release at ``release_path`` into the store of ``STORE_URL`` /
    ``STORE_UPDATE_URL`` / ``STORE_GSP_URL`` (credentials from the environment)."""
    from sistercities.store.remote import RemoteStore

    query_url, update_url = str(settings.get("STORE_URL") or ""), str(settings.get("STORE_UPDATE_URL") or "")
    if not query_url or not update_url:
        raise PublishError("publishing needs both a query and an update endpoint: "
                           "--store-query/STORE_URL and --store-update/STORE_UPDATE_URL")
    gsp_url = str(settings.get("STORE_GSP_URL") or "")
    try:
        manifest = json.loads((Path(release_path) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PublishError(f"{Path(release_path) / MANIFEST}: cannot read the manifest ({e})") from None
    rel = Release(path=Path(release_path).resolve(), manifest=manifest)
    try:
        http = RemoteStore(query_url, timeout=PUBLISH_TIMEOUT, update_url=update_url, gsp_url=gsp_url)
    except StoreError as e:
        raise PublishError(str(e)) from None
    kw: dict[str, Any] = {"log": log} if log else {}
    if chunk_bytes:
        kw["chunk_bytes"] = chunk_bytes
    try:
        return Publisher(http, update_url=update_url, gsp_url=gsp_url, **kw).publish(rel, keep=keep, break_lock=break_lock)
    except StoreError as e:
        raise PublishError(f"publish failed before anything was loaded, the store is unchanged: {e}") from None
    finally:
        http.close()
