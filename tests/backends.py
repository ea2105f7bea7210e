"""The store backends the server-level tests run on, one factory each.

A test module opts in with ``pytestmark = pytest.mark.backends``: its tests that use
``app``/``client``/``live_server`` (through the ``backend`` fixture) then run once per
entry of :data:`BACKENDS`; every other test runs on the embedded store only.

* ``embedded`` — the build's own pyoxigraph store (``BUILD_DIR`` = the session's build).
* ``oxigraph`` — a fresh read-write ``oxigraph serve`` on loopback, loaded from the build's
  dumps the way a publisher does (N-Quads → named graphs, N-Triples → default graph, blank
  nodes as Skolem IRIs, the manifest in ``<BASE>graph/release``), reached through our
  :class:`~sistercities.store.RemoteStore`; ``BUILD_DIR`` is an empty folder, so the web
  tier finds version and statistics in the store.

To add a backend: append its name to :data:`BACKENDS` and register a factory
``(build_dir, workdir) -> (Backend, stop)`` in :data:`FACTORIES`.

* ``virtuoso`` — a private OpenLink Virtuoso (tests/virtuoso.py), loaded through its Graph
  Store Protocol, reached through our RemoteStore with ``STORE_DIALECT=virtuoso``; skipped
  with the reason when Virtuoso is not installed and this is not root.
"""

from __future__ import annotations

import gzip
import json
import subprocess
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from sistercities.release import current
from sistercities.store import RemoteStore
from sistercities.store.manifest import release_graph

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


def publish_dumps(store: RemoteStore, build_dir: Path, base: str) -> None:
    """Load a build's dumps into ``store`` as the publisher does (graph by graph, the default
    graph as the named graph ``<BASE>release/current/default``), its manifest into the pointer
    graph with the served dataset under ``"store"``, and a stale staged graph that readers must
    not see (as a publish interrupted mid-load leaves)."""
    rel = current(build_dir)
    dumps = rel.dumps_dir
    nq = next(dumps.glob("*.nq.gz"))
    nt = next(dumps.glob("*.nt.gz"))
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for q in ox.parse(gzip.decompress(nq.read_bytes()), ox.RdfFormat.N_QUADS):
        by_graph[q.graph_name.value].append(q.triple)  # type: ignore[union-attr]
    for g, triples in by_graph.items():
        store.load_graph(g, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", ox.RdfFormat.N_TRIPLES)
    default = base + "release/current/default"
    store.load_graph(default, gzip.decompress(nt.read_bytes()), ox.RdfFormat.N_TRIPLES)
    stale = f"<{base}id/city/khabarovsk> <http://www.w3.org/2000/01/rdf-schema#label> \"STALE\"@en .\n"
    store.load_graph(base + "release/0000-stale/graph/reference", stale, ox.RdfFormat.N_TRIPLES)
    store.load_graph(None, stale, ox.RdfFormat.N_TRIPLES)  # the store's own default graph is not ours either
    manifest = {**rel.manifest, "store": {"default_graph": default, "named_graphs": sorted(by_graph),
                                          "pointer": release_graph(base)}}
    text = json.dumps(manifest)
    store.update(f"INSERT DATA {{ GRAPH <{release_graph(base)}> {{ <{base}release/current> "
                 f"<{base}ontology/manifest> {ox.Literal(text)} }} }}")


def start_oxigraph_rw(location: Path, log: Path | None = None, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """``oxigraph serve`` (read-write) on loopback; (process, root URL) once it answers (conftest's)."""
    from conftest import start_oxigraph_rw as start

    return start(location, log, port)


def oxigraph(build_dir: Path, workdir: Path) -> tuple[Backend, Callable[[], None]]:
    from conftest import BASE, stop_server

    proc, root = start_oxigraph_rw(workdir / "oxigraph-store", workdir / "oxigraph.log")
    store = RemoteStore(root + "/query", update_url=root + "/update", gsp_url=root + "/store", base=BASE, creds={})
    publish_dumps(store, build_dir, BASE)
    store.close()
    empty = workdir / "no-build"
    empty.mkdir()
    cfg = {"BUILD_DIR": str(empty), "STORE_URL": root + "/query", "DUMPS_DIR": str(current(build_dir).dumps_dir)}
    return Backend("oxigraph", empty, cfg), lambda: stop_server(proc)


def virtuoso(build_dir: Path, workdir: Path) -> tuple[Backend, Callable[[], None]]:
    from virtuoso import backend_factory  # tests/virtuoso.py: skips when Virtuoso cannot run here

    return backend_factory(build_dir, workdir)  # type: ignore[return-value]


FACTORIES: dict[str, Factory] = {"embedded": embedded, "oxigraph": oxigraph, "virtuoso": virtuoso}
