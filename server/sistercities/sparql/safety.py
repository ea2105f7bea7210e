"""Read-only and no-server-side-requests checks on a SPARQL query text.

The checks work on a real tokenizer of the SPARQL 1.1 grammar's terminals
(comments, the four string forms, IRI references, prefixed names, variables,
language tags, keywords), so a ``SERVICE`` hidden in a comment, a string
literal, an IRI or a prefixed name is not mistaken for one, and a real
``SERVICE`` keyword is never missed because of them.  Never imports Flask.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)

_PN = r"[^\W\d]"  # a letter (PN_CHARS_BASE, approximately)
_LOCAL_CHAR = r"(?:[\w\-:\u00B7]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>
        \"\"\"(?:(?:\"|\"\")?(?:[^"\\]|\\.))*\"\"\"
      | '''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
      | "(?:[^"\\\n\r]|\\.)*"
      | '(?:[^'\\\n\r]|\\.)*'
    )
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7]+)
  | (?P<bnode>_:[\w\-.]*[\w\-]|_:\w)
  | (?P<pname>(?:"""
    + _PN
    + r"""(?:[\w\-.\u00B7]*[\w\-\u00B7])?)?:(?:"""
    + _LOCAL_CHAR
    + r"""(?:"""
    + _LOCAL_CHAR
    + r"""|\.+(?="""
    + _LOCAL_CHAR
    + r"""))*)?)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # iri, var, bnode, pname, string, langtag, word, other
    text: str
    pos: int

    @property
    def keyword(self) -> str | None:
        return self.text.upper() if self.kind == "word" else None


def tokenize(text: str) -> tuple[Token, ...]:
    """Every significant token (whitespace and comments dropped).  Never fails:
    a character that starts no terminal becomes a one-character ``other`` token.

    Memoised for texts up to MEMO_CHARS (a query is tokenised by the safety check, the
    hints, the BASE line, the ORDER BY key and a store's dialect: once now), hence a tuple
    of frozen tokens; a longer text is tokenised each time, so the memo stays small."""
    return _tokenize_memo(text) if len(text) <= MEMO_CHARS else _tokenize(text)


MEMO_CHARS = 16_384


@functools.lru_cache(maxsize=256)
def _tokenize_memo(text: str) -> tuple[Token, ...]:
    return _tokenize(text)


def _tokenize(text: str) -> tuple[Token, ...]:
    out: list[Token] = []
    pos, n = 0, len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        assert m is not None  # (?P<other>.) with DOTALL matches any character
        kind = m.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append(Token(kind, m.group(), pos))
        pos = m.end()
    return tuple(out)


@dataclass(frozen=True)
class QueryInfo:
    """What the checks learnt about a request's text."""

    form: str | None  # SELECT / CONSTRUCT / DESCRIBE / ASK, or None when not recognisable
    update: str | None = None  # the SPARQL Update keyword the text starts with
    service: bool = False
    from_graphs: tuple[str, ...] = field(default_factory=tuple)
    from_named: tuple[str, ...] = field(default_factory=tuple)

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named)

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def analyse(text: str) -> QueryInfo:
    """Query form, update keyword, SERVICE use and FROM / FROM NAMED graphs of ``text``."""
    toks = tokenize(text)
    i = 0
    # prologue: BASE <iri> | PREFIX pname: <iri>
    while i < len(toks) and toks[i].keyword in ("BASE", "PREFIX"):
        i += 3 if toks[i].keyword == "PREFIX" else 2
    first = toks[i].keyword if i < len(toks) else None
    form = first if first in QUERY_FORMS else None
    update = first if first in UPDATE_KEYWORDS else None
    service = any(t.keyword == "SERVICE" for t in toks)
    if form is None and update is None:
        update = next((t.keyword for t in toks if t.keyword in UPDATE_KEYWORDS
                       and t.keyword not in ("WITH", "DELETE", "COPY", "ADD", "MOVE")), None)
    from_graphs: list[str] = []
    from_named: list[str] = []
    for j, t in enumerate(toks):
        if t.keyword != "FROM":
            continue
        nxt = toks[j + 1] if j + 1 < len(toks) else None
        target = from_graphs
        if nxt is not None and nxt.keyword == "NAMED":
            target = from_named
            nxt = toks[j + 2] if j + 2 < len(toks) else None
        if nxt is not None:
            target.append(nxt.text)
    return QueryInfo(form, update, service, tuple(from_graphs), tuple(from_named))


class SafetyError(ValueError):
    """The query is refused; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check(text: str) -> QueryInfo:
    """Refuse SPARQL Update and SERVICE; return what :func:`analyse` found."""
    info = analyse(text)
    if info.update and info.form is None:
        raise SafetyError(
            403,
            f"This endpoint is read-only: SPARQL Update ({info.update}) is not accepted. "
            "Download the dumps to work on a copy of the data.",
        )
    if info.service:
        raise SafetyError(
            403,
            "SERVICE (federated query) is not allowed on this endpoint: the server never sends "
            "requests elsewhere. Run federated queries from your own client or endpoint.",
        )
    return info
