"""The version history a catalogue lists: from the build folder (releases side by side) and,
for a web server with only a remote store, from the ``history`` its publisher recorded in the
stored manifest (:func:`served_history`).  The real publish-and-serve run is in
``test_publish_remote.py``."""

from __future__ import annotations

import json
from pathlib import Path

from sistercities.catalog.model import read_history
from sistercities.release import MANIFEST, Release
from sistercities.store.manifest import served_history


def manifest(version: str, built: str, **kw: object) -> dict[str, object]:
    return {"version": version, "build_time": built, "triples": 10, **kw}


def test_served_history_keeps_what_the_store_served_oldest_first_without_repeats() -> None:
    assert served_history(None, "v1") == []
    first = manifest("v1", "2026-01-01T00:00:00Z", stats={"big": 1})
    assert served_history(first, "v2") == [{"version": "v1", "build_time": "2026-01-01T00:00:00Z", "triples": 10}]
    second = {**manifest("v2", "2026-02-01T00:00:00Z"), "history": served_history(first, "v2")}
    assert [e["version"] for e in served_history(second, "v3")] == ["v1", "v2"]
    # publishing the served release again (a repair) does not list it as its own predecessor
    assert [e["version"] for e in served_history(second, "v2")] == ["v1"]
    # a corrupt entry in a stored manifest is skipped, not carried on
    broken = {**second, "history": ["v0", {"build_time": "x"}, *second["history"]]}  # type: ignore[list-item]
    assert [e["version"] for e in served_history(broken, "v3")] == ["v1", "v2"]


def test_history_from_the_manifest_alone(tmp_path: Path) -> None:
    """No build folder (a web server reading the manifest from the store): the recorded
    releases and the served one, newest first; the oldest is what dct:issued is taken from."""
    m = {**manifest("v3", "2026-03-01T00:00:00Z"),
         "history": [manifest("v1", "2026-01-01T00:00:00Z"), manifest("v2", "2026-02-01T00:00:00Z", modified="2025")]}
    h = read_history(Release(path=tmp_path / "absent" / "releases" / "v3", manifest=m))
    assert [(v.version, v.build_time) for v in h] == [
        ("v3", "2026-03-01T00:00:00Z"), ("v2", "2026-02-01T00:00:00Z"), ("v1", "2026-01-01T00:00:00Z")]
    assert h[1].modified == "2025" and h[2].modified == "2026-01-01T00:00:00Z" and h[0].triples == 10


def test_history_merges_the_build_folder_and_the_manifest(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    for v, t in (("v1", "2026-01-01T00:00:00Z"), ("v2", "2026-02-01T00:00:00Z")):
        (releases / v).mkdir(parents=True)
        (releases / v / MANIFEST).write_text(json.dumps(manifest(v, t)), encoding="utf-8")
    (releases / "junk").mkdir()
    (releases / "junk" / MANIFEST).write_text("[1, 2]", encoding="utf-8")  # not a manifest: skipped
    m = {**manifest("v2", "2026-02-01T00:00:00Z"), "history": [manifest("v0", "2025-12-01T00:00:00Z")]}
    h = read_history(Release(path=releases / "v2", manifest=m))
    assert [v.version for v in h] == ["v2", "v1", "v0"]
