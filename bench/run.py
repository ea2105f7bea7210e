"""``make bench``: our server side by side with the Oxigraph server, rdflib and nginx.

    python -m bench.run                   # 1M triples, ~20-25 min; results in bench/results/latest.{md,json}
    python -m bench.run --quick           # 50k triples, ~2-3 min smoke run; results in bench/work/quick.{md,json}
    python -m bench.run --triples 300000 --duration 5 --workers 3

1. generates the synthetic dataset (bench/generate.py) and builds it with
   ``sistercities build --skip-shacl``, both cached under bench/work/ (keyed by size, seed and
   the generator/ontology/shapes sources);
2. SPARQL: every query of bench/queries/*.rq on our endpoint (``sistercities serve``) and on
   ``oxigraph serve-read-only`` over the same store, at each concurrency, with wrk;
3. the same queries on a plain rdflib Graph in a subprocess, capped per query;
4. documents: Turtle and HTML of a fixed random sample of resources from our server vs nginx
   serving the same bytes pre-rendered; uncached documents; the 303 on /id/…;
5. memory of the servers and build time; writes the Markdown table and the JSON.

Needs wrk and nginx (scripts/install-bench-tools) and the oxigraph server (the bench extra).
Every server listens on 127.0.0.1 only and is stopped by PID.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from bench import cli, generate, report, servers, wrk

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASE = "https://w3id.org/twinning/"
T0 = time.monotonic()
CORES = os.cpu_count() or 1
MAX_RUN_S = 40  # longest single wrk run


def say(msg: str) -> None:
    print(f"[bench {time.monotonic() - T0:6.0f}s] {msg}", file=sys.stderr, flush=True)


# --- dataset -------------------------------------------------------------------

def dataset_key(triples: int, seed: int) -> str:
    h = hashlib.sha256(generate.GENERATOR_VERSION.encode())
    files = [HERE / "generate.py", HERE / "names.py"]
    for folder in ("ontology", "shapes"):
        files += sorted((REPO / folder).glob("*.ttl"))
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return f"gen-{triples}-{seed}-{h.hexdigest()[:8]}"


def prepare_dataset(work: Path, triples: int, seed: int) -> tuple[Path, Path, dict[str, Any], dict[str, Any]]:
    """(project dir, build dir, generated summary, build info), generating/building only if needed."""
    d = work / dataset_key(triples, seed)
    project, build_dir = d / "project", d / "build"
    info_file = d / "build-info.json"
    if not (project / "generated.json").exists():
        say(f"generating {triples:,} triples (seed {seed}) into {project}")
        generate.generate(project, triples, seed)
    summary = json.loads((project / "generated.json").read_text(encoding="utf-8"))
    info: dict[str, Any] = json.loads(info_file.read_text()) if info_file.exists() else {}
    say("building it: sistercities build --skip-shacl")
    t = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "sistercities.cli", "build", "--project", str(project),
                           "--build-dir", str(build_dir), "--skip-shacl"],
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "SISTERCITIES_SOURCES_DIR": str(project / "sources")})
    secs = round(time.monotonic() - t, 1)
    if proc.returncode != 0:
        raise SystemExit(f"bench: the build of the generated data failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    if "up to date" in proc.stdout + proc.stderr and info.get("build_s"):
        info["note"] = f"measured when first built, {info.get('built_at', '?')}"
    else:
        info = {"build_s": secs, "built_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "generate_s": summary.get("seconds")}
        manifest = json.loads((build_dir / "current" / "manifest.json").read_text())
        info["timings"] = manifest.get("validation", {}).get("timings")
        info_file.write_text(json.dumps(info, indent=2))
    return project, build_dir, summary, info


# --- queries -------------------------------------------------------------------

def load_queries(summary: dict[str, Any], base: str = BASE) -> dict[str, str]:
    """bench/queries/*.rq with {{hub}}, {{city}}, {{country}} and {{needle}} filled in."""
    subst = {
        "{{hub}}": f"<{base}{summary['hub']['path']}>",
        "{{city}}": f"<{base}{summary['typical_city']['path']}>",
        "{{country}}": f"<{base}{summary['largest_country']['path']}>",
        "{{needle}}": summary["hub"]["name"][:4].lower(),
    }
    out = {}
    for f in sorted((HERE / "queries").glob("*.rq")):
        text = f.read_text(encoding="utf-8")
        for k, v in subst.items():
            text = text.replace(k, v)
        out[f.stem] = text
    return out


def is_graph_query(query: str) -> bool:
    body = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith(("#", "PREFIX", "prefix")))
    return body.lstrip().upper().startswith(("CONSTRUCT", "DESCRIBE"))


def accept_for(query: str) -> str:
    return "application/n-triples" if is_graph_query(query) else "application/sparql-results+json"


def ask(url: str, query: str) -> tuple[int, int, str]:
    """POST a query once: (HTTP status, rows or triples, error text)."""
    req = urllib.request.Request(url, data=urlencode({"query": query}).encode(),
                                 headers={"Accept": accept_for(query),
                                          "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            body = r.read()
    except urllib.error.HTTPError as e:
        return e.code, 0, e.read()[:300].decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as e:
        return 0, 0, str(e)
    if is_graph_query(query):
        return 200, sum(1 for line in body.splitlines() if line.strip()), ""
    return 200, len(json.loads(body)["results"]["bindings"]), ""


# --- parts -----------------------------------------------------------------------

def measure(srv: servers.Server, path: str, script: str, args: list[str], c: int, duration: int) -> wrk.Result:
    """One wrk run against ``srv``, then wait for its backlog to drain before the next run."""
    r = wrk.run(srv.root + path, script, args, concurrency=c, duration=duration)
    srv.settle()
    return r


def pick_workers(build_dir: Path, work: Path, queries: dict[str, str], duration: int, top: int,
                 candidates: tuple[int, ...], env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """Measure a heavy and a trivial query at the top concurrency for each worker count; pick the best."""
    # one medium query (~0.1 s at 1M: several answers per connection even in a short run) and the trivial one
    names = [n for n in queries if "label-search" in n or "trivial" in n][:2] or list(queries)[:2]
    trial: dict[str, Any] = {}
    best, best_score = candidates[0], -1.0
    for w in candidates:
        srv = servers.start_ours(build_dir, w, work / "logs" / f"ours-w{w}.log", env)
        try:
            score = 1.0
            trial[str(w)] = {}
            for n in names:
                body = wrk.sparql_body_file(work, n, queries[n])
                r = measure(srv, "/sparql", "sparql.lua", [str(body), accept_for(queries[n])], top, duration)
                trial[str(w)][n] = r.qps
                score *= max(r.qps, 0.001)
            score **= 1 / len(names)
            say(f"  workers={w}: {trial[str(w)]}")
            if score > best_score:
                best, best_score = w, score
        finally:
            srv.stop()
    return best, trial


def run_sparql(ours: servers.Server | None, oxi: servers.Server, queries: dict[str, str], work: Path,
               conc: list[int], duration: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    flip = False
    for name, query in queries.items():
        body = wrk.sparql_body_file(work, name, query)
        entry: dict[str, Any] = {"runs": {"ours": {}, "oxigraph": {}}}
        st_x, rows_x, err_x = ask(oxi.root + "/query", query)
        entry["rows"] = rows_x
        targets = [("oxigraph", oxi, "/query")]
        if ours is not None:
            st_o, rows_o, err_o = ask(ours.root + "/sparql", query)
            if st_o != 200:
                entry["ours_error"] = f"HTTP {st_o}: {err_o}"
                say(f"  {name}: our endpoint answered {st_o}: {err_o[:200]}")
            else:
                targets.append(("ours", ours, "/sparql"))
                if rows_o != rows_x:
                    entry["rows_mismatch"] = {"ours": rows_o, "oxigraph": rows_x}
                    say(f"  {name}: DIFFERENT ANSWERS ours {rows_o} rows vs Oxigraph {rows_x}")
        if st_x != 200:
            entry["oxigraph_error"] = f"HTTP {st_x}: {err_x}"
        slowest_ms = 0.0
        for c in sorted(conc):
            flip = not flip  # alternate who goes first: drift in the machine's load hits both alike
            # a run must see several answers per connection: a query taking t alone takes ~t*c/cores under load
            secs = min(MAX_RUN_S, max(duration, math.ceil(3 * slowest_ms * c / CORES / 1000)))
            entry.setdefault("seconds", {})[str(c)] = secs
            for who, srv, path in (targets if flip else targets[::-1]):
                r = measure(srv, path, "sparql.lua", [str(body), accept_for(query)], c, secs)
                entry["runs"][who][str(c)] = r.as_dict()
                slowest_ms = max(slowest_ms, r.p50_ms if r.requests else secs * 1000)
            o, x = entry["runs"]["ours"].get(str(c)), entry["runs"]["oxigraph"].get(str(c))
            say(f"  {name} c={c}: ours {o and o['qps']} QPS p50 {o and o['p50_ms']} ms | "
                f"Oxigraph {x['qps']} QPS p50 {x['p50_ms']} ms")
        out[name] = entry
    return out


FLOOR_THREADS = 4  # the gthread variant of the floor app (keep-alive)


def run_floor(ours: servers.Server, oxi: servers.Server, store_dir: Path, workers: int, queries: dict[str, str],
              work: Path, conc: list[int], duration: int) -> dict[str, Any]:
    """The trivial lookup on the Oxigraph server and on the floor app (gunicorn sync, and gthread with
    keep-alive), and requests that run no query (the floor's ``/h``, our ``/-/health``), side by side:
    what any Python handler under gunicorn can reach here."""
    name = next((n for n in queries if "trivial" in n), None)
    if name is None:
        return {}
    body = wrk.sparql_body_file(work, name, queries[name])
    args = [str(body), accept_for(queries[name])]
    out: dict[str, Any] = {"query": name, "threads": FLOOR_THREADS, "runs": {str(c): {} for c in conc}}
    for c in sorted(conc):
        runs = out["runs"][str(c)]
        runs["oxigraph"] = measure(oxi, "/query", "sparql.lua", args, c, duration).as_dict()
        runs["ours_noop"] = measure(ours, "/-/health", "report.lua", [], c, duration).as_dict()
    for kind, threads in (("sync", 1), ("gthread", FLOOR_THREADS)):
        floor = servers.start_floor(store_dir, workers, work / "logs" / f"floor-{kind}.log", threads)
        try:
            for c in sorted(conc):
                runs = out["runs"][str(c)]
                runs[f"floor_{kind}"] = measure(floor, "/q", "sparql.lua", args, c, duration).as_dict()
                runs[f"floor_{kind}_noop"] = measure(floor, "/h", "report.lua", [], c, duration).as_dict()
        finally:
            floor.stop()
    for c, runs in out["runs"].items():
        say(f"  c={c}: " + " | ".join(f"{k} {r['qps']} QPS" for k, r in runs.items()))
    return out


def run_rdflib(project: Path, queries: dict[str, str], work: Path, cap: float, reps: int) -> dict[str, Any]:
    qfile = work / "rdflib-queries.json"
    qfile.write_text(json.dumps([{"name": n, "query": q} for n, q in queries.items()]))
    cmd = [sys.executable, "-m", "bench.rdflib_runner", "--project", str(project), "--queries", str(qfile),
           "--cap", str(cap), "--reps", str(reps)]
    out: dict[str, Any] = {"queries": {}}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=REPO, start_new_session=True)
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            d = json.loads(line)
            if "loaded" in d:
                out.update(d)
                say(f"  rdflib loaded {d['loaded']:,} triples in {d['load_s']} s")
            else:
                out["queries"][d["query"]] = d
                shown = f"{d['median_s'] * 1000:,.0f} ms" if d.get("median_s") is not None else (
                    f"> {cap:.0f} s cap" if d.get("capped") else d.get("error"))
                say(f"  rdflib {d['query']}: {shown}")
    finally:
        servers.stop(proc)  # type: ignore[arg-type]
    return out


def sample_resources(store_dir: Path, n: int, seed: int, base: str = BASE) -> list[str]:
    import pyoxigraph as ox

    st = ox.Store.read_only(str(store_dir))
    q = (f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s a ?t }} "
         f"FILTER (STRSTARTS(STR(?s), \"{base}id/\")) }}")
    iris = sorted(sol["s"].value for sol in st.query(q))  # type: ignore[union-attr]
    del st
    random.Random(seed).shuffle(iris)
    return iris[:n]


def doc_path(iri: str, ext: str, base: str = BASE) -> str:
    return "/doc/" + quote(iri[len(base):], safe="/-._~") + "." + ext


def _fetch(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return bytes(r.read())
    except (urllib.error.URLError, OSError):
        return None


def fetch_static(ours: servers.Server, iris: list[str], static: Path, budget: float = 1e9) -> list[str]:
    """Fetch each sampled resource's Turtle and HTML documents once from our server (4 requests at a
    time) and store them for nginx, until ``budget`` seconds are spent; returns the resources fetched."""
    from concurrent.futures import ThreadPoolExecutor

    deadline = time.monotonic() + budget

    def both(iri: str) -> str | None:
        if time.monotonic() > deadline:
            return None
        for ext in ("ttl", "html"):
            path = doc_path(iri, ext)
            body = _fetch(ours.root + path)
            if body is None:
                return None
            target = static / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        return iri

    with ThreadPoolExecutor(4) as pool:
        return [i for i in pool.map(both, iris) if i is not None]


def run_deref(ours: servers.Server, summary: dict[str, Any], store_dir: Path, work: Path, conc: list[int],
              duration: int, sample: int, cold: tuple[int, int], seed: int, budget: float) -> dict[str, Any]:
    """Documents of a random sample (rotating), of one typical city (repeated: cached), and never-asked ones."""
    iris = sample_resources(store_dir, sample + sum(cold), seed)
    warm, cold_ttl, cold_html = iris[:sample], iris[sample:sample + cold[0]], iris[sample + cold[0]:]
    static = work / "static"
    say(f"  fetching {len(warm)} resources x 2 formats once from our server for nginx (budget {budget:.0f} s)")
    t = time.monotonic()
    fetched = fetch_static(ours, warm, static, budget)
    out: dict[str, Any] = {"sample": len(fetched), "asked": len(warm), "fetch_s": round(time.monotonic() - t, 1),
                           "cold": cold}
    if len(fetched) < len(warm):
        say(f"  only {len(fetched)} of {len(warm)} fetched within the budget: the sample is those")
    if not fetched:
        raise SystemExit("bench: no document could be fetched from our server")
    warm = fetched
    typical = BASE + summary["typical_city"]["path"]
    fetch_static(ours, [typical], static)
    lists = {"ttl": [doc_path(i, "ttl") for i in warm], "html": [doc_path(i, "html") for i in warm],
             "ttl_hot": [doc_path(typical, "ttl")], "html_hot": [doc_path(typical, "html")],
             "ttl_cold": [doc_path(i, "ttl") for i in cold_ttl], "html_cold": [doc_path(i, "html") for i in cold_html],
             "see_other": ["/" + quote(i[len(BASE):], safe="/-._~") for i in warm]}
    files = {}
    for key, paths in lists.items():
        files[key] = work / f"paths-{key}.txt"
        files[key].write_text("".join(p + "\n" for p in paths))
    ngx = servers.start_nginx(static, work / "nginx")
    try:
        top = max(conc)
        for key in ("ttl", "html", "ttl_hot", "html_hot"):
            out[key] = {"ours": {}, "nginx": {}}
            for i, c in enumerate(conc if not key.endswith("_hot") else [top]):
                pair = [("ours", ours), ("nginx", ngx)]
                for who, srv in (pair if i % 2 == 0 else pair[::-1]):
                    out[key][who][str(c)] = measure(srv, "", "paths.lua", [str(files[key])], c, duration).as_dict()
                o, n = out[key]["ours"][str(c)], out[key]["nginx"][str(c)]
                say(f"  {key} c={c}: ours {o['qps']} QPS p99 {o['p99_ms']} ms | nginx {n['qps']} QPS p99 {n['p99_ms']} ms")
        for key in ("ttl_cold", "html_cold"):  # our documents never asked for before: no cache
            r = measure(ours, "", "paths.lua", [str(files[key])], top, duration).as_dict()
            r["repeated"] = max(0, r["requests"] - len(cold_ttl if key == "ttl_cold" else cold_html))
            out[key] = {"ours": {str(top): r}}
            say(f"  {key} c={top}: ours {r['qps']} QPS p99 {r['p99_ms']} ms ({r['repeated']} repeated requests)")
        out["see_other"] = {"ours": {}, "nginx": {}}
        for who, srv in (("ours", ours), ("nginx", ngx)):
            out["see_other"][who][str(top)] = measure(srv, "", "paths.lua", [str(files["see_other"]), "text/turtle"],
                                                      top, max(2, duration // 2)).as_dict()
        out["memory_nginx"] = ngx.memory()
    finally:
        ngx.stop()
    return out


def machine() -> dict[str, Any]:
    pk = {}
    for name in ("sistercities", "pyoxigraph", "oxigraph", "rdflib", "flask", "gunicorn"):
        try:
            pk[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pk[name] = "missing"
    try:
        pk["wrk"] = wrk.version()
        ng = subprocess.run([servers.nginx_binary(), "-v"], capture_output=True, text=True, check=False)
        pk["nginx"] = ng.stderr.strip().split("/")[-1]
    except (wrk.WrkError, servers.ServerError):
        pass
    return {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "packages": pk, "loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg())}


# --- main ---------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 50k triples, 2 s runs, c=1,16 (~2-3 min)")
    ap.add_argument("--triples", type=int, help="size of the generated dataset (default 1000000; quick 50000)")
    ap.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    ap.add_argument("--duration", type=int, help="seconds per wrk run (default 8; quick 2)")
    ap.add_argument("--concurrency", help="comma-separated connection counts (default 1,4,16; quick 1,16)")
    ap.add_argument("--workers", help="gunicorn workers of our server, or 'auto' to measure 2 and 4 (default auto; quick 2)")
    ap.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                    help="setting for our server, e.g. --server-env THREADS=4 (SISTERCITIES_THREADS); repeatable")
    ap.add_argument("--rdflib-cap", type=float, help="seconds per rdflib query before it is killed (default 30; quick 10)")
    ap.add_argument("--rdflib-reps", type=int, default=3, help="repetitions of an rdflib query under the cap")
    ap.add_argument("--no-rdflib", action="store_true", help="skip the rdflib part")
    ap.add_argument("--no-deref", action="store_true", help="skip the documents part")
    ap.add_argument("--sample", type=int, help="resources whose documents are benchmarked (default 1000; quick 100)")
    ap.add_argument("--fetch-budget", type=float, default=300.0,
                    help="seconds spent fetching the sample's documents for nginx; the sample is cut to what was fetched")
    ap.add_argument("--work", type=Path, default=HERE / "work", help="cache and scratch folder (default bench/work)")
    ap.add_argument("--out", type=Path, help="results folder (default bench/results; quick: bench/work)")
    a = ap.parse_args(argv)
    a.triples = a.triples or (50_000 if a.quick else 1_000_000)
    a.duration = a.duration or (2 if a.quick else 8)
    a.concurrency = [int(c) for c in (a.concurrency or ("1,16" if a.quick else "1,4,16")).split(",")]
    a.rdflib_cap = a.rdflib_cap or (10.0 if a.quick else 30.0)
    a.sample = a.sample or (100 if a.quick else 1000)
    a.workers = a.workers or ("2" if a.quick else "auto")
    a.out = a.out or (a.work if a.quick else HERE / "results")
    if a.triples < 1000 or a.duration < 1 or min(a.concurrency) < 1 or a.sample < 1:
        ap.error("--triples must be ≥ 1000, --duration ≥ 1, concurrency and --sample ≥ 1")
    if a.workers != "auto" and not a.workers.isdigit():
        ap.error("--workers must be a number or 'auto'")
    a.server_env = cli.server_env(ap, a.server_env)
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if not cli.start(wrk.wrk_binary, servers.nginx_binary, servers.oxigraph_binary):
        return 2
    work = a.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
                           "notes": []}
    project, build_dir, summary, build_info = prepare_dataset(work, a.triples, a.seed)
    manifest = json.loads((build_dir / "current" / "manifest.json").read_text())
    store_dir = (build_dir / "current").resolve() / "store"
    res["dataset"] = {**{k: summary[k] for k in ("cities", "twinnings", "persons", "hub", "typical_city",
                                                  "largest_country", "top_partner_counts")},
                      "triples": manifest["triples"], "version": manifest["version"]}
    res["build"] = build_info
    queries = load_queries(summary)
    scratch = work / "run"
    scratch.mkdir(exist_ok=True)
    top = max(a.concurrency)
    oxi = ours = None
    try:
        say("starting the Oxigraph server on the same store directory")
        try:
            oxi = servers.start_oxigraph(store_dir, scratch / "logs" / "oxigraph.log", union=False)
            res["notes"].append("The Oxigraph server (CLI) opened the build's pyoxigraph store directory itself, read-only, "
                                "with its default graph (the union of the named graphs the build wrote), as ours.")
        except servers.ServerError as e:
            say(f"  it could not ({e}); loading the N-Quads dump into its own store")
            dump = next((build_dir / "current" / "dumps").glob("*.nq*"))
            servers.oxigraph_load(dump, scratch / "oxigraph-store", scratch / "logs" / "oxigraph.log")
            oxi = servers.start_oxigraph(scratch / "oxigraph-store", scratch / "logs" / "oxigraph.log")
            res["notes"].append("The Oxigraph server could not open our store; it got the same N-Quads dump loaded.")
        if a.workers == "auto":
            say("choosing our worker count (2 vs 4) on two queries at the top concurrency")
            workers, trial = pick_workers(build_dir, scratch, queries, min(a.duration, 4), top, (2, 4), a.server_env)
            res["worker_trial"] = trial
        else:
            workers = int(a.workers)
        res["config"] = {"triples": a.triples, "seed": a.seed, "duration": a.duration, "concurrency": a.concurrency,
                         "workers": workers, "server_env": a.server_env, "rdflib_cap": a.rdflib_cap, "quick": a.quick}
        say(f"starting our server with {workers} workers")
        ours = servers.start_ours(build_dir, workers, scratch / "logs" / "ours.log", a.server_env)
        say("SPARQL: ours vs Oxigraph")
        res["sparql"] = run_sparql(ours, oxi, queries, scratch, a.concurrency, a.duration)
        for name, q in res["sparql"].items():
            if q.get("rows_mismatch"):
                res["notes"].append(f"{name}: DIFFERENT ANSWERS, ours {q['rows_mismatch']['ours']} rows, "
                                    f"Oxigraph {q['rows_mismatch']['oxigraph']}.")
            for who in ("ours", "oxigraph"):
                if q.get(f"{who}_error"):
                    res["notes"].append(f"{name}: {who} answered {q[who + '_error'][:200]}")
            for who, runs in q["runs"].items():
                for c, r in runs.items():
                    if sum(r["errors"].values()):
                        res["notes"].append(f"{name}, {who}, c={c}: {r['errors']} errors in {r['requests']} requests.")
        if res["sparql"] and all(not q["runs"]["ours"] for q in res["sparql"].values()):
            res["notes"].append("Our endpoint answered no query: the SPARQL comparison has Oxigraph figures only.")
        elif not any(q.get("rows_mismatch") for q in res["sparql"].values()):
            res["notes"].append("Every query gave the same number of rows (or triples) on both servers.")
        say("the floor: a bare gunicorn + pyoxigraph handler (bench/floor_app.py) on the trivial lookup")
        res["floor"] = run_floor(ours, oxi, store_dir, workers, queries, scratch, a.concurrency, a.duration)
        if not a.no_deref:
            say("documents: ours vs nginx")
            cold = (3000, 300) if a.quick else (12000, 1000)  # (Turtle, HTML) resources never asked before
            res["deref"] = run_deref(ours, summary, store_dir, scratch, a.concurrency, a.duration, a.sample, cold,
                                     a.seed, a.fetch_budget)
        res["memory"] = {f"ours (gunicorn, {workers} workers)": ours.memory(),
                         "Oxigraph server": oxi.memory()}
        if res.get("deref", {}).get("memory_nginx"):
            res["memory"]["nginx"] = res["deref"].pop("memory_nginx")
    finally:
        for srv in (ours, oxi):
            if srv is not None:
                srv.stop()
    if not a.no_rdflib:
        say(f"rdflib: same queries, in-memory Graph, cap {a.rdflib_cap:.0f} s")
        res["rdflib"] = run_rdflib(project, queries, scratch, a.rdflib_cap, a.rdflib_reps)
    res["machine"]["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    res["notes"] += [
        "Every SPARQL request is a POST of the form-encoded query (SPARQL 1.1 Protocol); SELECT results as "
        "application/sparql-results+json, CONSTRUCT/DESCRIBE as application/n-triples. Both servers use the union "
        "of the named graphs as the default graph.",
        f"'Heavy' = the Oxigraph server needs > {report.HEAVY_MS:.0f} ms (p50 at c=1); other queries are held to the "
        f"trivial-lookup target ({report.TARGET_LIGHT}×).",
        "wrk runs with min(c, 2) threads and is not pinned with taskset: on 2 cores, pinning it to one core would "
        "halve the servers' CPU; it uses a few percent of a core.",
        "Our documents are cached per worker (LRU). Three regimes are measured: one typical city asked again and "
        "again (served from the cache after its first request in each worker); a fixed random sample rotating "
        "(each worker's cache fills as the run goes: a mix); and resources never asked before (no cache). nginx "
        "serves the same bytes, fetched once from our server, as static files.",
        "SPARQL runs last at least --duration seconds, and longer for slow queries at high concurrency (3 x the "
        "c=1 latency x c / cores, at most 40 s), so that every connection sees several answers.",
        "The rdflib figure is the time to evaluate the query and iterate every result in-process (no HTTP, no "
        "serialisation), which favours rdflib.",
        report.NOISE_NOTE,
    ]
    res["checks"] = report.evaluate(res)
    md, js = report.write(res, a.out, "quick" if a.quick else "latest")
    print(report.markdown(res))
    say(f"wrote {md} and {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
