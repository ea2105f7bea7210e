"""Query results as rows of cells for the HTML page (server-side rendering).

Never imports Flask; links are built with :class:`sistercities.uris.URLs`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from sistercities.uris import URLs

XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    note: str = ""  # datatype or language shown beside a literal
    kind: str = "literal"  # uri, bnode, literal, unbound


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    total: int  # rows in the full result
    boolean: bool | None = None


def _cell(term: dict[str, Any] | None, urls: URLs) -> Cell:
    if term is None:
        return Cell("", kind="unbound")
    t, v = term.get("type"), str(term.get("value", ""))
    if t == "uri":
        return Cell(v, href=urls.link(v), kind="uri")
    if t == "bnode":
        return Cell("_:" + v, kind="bnode")
    if t == "triple":
        inner = term["value"]
        parts = [_cell(inner.get(k), urls).text for k in ("subject", "predicate", "object")]
        return Cell("<< " + " ".join(parts) + " >>")
    note = "@" + term["xml:lang"] if "xml:lang" in term else ""
    dt = term.get("datatype")
    if dt and dt != XSD + "string" and not note:
        note = dt.replace(XSD, "xsd:")
    return Cell(v, note=note)


def from_json(body: bytes, urls: URLs, max_rows: int) -> Table:
    """A SPARQL JSON results document as a table (first ``max_rows`` rows)."""
    doc = json.loads(body)
    if "boolean" in doc:
        return Table(["result"], [[Cell("true" if doc["boolean"] else "false")]], 1, bool(doc["boolean"]))
    cols = list(doc["head"].get("vars", []))
    bindings = doc["results"]["bindings"]
    rows = [[_cell(b.get(c), urls) for c in cols] for b in bindings[:max_rows]]
    return Table(cols, rows, len(bindings))


def _term(t: Any) -> dict[str, Any]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d: dict[str, Any] = {"type": "literal", "value": t.value, "datatype": t.datatype.value}
        if t.language:
            d["xml:lang"] = t.language
        return d
    return {"type": "literal", "value": str(t)}


def from_ntriples(body: bytes, urls: URLs, max_rows: int) -> Table:
    """A CONSTRUCT/DESCRIBE result (N-Triples) as a subject/predicate/object table."""
    quads = list(ox.parse(body, ox.RdfFormat.N_TRIPLES))
    rows = [[_cell(_term(x), urls) for x in (q.subject, q.predicate, q.object)] for q in quads[:max_rows]]
    return Table(["subject", "predicate", "object"], rows, len(quads))
