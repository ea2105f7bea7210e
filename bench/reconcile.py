"""Reconciliation batch timings: a 50-query batch on the real data and on generated data.

    python -m bench.reconcile                     # real data + 1M generated triples
    python -m bench.reconcile --triples 100000    # a smaller generated dataset
    python -m bench.reconcile --triples 0         # the real data only

For each dataset: the time to build the label index and the match index (once per worker), then
a batch of 50 queries (exact labels, spelling variants, upper case, "X city", typed and untyped,
some with a country) reconciled in-process (parse + match) and POSTed form-encoded, the way
OpenRefine sends it, to a real ``sistercities serve`` (gunicorn, 1 worker): median and 95th
percentile over ``--reps`` runs.  Targets (issue 11): < 100 ms on the real data, < 1 s at 1M
triples.  The generated dataset is the one of ``make bench`` (bench/generate.py), cached under
bench/work/.  Figures go to bench/results/reconcile.{md,json}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench import servers
from bench.run import machine, prepare_dataset
from sistercities.build import build
from sistercities.reconcile.index import MatchIndex
from sistercities.reconcile.match import reconcile
from sistercities.reconcile.requests import parse_batch
from sistercities.release import current
from sistercities.search import LabelIndex
from sistercities.store import EmbeddedStore

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASE = "https://w3id.org/twinning/"
CITY = BASE + "ontology/City"
TARGET_MS = {"real": 100.0, "generated": 1000.0}


def say(msg: str) -> None:
    print(f"[reconcile bench] {msg}", file=sys.stderr, flush=True)


def batch_for(idx: MatchIndex, n: int = 50, seed: int = 1) -> dict[str, dict[str, Any]]:
    """``n`` queries from the names of the data: exact, variants, upper case, with designator,
    typed and untyped, a fifth with a country."""
    rnd = random.Random(seed)
    cities = sorted((t for t in idx.things.values() if idx.types.is_a(t.types, CITY)), key=lambda t: t.iri)
    names = [(t, name) for t in cities for name, _ in t.keys]
    rnd.shuffle(names)
    countries = {t.iri: t.name for t in idx.things.values() if t.iri in {c.country for c in cities}}
    out: dict[str, dict[str, Any]] = {}
    for i in range(n):
        t, name = names[i % len(names)]
        form = i % 5
        text = name.upper() if form == 1 else f"{name} city" if form == 2 else name
        q: dict[str, Any] = {"query": text}
        if i % 2 == 0:
            q["type"] = CITY
            q["type_strict"] = "should"
        if form == 3 and t.country in countries:
            q["properties"] = [{"pid": BASE + "ontology/country", "v": countries[t.country]}]
        out[f"q{i}"] = q
    return out


def _stats(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {"median_ms": round(statistics.median(xs), 2), "p95_ms": round(xs[int(0.95 * (len(xs) - 1))], 2),
            "max_ms": round(xs[-1], 2)}


def typo_batch(idx: MatchIndex, n: int = 50, seed: int = 2) -> dict[str, dict[str, Any]]:
    """``n`` misspelt city names (one letter dropped or two swapped): the slow path (trigrams)."""
    rnd = random.Random(seed)
    out: dict[str, dict[str, Any]] = {}
    for i, q in enumerate(batch_for(idx, n, seed).values()):
        name = q["query"]
        j = rnd.randrange(1, max(2, len(name) - 1))
        name = name[:j] + name[j + 1:] if i % 2 else name[:j - 1] + name[j] + name[j - 1] + name[j + 1:]
        out[f"t{i}"] = {**q, "query": name}
    return out


def _post(root: str, body: bytes) -> None:
    with urllib.request.urlopen(urllib.request.Request(root + "/reconcile", data=body), timeout=120) as r:
        r.read()


def measure(build_dir: Path, kind: str, reps: int) -> dict[str, Any]:
    release = current(build_dir)
    store = EmbeddedStore(release.store_dir)
    t = time.perf_counter()
    labels = LabelIndex(store, BASE)
    label_s = time.perf_counter() - t
    t = time.perf_counter()
    idx = MatchIndex(labels, store)
    match_s = time.perf_counter() - t
    batches = {"names": json.dumps(batch_for(idx)), "typos": json.dumps(typo_batch(idx))}
    res: dict[str, Any] = {
        "triples": release.manifest.get("triples"), "things": len(idx.things), "names": len(idx.exact),
        "label_index_s": round(label_s, 2), "match_index_s": round(match_s, 2), "queries": 50,
        "target_ms": TARGET_MS[kind],
    }
    for name, raw in batches.items():
        inproc = []
        for _ in range(reps):
            t = time.perf_counter()
            results = {q.id: reconcile(idx, q) for q in parse_batch(raw, idx.types)}
            inproc.append((time.perf_counter() - t) * 1000)
        res[name] = {"in_process": _stats(inproc),
                     "auto_matched": sum(1 for r in results.values() if r and r[0]["match"]),
                     "with_candidates": sum(1 for r in results.values() if r)}
    with tempfile.TemporaryDirectory() as tmp:
        srv = servers.start_ours(build_dir, 1, Path(tmp) / "server.log")
        try:
            bodies = {name: urllib.parse.urlencode({"queries": raw}).encode() for name, raw in batches.items()}
            t = time.perf_counter()
            while True:  # the first request waits for the worker's indexes
                try:
                    _post(srv.root, bodies["names"])
                    break
                except urllib.error.HTTPError as e:
                    if e.code != 503 or time.perf_counter() - t > 600:
                        raise
                    time.sleep(1)
            res["first_request_s"] = round(time.perf_counter() - t, 2)
            for name, body in bodies.items():
                http = []
                for _ in range(reps):
                    t = time.perf_counter()
                    _post(srv.root, body)
                    http.append((time.perf_counter() - t) * 1000)
                res[name]["http"] = _stats(http)
        finally:
            srv.stop()
    target = TARGET_MS[kind]
    res["ok"] = res["names"]["http"]["median_ms"] < target and res["names"]["in_process"]["median_ms"] < target
    return res


def markdown(res: dict[str, Any]) -> str:
    lines = [f"# Reconciliation batch timings ({res['date']})", "",
             f"Machine: {res['machine'].get('nproc', '?')} cores, Python {res['machine'].get('python', '?')}, "
             f"load average at start {res['machine'].get('loadavg_start', '?')}. "
             f"Batches of {res['queries']} queries (bench/reconcile.py): *names* = names of the data as a table "
             "writes them (exact, upper case, \"X city\", half typed city, a fifth with a country), *typos* = the "
             f"same misspelt (the trigram path); {res['reps']} runs each; HTTP = form-encoded POST to "
             "`sistercities serve` (1 gunicorn worker) on loopback.", "",
             "| dataset | triples | things | index build (label + match) | first request | batch "
             "| in-process median / p95 | HTTP median / p95 | auto-matched | with candidates | target | ok |",
             "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name, r in res["datasets"].items():
        for batch in ("names", "typos"):
            b = r[batch]
            head = (f"| {name} | {r['triples']:,} | {r['things']:,} | {r['label_index_s']} s + {r['match_index_s']} s "
                    f"| {r['first_request_s']} s" if batch == "names" else "| | | | |")
            lines.append(f"{head} | {batch} | {b['in_process']['median_ms']} / {b['in_process']['p95_ms']} ms "
                         f"| {b['http']['median_ms']} / {b['http']['p95_ms']} ms | {b['auto_matched']}/{r['queries']} "
                         f"| {b['with_candidates']}/{r['queries']} "
                         + (f"| < {r['target_ms']:.0f} ms | {'yes' if r['ok'] else 'NO'} |" if batch == "names" else "| | |"))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.reconcile", description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=1_000_000, help="generated dataset size; 0 = real data only")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--work", type=Path, default=HERE / "work")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    a = ap.parse_args(argv)
    res: dict[str, Any] = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
                           "reps": a.reps, "queries": 50, "datasets": {}}
    with tempfile.TemporaryDirectory() as tmp:
        say("building the real data")
        shared = Path(os.environ.get("SISTERCITIES_SHARED", REPO.parent / "shared"))
        build(REPO, Path(tmp), BASE, sources_dir=shared / "sources")
        res["datasets"]["real data"] = measure(Path(tmp), "real", a.reps)
        say(f"real data: {res['datasets']['real data']}")
    if a.triples:
        a.work.mkdir(parents=True, exist_ok=True)
        _, build_dir, _, _ = prepare_dataset(a.work.resolve(), a.triples, a.seed)
        name = f"generated {a.triples:,}"
        res["datasets"][name] = measure(build_dir, "generated", a.reps)
        say(f"{name}: {res['datasets'][name]}")
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "reconcile.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    (a.out / "reconcile.md").write_text(markdown(res), encoding="utf-8")
    print(markdown(res))
    return 0 if all(r["ok"] for r in res["datasets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
