"""Label search: a small in-memory index of labels, built once per worker.

Every local IRI with an ``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``
or ``dct:title`` is indexed under the *folded* form of each label:
Unicode-decomposed, combining marks removed, case-folded, punctuation and
spaces collapsed — so "khabarovsk" finds "Khabarovsk", "Joetsu" finds
"Jōetsu" and "Pucheon" (an alternative label) finds Bucheon.

Ranking: exact match (100) > prefix (60) > start of a word (40) > substring
(20); a match on a main label beats one on an alternative label (+5), then
shorter labels, then alphabetical.  Never imports Flask.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from sistercities.documents import DCT_TITLE, RDF_TYPE, RDFS_LABEL, SKOS_ALT, SKOS_PREF, best_literal
from sistercities.store import Store

MAX_QUERY_LENGTH = 200
DEFAULT_LIMIT = 50

_SPACES = re.compile(r"[\W_]+", re.UNICODE)


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
        for e in entries.values():
            e.types = sorted({q.object.value for q in store.quads(ox.NamedNode(e.iri), RDF_TYPE)
                              if isinstance(q.object, ox.NamedNode)})
        self.entries = entries

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, q: str, *, langs: Iterable[str] = (), limit: int = DEFAULT_LIMIT) -> list[Hit]:
        if len(q) > MAX_QUERY_LENGTH:
            raise BadQuery(f"The query is too long: at most {MAX_QUERY_LENGTH} characters.")
        needle = fold(q)
        if not needle:
            raise BadQuery("The query is empty: give some letters of a name, e.g. ?q=Khabarovsk.")
        langs = list(langs)
        scored: list[tuple[float, str, Hit]] = []
        for e in self.entries.values():
            best = 0.0
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
                scored.append((-best, fold(label), Hit(e.iri, label, alts, e.types, round(best, 3))))
        scored.sort(key=lambda t: (t[0], t[1], t[2].iri))
        return [h for _, _, h in scored[:limit]]


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
