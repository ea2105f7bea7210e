"""Build a release: validate, load into a new pyoxigraph store, compute VoID
statistics, write dumps and the manifest, then swap ``BUILD_DIR/current``.

The build never touches the published release until the new one is complete:
it works in ``releases/<version>.tmp-<pid>``, renames it to
``releases/<version>`` and atomically replaces the ``current`` symlink.  On
any failure the temporary folder is removed and ``current`` is unchanged.
Unchanged inputs (same files, contents, BASE_IRI and software version) do no
work.  Never imports Flask.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import gc
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from sistercities import __version__, defaultgraph, dumps, stats
from sistercities.evidence import default_sources_dir
from sistercities.rdfio import Input, input_hash, inputs, load
from sistercities.release import CURRENT, MANIFEST, RELEASES, NoBuildError, Release, current
from sistercities.report import Report
from sistercities.validate import Timer, check_layout, expand_evidence, validate_store
from sistercities.wikidata import compare_format

__all__ = ["BuildError", "Input", "build", "inputs"]

Log = Callable[[str], None]
LOCK = ".build.lock"
TMP_MARK = ".tmp-"


class BuildError(Exception):
    """The inputs are invalid (see ``report``) or the build folder is unusable."""

    def __init__(self, message: str, report: Report | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.report = report

    def __str__(self) -> str:
        # name the first errors too: a failing build in a test session says why
        if self.report is None:
            return self.message
        errs = [i.format() for i in self.report.sorted() if i.severity == "error"]
        more = f"\n  ... and {len(errs) - 20} more" if len(errs) > 20 else ""
        return "\n  ".join([self.message, *errs[:20]]) + more


def _nolog(_: str) -> None:
    pass


def _iso(t: dt.datetime) -> str:
    return t.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@contextmanager
def _locked(build_dir: Path) -> Iterator[None]:
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / LOCK, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another build is running in {build_dir} (lock {build_dir / LOCK})") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _current_or_none(build_dir: Path) -> Release | None:
    try:
        return current(build_dir)
    except NoBuildError:
        return None


def _swap(build_dir: Path, version: str) -> None:
    link = build_dir / CURRENT
    tmp = build_dir / f"{CURRENT}{TMP_MARK}{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(Path(RELEASES) / version, tmp)
    os.replace(tmp, link)  # atomic on POSIX


def _clean_stale(build_dir: Path) -> None:
    """Remove temp folders of builds that died (we hold the lock: nobody else is building)."""
    for p in (build_dir / RELEASES).glob(f"*{TMP_MARK}*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in build_dir.glob(f"{CURRENT}{TMP_MARK}*"):
        p.unlink(missing_ok=True)


def prune(build_dir: Path, keep: int) -> list[str]:
    """Delete all but the ``keep`` newest complete releases (never the current one)."""
    rels = build_dir / RELEASES
    cur = (build_dir / CURRENT).resolve() if (build_dir / CURRENT).exists() else None
    done = [p for p in rels.iterdir() if p.is_dir() and TMP_MARK not in p.name and (p / MANIFEST).exists()]
    done.sort(key=lambda p: (p / MANIFEST).stat().st_mtime, reverse=True)
    removed = []
    for p in done[max(keep, 1):]:
        if cur is not None and p.resolve() == cur:
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    return removed


def build(
    project: Path,
    build_dir: Path,
    base: str,
    *,
    validate: bool = True,
    shacl: bool = True,
    force: bool = False,
    keep: int = 3,
    log: Log = _nolog,
    sources_dir: Path | None = None,
) -> Path:
    """Build ``project`` into ``build_dir``; return the path of the (new or unchanged) current release.

    Raises :class:`BuildError` (with ``.report``) when the inputs are invalid;
    nothing is published then.  ``validate=False`` skips the term, SHACL and
    quality checks (syntax is always checked); ``shacl=False`` skips only SHACL.
    """
    project, build_dir = Path(project).resolve(), Path(build_dir)
    files = inputs(project, base)
    layout = check_layout(project, files)
    if layout:
        raise BuildError(layout[0].message, Report(issues=layout))
    t0 = time.perf_counter()
    sources_dir = Path(sources_dir) if sources_dir else default_sources_dir(project)
    texts = sorted(sources_dir.glob("*.txt")) if sources_dir.is_dir() else []
    digest = input_hash(files, base, extra=texts)
    with _locked(build_dir):
        _clean_stale(build_dir)
        cur = _current_or_none(build_dir)
        wanted = {"syntax"} | ({"terms", "quality"} if validate else set()) | ({"shacl"} if validate and shacl else set())
        done = set(cur.manifest.get("validation", {}).get("checks", ())) if cur is not None else set()
        if cur is not None and not force and cur.manifest.get("input_hash") == digest and wanted <= done:
            log(f"up to date: {cur.version}")
            return cur.path
        now = dt.datetime.now(dt.UTC)
        version = f"{now:%Y.%m.%d}-{digest[:8]}"
        final = build_dir / RELEASES / version
        # `modified` moves only when the inputs change (a forced rebuild keeps it)
        same = cur is not None and cur.manifest.get("input_hash") == digest
        modified = cur.modified if same and cur is not None else _iso(now)
        tmp = build_dir / RELEASES / f"{version}{TMP_MARK}{os.getpid()}"
        tmp.mkdir(parents=True)
        try:
            manifest = _build_into(tmp, project, files, base, version, digest, now, modified,
                                   validate=validate, shacl=shacl, log=log, sources_dir=sources_dir)
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            old = None
            if final.exists():  # --force on the same day: move the old one aside first
                old = final.with_name(f"{version}{TMP_MARK}old-{os.getpid()}")
                os.rename(final, old)
            os.rename(tmp, final)
            _swap(build_dir, version)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        removed = prune(build_dir, keep)
        if removed:
            log(f"pruned old releases: {', '.join(removed)}")
        log(f"built {version}: {manifest['triples']:,} quads in {time.perf_counter() - t0:.1f} s")
        return final.resolve()


def _build_into(
    tmp: Path, project: Path, files: list[Input], base: str, version: str, digest: str, now: dt.datetime, modified: str,
    *, validate: bool, shacl: bool, log: Log, sources_dir: Path | None = None,
) -> dict[str, Any]:
    report = Report(files=len(files))
    store = ox.Store(str(tmp / "store"))
    try:
        log(f"loading {len(files)} files")
        with Timer(report, "load", log):
            report.extend(load(store, files, base, bulk=True))
            report.checks.append("syntax")
        if report.ok:
            with Timer(report, "evidence", log):
                report.extend(expand_evidence(store, files, base))
        report.triples = len(store)
        if report.ok and validate:
            log("validating" + ("" if shacl else " (SHACL skipped)"))
            validate_store(store, project, files, base, shacl_check=shacl, report=report, log=log,
                           sources_dir=sources_dir)
        if not report.ok:
            raise BuildError(f"invalid input: {report.summary()}", report)
        quads = len(store)  # the named graphs' quads
        log("statistics")
        with Timer(report, "stats", log):
            per_graph = stats.graph_triples(store)
            st = stats.compute(store, base)
        log("dumps")
        with Timer(report, "dumps", log):
            dump_list = dumps.write_all(store, tmp / "dumps", version, base, log=log, distinct_triples=st["triples"])
        with Timer(report, "wikidata_compare", log):  # the /wikidata/compare page, computed once per build
            wikidata_compare = compare_format.write_release_file(store, base, tmp)
        # last, so that validation, statistics and the (native, fast) dumps read the named graphs as before
        log("default graph (the union of the named graphs, each triple once)")
        with Timer(report, "default_graph", log):
            defaultgraph.fill(store)
        store.flush()
        graphs: dict[str, dict[str, Any]] = {}
        for f in files:
            g = graphs.setdefault(f.graph, {"iri": f.graph, "file": f.rel, "files": [], "triples": per_graph.get(f.graph, 0)})
            g["files"].append(f.rel)
        for g in graphs.values():
            if len(g["files"]) > 1:
                g["file"] = g["files"][0].split("/", 1)[0] + "/"
    finally:
        del store
        gc.collect()
    return {
        "version": version,
        "build_time": _iso(now),
        "modified": modified,
        "input_hash": digest,
        "base_iri": base,
        "software_version": __version__,
        "triples": quads,  # quads of the named graphs; the default graph's triples are stats.triples
        "graphs": list(graphs.values()),
        "dumps": dump_list,
        "stats": st,
        **({"wikidata_compare": wikidata_compare} if wikidata_compare else {}),
        "validation": {
            "checks": report.checks,
            "errors": report.errors,
            "warnings": report.warnings,
            "timings": report.timings,
        },
    }
