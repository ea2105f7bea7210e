"""The store interface the web tier and the build talk to, and its backends.

* :mod:`~sistercities.store.base` — :class:`Store` (the interface), :class:`StoreError`.
* :mod:`~sistercities.store.embedded` — :class:`EmbeddedStore`, the pyoxigraph store of a
  build (the default, the fastest path on one machine), and :func:`check_store`.
* :mod:`~sistercities.store.remote` — :class:`RemoteStore`, any SPARQL 1.1 server over HTTP, with
  :mod:`~sistercities.store.credentials` (from the environment; URLs fit for messages),
  :mod:`~sistercities.store.skolem` (blank nodes as Skolem IRIs) and
  :mod:`~sistercities.store.dialect` (where a server departs from the standard).
* :mod:`~sistercities.store.manifest` — :func:`read_release`, the release manifest a
  publisher stored in a remote store.

:func:`open_store` picks one from the settings.  Never imports Flask.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sistercities.store import virtuoso as _virtuoso  # noqa: F401 - registers the virtuoso and auto dialects
from sistercities.store.base import GraphData, Row, Store, StoreError, StoreUnavailable, Term, iri_ok
from sistercities.store.embedded import EmbeddedStore, check_store
from sistercities.store.manifest import read_release
from sistercities.store.remote import DIALECTS, Dialect, RemoteStore, credentials, safe_url, skolemise

__all__ = [
    "DIALECTS", "Dialect", "EmbeddedStore", "GraphData", "RemoteStore", "Row", "Store", "StoreError", "StoreUnavailable", "Term",
    "check_store", "credentials", "iri_ok", "open_store", "read_release", "remote_from_settings", "safe_url", "skolemise",
]


def remote_from_settings(settings: dict[str, Any]) -> RemoteStore:
    """The remote store the settings name (``STORE_URL`` and, for writing,
    ``STORE_UPDATE_URL`` / ``STORE_GSP_URL``), credentials from the environment."""
    return RemoteStore(
        settings["STORE_URL"], timeout=float(settings["QUERY_TIMEOUT"]),
        update_url=str(settings.get("STORE_UPDATE_URL") or ""), gsp_url=str(settings.get("STORE_GSP_URL") or ""),
        base=str(settings.get("BASE_IRI") or ""), dialect=_dialect(str(settings.get("STORE_DIALECT") or "auto")),
    )


def _dialect(name: str) -> Dialect:
    cls = DIALECTS.get(name.lower())
    if cls is None:
        raise StoreError(f"STORE_DIALECT must be one of {', '.join(sorted(DIALECTS))}, got {name!r}")
    return cls()


def open_store(settings: dict[str, Any], store_dir: Path | None) -> Store:
    """The store the settings ask for."""
    if settings.get("STORE_URL"):
        return remote_from_settings(settings)
    return EmbeddedStore(store_dir)
