"""The real project with a Wikidata graph: a copy of ontology/, shapes/, data/ and queries/ in a
temporary folder plus ``tests/fixtures/wikidata/imported.ttl`` (hand-written in the shape
``sistercities wikidata import`` writes) as ``data/wikidata.ttl``, built into a build folder.
The session fixture ``wikidata_build`` (conftest.py) builds it once; tests that change the project
build their own."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import BASE, ROOT, SHARED
from sistercities.build import build

IMPORTED = ROOT / "tests" / "fixtures" / "wikidata" / "imported.ttl"


def make_project(root: Path, *, wikidata: bool = True, edit: Callable[[Path], None] | None = None) -> Path:
    for d in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / d, root / d)
    if wikidata:
        shutil.copyfile(IMPORTED, root / "data" / "wikidata.ttl")
    if edit is not None:
        edit(root)
    return root


def build_project(project: Path, build_dir: Path) -> Path:
    """Build ``project`` into ``build_dir``; return the build folder."""
    build(project, build_dir, BASE, sources_dir=SHARED / "sources")
    return build_dir


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
