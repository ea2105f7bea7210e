"""Targets and the Markdown/JSON results of :mod:`bench.backends` (pure functions)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from bench.report import HEAVY_MS, NOISE_NOTE, _check_row, _fmt, _ms

TARGET_OVERHEAD_MS = 2.0  # median over the queries of ours p50 - store p50 at c=1
TARGET_HEAVY = 0.8  # ours/store QPS at the top concurrency, queries that take the store > HEAVY_MS at c=1

LABELS = {
    "embedded": "embedded store (pyoxigraph in the web worker; reference: `oxigraph serve-read-only` on the same files)",
    "oxigraph": "Oxigraph server through our remote backend (reference: the same server's `/query`)",
    "virtuoso": "Virtuoso through our remote backend (reference: the same Virtuoso's `/sparql`)",
}


def _top(res: dict[str, Any]) -> int:
    return max(res["config"]["concurrency"])


def overheads(b: dict[str, Any], pair: str = "ours-store") -> dict[str, float]:
    """Per query: our p50 minus the store's p50 at c=1 (ms): the median within-turn difference of the
    paired measurement where there is one (``pair`` names which), else of the wrk runs' p50s."""
    out = {}
    for name, q in b.get("sparql", {}).items():
        if pair in q.get("paired", {}).get("diff_ms", {}):
            out[name] = q["paired"]["diff_ms"][pair]["median"]
            continue
        if pair != "ours-store":
            continue
        o, s = q["runs"]["ours"].get("1"), q["runs"]["store"].get("1")
        if o and s and o["requests"] and s["requests"]:
            out[name] = o["p50_ms"] - s["p50_ms"]
    return out


def _paired(b: dict[str, Any]) -> bool:
    return any("paired" in q for q in b.get("sparql", {}).values())


def heavy_ratios(b: dict[str, Any], top: int) -> dict[str, float]:
    """Per heavy query (store p50 at c=1 > HEAVY_MS): ours/store QPS at ``top``."""
    out = {}
    for name, q in b.get("sparql", {}).items():
        s1 = q["runs"]["store"].get("1")
        o, s = q["runs"]["ours"].get(str(top)), q["runs"]["store"].get(str(top))
        q["heavy"] = bool(s1 and s1["p50_ms"] > HEAVY_MS)
        if q["heavy"] and o and s and s["qps"]:
            out[name] = o["qps"] / s["qps"]
    return out


