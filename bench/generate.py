"""Synthetic but realistic city-twinning data at scale, in our data model.

    python -m bench.generate --triples 1000000 --seed 42 --out bench/work/gen-1000000-42

writes a project folder the build reads (``sistercities build --project DIR``):

* ``ontology/``, ``shapes/``  copied from the repository;
* ``data/reference.ttl``      countries and cities (labels in several scripts, coordinates,
                              GeoNames and Wikidata links);
* ``data/sources.ttl``        source documents, their paragraphs and publishers;
* ``data/register-<c>.ttl``   per country: twinning records + the ``tw:twinnedWith`` shortcut in
                              both directions, twinning agreements, city administrations, mayors,
                              exchange programmes, statistics (one named graph per source document);
* ``data/news-<c>.ttl``       per country: visits, delegations, their heads and members,
                              memoranda of understanding, other city relationships;
* ``sources/synthetic/*.txt``  the source texts the quotations are drawn from (``SOURCES_DIR``);
* ``generated.json``          what was generated (sizes, the hub city, a typical city...).

Partner counts follow a power law (Chung-Lu weights ~ rank^-0.77): a few hub cities have
hundreds of partners, most have one to three.  Dates come at mixed precision (xsd:date,
xsd:gYearMonth, xsd:gYear, and earliest/latest bounds with a note).  Every record cites a
paragraph with ``prov:wasDerivedFrom``.  Output is a pure function of (--triples, --seed).

Text is written directly (one triple per line, relative IRIs resolved by the build against
the configured base), not through rdflib: 1M triples take a few seconds.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from bisect import bisect_left
from itertools import accumulate
from pathlib import Path
from typing import Any

from bench.names import CITY_SUFFIX, COUNTRIES, FAMILY, GIVEN, NON_LATIN, SCRIPTS, Country, person_family

REPO = Path(__file__).resolve().parent.parent

#: Bump when the output changes for the same (triples, seed): part of the cache key.
GENERATOR_VERSION = "2"  # 2: evidence (tw:evidence shorthand) for every sourced statement

PREFIXES = """\
@prefix tw:     <ontology/> .
@prefix rdf:    <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix owl:    <http://www.w3.org/2002/07/owl#> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix dct:    <http://purl.org/dc/terms/> .
@prefix foaf:   <http://xmlns.com/foaf/0.1/> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
@prefix org:    <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
@prefix wgs:    <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix wd:     <http://www.wikidata.org/entity/> .

