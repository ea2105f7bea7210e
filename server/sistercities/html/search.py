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


def search_view(q: str, hits: Sequence[Any], urls: URLs) -> dict[str, Any]:
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
                       str(matched_id) if matched_id else None))
    return {"q": q, "hits": out}
