"""``make bench``, part 3: our server on three stores, each against the store's own endpoint.

    python -m bench.backends              # 1M triples, ~30 min; bench/results/backends.{md,json}
    python -m bench.backends --quick      # 50k triples, ~5 min smoke run; bench/work/backends-quick.{md,json}
    python -m bench.backends --triples 300000 --duration 5 --backends oxigraph,virtuoso

For each backend, in one run and side by side with wrk:

* ``embedded``: ``sistercities serve`` on the build's pyoxigraph store; reference: ``oxigraph
  serve-read-only`` on the same store directory, sent the query as written;
* ``oxigraph``: a fresh read-write ``oxigraph serve``, loaded by the real publisher
  (``sistercities build --store-update …``), ``sistercities serve`` on it through our remote
  backend (STORE_URL); reference: that server's ``/query`` sent exactly the request our
  backend sends it (:func:`reference_request`);
* ``virtuoso``: the same with a private Virtuoso (bench/virtuoso.py, STORE_DIALECT=virtuoso),
  the Virtuoso dialect's rewriting included in the reference request.

Measured: the SPARQL mix of bench/queries at each concurrency (ours and the reference); at c=1
also paired (:mod:`bench.paired`: one request to each server per turn, the c=1 target judged on
the median within-turn difference), with the floor app (bench/floor_app.py) as a third side,
which splits ours − store into our layer (ours − floor) and the floor's own cost (floor − store):
for ``embedded`` pyoxigraph behind a bare WSGI handler (the Python worker), for a remote store a bare
WSGI handler forwarding the store's very request through our HTTP client (the Python tier); the
documents of a fixed random sample (Turtle and HTML) and of the hub city, our throughput with
1, 2 and 4 gunicorn workers, the publisher's wall time and peak memory and the store's memory.
Every server listens on 127.0.0.1 only and is stopped by PID (also on failure and SIGTERM).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import backends_report, cli, paired, servers, virtuoso, wrk
from bench.run import BASE, CORES, HERE, accept_for, doc_path, is_graph_query, load_queries, machine, prepare_dataset, sample_resources, say

BACKENDS = ("embedded", "oxigraph", "virtuoso")
MAX_RUN_S = 10  # longest single wrk run
SCALING_WORKERS = (1, 2, 4)
PAIRED_TURNS = 41  # turns of the paired c=1 measurement per query (bench.paired)
PAIRED_BUDGET_S = 20.0  # ... or fewer, when a query's turns take longer (at least 5)


# --- the stores ------------------------------------------------------------------------------

def start_store(kind: str, work: Path, quick: bool) -> tuple[servers.Server, dict[str, str]]:
    """A fresh, empty read-write store: (server, its endpoints: query, update, gsp)."""
    folder = work / f"{kind}-store"
    if folder.exists():
        shutil.rmtree(folder)
    log = work / "logs" / f"{kind}.log"
    if kind == "oxigraph":
        port = servers.free_port()
        cmd = [servers.oxigraph_binary(), "serve", "--location", str(folder), "--bind", f"{servers.HOST}:{port}"]
        proc = servers._popen(cmd, log)
        root = f"http://{servers.HOST}:{port}"
        probe = "/query?query=ASK%7B%7D"
        servers._wait(proc, root + probe, log, "oxigraph serve")
        return servers.Server(kind, proc, root, log, probe), {
            "query": root + "/query", "update": root + "/update", "gsp": root + "/store"}
    buffers = 20_000 if quick else 170_000  # 8 kB each: 1.3 GB for 1M triples
    proc, root = virtuoso.start_virtuoso(folder, buffers=buffers, dirty=buffers * 3 // 4 if quick else 130_000,
                                         log=log, max_rows=1_000_000, max_exec_s=600, max_cost_s=3600,
                                         connections=40)
    srv = servers.Server(kind, proc, root, log, "/sparql?query=ASK%20%7B%7D")
    try:
        virtuoso.allow_update(proc)  # loopback, throw-away database
    except BaseException:
        srv.stop()
        raise
    return srv, {"query": root + "/sparql", "update": root + "/sparql", "gsp": root + "/sparql-graph-crud"}


def publish(project: Path, build_dir: Path, urls: dict[str, str], store: servers.Server, log: Path) -> dict[str, Any]:
    """``sistercities build … --store-update …`` on the (cached, up-to-date) build: wall time, the
    publisher's peak RSS (its own rusage, by wait4) and the store's memory before and after."""
    cmd = [sys.executable, "-m", "sistercities.cli", "build", "--project", str(project), "--build-dir", str(build_dir),
           "--skip-shacl", "--store-update", urls["update"], "--store-query", urls["query"],
           "--store-gsp", urls["gsp"]]
    env = {**os.environ, "SISTERCITIES_SOURCES_DIR": str(project / "sources")}
    before = store.memory()
    log.parent.mkdir(parents=True, exist_ok=True)
    t = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if proc.returncode is None:
            servers.stop(proc)  # type: ignore[arg-type]
    secs = round(time.monotonic() - t, 1)
    after = store.memory()
    res: dict[str, Any] = {"command": " ".join(["sistercities", *cmd[3:]]), "wall_s": secs, "exit": proc.returncode,
           "publisher_peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
           "publisher_cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
           "store_before": before, "store_after": after}
    if proc.returncode != 0:
        res["error"] = log.read_text(errors="replace")[-1500:]
    return res


# --- the requests --------------------------------------------------------------------------

def reference_request(query_url: str, query: str, dialect_name: str) -> tuple[list[tuple[str, str]], str]:
    """The form fields and Accept type our remote backend POSTs to the store at ``query_url``
    when a client sends ``query`` to our /sparql asking for :func:`bench.run.accept_for`: built
    by the executor's own :func:`~sistercities.sparql.executor.remote_request` (BASE line, the
    served dataset as default-graph-uri / named-graph-uri) and the dialect's ``before`` hook
    (Virtuoso: DESCRIBE mode, ORDER BY outside GROUP BY, one Accept type)."""
    from sistercities.sparql.executor import Job, remote_request
    from sistercities.store import DIALECTS, RemoteStore

    store = RemoteStore(query_url, base=BASE, creds={}, dialect=DIALECTS[dialect_name]())
    try:
        ds = store.served_dataset()
        job = Job(query, accept_for(query), 50_000_000, default_graphs=ds[0] if ds else None,
                  named_graphs=ds[1] if ds else None, base_iri=BASE)
        params, asked = remote_request(job)
        kw = store.dialect.before("POST", query_url, {"data": params, "headers": {"Accept": asked}})
    finally:
        store.close()
    return list(kw["data"]), str(kw["headers"]["Accept"])


def body_file(work: Path, name: str, fields: list[tuple[str, str]]) -> Path:
    path = work / "bodies" / f"{name}.form"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(urlencode(fields), encoding="ascii")
    return path


def ask(url: str, body: bytes, accept: str) -> tuple[int, int, str, float]:
    """POST a form body once: (HTTP status, rows or triples, error text, seconds)."""
    req = urllib.request.Request(url, data=body, headers={"Accept": accept,
                                                          "Content-Type": "application/x-www-form-urlencoded"})
    t = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            data, kind = r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        return e.code, 0, e.read()[:300].decode("utf-8", "replace"), time.monotonic() - t
    except (urllib.error.URLError, OSError) as e:
        return 0, 0, str(e), time.monotonic() - t
    secs = time.monotonic() - t
    if "json" in kind:
        return 200, len(json.loads(data)["results"]["bindings"]), "", secs
    return 200, sum(1 for line in data.splitlines() if line.strip()), "", secs


def get(url: str, timeout: float) -> tuple[int, float]:
    t = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            r.read()
            return r.status, time.monotonic() - t
    except urllib.error.HTTPError as e:
        return e.code, time.monotonic() - t
    except (urllib.error.URLError, OSError):
        return 0, time.monotonic() - t


def measure(srv: servers.Server, path: str, script: str, args: list[str], c: int, secs: int) -> dict[str, Any]:
    r = wrk.run(srv.root + path, script, args, concurrency=c, duration=secs)
    srv.settle()
    return r.as_dict()


def run_seconds(duration: int, slowest_ms: float, c: int) -> int:
    """Seconds of a wrk run: long enough that each of ``c`` connections sees a few answers of a
    part whose slowest p50 so far is ``slowest_ms``, at most MAX_RUN_S."""
    return min(MAX_RUN_S, max(duration, math.ceil(3 * slowest_ms * c / CORES / 1000)))


def slowest_after(slowest_ms: float, r: dict[str, Any], secs: int) -> float:
    """The slowest p50 after run ``r`` of ``secs`` s (the whole run when nothing finished)."""
    return max(slowest_ms, r["p50_ms"] if r["requests"] else secs * 1000.0)


# --- the parts -------------------------------------------------------------------------------

def median_run(runs: list[dict[str, Any]], c: int) -> dict[str, Any]:
    """The round that stands for ``runs`` (one server, one query, one concurrency): at c=1 the run
    with the median p50, else the one with the median throughput (the lower middle of an even count,
    so no round's figures are mixed with another's).  Each run is a whole wrk result."""
    key = "p50_ms" if c == 1 else "qps"
    done = sorted(runs, key=lambda r: r[key])
    return {**done[(len(done) - 1) // 2], "rounds": [r[key] for r in runs]}


def run_sparql(kind: str, ours: servers.Server, ref: servers.Server, ref_path: str, queries: dict[str, str],
               work: Path, conc: list[int], duration: int, rounds: int = 1, *,
               floor: servers.Server | None = None, turns: int = PAIRED_TURNS) -> dict[str, Any]:
    """Each query at each concurrency: ``rounds`` rounds of ours and the reference, the order flipped
    from one round to the next (a noisy machine slows both alike), reported by :func:`median_run`;
    then (with c=1 among ``conc``, ``turns`` > 0) :func:`bench.paired.measure` of ours, the ``floor``
    app if given, and the reference, one request each per turn."""
    out: dict[str, Any] = {}
    flip = False
    for name, query in queries.items():
        ours_body = body_file(work, f"{kind}-ours-{name}", [("query", query)])
        if kind == "embedded":  # the Oxigraph server on the same files: the query as written
            fields, ref_accept = [("query", query)], accept_for(query)
        else:
            fields, ref_accept = reference_request(ref.root + ref_path, query,
                                                   "virtuoso" if kind == "virtuoso" else "standard")
        ref_body = body_file(work, f"{kind}-store-{name}", fields)
        entry: dict[str, Any] = {"runs": {"ours": {}, "store": {}},
                                 "reference": {"accept": ref_accept, "fields": [k for k, _ in fields],
                                               "query_sent": fields[0][1] if fields[0][1] != query else "as written"}}
        st_s, rows_s, err_s, t_s = ask(ref.root + ref_path, ref_body.read_bytes(), ref_accept)
        st_o, rows_o, err_o, t_o = ask(ours.root + "/sparql", ours_body.read_bytes(), accept_for(query))
        entry.update(rows=rows_s, first_s={"ours": round(t_o, 3), "store": round(t_s, 3)})
        targets = []
        if st_s == 200:
            targets.append(("store", ref, ref_path, ref_body, ref_accept))
        else:
            entry["store_error"] = f"HTTP {st_s}: {err_s}"
        if st_o == 200:
            targets.append(("ours", ours, "/sparql", ours_body, accept_for(query)))
        else:
            entry["ours_error"] = f"HTTP {st_o}: {err_o}"
        if st_o == st_s == 200 and rows_o != rows_s:
            entry["rows_mismatch"] = {"ours": rows_o, "store": rows_s}
        for msg in (entry.get("store_error"), entry.get("ours_error"), entry.get("rows_mismatch")):
            if msg:
                say(f"  {kind} {name}: {msg}")
        slowest_ms = 1000 * max(t_o, t_s)
        for c in sorted(conc):
            secs = run_seconds(duration, slowest_ms, c)
            entry.setdefault("seconds", {})[str(c)] = secs
            got: dict[str, list[dict[str, Any]]] = {}
            for _ in range(rounds):
                for who, srv, path, body, acc in (targets if flip else targets[::-1]):
                    r = measure(srv, path, "sparql.lua", [str(body), acc], c, secs)
                    got.setdefault(who, []).append(r)
                    slowest_ms = slowest_after(slowest_ms, r, secs)
                flip = not flip
            for who, runs in got.items():
                entry["runs"][who][str(c)] = median_run(runs, c)
            o, s = entry["runs"]["ours"].get(str(c)), entry["runs"]["store"].get(str(c))
            say(f"  {kind} {name} c={c}: ours {o and o['qps']} QPS p50 {o and o['p50_ms']} ms | "
                f"store {s and s['qps']} QPS p50 {s and s['p50_ms']} ms")
        if 1 in conc and turns > 0 and st_o == st_s == 200:
            form, ref_form = ours_body.read_bytes(), ref_body.read_bytes()
            sides = [paired.Target("ours", ours.root + "/sparql", form, accept_for(query))]
            if floor is not None:  # embedded: the same engine behind a bare handler; remote: the store's request, forwarded
                asked = (form, accept_for(query)) if kind == "embedded" else (ref_form, ref_accept)
                sides.append(paired.Target("floor", floor.root + "/q", *asked))
            sides.append(paired.Target("store", ref.root + ref_path, ref_form, ref_accept))
            try:
                entry["paired"] = paired.measure(sides, turns=turns, budget_s=PAIRED_BUDGET_S)
                say(f"  {kind} {name} paired c=1, {entry['paired']['turns']} turns: "
                    + ", ".join(f"{k} {v['median']:+.2f} ms" for k, v in entry["paired"]["diff_ms"].items()))
            except paired.PairedError as e:
                entry["paired_error"] = str(e)[:500]
                say(f"  {kind} {name} paired: {e}")
        out[name] = entry
    return out


def run_deref(kind: str, ours: servers.Server, iris: list[str], hub: str, work: Path, conc: list[int],
              duration: int, hub_timeout: float, budget: float) -> dict[str, Any]:
    """The hub city's first (uncached) Turtle and HTML, the sample's documents once each (uncached,
    one at a time), then wrk rotating over the sample and repeating the hub."""
    out: dict[str, Any] = {"hub": hub}
    for ext in ("ttl", "html"):
        status, secs = get(ours.root + doc_path(hub, ext), hub_timeout)
        out[f"hub_first_{ext}"] = {"status": status, "seconds": round(secs, 2)}
        say(f"  {kind} hub {ext} first request: HTTP {status} in {secs:.2f} s")
    firsts: list[float] = []
    deadline = time.monotonic() + budget
    fetched = []
    for iri in iris:
        if time.monotonic() > deadline:
            break
        ok = True
        for ext in ("ttl", "html"):
            status, secs = get(ours.root + doc_path(iri, ext), 60)
            ok = ok and status == 200
            firsts.append(secs * 1000)
        if ok:
            fetched.append(iri)
    firsts.sort()
    out["first_fetch"] = {"documents": len(firsts), "resources_ok": len(fetched), "asked": len(iris),
                          "p50_ms": round(firsts[len(firsts) // 2], 2) if firsts else None,
                          "p90_ms": round(firsts[int(len(firsts) * 0.9)], 2) if firsts else None}
    say(f"  {kind} sample first fetch: {out['first_fetch']}")
    sample = fetched or iris[:1]
    lists = {"ttl": [doc_path(i, "ttl") for i in sample], "html": [doc_path(i, "html") for i in sample]}
    hub_ok = all(out[f"hub_first_{e}"]["status"] == 200 and out[f"hub_first_{e}"]["seconds"] < 10
                 for e in ("ttl", "html"))
    if hub_ok:
        lists.update(hub_ttl=[doc_path(hub, "ttl")], hub_html=[doc_path(hub, "html")])
    else:
        out["hub_skipped"] = "the hub's first request failed or took ≥ 10 s: no load run on it"
    top = max(conc)
    for key, paths in lists.items():
        f = work / f"paths-{kind}-{key}.txt"
        f.write_text("".join(p + "\n" for p in paths))
        out[key] = {}
        first = out[f"hub_first_{key[4:]}"]["seconds"] if key.startswith("hub_") else 0.0
        for c in (conc if key in ("ttl", "html") else [top]):
            # each worker's first hub request is uncached: long enough that every connection sees answers
            secs = run_seconds(duration, first * 1000, c)
            out[key][str(c)] = r = measure(ours, "", "paths.lua", [str(f)], c, secs)
            say(f"  {kind} {key} c={c}: {r['qps']} QPS p50 {r['p50_ms']} ms p99 {r['p99_ms']} ms "
                f"errors {r['errors']}")
    return out


def run_scaling(kind: str, build_dir: Path, env: dict[str, str], queries: dict[str, str], iris: list[str],
                work: Path, top: int, duration: int) -> dict[str, Any]:
    """Our throughput at the top concurrency with 1, 2 and 4 gunicorn workers: a medium query,
    the trivial lookup and the sample's Turtle documents."""
    names = [n for n in queries if "label-search" in n or "trivial" in n][:2] or list(queries)[:2]
    paths = work / f"paths-{kind}-scaling.txt"
    paths.write_text("".join(doc_path(i, "ttl") + "\n" for i in iris))
    parts = [(n, "/sparql", "sparql.lua", [str(body_file(work, f"{kind}-ours-{n}", [("query", queries[n])])),
                                          accept_for(queries[n])]) for n in names]
    parts.append(("documents (Turtle, sample)", "", "paths.lua", [str(paths)]))
    slowest_ms = dict.fromkeys((p[0] for p in parts), 0.0)  # per part, so a slow part gets a long run
    out: dict[str, Any] = {}
    for w in SCALING_WORKERS:
        srv = servers.start_ours(build_dir, w, work / "logs" / f"ours-{kind}-w{w}.log", env)
        try:
            row: dict[str, Any] = {}
            for part, path, script, args in parts:
                secs = run_seconds(duration, slowest_ms[part], top)
                row[part] = measure(srv, path, script, args, top, secs)
                slowest_ms[part] = slowest_after(slowest_ms[part], row[part], secs)
            row["memory"] = srv.memory()
            out[str(w)] = row
            say(f"  {kind} workers={w}: " + ", ".join(f"{k} {v['qps']} QPS" for k, v in row.items() if "qps" in v))
        finally:
            srv.stop()
    return out