"""

FIELDS = ("urban-development", "reconstruction", "tourism", "ecology", "nature-conservation",
          "waste-management", "youth-exchange", "culture", "business", "education", "humanitarian-aid")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
PURPOSES = (
    "To strengthen the ties between the two cities and agree on the next steps of their cooperation.",
    "To discuss joint projects in tourism and culture for the coming years.",
    "To exchange experience in urban development and public transport.",
    "To prepare a youth exchange and school partnerships.",
    "To present local companies and open new business contacts.",
    "To celebrate the anniversary of the twinning with the citizens of both cities.",
)
TERMS = (
    "The cities promote exchanges between their citizens, schools and cultural institutions.",
    "The cities exchange delegations regularly and inform each other of their plans.",
    "The cities support contacts between their companies and chambers of commerce.",
)
#: Language tags our shapes allow on labels.
LABEL_LANGS = ("en", "uk", "ru", "ja", "zh", "ko")
#: Share of twinnings whose start is known only as an interval (earliest/latest bounds).
BOUNDS_SHARE = 0.05
#: Chung-Lu weight exponent and rank offset of the partner-count power law.
WEIGHT_EXPONENT = 0.77
WEIGHT_OFFSET = 4
#: Triples per twinning, measured: the first guess of the scale for a target size.
TRIPLES_PER_TWINNING = 175.0  # with the evidence of every sourced statement (46 without)


def lit(text: str, lang: str | None = "en") -> str:
    """A Turtle string literal (language-tagged unless lang is None)."""
    esc = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{esc}"@{lang}' if lang else f'"{esc}"'


def typed(value: str, dtype: str) -> str:
    return f'"{value}"^^xsd:{dtype}'


#: Statements that need no evidence (types, labels, notes, provenance, reference data, the twinnedWith
#: shortcut): the prefixed form of sistercities.evidence.EXEMPT_PREDICATES.
NO_EVIDENCE = frozenset({"a", "rdfs:label", "rdfs:comment", "rdfs:seeAlso", "skos:prefLabel", "skos:altLabel",
                         "skos:editorialNote", "skos:note", "skos:scopeNote", "prov:wasDerivedFrom", "owl:sameAs",
                         "wgs:lat", "wgs:long", "tw:twinnedWith"})
PARAGRAPH = re.compile(r"/p[0-9]+>$")
#: Triples the build publishes per supported statement (type, subject, predicate, object, paragraph, quotation).
EVIDENCE_TRIPLES = 6


class Writer:
    """Lines of Turtle per named graph (file stem), one triple per line.

    ``count`` is the number of triples the build will publish: what is written, plus, for each
    statement of a record derived from a paragraph, the evidence node the shorthand expands to."""

    def __init__(self) -> None:
        self.graphs: dict[str, list[str]] = {}
        self.count = 0
        # (graph, subject) -> paragraph cited, and the sourced statements' predicates with their value counts
        self.cited: dict[tuple[str, str], str] = {}
        self.sourced: dict[tuple[str, str], dict[str, int]] = {}
        self.quoted: dict[str, list[str]] = {}  # paragraph IRI -> the quotations drawn from it

    def t(self, graph: str, s: str, p: str, o: str) -> None:
        lines = self.graphs.get(graph)
        if lines is None:
            lines = self.graphs[graph] = []
        lines.append(f"{s} {p} {o} .\n")
        self.count += 1
        if p == "prov:wasDerivedFrom":
            if o.startswith("<id/source/") and PARAGRAPH.search(o) and (graph, s) not in self.cited:
                self.cited[(graph, s)] = o
        elif p not in NO_EVIDENCE:
            props = self.sourced.setdefault((graph, s), {})
            props[p] = props.get(p, 0) + 1

    def evidence(self) -> None:
        """One ``tw:evidence`` shorthand per sourced (subject, property): paragraph and a synthetic quotation."""
        for (graph, s), para in self.cited.items():
            for p, n in self.sourced.get((graph, s), {}).items():
                words = f"as the source states it, the {p.split(':')[-1]} of {s.rsplit('/', 1)[-1][:-1].replace('-', ' ')}"
                self.graphs[graph].append(f"{s} tw:evidence [ tw:supports {p} ; prov:wasQuotedFrom {para} ; "
                                          f"tw:quotation {lit(words)} ] .\n")
                self.quoted.setdefault(para, []).append(words)
                self.count += EVIDENCE_TRIPLES * n

    def write_texts(self, sources_dir: Path) -> None:
        """The synthetic source texts (``tw:sourceFile synthetic/<slug>.txt``): paragraph n, the n-th
        non-empty line, holds every quotation drawn from it, so the build's quotation check runs."""
        by_doc: dict[str, dict[int, list[str]]] = {}
        for para, quotes in self.quoted.items():
            slug, n = para[len("<id/source/"):-1].rsplit("/p", 1)
            by_doc.setdefault(slug, {})[int(n)] = quotes
        (sources_dir / "synthetic").mkdir(parents=True, exist_ok=True)
        for slug, paras in sorted(by_doc.items()):
            lines = [". ".join(paras.get(k) or [f"Paragraph {k} of {slug}"]) + "." for k in range(1, max(paras) + 1)]
            (sources_dir / "synthetic" / f"{slug}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")

    def write(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        for stem in sorted(self.graphs):
            with open(data_dir / f"{stem}.ttl", "w", encoding="utf-8") as f:
                f.write(f"# Synthetic twinning data (bench/generate.py), graph {stem}.\n")
                f.write(PREFIXES)
                f.writelines(self.graphs[stem])


class Model:
    """Generates entities into a :class:`Writer`; all randomness from one seeded RNG."""

    def __init__(self, twinnings: int, seed: int, cyrillic_slugs: float) -> None:
        self.rng = random.Random(seed)
        self.E = max(10, twinnings)
        self.C = max(30, int(self.E / 2.4))
        self.cyrillic_slugs = cyrillic_slugs
        self.w = Writer()
        self.slugs: dict[str, int] = {}
        self.paragraphs: dict[str, int] = {}  # source slug -> paragraphs used
        self.cities: list[dict[str, Any]] = []
        self.mayors: dict[int, str] = {}
        self.person_n = 0
        self.degree: list[int] = []
        self.stats: dict[str, int] = {}

    # --- helpers ------------------------------------------------------------
    def unique(self, kind: str, slug: str) -> str:
        key = f"{kind}/{slug}"
        n = self.slugs.get(key, 0) + 1
        self.slugs[key] = n
        return slug if n == 1 else f"{slug}-{n}"

    def para(self, source: str, share: float = 0.3) -> str:
        """A paragraph of ``source`` to cite: often the previous one (one paragraph, several records)."""
        n = self.paragraphs.get(source, 1)  # p1 is the title line
        if n == 1 or self.rng.random() >= share:
            n += 1
            self.paragraphs[source] = n
        return f"<id/source/{source}/p{n}>"

    def date(self, year: int) -> tuple[str, str]:
        """(Turtle literal, precision) for a day in ``year`` at a random precision."""
        r = self.rng.random()
        m, d = self.rng.randint(1, 12), self.rng.randint(1, 28)
        if r < 0.58:
            return typed(f"{year:04d}-{m:02d}-{d:02d}", "date"), "date"
        if r < 0.84:
            return typed(f"{year:04d}-{m:02d}", "gYearMonth"), "gYearMonth"
        return typed(f"{year:04d}", "gYear"), "gYear"

    def name(self, script: str) -> tuple[str, str]:
        """(romanised, native) city name in ``script``."""
        sylls, ends = SCRIPTS[script]
        k = self.rng.choice((2, 2, 2, 3)) if ends is None else self.rng.choice((1, 2))
        parts = [self.rng.choice(sylls) for _ in range(k)]
        if ends is not None:
            parts.append(self.rng.choice(ends))
        roman = "".join(p[0] for p in parts)
        native = "".join(p[1] for p in parts)
        if script in NON_LATIN:
            native += CITY_SUFFIX.get(script, "")
        return roman.capitalize(), native[:1].upper() + native[1:]

    def person(self, graph: str, script: str, source_para: str, extra: list[tuple[str, str]]) -> str:
        fam = person_family(script)
        g, gn = self.rng.choice(GIVEN[fam])
        f, fn = self.rng.choice(FAMILY[fam])
        slug = self.unique("person", f"{g}-{f}".lower())
        iri = f"<id/person/{slug}>"
        w = self.w
        w.t(graph, iri, "a", "foaf:Person")
        if fam == "latin":  # the English label keeps the diacritics; the ASCII form is a variant
            w.t(graph, iri, "rdfs:label", lit(f"{gn} {fn}"))
            if f"{gn} {fn}" != f"{g} {f}":
                w.t(graph, iri, "skos:altLabel", lit(f"{g} {f}"))
        else:
            w.t(graph, iri, "rdfs:label", lit(f"{g} {f}"))
            lang = next(c.lang for c in COUNTRIES if c.script == script)
            w.t(graph, iri, "rdfs:label", lit(f"{fn}{gn}" if script in ("ja", "zh", "ko") else f"{gn} {fn}", lang))
        for p, o in extra:
            w.t(graph, iri, p, o)
        w.t(graph, iri, "prov:wasDerivedFrom", source_para)
        self.person_n += 1
        return iri

    # --- entities -----------------------------------------------------------
    def countries_and_sources(self) -> None:
        w = self.w
        for c in COUNTRIES:
            iri = f"<id/country/{c.slug}>"
            w.t("reference", iri, "a", "tw:Country")
            w.t("reference", iri, "rdfs:label", lit(c.name))
            if c.native != c.name and c.lang in LABEL_LANGS:
                w.t("reference", iri, "rdfs:label", lit(c.native, c.lang))
            w.t("reference", iri, "tw:countryCode", lit(c.code, None))
            gid = str(100_000 + 1_000 * COUNTRIES.index(c))
            w.t("reference", iri, "tw:geonamesId", lit(gid, None))
            w.t("reference", iri, "rdfs:seeAlso", f"<https://sws.geonames.org/{gid}/>")
            w.t("reference", iri, "owl:sameAs", f"wd:Q{1000 + COUNTRIES.index(c)}")
            w.t("reference", iri, "prov:wasDerivedFrom", "<id/source/wikidata-links>")
            w.t("reference", iri, "prov:wasDerivedFrom", "<id/source/geonames>")
            for kind, title, publisher in (
                ("register", f"Register of twinnings of {c.name}", f"Association of Twinned Cities of {c.name}"),
                ("news", f"News on city partnerships in {c.name}", f"{c.name} Municipal News Service"),
            ):
                slug = f"{kind}-{c.slug}"
                org = f"<id/org/{slug}-publisher>"
                w.t("sources", org, "a", "tw:Association" if kind == "register" else "org:Organization")
                w.t("sources", org, "rdfs:label", lit(publisher))
                w.t("sources", org, "tw:representsCountry", f"<id/country/{c.slug}>")
                w.t("sources", org, "prov:wasDerivedFrom", f"<id/source/{slug}/p1>")
                doc = f"<id/source/{slug}>"
                w.t("sources", doc, "a", "tw:SourceDocument")
                w.t("sources", doc, "rdfs:label", lit(title))
                w.t("sources", doc, "dct:title", lit(title))
                w.t("sources", doc, "dct:publisher", org)
                w.t("sources", doc, "dct:issued", self.date(self.rng.randint(2015, 2025))[0])
                w.t("sources", doc, "dct:language", "<http://id.loc.gov/vocabulary/iso639-1/en>")
                w.t("sources", doc, "schema:url", f"<https://twinning.example.org/{kind}/{c.slug}>")
                w.t("sources", doc, "tw:sourceFile", lit(f"synthetic/{slug}.txt", None))
        for slug, title, org_slug, org_label, where in (
            ("wikidata-links", "Checked Wikidata links for the places of the source documents",
             "sistercities-project", "The sistercities project", ("tw:sourceFile", lit("reference/wikidata-links.csv", None))),
            ("geonames", "GeoNames geographical database", "geonames", "GeoNames",
             ("schema:url", "<https://www.geonames.org/>")),
        ):
            doc, org = f"<id/source/{slug}>", f"<id/org/{org_slug}>"
            w.t("sources", org, "a", "org:Organization")
            w.t("sources", org, "rdfs:label", lit(org_label))
            w.t("sources", org, "prov:wasDerivedFrom", doc)
            w.t("sources", doc, "a", "tw:SourceDocument")
            w.t("sources", doc, "rdfs:label", lit(title))
            w.t("sources", doc, "dct:title", lit(title))
            w.t("sources", doc, "dct:publisher", org)
            w.t("sources", doc, "dct:language", "<http://id.loc.gov/vocabulary/iso639-1/en>")
            w.t("sources", doc, *where)

    def make_cities(self) -> None:
        rng, w = self.rng, self.w
        weights = [c.weight for c in COUNTRIES]
        for i in range(self.C):
            c: Country = rng.choices(COUNTRIES, weights)[0]
            roman, native = self.name(c.script)
            ascii_slug = roman.lower()
            if c.script in ("ru", "uk", "kz") and rng.random() < self.cyrillic_slugs:
                slug = self.unique("city", native.lower().removesuffix(CITY_SUFFIX.get(c.script, "")))
            else:
                slug = self.unique("city", ascii_slug)
            iri = f"<id/city/{slug}>"
            g = "reference"
            w.t(g, iri, "a", "tw:City")
            if c.script in NON_LATIN:  # English label romanised, native label in its script
                w.t(g, iri, "rdfs:label", lit(roman))
                w.t(g, iri, "rdfs:label", lit(native, c.lang))
            else:  # English label with the diacritics ("Göttingen"), the ASCII form a variant
                w.t(g, iri, "rdfs:label", lit(native))
                if native != roman:
                    w.t(g, iri, "skos:altLabel", lit(roman))
            if rng.random() < 0.15:
                w.t(g, iri, "skos:altLabel", lit(roman.replace("o", "ou", 1) if "o" in roman else roman + "a"))
            w.t(g, iri, "tw:country", f"<id/country/{c.slug}>")
            w.t(g, iri, "wgs:lat", typed(f"{c.lat + rng.uniform(-4, 4):.5f}", "decimal"))
            w.t(g, iri, "wgs:long", typed(f"{c.long + rng.uniform(-6, 6):.5f}", "decimal"))
            gid = str(3_000_000 + i * 7 + rng.randint(0, 6))
            w.t(g, iri, "tw:geonamesId", lit(gid, None))
            w.t(g, iri, "rdfs:seeAlso", f"<https://sws.geonames.org/{gid}/>")
            if rng.random() < 0.93:
                w.t(g, iri, "owl:sameAs", f"wd:Q{5_000_000 + i}")
                w.t(g, iri, "prov:wasDerivedFrom", "<id/source/wikidata-links>")
            else:
                w.t(g, iri, "skos:editorialNote",
                    lit("The reference list has no verified Wikidata item for this city, so no Wikidata link is published."))
            w.t(g, iri, "prov:wasDerivedFrom", "<id/source/geonames>")
            self.cities.append({"iri": iri, "slug": slug, "name": roman, "native": native, "country": c})
            # the city administration and its mayor, stated by the country's register
            reg = f"register-{c.slug}"
            p = self.para(reg)
            adm = f"<id/org/{slug}-city-administration>"
            w.t(reg, adm, "a", "tw:CityAdministration")
            w.t(reg, adm, "rdfs:label", lit(f"{roman} City Administration"))
            w.t(reg, adm, "tw:administrationOf", iri)
            w.t(reg, adm, "tw:basedIn", iri)
            w.t(reg, adm, "prov:wasDerivedFrom", p)
            if rng.random() < 0.7:
                self.mayors[i] = self.person(reg, c.script, p, [("tw:mayorOf", iri), ("org:memberOf", adm)])
        self.degree = [0] * self.C

    def pairs(self) -> list[tuple[int, int]]:
        """E distinct city pairs, endpoints drawn with power-law (Chung-Lu) weights."""
        rng = self.rng
        order = list(range(self.C))
        rng.shuffle(order)  # which city is a hub is random, not its creation order
        weights = [0.0] * self.C
        for rank, i in enumerate(order):
            weights[i] = (rank + WEIGHT_OFFSET) ** -WEIGHT_EXPONENT
        cum = list(accumulate(weights))
        total = cum[-1]
        seen: dict[tuple[int, int], None] = {}
        max_pairs = self.C * (self.C - 1) // 2
        target = min(self.E, max_pairs // 2)
        while len(seen) < target:
            a = bisect_left(cum, rng.random() * total)
            b = bisect_left(cum, rng.random() * total)
            if a == b:
                continue
            if self.cities[a]["country"] is self.cities[b]["country"] and rng.random() < 0.85:
                continue  # twinning is mostly international
            if self.cities[a]["slug"] > self.cities[b]["slug"]:
                a, b = b, a
            seen.setdefault((a, b), None)
        return list(seen)

    def signatory(self, i: int, graph: str, p: str) -> str:
        if i not in self.mayors:
            c = self.cities[i]
            adm = f"<id/org/{c['slug']}-city-administration>"
            self.mayors[i] = self.person(graph, c["country"].script, p, [("tw:mayorOf", c["iri"]), ("org:memberOf", adm)])
        return self.mayors[i]

    def twinning(self, a: int, b: int) -> None:
        rng, w = self.rng, self.w
        A, B = self.cities[a], self.cities[b]
        self.degree[a] += 1
        self.degree[b] += 1
        reg = f"register-{A['country'].slug}"
        p = self.para(reg)
        tw = f"<id/twinning/{A['slug']}-{B['slug']}>"
        year = 1950 + int(75 * rng.random() ** 0.7)
        w.t(reg, tw, "a", "tw:Twinning")
        w.t(reg, tw, "rdfs:label", lit(f"Twinning of {A['name']} and {B['name']}"))
        w.t(reg, tw, "tw:partner", A["iri"])
        w.t(reg, tw, "tw:partner", B["iri"])
        start = None
        if rng.random() < BOUNDS_SHARE:
            w.t(reg, tw, "tw:earliestDate", typed(f"{year:04d}", "gYear"))
            w.t(reg, tw, "tw:latestDate", typed(f"{year + rng.randint(1, 4):04d}-{rng.randint(1, 12):02d}", "gYearMonth"))
            w.t(reg, tw, "skos:editorialNote", lit("The source gives the start of the relationship only as an interval."))
            self.stats["bounds"] = self.stats.get("bounds", 0) + 1
        else:
            start, prec = self.date(year)
            w.t(reg, tw, "tw:startDate", start)
            self.stats[prec] = self.stats.get(prec, 0) + 1
        if rng.random() < 0.07:
            w.t(reg, tw, "tw:status", "<id/concept/relationship-status/ended>")
            end_year = min(2025, year + rng.randint(5, 40))
            w.t(reg, tw, "tw:endDate", typed(f"{end_year:04d}", "gYear"))
        else:
            w.t(reg, tw, "tw:status", "<id/concept/relationship-status/active>")
        if rng.random() < 0.6:
            w.t(reg, tw, "tw:field", f"<id/concept/fields/{rng.choice(FIELDS)}>")
        w.t(reg, tw, "prov:wasDerivedFrom", p)
        w.t(reg, A["iri"], "tw:twinnedWith", B["iri"])
        w.t(reg, B["iri"], "tw:twinnedWith", A["iri"])
        agreement = None
        if start is not None and rng.random() < 0.75:
            agreement = f"<id/agreement/{A['slug']}-{B['slug']}-twinning-{year}>"
            w.t(reg, tw, "tw:basedOn", agreement)
            w.t(reg, agreement, "a", "tw:TwinningAgreement")
            w.t(reg, agreement, "rdfs:label", lit(f"Twinning agreement between {A['name']} and {B['name']} ({year})"))
            w.t(reg, agreement, "dct:title", lit(f"Agreement on twinning between {A['name']} and {B['name']}"))
            w.t(reg, agreement, "tw:signingDate", start)
            w.t(reg, agreement, "tw:party", A["iri"])
            w.t(reg, agreement, "tw:party", B["iri"])
            if rng.random() < 0.6:
                w.t(reg, agreement, "tw:signatory", self.signatory(a, reg, p))
                w.t(reg, agreement, "tw:signatory", self.signatory(b, reg, p))
            w.t(reg, agreement, "tw:term", lit(rng.choice(TERMS)))
            w.t(reg, agreement, "prov:wasDerivedFrom", p)
        if agreement and rng.random() < 0.05:
            prog = f"<id/programme/{A['slug']}-{B['slug']}-youth-exchange>"
            pp = self.para(reg)
            w.t(reg, prog, "a", "tw:ExchangeProgramme")
            w.t(reg, prog, "rdfs:label", lit(f"Youth exchange between {A['name']} and {B['name']}"))
            w.t(reg, prog, "tw:participant", A["iri"])
            w.t(reg, prog, "tw:participant", B["iri"])
            w.t(reg, prog, "tw:field", "<id/concept/fields/youth-exchange>")
            w.t(reg, prog, "tw:recurrence", "<id/concept/recurrence/annual>")
            w.t(reg, prog, "tw:startDate", typed(f"{min(2025, year + rng.randint(0, 10)):04d}", "gYear"))
            w.t(reg, prog, "tw:basedOn", agreement)
            w.t(reg, prog, "prov:wasDerivedFrom", pp)
        n_visits = 0
        r = rng.random()
        if r < 0.35:
            n_visits = 1
        elif r < 0.5:
            n_visits = 2 + (rng.random() < 0.3)
        for k in range(n_visits):
            src, dst = (a, b) if rng.random() < 0.5 else (b, a)
            self.visit(src, dst, max(year, 1990) + rng.randint(0, 35), k)

    def visit(self, src: int, dst: int, year: int, k: int) -> None:
        rng, w = self.rng, self.w
        S, D = self.cities[src], self.cities[dst]
        news = f"news-{D['country'].slug}"
        p = self.para(news)
        year = min(year, 2027)
        planned = year > 2025  # announced for the future: status planned, no outcome
        slug = self.unique("event", f"visit-{S['slug']}-to-{D['slug']}-{year}")
        ev = f"<id/event/{slug}>"
        dlg = f"<id/org/delegation-{slug}>"
        when = self.date(year)[0]
        w.t(news, ev, "a", "tw:Visit")
        w.t(news, ev, "rdfs:label", lit(f"Visit of a delegation of {S['name']} to {D['name']}, {year}"))
        status = "planned" if planned else "took-place"
        w.t(news, ev, "tw:eventStatus", f"<id/concept/event-status/{status}>")
        if rng.random() < 0.04:
            w.t(news, ev, "tw:earliestDate", typed(f"{year - 1:04d}", "gYear"))
            w.t(news, ev, "tw:latestDate", typed(f"{year:04d}-{rng.randint(1, 12):02d}", "gYearMonth"))
            w.t(news, ev, "skos:editorialNote", lit("The source dates the visit only loosely; only these bounds are recorded."))
        else:
            w.t(news, ev, "tw:date", when)
        w.t(news, ev, "tw:visitingParty", dlg)
        w.t(news, ev, "tw:host", f"<id/org/{D['slug']}-city-administration>")
        w.t(news, ev, "tw:destination", D["iri"])
        w.t(news, ev, "tw:purpose", lit(rng.choice(PURPOSES)))
        w.t(news, ev, "tw:field", f"<id/concept/fields/{rng.choice(FIELDS)}>")
        w.t(news, ev, "prov:wasDerivedFrom", p)
        head = self.person(news, S["country"].script, p, [])
        w.t(news, dlg, "a", "tw:Delegation")
        w.t(news, dlg, "rdfs:label", lit(f"Delegation of {S['name']} to {D['name']} ({year})"))
        w.t(news, dlg, "tw:sendingCity", S["iri"])
        w.t(news, dlg, "tw:headOfDelegation", head)
        w.t(news, dlg, "org:hasMember", head)
        for _ in range(rng.randint(0, 2)):
            w.t(news, dlg, "org:hasMember", self.person(news, S["country"].script, p, []))
        w.t(news, dlg, "prov:wasDerivedFrom", p)
        if not planned and rng.random() < 0.3:
            mou_slug = self.unique("agreement", "{}-{}-mou-{}".format(S["slug"], D["slug"], year))
            mou = f"<id/agreement/{mou_slug}>"
            w.t(news, ev, "tw:outcome", mou)
            w.t(news, mou, "a", "tw:MemorandumOfUnderstanding")
            w.t(news, mou, "rdfs:label", lit(f"Memorandum of understanding between {S['name']} and {D['name']} ({year})"))
            w.t(news, mou, "dct:title", lit("Memorandum of understanding on cooperation"))
            w.t(news, mou, "tw:signingDate", when)
            w.t(news, mou, "tw:party", S["iri"])
            w.t(news, mou, "tw:party", D["iri"])
            w.t(news, mou, "tw:signatory", head)
            w.t(news, mou, "tw:field", f"<id/concept/fields/{rng.choice(FIELDS)}>")
            w.t(news, mou, "prov:wasDerivedFrom", p)

    def relationships(self, twinned: list[tuple[int, int]]) -> None:
        """A few non-twinning city relationships (partner cities, friendship agreements)."""
        rng, w = self.rng, self.w
        taken = dict.fromkeys(twinned)
        for _ in range(max(1, len(twinned) // 20)):
            a, b = sorted(rng.sample(range(self.C), 2), key=lambda i: self.cities[i]["slug"])
            if (a, b) in taken:
                continue
            taken[(a, b)] = None
            A, B = self.cities[a], self.cities[b]
            news = f"news-{A['country'].slug}"
            rel = f"<id/twinning/{A['slug']}-{B['slug']}-relations>"
            w.t(news, rel, "a", "tw:CityRelationship")
            w.t(news, rel, "rdfs:label", lit(f"Partnership of {A['name']} and {B['name']}"))
            w.t(news, rel, "tw:partner", A["iri"])
            w.t(news, rel, "tw:partner", B["iri"])
            w.t(news, rel, "tw:startDate", self.date(rng.randint(1990, 2024))[0])
            w.t(news, rel, "tw:status", "<id/concept/relationship-status/active>")
            w.t(news, rel, "prov:wasDerivedFrom", self.para(news))

    def statistics(self) -> None:
        """'Number of sister cities' statistics for the 20 best-connected cities."""
        w = self.w
        top = sorted(range(self.C), key=lambda i: (-self.degree[i], self.cities[i]["slug"]))[:20]
        for i in top:
            c = self.cities[i]
            reg = f"register-{c['country'].slug}"
            st = f"<id/statistic/{c['slug']}-sister-cities-2025>"
            w.t(reg, st, "a", "tw:Statistic")
            w.t(reg, st, "rdfs:label", lit(f"Number of sister cities of {c['name']} (2025)"))
            w.t(reg, st, "tw:measure", "<id/concept/measures/sister-cities>")
            w.t(reg, st, "tw:statisticAbout", c["iri"])
            w.t(reg, st, "tw:value", typed(str(self.degree[i]), "decimal"))
            w.t(reg, st, "tw:date", typed("2025", "gYear"))
            w.t(reg, st, "prov:wasDerivedFrom", self.para(reg))

    def paragraph_descriptions(self) -> None:
        w = self.w
        for src in sorted(self.paragraphs):
            doc = f"<id/source/{src}>"
            for n in range(1, self.paragraphs[src] + 1):
                iri = f"<id/source/{src}/p{n}>"
                w.t("sources", iri, "a", "tw:Paragraph")
                w.t("sources", iri, "rdfs:label", lit(f"{src}, paragraph {n}"))
                w.t("sources", iri, "dct:isPartOf", doc)
                w.t("sources", iri, "tw:paragraphNumber", typed(str(n), "integer"))

    def run(self) -> Writer:
        self.countries_and_sources()
        for c in COUNTRIES:  # every document has its title paragraph p1
            self.paragraphs.setdefault(f"register-{c.slug}", 1)
            self.paragraphs.setdefault(f"news-{c.slug}", 1)
        self.make_cities()
        twinned = self.pairs()
        for a, b in twinned:
            self.twinning(a, b)
        self.relationships(twinned)
        self.statistics()
        self.paragraph_descriptions()
        self.w.evidence()
        return self.w

    def summary(self) -> dict[str, Any]:
        order = sorted(range(self.C), key=lambda i: (-self.degree[i], self.cities[i]["slug"]))
        hub = self.cities[order[0]]
        typical = self.cities[order[len(order) // 2]]
        by_country: dict[str, int] = {}
        for c in self.cities:
            by_country[c["country"].slug] = by_country.get(c["country"].slug, 0) + 1
        big = max(sorted(by_country), key=lambda s: by_country[s])
        return {
            "triples": self.w.count,
            "cities": self.C,
            "twinnings": sum(self.degree) // 2,
            "persons": self.person_n,
            "graphs": len(self.w.graphs),
            "start_date_precision": dict(sorted(self.stats.items())),
            "hub": {"path": hub["iri"][1:-1], "name": hub["name"], "partners": self.degree[order[0]]},
            "top_partner_counts": [self.degree[i] for i in order[:10]],
            "median_partner_count": self.degree[order[len(order) // 2]],
            "typical_city": {"path": typical["iri"][1:-1], "name": typical["name"],
                             "partners": self.degree[order[len(order) // 2]]},
            "largest_country": {"path": f"id/country/{big}", "cities": by_country[big]},
        }


def generate(out: Path, triples: int, seed: int = 42, *, cyrillic_slugs: float = 0.0,
             repo: Path = REPO) -> dict[str, Any]:
    """Write a project folder with about ``triples`` triples; return its summary."""
    t0 = time.monotonic()
    scale = triples / TRIPLES_PER_TWINNING
    model = Model(int(scale), seed, cyrillic_slugs)
    model.run()
    for _ in range(4):  # correct the scale (deterministically): fixed parts (countries, sources) make it non-linear
        if abs(model.w.count - triples) <= 0.03 * triples:
            break
        scale *= triples / model.w.count
        model = Model(int(scale), seed, cyrillic_slugs)
        model.run()
    if out.exists():
        shutil.rmtree(out)
    for folder in ("ontology", "shapes"):
        src = repo / folder
        if src.is_dir():
            shutil.copytree(src, out / folder, ignore=shutil.ignore_patterns("*.md", ".*"))
        else:
            (out / folder).mkdir(parents=True)
    model.w.write(out / "data")
    model.w.write_texts(out / "sources")  # SOURCES_DIR of the generated project
    summary = {"generator_version": GENERATOR_VERSION, "seed": seed, "target_triples": triples,
               **model.summary(), "seconds": round(time.monotonic() - t0, 2)}
    (out / "generated.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--triples", type=int, default=1_000_000, help="target number of data triples (default 1000000)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42); same seed, same files")
    ap.add_argument("--out", type=Path, required=True, help="project folder to (re)create")
    ap.add_argument("--cyrillic-slugs", type=float, default=0.0,
                    help="share of Russian/Ukrainian/Bulgarian cities given a Cyrillic slug (default 0: slugs are ASCII)")
    args = ap.parse_args(argv)
    if args.triples < 1000:
        ap.error("--triples must be at least 1000")
    if not 0 <= args.cyrillic_slugs <= 1:
        ap.error("--cyrillic-slugs must be between 0 and 1")
    s = generate(args.out, args.triples, args.seed, cyrillic_slugs=args.cyrillic_slugs)
    print(f"{s['triples']} triples, {s['cities']} cities, {s['twinnings']} twinnings, hub {s['hub']['path']} "
          f"with {s['hub']['partners']} partners, in {s['seconds']} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
