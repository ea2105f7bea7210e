"""A private OpenLink Virtuoso for the tests (Debian's ``virtuoso-opensource``, installed by
``scripts/install-virtuoso``): its own database folder and ``virtuoso.ini`` (free loopback
ports for isql and HTTP, small buffers), started in the foreground, stopped by PID
(:func:`bench.virtuoso.start_virtuoso`, shared with the benchmark).

Loading: by the real publisher (:func:`backends.publish_build`, as ``sistercities build
--store-update`` does) through its SPARQL 1.1 Graph Store Protocol endpoint
``/sparql-graph-crud`` (Skolemised N-Triples, ``POST`` in chunks under release graph names,
then the switch by SPARQL Update), after granting ``SPARQL_UPDATE`` to the anonymous
``SPARQL`` user through isql.  Chosen over the bulk loader (``ld_dir`` needs
the files in ``DirsAllowed`` and a checkpoint) and over ``/sparql-graph-crud-auth`` (HTTP
Digest only, which our client does not speak): one request per chunk, each its own
transaction, and a 4xx/5xx fails the fixture at once (the publisher's error).  The grant is safe here (loopback,
a throw-away database); never on a public Virtuoso.

Virtuoso has no default graph of its own (it is the union of every graph, its system
graphs included), so the publisher loads the build's deduplicated default graph as the named graph
``<BASE>release/current/default`` and the manifest in ``<BASE>graph/release`` names the
served dataset under ``"store"``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sistercities.release import current
from sistercities.store import RemoteStore
from sistercities.store.virtuoso import VirtuosoDialect

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.virtuoso import BINARY, ISQL, allow_update, isql, start_virtuoso  # noqa: E402

__all__ = ["BINARY", "ISQL", "allow_update", "available", "backend_factory", "default_graph", "isql",
           "start_virtuoso"]

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


def backend_factory(build_dir: Path, workdir: Path) -> tuple[object, Callable[[], None]]:
    """``virtuoso`` for tests/backends.py: a private Virtuoso loaded with the build, reached
    through our RemoteStore with ``STORE_DIALECT=virtuoso``; skips when Virtuoso cannot run."""
    import pytest

    from backends import Backend, publish_build
    from conftest import BASE, stop_server

    why = available()
    if why:
        pytest.skip(why)
    proc, root = start_virtuoso(workdir / "virtuoso")
    try:
        allow_update(proc)
        store = RemoteStore(root + "/sparql", update_url=root + "/sparql", gsp_url=root + "/sparql-graph-crud",
                            base=BASE, creds={}, dialect=VirtuosoDialect())
        publish_build(store, build_dir, BASE, own_default_graph=False)  # its default graph is every graph
        store.close()
    except BaseException:
        stop_server(proc)
        raise
    empty = workdir / "no-build"
    empty.mkdir()
    cfg = {"BUILD_DIR": str(empty), "STORE_URL": root + "/sparql", "STORE_DIALECT": "virtuoso",
           "DUMPS_DIR": str(current(build_dir).dumps_dir)}
    return Backend("virtuoso", empty, cfg), lambda: stop_server(proc)
