"""Coverage-guided fuzz targets (atheris / libFuzzer) for the pure modules.

One target per pure module; each decodes the fuzzer's bytes with
``atheris.FuzzedDataProvider`` and calls the public functions.  Only the
exceptions a module documents are fine (``BadPath``, ``SafetyError``,
``ProtocolError``); anything else propagates and libFuzzer records a crash.

    .venv/bin/python fuzz/atheris_targets.py --target all --seconds 60

runs every target in its own subprocess (one after another), each for
``--seconds`` with ``-max_total_time`` and ``-print_final_stats=1``, from a
small seed corpus, and writes a Markdown summary (``fuzz/results.md`` or
``--out``).  The module imports without atheris (a tiny stand-in provider is
used then), so ``tests/test_fuzz_targets.py`` can call the targets directly.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import atheris
except ImportError:  # the tests call the targets without atheris
    atheris = None

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT / "server") not in sys.path:
    sys.path.insert(0, str(_ROOT / "server"))

_PURE_MODULES = [
    "sistercities.conneg",
    "sistercities.iripath",
    "sistercities.uris",
    "sistercities.sparql.safety",
    "sistercities.sparql.protocol",
]
# Only a fuzzing child process instruments the modules under test (for coverage feedback).
_INSTRUMENT = atheris is not None and "--run-target" in sys.argv
with atheris.instrument_imports(include=_PURE_MODULES) if _INSTRUMENT else contextlib.nullcontext():
    import pyoxigraph as ox

    from sistercities import conneg, iripath
    from sistercities.sparql import protocol, safety
    from sistercities.uris import MAX_IRI_LENGTH, URLs


class _Provider:
    """The few ``atheris.FuzzedDataProvider`` methods we use, for running without atheris."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def _take(self, n: int) -> bytes:
        out = self._data[self._pos:self._pos + n]
        self._pos += len(out)
        return out

    def ConsumeIntInRange(self, lo: int, hi: int) -> int:
        b = self._take(2)
        return lo + int.from_bytes(b, "little") % (hi - lo + 1) if b else lo

    def ConsumeBool(self) -> bool:
        return bool(self.ConsumeIntInRange(0, 1))

    def ConsumeBytes(self, n: int) -> bytes:
        return self._take(n)

    def ConsumeUnicodeNoSurrogates(self, n: int) -> str:
        return self._take(n).decode("utf-8", errors="replace")

    def PickValueInList(self, values: list[Any]) -> Any:
        return values[self.ConsumeIntInRange(0, len(values) - 1)]


def _provider(data: bytes) -> Any:
    return atheris.FuzzedDataProvider(data) if atheris is not None else _Provider(data)


# --- targets ------------------------------------------------------------------

_OFFER_POOL = [conneg.HTML, *(f.mime for f in conneg.RDF_FORMATS), "application/sparql-results+json",
               "text/csv", "application/json", "*/*", "text/*"]


def target_conneg(data: bytes) -> None:
    """``negotiate`` and ``parse_accept_language``: documented as never failing."""
    fdp = _provider(data)
    n = fdp.ConsumeIntInRange(0, 5)
    offers = [fdp.PickValueInList(_OFFER_POOL) for _ in range(n)]
    if fdp.ConsumeBool():
        offers.append(fdp.ConsumeUnicodeNoSurrogates(20))
    header = fdp.ConsumeUnicodeNoSurrogates(400) if fdp.ConsumeIntInRange(0, 7) else None
    result = conneg.negotiate(header, offers)
    assert result is None or result in offers, (result, offers)
    if not offers:
        assert result is None
    elif header is None or not header.strip():
        assert result == offers[0]
    tags = conneg.parse_accept_language(header)
    assert all(isinstance(t, str) and t == t.lower() and t for t in tags), tags
    conneg.parse_accept(header)


_BASES = ["https://w3id.org/twinning/", "http://example.org/", "http://127.0.0.1:8080/x/"]
_PREFIXES = ["/id/city/", "/doc/id/city/", "/id/", "/", "", "/ontology", "/id/twinning/"]


