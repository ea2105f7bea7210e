"""Result formats of the SPARQL endpoint and their negotiation.

SELECT / ASK answer in the SPARQL results formats below; CONSTRUCT / DESCRIBE
in the RDF syntaxes of :data:`sistercities.conneg.RDF_FORMATS`.  Both can be
asked for with ``Accept`` (q-values honoured) or with a ``format`` parameter
(a short name or a full media type), which wins over ``Accept``.  Never imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from sistercities.conneg import HTML, RDF_FORMATS, negotiate


@dataclass(frozen=True)
class ResultsFormat:
    ext: str
    mime: str
    name: str
    ox_format: ox.QueryResultsFormat


RESULTS_FORMATS: tuple[ResultsFormat, ...] = (
    ResultsFormat("json", "application/sparql-results+json", "SPARQL JSON", ox.QueryResultsFormat.JSON),
    ResultsFormat("xml", "application/sparql-results+xml", "SPARQL XML", ox.QueryResultsFormat.XML),
    ResultsFormat("csv", "text/csv", "CSV", ox.QueryResultsFormat.CSV),
    ResultsFormat("tsv", "text/tab-separated-values", "TSV", ox.QueryResultsFormat.TSV),
)
RESULTS_MIMES = tuple(f.mime for f in RESULTS_FORMATS)
GRAPH_MIMES = tuple(f.mime for f in RDF_FORMATS)

#: Media types clients send for the results formats (only when named explicitly).
RESULTS_ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
}

#: ``format=`` short names -> media type, for each kind of result.
RESULTS_PARAM = {"json": RESULTS_MIMES[0], "srj": RESULTS_MIMES[0], "xml": RESULTS_MIMES[1], "srx": RESULTS_MIMES[1],
                 "csv": "text/csv", "tsv": "text/tab-separated-values", "html": HTML}
GRAPH_PARAM = {
    "ttl": "text/turtle", "turtle": "text/turtle",
    "nt": "application/n-triples", "ntriples": "application/n-triples", "n-triples": "application/n-triples",
    "rdf": "application/rdf+xml", "rdfxml": "application/rdf+xml", "xml": "application/rdf+xml",
    "jsonld": "application/ld+json", "json-ld": "application/ld+json", "json": "application/ld+json",
    "trig": "application/trig", "nq": "application/n-quads", "nquads": "application/n-quads",
    "html": HTML,
}
#: every short name we document, for error messages
FORMAT_NAMES = ("json", "xml", "csv", "tsv", "ttl", "turtle", "nt", "rdf", "rdfxml", "jsonld", "trig", "nq", "html")


class NotAcceptable(ValueError):
    """Nothing the client accepts can be produced; ``available`` lists what can."""

    def __init__(self, message: str, available: tuple[str, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.available = available


def offers(graph: bool, html: bool = True) -> tuple[str, ...]:
    """Media types we can answer a query with, in our order of preference."""
    base = GRAPH_MIMES if graph else RESULTS_MIMES
    return (*base, HTML) if html else base


def choose(graph: bool, accept: str | None, format_param: str | None, *, html: bool = True) -> str:
    """The media type to answer with; raises :class:`NotAcceptable`."""
    available = offers(graph, html)
    if format_param:
        key = format_param.strip().lower()
        table = GRAPH_PARAM if graph else RESULTS_PARAM
        mime = table.get(key) or (RESULTS_ALIASES.get(key, key) if not graph else key)
        if mime in available:
            return mime
        kind = "CONSTRUCT/DESCRIBE" if graph else "SELECT/ASK"
        raise NotAcceptable(f"format={format_param!r} is not available for a {kind} query", available)
    # aliases count only when named explicitly: offer them after the real types
    alias_offers = tuple(RESULTS_ALIASES) if not graph else ()
    chosen = negotiate(accept, (*available, *alias_offers))
    if chosen is None:
        raise NotAcceptable(f"none of the media types in Accept: {accept} can be produced", available)
    return RESULTS_ALIASES.get(chosen, chosen) if not graph else chosen


def content_type(mime: str) -> str:
    """The Content-Type header value for ``mime`` (charset for textual types)."""
    if mime.startswith("text/"):
        return mime + "; charset=utf-8"
    return mime


def is_results_mime(mime: str) -> bool:
    return mime in RESULTS_MIMES


def ox_results_format(mime: str) -> ox.QueryResultsFormat:
    return next(f.ox_format for f in RESULTS_FORMATS if f.mime == mime)


def ox_rdf_format(mime: str) -> ox.RdfFormat:
    return next(f.ox_format for f in RDF_FORMATS if f.mime == mime)
