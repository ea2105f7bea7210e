"""The search results page's view: why each hit matched (an alternative name, a label...)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sistercities.html.labels import Label, humanise
from sistercities.uris import URLs


def fold(text: str) -> str:
    """Case- and accent-insensitive form for matching ("Pucheon" ~ "pucheon", "Łódź" ~ "lodz")."""
    t = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in t if not unicodedata.combining(c)).replace("ł", "l")


def _label(x: Any) -> Label:
    if isinstance(x, Label):
        return x
    text = getattr(x, "text", None) or getattr(x, "value", None)
    lang = getattr(x, "lang", None) or getattr(x, "language", None) or ""
    return Label(str(text if text is not None else x), str(lang))


def _type_name(t: Any) -> str:
    s = str(getattr(t, "value", t))
    return humanise(s).lower() if s.startswith(("http://", "https://", "urn:")) else s


@dataclass
class Hit:
    href: str
    iri: str
    label: Label
    types: list[str]
    matched: list[Label] = field(default_factory=list)
    other_names: list[Label] = field(default_factory=list)
    score: float | None = None
    matched_id: str | None = None  # "Wikidata Q4454": found by that identifier, not by a name
    kind: str = ""
    via: list[str] = field(default_factory=list)  # partners/parties whose names matched some words


#: How a kind of result is named in the type filter.
TYPE_NAMES = {"city": "cities", "country": "countries", "twinning": "twinnings", "agreement": "agreements",
              "person": "people", "organisation": "organisations", "event": "events", "programme": "programmes",
              "role": "roles", "statistic": "statistics", "participation": "participations",
              "concept": "concepts", "term": "ontology terms", "source": "source documents",
              "paragraph": "paragraphs", "evidence": "evidence", "other": "other"}


def _search_href(urls: URLs, q: str, type: str | None = None, page: int = 1) -> str:
    params = {"q": q, "type": type, "page": str(page) if page > 1 else None}
    return urls.url("search", **{k: v for k, v in params.items() if v is not None})


def paging(q: str, results: Any, urls: URLs) -> dict[str, Any]:
    """Total, page, the type filter's links (with counts) and the previous/next page links."""
    if results is None:
        return {"total": None, "page": 1, "last": 1, "page_size": 50, "type": None, "types": [], "prev_href": None,
                "next_href": None, "all_href": None, "all_count": 0}
    types = [(k, TYPE_NAMES.get(k, k), n, _search_href(urls, q, k), k == results.type)
             for k, n in results.counts.items()]
    return {"total": results.total, "page": results.page, "last": results.last, "page_size": results.page_size,
            "type": results.type,
            "types": types, "all_href": _search_href(urls, q), "all_count": sum(results.counts.values()),
            "prev_href": _search_href(urls, q, results.type, results.page - 1) if results.page > 1 else None,
            "next_href": _search_href(urls, q, results.type, results.page + 1)
            if results.page < results.last else None}


def search_view(q: str, hits: Sequence[Any], urls: URLs, results: Any = None) -> dict[str, Any]:
    words = [fold(w) for w in q.split() if w.strip()]
    out = []
    for h in hits:
        iri = str(getattr(h, "iri", ""))
        label = _label(getattr(h, "label", None) or humanise(iri))
        alts = [_label(a) for a in (getattr(h, "alt_labels", None) or ())]
        matched = [a for a in alts if words and any(w in fold(a.text) for w in words)]
        if words and all(w in fold(label.text) for w in words):
            matched = []  # the main name matched: nothing to explain
        others = [a for a in alts if a not in matched and a.text != label.text]
        types = sorted({_type_name(t) for t in (getattr(h, "types", None) or ())})
        score = getattr(h, "score", None)
        matched_id = getattr(h, "matched_id", None)
        if matched_id:
            matched, others = [], [a for a in alts if a.text != label.text]
        out.append(Hit(urls.link(iri), iri, label, types, matched, others,
                       float(score) if isinstance(score, int | float) else None,
                       str(matched_id) if matched_id else None, str(getattr(h, "kind", "") or ""),
                       [str(x) for x in getattr(h, "via", None) or ()]))
    return {"q": q, "hits": out, **paging(q, results, urls)}
