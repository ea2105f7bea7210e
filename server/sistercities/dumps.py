"""Write the release's dumps from the built store (pyoxigraph, streaming).

* ``sistercities-<v>.ttl``    Turtle, the default graph = union of all graphs (each triple once)
* ``sistercities-<v>.nt.gz``  N-Triples, gzip, same triples
* ``sistercities-<v>.nq.gz``  N-Quads, gzip, keeps the named graphs (not the default graph's copy)
* ``sistercities-<v>.trig``   TriG, keeps the named graphs
* ``sistercities-<v>.jsonld``  JSON-LD, keeps the named graphs

Each is described in the manifest with format, IANA media type, bytes,
sha256, compression, triples (quads for dataset formats) and ``quads``.
Never imports Flask.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from sistercities import defaultgraph
from sistercities.serialize import prefixes

UNION = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"  # pyoxigraph de-duplicates CONSTRUCT output


@dataclass(frozen=True)
class DumpFormat:
    ext: str
    name: str
    media_type: str
    ox_format: ox.RdfFormat
    quads: bool
    gzip: bool = False


DUMP_FORMATS: tuple[DumpFormat, ...] = (
    DumpFormat("ttl", "Turtle", "text/turtle", ox.RdfFormat.TURTLE, quads=False),
    DumpFormat("nt.gz", "N-Triples", "application/n-triples", ox.RdfFormat.N_TRIPLES, quads=False, gzip=True),
    DumpFormat("nq.gz", "N-Quads", "application/n-quads", ox.RdfFormat.N_QUADS, quads=True, gzip=True),
    DumpFormat("trig", "TriG", "application/trig", ox.RdfFormat.TRIG, quads=True),
    DumpFormat("jsonld", "JSON-LD", "application/ld+json", ox.RdfFormat.JSON_LD, quads=True),
)


class _Counter:
    def __init__(self, it: Any) -> None:
        self.it, self.n = it, 0

    def __iter__(self) -> Iterator[Any]:
        for x in self.it:
            self.n += 1
            yield x


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_one(store: ox.Store, fmt: DumpFormat, path: Path, base: str, *, distinct_triples: int | None = None) -> int:
    """Write one dump; return the number of triples (or quads) written.

    Dataset formats hold the named graphs' quads only: the build writes them before
    it fills the default graph (:mod:`sistercities.defaultgraph`), natively; from a
    store whose default graph is filled, :func:`defaultgraph.named_quads` leaves the
    copy out (writing it would state every triple once more).  Triple formats are
    the union, each triple once: the default graph, natively, when it is filled;
    otherwise (the build's order), when no triple occurs in two graphs
    (``distinct_triples == len(store)``) the graphs are dumped one after the other,
    natively; otherwise a de-duplicating CONSTRUCT is streamed (slower).
    """
    pfx = prefixes(base) if fmt.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    out: BinaryIO = (
        gzip.GzipFile(path, "wb", compresslevel=6, mtime=0) if fmt.gzip  # type: ignore[assignment]
        else open(path, "wb")  # noqa: SIM115
    )
    with out:
        filled = defaultgraph.is_filled(store)
        if fmt.quads and not filled:  # the build dumps before it writes the default graph: natively, fast
            store.dump(out, fmt.ox_format, prefixes=pfx)
            return len(store)
        if fmt.quads:
            quads = _Counter(defaultgraph.named_quads(store))
            ox.serialize(quads, out, fmt.ox_format, prefixes=pfx)
            return quads.n
        if filled:
            store.dump(out, fmt.ox_format, from_graph=defaultgraph.DEFAULT, prefixes=pfx)
            return distinct_triples if distinct_triples is not None else _default_graph_size(store)
        if distinct_triples is not None and distinct_triples == len(store):
            graphs = sorted(store.named_graphs(), key=str)
            for g in graphs:  # (Turtle allows @prefix to be declared again mid-document)
                store.dump(out, fmt.ox_format, from_graph=g, prefixes=pfx)
            return distinct_triples
        data = _Counter(store.query(UNION, use_default_graph_as_union=True))
        ox.serialize(data, out, fmt.ox_format, prefixes=pfx)
        return data.n


def _default_graph_size(store: ox.Store) -> int:
    res = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(res, ox.QuerySolutions)
    return int(next(iter(res))["n"].value)


def write_all(store: ox.Store, dumps_dir: Path, version: str, base: str,
              log: Callable[[str], None] | None = None, *, distinct_triples: int | None = None,
              threads: int | None = None) -> list[dict[str, Any]]:
    """Write every dump into ``dumps_dir``; the manifest's ``dumps`` list.

    pyoxigraph releases the GIL while it serialises, so the dumps are written by
    up to ``threads`` (default: the number of CPUs, at most 4) at once."""
    dumps_dir.mkdir(parents=True, exist_ok=True)

    def one(fmt: DumpFormat) -> dict[str, Any]:
        path = dumps_dir / f"sistercities-{version}.{fmt.ext}"
        n = write_one(store, fmt, path, base, distinct_triples=distinct_triples)
        size = path.stat().st_size
        if log:
            log(f"  {path.name}: {n:,} {'quads' if fmt.quads else 'triples'}, {size:,} bytes")
        return {
            "file": path.name,
            "format": fmt.name,
            "media_type": fmt.media_type,
            "bytes": size,
            "sha256": _sha256(path),
            "compression": "application/gzip" if fmt.gzip else None,
            "triples": n,
            "quads": fmt.quads,
        }

    workers = threads or min(os.cpu_count() or 1, 4)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, DUMP_FORMATS))
