"""One publisher at a time (sistercities.publish.lock), against a real read-write Oxigraph server:
a live ticket of another publisher stops a publish before it writes anything, an abandoned one
is cleared, ``--store-break-lock`` clears it on purpose, and of two publishes run at once into
one store only one goes on, so the store always serves one whole release."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from tests.conftest import BASE, SHARED
from tests.test_publish_remote import N, Stub, changed, local_counts, oxigraph, remote_counts, served, settings

from sistercities.publish import PublishError, publish_from_settings
from sistercities.publish import lock as lock_module
from sistercities.publish.lock import LOCK_TTL, PublishLock
from sistercities.release import Release
from sistercities.store.remote import RemoteStore

__all__ = ["changed", "oxigraph"]  # the fixtures of test_publish_remote

XSD = "http://www.w3.org/2001/XMLSchema#dateTime"


def ticket(root: str, token: str, holder: str, at: dt.datetime) -> None:
    """Another publisher's ticket, written as that publisher writes it."""
    import requests
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    r = requests.post(root + "/update", timeout=30, data={"update": (
        f'INSERT DATA {{ GRAPH <{N.pointer}> {{ <{BASE}release/lock/{token}> <{BASE}ontology/lockHolder> "{holder}" ; '
        f'<{BASE}ontology/lockedAt> "{stamp}"^^<{XSD}> }} }}')})
    r.raise_for_status()


def tickets(root: str) -> list[tuple[str, str, dt.datetime | None]]:
    http = RemoteStore(root + "/query", update_url=root + "/update")
    try:
        return PublishLock(http.select, lambda _: None, N).tickets()
    finally:
        http.close()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_a_live_ticket_stops_the_publish_before_it_writes(oxigraph: str, built: Release, changed: Release) -> None:
    publish_from_settings(settings(oxigraph), built.path)
    ticket(oxigraph, "other", "ci-runner-7 pid 4242", now() - dt.timedelta(minutes=5))
    before = remote_counts(oxigraph)
    with pytest.raises(PublishError, match=r"another publish into this store is under way \(ci-runner-7 pid 4242, "
                                           r"since .*--store-break-lock; nothing was published"):
        publish_from_settings(settings(oxigraph), changed.path)
    assert remote_counts(oxigraph) == before  # nothing staged, nothing switched, no ticket of ours left
    assert [t[1] for t in tickets(oxigraph)] == ["ci-runner-7 pid 4242"]
    m = served(oxigraph)
    assert m is not None and m["version"] == built.version


def test_an_abandoned_ticket_is_cleared(oxigraph: str, built: Release) -> None:
    ticket(oxigraph, "dead", "killed-publisher pid 1", now() - dt.timedelta(seconds=LOCK_TTL + 60))
    ticket(oxigraph, "undated", "no-date pid 2", now())  # a ticket without a valid date counts as abandoned
    import requests
    requests.post(oxigraph + "/update", timeout=30, data={"update": (
        f"DELETE WHERE {{ GRAPH <{N.pointer}> {{ <{BASE}release/lock/undated> <{BASE}ontology/lockedAt> ?t }} }}")}
    ).raise_for_status()
    res = publish_from_settings(settings(oxigraph), built.path)
    assert res.published and tickets(oxigraph) == []


def test_the_lock_is_released_after_success_and_failure(oxigraph: str, built: Release, changed: Release) -> None:
    assert publish_from_settings(settings(oxigraph), built.path).published
    assert tickets(oxigraph) == []
    assert not publish_from_settings(settings(oxigraph), built.path).published  # up to date
    assert tickets(oxigraph) == []
    stub = Stub(oxigraph, fail_update_with=b"hasVersion")  # the switch answers 500
    try:
        with pytest.raises(PublishError, match="still serves"):
            publish_from_settings(settings(stub.url), changed.path)
    finally:
        stub.close()
    assert tickets(oxigraph) == []  # released: the store answered again
    said: list[str] = []
    stub = Stub(oxigraph, fail_after=2)  # the store goes bad mid-load and stays bad
    try:
        with pytest.raises(PublishError, match="still serves"):
            publish_from_settings(settings(stub.url), changed.path, log=said.append)
    finally:
        stub.close()
    assert [t[1] for t in tickets(oxigraph)] == [PublishLock(print, print, N).holder]  # it could not be removed
    assert any("could not remove the publish lock" in s and "--store-break-lock" in s for s in said)
    # the store is back: the next publish in this process knows no publish here holds that ticket
    assert publish_from_settings(settings(oxigraph), changed.path).published
    assert tickets(oxigraph) == []


