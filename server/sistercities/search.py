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
come first (score 200).

A query of several words also finds a thing when every word matches some label
of it — or, for a twinning or agreement, of its partners or parties ("Niigata
Khabarovsk" finds their twinning) — scored below a match of the whole phrase.
Things of the main kinds (cities, twinnings, agreements, people,
organisations...) rank above source documents, their paragraphs and evidence;
:meth:`LabelIndex.query` pages the results and filters and counts them by kind.
Never imports Flask.
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
PAGE_SIZE = 50
MAX_PAGE = 10**6
RDFS_SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
_ORG = "http://www.w3.org/ns/org#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_OWL = "http://www.w3.org/2002/07/owl#"
#: (kind, root classes — bare names are tw: terms, rank tier): first match wins; tier 0 ranks first.
TYPE_KINDS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("city", ("City",), 0),
    ("country", ("Country",), 0),
    ("twinning", ("CityRelationship",), 0),
    ("agreement", ("Agreement",), 0),
    ("person", ("http://xmlns.com/foaf/0.1/Person",), 0),
    ("organisation", (_ORG + "Organization", "http://xmlns.com/foaf/0.1/Organization"), 0),
    ("event", ("Event", "EventSeries"), 0),
    ("programme", ("Programme",), 0),
    ("role", (_ORG + "Membership",), 1),
    ("statistic", ("Statistic",), 1),
    ("participation", ("Participation",), 1),
    ("concept", (_SKOS + "Concept", _SKOS + "ConceptScheme"), 1),
    ("term", (_OWL + "Class", _OWL + "ObjectProperty", _OWL + "DatatypeProperty",
              "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"), 1),
    ("source", ("SourceDocument",), 2),
    ("paragraph", ("Paragraph",), 2),
    ("evidence", ("Evidence",), 2),
)
#: Every ``?type=`` the search accepts: the kinds above and "other" (none of them).
SEARCH_TYPES: tuple[str, ...] = (*(k for k, _, _ in TYPE_KINDS), "other")
_TIER = {k: t for k, _, t in TYPE_KINDS} | {"other": 1}
#: A record is also found by the names of these (its partners, its parties).
RECORD_LINKS = ("partner", "party")

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
    kind: str = "other"  # one of SEARCH_TYPES
    via: list[str] = field(default_factory=list)  # names of partners/parties that matched some words


@dataclass
class Results:
    """One page of the hits for a query, with the count of every kind (before the type filter)."""

    q: str
    hits: list[Hit]
    total: int  # hits of the chosen type (all types when none is chosen)
    page: int
    last: int
    type: str | None
    counts: dict[str, int]  # kind -> number of hits, in SEARCH_TYPES order, only kinds with hits
    page_size: int = PAGE_SIZE


