"""Hints for a query that names terms our ontology does not declare.

A mistyped term (``tw:twinedWith`` for ``tw:twinnedWith``) makes a query
answer nothing, with no error.  :func:`undeclared` finds the IRIs a query
uses in the ontology's namespace (``{BASE_IRI}ontology/``, see
:func:`sistercities.uris.ontology_ns`) that the ontology does not declare, and
suggests the closest declared term (:mod:`difflib`).  The view shows them on
the query page above the results and sends them in the :data:`HEADER`
response header; the result itself is never changed.

IRIs are found with the tokenizer of :mod:`sistercities.sparql.safety`, so an
IRI in a comment or string is not one: ``<...>`` references are resolved
against the query's base (:mod:`sistercities.sparql.baseiri`) and prefixed
names expanded with the query's ``PREFIX`` declarations (the endpoint adds no
default prefixes).  The declared terms are every IRI subject of the ontology
graph (:func:`declared_query`).  Never imports Flask.
"""

from __future__ import annotations

import difflib
import functools
import re
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from sistercities.sparql.baseiri import prologue, resolve
from sistercities.sparql.safety import tokenize
from sistercities.uris import ONTOLOGY_PATH, ontology_ns

#: The response header carrying the hints (ASCII; several hints comma-separated, as HTTP lists are).
HEADER = "SPARQL-Warning"
#: At most this many hints per query (a query full of typos does not get a huge header).
MAX_HINTS = 10
#: How alike (difflib ratio of the local names) a declared term must be to be suggested.
CUTOFF = 0.6
_ESC = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Hint:
    iri: str  # the undeclared term
    suggestion: str | None  # the closest declared term, if any is close

    def text(self, prefix: tuple[str, str] | None = None) -> str:
        """``undeclared term <iri>; did you mean <other>?``; with ``prefix=("tw", ns)``, as prefixed names."""
        def show(iri: str) -> str:
            if prefix and iri.startswith(prefix[1]):
                return f"{prefix[0]}:{iri[len(prefix[1]):]}"
            return f"<{iri}>"

        out = f"undeclared term {show(self.iri)}"
        return out + (f"; did you mean {show(self.suggestion)}?" if self.suggestion else "")


def ontology_graph(base: str) -> str:
    """The named graph the ontology is loaded into."""
    return base + ONTOLOGY_PATH


def declared_query(base: str) -> str:
    """A SELECT of ``?term``: every IRI subject of the ontology graph in its namespace."""
    return (f"SELECT DISTINCT ?term WHERE {{ GRAPH <{ontology_graph(base)}> {{ ?term ?p ?o }} "
            f'FILTER(isIRI(?term) && STRSTARTS(STR(?term), "{ontology_ns(base)}")) }}')


def iris(query: str, base: str) -> list[str]:
    """The IRIs ``query`` names (``<...>`` resolved, prefixed names expanded), in order, each once.

    Prefixed names with an undeclared prefix are skipped (the parser rejects the query anyway)."""
    toks = tokenize(query)
    pro = prologue(toks, base)
    seen: dict[str, None] = {}
    for t in toks[pro.end:]:
        if t.kind == "iri":
            seen.setdefault(resolve(t.text[1:-1], pro.base), None)
        elif t.kind == "pname":
            prefix, _, local = t.text.partition(":")
            if prefix in pro.prefixes:
                seen.setdefault(pro.prefixes[prefix] + _ESC.sub(r"\1", local), None)
    return list(seen)


def ns_prefix(query: str, base: str) -> tuple[str, str] | None:
    """The query's own prefix for the ontology namespace (``("tw", ns)``), to show hints with."""
    ns = ontology_ns(base)
    found = [p for p, iri in prologue(tokenize(query), base).prefixes.items() if iri == ns]
    return (found[-1], ns) if found else None


def undeclared(query: str, base: str, declared: Iterable[str]) -> list[Hint]:
    """Hints for the terms in the ontology namespace that ``query`` uses but ``declared`` lacks.

    With nothing declared (no ontology loaded, or it could not be read) there are no hints.
    Remembered for the last queries asked of the same ``declared`` set (a frozenset: every
    request of a worker passes the same one, and repeated queries are the common case)."""
    if isinstance(declared, frozenset) and len(query) <= _MEMO_MAX_QUERY:
        return list(_undeclared(query, base, declared))
    return list(_undeclared.__wrapped__(query, base, frozenset(declared)))


_MEMO_MAX_QUERY = 16 * 1024


@functools.lru_cache(maxsize=8)
def _terms(ns: str, declared: frozenset[str]) -> tuple[frozenset[str], dict[str, str]]:
    """(local names declared in ``ns``, their case-folded forms -> IRI), once per declared set."""
    known = {d[len(ns):]: d for d in declared if d.startswith(ns)}
    folded = {k.lower(): v for k, v in sorted(known.items(), reverse=True)}  # case slips count little
    return frozenset(known), folded


@functools.lru_cache(maxsize=256)
def _undeclared(query: str, base: str, declared: frozenset[str]) -> tuple[Hint, ...]:
    ns = ontology_ns(base)
    known, folded = _terms(ns, declared)
    if not known:
        return ()
    out: list[Hint] = []
    for iri in iris(query, base):
        if not iri.startswith(ns) or iri[len(ns):] in known:
            continue
        close = difflib.get_close_matches(iri[len(ns):].lower(), list(folded), n=1, cutoff=CUTOFF)
        out.append(Hint(iri, folded[close[0]] if close else None))
        if len(out) == MAX_HINTS:
            break
    return tuple(out)


def _ascii_iri(iri: str) -> str:
    """The IRI as a URI (RFC 3987 §3.1: non-ASCII percent-encoded), so it fits an HTTP header."""
    return quote(iri, safe="!#$%&'()*+,/:;=?@[]~-._")


def header_value(hints: Iterable[Hint]) -> str:
    """``undeclared term <a>; did you mean <b>?, undeclared term <c>`` -- ASCII, one line."""
    return ", ".join(Hint(_ascii_iri(h.iri), h.suggestion and _ascii_iri(h.suggestion)).text() for h in hints)


class DeclaredCache:
    """The declared terms, read once per key (a worker's store and base) and kept until the key changes.

    A failed read is not kept: the next query tries again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: Hashable = None
        self._terms: frozenset[str] = frozenset()

    def get(self, key: Hashable, load: Callable[[], Iterable[str]]) -> frozenset[str]:
        with self._lock:
            if self._key is not None and self._key == key:
                return self._terms
            terms = frozenset(load())  # may raise: nothing kept
            self._key, self._terms = key, terms
            return terms