def evaluate(res: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with its measured figure and pass/fail (None = not measured)."""
    checks: list[dict[str, Any]] = []
    top = _top(res)
    for kind, b in res.get("backends", {}).items():
        ov = overheads(b)
        med = statistics.median(ov.values()) if ov else None
        worst = max(ov, key=lambda n: ov[n]) if ov else None
        how = "paired, median within-turn difference" if _paired(b) else "wrk p50s"
        note = f"{how}; largest {ov[worst]:.1f} ms on {worst}" if worst else ""
        layer = overheads(b, "ours-floor")
        if layer:
            py = overheads(b, "floor-store")
            note += (f"; of which our layer (ours − floor app) median {statistics.median(layer.values()):.1f} ms, "
                     f"the {floor_label(kind)} (floor app − store) median "
                     f"{statistics.median(py.values()):.1f} ms")
        checks.append({"target": f"{kind}: our overhead at c=1, median over the queries of (ours p50 − store p50) "
                                 f"< {TARGET_OVERHEAD_MS:.0f} ms",
                       "value": med, "unit": " ms", "pass": None if med is None else med < TARGET_OVERHEAD_MS,
                       "note": note})
        hr = heavy_ratios(b, top)
        low = min(hr, key=lambda n: hr[n]) if hr else None
        checks.append({"target": f"{kind}: ours/store QPS at c={top} ≥ {TARGET_HEAVY}× on every query taking the "
                                 f"store > {HEAVY_MS:.0f} ms",
                       "value": hr[low] if low else None, "unit": "×", "pass": None if low is None else hr[low] >= TARGET_HEAVY,
                       "note": (f"lowest, on {low}; median {statistics.median(hr.values()):.2f}× over {len(hr)} queries"
                                if low else "")})
    return checks


def _pub_rows(res: dict[str, Any]) -> list[str]:
    rows = []
    for kind, b in res.get("backends", {}).items():
        p = b.get("publish")
        if not p:
            continue
        sb, sa = p["store_before"], p["store_after"]
        rows.append(f"| {kind} | {p['wall_s']:.1f} | {p['publisher_peak_rss_mib']:,.0f} | {p['publisher_cpu_s']:.1f} | "
                    f"{sb['rss_mib']:,.0f} | {sa['rss_mib']:,.0f} | {sa['peak_rss_mib']:,.0f} | "
                    f"{'ok' if p['exit'] == 0 else 'FAILED (exit {})'.format(p['exit'])} |")
    if not rows:
        return []
    return ["", "## Publishing the release into the store", "",
            "`sistercities build --project … --build-dir … --skip-shacl --store-update … --store-query … --store-gsp …` "
            "on the already built (up-to-date) release: stage every graph through the Graph Store Protocol, count, "
            "switch in one Update. Publisher peak RSS = the `sistercities build` process's own maximum resident set "
            "(wait4 rusage); store RSS summed over the store server's processes.", "",
            "| store | wall s | publisher peak RSS MiB | publisher CPU s | store RSS before MiB | store RSS after MiB "
            "| store peak RSS MiB | result |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |", *rows]


def _sparql_table(b: dict[str, Any], top: int) -> list[str]:
    out = ["| query | rows | c | ours QPS | ours p50 / p99 | store QPS | store p50 / p99 | ours − store p50 | ours/store |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, q in b.get("sparql", {}).items():
        for c in sorted(int(k) for k in {*q["runs"]["ours"], *q["runs"]["store"]}):
            o, s = q["runs"]["ours"].get(str(c)), q["runs"]["store"].get(str(c))
            diff = f"{o['p50_ms'] - s['p50_ms']:+.2f} ms" if o and s else "—"
            ratio = f"{o['qps'] / s['qps']:.2f}×" if o and s and s["qps"] else "—"
            label = name + (" (heavy)" if q.get("heavy") and c == top else "")
            out.append(f"| {label} | {q.get('rows', '—'):,} | {c} | {_fmt(o and o['qps'])} | "
                       f"{_ms(o and o['p50_ms'])} / {_ms(o and o['p99_ms'])} | {_fmt(s and s['qps'])} | "
                       f"{_ms(s and s['p50_ms'])} / {_ms(s and s['p99_ms'])} | {diff} | {ratio} |")
        for key in ("ours_error", "store_error", "rows_mismatch"):
            if q.get(key):
                out.append(f"| {name}: {key.replace('_', ' ')} | {str(q[key])[:200]} | | | | | | | |")
    return out


def floor_label(kind: str) -> str:
    """What floor − store is: pyoxigraph in a Python worker (embedded), or a bare Python handler forwarding the request."""
    return "Python worker" if kind == "embedded" else "Python tier"


def _paired_table(b: dict[str, Any], kind: str) -> list[str]:
    """The paired c=1 measurement: per query the medians and the within-turn differences."""
    rows = [(n, q["paired"]) for n, q in b.get("sparql", {}).items() if "paired" in q]
    sides = ["ours", "floor", "store"] if any("floor" in p["p50_ms"] for _, p in rows) else ["ours", "store"]
    pairs = {"ours-store": "ours − store"}
    if "floor" in sides:
        pairs |= {"ours-floor": "ours − floor (our layer)", "floor-store": f"floor − store ({floor_label(kind)})"}
    cols = ["query", "turns", *(f"{s} p50" for s in sides), *pairs.values()]
    out = ["| " + " | ".join(cols) + " |", "| --- |" + " ---: |" * (len(cols) - 1)]

    def d(p: dict[str, Any], k: str) -> str:
        x = p["diff_ms"].get(k)
        return f"{x['median']:+.2f} ms [{x['q1']:+.1f}, {x['q3']:+.1f}]" if x else "–"
    for n, p in rows:
        cells = [n, str(p["turns"]), *(_ms(p["p50_ms"][s]) for s in sides), *(d(p, k) for k in pairs)]
        out.append("| " + " | ".join(cells) + " |")
    return out


def _deref_table(d: dict[str, Any]) -> list[str]:
    out = ["| documents | c | QPS | p50 / p99 ms | errors |", "| --- | ---: | ---: | ---: | --- |"]
    for key, label in (("ttl", "Turtle, random sample"), ("html", "HTML, random sample"),
                       ("hub_ttl", "Turtle, hub city (repeated)"), ("hub_html", "HTML, hub city (repeated)")):
        for c, r in (d.get(key) or {}).items():
            errs = ", ".join(f"{k} {v}" for k, v in r["errors"].items() if v) or "none"
            out.append(f"| {label} | {c} | {_fmt(r['qps'])} | {_ms(r['p50_ms'])} / {_ms(r['p99_ms'])} | {errs} |")
    f = d.get("first_fetch") or {}
    hub = [f"{e.upper()} HTTP {d[k]['status']} in {d[k]['seconds']:.2f} s" for e, k in
           (("Turtle", "hub_first_ttl"), ("HTML", "hub_first_html")) if k in d]
    out += ["", f"First request of the hub city `{d.get('hub', '?')}` (uncached): {'; '.join(hub)}."
            + (f" {d['hub_skipped']}." if d.get("hub_skipped") else ""),
            f"First (uncached) fetch of the sample, one request at a time: {f.get('documents', 0)} documents of "
            f"{f.get('resources_ok', 0)}/{f.get('asked', 0)} resources, p50 {_ms(f.get('p50_ms'))} ms, "
            f"p90 {_ms(f.get('p90_ms'))} ms. The load runs rotate over those resources, so each worker's document "
            "cache fills as the run goes (a mix of cached and uncached)."]
    return out


def _scaling_table(s: dict[str, Any]) -> list[str]:
    if not s:
        return []
    names = [k for k in next(iter(s.values())) if k != "memory"]
    out = ["| workers | " + " | ".join(f"{n} QPS (×w=1)" for n in names) + " | PSS MiB |",
           "| ---: | " + " | ".join("---:" for _ in names) + " | ---: |"]
    base = s.get("1", {})
    for w, row in s.items():
        cells = []
        for n in names:
            q, b = row[n]["qps"], base.get(n, {}).get("qps")
            if not row[n].get("requests", 1):  # not 0 QPS: nothing finished inside the run
                cells.append(f"none finished in {row[n].get('seconds', 0):.0f} s")
            else:
                cells.append(f"{_fmt(q)} ({q / b:.2f}×)" if b else _fmt(q))
        out.append(f"| {w} | " + " | ".join(cells) + f" | {row['memory']['pss_mib']:,.0f} |")
    return out


def markdown(res: dict[str, Any]) -> str:
    cfg, m, ds = res["config"], res["machine"], res["dataset"]
    top = _top(res)
    pk = m["packages"]
    out = [f"# Three-backend benchmark ({res['date']})", "",
           f"{ds['triples']:,} triples ({ds['cities']:,} cities, {ds['twinnings']:,} twinnings; hub city "
           f"`{ds['hub']['path']}`), seed {cfg['seed']}. Machine: {m['nproc']} cores, Python {m['python']}, "
           + ", ".join(f"{k} {v}" for k, v in pk.items()) + f"; load average {m['loadavg_start']} at start"
           + (f", {m['loadavg_end']} at end" if m.get("loadavg_end") else "") + ". "
           f"Our server: `sistercities serve` (gunicorn, {cfg['workers']} sync workers). Load: wrk, {cfg['duration']} s "
           f"per run (longer for slow queries, at most 10 s), {', '.join(map(str, cfg['concurrency']))} connections"
           + (f"; each SPARQL figure is the median of {cfg['rounds']} rounds, ours and the store alternating"
              if cfg.get("rounds", 1) > 1 else "") + ".",
           "", f"> {NOISE_NOTE}", "", "## Targets", "", "| target | measured | verdict |", "| --- | --- | --- |"]
    out += [_check_row(c) for c in res.get("checks", [])]
    out += _pub_rows(res)
    for kind, b in res.get("backends", {}).items():
        out += ["", f"## {kind}: {LABELS.get(kind, kind)}", ""]
        if b.get("store"):
            out += [f"Store: {b['store']}.", ""]
        if b.get("error"):
            out += [f"**This backend's run stopped with an error:** `{b['error'][:500]}`", ""]
        if b.get("sparql"):
            out += [f"### SPARQL (queries per second; latency p50 / p99 in ms; ratio at c={top})", ""]
            out += _sparql_table(b, top)
        if _paired(b):
            out += ["", "### c=1, paired (one request to each server per turn, the order rotating; ms; "
                        "differences: median [quartiles] within a turn)", "", *_paired_table(b, kind)]
        if b.get("deref"):
            out += ["", "### Documents", "", *_deref_table(b["deref"])]
        if b.get("scaling"):
            out += ["", f"### Our throughput by gunicorn workers (c={top})", "", *_scaling_table(b["scaling"])]
        if b.get("memory"):
            mo, ms = b["memory"]["ours"], b["memory"]["store"]
            out += ["", f"Memory after the SPARQL and document runs: ours {mo['pss_mib']:,.0f} MiB PSS "
                        f"({mo['processes']} processes), store {ms['rss_mib']:,.0f} MiB RSS."]
    out += ["", "## Notes", "",
            "- **The reference request.** Embedded: the Oxigraph server on the build's store directory gets the "
            "query as written, the same form body our `/sparql` gets. Oxigraph server and Virtuoso: the store gets "
            "exactly the POST our remote backend sends it for that query — built by the executor's own "
            "`remote_request` (a `BASE <BASE_IRI>` line in front; `default-graph-uri` = the release's default graph "
            "and one `named-graph-uri` per published graph, from the manifest in the store's pointer graph; Accept "
            "`application/sparql-results+json` for SELECT, `application/n-triples` for CONSTRUCT/DESCRIBE) and then "
            "the dialect's `before` hook (Virtuoso: `DEFINE sql:describe-mode \"CBD\"` before a DESCRIBE, ORDER BY "
            "over a GROUP BY moved outside a subquery). Our `/sparql` is asked for the same media type, so our "
            "layer passes the store's bytes through (rewriting only Skolem IRIs, Virtuoso's booleans/durations). "
            "So `ours − store` is our layer: Flask, the query checks, the second HTTP hop, the answer's checks.",
            "- **c=1, paired** (`bench/paired.py`): wrk runs one server for seconds, then the other, and this VM's "
            "speed drifts between those runs by more than our layer costs; the paired measurement sends one request "
            "to each server per turn (one client, keep-alive where the server offers it), so the within-turn "
            "difference cancels the drift. The c=1 target is judged on its median where it was measured. The floor "
            "app (`bench/floor_app.py`, a bare WSGI handler under gunicorn sync with as many workers as ours, no "
            "checks) is a third side, so ours − store splits into ours − floor (our layer) and floor − store. "
            "Embedded: the floor runs pyoxigraph on the same store (floor − store: pyoxigraph in a Python worker "
            "against the Oxigraph server's own process). Remote: the floor forwards the store's very request "
            "(form fields and Accept as our backend sends them) through our HTTP client "
            "(`sistercities/store/http.py`, one kept-alive connection per worker) and returns the store's bytes "
            "(floor − store: the least any Python tier in front of the store costs, the client's new connection "
            "per request included).",
            "- Both sides are measured in the same run, alternating which goes first per concurrency; every run "
            "waits for the server's backlog to drain before the next.",
            f"- 'Heavy' = the store's own endpoint needs > {HEAVY_MS:.0f} ms (p50 at c=1).",
            "- The stores share the 2 cores with our server and wrk: at c=16 a remote backend's throughput is bounded "
            "by the store's CPU *and* ours, where the reference runs alone.",
            ]
    return "\n".join(out) + "\n"


def write(res: dict[str, Any], out_dir: Path, stem: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js = out_dir / f"{stem}.md", out_dir / f"{stem}.json"
    md.write_text(markdown(res), encoding="utf-8")
    js.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return md, js
