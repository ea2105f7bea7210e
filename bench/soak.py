"""Soak run (issue 9): a weighted mix of every kind of request against ``sistercities serve`` for minutes.

    python -m bench.soak                                    # 1M triples, 300 s, 32 connections
    python -m bench.soak --triples 200000 --seconds 180     # smaller
    python -m bench.soak --triples 2000 --seconds 5 --connections 4 --warmup 2 --out /tmp/soak.md

Reuses the benchmark's cached dataset (bench/generate.py + ``sistercities build``, bench/work/)
and starts our server with WORKERS=4 and QUERY_TIMEOUT lowered (5 s), so that the deliberately
expensive queries of the mix are answered 503 in bounded time.  wrk (bench/lua/soak.lua) draws
each request from the mix: the researchers' queries (bench/queries/*.rq), /id/… dereferenced in
every format (the 303), the documents in every format, HTML pages, /catalog, /dataset.html,
/sitemap.xml, dump downloads, and ~2 % runaway queries (a cross product, a huge sort).  wrk is
pinned to one core and the server to the others with sched_setaffinity when there are ≥ 2 cores
(``--no-pin`` to share them); wrk's CPU time is reported either way.

After a warm-up run (default 20 s) the memory of the server's process tree (PSS and RSS summed
from /proc) is taken, then every 10 s during the soak, and at the end.  Writes Markdown and JSON
(default bench/results/soak.md + soak.json) and checks the targets: no 5xx other than 503 on the
expensive queries, light requests' p99 < 200 ms, memory growth ≤ 10 % after the warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from bench import cli, run, servers, wrk
from sistercities.conneg import RDF_FORMATS

HERE = Path(__file__).resolve().parent
BASE = run.BASE
LIGHT_P99_MS = 200.0
MAX_MEMORY_GROWTH = 0.10
MEMORY_EVERY_S = 10.0

EXPENSIVE = {
    "cross-product": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }",
    "huge-sort": "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 10 OFFSET 900000",
}
# researchers' queries answered in well under 50 ms alone at 1M triples (bench/results/latest.md):
# held to the light target; the others are analytical (0.1-0.6 s alone) and only reported
LIGHT_QUERIES = ("hub-partners", "label-search", "describe-hub", "trivial-lookup")
FORMATS = [(f.ext, f.mime) for f in RDF_FORMATS]
FORMATS.append(("html", "text/html"))
CLASSES = ("light", "query", "dump", "expensive")


def say(msg: str) -> None:
    run.say("soak: " + msg)


# --- the mix -----------------------------------------------------------------------

def mix(summary: dict[str, Any], queries: dict[str, str], iris: list[str], dumps: list[str],
        work: Path) -> list[dict[str, Any]]:
    """The request kinds: name, weight (percent of the requests), class and their requests
    (method, path, Accept, form-body file)."""
    kinds: list[dict[str, Any]] = []

    def add(name: str, weight: float, cls: str, reqs: list[tuple[str, str, str, str]]) -> None:
        kinds.append({"kind": name, "weight": weight, "class": cls, "requests": reqs})

    ids = ["/" + quote(i[len(BASE):], safe="/-._~") for i in iris]
    for ext, _mime in FORMATS:
        add(f"doc.{ext}", 4, "light", [("GET", run.doc_path(i, ext), "", "") for i in iris])
    for ext, mime in FORMATS:
        add(f"id->{ext}", 2, "light", [("GET", p, mime, "") for p in ids])
    needle = summary["hub"]["name"][:4].lower()
    add("page:home", 3, "light", [("GET", "/", "text/html", "")])
    add("page:search", 3, "light", [("GET", "/search?" + urlencode({"q": needle}), "text/html", "")])
    add("catalog", 4, "light", [("GET", "/catalog", "", "")])
    add("dataset.html", 4, "light", [("GET", "/dataset.html", "text/html", "")])
    add("sitemap.xml", 2.5, "light", [("GET", "/sitemap.xml", "", "")])
    add("dump", 0.5, "dump", [("GET", "/dumps/" + d, "", "") for d in dumps])
    analytical = [n for n in queries if not any(k in n for k in LIGHT_QUERIES)]
    for name, query in queries.items():
        body = str(wrk.sparql_body_file(work, name, query))
        light = name not in analytical
        add(f"sparql:{name}", 6 if light else 15 / max(1, len(analytical)), "light" if light else "query",
            [("POST", "/sparql", run.accept_for(query), body)])
    for name, query in EXPENSIVE.items():
        body = str(wrk.sparql_body_file(work, "expensive-" + name, query))
        add(f"expensive:{name}", 1, "expensive", [("POST", "/sparql", "application/sparql-results+json", body)])
    total = sum(k["weight"] for k in kinds)
    for k in kinds:
        k["share_pct"] = round(100 * k["weight"] / total, 2)
    return kinds


def write_plan(kinds: list[dict[str, Any]], path: Path) -> Path:
    lines = []
    for k in kinds:
        lines.append(f"K\t{k['kind']}\t{k['weight']}\t{k['class']}")
        lines += ["R\t" + "\t".join([k["kind"], *r]) for r in k["requests"]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- processes ---------------------------------------------------------------------

def cores() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def pin_session(sid: int, cpus: set[int]) -> int:
    """Pin every process of a server's session (the arbiter: workers it forks later inherit it)."""
    n = 0
    for pid in servers._session_pids(sid):
        try:
            os.sched_setaffinity(pid, cpus)
            n += 1
        except OSError:
            continue
    return n


