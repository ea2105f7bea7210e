"""The worked example queries shipped in ``sistercities/queries/examples/*.rq``.

Each file starts with ``# title: ...`` and ``# description: ...`` comment
lines, and may add ``# blank: ?var[, ?var...] <when>`` lines: a result column
that is sometimes empty, and when (``# blank: ?start when no source states when
the twinning began.``).  A blank cell no such line explains is a bug of the
example (tests/test_examples_no_blanks.py); use them sparingly -- a value the
query can compute or fetch otherwise (a share as numerator/denominator, a date
as its bounds) is better than an explained blank.  The files are written against the default base
(``https://w3id.org/twinning/``); :func:`load` rewrites it to the configured
one.  Never imports Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from sistercities.uris import DEFAULT_BASE, ontology_ns

_BLANK = re.compile(r"((?:\?\w+\s*,?\s*)+)(.*)", re.DOTALL)


@dataclass(frozen=True)
class Blank:
    """A ``# blank:`` line: the columns it covers and when they are empty."""

    variables: tuple[str, ...]  # without "?"
    when: str

    @property
    def text(self) -> str:
        return ", ".join("?" + v for v in self.variables) + " " + self.when


@dataclass(frozen=True)
class Example:
    name: str  # file stem
    title: str
    description: str
    query: str
    blanks: tuple[Blank, ...] = field(default=())

    @property
    def blank_variables(self) -> frozenset[str]:
        return frozenset(v for b in self.blanks for v in b.variables)


def parse_blank(value: str) -> Blank | None:
    """``?a, ?b when ...`` -> Blank(("a", "b"), "when ..."); None without a variable or an explanation."""
    m = _BLANK.match(value.strip())
    if not m or not m.group(2).strip():
        return None
    return Blank(tuple(re.findall(r"\?(\w+)", m.group(1))), m.group(2).strip())


@lru_cache(maxsize=4)
def load(base: str = DEFAULT_BASE) -> tuple[Example, ...]:
    folder = resources.files("sistercities") / "queries" / "examples"
    out = []
    for f in sorted(folder.iterdir(), key=lambda p: p.name):
        if not f.name.endswith(".rq"):
            continue
        text = f.read_text(encoding="utf-8")
        meta: dict[str, str] = {}
        blanks: list[Blank] = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            key, sep, value = line.lstrip("# ").partition(":")
            if sep and key.strip().lower() == "blank" and (b := parse_blank(value)):
                blanks.append(b)
            elif sep and key.strip().lower() in ("title", "description"):
                k = key.strip().lower()
                meta[k] = (meta.get(k, "") + " " + value.strip()).strip()
        out.append(Example(f.name[:-3], meta.get("title", f.name), meta.get("description", ""),
                           text.replace(DEFAULT_BASE, base), tuple(blanks)))
    return tuple(out)


def prefixes(base: str = DEFAULT_BASE) -> tuple[tuple[str, str], ...]:
    """The prefixes the query editor starts with and completes, as (prefix, namespace)."""
    return (
        ("tw", ontology_ns(base)), ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
        ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"), ("owl", "http://www.w3.org/2002/07/owl#"),
        ("xsd", "http://www.w3.org/2001/XMLSchema#"), ("skos", "http://www.w3.org/2004/02/skos/core#"),
        ("dct", "http://purl.org/dc/terms/"), ("foaf", "http://xmlns.com/foaf/0.1/"),
        ("prov", "http://www.w3.org/ns/prov#"), ("org", "http://www.w3.org/ns/org#"),
        ("schema", "https://schema.org/"), ("wgs", "http://www.w3.org/2003/01/geo/wgs84_pos#"),
        ("wd", "http://www.wikidata.org/entity/"),
    )


def prefix_block(base: str = DEFAULT_BASE) -> str:
    """The PREFIX lines the query editor starts with."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes(base))
