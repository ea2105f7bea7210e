"""Run wrk (Debian's) with our Lua scripts and read its one-line JSON summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

LUA_DIR = Path(__file__).resolve().parent / "lua"


class WrkError(RuntimeError):
    pass


@dataclass(frozen=True)
class Result:
    """One wrk run: throughput, latency percentiles (ms) and errors."""

    concurrency: int
    seconds: float
    requests: int
    qps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: dict[str, int]
    bytes: int

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def wrk_binary() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkError("wrk is not installed: run scripts/install-bench-tools (Debian package wrk)")
    return path


def version() -> str:
    out = subprocess.run([wrk_binary(), "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).split("\n")[0].split(" Copyright")[0].strip().removeprefix("wrk ")


def parse(output: str, concurrency: int) -> Result:
    for line in output.splitlines():
        if line.startswith("WRKJSON "):
            d = json.loads(line[len("WRKJSON "):])
            secs = d["duration_us"] / 1e6
            lat = d["latency_us"]
            return Result(
                concurrency=concurrency,
                seconds=round(secs, 2),
                requests=d["requests"],
                qps=round(d["requests"] / secs, 1) if secs else 0.0,
                p50_ms=lat["p50"] / 1000,
                p90_ms=lat["p90"] / 1000,
                p99_ms=lat["p99"] / 1000,
                mean_ms=round(lat["mean"] / 1000, 3),
                max_ms=lat["max"] / 1000,
                errors=d["errors"],
                bytes=d["bytes"],
            )
    raise WrkError(f"no WRKJSON line in wrk output:\n{output[-2000:]}")


def run(url: str, script: str, args: list[str], *, concurrency: int, duration: int,
        timeout: int = 60) -> Result:
    """``wrk -c concurrency -t min(concurrency, 2) -d duration`` with a script of bench/lua."""
    threads = min(concurrency, 2)  # 2 cores: more wrk threads only steal CPU from the servers
    cmd = [wrk_binary(), "-c", str(concurrency), "-t", str(threads), "-d", f"{duration}s",
           "--timeout", f"{timeout}s", "-s", str(LUA_DIR / script), url, "--", *args]
    env = {**os.environ, "BENCH_LUA_DIR": str(LUA_DIR)}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=duration + timeout + 30, check=False)
    if proc.returncode != 0:
        raise WrkError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    return parse(proc.stdout, concurrency)


def sparql_body_file(work: Path, name: str, query: str) -> Path:
    """The form body ``query=...`` of a SPARQL POST, written once for wrk to read."""
    path = work / "bodies" / f"{name}.form"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(urlencode({"query": query}), encoding="ascii")
    return path