def run_backend(kind: str, a: argparse.Namespace, ctx: dict[str, Any], work: Path) -> dict[str, Any]:
    build_dir, project, store_dir = ctx["build_dir"], ctx["project"], ctx["store_dir"]
    res: dict[str, Any] = {}
    started: list[servers.Server] = []
    try:
        floor = None
        if kind == "embedded":
            # its own default graph = the build's (the named graphs' union, each triple once), as ours reads
            ref = servers.start_oxigraph(store_dir, work / "logs" / "oxigraph-ro.log", union=False)
            started.append(ref)
            if a.turns:  # pyoxigraph behind a bare WSGI handler: what of ours − store is the Python worker's
                floor = servers.start_floor(store_dir, a.workers, work / "logs" / "floor.log", union=False)
                started.append(floor)
            ref_path, web_build, env = "/query", build_dir, dict(a.server_env)
            res["store"] = "oxigraph serve-read-only on the build's store directory (its default graph)"
        else:
            ref, urls = start_store(kind, work, a.quick)
            started.append(ref)
            say(f"publishing into {kind}: sistercities build --store-update {urls['update']}")
            res["publish"] = pub = publish(project, build_dir, urls, ref, work / "logs" / f"publish-{kind}.log")
            say(f"  {kind}: published in {pub['wall_s']} s (exit {pub['exit']}), publisher peak RSS "
                f"{pub['publisher_peak_rss_mib']} MiB; store RSS {pub['store_before']['rss_mib']} -> "
                f"{pub['store_after']['rss_mib']} MiB")
            if pub["exit"] != 0:
                raise RuntimeError(f"publishing into {kind} failed: {pub.get('error', '')[-500:]}")
            ref_path = urls["query"][len(ref.root):]
            web_build = work / "no-build"
            web_build.mkdir(exist_ok=True)
            env = {**a.server_env, "SISTERCITIES_STORE_URL": urls["query"],
                   "SISTERCITIES_STORE_DIALECT": "virtuoso" if kind == "virtuoso" else "standard"}
            res["store"] = f"{kind} at {urls['query']} (STORE_URL), loaded by the publisher"
            if a.turns:  # a bare WSGI handler forwarding the store's request: what of ours − store any Python tier costs
                floor = servers.start_floor(None, a.workers, work / "logs" / f"floor-{kind}.log",
                                            upstream=urls["query"])
                started.append(floor)
        ours = servers.start_ours(web_build, a.workers, work / "logs" / f"ours-{kind}.log", env)
        started.append(ours)
        say(f"{kind}: SPARQL, ours ({a.workers} workers) vs the store's own endpoint")
        res["sparql"] = run_sparql(kind, ours, ref, ref_path, ctx["queries"], work, a.concurrency, a.duration,
                                   a.rounds, floor=floor, turns=a.turns)
        if floor is not None:
            floor.stop()  # not in the memory figures below
        if not a.no_deref:
            say(f"{kind}: documents")
            res["deref"] = run_deref(kind, ours, ctx["iris"], ctx["hub"], work, a.concurrency, a.duration,
                                     a.hub_timeout, a.fetch_budget)
        res["memory"] = {"ours": ours.memory(), "store": ref.memory()}
        ours.stop()
        if not a.no_scaling:
            say(f"{kind}: our throughput with {SCALING_WORKERS} workers at c={max(a.concurrency)}")
            res["scaling"] = run_scaling(kind, web_build, env, ctx["queries"], ctx["iris"], work,
                                         max(a.concurrency), a.duration)
    except (RuntimeError, servers.ServerError, wrk.WrkError) as e:
        res["error"] = str(e)[:2000]
        say(f"{kind}: FAILED: {e}")
    finally:
        for srv in started[::-1]:
            srv.stop()
    return res


