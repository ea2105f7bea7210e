"""Deterministic Turtle for the imported graph: same triples → byte-identical text.

Terms are kept as ready-made Turtle tokens (:func:`iri`, :func:`rel`, :func:`lit`…);
:class:`Graph` groups them by subject and :meth:`Graph.serialize` sorts subjects,
predicates (``a`` first) and objects.  Writing our own (instead of rdflib's
serializer) keeps 50,000 statements fast and the output stable across versions.
"""

from __future__ import annotations

import re
from collections import defaultdict

from sistercities.wikidata.dates import XSD

PREFIXES = {
    "tw": "ontology/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": XSD,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "wgs": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "wd": "http://www.wikidata.org/entity/",
}

# characters an IRIREF may not contain: percent-encode them (an IRI from Wikidata may have spaces…)
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')
_QID = re.compile(r"^http://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")


def iri(value: str) -> str:
    value = _IRI_BAD.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), value)
    m = _QID.match(value)
    return f"wd:{m.group(1)}" if m else f"<{value}>"


def rel(path: str) -> str:
    """A relative IRI of ours (``id/…``), resolved against the base by the build."""
    return iri(path)


_ESC = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_LIT_BAD = re.compile(r'[\\"\n\r\t\b\f\x00-\x1f\x7f]')


def _quote(text: str) -> str:
    return '"' + _LIT_BAD.sub(lambda m: _ESC.get(m.group(), f"\\u{ord(m.group()):04X}"), text) + '"'


def _long_quote(text: str) -> str:
    body = re.sub(r'[\\"\x00-\x08\x0b-\x1f\x7f]',
                  lambda m: {"\\": "\\\\", '"': '\\"'}.get(m.group(), f"\\u{ord(m.group()):04X}"), text)
    return '"""' + body + '"""'


def lit(text: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    q = _long_quote(text) if "\n" in text else _quote(text)
    if lang:
        return f"{q}@{lang.lower()}"
    if datatype and datatype != XSD + "string":
        return q + "^^" + (f"xsd:{datatype[len(XSD):]}" if datatype.startswith(XSD) else iri(datatype))
    return q


class Graph:
    def __init__(self) -> None:
        self._s: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    def add(self, s: str, p: str, o: str) -> None:
        self._s[s][p].add(o)

    def has(self, s: str) -> bool:
        return s in self._s

    def __len__(self) -> int:
        return sum(len(objs) for preds in self._s.values() for objs in preds.values())

    def serialize(self, header: str) -> str:
        out = [header.rstrip("\n") + "\n\n"]
        out += [f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()]
        for s in sorted(self._s):
            preds = self._s[s]
            out.append(f"\n{s}")
            parts = []
            for p in sorted(preds, key=lambda p: (p != "a", p)):
                parts.append(f" {p} " + " ,\n        ".join(sorted(preds[p])))
            out.append(" ;\n   ".join(parts) + " .\n")
        return "".join(out)
