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
    for kind in (ONTOLOGY, SHAPES, DATA):
        for p in sorted((project / kind).glob("*.ttl")):
            graph = base + ("graph/" + p.stem if kind == DATA else kind)
            found.append(Input(p, p.relative_to(project).as_posix(), kind, graph))
    return found


def input_hash(files: Iterable[Input], base: str) -> str:
    """sha256 over file paths + contents + BASE_IRI + software version."""
    h = hashlib.sha256(f"sistercities {__version__}\0{base}\0".encode())
    for f in files:
        h.update(f.rel.encode() + b"\0")
        with open(f.path, "rb") as fh:
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
_NAME_CHAR = re.compile(r"[\w:.%-]")


@dataclass
class Locator:
    """Find the line where an IRI is written in a Turtle file (first subject
    position preferred), using the file's own prefixes; lines are cached."""

    base: str
    _lines: dict[Path, list[str]] = field(default_factory=dict)
    _prefixes: dict[Path, dict[str, str]] = field(default_factory=dict)
    budget: int = 2000  # lookups before giving up (large generated files)

    def _load(self, path: Path) -> tuple[list[str], dict[str, str]]:
        if path not in self._lines:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self._lines[path] = text.splitlines()
            pfx: dict[str, str] = {}
            for m in _PREFIX_RE.finditer(text):
                ns = m.group(2)
                if not re.match(r"^[a-z][a-z0-9+.-]*:", ns, re.I):
                    ns = self.base + ns  # relative namespace, resolved like the parser does
                pfx[m.group(1) or ""] = ns
            self._prefixes[path] = pfx
        return self._lines[path], self._prefixes[path]

    def spellings(self, path: Path, iri: str) -> list[str]:
        _, pfx = self._load(path)
        out = [f"<{iri}>"]
        if iri.startswith(self.base):
            out.append(f"<{iri[len(self.base):]}>")
        for p, ns in pfx.items():
            if iri.startswith(ns) and _LOCAL_OK.match(iri[len(ns):] or "x"):
                out.append(f"{p}:{iri[len(ns):]}")
        if iri == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
            out.append("a")
        return out

    def line_of(self, path: Path, iri: str, *, subject: bool = False) -> int | None:
        """1-based line of the first use of ``iri`` (as a subject if ``subject`` and one exists)."""
        if self.budget <= 0:
            return None
        self.budget -= 1
        lines, _ = self._load(path)
        cands = self.spellings(path, iri)
        first: int | None = None
        for n, line in enumerate(lines, 1):
            code = line.split("#", 1)[0] if "#" in line and "<" not in line else line
            for c in cands:
                i = code.find(c)
                while i >= 0:
                    end = i + len(c)
                    before_ok = i == 0 or not _NAME_CHAR.match(code[i - 1]) or c.startswith("<")
                    after_ok = end >= len(code) or not _NAME_CHAR.match(code[end]) or c.endswith(">")
                    if c == "a":
                        before_ok = before_ok and (i == 0 or code[i - 1].isspace())
                        after_ok = after_ok and (end >= len(code) or code[end].isspace())
                    if before_ok and after_ok:
                        if not subject or not code[:i].strip():
                            return n
                        if first is None:
                            first = n
                        break
                    i = code.find(c, i + 1)
        return first


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