# --- main ------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.backends", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 50k triples, 2 s runs, 30 resources")
    ap.add_argument("--triples", type=int, help="size of the generated dataset (default 1000000; quick 50000)")
    ap.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    ap.add_argument("--duration", type=int, help="seconds per wrk run (default 4; quick 2)")
    ap.add_argument("--concurrency", default="1,16", help="comma-separated connection counts (default 1,16)")
    ap.add_argument("--rounds", type=int, help="rounds of each SPARQL run, ours and the store alternating; "
                    "the median round is reported (default 3; quick 1)")
    ap.add_argument("--turns", type=int, help="turns of the paired c=1 measurement per query, one request to "
                    f"each server per turn (at most {PAIRED_BUDGET_S:g} s; default {PAIRED_TURNS}; quick 7; 0 = none)")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers of our server (default 4)")
    ap.add_argument("--backends", default=",".join(BACKENDS), help=f"comma-separated subset of {','.join(BACKENDS)}")
    ap.add_argument("--queries", default="", help="comma-separated substrings of bench/queries names (default all)")
    ap.add_argument("--sample", type=int, help="resources whose documents are requested (default 100; quick 30)")
    ap.add_argument("--fetch-budget", type=float, default=60.0, help="seconds for the sample's first fetch")
    ap.add_argument("--hub-timeout", type=float, default=75.0, help="seconds the hub city's first request may take")
    ap.add_argument("--no-deref", action="store_true", help="skip the documents part")
    ap.add_argument("--no-scaling", action="store_true", help="skip the 1/2/4 workers part")
    ap.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                    help="setting for our server, e.g. --server-env THREADS=4; repeatable "
                         "(SHARED_CACHE=false unless given: the store answers every request)")
    ap.add_argument("--work", type=Path, default=HERE / "work", help="cache and scratch folder (default bench/work)")
    ap.add_argument("--out", type=Path, help="results folder (default bench/results; quick: bench/work)")
    a = ap.parse_args(argv)
    a.triples = a.triples or (50_000 if a.quick else 1_000_000)
    a.duration = a.duration or (2 if a.quick else 4)
    a.sample = a.sample or (30 if a.quick else 100)
    a.rounds = (1 if a.quick else 3) if a.rounds is None else a.rounds
    a.turns = (7 if a.quick else PAIRED_TURNS) if a.turns is None else a.turns
    a.out = a.out or (a.work if a.quick else HERE / "results")
    try:
        a.concurrency = [int(c) for c in a.concurrency.split(",")]
    except ValueError:
        ap.error(f"--concurrency takes numbers separated by commas, got {a.concurrency!r}")
    a.backends = [b.strip() for b in a.backends.split(",") if b.strip()]
    if bad := [b for b in a.backends if b not in BACKENDS]:
        ap.error(f"unknown backend(s) {', '.join(bad)}: choose from {', '.join(BACKENDS)}")
    if a.triples < 1000 or a.duration < 1 or min(a.concurrency) < 1 or a.sample < 1 or a.workers < 1 \
            or a.rounds < 1 or a.turns < 0:
        ap.error("--triples must be ≥ 1000, --duration, --rounds, --workers, concurrency and --sample ≥ 1, "
                 "--turns ≥ 0")
    # the store is what is compared, so our server answers every request from it: without the
    # shared cache unless --server-env SHARED_CACHE=… says otherwise (bench.cachetier measures the cache)
    a.server_env = {"SISTERCITIES_SHARED_CACHE": "false", **cli.server_env(ap, a.server_env)}
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    def virtuoso_installed() -> None:
        if "virtuoso" in a.backends and shutil.which(virtuoso.BINARY) is None:
            raise servers.ServerError("Virtuoso (virtuoso-t) is not installed: run scripts/install-virtuoso")

    if not cli.start(wrk.wrk_binary, servers.oxigraph_binary, virtuoso_installed):
        return 2
    work = a.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    project, build_dir, summary, build_info = prepare_dataset(work, a.triples, a.seed)
    manifest = json.loads((build_dir / "current" / "manifest.json").read_text())
    store_dir = (build_dir / "current").resolve() / "store"
    queries = load_queries(summary)
    if a.queries:
        queries = {n: q for n, q in queries.items() if any(s.strip() in n for s in a.queries.split(","))}
    scratch = work / ("backends-quick" if a.quick else "backends")
    scratch.mkdir(exist_ok=True)
    ctx = {"project": project, "build_dir": build_dir, "store_dir": store_dir, "queries": queries,
           "iris": sample_resources(store_dir, a.sample, a.seed), "hub": BASE + summary["hub"]["path"]}
    res: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
        "dataset": {**{k: summary[k] for k in ("cities", "twinnings", "hub", "typical_city")},
                    "triples": manifest["triples"], "version": manifest["version"]},
        "build": build_info,
        "config": {"triples": a.triples, "seed": a.seed, "duration": a.duration, "rounds": a.rounds, "turns": a.turns,
                   "concurrency": a.concurrency,
                   "workers": a.workers, "scaling_workers": list(SCALING_WORKERS), "sample": a.sample,
                   "backends": a.backends, "queries": list(queries), "server_env": a.server_env, "quick": a.quick},
        "graph_queries": [n for n, q in queries.items() if is_graph_query(q)],
        "backends": {},
    }
    stem = "backends-quick" if a.quick else "backends"
    for kind in a.backends:
        res["backends"][kind] = run_backend(kind, a, ctx, scratch)
        res["checks"] = backends_report.evaluate(res)
        backends_report.write(res, a.out, stem)  # after each backend: a partial run still leaves its figures
    res["machine"]["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    res["checks"] = backends_report.evaluate(res)
    md, js = backends_report.write(res, a.out, stem)
    print(backends_report.markdown(res))
    say(f"wrote {md} and {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