@dataclass
class _Entry:
    iri: str
    main: list[ox.Literal] = field(default_factory=list)
    alt: list[ox.Literal] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    keys: list[tuple[str, bool]] = field(default_factory=list)  # (folded label, is main label)
    kind: str = "other"
    links: list[str] = field(default_factory=list)  # partners / parties (records only)


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
        kinds = _class_kinds(store, ontology_ns(base))
        for e in entries.values():
            e.types = sorted({q.object.value for q in store.quads(ox.NamedNode(e.iri), RDF_TYPE)
                              if isinstance(q.object, ox.NamedNode)})
            found = [kinds[t] for t in e.types if t in kinds]
            e.kind = min(found, key=SEARCH_TYPES.index) if found else "other"
        for name in RECORD_LINKS:
            for q in store.quads(None, ox.NamedNode(ontology_ns(base) + name)):
                rec = entries.get(q.subject.value) if isinstance(q.subject, ox.NamedNode) else None
                if rec is not None and isinstance(q.object, ox.NamedNode) and q.object.value in entries \
                        and q.object.value not in rec.links:
                    rec.links.append(q.object.value)
        self.entries = entries
        self.ids = {k: sorted(v) for k, v in ids.items()}

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, q: str, *, langs: Iterable[str] = (), limit: int = DEFAULT_LIMIT) -> list[Hit]:
        """The best ``limit`` hits of every kind (see :meth:`query` for pages and kinds)."""
        return self._ranked(q, list(langs))[:limit]

    def query(self, q: str, *, langs: Iterable[str] = (), page: int = 1, type: str | None = None,
              page_size: int = PAGE_SIZE) -> Results:
        """Page ``page`` of the hits for ``q``, only things of kind ``type`` when given.

        :class:`BadQuery` for an unknown type, or a page past the last one."""
        if type is not None and type not in SEARCH_TYPES:
            raise BadQuery(f"Unknown type {type[:40]!r}: use one of {', '.join(SEARCH_TYPES)}.")
        if not 0 < page <= MAX_PAGE:
            raise BadQuery(f"page must be a positive whole number, got {page}.")
        ranked = self._ranked(q, list(langs))
        counts = {k: 0 for k in SEARCH_TYPES}
        for h in ranked:
            counts[h.kind] += 1
        chosen = [h for h in ranked if type is None or h.kind == type]
        last = max(1, -(-len(chosen) // page_size))
        if page > last:
            raise BadQuery(f"page {page} is past the last page ({last}) of the results.")
        return Results(q, chosen[(page - 1) * page_size:page * page_size], len(chosen), page, last, type,
                       {k: n for k, n in counts.items() if n}, page_size)

    def _ranked(self, q: str, langs: list[str]) -> list[Hit]:
        if len(q) > MAX_QUERY_LENGTH:
            raise BadQuery(f"The query is too long: at most {MAX_QUERY_LENGTH} characters.")
        needle = fold(q)
        if not needle:
            raise BadQuery("The query is empty: give some letters of a name, e.g. ?q=Khabarovsk.")
        words = sorted(set(needle.split(" ")), key=needle.index) if " " in needle else []
        by_id = self.find_id(q)
        matched_id = None
        if by_id:
            scheme, ident = parse_id(q) or ("", "")
            matched_id = f"{'Wikidata' if scheme == 'wikidata' else 'GeoNames'} {ident}"
        scored: list[tuple[float, int, float, str, Hit]] = []
        for e in self.entries.values():
            best = ID_SCORE if e.iri in by_id else 0.0
            for key, main in e.keys:
                s = _score(key, needle)
                if s:
                    best = max(best, s + (5 if main else 0) - min(len(key), 100) / 1000)
            via: list[str] = []
            if not best and words:
                best, via = self._all_words(e, words)
            if best:
                label = best_literal(e.main or e.alt, langs) or e.iri
                alts: list[str] = []
                for lit in e.main + e.alt:
                    if lit.value != label and lit.value not in alts:
                        alts.append(lit.value)
                hit = Hit(e.iri, label, alts, e.types, round(best, 3),
                          matched_id if e.iri in by_id else None, e.kind,
                          [best_literal(self.entries[x].main or self.entries[x].alt, langs) or x for x in via])
                # found by id first, then the main kinds before sources, paragraphs and evidence
                scored.append((-(best >= ID_SCORE), _TIER.get(e.kind, 1), -best, fold(label), hit))
        scored.sort(key=lambda t: (t[0], t[1], t[2], t[3], t[4].iri))
        return [t[4] for t in scored]

    def _all_words(self, e: _Entry, words: list[str]) -> tuple[float, list[str]]:
        """Score when every word matches a label of ``e`` or of one of its partners/parties (else 0)."""
        total = 0.0
        via: list[str] = []
        for w in words:
            own = max((_score(k, w) for k, _ in e.keys), default=0)
            if own:
                total += own
                continue
            other, who = 0.0, None
            for x in e.links:
                s = max((_score(k, w) for k, _ in self.entries[x].keys), default=0)
                if s > other:
                    other, who = s, x
            if not other or who is None:
                return 0.0, []
            total += other * 0.8
            if who not in via:
                via.append(who)
        # at most 36: below the whole phrase matched at the start of a word (40), above it inside one (20)
        score = total / len(words) * 0.3
        if e.links and all(any(_score(k, w) for x in e.links for k, _ in self.entries[x].keys) for w in words):
            score += 6  # the record of exactly these places ("Niigata Khabarovsk": their twinning)
        return score, via

    def find_id(self, q: str) -> list[str]:
        """Local IRIs linked to the Wikidata item or GeoNames feature ``q`` names (see :func:`parse_id`)."""
        key = parse_id(q)
        return self.ids.get(key, []) if key else []


def starts_a_word(key: str, needle: str) -> bool:
    """Whether the folded ``needle`` starts the folded label ``key`` or one of its words (prefix search)."""
    return _score(key, needle) >= 40


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


def _class_kinds(store: Store, tw: str) -> dict[str, str]:
    """Class IRI -> search kind, through ``rdfs:subClassOf`` (the first kind of :data:`TYPE_KINDS` wins)."""
    out: dict[str, str] = {}
    for kind, roots, _ in TYPE_KINDS:
        for root in roots:
            iri = root if ":" in root else tw + root
            todo, seen = [iri], {iri}
            while todo:
                c = todo.pop()
                out.setdefault(c, kind)
                for q in store.quads(None, RDFS_SUBCLASS, ox.NamedNode(c)):
                    if isinstance(q.subject, ox.NamedNode) and q.subject.value not in seen:
                        seen.add(q.subject.value)
                        todo.append(q.subject.value)
    return out
