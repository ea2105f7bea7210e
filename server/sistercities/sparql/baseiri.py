"""The base IRI relative IRIs in a query resolve against: ``BASE_IRI``.

SPARQL 1.1 Query (§4.1.1.3, "Relative IRIs") resolves relative IRIs per RFC
3986 §5.1: against the query's own ``BASE`` when it has one (§5.1.1), else a
base from the encapsulating entity (§5.1.2) or the retrieval URI (§5.1.3),
else an application default (§5.1.4).  The SPARQL 1.1 Protocol defines none
of these for a query sent to an endpoint, so the choice is ours.  We choose
the settings' ``BASE_IRI`` -- the base of every IRI in the data, the base the
dumps' own relative IRIs resolve against -- and not the endpoint's URL, so

* ``<id/city/khabarovsk>`` names the city ``{BASE_IRI}id/city/khabarovsk``
  wherever the server runs (the endpoint's URL would name a different IRI on
  ``http://127.0.0.1:8080`` than on the public host), and
* a query with its own ``BASE`` keeps it (a relative ``BASE`` is itself
  resolved against ``BASE_IRI``).

The embedded store gets the base as pyoxigraph's ``base_iri`` argument; a
remote store gets ``BASE <BASE_IRI>`` put in front of the query text
(:func:`with_base`), which the grammar allows (the prologue may start with any
number of ``BASE`` declarations; a later one wins).  Never imports Flask.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin

from sistercities.sparql.safety import Token, tokenize

_SCHEME = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]*:")


def declares_absolute_base(query: str) -> bool:
    """Whether the query's prologue starts with ``BASE <absolute IRI>`` (then no outer base is needed)."""
    toks = tokenize(query)
    return (len(toks) >= 2 and toks[0].keyword == "BASE" and toks[1].kind == "iri"
            and _SCHEME.match(toks[1].text) is not None)


def with_base(query: str, base: str) -> str:
    """``query`` with ``BASE <base>`` in front, unless it starts with an absolute ``BASE`` of its own.

    The added line shifts the line numbers of a remote store's syntax errors by one."""
    if declares_absolute_base(query):
        return query
    return f"BASE <{base}>\n{query}"


def resolve(ref: str, base: str) -> str:
    """An IRI reference (without ``<>``) resolved against ``base`` (RFC 3986 §5.2, as urllib does it)."""
    if _SCHEME.match("<" + ref):
        return ref
    out = urljoin(base, ref)
    if ref.endswith(("#", "?")) and not out.endswith(ref[-1]):  # urljoin drops an empty fragment / query
        out += ref[-1]
    return out


@dataclass(frozen=True)
class Prologue:
    """What a query's ``BASE`` / ``PREFIX`` declarations amount to."""

    base: str  # the effective base: the last BASE, each resolved against the one before, or the default
    prefixes: dict[str, str] = field(default_factory=dict)  # "tw" -> namespace IRI (already resolved)
    end: int = 0  # index of the first token after the prologue


def prologue(toks: Sequence[Token], default_base: str) -> Prologue:
    """Read the prologue of the tokenized query ``toks`` (see :func:`safety.tokenize`)."""
    base, prefixes, i = default_base, {}, 0
    while i < len(toks):
        kw = toks[i].keyword
        if kw == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            base = resolve(toks[i + 1].text[1:-1], base)
            i += 2
        elif (kw == "PREFIX" and i + 2 < len(toks) and toks[i + 1].kind == "pname"
              and toks[i + 1].text.endswith(":") and toks[i + 2].kind == "iri"):
            prefixes[toks[i + 1].text[:-1]] = resolve(toks[i + 2].text[1:-1], base)
            i += 3
        else:
            break
    return Prologue(base, prefixes, i)


def effective_base(query: str, default_base: str) -> str:
    return prologue(tokenize(query), default_base).base
