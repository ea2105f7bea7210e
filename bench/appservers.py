"""A faster application server, if it pays: granian beside gunicorn, in one run (issue 13).

    python -m bench.appservers            # 1M triples, 8 s runs: bench/results/appservers.{md,json}
    python -m bench.appservers --quick    # 50k triples, 2 s runs: bench/work/appservers-quick.{md,json}
    python -m bench.appservers --triples 300000 --duration 5 --workers 2

1. throughput, side by side and in alternating order, at c=1 and c=16: the trivial lookup
   (bench/queries/10-trivial-lookup.rq) on the Oxigraph server (the reference), on the floor app
   (bench/floor_app.py) under gunicorn sync, gunicorn gthread and granian, and on our app
   (``create_app``) under gunicorn sync (``sistercities serve``) and under granian; one heavy query
   (06-label-search) on our app under both;
2. the guarantees of the current design, checked on real processes under both servers: a runaway
   query answered 503 at QUERY_TIMEOUT *and its work ending*; a light query not held up behind it;
   the memory guard (MAX_QUERY_MEMORY); no network in the processes that run queries; a worker
   killed (``kill -9``, twice in a row) replaced;
3. the decision: switch only if granian at least doubles our trivial-lookup throughput (at the
   top concurrency) AND keeps every guarantee; computed from the figures.

Our app under granian gets the settings ``sistercities serve`` would give it (every setting in
the environment, the per-client limits file of gunicorn's ``on_starting`` hook), and the closest
granian options: WORKERS processes, THREADS blocking threads, failed workers respawned. gunicorn's
hooks (``post_fork``: :mod:`sistercities.lifecycle`) do not run under granian; nothing stands in.

Every server listens on 127.0.0.1 and is stopped by PID, also on failure or SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import cli, servers, wrk
from bench.run import FLOOR_THREADS, HERE, accept_for, load_queries, measure, prepare_dataset, say

CONCURRENCY = (1, 16)
TRIVIAL = "10-trivial-lookup"
HEAVY = "06-label-search"
SPEEDUP_NEEDED = 2.0  # the rule: switch only for at least twice the trivial-lookup throughput

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
MEMORY_HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"  # sorts |store|² rows: GiBs within seconds
LIGHT = "ASK { ?s ?p ?o }"
CHECK_TIMEOUT = 2.0  # QUERY_TIMEOUT of the guarantee checks
CHECK_MEMORY_MIB = 200  # MAX_QUERY_MEMORY of the memory check
MEMORY_CAP_MIB = 1500  # the bench kills a worker whose server grew by more (a guard that did not stop the query)

#: the servers of the throughput part: key -> label
LABELS = {
    "oxigraph": "Oxigraph server (Rust, reference)",
    "floor_sync": "floor app, gunicorn sync",
    "floor_gthread": f"floor app, gunicorn gthread ({FLOOR_THREADS} threads)",
    "floor_granian": "floor app, granian (1 thread)",
    "floor_granian_t4": f"floor app, granian ({FLOOR_THREADS} threads)",
    "ours_gunicorn": "our app, gunicorn sync (sistercities serve)",
    "ours_granian": "our app, granian",
    "ours_gunicorn_nocache": "our app, gunicorn sync, SHARED_CACHE off",
    "ours_granian_nocache": "our app, granian, SHARED_CACHE off",
}
OURS = ("ours_gunicorn", "ours_granian", "ours_gunicorn_nocache", "ours_granian_nocache")
NOCACHE = {"SISTERCITIES_SHARED_CACHE": "false"}  # every request runs the query (no answer kept in memory or on disk)
GUARANTEES = {
    "runaway": "a runaway query: 503 at QUERY_TIMEOUT and its work ends",
    "not_starved": "a light query is not held up behind a runaway",
    "memory": "the memory guard (MAX_QUERY_MEMORY) stops the query",
    "network": "the processes that run queries have no network",
    "replacement": "a killed worker is replaced (kill -9, twice in a row)",
}


# --- servers --------------------------------------------------------------------

def serve_env(build_dir: Path, workers: int, extra: dict[str, str]) -> dict[str, str]:
    """The environment ``sistercities serve`` gives its workers: every setting, resolved."""
    from sistercities import settings as settings_mod

    base = {**os.environ, **extra}
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(base)
        cfg = settings_mod.load({"BUILD_DIR": str(build_dir), "WORKERS": workers, "HOST": servers.HOST})
    finally:
        os.environ.clear()
        os.environ.update(saved)
    env = dict(base)
    for s in settings_mod.SETTINGS:
        env[settings_mod.ENV_PREFIX + s.name] = str(cfg[s.name])
    env.pop(settings_mod.ENV_PREFIX + "CONFIG", None)
    return env


@contextlib.contextmanager
def limits_file() -> Iterator[str]:
    """What gunicorn_conf.on_starting makes for the workers: the shared per-client limits file."""
    fd, path = tempfile.mkstemp(prefix="sistercities-limits-", suffix=".sqlite")
    os.close(fd)
    try:
        yield path
    finally:
        for p in (path, path + "-wal", path + "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(p)


def start_ours_granian(build_dir: Path, workers: int, log: Path, extra: dict[str, str], limits: str) -> servers.Server:
    from sistercities import ratelimit

    env = {**serve_env(build_dir, workers, extra), ratelimit.SHARED_ENV: limits}
    threads = max(1, int(env["SISTERCITIES_THREADS"]))
    opts = ["--respawn-failed-workers", "--respawn-interval", "0.5",
            "--workers-kill-timeout", str(int(float(env["SISTERCITIES_QUERY_TIMEOUT"])) + 30)]
    if env.get("SISTERCITIES_ACCESS_LOG"):
        opts.append("--access-log")
    return servers.start_granian("sistercities.app:create_app", workers, log, env, probe="/-/health",
                                 name="ours_granian", threads=threads, factory=True, extra=tuple(opts))


def start_floor_granian(store_dir: Path, workers: int, log: Path, threads: int = 1) -> servers.Server:
    return servers.start_granian("bench.floor_app:app", workers, log, {**os.environ, "STORE": str(store_dir)},
                                 probe="/h", name="floor_granian", threads=threads)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the workers of a gunicorn arbiter or granian main process)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                out.append(int(entry))
    return sorted(out)


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def session_rss_mib(srv: servers.Server) -> float:
    return float(srv.memory()["rss_mib"])


# --- throughput -------------------------------------------------------------------

def run_throughput(build_dir: Path, store_dir: Path, queries: dict[str, str], work: Path, workers: int,
                   duration: int, passes: int, extra: dict[str, str]) -> dict[str, Any]:
    """Every server up at once; each pass runs them one after the other, the next pass in reverse order."""
    trivial = wrk.sparql_body_file(work, TRIVIAL, queries[TRIVIAL])
    heavy = wrk.sparql_body_file(work, HEAVY, queries[HEAVY])
    targs = [str(trivial), accept_for(queries[TRIVIAL])]
    hargs = [str(heavy), accept_for(queries[HEAVY])]
    logs = work / "logs"
    started: dict[str, servers.Server] = {}
    out: dict[str, Any] = {"trivial": {}, "heavy": {}, "memory": {}, "order": []}
    with limits_file() as limits:
        try:
            starters: dict[str, Callable[[], servers.Server]] = {
                "oxigraph": lambda: servers.start_oxigraph(store_dir, logs / "appservers-oxigraph.log", union=False),
                "floor_sync": lambda: servers.start_floor(store_dir, workers, logs / "appservers-floor-sync.log"),
                "floor_gthread": lambda: servers.start_floor(store_dir, workers, logs / "appservers-floor-gthread.log",
                                                             FLOOR_THREADS),
                "floor_granian": lambda: start_floor_granian(store_dir, workers, logs / "appservers-floor-granian.log"),
                "floor_granian_t4": lambda: start_floor_granian(store_dir, workers,
                                                                logs / "appservers-floor-granian-t4.log", FLOOR_THREADS),
                "ours_gunicorn": lambda: servers.start_ours(build_dir, workers, logs / "appservers-ours-gunicorn.log",
                                                            extra),
                "ours_granian": lambda: start_ours_granian(build_dir, workers, logs / "appservers-ours-granian.log",
                                                           extra, limits),
                "ours_gunicorn_nocache": lambda: servers.start_ours(
                    build_dir, workers, logs / "appservers-ours-gunicorn-nocache.log", {**extra, **NOCACHE}),
                "ours_granian_nocache": lambda: start_ours_granian(
                    build_dir, workers, logs / "appservers-ours-granian-nocache.log", {**extra, **NOCACHE}, limits),
            }
            for key, start in starters.items():
                say(f"starting {LABELS[key]}")
                started[key] = start()
            path = {"oxigraph": "/query", **{k: "/sparql" for k in OURS}}
            keys = list(started)
            for i, c in enumerate(CONCURRENCY):
                for p in range(passes):
                    order = keys if (i + p) % 2 == 0 else keys[::-1]
                    out["order"].append({"query": TRIVIAL, "c": c, "order": order})
                    for key in order:
                        r = measure(started[key], path.get(key, "/q"), "sparql.lua", targs, c, duration)
                        out["trivial"].setdefault(key, {}).setdefault(str(c), []).append(r.as_dict())
                        say(f"  trivial c={c} pass {p + 1}: {key} {r.qps} QPS, p50 {r.p50_ms:.2f} ms")
                    for key in OURS if (i + p) % 2 == 0 else OURS[::-1]:
                        r = measure(started[key], "/sparql", "sparql.lua", hargs, c, duration)
                        out["heavy"].setdefault(key, {}).setdefault(str(c), []).append(r.as_dict())
                        say(f"  heavy c={c} pass {p + 1}: {key} {r.qps} QPS, p50 {r.p50_ms:.2f} ms")
            out["memory"] = {key: srv.memory() for key, srv in started.items()}
        finally:
            for srv in started.values():
                srv.stop()
    return out


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several passes of one server at one concurrency: mean QPS and p50, worst p99, errors summed."""
    n = len(runs)
    return {"qps": round(sum(r["qps"] for r in runs) / n, 1), "p50_ms": round(sum(r["p50_ms"] for r in runs) / n, 3),
            "p99_ms": round(max(r["p99_ms"] for r in runs), 3), "passes": n,
            "requests": sum(r["requests"] for r in runs), "errors": sum(sum(r["errors"].values()) for r in runs)}


