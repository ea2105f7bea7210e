"""The worked example queries shipped in ``sistercities/queries/examples/*.rq``.

Each file starts with ``# title: ...`` and ``# description: ...`` comment
lines.  The files are written against the default base
(``https://w3id.org/twinning/``); :func:`load` rewrites it to the configured
one.  Never imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from sistercities.uris import DEFAULT_BASE, ontology_ns


@dataclass(frozen=True)
class Example:
    name: str  # file stem
    title: str
    description: str
    query: str


@lru_cache(maxsize=4)
def load(base: str = DEFAULT_BASE) -> tuple[Example, ...]:
    folder = resources.files("sistercities") / "queries" / "examples"
    out = []
    for f in sorted(folder.iterdir(), key=lambda p: p.name):
        if not f.name.endswith(".rq"):
            continue
        text = f.read_text(encoding="utf-8")
        meta: dict[str, str] = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            key, sep, value = line.lstrip("# ").partition(":")
            if sep and key.strip().lower() in ("title", "description"):
                k = key.strip().lower()
                meta[k] = (meta.get(k, "") + " " + value.strip()).strip()
        out.append(Example(f.name[:-3], meta.get("title", f.name), meta.get("description", ""),
                           text.replace(DEFAULT_BASE, base)))
    return tuple(out)


def prefix_block(base: str = DEFAULT_BASE) -> str:
    """The PREFIX lines the query editor starts with."""
    pairs = [
        ("tw", ontology_ns(base)), ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
        ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"), ("owl", "http://www.w3.org/2002/07/owl#"),
        ("xsd", "http://www.w3.org/2001/XMLSchema#"), ("skos", "http://www.w3.org/2004/02/skos/core#"),
        ("dct", "http://purl.org/dc/terms/"), ("foaf", "http://xmlns.com/foaf/0.1/"),
        ("prov", "http://www.w3.org/ns/prov#"), ("org", "http://www.w3.org/ns/org#"),
        ("schema", "https://schema.org/"), ("wgs", "http://www.w3.org/2003/01/geo/wgs84_pos#"),
        ("wd", "http://www.wikidata.org/entity/"),
    ]
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in pairs)
