"""The ONE structured description of the dataset.

:func:`build_description` reads the release manifest (contract in the
README), the settings and a few store facts, and returns a
:class:`Description`; the DCAT-AP, VoID, SPARQL service description,
schema.org and HTML serialisers all read this object, so they cannot
disagree about the endpoint, the dumps or the counts.  Never imports Flask.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sistercities.catalog.countries import eu_country_iri
from sistercities.catalog.facts import Facts
from sistercities.conneg import RDF_BY_EXT, RDF_BY_MIME
from sistercities.release import MANIFEST, Release
from sistercities.uris import URLs

IANA = "http://www.iana.org/assignments/media-types/"
EU = "http://publications.europa.eu/resource/authority/"
GZIP = "application/gzip"

#: EU file-type authority codes of the syntaxes we dump.
EU_FILE_TYPE = {
    "text/turtle": "RDF_TURTLE",
    "application/n-triples": "RDF_N_TRIPLES",
    "application/n-quads": "RDF_N_QUADS",
    "application/trig": "RDF_TRIG",
    "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML",
}
#: ISO 639-1 -> EU language authority (ISO 639-2/T upper case).
EU_LANGUAGE = {
    "en": "ENG", "ru": "RUS", "uk": "UKR", "ja": "JPN", "zh": "ZHO", "ko": "KOR", "de": "DEU", "fr": "FRA",
    "es": "SPA", "it": "ITA", "pl": "POL", "pt": "POR", "nl": "NLD", "cs": "CES", "be": "BEL", "kk": "KAZ",
    "mn": "MON", "ka": "KAT", "hy": "HYE", "tr": "TUR", "ar": "ARA", "he": "HEB", "fi": "FIN", "sv": "SWE",
}
THEMES = (
    ("GOVE", "Government and public sector"),
    ("SOCI", "Population and society"),
    ("REGI", "Regions and cities"),
)
KEYWORDS = (
    "city twinning", "sister cities", "twin towns", "municipal cooperation", "paradiplomacy",
    "international relations", "linked data", "knowledge graph",
)
DESCRIPTION = (
    "A knowledge graph of city twinning: sister-city agreements and memoranda, the twinning relationships "
    "they found, visits, delegations and meetings of mayors, exchange and aid programmes, the people and "
    "organisations taking part, and the statistics the sources state. Every record cites the paragraph of "
    "the source document it rests on (PROV), dates keep the precision the source gives (day, month or year), "
    "and places link to Wikidata and GeoNames. Published as linked data with a SPARQL endpoint and dumps."
)


@dataclass(frozen=True)
class Dump:
    """One dump file, as the manifest lists it, with the URLs it is served at."""

    file: str
    key: str  # stable per format across releases: "nt-gz", "ttl", ...
    node: str  # IRI of the distribution
    url: str  # absolute download URL
    media_type: str  # type of the (uncompressed) content: the DCAT mediaType
    format_name: str
    bytes: int
    sha256: str
    compression: str | None  # e.g. application/gzip
    triples: int | None
    quads: bool
    latest: str = ""  # version-free name served at /dumps/latest/<latest> (302 to ``url``)
    latest_url: str = ""

    @property
    def served_type(self) -> str:
        """The HTTP Content-Type the file is served with: the type of the file as it is.
        A gzip file is ``application/gzip`` (= dcat:compressFormat) with no Content-Encoding,
        so clients save/keep the bytes the checksum and byteSize describe; an uncompressed
        dump is its dcat:mediaType."""
        return self.compression or self.media_type

    @property
    def eu_format(self) -> str:
        return EU + "file-type/" + EU_FILE_TYPE.get(self.media_type, "RDF")


@dataclass(frozen=True)
class NamedGraph:
    iri: str
    file: str
    triples: int | None


@dataclass(frozen=True)
class Country:
    iri: str  # ours
    eu: str | None  # EU authority IRI
    label: str


@dataclass(frozen=True)
class Version:
    version: str
    build_time: str
    modified: str
    triples: int | None


@dataclass(frozen=True)
class Description:
    base: str
    dataset: str  # dataset IRI
    catalog: str  # catalogue IRI
    service: str  # DataService / sd:Service node
    sparql_distribution: str
    endpoint: str  # absolute SPARQL endpoint URL
    home: str
    landing_page: str  # HTML dataset page
    catalog_url: str
    void_url: str
    sitemap_url: str
    title: str
    description: str
    version: str
    issued: str
    modified: str
    build_time: str
    license: str
    publisher_name: str
    publisher_url: str
    contact_email: str
    keywords: tuple[str, ...]
    themes: tuple[tuple[str, str], ...]  # (EU data-theme IRI, label)
    languages: tuple[str, ...]  # EU language IRIs
    triples: int  # triples of the dataset: the union of the named graphs as a SET (= the default graph)
    quads: int  # quads in the store = every named graph's triples summed
    graphs: tuple[NamedGraph, ...]
    dumps: tuple[Dump, ...]
    countries: tuple[Country, ...]
    bbox: tuple[float, float, float, float] | None
    temporal: tuple[str | None, str | None]
    uri_space: str
    ontology: str
    stats: dict[str, Any] = field(hash=False, compare=False)
    history: tuple[Version, ...] = ()
    dumps_url: str = ""  # the /dumps/ page: every file, its latest URL, how to load it (dcat:accessURL)

    def dump(self, file: str) -> Dump | None:
        return next((d for d in self.dumps if d.file == file), None)

    def latest_dump(self, name: str) -> Dump | None:
        """The dump of this release served at the stable ``/dumps/latest/<name>``."""
        return next((d for d in self.dumps if d.latest == name), None)


def latest_name(file: str, version: str) -> str:
    """The version-free name of a dump: ``sistercities-<version>.nt.gz`` -> ``sistercities.nt.gz``."""
    return file.replace("-" + version, "", 1) if version and "-" + version in file else file


def _format_of(entry: dict[str, Any]) -> tuple[str, str | None]:
    """(media type of the content, compression) of a manifest dump entry."""
    mime = str(entry.get("media_type") or "")
    compression = entry.get("compression")
    name = str(entry.get("file", ""))
    stem = name[:-3] if name.endswith(".gz") else name
    if (name.endswith(".gz") and not compression) or compression == "application/x-gzip":
        compression = GZIP  # the IANA-registered name (dcat:compressFormat is an IANA IRI)
    if mime in (GZIP, "application/x-gzip") or mime not in RDF_BY_MIME:
        ext = stem.rsplit(".", 1)[-1]
        fmt = RDF_BY_EXT.get(ext)
        mime = fmt.mime if fmt else (mime or "application/octet-stream")
    return mime, compression


def dump_entries(release: Release) -> list[dict[str, Any]]:
    """``manifest['dumps']``; for a build that lists none, the files of ``dumps/``
    described on the spot (size, SHA-256)."""
    listed = release.manifest.get("dumps") or []
    if listed:
        return [dict(d) for d in listed]
    import hashlib

    found = []
    if release.dumps_dir.is_dir():
        for p in sorted(release.dumps_dir.iterdir()):
            if not p.is_file():
                continue
            h = hashlib.sha256()
            with p.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            stem = p.name[:-3] if p.name.endswith(".gz") else p.name
            fmt = RDF_BY_EXT.get(stem.rsplit(".", 1)[-1])
            if fmt is None:
                continue
            found.append({
                "file": p.name, "format": fmt.name, "media_type": fmt.mime, "bytes": p.stat().st_size,
                "sha256": h.hexdigest(), "compression": GZIP if p.name.endswith(".gz") else None,
                "triples": release.triples if fmt.quads else None, "quads": fmt.quads,
            })
    return found


def version_of(manifest: dict[str, Any]) -> Version:
    """The history entry of the release a manifest describes."""
    return Version(str(manifest["version"]), str(manifest.get("build_time", "")),
                   str(manifest.get("modified", manifest.get("build_time", ""))),
                   int(manifest["triples"]) if isinstance(manifest.get("triples"), int) else None)


def _recorded(manifest: dict[str, Any]) -> list[Version]:
    """``manifest['history']``: the releases a store served before this one, as its publisher
    recorded them (:mod:`sistercities.publish.release`); entries that are not one are skipped."""
    out = []
    for e in manifest.get("history") or []:
        if isinstance(e, dict) and isinstance(e.get("version"), str):
            out.append(version_of(e))
    return out


def read_history(release: Release) -> tuple[Version, ...]:
    """Every release this one knows of, newest first: those its publisher recorded in the
    manifest (a web server with only a remote store and no build folder) and those present
    next to it in the build folder."""
    out: dict[str, Version] = {v.version: v for v in _recorded(release.manifest)}
    for m in release.path.parent.glob("*/" + MANIFEST):
        try:
            d = json.loads(m.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(d, dict):
            v = version_of({"version": m.parent.name, **d})
            out.setdefault(v.version, v)
    out[release.version] = Version(release.version, release.build_time, release.modified, release.triples)
    return tuple(sorted(out.values(), key=lambda v: (v.build_time, v.version), reverse=True))


def _graphs(manifest: dict[str, Any], counted: dict[str, int]) -> tuple[NamedGraph, ...]:
    out = []
    for g in manifest.get("graphs") or []:
        if isinstance(g, str):
            out.append(NamedGraph(g, "", counted.get(g)))
        else:
            iri = str(g["iri"])
            n = g.get("triples")
            out.append(NamedGraph(iri, str(g.get("file", "")), int(n) if n is not None else counted.get(iri)))
    return tuple(out)


def build_description(release: Release, settings: dict[str, Any], urls: URLs, facts: Facts) -> Description:
    """The description of ``release`` as served at ``urls`` (absolute root)."""
    m = release.manifest
    stats: dict[str, Any] = dict(m.get("stats") or {}) or dict(facts.stats)
    if facts.linksets:  # counted for the declared link predicate (the manifest counts any predicate)
        stats["linksets"] = dict(facts.linksets)
    ds = urls.dataset_iri()
    dumps = []
    for e in dump_entries(release):
        mime, compression = _format_of(e)
        ext = RDF_BY_MIME[mime].ext if mime in RDF_BY_MIME else "bin"
        key = ext + ("-gz" if compression else "")
        dumps.append(Dump(
            file=str(e["file"]), key=key, node=f"{ds}#dump-{key}", url=urls.url("dumps/" + str(e["file"])),
            media_type=mime, format_name=str(e.get("format") or (RDF_BY_MIME[mime].name if mime in RDF_BY_MIME else mime)),
            bytes=int(e["bytes"]), sha256=str(e["sha256"]), compression=compression,
            triples=e.get("triples"), quads=bool(e.get("quads", mime in ("application/n-quads", "application/trig"))),
            latest=latest_name(str(e["file"]), release.version),
            latest_url=urls.url("dumps/latest/" + latest_name(str(e["file"]), release.version)),
        ))
    wanted = set(stats.get("countries") or [])
    countries = tuple(
        Country(c.iri, eu_country_iri(c.code) if c.code else None, c.label)
        for c in facts.countries if not wanted or c.iri in wanted
    )
    history = read_history(release)
    temporal = stats.get("temporal") or {}
    default_triples = next((d.triples for d in dumps if not d.quads and d.triples is not None), None)
    return Description(
        base=urls.base,
        dataset=ds,
        catalog=urls.iri("catalog"),
        service=f"{ds}#sparql-service",
        sparql_distribution=f"{ds}#sparql",
        endpoint=urls.sparql(),
        home=urls.url(""),
        landing_page=urls.url("dataset.html"),
        catalog_url=urls.url("catalog"),
        void_url=urls.url(".well-known/void"),
        sitemap_url=urls.url("sitemap.xml"),
        title=str(settings["TITLE"]),
        description=DESCRIPTION,
        version=release.version,
        issued=history[-1].build_time if history else release.build_time,
        modified=release.modified,
        build_time=release.build_time,
        license=str(settings["LICENSE"]),
        publisher_name=str(settings["PUBLISHER_NAME"]),
        publisher_url=str(settings["PUBLISHER_URL"]),
        contact_email=str(settings["CONTACT_EMAIL"]),
        keywords=KEYWORDS,
        themes=tuple((EU + "data-theme/" + code, label) for code, label in THEMES),
        languages=tuple(EU + "language/" + EU_LANGUAGE[lang] for lang in facts.languages if lang in EU_LANGUAGE)
        or (EU + "language/ENG",),
        triples=int(stats.get("triples") or default_triples or facts.distinct_triples or 0),
        quads=int(m.get("triples") or 0),
        graphs=_graphs(m, facts.graph_triples),
        dumps=tuple(dumps),
        countries=countries,
        bbox=facts.bbox,
        temporal=(temporal.get("start"), temporal.get("end")),
        uri_space=urls.iri("id/"),
        ontology=urls.ontology_iri(),
        stats=stats,
        history=history,
        dumps_url=urls.url("dumps/"),
    )

