"""Content negotiation: media-type tables and Accept parsing with q-values.

Pure functions; never imports Flask.  ``negotiate(accept, offers)`` picks the
offer the client likes best (RFC 9110 §12.5.1: the most specific matching
range sets an offer's q; ties go to the server's order of ``offers``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class RdfFormat:
    ext: str
    mime: str
    name: str
    ox_format: ox.RdfFormat
    quads: bool = False  # True when the syntax keeps named graphs


#: RDF syntaxes we serve, in our order of preference.
RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("ttl", "text/turtle", "Turtle", ox.RdfFormat.TURTLE),
    RdfFormat("jsonld", "application/ld+json", "JSON-LD", ox.RdfFormat.JSON_LD),
    RdfFormat("rdf", "application/rdf+xml", "RDF/XML", ox.RdfFormat.RDF_XML),
    RdfFormat("nt", "application/n-triples", "N-Triples", ox.RdfFormat.N_TRIPLES),
    RdfFormat("trig", "application/trig", "TriG", ox.RdfFormat.TRIG, quads=True),
    RdfFormat("nq", "application/n-quads", "N-Quads", ox.RdfFormat.N_QUADS, quads=True),
)
RDF_BY_EXT = {f.ext: f for f in RDF_FORMATS}
RDF_BY_MIME = {f.mime: f for f in RDF_FORMATS}
TRIPLE_FORMATS = tuple(f for f in RDF_FORMATS if not f.quads)

#: Aliases clients send for the same syntaxes.
MIME_ALIASES = {
    "application/x-turtle": "text/turtle",
    "application/turtle": "text/turtle",
    "text/n3": "text/turtle",
    "text/plain": "application/n-triples",
    "application/json": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/x-trig": "application/trig",
    "text/x-nquads": "application/n-quads",
}

HTML = "text/html"


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...] = ()

    def matches(self, mime: str) -> int:
        """Specificity of the match (3 exact, 2 type/*, 1 */*), 0 for none."""
        t, _, s = mime.partition("/")
        if self.type == "*":
            return 1
        if self.type != t:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == s else 0


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; malformed members are skipped, never fatal."""
    ranges: list[MediaRange] = []
    if not header:
        return ranges
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        mime = pieces[0].lower()
        if "/" not in mime:
            if mime == "*":
                mime = "*/*"
            else:
                continue
        t, _, s = mime.partition("/")
        if not t or not s:
            continue
        q = 1.0
        params = []
        for p in pieces[1:]:
            k, _, v = p.partition("=")
            k = k.strip().lower()
            v = v.strip().strip('"')
            if k == "q":
                try:
                    q = min(max(float(v), 0.0), 1.0)
                except ValueError:
                    q = 0.0
            elif k:
                params.append((k, v))
        ranges.append(MediaRange(t, s, q, tuple(params)))
    return ranges


def quality(ranges: list[MediaRange], mime: str) -> float:
    """q the client gives ``mime`` (most specific matching range wins)."""
    best_spec, best_q = 0, 0.0
    for r in ranges:
        spec = r.matches(mime)
        if spec > best_spec or (spec == best_spec and spec and r.q > best_q):
            best_spec, best_q = spec, r.q
    return best_q if best_spec else 0.0


def negotiate(accept: str | None, offers: list[str] | tuple[str, ...]) -> str | None:
    """Best of ``offers`` for ``accept``; the first offer when Accept is absent.

    Aliases (``application/json`` for JSON-LD, ...) count for the offer they
    stand for.  Returns None when nothing is acceptable (answer 406).
    """
    if not offers:
        return None
    if accept is None or not accept.strip():
        return offers[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0]
    best, best_q = None, 0.0
    aliases: dict[str, list[str]] = {}
    for alias, target in MIME_ALIASES.items():
        aliases.setdefault(target, []).append(alias)
    for offer in offers:
        q = quality(ranges, offer)
        for alias in aliases.get(offer, ()):
            # an alias only counts when named explicitly, not through a wildcard
            qa = max((r.q for r in ranges if r.matches(alias) == 3), default=0.0)
            q = max(q, qa)
        if q > best_q:
            best, best_q = offer, q
    return best


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags in the client's order of preference (q > 0), lower-case."""
    tags: list[tuple[float, int, str]] = []
    if not header:
        return []
    for i, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        tag = pieces[0].lower()
        if not tag or tag == "*":
            continue
        q = 1.0
        for p in pieces[1:]:
            k, _, v = p.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if q > 0:
            tags.append((-q, i, tag))
    return [t for _, _, t in sorted(tags)]
