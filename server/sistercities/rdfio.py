"""The project's input files: finding them, loading them into a pyoxigraph
store with ``file:line:col`` syntax errors, and finding terms back in the text.

Files use RELATIVE IRIs resolved against the configured base:
``ontology/*.ttl`` -> graph ``{base}ontology``, ``shapes/*.ttl`` -> ``{base}shapes``,
``data/<slug>.ttl`` -> ``{base}graph/<slug>``.  Never imports Flask.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from sistercities import __version__
from sistercities.report import ERROR, Issue
from sistercities.serialize import prefixes as default_prefixes
from sistercities.uris import URLs

ONTOLOGY, SHAPES, DATA = "ontology", "shapes", "data"


@dataclass(frozen=True)
class Input:
    path: Path  # absolute
    rel: str  # project-relative, posix (what reports show)
    kind: str  # "ontology" | "shapes" | "data"
    graph: str  # IRI of the named graph the file is loaded into


def inputs(project: Path, base: str) -> list[Input]:
    """Every input file with its graph, in a stable order."""
    project = Path(project).resolve()
    found: list[Input] = []
    u = URLs(base=base)
    graphs = {ONTOLOGY: u.ontology_iri(), SHAPES: u.shapes_iri()}
    for kind in (ONTOLOGY, SHAPES, DATA):
        for p in sorted((project / kind).glob("*.ttl")):
            graph = u.graph_iri(p.stem) if kind == DATA else graphs[kind]
            found.append(Input(p, p.relative_to(project).as_posix(), kind, graph))
    return found


#: Bump when the build writes something different from the same inputs (a new step, a new layout), so that
#: an existing release is not taken as up to date: 2 = evidence expanded, 3 = a deduplicated default graph,
#: 4 = the statistics name the predicates whose literals sort by their form (stats.literal_kinds).
BUILD_FORMAT = 4


def input_hash(files: Iterable[Input], base: str, extra: Iterable[Path] = ()) -> str:
    """sha256 over file paths + contents + BASE_IRI + software version + :data:`BUILD_FORMAT` (+ ``extra``
    files: the source texts)."""
    h = hashlib.sha256(f"sistercities {__version__} format {BUILD_FORMAT}\0{base}\0".encode())
    for rel, path in [*((f.rel, f.path) for f in files), *((f"sources/{p.name}", p) for p in extra)]:
        h.update(rel.encode() + b"\0")
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()


def _syntax_issue(f: Input, e: SyntaxError) -> Issue:
    msg = str(e.msg or e)
    # pyoxigraph: "Parser error at line 3 between columns 9 and 21: The prefix ..." -> keep the reason only
    m = re.match(r"Parser error (?:at|between) [^:]*: (.*)", msg, re.S)
    reason = m.group(1) if m else msg
    return Issue(ERROR, "syntax", f"Turtle syntax error: {reason}", file=f.rel, line=e.lineno, column=e.offset)


def load(store: ox.Store, files: Iterable[Input], base: str, *, bulk: bool = False) -> list[Issue]:
    """Load every file into its named graph; one issue per file that does not parse.

    ``bulk`` uses :meth:`pyoxigraph.Store.bulk_load` (fast, for the build's
    on-disk store); otherwise :meth:`load` (transactional: a broken file adds nothing).
    """
    issues: list[Issue] = []
    for f in files:
        loader = store.bulk_load if bulk else store.load
        try:
            loader(path=str(f.path), format=ox.RdfFormat.TURTLE, base_iri=base, to_graph=ox.NamedNode(f.graph))
        except SyntaxError as e:
            issues.append(_syntax_issue(f, e))
        except UnicodeDecodeError as e:
            issues.append(Issue(ERROR, "syntax", f"not UTF-8 text: {e.reason} at byte {e.start}", file=f.rel))
        except OSError as e:
            issues.append(Issue(ERROR, "input", f"cannot read file: {e.strerror or e}", file=f.rel))
    return issues


# --- finding terms back in the text ---------------------------------------------

_PREFIX_RE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.M | re.I)
_LOCAL_OK = re.compile(r"^[\w][\w.-]*$")
_TOKEN = re.compile(r'<[^<>"{}|^`\\\s]*>|[A-Za-z_][\w.-]*:[\w.%-]*|:[\w.%-]+')


def file_prefixes(text: str, base: str) -> dict[str, str]:
    """The prefixes a Turtle text declares (name -> namespace, relative ones resolved against ``base``)."""
    pfx: dict[str, str] = {}
    for m in _PREFIX_RE.finditer(text):
        ns = m.group(2)
        if not re.match(r"^[a-z][a-z0-9+.-]*:", ns, re.I):
            ns = base + ns  # relative namespace, resolved like the parser does
        pfx[m.group(1) or ""] = ns
    return pfx


@dataclass
class _FileIndex:
    first: dict[str, int]  # token -> first line it is written on
    subject: dict[str, int]  # token -> first line it starts (a subject)
    prefixes: dict[str, str]


@dataclass
class Locator:
    """Find the line where an IRI is written in a Turtle file (as a subject first),
    using the file's own prefixes.  Each file is tokenised once, on first use, so a
    lookup costs a dict access even in a 1M-line file."""

    base: str
    _files: dict[Path, _FileIndex] = field(default_factory=dict)

    def _index(self, path: Path) -> _FileIndex:
        idx = self._files.get(path)
        if idx is not None:
            return idx
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        pfx = file_prefixes(text, self.base)
        first: dict[str, int] = {}
        subject: dict[str, int] = {}
        for n, line in enumerate(text.splitlines(), 1):
            stripped = line.lstrip()
            if not stripped or stripped.startswith("#"):
                continue
            toks = [t.rstrip(".") for t in _TOKEN.findall(line)]
            for t in toks:
                first.setdefault(t, n)
            if toks and line[0] not in " \t" and stripped.startswith(toks[0]):
                subject.setdefault(toks[0], n)
        idx = self._files[path] = _FileIndex(first, subject, pfx)
        return idx

    def spellings(self, path: Path, iri: str) -> list[str]:
        pfx = self._index(path).prefixes
        out = [f"<{iri}>"]
        if iri.startswith(self.base):
            out.append(f"<{iri[len(self.base):]}>")
        for p, ns in pfx.items():
            local = iri[len(ns):]
            if iri.startswith(ns) and _LOCAL_OK.match(local or "x"):
                out.append(f"{p}:{local}")
        return out

    def line_of(self, path: Path, iri: str, *, subject: bool = False) -> int | None:
        """1-based line of the first use of ``iri`` (where it starts a line as a subject, if
        ``subject`` and there is one); None if not found."""
        idx = self._index(path)
        cands = self.spellings(path, iri)
        if subject:
            lines = [idx.subject[c] for c in cands if c in idx.subject]
            if lines:
                return min(lines)
        lines = [idx.first[c] for c in cands if c in idx.first]
        return min(lines) if lines else None


def compact(iri: str, base: str, extra: dict[str, str] | None = None) -> str:
    """``https://w3id.org/twinning/ontology/City`` -> ``tw:City``; IRIs under the
    base become ``<id/city/x>`` (as written in the files); others ``<iri>``."""
    pfx = {**default_prefixes(base), **(extra or {})}
    best = ""
    for p, ns in pfx.items():
        if iri.startswith(ns) and len(ns) > len(pfx.get(best, "")) and _LOCAL_OK.match(iri[len(ns):] or "x"):
            best = p
    if best:
        return f"{best}:{iri[len(pfx[best]):]}"
    if iri.startswith(base):
        return f"<{iri[len(base):]}>"
    return f"<{iri}>"


def term_str(t: object, base: str) -> str:
    """Any pyoxigraph term, compacted for a report."""
    if isinstance(t, ox.NamedNode):
        return compact(t.value, base)
    if isinstance(t, ox.BlankNode):
        return "[]"
    if isinstance(t, ox.Literal):
        v = t.value if len(t.value) <= 60 else t.value[:57] + "..."
        return f'"{v}"' + (f"@{t.language}" if t.language else "")
    return str(t)
