"""Label search: a small in-memory index of labels, built once per worker.

Every local IRI with an ``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``
or ``dct:title`` is indexed under the *folded* form of each label:
Unicode-decomposed, combining marks removed, case-folded, punctuation and
spaces collapsed — so "khabarovsk" finds "Khabarovsk", "Joetsu" finds
"Jōetsu" and "Pucheon" (an alternative label) finds Bucheon.

Ranking: exact match (100) > prefix (60) > start of a word (40) > substring
(20); a match on a main label beats one on an alternative label (+5), then
shorter labels, then alphabetical.

A query that is an identifier — a Wikidata item (``Q4454``, ``q4454``,
``wd:Q4454``, ``https://www.wikidata.org/wiki/Q4454``, an entity IRI) or a
GeoNames feature (``2022890``, ``geonames:2022890``,
``https://sws.geonames.org/2022890/``) — also finds the things linked to it
(``owl:sameAs`` and the other link predicates, ``tw:geonamesId``); those hits
come first (score 200).  Never imports Flask.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from sistercities.documents import DCT_TITLE, RDF_TYPE, RDFS_LABEL, SKOS_ALT, SKOS_PREF, best_literal
from sistercities.stats import GEONAMES, LINK_PREDICATES, WIKIDATA
from sistercities.store import Store
from sistercities.uris import ontology_ns

MAX_QUERY_LENGTH = 200
DEFAULT_LIMIT = 50

_SPACES = re.compile(r"[\W_]+", re.UNICODE)
#: Score of a hit found by its Wikidata or GeoNames id: above any label match.
ID_SCORE = 200.0
_QID = re.compile(r"Q[1-9][0-9]{0,11}")
_WIKIDATA_ID = re.compile(
    r"(?:(?:https?://)?(?:www\.|m\.)?wikidata\.org/(?:entity|wiki|wiki/Special:EntityPage)/|wd:|wikidata:)?"
    r"(Q[1-9][0-9]{0,11})(?:[/#?].*)?", re.IGNORECASE)
_GEONAMES_ID = re.compile(
    r"(?:(?:https?://)?(?:sws\.|www\.)?geonames\.org/|geonames:|gn:)?([1-9][0-9]{0,11})(?:[/#?].*)?", re.IGNORECASE)
_GEONAMES_IRI = re.compile(r"([1-9][0-9]{0,11})(?:[/#?].*)?")


def wikidata_qid(text: str) -> str | None:
    """The Wikidata item id ``text`` names, in canonical form (``Q4454``), or None.

    Takes ``Q4454``, ``q4454``, `` Q4454 ``, ``wd:Q4454``, ``wikidata:Q4454`` and the entity IRI or
    page URL (``http://www.wikidata.org/entity/Q4454``, ``https://www.wikidata.org/wiki/Q4454``)."""
    m = _WIKIDATA_ID.fullmatch(text.strip())
    return m.group(1).upper() if m else None


def geonames_id(text: str) -> str | None:
    """The GeoNames feature id ``text`` names (``2022890``), or None: the bare number,
    ``geonames:2022890`` / ``gn:2022890`` or a sws.geonames.org / www.geonames.org URL."""
    m = _GEONAMES_ID.fullmatch(text.strip())
    return m.group(1) if m else None


def parse_id(text: str) -> tuple[str, str] | None:
    """``("wikidata", "Q4454")`` or ``("geonames", "2022890")`` when the query is such an id."""
    qid = wikidata_qid(text)
    if qid:
        return ("wikidata", qid)
    gid = geonames_id(text)
    return ("geonames", gid) if gid else None


def _linked_id(iri: str) -> tuple[str, str] | None:
    """The (scheme, id) of a Wikidata entity or GeoNames feature IRI, or None."""
    for ns in (WIKIDATA, "https://www.wikidata.org/entity/"):
        if iri.startswith(ns) and _QID.fullmatch(iri[len(ns):]):
            return ("wikidata", iri[len(ns):])
    for ns in GEONAMES:
        if iri.startswith(ns):
            m = _GEONAMES_IRI.fullmatch(iri[len(ns):])
            if m:
                return ("geonames", m.group(1))
    return None


class BadQuery(ValueError):
    """An empty or too long query."""


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a label or query."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


@dataclass
class Hit:
    """One search result (the HTML engineer's ``render_search`` reads these fields)."""

    iri: str
    label: str
    alt_labels: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    score: float = 0.0
    matched_id: str | None = None  # "Wikidata Q4454" / "GeoNames 2022890" when found by that id


@dataclass
class _Entry:
    iri: str
    main: list[ox.Literal] = field(default_factory=list)
    alt: list[ox.Literal] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    keys: list[tuple[str, bool]] = field(default_factory=list)  # (folded label, is main label)


class LabelIndex:
    """All labels of local resources, folded, in memory."""

    def __init__(self, store: Store, base: str) -> None:
        self.base = base
        entries: dict[str, _Entry] = {}
        for pred, main in ((RDFS_LABEL, True), (SKOS_PREF, True), (DCT_TITLE, True), (SKOS_ALT, False)):
            for q in store.quads(None, pred):
                s, o = q.subject, q.object
                if not isinstance(s, ox.NamedNode) or not isinstance(o, ox.Literal) or not s.value.startswith(base):
                    continue
                e = entries.setdefault(s.value, _Entry(s.value))
                lits = e.main if main else e.alt
                if o not in lits:
                    lits.append(o)
                    e.keys.append((fold(o.value), main))
        ids: dict[tuple[str, str], set[str]] = {}
        for link in LINK_PREDICATES:
            for q in store.quads(None, ox.NamedNode(link)):
                s, o = q.subject, q.object
                if isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode) and s.value.startswith(base):
                    key = _linked_id(o.value)
                    if key:
                        ids.setdefault(key, set()).add(s.value)
        for q in store.quads(None, ox.NamedNode(ontology_ns(base) + "geonamesId")):
            s, o = q.subject, q.object
            if isinstance(s, ox.NamedNode) and isinstance(o, ox.Literal) and s.value.startswith(base):
                gid = geonames_id(o.value)
                if gid:
                    ids.setdefault(("geonames", gid), set()).add(s.value)
        for iris in ids.values():
            for iri in iris:
                entries.setdefault(iri, _Entry(iri))
        for e in entries.values():
            e.types = sorted({q.object.value for q in store.quads(ox.NamedNode(e.iri), RDF_TYPE)
                              if isinstance(q.object, ox.NamedNode)})
        self.entries = entries
        self.ids = {k: sorted(v) for k, v in ids.items()}

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, q: str, *, langs: Iterable[str] = (), limit: int = DEFAULT_LIMIT) -> list[Hit]:
        if len(q) > MAX_QUERY_LENGTH:
            raise BadQuery(f"The query is too long: at most {MAX_QUERY_LENGTH} characters.")
        needle = fold(q)
        if not needle:
            raise BadQuery("The query is empty: give some letters of a name, e.g. ?q=Khabarovsk.")
        langs = list(langs)
        by_id = self.find_id(q)
        matched_id = None
        if by_id:
            scheme, ident = parse_id(q) or ("", "")
            matched_id = f"{'Wikidata' if scheme == 'wikidata' else 'GeoNames'} {ident}"
        scored: list[tuple[float, str, Hit]] = []
        for e in self.entries.values():
            best = ID_SCORE if e.iri in by_id else 0.0
            for key, main in e.keys:
                s = _score(key, needle)
                if s:
                    best = max(best, s + (5 if main else 0) - min(len(key), 100) / 1000)
            if best:
                label = best_literal(e.main or e.alt, langs) or e.iri
                alts: list[str] = []
                for lit in e.main + e.alt:
                    if lit.value != label and lit.value not in alts:
                        alts.append(lit.value)
                hit = Hit(e.iri, label, alts, e.types, round(best, 3),
                          matched_id if e.iri in by_id else None)
                scored.append((-best, fold(label), hit))
        scored.sort(key=lambda t: (t[0], t[1], t[2].iri))
        return [h for _, _, h in scored[:limit]]

    def find_id(self, q: str) -> list[str]:
        """Local IRIs linked to the Wikidata item or GeoNames feature ``q`` names (see :func:`parse_id`)."""
        key = parse_id(q)
        return self.ids.get(key, []) if key else []


def _score(key: str, needle: str) -> float:
    if key == needle:
        return 100
    if key.startswith(needle):
        return 60
    if (" " + needle) in key:
        return 40
    if needle in key:
        return 20
    return 0