def target_iripath(data: bytes) -> None:
    """``check``, ``iri_for``, ``split_extension``, ``raw_request_path``: only ``BadPath``; plus the round trip."""
    fdp = _provider(data)
    mode = fdp.ConsumeIntInRange(0, 3)
    urls = URLs(base=fdp.PickValueInList(_BASES))
    raw = fdp.PickValueInList(_PREFIXES) + fdp.ConsumeUnicodeNoSurrogates(300)
    if mode == 0:
        raw_uri = raw + ("?" + fdp.ConsumeUnicodeNoSurrogates(30) if fdp.ConsumeBool() else "")
        if fdp.ConsumeBool():
            raw_uri = "http://host" + raw_uri
        script_root = fdp.PickValueInList(["", "/app", "/x y"])
        path = iripath.raw_request_path(raw_uri if fdp.ConsumeBool() else None, script_root, raw)
        assert isinstance(path, str)
        raw = path
    stem, ext = iripath.split_extension(raw)
    assert (stem, ext) == (raw, None) or (stem + "." + str(ext) == raw and ext in iripath.DOC_EXTENSIONS)
    try:
        decoded = iripath.check(raw)
        assert isinstance(decoded, str)
    except iripath.BadPath as e:
        assert e.status in (400, 414)
    try:
        iri = iripath.iri_for(urls, stem)
    except iripath.BadPath as e:
        assert e.status in (400, 414)
    else:
        assert iri.startswith(urls.base)
        ox.NamedNode(iri)  # iri_for promises a valid IRI
    if mode == 3:
        _round_trip(urls, urls.base + fdp.ConsumeUnicodeNoSurrogates(300))


_DOT_SEGMENT = re.compile(r"(?:^|/)\.\.?(?:/|$)")
#: Set by ``--skip-known``: keep fuzzing past the known round-trip failure (see fuzz/results.md).
_SKIP_KNOWN = os.environ.get("SISTERCITIES_FUZZ_SKIP_KNOWN") == "1"


def _round_trip(urls: URLs, iri: str) -> None:
    """``iri_for(u, u.path_for_iri(iri)) == iri`` for every IRI the store accepts."""
    try:
        ox.NamedNode(iri)
    except ValueError:
        return
    path = urls.path_for_iri(iri)
    assert path is not None
    if _SKIP_KNOWN and path.startswith("//"):
        return  # known: URLs.iri_for_path lstrips every '/', so {base}/x maps back to {base}x
    try:
        back = iripath.iri_for(urls, path)
    except iripath.BadPath as e:
        # documented refusals of valid IRIs: too long (414) and '.'/'..' segments (400)
        rest = iri[len(urls.base):]
        documented = (e.status == 414 and len(iri) > MAX_IRI_LENGTH) or (
            e.status == 400 and _DOT_SEGMENT.search("/" + rest.split("?", 1)[0].split("#", 1)[0]) is not None
        ) or (e.status == 400 and _DOT_SEGMENT.search("/" + rest) is not None)
        if not documented:
            raise AssertionError(f"valid IRI {iri!r} (path {path!r}) refused: {e.status} {e.message}") from None
        return
    assert back == iri, (iri, path, back)


_SPARQL_WORDS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "SERVICE", "INSERT", "DELETE", "WITH", "LOAD",
                 "FROM", "NAMED", "PREFIX", "BASE", "WHERE", "{", "}", "?s", "<http://x/>", "ex:a", "'s'",
                 '"""x"""', "# c\n", "@en", "_:b", ".", " ", "\n"]


def target_safety(data: bytes) -> None:
    """``tokenize`` / ``analyse`` / ``check``: only ``SafetyError`` (403)."""
    fdp = _provider(data)
    if fdp.ConsumeBool():
        text = fdp.ConsumeUnicodeNoSurrogates(600)
    else:  # token soup: reaches the keyword logic more often than raw text
        text = "".join(
            fdp.PickValueInList(_SPARQL_WORDS) if fdp.ConsumeBool() else fdp.ConsumeUnicodeNoSurrogates(6)
            for _ in range(fdp.ConsumeIntInRange(0, 40))
        )
    toks = safety.tokenize(text)
    for t in toks:
        assert text.startswith(t.text, t.pos), t
    info = safety.analyse(text)
    try:
        checked = safety.check(text)
    except safety.SafetyError as e:
        assert e.status == 403
        assert info.service or (info.update and info.form is None)
    else:
        assert checked == info and not info.service
    if toks:
        safety.line_col(text, toks[-1].pos)


_METHODS = ["GET", "HEAD", "POST", "post", "PUT", "DELETE", "OPTIONS", ""]
_CTYPES = [None, protocol.FORM, protocol.DIRECT, protocol.UPDATE, protocol.FORM + "; charset=UTF-8",
           protocol.DIRECT + ";charset=latin1", "text/plain", ""]


