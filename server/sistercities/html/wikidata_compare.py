"""The page ``/wikidata/compare``: the comparison a build wrote (``wikidata-compare.json``), as HTML.

Each row links our cities, our twinning record and the paragraphs of our sources that state it,
and the Wikidata statements (the item's page at ``#P190``, the statement IRI kept as its title and
as text).  Nothing here calls Wikidata.  No Flask.
"""

from __future__ import annotations

from typing import Any

from sistercities.html.render import render
from sistercities.release import Release
from sistercities.uris import URLs
from sistercities.wikidata.compare import KIND_TITLES, KINDS

CAPTIONS = {
    "ours-only": "Twinnings stated by our sources for which Wikidata has no P190 statement on either item.",
    "wikidata-only": "P190 statements about our cities for which none of our sources states a twinning.",
    "start-date": "Each Wikidata statement's start time against our start date, compared at the finer precision "
                  "both give.",
    "one-directional": "Pairs Wikidata states on one item only: the other item does not state the first.",
    "ended": "Twinnings that ended according to Wikidata (end time, end cause or status) or to our sources.",
}


def _city(c: dict[str, Any], urls: URLs) -> dict[str, Any]:
    qid = c.get("qid")
    return {"label": c.get("label") or c.get("iri"), "href": urls.link(str(c.get("iri"))),
            "qid": qid, "wikidata_href": f"https://www.wikidata.org/wiki/{qid}" if qid else None}


def _row(r: dict[str, Any], urls: URLs) -> dict[str, Any]:
    sources = []
    for s in r.get("sources") or []:
        n, doc = s.get("paragraph_number"), s.get("document")
        # like the provenance of every page: the paragraph on its document's page
        href = f"{urls.link(str(doc))}#p{n}" if doc and n else urls.link(str(s.get("paragraph")))
        sources.append({"title": s.get("title"), "number": n, "href": href, "iri": s.get("paragraph"),
                        "quotation": s.get("quotation"), "supports": ", ".join(s.get("supports") or [])})
    statements = []
    for s in r.get("wikidata") or []:
        statements.append({"iri": s.get("statement"), "id": s.get("statement_id"), "href": s.get("link"),
                           "on": (s.get("stated_on") or {}).get("label"), "partner": (s.get("partner") or {}).get("label"),
                           "record_href": urls.link(str(s.get("record"))) if s.get("record") else None,
                           "start": s.get("start"), "end": s.get("end")})
    return {"verdict": r.get("verdict"), "verdict_class": "verdict-" + str(r.get("verdict", "")).lower().replace(" ", "-"),
            "finding": r.get("finding"), "cities": [_city(c, urls) for c in r.get("cities") or []],
            "record_href": urls.link(str(r["our_record"])) if r.get("our_record") else None,
            "sources": sources, "statements": statements}


def compare_view(data: dict[str, Any] | None, urls: URLs) -> dict[str, Any]:
    if data is None:
        return {"available": False, "sections": [], "retrieved": [], "counts": {}}
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    for r in data.get("rows") or []:
        if r.get("kind") in rows:
            rows[r["kind"]].append(_row(r, urls))
    sections = [{"id": k, "title": KIND_TITLES[k], "caption": CAPTIONS[k], "rows": rows[k]} for k in KINDS]
    return {"available": True, "sections": sections, "retrieved": data.get("retrieved") or [],
            "curated_pairs": data.get("curated_pairs"), "wikidata_statements": data.get("wikidata_statements")}


def render_wikidata_compare(data: dict[str, Any] | None, *, urls: URLs, release: Release | None) -> str:
    """The page; ``data`` is the release's comparison (None: the build has no Wikidata graph)."""
    return render("wikidata-compare.html", urls, cmp=compare_view(data, urls),
                  json_url=urls.url("wikidata/compare.json"), version=release.version if release else None)
