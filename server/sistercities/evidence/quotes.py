"""Check that every quotation occurs, verbatim, in the paragraph it cites.

A paragraph ``<id/source/<doc>/p<n>>`` is the n-th non-empty line of the text
file the document names with ``tw:sourceFile`` (in the sources folder: by
default ``../shared/sources`` beside the project).  A quotation matches when,
with runs of white space made single spaces, it is a substring of that line; a
horizontal ellipsis ``…`` between parts marks words left out, and the parts
must occur in order.  Nothing else is normalised: curly and straight quotes,
dashes and spelling are the source's.

The build reads the texts; the published data holds only the quotations.
Never imports Flask.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from sistercities.rdfio import compact
from sistercities.report import ERROR, WARNING, Issue
from sistercities.uris import ontology_ns

DCT_PART = ox.NamedNode("http://purl.org/dc/terms/isPartOf")
PROV_QUOTED = ox.NamedNode("http://www.w3.org/ns/prov#wasQuotedFrom")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ELLIPSIS = "…"
#: A quotation longer than this many characters is reported (quote no more than the evidence needs).
LONG_QUOTATION = 300

#: ``place(issue, node, graph, near)`` fills in the file and line: of ``node`` in ``graph``'s file, or of the
#: words ``near`` (the quotation) when given.
Place = Callable[[Issue, ox.NamedNode | ox.BlankNode, str, str | None], Issue]


def default_sources_dir(project: Path) -> Path:
    """``<project>/../shared/sources``: where the team keeps the source texts."""
    return Path(project).resolve().parent / "shared" / "sources"


def _space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@cache
def _lines(path: Path, mtime: float) -> tuple[str, ...]:
    text = path.read_text(encoding="utf-8")
    return tuple(_space(line) for line in text.splitlines() if line.strip())


def paragraphs(path: Path) -> tuple[str, ...]:
    """The paragraphs of a source text: its non-empty lines, white space collapsed."""
    return _lines(path, path.stat().st_mtime)


def occurs(quotation: str, paragraph: str) -> bool:
    """Does ``quotation`` (parts separated by ``…`` in order) occur in ``paragraph``?"""
    pos = 0
    for part in (_space(p) for p in quotation.split(ELLIPSIS)):
        if not part:
            continue
        at = paragraph.find(part, pos)
        if at < 0:
            return False
        pos = at + len(part)
    return True


def _closest(quotation: str, paragraph: str) -> str:
    """The stretch of ``paragraph`` most like ``quotation`` (for the error message)."""
    q = _space(quotation.split(ELLIPSIS)[0])
    m = difflib.SequenceMatcher(None, paragraph, q, autojunk=False)
    block = max(m.get_matching_blocks(), key=lambda b: b.size)
    start = max(0, block.a - block.b)
    return paragraph[start:start + len(q) + 10]


def check_quotations(store: ox.Store, base: str, sources_dir: Path | None, place: Place) -> list[Issue]:
    """One issue per quotation that is not in its paragraph (or cannot be checked)."""
    tw = ontology_ns(base)
    t_class, t_quote = ox.NamedNode(tw + "Evidence"), ox.NamedNode(tw + "quotation")
    t_file, t_num = ox.NamedNode(tw + "sourceFile"), ox.NamedNode(tw + "paragraphNumber")
    issues: list[Issue] = []
    evidence = sorted({q.subject.value for q in store.quads_for_pattern(None, RDF_TYPE, t_class, None)
                       if isinstance(q.subject, ox.NamedNode)})
    if not evidence:
        return issues
    if sources_dir is None or not sources_dir.is_dir():
        issues.append(Issue(WARNING, "evidence", f"source texts not found in {sources_dir}: {len(evidence)} quotations "
                                                 "not checked against their paragraphs (set SOURCES_DIR)"))
        return issues

    def one(node: ox.NamedNode, pred: ox.NamedNode) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
        for q in store.quads_for_pattern(node, pred, None, None):
            o = q.object
            return o if isinstance(o, ox.NamedNode | ox.BlankNode | ox.Literal) else None
        return None

    seen: set[tuple[str, str, str]] = set()  # one problem once, however many statements the words support
    for iri in evidence:
        ev = ox.NamedNode(iri)
        subj = one(ev, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"))
        where = subj if isinstance(subj, ox.NamedNode) else ev
        para, quote = one(ev, PROV_QUOTED), one(ev, t_quote)
        if not isinstance(para, ox.NamedNode) or not isinstance(quote, ox.Literal):
            continue  # the shapes report a missing paragraph or quotation
        key = (para.value, quote.value, str(subj))
        if key in seen:
            continue
        seen.add(key)
        pname = compact(para.value, base)
        graph = next((q.graph_name.value for q in store.quads_for_pattern(ev, t_quote, None, None)
                      if isinstance(q.graph_name, ox.NamedNode)), "")

        def issue(sev: str, msg: str, focus: ox.NamedNode = where, pname: str = pname, graph: str = graph,
                  near: str | None = None) -> None:
            issues.append(place(Issue(sev, "evidence", msg, focus=compact(focus.value, base), path="tw:quotation",
                                      value=pname), focus, graph, near))

        doc, num = one(para, DCT_PART), one(para, t_num)
        fname = one(doc, t_file) if isinstance(doc, ox.NamedNode) else None
        if not isinstance(num, ox.Literal) or not isinstance(fname, ox.Literal):
            issue(ERROR, f"quotation cites {pname}, which is not a numbered paragraph of a source document with a "
                         "tw:sourceFile")
            continue
        path = sources_dir / fname.value
        try:
            paras = paragraphs(path)
            n = int(num.value)
        except (OSError, UnicodeDecodeError, ValueError) as e:
            issue(ERROR, f"cannot read the source text of {pname} ({path}): {e}")
            continue
        if not 1 <= n <= len(paras):
            issue(ERROR, f"{pname}: {fname.value} has {len(paras)} paragraphs, not {n}")
            continue
        text = paras[n - 1]
        q = quote.value
        if not occurs(q, text):
            where_else = [i + 1 for i, t in enumerate(paras) if occurs(q, t)]
            hint = (f"; it is in paragraph {', '.join(map(str, where_else))}" if where_else
                    else f"; closest: “{_closest(q, text)}”")
            issue(ERROR, f"quotation “{q}” is not in {pname} of {fname.value}{hint}", near=q)
        elif len(q) > LONG_QUOTATION and len(_space(q)) > 0.8 * len(text):
            issue(WARNING, f"quotation of {len(q)} characters is most of {pname}: quote only the words that support "
                           "the statement")
    return issues
