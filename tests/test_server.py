"""The real server process: gunicorn starts on the build and answers."""

from __future__ import annotations

import requests


def test_health_and_version(live_server: str, built) -> None:  # type: ignore[no-untyped-def]
    assert requests.get(live_server + "/-/health", timeout=5).json() == {"status": "ok"}
    v = requests.get(live_server + "/-/version", timeout=5).json()
    assert v["dataset_version"] == built.version
    assert v["triples"] == built.triples


def test_unknown_path_is_404_text(live_server: str) -> None:
    r = requests.get(live_server + "/no/such/thing", headers={"Accept": "text/plain"}, timeout=5)
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/plain")
    assert "Traceback" not in r.text
