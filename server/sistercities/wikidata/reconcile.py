"""Candidate Wikidata items for our cities, countries and organisations without a link.

For every :class:`~.entities.Entity` without ``owl:sameAs wd:Q…``, :func:`reconcile` asks the
endpoint (through :class:`~.client.WikidataClient`, many names per query with ``VALUES``) for the
items whose ``rdfs:label`` or ``skos:altLabel`` is exactly one of our labels or alternative labels,
with its language tag, and also as ``@en`` and ``@mul`` (Wikidata's language-neutral labels).  It
then fetches each candidate's English label and description, country (``wdt:P17``), coordinates
(``wdt:P625``) and instance-of classes, with the class hierarchy followed (``wdt:P31/wdt:P279*``),
and scores it (:mod:`.scoring`).  :func:`review_csv` writes the review file a curator marks up for
``sistercities wikidata accept``.  Nothing here ever writes a link.  Never imports Flask.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

from sistercities.wikidata.client import Binding, WikidataClient
from sistercities.wikidata.entities import WD, Entity, Project
from sistercities.wikidata.scoring import TARGETS, Candidate, Match, Scored, score

COLUMNS = ("our_iri", "our_label", "candidate_qid", "candidate_label", "candidate_description",
           "candidate_country", "distance_km", "score", "reasons", "accepted")
NAMES_PER_QUERY = 150
ITEMS_PER_QUERY = 50
DEFAULT_LIMIT = 5
#: items that share a name but are never a place or an organisation: Wikimedia disambiguation pages,
#: categories, templates and lists, family names and given names (not even asked for)
NEVER = ("Q4167410", "Q4167836", "Q11266439", "Q13406463", "Q101352", "Q202444", "Q12308941", "Q11879590")

_PFX = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
"""
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_QID = re.compile(r"^Q[1-9][0-9]*$")
T = TypeVar("T")


def _lit(text: str, lang: str) -> str:
    esc = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
           .replace("\t", "\\t"))
    return f'"{esc}"@{lang}' if lang else f'"{esc}"'


