"""A Wikidata-shaped Turtle fixture of N P190 statements, for ``sistercities wikidata import --all``.

    python -m bench.generate_wikidata --statements 50000 --seed 1 --out bench/work/wikidata-50000.ttl

Same RDF model as ``tests/fixtures/wikidata/wikidata.ttl`` (Wikibase RDF dump format): items with
``rdfs:label`` in several languages, ``wdt:P31`` (city/municipality classes), ``wdt:P17``,
``wdt:P625`` as ``geo:wktLiteral``, truthy ``wdt:P190`` and full statements ``p:P190/ps:P190`` with
``pq:/pqv:P580``, ``P582`` (precisions 7, 9, 10, 11), ``pq:P1534`` and ``prov:wasDerivedFrom``
references (P854, P248, P1476, P813).  About 2 statements in 3 have a partner statement back
(pairs), the rest are one-directional.  Items are fictional (Q90000000 + n); the output is a pure
function of (--statements, --seed).  Written as text, one line per statement block: 50,000
statements take about a second.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

HEADER = """@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wds: <http://www.wikidata.org/entity/statement/> .
@prefix wdv: <http://www.wikidata.org/value/> .
@prefix wdref: <http://www.wikidata.org/reference/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix p: <http://www.wikidata.org/prop/> .
@prefix ps: <http://www.wikidata.org/prop/statement/> .
@prefix pq: <http://www.wikidata.org/prop/qualifier/> .
@prefix pqv: <http://www.wikidata.org/prop/qualifier/value/> .
@prefix pr: <http://www.wikidata.org/prop/reference/> .
@prefix wikibase: <http://wikiba.se/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

wd:Q515 rdfs:label "city"@en .
wd:Q15284 rdfs:label "municipality"@en .
wd:Q110999040 rdfs:label "Russian invasion of Ukraine"@en .
"""

COUNTRIES = 40
SYLLABLES = ["ka", "ro", "mi", "to", "na", "be", "lu", "sa", "ve", "di", "ko", "ya", "ri", "no", "sha", "pol"]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def _time(rng: random.Random, year: int) -> tuple[str, int]:
    prec = rng.choices([9, 10, 11, 7], weights=[50, 15, 30, 5])[0]
    month, day = (rng.randint(1, 12), rng.randint(1, 28)) if prec >= 10 else (1, 1)
    if prec == 10:
        day = 1
    return f"{year:04d}-{month:02d}-{day:02d}T00:00:00Z", prec


def generate(statements: int, seed: int) -> str:
    rng = random.Random(seed)
    items = max(4, statements // 3)
    out = [HEADER]
    for c in range(COUNTRIES):
        out.append(f'wd:Q{80000000 + c} rdfs:label "{_name(rng)}land"@en .\n')
    for i in range(items):
        q = 90000000 + i
        name = _name(rng)
        labels = f'"{name}"@en' + (f' , "{name}а"@ru' if rng.random() < 0.5 else "") + (
            f' , "{name}市"@ja' if rng.random() < 0.3 else "")
        coord = f"Point({rng.uniform(-180, 180):.4f} {rng.uniform(-90, 90):.4f})"
        out.append(f'wd:Q{q} rdfs:label {labels} ; wdt:P31 wd:{rng.choice(["Q515", "Q15284"])} ; '
                   f'wdt:P17 wd:Q{80000000 + rng.randrange(COUNTRIES)} ; wdt:P625 "{coord}"^^geo:wktLiteral .\n')
    n, ref = 0, 0
    while n < statements:
        a, b = rng.sample(range(items), 2)
        both = rng.random() < 0.66 and n + 1 < statements
        year = rng.randint(1950, 2020)
        start = _time(rng, year) if rng.random() < 0.7 else None
        ended = rng.random() < 0.05
        for x, y in ((a, b), (b, a)) if both else ((a, b),):
            n += 1
            sid = f"Q{90000000 + x}-{n:08X}-B3E1-4C1A-9D36-{seed:012X}"
            lines = [f"wd:Q{90000000 + x} wdt:P190 wd:Q{90000000 + y} ; p:P190 wds:{sid} .",
                     f"wds:{sid} a wikibase:Statement ; wikibase:rank wikibase:NormalRank ; ps:P190 wd:Q{90000000 + y}"]
            if start:
                lines[-1] += f' ; pq:P580 "{start[0]}"^^xsd:dateTime ; pqv:P580 wdv:s{n}'
                lines.append(f'wdv:s{n} wikibase:timeValue "{start[0]}"^^xsd:dateTime ; wikibase:timePrecision {start[1]} .')
            if ended:
                end = _time(rng, min(2024, year + rng.randint(1, 40)))
                lines[1] += (f' ; pq:P582 "{end[0]}"^^xsd:dateTime ; pqv:P582 wdv:e{n}'
                         " ; pq:P1534 wd:Q110999040")
                lines.append(f'wdv:e{n} wikibase:timeValue "{end[0]}"^^xsd:dateTime ; wikibase:timePrecision {end[1]} .')
            if rng.random() < 0.3:
                ref += 1
                lines[1] += f" ; prov:wasDerivedFrom wdref:r{ref:08x}"
                lines.append(f'wdref:r{ref:08x} a wikibase:Reference ; pr:P854 <https://example.org/twinning/{n}> ; '
                             f'pr:P1476 "Sister cities {n}"@en ; pr:P248 wd:Q{80000000 + rng.randrange(COUNTRIES)} ; '
                             f'pr:P813 "2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T00:00:00Z"^^xsd:dateTime .')
            lines[1] += " ."
            out.append("\n".join(lines) + "\n")
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--statements", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(generate(a.statements, a.seed), encoding="utf-8")
    print(f"wrote {a.out}: {a.statements} P190 statements", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