def table(results: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, dict[str, dict[str, Any]]]:
    return {key: {c: summarize(runs) for c, runs in per_c.items()} for key, per_c in results.items()}


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def ratios(summary: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """QPS of each server / the Oxigraph server's, and granian's / gunicorn's (floor and ours)."""
    out: dict[str, Any] = {"to_oxigraph": {}, "granian_over_gunicorn": {}}
    oxi = summary.get("oxigraph", {})
    for key, per_c in summary.items():
        out["to_oxigraph"][key] = {c: _ratio(s["qps"], oxi[c]["qps"]) for c, s in per_c.items() if c in oxi}
    pairs = {"floor (granian 1 thread / gunicorn sync)": ("floor_granian", "floor_sync"),
             f"floor (granian {FLOOR_THREADS} threads / gunicorn gthread)": ("floor_granian_t4", "floor_gthread"),
             "ours (granian / gunicorn sync)": ("ours_granian", "ours_gunicorn"),
             "ours, SHARED_CACHE off (granian / gunicorn sync)": ("ours_granian_nocache", "ours_gunicorn_nocache")}
    for name, (a, b) in pairs.items():
        if a in summary and b in summary:
            out["granian_over_gunicorn"][name] = {c: _ratio(summary[a][c]["qps"], summary[b][c]["qps"])
                                                  for c in summary[a] if c in summary[b]}
    return out


# --- guarantees --------------------------------------------------------------------

def _get(root: str, query: str, timeout: float = 60) -> tuple[int, str, float]:
    """GET /sparql?query=…: (status, body, seconds); status 0 when the server did not answer."""
    t0 = time.monotonic()
    url = root + "/sparql?" + urlencode({"query": query})
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace"), time.monotonic() - t0
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), time.monotonic() - t0
    except (urllib.error.URLError, OSError) as e:
        return 0, str(e), time.monotonic() - t0


