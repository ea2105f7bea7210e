"""Suggest services (entities, types, properties): prefix search with ``cursor`` paging.

Entities come from the site's label index (:class:`sistercities.search.LabelIndex`): a suggestion's
label, alternative label or spelling variant (any language, case- and accent-folded) must *start*
with the prefix, or one of its words must ("niig" suggests the Municipality of Niigata); an entity id (our IRI, its
path ``id/city/khabarovsk``, a Wikidata QID or a GeoNames id) suggests that entity first.  The
scores and order are the site search's, restricted to prefix matches, found by binary search in a
sorted table of the index's folded labels (:class:`PrefixTable`).  Paragraphs, evidence and ontology terms are never suggested as
entities; ``type`` (a class IRI, ``tw:City``, ``city``...) keeps instances of that class and its
subclasses.  Types and properties are prefix-matched on their names and ids.  Never imports Flask.
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

from sistercities.documents import best_literal
from sistercities.reconcile import properties
from sistercities.reconcile.extend import Facts, local_iri
from sistercities.reconcile.types import Types, UnknownType
from sistercities.search import ID_SCORE, MAX_QUERY_LENGTH, TYPE_KINDS, LabelIndex, fold, starts_a_word
from sistercities.store import Store

PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
MAX_CURSOR = 100_000
#: Kinds of the label index never suggested as entities.
NOT_ENTITIES = frozenset({"paragraph", "evidence", "term"})
#: Rank tier of each kind (the site search's: cities, people... before source documents).
TIERS = {kind: tier for kind, _, tier in TYPE_KINDS}


class BadSuggest(ValueError):
    """A malformed suggest request (one line)."""


@dataclass(frozen=True)
class Page:
    cursor: int = 0
    size: int = PAGE_SIZE


def page(cursor: str | None, limit: str | None) -> Page:
    """The page a request asks for; :class:`BadSuggest` for a cursor or limit that is not a whole number."""
    def whole(raw: str | None, name: str, default: int, top: int, low: int) -> int:
        if raw is None or raw.strip() == "":
            return default
        t = raw.strip()
        if not (t.isascii() and t.isdigit()) or not low <= int(t) <= top:
            raise BadSuggest(f"{name} must be a whole number from {low} to {top}, got {raw[:40]!r}.")
        return int(t)
    return Page(whole(cursor, "cursor", 0, MAX_CURSOR, 0), whole(limit, "limit", PAGE_SIZE, MAX_PAGE_SIZE, 1))


def _prefix(prefix: str | None) -> str:
    if prefix is None:
        raise BadSuggest("Missing prefix: ?prefix=<the first letters of a name>.")
    if len(prefix) > MAX_QUERY_LENGTH:
        raise BadSuggest(f"The prefix is too long: at most {MAX_QUERY_LENGTH} characters.")
    return prefix


def _type(types: Types, raw: str | None) -> str | None:
    """The class IRI ``raw`` names, None for no type, "" for a type we do not have."""
    if raw is None or not raw.strip():
        return None
    try:
        return types.resolve(raw)
    except UnknownType:
        return ""


class PrefixTable:
    """Every word-start suffix of every folded label of the index ("municipality of niigata",
    "of niigata", "niigata"), sorted, so a prefix is a binary search, not a scan of every label
    (1M triples: 43k things).  Built once per label index, from its folded keys."""

    def __init__(self, index: LabelIndex) -> None:
        rows: list[tuple[str, str, int, bool]] = []  # (suffix, iri, offset in the label, main label)
        for e in index.entries.values():
            if e.kind in NOT_ENTITIES:
                continue
            for key, main in e.keys:
                for start in (0, *(i + 1 for i, c in enumerate(key) if c == " ")):  # folded: single spaces
                    rows.append((key[start:], e.iri, start, main))
        rows.sort()
        self.suffixes = [r[0] for r in rows]
        self.rows = rows

    def find(self, needle: str) -> dict[str, float]:
        """iri -> score of its best label for ``needle``: the site search's (exact 100, start of the label
        60, start of a later word 40; +5 on a main label; shorter labels first)."""
        out: dict[str, float] = {}
        i = bisect_left(self.suffixes, needle)
        while i < len(self.rows) and self.rows[i][0].startswith(needle):
            suffix, iri, offset, main = self.rows[i]
            base = (100 if suffix == needle else 60) if offset == 0 else 40
            length = offset + len(suffix)
            score = base + (5 if main else 0) - min(length, 100) / 1000
            if score > out.get(iri, 0):
                out[iri] = score
            i += 1
        return out


_TABLES: weakref.WeakKeyDictionary[LabelIndex, PrefixTable] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def prefix_table(index: LabelIndex) -> PrefixTable:
    with _LOCK:
        table = _TABLES.get(index)
        if table is None:
            table = _TABLES[index] = PrefixTable(index)
        return table


def entities(index: LabelIndex, store: Store, types: Types, prefix: str | None, type: str | None = None,
             pg: Page = Page(), langs: list[str] | None = None) -> dict[str, Any]:
    """``suggest-entities-response.json``: the entities for ``prefix`` (of ``type``), page ``pg``."""
    text = _prefix(prefix)
    wanted = _type(types, type)
    needle = fold(text)
    if not needle or wanted == "":
        return {"result": []}
    scores = prefix_table(index).find(needle)
    iri = local_iri(text, index.base)
    named = [iri] if iri is not None and iri in index.entries else []
    for found in (named, index.find_id(text)):  # an id names its thing: first
        for x in found:
            scores[x] = ID_SCORE + (1 if x in named else 0)
    ranked = []
    for x, score in scores.items():
        e = index.entries[x]
        if e.kind in NOT_ENTITIES or (wanted and not types.is_a(e.types, wanted)):
            continue
        label = best_literal(e.main or e.alt, langs or []) or x
        ranked.append((-(score >= ID_SCORE), -score if score >= ID_SCORE else 0, TIERS.get(e.kind, 1), -score,
                       fold(label), x, label))
    ranked.sort()
    facts = Facts(store, index.base, types)
    out = []
    for *_, x, label in ranked[pg.cursor:pg.cursor + pg.size]:
        item: dict[str, Any] = {"id": x, "name": label}
        ts = types.of(index.entries[x].types)
        desc = describe(facts, x, ts[0].name if ts else None)
        if desc:
            item["description"] = desc
        item["notable"] = [{"id": t.id, "name": t.name} for t in ts]
        out.append(item)
    return {"result": out}


def describe(f: Facts, iri: str, type_name: str | None) -> str:
    """"City in Japan", "Twinning of Khabarovsk and Niigata, since 1965-04-23"... (empty when nothing is known)."""
    countries = [f.label(c) for c in f.iris(iri, f.tw + "country")]
    text = type_name or ""
    if countries:
        text = (text + " in " if text else "in ") + ", ".join(countries)
    start = f.literals(iri, f.tw + "startDate")
    if start:
        text = (text + ", since " if text else "since ") + min(lit.value for lit in start)
    return text


def types_(types: Types, prefix: str | None, pg: Page = Page()) -> dict[str, Any]:
    """``suggest-types-response.json``: our reconcilable types whose name or IRI starts with ``prefix``
    (every type for an empty prefix), the manifest's order first."""
    text = _prefix(prefix).strip()
    needle = fold(text)
    order = {t: n for n, t in enumerate(types.top)}
    found = []
    for t in types.types.values():
        local = t.id.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        keys = [fold(t.name), fold(local)]
        if not needle or any(starts_a_word(k, needle) for k in keys) or t.id.startswith(text) \
                or (text.lower().startswith("tw:") and t.id == types.tw + text[3:]):
            found.append(t)
    found.sort(key=lambda t: (order.get(t.id, len(order)), fold(t.name), t.id))
    out = []
    for t in found[pg.cursor:pg.cursor + pg.size]:
        item: dict[str, Any] = {"id": t.id, "name": t.name}
        broader = [types.types[b] for b in t.broader if b in types.types]
        if broader:
            item["broader"] = [{"id": b.id, "name": b.name} for b in broader]
        out.append(item)
    return {"result": out}


def classes_of(types: Types, type: str | None) -> set[str] | None:
    """A type and its superclasses (None: no type given; empty: a type we do not have)."""
    wanted = _type(types, type)
    if wanted is None:
        return None
    if wanted == "":  # not a reconcilable type, but maybe one of our classes (tw:SourceDocument)
        t = (type or "").strip()
        t = types.tw + t[3:] if t.lower().startswith("tw:") else t if ":" in t else types.tw + t
        return set(types.closure.get(t, frozenset()))
    return set(types.closure.get(wanted, frozenset({wanted})))


def props(types: Types, prefix: str | None, type: str | None = None, pg: Page = Page()) -> dict[str, Any]:
    """``suggest-properties-response.json``: the data extension properties (of ``type``) for ``prefix``."""
    found = properties.suggest(_prefix(prefix), classes_of(types, type), types.tw)
    return {"result": found[pg.cursor:pg.cursor + pg.size]}
