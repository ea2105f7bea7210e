"""A private OpenLink Virtuoso for the tests (Debian's ``virtuoso-opensource``, installed by
``scripts/install-virtuoso``): its own database folder and ``virtuoso.ini`` (free loopback
ports for isql and HTTP, small buffers), started in the foreground, stopped by PID
(:func:`bench.virtuoso.start_virtuoso`, shared with the benchmark).

Loading (:func:`load_build`): through its SPARQL 1.1 Graph Store Protocol endpoint
``/sparql-graph-crud`` with our :class:`~sistercities.store.RemoteStore` (one ``PUT`` of
Skolemised N-Triples per graph, as a publisher does), after granting ``SPARQL_UPDATE`` to
the anonymous ``SPARQL`` user through isql.  Chosen over the bulk loader (``ld_dir`` needs
the files in ``DirsAllowed`` and a checkpoint) and over ``/sparql-graph-crud-auth`` (HTTP
Digest only, which our client does not speak): one request per graph, each its own
transaction, and a 4xx/5xx fails the fixture at once.  The grant is safe here (loopback,
a throw-away database); never on a public Virtuoso.

Virtuoso has no default graph of its own (it is the union of every graph, its system
graphs included), so the build's deduplicated default graph is loaded as the named graph
``<BASE>release/current/default`` and the manifest in ``<BASE>graph/release`` names the
served dataset under ``"store"`` the way the publisher writes it.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from sistercities.release import current
from sistercities.store import RemoteStore
from sistercities.store.manifest import release_graph
from sistercities.store.virtuoso import VirtuosoDialect

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.virtuoso import BINARY, ISQL, allow_update, isql, start_virtuoso  # noqa: E402

__all__ = ["BINARY", "ISQL", "allow_update", "available", "backend_factory", "default_graph", "isql",
           "load_build", "start_virtuoso"]

INSTALL = ROOT / "scripts" / "install-virtuoso"


def available() -> str:
    """'' if Virtuoso can run here (installing it first when we may), else why not."""
    if shutil.which(BINARY) is None and INSTALL.exists():
        subprocess.run([str(INSTALL)], capture_output=True, text=True, timeout=900, check=False)
    if shutil.which(BINARY) is None:
        return (f"OpenLink Virtuoso ({BINARY}) is not installed and cannot be installed here "
                f"(scripts/install-virtuoso needs root: apt-get install virtuoso-opensource)")
    return ""


def default_graph(base: str) -> str:
    return base + "release/current/default"


def load_build(store: RemoteStore, build_dir: Path, base: str) -> None:
    """The build's dumps into Virtuoso: each named graph, the deduplicated default graph as
    ``<BASE>release/current/default``, and the manifest (with its ``store`` dataset)."""
    rel = current(build_dir)
    nq = next(rel.dumps_dir.glob("*.nq.gz"))
    nt = next(rel.dumps_dir.glob("*.nt.gz"))
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for q in ox.parse(gzip.decompress(nq.read_bytes()), ox.RdfFormat.N_QUADS):
        by_graph[q.graph_name.value].append(q.triple)  # type: ignore[union-attr]
    for g, triples in by_graph.items():
        store.load_graph(g, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", ox.RdfFormat.N_TRIPLES)
    store.load_graph(default_graph(base), gzip.decompress(nt.read_bytes()), ox.RdfFormat.N_TRIPLES)
    manifest = dict(rel.manifest)
    manifest["store"] = {"default_graph": default_graph(base), "named_graphs": sorted(by_graph),
                         "pointer": release_graph(base)}
    store.update(f"INSERT DATA {{ GRAPH <{release_graph(base)}> {{ <{base}release/current> "
                 f"<{base}ontology/manifest> {ox.Literal(json.dumps(manifest))} }} }}")


def backend_factory(build_dir: Path, workdir: Path) -> tuple[object, Callable[[], None]]:
    """``virtuoso`` for tests/backends.py: a private Virtuoso loaded with the build, reached
    through our RemoteStore with ``STORE_DIALECT=virtuoso``; skips when Virtuoso cannot run."""
    import pytest

    from backends import Backend
    from conftest import BASE, stop_server

    why = available()
    if why:
        pytest.skip(why)
    proc, root = start_virtuoso(workdir / "virtuoso")
    try:
        allow_update(proc)
        store = RemoteStore(root + "/sparql", update_url=root + "/sparql", gsp_url=root + "/sparql-graph-crud",
                            base=BASE, creds={}, dialect=VirtuosoDialect())
        load_build(store, build_dir, BASE)
        store.close()
    except BaseException:
        stop_server(proc)
        raise
    empty = workdir / "no-build"
    empty.mkdir()
    cfg = {"BUILD_DIR": str(empty), "STORE_URL": root + "/sparql", "STORE_DIALECT": "virtuoso",
           "DUMPS_DIR": str(current(build_dir).dumps_dir)}
    return Backend("virtuoso", empty, cfg), lambda: stop_server(proc)
