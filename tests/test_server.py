"""The real server process: gunicorn starts on the build and answers."""

from __future__ import annotations

import requests


def test_health_and_version(live_server: str, built) -> None:  # type: ignore[no-untyped-def]
    assert requests.get(live_server + "/-/health", timeout=5).json() == {"status": "ok"}
    v = requests.get(live_server + "/-/version", timeout=5).json()
    assert v["dataset_version"] == built.version
    assert v["quads"] == built.triples  # the manifest's top-level "triples" is len(store): quads
    assert v["triples"] == built.manifest["stats"]["triples"] < v["quads"]  # distinct triples


def test_unknown_path_is_404_text(live_server: str) -> None:
    r = requests.get(live_server + "/no/such/thing", headers={"Accept": "text/plain"}, timeout=5)
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/plain")
    assert "Traceback" not in r.text


def test_wrong_method_is_405_with_allow(live_server: str) -> None:
    r = requests.post(live_server + "/-/health", timeout=5)
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"]


def test_long_request_line_reaches_the_app(live_server: str) -> None:
    # gunicorn's own 4 KiB request-line limit is lifted; our MAX_REQUEST_BYTES answers instead
    r = requests.get(live_server + "/search", params={"q": "x" * 5000}, timeout=5)
    assert r.status_code in (400, 413, 414)
    assert "Traceback" not in r.text