def target_protocol(data: bytes) -> None:
    """``parse_request`` over method, Content-Type, query string and body: only ``ProtocolError``."""
    fdp = _provider(data)
    method = fdp.PickValueInList(_METHODS)
    ctype = fdp.PickValueInList(_CTYPES) if fdp.ConsumeIntInRange(0, 5) else fdp.ConsumeUnicodeNoSurrogates(60)
    max_bytes = fdp.PickValueInList([16, 1024, 1 << 20])
    query_string = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 300))
    body = fdp.ConsumeBytes(600)
    read: list[int] = []

    def get_body() -> bytes:
        read.append(1)
        return body

    try:
        req = protocol.parse_request(method, ctype, query_string, get_body, max_bytes=max_bytes)
    except protocol.ProtocolError as e:
        assert 400 <= e.status < 500, e.status
        return
    if method.upper() != "POST":
        assert not read, "body read for a non-POST request"
    if req is not None:
        # POST refuses an empty query (400); GET passes ``query=`` through (the executor or the
        # HTML query page deal with it), so only POST promises a non-blank query.
        assert isinstance(req.query, str)
        if method.upper() == "POST":
            assert req.query.strip()
        for g in (*req.default_graphs, *req.named_graphs):
            ox.NamedNode(g)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "conneg": target_conneg,
    "iripath": target_iripath,
    "safety": target_safety,
    "protocol": target_protocol,
}

# --- seed corpus -----------------------------------------------------------------

_SEED_TEXT = {
    "conneg": [
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "text/turtle", "application/ld+json;q=0.5, text/turtle;q=0.9", "*/*",
        "application/json", "text/*;q=0.3, text/html;q=0.7, */*;q=0.1",
        "en-GB,en;q=0.9,ru;q=0.8,de;q=0", "application/rdf+xml;q=abc, text/n3",
    ],
    "iripath": [
        "/id/city/khabarovsk", "/doc/id/city/khabarovsk.ttl", "/id/city/%D1%85%D0%B0%D0%B1",
        "/id/city/../x", "/id/city/a%2", "/id/twinning/khabarovsk--niigata.jsonld", "/id/city/x%00y",
        "https://w3id.org/twinning/id/city/sankt-peterburg",
    ],
    "safety": [
        "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
        "PREFIX tw: <https://w3id.org/twinning/ontology/>\nSELECT ?c WHERE { ?c a tw:City }",
        "ASK FROM <http://x/g> FROM NAMED <http://y/> { ?s ?p ?o }",
        "SELECT * { SERVICE <http://dbpedia.org/sparql> { ?s ?p ?o } }",
        "INSERT DATA { <a> <b> <c> }", "# SERVICE\nSELECT ('''SERVICE''' AS ?x) {}",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p \"x\"@en }",
    ],
    "protocol": [
        "query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D&format=json",
        "query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fx%2F&named-graph-uri=urn%3Ax",
        "update=DROP%20ALL", "query=a&query=b", "format=csv&format=json", "%FF=1",
    ],
}


def seeds(name: str) -> list[bytes]:
    """Seed inputs: the realistic text behind a few selector bytes (any bytes are valid input)."""
    out = []
    for i, text in enumerate(_SEED_TEXT[name]):
        for prefix in (bytes([i % 4, 0, 1, 0, 0, 0]), bytes([1, 0, 0, 0, 1, 0, 3, 0])):
            out.append(prefix + text.encode())
    return out


# --- driver ------------------------------------------------------------------------

_STAT = re.compile(r"stat::(\w+):\s*(\d+)")
_COV = re.compile(r"cov: (\d+) ft: (\d+)")


def _run_child(name: str, libfuzzer_args: list[str]) -> None:
    if atheris is None:
        raise SystemExit("atheris is not installed: .venv/bin/pip install atheris")
    atheris.Setup([sys.argv[0], *libfuzzer_args], TARGETS[name])
    atheris.Fuzz()


