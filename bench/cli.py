"""What every ``python -m bench.*`` command line shares: ``--server-env``, the tools check, SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any

from bench import servers, wrk


def server_env(ap: argparse.ArgumentParser, items: Iterable[str]) -> dict[str, str]:
    """``--server-env NAME=VALUE`` (repeatable) as ``SISTERCITIES_NAME`` environment variables."""
    env = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            ap.error(f"--server-env takes NAME=VALUE, got {item!r}")
        env["SISTERCITIES_" + name.upper().removeprefix("SISTERCITIES_")] = value
    return env


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop our servers


def start(*tools: Callable[[], object]) -> bool:
    """SIGTERM unwinds (servers are stopped by the ``finally`` blocks); each of ``tools`` (e.g.
    :func:`bench.wrk.wrk_binary`) must be found: else say which is missing and return False."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        for tool in tools:
            tool()
    except (wrk.WrkError, servers.ServerError) as e:
        print(f"bench: {e}", file=sys.stderr)
        return False
    return True
