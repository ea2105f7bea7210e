"""A search never blocks on the label index for long (issue 9, found by the soak run).

At 1M triples the index takes ~13 s to build; under load it ran a sync worker past gunicorn's
timeout, which killed it and answered 500. Now it is built on a background thread and a search
that waits longer than ``INDEX_WAIT`` gets 503 with Retry-After.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from sistercities import create_app
from sistercities.search import LabelIndex
from sistercities.views import resource


class SlowIndex(LabelIndex):
    """The real index, built as slowly as a large dataset's would be."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        time.sleep(1.5)
        super().__init__(*args, **kwargs)


def test_search_answers_503_while_the_index_is_built_then_200(build_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resource, "LabelIndex", SlowIndex)
    monkeypatch.setattr(resource, "INDEX_WAIT", 0.2)
    client = create_app({"BUILD_DIR": str(build_dir)}).test_client()
    t0 = time.monotonic()
    r = client.get("/search?q=Khabarovsk&format=json")
    assert time.monotonic() - t0 < 1.2
    assert r.status_code == 503
    assert r.headers["Retry-After"] == str(resource.INDEX_RETRY_AFTER)
    assert "being built" in r.get_data(as_text=True)
    time.sleep(1.6)
    r = client.get("/search?q=Khabarovsk&format=json")
    assert r.status_code == 200
    assert any(h["iri"].endswith("/id/city/khabarovsk") for h in r.get_json())


def test_a_failed_index_build_is_retried(build_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    class FailsOnce(LabelIndex):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            calls.append(1)
            if len(calls) == 1:
                raise OSError("the store went away")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(resource, "LabelIndex", FailsOnce)
    client = create_app({"BUILD_DIR": str(build_dir)}).test_client()
    assert client.get("/search?q=Niigata&format=json").status_code == 503
    r = client.get("/search?q=Niigata&format=json")
    assert r.status_code == 200 and r.get_json()
