"""The store backends the server-level tests run on, one factory each.

A test module opts in with ``pytestmark = pytest.mark.backends``: its tests that use
``app``/``client``/``live_server`` (through the ``backend`` fixture) then run once per
entry of :data:`BACKENDS`; every other test runs on the embedded store only.

* ``embedded`` — the build's own pyoxigraph store (``BUILD_DIR`` = the session's build).
* ``oxigraph`` — a fresh read-write ``oxigraph serve`` on loopback, loaded by the real
  publisher (:func:`publish_build`: staged release graphs, the switch, blank nodes as Skolem
  IRIs, the manifest in ``<BASE>graph/release``), reached through our
  :class:`~sistercities.store.RemoteStore`; ``BUILD_DIR`` is an empty folder, so the web
  tier finds version and statistics in the store.

To add a backend: append its name to :data:`BACKENDS` and register a factory
``(build_dir, workdir) -> (Backend, stop)`` in :data:`FACTORIES`.

* ``virtuoso`` — a private OpenLink Virtuoso (tests/virtuoso.py), loaded by the same
  publisher through its Graph Store Protocol, reached through our RemoteStore with ``STORE_DIALECT=virtuoso``; skipped
  with the reason when Virtuoso is not installed and this is not root.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from sistercities.publish import publish_from_settings
from sistercities.release import current
from sistercities.store import RemoteStore

BACKENDS = ["embedded", "oxigraph", "virtuoso"]


@dataclass
class Backend:
    """How the app reaches the data: settings overrides for ``create_app`` and the
    environment for a ``sistercities serve`` subprocess."""

    name: str
    build_dir: Path  # what BUILD_DIR is for the web tier (empty for a remote store)
    config: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {"SISTERCITIES_" + k: v for k, v in self.config.items() if k != "BUILD_DIR"}

    @property
    def remote(self) -> bool:
        return "STORE_URL" in self.config


Factory = Callable[[Path, Path], tuple[Backend, Callable[[], None]]]


def embedded(build_dir: Path, workdir: Path) -> tuple[Backend, Callable[[], None]]:
    return Backend("embedded", build_dir, {"BUILD_DIR": str(build_dir)}), lambda: None


def publish_build(store: RemoteStore, build_dir: Path, base: str, *, own_default_graph: bool = True) -> None:
    """Publish the build into ``store`` with the real publisher (:mod:`sistercities.publish`,
    as ``sistercities build --store-update`` does: staged release graphs, the switch, the
    manifest in the pointer graph), then add what readers must not see: a staged graph of an
    older release (as a publish interrupted mid-load leaves) and a triple in the store's own
    default graph (not ours either; ``own_default_graph=False`` for a store that has none, Virtuoso)."""
    settings = {"STORE_URL": store.endpoint, "STORE_UPDATE_URL": store.update_url, "STORE_GSP_URL": store.gsp_url}
    publish_from_settings(settings, current(build_dir).path, log=lambda _message: None)
    stale = f"<{base}id/city/khabarovsk> <http://www.w3.org/2000/01/rdf-schema#label> \"STALE\"@en .\n"
    store.load_graph(base + "release/0000-stale/graph/reference", stale, ox.RdfFormat.N_TRIPLES)
    if own_default_graph:
        store.load_graph(None, stale, ox.RdfFormat.N_TRIPLES)


def start_oxigraph_rw(location: Path, log: Path | None = None, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """``oxigraph serve`` (read-write) on loopback; (process, root URL) once it answers (conftest's)."""
    from conftest import start_oxigraph_rw as start

    return start(location, log, port)


def oxigraph(build_dir: Path, workdir: Path) -> tuple[Backend, Callable[[], None]]:
    from conftest import BASE, stop_server

    proc, root = start_oxigraph_rw(workdir / "oxigraph-store", workdir / "oxigraph.log")
    store = RemoteStore(root + "/query", update_url=root + "/update", gsp_url=root + "/store", base=BASE, creds={})
    publish_build(store, build_dir, BASE)
    store.close()
    empty = workdir / "no-build"
    empty.mkdir()
    cfg = {"BUILD_DIR": str(empty), "STORE_URL": root + "/query", "DUMPS_DIR": str(current(build_dir).dumps_dir)}
    return Backend("oxigraph", empty, cfg), lambda: stop_server(proc)


def virtuoso(build_dir: Path, workdir: Path) -> tuple[Backend, Callable[[], None]]:
    from virtuoso import backend_factory  # tests/virtuoso.py: skips when Virtuoso cannot run here

    return backend_factory(build_dir, workdir)  # type: ignore[return-value]


FACTORIES: dict[str, Factory] = {"embedded": embedded, "oxigraph": oxigraph, "virtuoso": virtuoso}