def test_a_ticket_of_a_dead_process_on_this_host_is_cleared(oxigraph: str, built: Release) -> None:
    """A publisher killed with SIGKILL (a CI job cancelled) and run again on the same machine."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    holder = PublishLock(print, print, N).holder.rsplit(" pid ", 1)[0] + f" pid {dead.pid}"
    ticket(oxigraph, "killed", holder, now())
    ticket(oxigraph, "elsewhere", f"another-host pid {dead.pid}", now())  # another machine's: not ours to judge
    with pytest.raises(PublishError, match="another-host"):
        publish_from_settings(settings(oxigraph), built.path)
    assert sorted(t[1] for t in tickets(oxigraph)) == [f"another-host pid {dead.pid}"]


def _cli(project: Path, build_dir: Path, root: str, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "sistercities.cli", "build", "--project", str(project), "--build-dir", str(build_dir),
           "--no-validate", "--store-update", root + "/update", "--store-query", root + "/query",
           "--store-gsp", root + "/store", *extra]
    env = {**os.environ, "SISTERCITIES_SOURCES_DIR": str(SHARED / "sources")}
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def test_cli_says_who_holds_the_lock_and_break_lock_clears_it(oxigraph: str, changed: Release) -> None:
    project, build_dir = changed.path.parent.parent.parent / "project", changed.path.parent.parent
    ticket(oxigraph, "other", "deploy-host pid 99", now())
    r = _cli(project, build_dir, oxigraph)
    assert r.returncode == 1
    assert "another publish into this store is under way (deploy-host pid 99" in r.stderr
    assert "Traceback" not in r.stderr and served(oxigraph) is None
    r = _cli(project, build_dir, oxigraph, "--store-break-lock")
    assert r.returncode == 0, r.stderr
    m = served(oxigraph)
    assert m is not None and m["version"] == changed.version and tickets(oxigraph) == []


def test_two_publishes_at_once_only_one_goes_on(oxigraph: str, built: Release, changed: Release,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The first publish is slowed down mid-load (a proxy holding each load request); a second
    one started meanwhile stops with the lock message, the first completes (renewing its ticket
    as it goes), and the store serves the first's release whole."""
    monkeypatch.setattr(lock_module, "HEARTBEAT", 0.2)
    publish_from_settings(settings(oxigraph), built.path)
    stub = Stub(oxigraph, delay=0.3)
    errors: list[BaseException] = []

    def first() -> None:
        try:
            publish_from_settings(settings(stub.url), changed.path, chunk_bytes=20_000)
        except BaseException as e:  # reported by the assertion below
            errors.append(e)

    t = threading.Thread(target=first)
    t.start()
    try:
        deadline = time.monotonic() + 60
        while stub.posts < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stub.posts >= 2 and t.is_alive(), "the first publish was not mid-load"
        first_at = tickets(oxigraph)[0][2]
        with pytest.raises(PublishError, match="another publish into this store is under way"):
            publish_from_settings(settings(oxigraph), built.path, break_lock=False)
        # a second publish of another release would have dropped the first's staged graphs: not here
        time.sleep(1.0)
        renewed = tickets(oxigraph)
        assert len(renewed) == 1 and first_at is not None and renewed[0][2] is not None and renewed[0][2] > first_at
    finally:
        t.join(300)
        stub.close()
    assert not errors, errors
    m = served(oxigraph)
    assert m is not None and m["version"] == changed.version
    remote = remote_counts(oxigraph)
    for g, n in local_counts(changed).items():
        assert remote[N.served_default if g is None else g] == n, g
    assert tickets(oxigraph) == []