def session_cpu_s(sid: int) -> float:
    """User + system CPU seconds of the live processes of a session."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in servers._session_pids(sid):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        f = stat[stat.rindex(")") + 2:].split()
        total += int(f[11]) + int(f[12])  # utime, stime (fields 14, 15)
    return total / tick


def run_wrk(url: str, plan: Path, connections: int, seconds: int, seed: int, wrk_cpus: set[int] | None,
            timeout: int = 30) -> dict[str, Any]:
    """One wrk run of soak.lua (one thread per connection); its SOAKJSON summary plus wrk's CPU time."""
    cmd = [wrk.wrk_binary(), "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s",
           "--timeout", f"{timeout}s", "-s", str(wrk.LUA_DIR / "soak.lua"), url, "--", str(plan), str(seed)]
    if wrk_cpus and shutil.which("taskset"):
        cmd = ["taskset", "-c", ",".join(map(str, sorted(wrk_cpus))), *cmd]
    env = {**os.environ, "BENCH_LUA_DIR": str(wrk.LUA_DIR)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + timeout + 60, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise wrk.WrkError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    for line in proc.stdout.splitlines():
        if line.startswith("SOAKJSON "):
            d: dict[str, Any] = json.loads(line[len("SOAKJSON "):])
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            d["wrk_cpu_s"] = round(cpu, 2)
            d["command"] = shlex.join(cmd)
            return d
    raise wrk.WrkError(f"no SOAKJSON line in wrk output:\n{proc.stdout[-2000:]}\n{proc.stderr[-1000:]}")


class MemorySampler(threading.Thread):
    def __init__(self, sid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.sid, self.every = sid, every
        self.samples: list[dict[str, float]] = []
        self.t0 = time.monotonic()
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(self.every):
            self.samples.append({"t_s": round(time.monotonic() - self.t0, 1), **servers.session_memory(self.sid)})


# --- results -----------------------------------------------------------------------

def ms(us: float) -> float:
    return round(us / 1000, 2)


def summarise(raw: dict[str, Any], kinds: list[dict[str, Any]]) -> dict[str, Any]:
    """Per kind: requests, statuses, latency (ms); per class the worst p99 and the totals."""
    secs = raw["duration_us"] / 1e6
    out: dict[str, Any] = {"seconds": round(secs, 1), "requests": raw["requests"],
                           "rps": round(raw["requests"] / secs, 1) if secs else 0.0,
                           "bytes": raw["bytes"], "socket_errors": raw["errors"], "wrk_cpu_s": raw["wrk_cpu_s"],
                           "unexpected_5xx_requests": raw["bad"], "kinds": {}, "classes": {}}
    for k in kinds:
        d = raw["kinds"].get(k["kind"], {"sent": 0, "answered": 0, "status": {}, "p50": 0, "p99": 0, "p999": 0,
                                         "max": 0, "mean": 0})
        out["kinds"][k["kind"]] = {
            "class": k["class"], "share_pct": k["share_pct"], "sent": d["sent"], "answered": d["answered"],
            "status": dict(sorted(d["status"].items())), "p50_ms": ms(d["p50"]), "p99_ms": ms(d["p99"]),
            "p999_ms": ms(d["p999"]), "max_ms": ms(d["max"]), "mean_ms": ms(d["mean"])}
    for cls in CLASSES:
        ks = [v for v in out["kinds"].values() if v["class"] == cls]
        status: dict[str, int] = {}
        for v in ks:
            for code, n in v["status"].items():
                status[code] = status.get(code, 0) + n
        out["classes"][cls] = {"kinds": len(ks), "answered": sum(v["answered"] for v in ks),
                               "status": dict(sorted(status.items())),
                               "worst_p50_ms": max((v["p50_ms"] for v in ks), default=0.0),
                               "worst_p99_ms": max((v["p99_ms"] for v in ks), default=0.0),
                               "worst_p999_ms": max((v["p999_ms"] for v in ks), default=0.0)}
    return out


def evaluate(res: dict[str, Any]) -> list[dict[str, Any]]:
    soak = res["soak"]
    bad_5xx = {name: {c: n for c, n in v["status"].items() if c.startswith("5")
                      and not (c == "503" and v["class"] == "expensive")}
               for name, v in soak["kinds"].items()}
    bad_5xx = {k: v for k, v in bad_5xx.items() if v}
    light = {n: v["p99_ms"] for n, v in soak["kinds"].items() if v["class"] == "light" and v["answered"]}
    over = {n: p for n, p in light.items() if p >= LIGHT_P99_MS}
    m0, m1 = res["memory"]["start"]["pss_mib"], res["memory"]["end"]["pss_mib"]
    growth = (m1 - m0) / m0 if m0 else 0.0
    return [
        {"target": "no 5xx other than 503 on the expensive queries", "ok": not bad_5xx,
         "detail": "none" if not bad_5xx else json.dumps(bad_5xx)},
        {"target": f"light requests' p99 < {LIGHT_P99_MS:.0f} ms (every light kind)", "ok": not over,
         "detail": f"worst {max(light.values(), default=0):.1f} ms" + (
             f"; over: {', '.join(f'{n} {p:.0f} ms' for n, p in sorted(over.items(), key=lambda x: -x[1]))}"
             if over else "")},
        {"target": f"memory growth ≤ {MAX_MEMORY_GROWTH:.0%} after the warm-up (PSS summed over the server)",
         "ok": growth <= MAX_MEMORY_GROWTH, "detail": f"{m0:.1f} → {m1:.1f} MiB ({growth:+.1%})"},
    ]


def markdown(res: dict[str, Any]) -> str:
    c, s, mem = res["config"], res["soak"], res["memory"]
    lines = [
        f"# Soak run — {res['date']}", "",
        f"{c['triples']:,} generated triples ({res['dataset']['triples']:,} in the store), {c['seconds']} s at "
        f"{c['connections']} connections after a {c['warmup']} s warm-up; our server with {c['workers']} workers, "
        f"QUERY_TIMEOUT={c['query_timeout']} s; {res['machine']['nproc']} cores, load average "
        f"{res['machine']['loadavg_start']} at the start, {res['machine']['loadavg_end']} at the end.", "",
        f"Command: `{res['command']}`", "",
        f"Pinning: {res['pinning']}. wrk used {s['wrk_cpu_s']} CPU-s ({s['wrk_cpu_s'] / max(s['seconds'], 1):.0%} of a "
        f"core); the server's live processes {res['server_cpu_s']} CPU-s.", "",
        "## Targets", "", "| target | held | detail |", "| --- | --- | --- |",
        *[f"| {t['target']} | {'yes' if t['ok'] else '**NO**'} | {t['detail']} |" for t in res["checks"]],
        "", "## Totals", "",
        f"- requests answered: {s['requests']:,} in {s['seconds']} s ({s['rps']} per second), {s['bytes'] / 2**20:,.1f} MiB",
        f"- socket errors (wrk): {s['socket_errors']}",
        f"- unexpected 5xx (first 20): {s['unexpected_5xx_requests'] or 'none'}",
        f"- server log: {res['server_log']}", "",
        "| class | kinds | answered | statuses | worst p50 ms | worst p99 ms | worst p99.9 ms |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: |",
        *[f"| {cls} | {v['kinds']} | {v['answered']:,} | {_codes(v['status'])} | {v['worst_p50_ms']} | "
          f"{v['worst_p99_ms']} | {v['worst_p999_ms']} |" for cls, v in s["classes"].items()],
        "", "## Per request kind", "",
        "| kind | class | share % | sent | answered | statuses | p50 ms | p99 ms | p99.9 ms | max ms |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
        *[f"| {n} | {v['class']} | {v['share_pct']} | {v['sent']:,} | {v['answered']:,} | {_codes(v['status'])} | "
          f"{v['p50_ms']} | {v['p99_ms']} | {v['p999_ms']} | {v['max_ms']} |" for n, v in s["kinds"].items()],
        "", "## Memory of the server (process tree, MiB)", "",
        "| when | processes | PSS | RSS |", "| --- | ---: | ---: | ---: |",
        *[f"| {w} | {m['processes']} | {m['pss_mib']} | {m['rss_mib']} |"
          for w, m in (("before the warm-up", mem["before_warmup"]), ("after the warm-up (start)", mem["start"]),
                       ("end", mem["end"]))],
        "", f"Samples every {MEMORY_EVERY_S:.0f} s (PSS): " + ", ".join(
            f"{m['t_s']:.0f} s {m['pss_mib']}" for m in mem["samples"]), "",
        "## Notes", "", *[f"- {n}" for n in res["notes"]], "",
    ]
    return "\n".join(lines)


def _codes(status: dict[str, int]) -> str:
    return ", ".join(f"{c}: {n:,}" for c, n in status.items()) or "–"


def scan_log(log: Path) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    tb = text.count("Traceback (most recent call last)")
    crit = sum(1 for line in text.splitlines() if "[CRITICAL]" in line or "WORKER TIMEOUT" in line)
    boots = sum(1 for line in text.splitlines() if "Booting worker" in line)
    return f"{tb} tracebacks, {crit} worker timeouts/critical lines, {boots} workers booted ({log})"


# --- main ----------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=1_000_000, help="generated dataset size (default 1000000)")
    ap.add_argument("--seed", type=int, default=42, help="generator and mix seed (default 42)")
    ap.add_argument("--seconds", type=int, default=300, help="length of the soak after the warm-up (default 300)")
    ap.add_argument("--warmup", type=int, default=20, help="warm-up seconds before memory is first taken (default 20)")
    ap.add_argument("--connections", type=int, default=32, help="wrk connections, one thread each (default 32)")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    ap.add_argument("--query-timeout", type=float, default=5.0, help="the server's QUERY_TIMEOUT (default 5)")
    ap.add_argument("--sample", type=int, default=2000, help="resources dereferenced (default 2000)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin wrk and the server to separate cores")
    ap.add_argument("--work", type=Path, default=HERE / "work", help="cache and scratch folder (default bench/work)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "soak.md",
                    help="Markdown report; the JSON goes beside it (default bench/results/soak.md)")
    a = ap.parse_args(argv)
    if a.triples < 1000 or a.seconds < 1 or a.connections < 1 or a.workers < 1 or a.warmup < 0:
        ap.error("--triples must be ≥ 1000, --seconds, --connections and --workers ≥ 1, --warmup ≥ 0")
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    signal.signal(signal.SIGTERM, cli._terminate)
    try:
        wrk.wrk_binary()
    except wrk.WrkError as e:
        print(f"soak: {e}", file=sys.stderr)
        return 2
    work = a.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                           "command": shlex.join(["python", "-m", "bench.soak", *(argv if argv is not None
                                                                                   else sys.argv[1:])]),
                           "machine": run.machine(), "notes": []}
    _project, build_dir, summary, build_info = run.prepare_dataset(work, a.triples, a.seed)
    current = (build_dir / "current").resolve()
    manifest = json.loads((current / "manifest.json").read_text())
    res["dataset"] = {"triples": manifest["triples"], "version": manifest["version"]}
    res["build"] = build_info
    scratch = work / "soak"
    scratch.mkdir(exist_ok=True)
    iris = run.sample_resources(current / "store", a.sample, a.seed)
    dumps = sorted(p.name for p in (current / "dumps").iterdir() if p.is_file()) if (current / "dumps").is_dir() else []
    kinds = mix(summary, run.load_queries(summary), iris, dumps, scratch)
    plan = write_plan(kinds, scratch / "plan.tsv")
    res["config"] = {"triples": a.triples, "seed": a.seed, "seconds": a.seconds, "warmup": a.warmup,
                     "connections": a.connections, "workers": a.workers, "query_timeout": a.query_timeout,
                     "resources": len(iris), "dumps": dumps}
    cpus = cores()
    wrk_cpus: set[int] | None = None
    server_cpus: set[int] | None = None
    if not a.no_pin and len(cpus) >= 2:
        wrk_cpus, server_cpus = {cpus[-1]}, set(cpus[:-1])
    env = {"SISTERCITIES_QUERY_TIMEOUT": str(a.query_timeout), "SISTERCITIES_WORKERS": str(a.workers)}
    log = scratch / "logs" / "ours.log"
    say(f"starting our server: {a.workers} workers, QUERY_TIMEOUT={a.query_timeout} s")
    srv = servers.start_ours(build_dir, a.workers, log, env)
    try:
        sid = srv.proc.pid
        if server_cpus is not None:
            n = pin_session(sid, server_cpus)
            res["pinning"] = (f"wrk on CPU {sorted(wrk_cpus or [])} (taskset), the server's {n} processes on CPU "
                              f"{sorted(server_cpus)} (sched_setaffinity)")
        else:
            res["pinning"] = "none (" + ("--no-pin" if a.no_pin else f"{len(cpus)} core") + ")"
        res["memory"] = {"before_warmup": srv.memory()}
        if a.warmup:
            say(f"warm-up: {a.warmup} s at {a.connections} connections")
            res["warmup"] = summarise(run_wrk(srv.root, plan, a.connections, a.warmup, a.seed, wrk_cpus), kinds)
            srv.settle()
        res["memory"]["start"] = srv.memory()
        cpu0 = session_cpu_s(sid)
        sampler = MemorySampler(sid, MEMORY_EVERY_S)
        sampler.start()
        say(f"{a.seconds} s at {a.connections} connections, {len(kinds)} request kinds")
        raw = run_wrk(srv.root, plan, a.connections, a.seconds, a.seed + 1, wrk_cpus)
        sampler.halt.set()
        sampler.join()
        srv.settle()
        res["memory"]["end"] = srv.memory()
        res["memory"]["samples"] = sampler.samples
        res["server_cpu_s"] = round(session_cpu_s(sid) - cpu0, 1)
        res["soak"] = summarise(raw, kinds)
        res["wrk_command"] = raw["command"]
    finally:
        srv.stop()
    res["server_log"] = scan_log(log)
    res["machine"]["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    res["notes"] += [
        "Classes: 'light' = documents, 303s, pages, catalog, sitemap and the researchers' queries that take "
        f"< 50 ms alone at 1M triples ({', '.join(LIGHT_QUERIES)}), held to p99 < {LIGHT_P99_MS:.0f} ms; "
        "'query' = the analytical researchers' queries (0.1-0.6 s alone at 1M), reported only; 'dump' = whole "
        "dump downloads; 'expensive' = the two runaway queries, expected 503 after QUERY_TIMEOUT (or 200).",
        "Latency is measured in soak.lua from request() to response() on each wrk thread's single connection: "
        "one thread per connection, so answers match requests; it includes queueing in the server's backlog. "
        "wrk is closed-loop: a connection waiting for a runaway query sends nothing else meanwhile.",
        "id->FMT is GET /id/… with that format's Accept (the 303 is the answer, not followed); doc.EXT the "
        f"document itself. {len(iris)} resources drawn at random from the store, each request picks one.",
        "Memory: PSS (and RSS) summed over every process of the server's session from /proc; 'start' is taken "
        "after the warm-up and once its backlog is answered, 'end' after the soak's backlog is answered.",
        "The server runs from the working tree as it is (uncommitted changes of others included).",
    ]
    res["checks"] = evaluate(res)
    out_md = a.out if a.out.suffix == ".md" else a.out.with_suffix(".md")
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_md.write_text(markdown(res), encoding="utf-8")
    out_md.with_suffix(".json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(markdown(res))
    say(f"wrote {out_md} and {out_md.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