def _chunks(items: list[T], n: int) -> Iterator[list[T]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def name_forms(e: Entity) -> list[tuple[str, str]]:
    """The (text, language) pairs asked for an entity: each label as tagged, as @en and as @mul."""
    out: list[tuple[str, str]] = []
    for lb in e.labels:
        text = lb.text.strip()
        if not text:
            continue
        for lang in dict.fromkeys([lb.lang, "en", "mul"]):
            if lang and _LANG.match(lang) and (text, lang.lower()) not in out:
                out.append((text, lang.lower()))
    return out


def label_query(names: list[tuple[str, str]]) -> str:
    values = " ".join(_lit(t, lang) for t, lang in names)
    return (_PFX + "SELECT ?name ?item ?how WHERE {\n"
            f"  VALUES ?name {{ {values} }}\n"
            "  { ?item rdfs:label ?name . BIND(\"label\" AS ?how) }\n"
            "  UNION { ?item skos:altLabel ?name . BIND(\"altLabel\" AS ?how) }\n"
            "  FILTER (STRSTARTS(STR(?item), \"http://www.wikidata.org/entity/Q\"))\n"
            f"  FILTER NOT EXISTS {{ VALUES ?never {{ {' '.join('wd:' + q for q in NEVER)} }} ?item wdt:P31 ?never }}\n}}")


def details_query(qids: list[str]) -> str:
    values = " ".join(f"wd:{q}" for q in qids)
    return (_PFX + "SELECT ?item ?label ?description ?country ?countryLabel ?coord ?iso WHERE {\n"
            f"  VALUES ?item {{ {values} }}\n"
            "  OPTIONAL { ?item rdfs:label ?label . FILTER (LANG(?label) = \"en\") }\n"
            "  OPTIONAL { ?item schema:description ?description . FILTER (LANG(?description) = \"en\") }\n"
            "  OPTIONAL { ?item wdt:P17 ?country .\n"
            "             OPTIONAL { ?country rdfs:label ?countryLabel . FILTER (LANG(?countryLabel) = \"en\") } }\n"
            "  OPTIONAL { ?item wdt:P625 ?coord }\n"
            "  OPTIONAL { ?item wdt:P297 ?iso }\n}")


def classes_query(qids: list[str]) -> str:
    values = " ".join(f"wd:{q}" for q in qids)
    targets = " ".join(f"wd:{t}" for t in TARGETS)
    return (_PFX + "SELECT ?item ?class ?classLabel ?target WHERE {\n"
            f"  VALUES ?item {{ {values} }}\n"
            "  ?item wdt:P31 ?class .\n"
            "  OPTIONAL { ?class rdfs:label ?classLabel . FILTER (LANG(?classLabel) = \"en\") }\n"
            f"  OPTIONAL {{ VALUES ?target {{ {targets} }} ?class wdt:P279* ?target }}\n}}")


def _value(row: Binding, var: str) -> str | None:
    cell = row.get(var)
    if not isinstance(cell, dict) or not isinstance(cell.get("value"), str):
        return None
    return cell["value"]


def _item_qid(row: Binding, var: str) -> str | None:
    v = _value(row, var)
    if v is None or not v.startswith(WD):
        return None
    q = v[len(WD):]
    return q if _QID.match(q) else None


@dataclass
class Review:
    rows: list[tuple[Entity, Scored | None]]
    entities: int
    with_candidates: int
    requests: int = 0
    cache_hits: int = 0


def find_candidates(client: WikidataClient, entities: list[Entity]) -> dict[str, dict[str, Candidate]]:
    """Entity IRI -> {QID: candidate}, with the label matches, details and classes filled in."""
    wanted: dict[tuple[str, str], list[Entity]] = {}
    for e in entities:
        for form in name_forms(e):
            wanted.setdefault(form, []).append(e)
    names = sorted(wanted)
    per_entity: dict[str, dict[str, Candidate]] = {e.iri: {} for e in entities}
    for forms in _chunks(names, NAMES_PER_QUERY):
        for row in client.select(label_query(forms)):
            qid, name = _item_qid(row, "item"), row.get("name")
            if qid is None or not isinstance(name, dict):
                continue
            text, lang = name.get("value"), name.get("xml:lang") or ""
            if not isinstance(text, str) or not isinstance(lang, str) or (text, lang.lower()) not in wanted:
                continue
            lang, how = lang.lower(), _value(row, "how")
            for e in wanted[(text, lang)]:
                cand = per_entity[e.iri].setdefault(qid, Candidate(qid))
                m = Match(text, lang, how == "altLabel")
                if m not in cand.matches:
                    cand.matches.append(m)
    every: dict[str, list[Candidate]] = {}
    for cands in per_entity.values():
        for c in cands.values():
            every.setdefault(c.qid, []).append(c)
    qids = sorted(every, key=lambda q: int(q[1:]))
    for chunk in _chunks(qids, ITEMS_PER_QUERY):
        for row in client.select(details_query(chunk)):
            qid = _item_qid(row, "item")
            if qid not in every:
                continue
            for c in every[qid]:
                c.add_details(_value(row, "label"), _value(row, "description"), _item_qid(row, "country"),
                              _value(row, "countryLabel"), _value(row, "coord"), _value(row, "iso"))
        for row in client.select(classes_query(chunk)):
            qid, cls = _item_qid(row, "item"), _item_qid(row, "class")
            if qid not in every or cls is None:
                continue
            for c in every[qid]:
                c.add_class(cls, _value(row, "classLabel"), _item_qid(row, "target"))
    return per_entity


def reconcile(project: Project, client: WikidataClient, *, limit: int = DEFAULT_LIMIT) -> Review:
    """Score the candidates of every unlinked entity; raises :class:`~.client.WikidataError`."""
    entities = project.unlinked()
    per_entity = find_candidates(client, entities)
    rows: list[tuple[Entity, Scored | None]] = []
    found = 0
    for e in entities:
        scored = sorted((score(e, c) for c in per_entity[e.iri].values()), key=lambda s: s.sort_key)
        if limit > 0:
            scored = scored[:limit]
        if scored:
            found += 1
            rows.extend((e, s) for s in scored)
        else:
            rows.append((e, None))
    return Review(rows, len(entities), found, client.requests_made, client.cache_hits)


def cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula: labels and descriptions come from Wikidata,
    and one starting with = + - @ (or a tab or CR) gets a leading apostrophe, as OWASP advises."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def review_csv(review: Review) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for e, s in review.rows:
        if s is None:
            w.writerow([e.iri, cell(e.label), "", "", "", "", "", "", "no candidate", ""])
        else:
            c = s.candidate
            label = c.label or (c.matches[0].text if c.matches else "")  # no English label: the one that matched
            w.writerow([e.iri, cell(e.label), c.qid, cell(label), cell(c.description or ""),
                        cell(c.country_text()),
                        "" if s.distance is None else f"{s.distance:.1f}", s.score, "; ".join(s.reasons), ""])
    return out.getvalue()


def summary(review: Review, endpoint: str) -> str:
    candidates = sum(1 for _e, s in review.rows if s is not None)
    return (f"{review.entities} entities without a Wikidata link, {review.with_candidates} with candidates, "
            f"{candidates} candidate rows ({review.requests} requests to {endpoint}, "
            f"{review.cache_hits} answers from the cache)")

