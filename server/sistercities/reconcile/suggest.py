"""Suggest services (entities, types, properties): prefix search with ``cursor`` paging.

Entities come from the site's label index (:class:`sistercities.search.LabelIndex`): a suggestion's
label, alternative label or spelling variant (any language, case- and accent-folded) must *start*
with the prefix, or one of its words must ("niig" suggests the Municipality of Niigata); an entity id (our IRI, its
path ``id/city/khabarovsk``, a Wikidata QID or a GeoNames id) suggests that entity first.  The
order is the site search's.  Paragraphs, evidence and ontology terms are never suggested as
entities; ``type`` (a class IRI, ``tw:City``, ``city``...) keeps instances of that class and its
subclasses.  Types and properties are prefix-matched on their names and ids.  Never imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sistercities.documents import best_literal
from sistercities.reconcile import properties
from sistercities.reconcile.extend import Facts, local_iri
from sistercities.reconcile.types import Types, UnknownType
from sistercities.search import MAX_QUERY_LENGTH, BadQuery, Hit, LabelIndex, fold, starts_a_word
from sistercities.store import Store

PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
MAX_CURSOR = 100_000
#: Kinds of the label index never suggested as entities.
NOT_ENTITIES = frozenset({"paragraph", "evidence", "term"})


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


def entities(index: LabelIndex, store: Store, types: Types, prefix: str | None, type: str | None = None,
             pg: Page = Page(), langs: list[str] | None = None) -> dict[str, Any]:
    """``suggest-entities-response.json``: the entities for ``prefix`` (of ``type``), page ``pg``."""
    text = _prefix(prefix)
    wanted = _type(types, type)
    needle = fold(text)
    if not needle or wanted == "":
        return {"result": []}
    first: list[str] = []
    iri = local_iri(text, index.base)
    if iri is not None and iri in index.entries:
        first.append(iri)
    try:
        ranked = index.search(text, langs=langs or [], limit=10**9)
    except BadQuery:
        ranked = []
    hits: list[Hit] = []
    for h in ranked:
        if h.kind in NOT_ENTITIES or (wanted and not types.is_a(h.types, wanted)):
            continue
        if h.matched_id or h.iri in first or any(starts_a_word(fold(x), needle) for x in (h.label, *h.alt_labels)):
            hits.append(h)
    if first and all(h.iri not in first for h in hits):
        e = index.entries[first[0]]
        if e.kind not in NOT_ENTITIES and (not wanted or types.is_a(e.types, wanted)):
            hits.append(Hit(e.iri, best_literal(e.main or e.alt, langs or []) or e.iri, types=e.types, kind=e.kind))
    hits.sort(key=lambda h: h.iri not in first)  # stable: the id named by the prefix first
    facts = Facts(store, index.base, types)
    out = []
    for h in hits[pg.cursor:pg.cursor + pg.size]:
        item: dict[str, Any] = {"id": h.iri, "name": h.label}
        ts = types.of(h.types)
        desc = describe(facts, h.iri, ts[0].name if ts else None)
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
