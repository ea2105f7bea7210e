"""The malloc the gunicorn workers run with (``ALLOCATOR``), preloaded with ``LD_PRELOAD``.

pyoxigraph evaluates a query in Rust, whose allocations go to the process's malloc. glibc's malloc
costs the embedded store about 15 % more CPU per heavy query than jemalloc does on this machine
(``bench.cachetier``'s cold queries, and side by side at c=16: 8.8 against 7.6 ms of CPU per answer
of the hub query), so ``serve`` can preload one. ``system`` keeps glibc's. A name (``jemalloc``,
``mimalloc``) is looked up among the system's libraries (Debian: ``libjemalloc2``); a
path names the library file itself. A library that is not there is a clear error before gunicorn
starts, never a silent fallback. Never imports Flask.
"""

from __future__ import annotations

import ctypes.util
import os
from pathlib import Path

SYSTEM = "system"
#: Names ALLOCATOR takes, and the Debian package that brings each.
KNOWN = {"jemalloc": "libjemalloc2", "mimalloc": "libmimalloc2.0"}
#: Where a library found by name is looked for when ldconfig's cache does not say.
LIB_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib")


class AllocatorError(ValueError):
    pass


def resolve(value: str) -> str | None:
    """The library file ``ALLOCATOR=value`` preloads, or None for glibc's malloc (``system``, or empty)."""
    v = value.strip()
    if v in ("", SYSTEM):
        return None
    if "/" in v:
        p = Path(v)
        if not p.is_file():
            raise AllocatorError(f"ALLOCATOR={value}: no such file")
        return str(p.resolve())
    if v not in KNOWN:
        raise AllocatorError(f"ALLOCATOR={value!r} is not one of {SYSTEM}, {', '.join(KNOWN)}, or a library's path")
    found = _find(v)
    if found is None:
        raise AllocatorError(f"ALLOCATOR={v}: lib{v} is not installed (Debian: apt-get install {KNOWN[v]}); "
                             f"or set ALLOCATOR={SYSTEM}")
    return found


def _find(name: str) -> str | None:
    for d in LIB_DIRS:
        for f in sorted(Path(d).glob(f"lib{name}.so*")) if Path(d).is_dir() else ():
            if f.is_file():
                return str(f)
    soname = ctypes.util.find_library(name)
    if soname:
        for d in LIB_DIRS:
            if (Path(d) / soname).is_file():
                return str(Path(d) / soname)
    return None


def preload_env(env: dict[str, str], library: str | None) -> dict[str, str]:
    """``env`` with ``library`` first in LD_PRELOAD (anything already preloaded kept after it)."""
    if library is None:
        return env
    rest = [p for p in env.get("LD_PRELOAD", "").replace(":", " ").split() if p and p != library]
    return {**env, "LD_PRELOAD": " ".join([library, *rest])}


def loaded(pid: int | None = None) -> list[str]:
    """The malloc libraries mapped into process ``pid`` (this one by default): what a worker runs with."""
    maps = Path(f"/proc/{pid or os.getpid()}/maps")
    try:
        text = maps.read_text()
    except OSError:
        return []
    libs = {line.split()[-1] for line in text.splitlines() if line.count(" ") >= 5}
    return sorted(p for p in libs if any(f"lib{n}" in Path(p).name for n in KNOWN))
