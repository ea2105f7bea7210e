"""Build a release: load ontology, shapes and data into a new pyoxigraph
store, write dumps and the manifest, then swap ``BUILD_DIR/current``.

MINIMAL FIRST VERSION (lead): validation, dumps in every format, stats,
no-op rebuilds and progress are added by the build owner.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from sistercities.release import CURRENT, MANIFEST, RELEASES


@dataclass(frozen=True)
class Input:
    path: Path
    graph: str  # IRI of the named graph the file is loaded into


def inputs(project: Path, base: str) -> list[Input]:
    """Every input file with its graph: ontology/*.ttl -> {base}ontology,
    shapes/*.ttl -> {base}shapes, data/<slug>.ttl -> {base}graph/<slug>."""
    found: list[Input] = []
    for folder, graph in (("ontology", base + "ontology"), ("shapes", base + "shapes")):
        for p in sorted((project / folder).glob("*.ttl")):
            found.append(Input(p, graph))
    for p in sorted((project / "data").glob("*.ttl")):
        found.append(Input(p, base + "graph/" + p.stem))
    return found


def build(project: Path, build_dir: Path, base: str) -> Path:
    files = inputs(project, base)
    h = hashlib.sha256(base.encode())
    for f in files:
        h.update(str(f.path.relative_to(project)).encode() + b"\0" + f.path.read_bytes())
    digest = h.hexdigest()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    version = f"{now:%Y.%m.%d}-{digest[:8]}"
    rel = build_dir / RELEASES / version
    rel.mkdir(parents=True, exist_ok=True)
    store = ox.Store(str(rel / "store"))
    for f in files:
        store.bulk_load(path=str(f.path), format=ox.RdfFormat.TURTLE, base_iri=base, to_graph=ox.NamedNode(f.graph))
    store.flush()
    dumps = rel / "dumps"
    dumps.mkdir(exist_ok=True)
    nq = dumps / f"sistercities-{version}.nq"
    store.dump(str(nq), ox.RdfFormat.N_QUADS)
    triples = len(store)
    del store
    manifest = {
        "version": version,
        "build_time": now.isoformat().replace("+00:00", "Z"),
        "modified": now.isoformat().replace("+00:00", "Z"),
        "input_hash": digest,
        "base_iri": base,
        "triples": triples,
        "graphs": sorted({f.graph for f in files}),
        "dumps": [],
        "stats": {},
    }
    (rel / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    link = build_dir / CURRENT
    tmp = build_dir / (CURRENT + ".tmp")
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(Path(RELEASES) / version, tmp)
    os.replace(tmp, link)
    return rel