def _start(kind: str, build_dir: Path, workers: int, log: Path, extra: dict[str, str], limits: str) -> servers.Server:
    if kind == "gunicorn":
        return servers.start_ours(build_dir, workers, log, extra)
    return start_ours_granian(build_dir, workers, log, extra, limits)


def _wait_workers(srv: servers.Server, n: int, gone: set[int], within: float) -> tuple[list[int], float | None]:
    """Until ``n`` workers, none of ``gone``, and the server answers: (workers, seconds) or (workers, None)."""
    t0 = time.monotonic()
    now: list[int] = []
    while time.monotonic() - t0 < within:
        if srv.proc.poll() is not None:
            return [], None
        now = children(srv.proc.pid)
        if len(now) == n and not set(now) & gone and _get(srv.root, LIGHT, timeout=5)[0] == 200:
            return now, round(time.monotonic() - t0, 2)
        time.sleep(0.1)
    return now, None


def check_network(srv: servers.Server) -> dict[str, Any]:
    """Every thread of every worker in a network namespace other than ours (an empty one)?"""
    mine = os.readlink("/proc/self/ns/net")
    threads = shared = 0
    for pid in children(srv.proc.pid):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                threads += 1
                shared += os.readlink(f"/proc/{pid}/task/{tid}/ns/net") == mine
    return {"holds": threads > 0 and shared == 0, "worker_threads": threads, "threads_with_network": shared,
            "detail": f"{shared} of {threads} worker threads share the host's network namespace"}