def fuzz_one(name: str, seconds: int, workdir: Path, skip_known: bool = False) -> dict[str, Any]:
    corpus = workdir / f"corpus-{name}"
    corpus.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(seeds(name)):
        (corpus / f"seed-{i:02d}").write_bytes(seed)
    artifacts = workdir / f"artifacts-{name}"
    artifacts.mkdir(exist_ok=True)
    log = workdir / f"{name}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--run-target", name, "--",
           f"-max_total_time={seconds}", "-print_final_stats=1", "-timeout=10", "-rss_limit_mb=2048",
           "-max_len=4096", f"-artifact_prefix={artifacts}/", str(corpus)]
    t0 = time.monotonic()
    with log.open("w") as fh:
        rc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=False,
                            env={**os.environ, "PYTHONHASHSEED": "0",
                                 "SISTERCITIES_FUZZ_SKIP_KNOWN": "1" if skip_known else "0"}).returncode
    elapsed = time.monotonic() - t0
    text = log.read_text(errors="replace")
    stats = {k: int(v) for k, v in _STAT.findall(text)}
    covs = _COV.findall(text)
    crashes = sorted(p.name for p in artifacts.iterdir())
    return {
        "target": name,
        "seconds": round(elapsed, 1),
        "execs": stats.get("number_of_executed_units", 0),
        "exec_s": stats.get("average_exec_per_sec", 0),
        "cov": int(covs[-1][0]) if covs else 0,
        "ft": int(covs[-1][1]) if covs else 0,
        "corpus": len(list(corpus.iterdir())),
        "crashes": len(crashes),
        "artifacts": [str(artifacts / c) for c in crashes],
        "rc": rc,
        "log": str(log),
        "tail": _crash_report(text, artifacts, crashes) if crashes or rc else "",
    }


def _crash_report(log: str, artifacts: Path, crashes: list[str]) -> str:
    start = log.find("=== Uncaught")
    head = log[start - 1:][:5000] if start >= 0 else log[-3000:]
    return head + "".join(f"\n{c}: {(artifacts / c).read_bytes()!r}" for c in crashes)


def to_markdown(rows: list[dict[str, Any]], seconds: int) -> str:
    version = getattr(atheris, "__version__", None) if atheris is not None else None
    if version is None:
        with contextlib.suppress(Exception):
            from importlib.metadata import version as _v
            version = _v("atheris")
    lines = [
        "# Fuzz run (atheris / libFuzzer)",
        "",
        f"atheris {version}, Python {sys.version.split()[0]}, {seconds} s per target (`-max_total_time`), "
        f"targets run one after another. Reproduce: `.venv/bin/python fuzz/atheris_targets.py --target all "
        f"--seconds {seconds}`.",
        "",
        "| target | seconds | executions | exec/s | coverage (cov / ft) | corpus | crashes |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['target']} | {r['seconds']} | {r['execs']} | {r['exec_s']} | {r['cov']} / {r['ft']} "
                     f"| {r['corpus']} | {r['crashes']} |")
    lines.append("")
    lines.append("cov: edges covered in the instrumented modules (conneg, iripath, uris, sparql.safety, "
                 "sparql.protocol); ft: libFuzzer features. Only documented exceptions (BadPath, SafetyError, "
                 "ProtocolError) are accepted; anything else, a failed assertion or a >10 s input is a crash.")
    for r in rows:
        if r["crashes"] or r["rc"]:
            lines += ["", f"## {r['target']}: exit {r['rc']}, artifacts {r['artifacts']}", "", "```",
                      r["tail"].strip(), "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--run-target"]:
        name, rest = argv[1], argv[2:]
        _run_child(name, rest[1:] if rest[:1] == ["--"] else rest)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", default="all", choices=[*TARGETS, "all"])
    ap.add_argument("--seconds", type=int, default=60, help="fuzzing time per target (default 60)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results.md")
    ap.add_argument("--workdir", type=Path, default=None, help="keep corpora, logs and crashes here")
    ap.add_argument("--skip-known", action="store_true",
                    help="do not stop at the known round-trip failure ({base}/x -> //x -> {base}x)")
    args = ap.parse_args(argv)
    if atheris is None:
        ap.error("atheris is not installed: .venv/bin/pip install atheris")
    names = list(TARGETS) if args.target == "all" else [args.target]
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fuzz-")))
        rows = []
        for name in names:
            r = fuzz_one(name, args.seconds, workdir, args.skip_known)
            rows.append(r)
            print(f"{name:9s} {r['seconds']:6.1f} s  execs={r['execs']}  exec/s={r['exec_s']}  "
                  f"cov={r['cov']} ft={r['ft']}  crashes={r['crashes']}", flush=True)
            if r["tail"]:
                print(r["tail"], flush=True)
        md = to_markdown(rows, args.seconds)
    args.out.write_text(md)
    print(f"wrote {args.out}")
    return 1 if any(r["crashes"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
