"""The same query mix on a plain rdflib in-memory Graph, with a time cap per query.

Run as a subprocess by bench/run.py (it needs ~2 GiB at 1M triples, and its queries
cannot be interrupted):

    python -m bench.rdflib_runner --project DIR --queries QUERIES.json --cap 30 --reps 3

Loads every ontology/, shapes/ and data/ file of the project into ONE rdflib Graph (the
same triples as the default graph of our endpoint: the union of the named graphs), then
runs each query in a forked child: the parent kills a child that exceeds the cap (rdflib
has no timeout) and reports "> cap".  Prints one JSON object per line.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BASE = "https://w3id.org/twinning/"


def load(project: Path, base: str) -> Any:
    import rdflib

    g = rdflib.Graph()
    for folder in ("ontology", "shapes", "data"):
        for f in sorted((project / folder).glob("*.ttl")):
            g.parse(f, format="turtle", publicID=base)
    return g


def _consume(result: Any) -> int:
    """Materialise every result row/triple (the engine is lazy); return the count."""
    if result.type == "ASK":
        return 1
    return sum(1 for _ in result)


def _child(g: Any, query: str, reps: int, cap: float, wfd: int) -> None:
    start = time.monotonic()
    for _ in range(reps):
        t0 = time.perf_counter()
        n = _consume(g.query(query))
        dt = time.perf_counter() - t0
        os.write(wfd, (json.dumps({"seconds": dt, "rows": n}) + "\n").encode())
        if time.monotonic() - start + dt > cap:  # another repetition would pass the cap
            break
    os._exit(0)


def run_query(g: Any, name: str, query: str, cap: float, reps: int) -> dict[str, Any]:
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: the graph is shared copy-on-write
        os.close(rfd)
        try:
            _child(g, query, reps, cap, wfd)
        except BaseException as e:  # report, never raise out of a forked child
            os.write(wfd, (json.dumps({"error": f"{type(e).__name__}: {e}"[:300]}) + "\n").encode())
            os._exit(1)
    os.close(wfd)
    deadline = time.monotonic() + cap
    buf = b""
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([rfd], [], [], left)
        if not ready:
            continue
        chunk = os.read(rfd, 65536)
        if not chunk:
            break
        buf += chunk
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(rfd)
    runs = [json.loads(line) for line in buf.decode().splitlines() if line.strip()]
    errors = [r["error"] for r in runs if "error" in r]
    times = [r["seconds"] for r in runs if "seconds" in r]
    out: dict[str, Any] = {"query": name, "cap_s": cap, "runs": len(times)}
    if errors:
        out["error"] = errors[0]
    if times:
        out["median_s"] = statistics.median(times)
        out["rows"] = runs[0].get("rows")
    out["capped"] = not times and timed_out
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run the bench query mix on rdflib's in-memory Graph.")
    ap.add_argument("--project", type=Path, required=True)
    ap.add_argument("--queries", type=Path, required=True, help='JSON file: [{"name":..., "query":...}]')
    ap.add_argument("--cap", type=float, default=30.0, help="seconds a query may take (default 30)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of a query that fits the cap (default 3)")
    ap.add_argument("--base", default=BASE)
    args = ap.parse_args(argv)
    queries = json.loads(args.queries.read_text(encoding="utf-8"))
    t0 = time.monotonic()
    g = load(args.project, args.base)
    print(json.dumps({"loaded": len(g), "load_s": round(time.monotonic() - t0, 2)}), flush=True)
    for q in queries:
        print(json.dumps(run_query(g, q["name"], q["query"], args.cap, args.reps)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