def check_runaway(srv: servers.Server, workers: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The runaway (503 in time, then no CPU burnt) and light queries sent while it runs."""
    before = children(srv.proc.pid)
    got: dict[str, Any] = {}
    t = threading.Thread(target=lambda: got.update(zip(("status", "text", "seconds"), _get(srv.root, RUNAWAY),
                                                       strict=True)))
    t.start()
    time.sleep(0.3)
    waits = []
    for _ in range(4):  # each on a new connection, as a new client would
        light, _, took = _get(srv.root, LIGHT, timeout=30)
        waits.append(round(took, 2) if light == 200 else None)
    t.join(60)
    # the worker that ran it may retire and be replaced: wait for that (or 10 s), then let it settle
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(set(children(srv.proc.pid)) & set(before)) == len(before):
        time.sleep(0.1)
    replaced = len(set(children(srv.proc.pid)) & set(before)) < len(before)
    _wait_workers(srv, workers, set(), within=15)
    time.sleep(1.0)
    pids = servers._session_pids(srv.proc.pid)
    c0 = cpu_seconds(pids)
    time.sleep(2.0)
    burn = round((cpu_seconds(pids) - c0) / 2.0, 2)
    status, secs = got.get("status"), float(got.get("seconds") or 0)
    in_time = status == 503 and CHECK_TIMEOUT <= secs < CHECK_TIMEOUT + 1.5
    runaway = {"holds": bool(in_time and burn < 0.3), "status": status, "seconds": round(secs, 2),
               "cpu_after_per_s": burn, "worker_replaced": replaced,
               "detail": f"answered {status} after {secs:.2f} s; afterwards the server burns {burn:.2f} CPU-s per s; "
                         + ("its worker was replaced" if replaced else "no worker was replaced")}
    slow = [w for w in waits if w is None or w >= 1.0]
    starved = {"holds": not slow, "light_seconds": waits,
               "detail": "light queries during the runaway took " + ", ".join("failed" if w is None else f"{w:.2f} s"
                                                                             for w in waits)}
    return runaway, starved


def check_memory(srv: servers.Server, workers: int) -> dict[str, Any]:
    """The memory hog: 503 well before the timeout, its worker gone with its memory; the bench kills
    a worker itself once the server has grown by MEMORY_CAP_MIB (a guard that did not stop the query)."""
    before = children(srv.proc.pid)
    base = session_rss_mib(srv)
    status, text, secs = _get(srv.root, MEMORY_HOG, timeout=90)
    peak, killed = base, False
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        rss = session_rss_mib(srv)
        peak = max(peak, rss)
        if rss - base > MEMORY_CAP_MIB:
            big = max(children(srv.proc.pid), key=_rss_of, default=None)  # our own server's worker: the hog
            if big is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(big, signal.SIGKILL)
                killed = True
            break
        if len(set(children(srv.proc.pid)) & set(before)) < len(before) and rss - base < 300:
            break
        time.sleep(0.2)
    _wait_workers(srv, workers, set(), within=15)
    after = session_rss_mib(srv)
    time.sleep(1.0)  # a replacement worker has just imported the app
    pids = servers._session_pids(srv.proc.pid)
    c0 = cpu_seconds(pids)
    time.sleep(1.0)
    burn = round(cpu_seconds(pids) - c0, 2)
    ok = status == 503 and "MAX_QUERY_MEMORY" in text and secs < 30 and not killed and after - base < 300
    return {"holds": bool(ok), "status": status, "seconds": round(secs, 2), "grew_mib": round(peak - base),
            "killed_by_bench": killed, "rss_after_mib": round(after), "cpu_after_per_s": burn,
            "detail": f"answered {status} after {secs:.2f} s; the server grew by {peak - base:.0f} MiB"
                      + (f" and was still growing: the bench killed the worker at +{MEMORY_CAP_MIB} MiB" if killed
                         else f", {after - base:+.0f} MiB after") + f"; it burns {burn:.2f} CPU-s per s afterwards"}


def _rss_of(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def check_replacement(srv: servers.Server, workers: int) -> dict[str, Any]:
    """kill -9 a worker; once replaced and answering, kill -9 its replacement at once."""
    steps: list[float | None] = []
    for _ in range(2):
        now = children(srv.proc.pid)
        if not now:
            steps.append(None)
            break
        victim = now[-1]
        os.kill(victim, signal.SIGKILL)
        _, secs = _wait_workers(srv, workers, {victim}, within=20)
        steps.append(secs)
        if secs is None:
            break
    alive = srv.proc.poll() is None
    ok = alive and len(steps) == 2 and all(s is not None for s in steps)
    said = [line.strip() for line in srv.log.read_text(errors="replace").splitlines() if "crash loop" in line.lower()]
    return {"holds": ok, "replaced_after_s": steps, "server_alive": alive,
            "detail": "; ".join(f"kill {i + 1}: " + ("not replaced within 20 s" if s is None else f"replaced, answering "
                                                     f"after {s:.1f} s") for i, s in enumerate(steps))
                      + ("" if alive else "; the server itself exited") + (f" (its log: {said[0]!r})" if said else "")}


def check_guarantees(kind: str, build_dir: Path, workers: int, work: Path, extra: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    logs = work / "logs"
    # the memory guard raised here: at 1M the runaway outgrows the default MAX_QUERY_MEMORY (1 GiB) within
    # 1.6 s, and this check is about the timeout (the memory guard has its own check below)
    env = {**extra, "SISTERCITIES_QUERY_TIMEOUT": str(CHECK_TIMEOUT), "SISTERCITIES_MAX_QUERY_MEMORY": "4096"}
    with limits_file() as limits:
        srv = _start(kind, build_dir, workers, logs / f"appservers-check-{kind}.log", env, limits)
        try:
            _wait_workers(srv, workers, set(), within=15)
            out["network"] = check_network(srv)
            out["runaway"], out["not_starved"] = check_runaway(srv, workers)
        finally:
            srv.stop()
        menv = {**extra, "SISTERCITIES_QUERY_TIMEOUT": "60", "SISTERCITIES_MAX_QUERY_MEMORY": str(CHECK_MEMORY_MIB)}
        srv = _start(kind, build_dir, workers, logs / f"appservers-memory-{kind}.log", menv, limits)
        try:
            _wait_workers(srv, workers, set(), within=15)
            out["memory"] = check_memory(srv, workers)
            _wait_workers(srv, workers, set(), within=15)
            out["replacement"] = check_replacement(srv, workers)
        finally:
            srv.stop()
    for key, row in out.items():
        say(f"  {kind}: {key}: {'holds' if row['holds'] else 'DOES NOT HOLD'} ({row['detail']})")
    return out


# --- decision and report --------------------------------------------------------------

def decide(res: dict[str, Any]) -> dict[str, Any]:
    """Switch only if granian at least doubles our trivial-lookup QPS at the top concurrency and
    keeps every guarantee that gunicorn gives."""
    summary = res["summary"]["trivial"]
    top = str(max(int(c) for c in summary.get("ours_gunicorn", {"0": None})))
    gun = summary.get("ours_gunicorn", {}).get(top, {}).get("qps", 0)
    gra = summary.get("ours_granian", {}).get(top, {}).get("qps", 0)
    speedup = round(gra / gun, 2) if gun else None
    fast = speedup is not None and speedup >= SPEEDUP_NEEDED
    g = res.get("guarantees", {})
    given = [k for k, row in g.get("gunicorn", {}).items() if row["holds"]]
    lost = [k for k in given if not g.get("granian", {}).get(k, {}).get("holds")]
    switch = bool(fast and not lost and g.get("granian"))
    nc_gun = summary.get("ours_gunicorn_nocache", {}).get(top, {}).get("qps", 0)
    nc_gra = summary.get("ours_granian_nocache", {}).get(top, {}).get("qps", 0)
    nocache = f" (with SHARED_CACHE off, every request running the query: {nc_gra / nc_gun:.2f}×)" if nc_gun else ""
    why = [f"granian gives our app {speedup}× gunicorn's trivial-lookup throughput at c={top} "
           f"({gra} vs {gun} QPS){nocache}: {'at least' if fast else 'less than'} the {SPEEDUP_NEEDED:g}× the rule asks"]
    if lost:
        why.append("under granian these guarantees of the current design are lost: "
                   + "; ".join(GUARANTEES[k] for k in lost))
    elif g.get("granian"):
        why.append("every guarantee the current design gives holds under granian")
    else:
        why.append("the guarantees were not checked")
    return {"switch": switch, "speedup": speedup, "at_concurrency": int(top), "needed": SPEEDUP_NEEDED,
            "guarantees_lost": lost, "text": ("Switch to granian: " if switch else "Stay on gunicorn: ") + "; ".join(why) + "."}


def _fmt(x: float | None, nd: int = 2) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def markdown(res: dict[str, Any]) -> str:
    cfg = res["config"]
    conc = [str(c) for c in cfg["concurrency"]]
    lines = [f"# Application servers: granian beside gunicorn ({res['date']})", "",
             f"{cfg['triples']:,} generated triples (seed {cfg['seed']}), {cfg['workers']} workers per Python server, "
             f"{cfg['duration']} s wrk runs, {cfg['passes']} passes per figure in alternating order "
             f"(mean QPS and p50, worst p99). Machine: {res['machine']['nproc']} cores, Python "
             f"{res['machine']['python']}; " + ", ".join(f"{k} {v}" for k, v in res["machine"]["packages"].items())
             + f". Load average {res['machine'].get('loadavg_start', '?')} at the start, "
               f"{res['machine'].get('loadavg_end', '?')} at the end.",
             "", f"## Trivial lookup ({TRIVIAL})", ""]
    head = "| server | " + " | ".join(f"c={c} QPS | p50 ms | p99 ms | ×Oxigraph" for c in conc) + " |"
    lines += [head, "|" + "---|" * (1 + 4 * len(conc))]
    summ, rat = res["summary"]["trivial"], res["ratios"]["to_oxigraph"]
    for key, per_c in summ.items():
        cells = []
        for c in conc:
            s = per_c.get(c)
            cells.append("— | — | — | —" if s is None else
                         f"{s['qps']:.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {_fmt(rat.get(key, {}).get(c))}"
                         + (f" ({s['errors']} errors)" if s["errors"] else ""))
        lines.append(f"| {LABELS.get(key, key)} | " + " | ".join(cells) + " |")
    lines += ["", "granian / gunicorn (QPS):", ""]
    lines += ["| pair | " + " | ".join(f"c={c}" for c in conc) + " |", "|" + "---|" * (1 + len(conc))]
    for name, per_c in res["ratios"]["granian_over_gunicorn"].items():
        lines.append(f"| {name} | " + " | ".join(_fmt(per_c.get(c)) for c in conc) + " |")
    lines += ["", f"## A heavy query on our app ({HEAVY})", ""]
    lines += ["| server | " + " | ".join(f"c={c} QPS | p50 ms | p99 ms" for c in conc) + " |",
              "|" + "---|" * (1 + 3 * len(conc))]
    hs = res["summary"]["heavy"]
    for key, per_c in hs.items():
        lines.append(f"| {LABELS.get(key, key)} | " + " | ".join(
            f"{per_c[c]['qps']:.1f} | {per_c[c]['p50_ms']:.1f} | {per_c[c]['p99_ms']:.1f}" if c in per_c else "— | — | —"
            for c in conc) + " |")
    for a, b, what in (("ours_granian", "ours_gunicorn", "default settings"),
                       ("ours_granian_nocache", "ours_gunicorn_nocache", "SHARED_CACHE off")):
        if a in hs and b in hs:
            lines += ["", f"granian / gunicorn ({what}): " + ", ".join(
                f"c={c} {_fmt(_ratio(hs[a][c]['qps'], hs[b][c]['qps']))}" for c in conc if c in hs[a] and c in hs[b])]
    g = res.get("guarantees", {})
    if g:
        lines += ["", f"## Guarantees (our app; QUERY_TIMEOUT={CHECK_TIMEOUT:g} s, MAX_QUERY_MEMORY={CHECK_MEMORY_MIB} MiB)",
                  "", "| guarantee | gunicorn sync | granian |", "|---|---|---|"]
        for key, label in GUARANTEES.items():
            cells = []
            for kind in ("gunicorn", "granian"):
                row = g.get(kind, {}).get(key)
                cells.append("not checked" if row is None else ("**holds**: " if row["holds"] else "**no**: ") + row["detail"])
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    d = res["decision"]
    lines += ["", "## Decision", "", d["text"], ""]
    if res.get("notes"):
        lines += ["## Notes", ""] + [f"- {n}" for n in res["notes"]] + [""]
    return "\n".join(lines)


def write(res: dict[str, Any], out_dir: Path, stem: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js = out_dir / f"{stem}.md", out_dir / f"{stem}.json"
    md.write_text(markdown(res), encoding="utf-8")
    js.write_text(json.dumps(res, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return md, js


def finish(res: dict[str, Any]) -> dict[str, Any]:
    """Add the summaries, ratios and decision computed from the raw runs."""
    res["summary"] = {"trivial": table(res["runs"]["trivial"]), "heavy": table(res["runs"]["heavy"])}
    res["ratios"] = ratios(res["summary"]["trivial"])
    res["decision"] = decide(res)
    return res


NOTES = [
    "Every request is a POST of the form-encoded query; wrk keeps connections alive. The floor app "
    "(bench/floor_app.py) is a bare WSGI callable with none of the endpoint's checks: what any Python handler can reach.",
    "Our app under granian: `granian --interface wsgi --factory sistercities.app:create_app` with the environment "
    "`sistercities serve` gives gunicorn (every setting, the per-client limits file), WORKERS processes of THREADS "
    "blocking threads, --respawn-failed-workers. gunicorn's post_fork hook (sistercities.lifecycle: network isolation, "
    "retirement of a worker after a runaway) has no counterpart there, so none runs.",
    "Our app keeps SPARQL answers (SHARED_CACHE, on by default): with the same query on every request, the default "
    "rows measure an answer from the worker's memory (the server's own cost); the SHARED_CACHE off rows run the "
    "query on every request. The decision reads the default rows (what `sistercities serve` runs).",
    "granian exits altogether when a respawned worker fails again within 5.5 s ('Worker crash loop detected'): "
    "granian/server/common.py, _serve_loop.",
    "Why gunicorn's guarantees cannot simply be hooked into granian (read in granian 2.8 and tried): on Linux each "
    "granian worker binds its own listening socket (SO_REUSEPORT) after it has loaded the app, so leaving the network "
    "in the app factory (the last single-threaded moment) leaves the worker listening in the empty namespace: it "
    "started and never answered; the kernel spreads new connections over the workers whether or not they are busy, "
    "so a light query lands behind a runaway (also with --backpressure 1, which caps requests, not connections); a "
    "worker that exits to end a runaway is an 'unexpected exit', and a second one within 5.5 s ends the whole server.",
    "On a shared 2-core machine the figures move between runs (see the load average; granian/gunicorn for our app "
    "at c=16 was 3.3x in one quick run and 1.6x in the next): compare the servers within one run.",
    "The guarantee checks run on servers started for them (QUERY_TIMEOUT 2 s; MAX_QUERY_MEMORY 200 MiB), the same "
    "way under both: tests/test_sparql_limits.py checks the gunicorn side in the test suite.",
]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.appservers", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 50k triples, 2 s runs")
    ap.add_argument("--triples", type=int, help="size of the generated dataset (default 1000000; quick 50000)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--duration", type=int, help="seconds per wrk run (default 8; quick 2)")
    ap.add_argument("--passes", type=int, default=2, help="runs per server and concurrency, order alternating (default 2)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes of every Python server (default 2)")
    ap.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                    help="setting for our app under both servers, e.g. THREADS=4; repeatable")
    ap.add_argument("--no-guarantees", action="store_true", help="skip the guarantee checks")
    ap.add_argument("--work", type=Path, default=HERE / "work")
    ap.add_argument("--out", type=Path, help="results folder (default bench/results; quick: bench/work)")
    a = ap.parse_args(argv)
    a.triples = a.triples or (50_000 if a.quick else 1_000_000)
    a.duration = a.duration or (2 if a.quick else 8)
    a.out = a.out or (a.work if a.quick else HERE / "results")
    if a.triples < 1000 or a.duration < 1 or a.passes < 1 or a.workers < 1:
        ap.error("--triples ≥ 1000, --duration, --passes and --workers ≥ 1")
    a.server_env = cli.server_env(ap, a.server_env)
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if not cli.start(wrk.wrk_binary, servers.oxigraph_binary, servers.granian_binary):
        return 2
    work = a.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    pk = {}
    for name in ("sistercities", "pyoxigraph", "oxigraph", "flask", "gunicorn", "granian"):
        try:
            pk[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pk[name] = "missing"
    res: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"nproc": os.cpu_count(), "python": sys.version.split()[0], "packages": pk,
                    "loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg())},
        "config": {"triples": a.triples, "seed": a.seed, "duration": a.duration, "passes": a.passes,
                   "workers": a.workers, "concurrency": list(CONCURRENCY), "server_env": a.server_env, "quick": a.quick},
        "notes": list(NOTES),
    }
    _, build_dir, summary, _ = prepare_dataset(work, a.triples, a.seed)
    store_dir = (build_dir / "current").resolve() / "store"
    queries = load_queries(summary)
    scratch = work / "run"
    scratch.mkdir(exist_ok=True)
    say("throughput: the trivial lookup on every server, a heavy query on ours")
    res["runs"] = run_throughput(build_dir, store_dir, queries, scratch, a.workers, a.duration, a.passes, a.server_env)
    if not a.no_guarantees:
        res["guarantees"] = {}
        for kind in ("gunicorn", "granian"):
            say(f"guarantees under {kind}")
            res["guarantees"][kind] = check_guarantees(kind, build_dir, a.workers, scratch, a.server_env)
    res["machine"]["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    finish(res)
    md, js = write(res, a.out, "appservers-quick" if a.quick else "appservers")
    print(markdown(res))
    say(f"wrote {md} and {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
