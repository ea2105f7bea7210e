"""The DCAT-AP 3.0.1 catalogue as an rdflib graph, from a :class:`Description`.

Every object is explicitly typed (harvesters and the DCAT-AP range shapes
run without inference).  Never imports Flask.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from sistercities.catalog.model import EU, IANA, Description

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
ADMS = Namespace("http://www.w3.org/ns/adms#")

DCAT_VERSION = URIRef(str(DCAT) + "version")  # DCAT 3 term rdflib's closed namespace lacks
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
DCAT_AP = URIRef("http://data.europa.eu/r5r/")
THEME_SCHEME = URIRef(EU + "data-theme")
PUBLIC = URIRef(EU + "access-right/PUBLIC")
IRREGULAR = URIRef(EU + "frequency/IRREG")
SPARQL_FORMAT = URIRef(EU + "file-type/SPARQLQ")  # EU file type "SPARQL query"
STABLE = URIRef(EU + "planned-availability/STABLE")
ATTRIBUTION = URIRef("http://purl.org/adms/licencetype/Attribution")
NON_PROFIT = URIRef("http://purl.org/adms/publishertype/NonProfitOrganisation")
LANG_NAMES = {"ENG": "English", "RUS": "Russian", "UKR": "Ukrainian", "JPN": "Japanese", "ZHO": "Chinese", "KOR": "Korean"}


def date_literal(value: str) -> Literal:
    """An ISO date/time string as the most precise fitting XSD literal."""
    v = value.strip()
    if "T" in v:
        return Literal(v, datatype=XSD.dateTime)
    kind = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(v), XSD.date)
    return Literal(v, datatype=kind)


def _ring(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"


def wkt_box(b: tuple[float, float, float, float]) -> str:
    """WKT of a (west, south, east, north) box; split in two at 180° when it crosses the antimeridian."""
    w, s, e, n = b
    if w <= e:
        return "POLYGON" + _ring(w, s, e, n)
    return f"MULTIPOLYGON({_ring(w, s, 180, n)},{_ring(-180, s, e, n)})"


def centre(b: tuple[float, float, float, float]) -> tuple[float, float]:
    """(lon, lat) of the middle of the box, the short way round."""
    w, s, e, n = b
    lon = w + ((e - w) % 360) / 2
    return (lon - 360 if lon > 180 else lon, (s + n) / 2)


def _concept(g: Graph, iri: URIRef, label: str, scheme: URIRef | None = None) -> URIRef:
    g.add((iri, RDF.type, SKOS.Concept))
    g.add((iri, SKOS.prefLabel, Literal(label, lang="en")))
    if scheme is not None:
        g.add((iri, SKOS.inScheme, scheme))
    return iri


def _doc(g: Graph, iri: str) -> URIRef:
    u = URIRef(iri)
    g.add((u, RDF.type, FOAF.Document))
    return u


def _common(g: Graph, d: Description, node: URIRef, publisher: URIRef, contact: URIRef, lic: URIRef) -> None:
    g.add((node, DCTERMS.publisher, publisher))
    g.add((node, DCAT.contactPoint, contact))
    g.add((node, DCTERMS.license, lic))
    g.add((node, DCTERMS.accessRights, PUBLIC))
    for kw in d.keywords:
        g.add((node, DCAT.keyword, Literal(kw, lang="en")))
    for theme, _ in d.themes:
        g.add((node, DCAT.theme, URIRef(theme)))


def dcat_graph(d: Description) -> Graph:
    g = Graph()
    for prefix, ns in (("dcatap", DCATAP), ("gsp", GSP), ("spdx", SPDX), ("vcard", VCARD)):
        g.bind(prefix, ns)
    cat, ds, svc = URIRef(d.catalog), URIRef(d.dataset), URIRef(d.service)

    # agents, licence, vocabularies
    publisher = URIRef(d.dataset + "#publisher")
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(d.publisher_name, lang="en")))
    g.add((publisher, FOAF.homepage, _doc(g, d.publisher_url)))
    g.add((publisher, DCTERMS.type, _concept(g, NON_PROFIT, "Non-Profit Organisation")))
    contact = URIRef(d.dataset + "#contact")
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, VCARD.fn, Literal(d.publisher_name, lang="en")))
    g.add((contact, VCARD.hasEmail, URIRef("mailto:" + d.contact_email)))
    lic = URIRef(d.license)
    g.add((lic, RDF.type, DCTERMS.LicenseDocument))
    g.add((lic, DCTERMS.type, _concept(g, ATTRIBUTION, "Attribution")))
    g.add((PUBLIC, RDF.type, DCTERMS.RightsStatement))
    g.add((PUBLIC, RDFS.label, Literal("public", lang="en")))
    g.add((IRREGULAR, RDF.type, DCTERMS.Frequency))
    g.add((IRREGULAR, RDFS.label, Literal("irregular", lang="en")))
    g.add((THEME_SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((THEME_SCHEME, DCTERMS.title, Literal("Data theme", lang="en")))
    for theme, label in d.themes:
        _concept(g, URIRef(theme), label, THEME_SCHEME)
    for lang in d.languages:
        g.add((URIRef(lang), RDF.type, DCTERMS.LinguisticSystem))
        code = lang.rsplit("/", 1)[-1]
        if code in LANG_NAMES:
            g.add((URIRef(lang), RDFS.label, Literal(LANG_NAMES[code], lang="en")))
    std = URIRef(d.ontology)
    g.add((std, RDF.type, DCTERMS.Standard))
    g.add((std, DCTERMS.title, Literal("Twinning ontology", lang="en")))
    g.add((SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard))
    g.add((SPARQL_PROTOCOL, DCTERMS.title, Literal("SPARQL 1.1 Protocol", lang="en")))
    g.add((DCAT_AP, RDF.type, DCTERMS.Standard))
    g.add((DCAT_AP, DCTERMS.title, Literal("DCAT-AP 3.0.1", lang="en")))

    # spatial coverage: EU country authority IRIs, plus our own area with a bounding box
    spatial: list[URIRef] = []
    for c in d.countries:
        if c.eu:
            loc = URIRef(c.eu)
            g.add((loc, RDF.type, DCTERMS.Location))
            if c.label:
                g.add((loc, SKOS.prefLabel, Literal(c.label, lang="en")))
            g.add((loc, SKOS.exactMatch, URIRef(c.iri)))
            spatial.append(loc)
    if d.bbox:
        area = URIRef(d.dataset + "#area")
        g.add((area, RDF.type, DCTERMS.Location))
        g.add((area, RDFS.label, Literal("Bounding box of the places in the dataset", lang="en")))
        g.add((area, DCAT.bbox, Literal(wkt_box(d.bbox), datatype=GSP.wktLiteral)))
        cx, cy = centre(d.bbox)
        g.add((area, DCAT.centroid, Literal(f"POINT({cx:.5f} {cy:.5f})", datatype=GSP.wktLiteral)))
        spatial.append(area)

    # catalogue
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal(d.title + " — catalogue", lang="en")))
    g.add((cat, DCTERMS.description,
           Literal("Catalogue of the Sister Cities knowledge graph: the dataset, its dumps and its SPARQL service.", lang="en")))
    g.add((cat, DCTERMS.publisher, publisher))
    g.add((cat, DCAT.contactPoint, contact))
    g.add((cat, DCTERMS.license, lic))
    g.add((cat, FOAF.homepage, _doc(g, d.home)))
    g.add((cat, DCAT.dataset, ds))
    g.add((cat, DCAT.service, svc))
    g.add((cat, DCAT.themeTaxonomy, THEME_SCHEME))
    g.add((cat, DCTERMS.language, URIRef(EU + "language/ENG")))
    g.add((URIRef(EU + "language/ENG"), RDF.type, DCTERMS.LinguisticSystem))
    g.add((cat, DCTERMS.issued, date_literal(d.issued)))
    g.add((cat, DCTERMS.modified, date_literal(d.modified)))
    for loc in spatial:
        g.add((cat, DCTERMS.spatial, loc))

    # dataset
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal(d.title, lang="en")))
    g.add((ds, DCTERMS.description, Literal(d.description, lang="en")))
    g.add((ds, DCTERMS.identifier, Literal(d.dataset)))
    _common(g, d, ds, publisher, contact, lic)
    g.add((ds, DCTERMS.creator, publisher))
    g.add((ds, DCTERMS.issued, date_literal(d.issued)))
    g.add((ds, DCTERMS.modified, date_literal(d.modified)))
    g.add((ds, DCAT_VERSION, Literal(d.version)))
    g.add((ds, OWL.versionInfo, Literal(d.version)))
    g.add((ds, DCTERMS.accrualPeriodicity, IRREGULAR))
    g.add((ds, DCTERMS.conformsTo, std))
    g.add((ds, DCAT.landingPage, _doc(g, d.landing_page)))
    g.add((ds, RDFS.seeAlso, URIRef(d.void_url)))
    for lang in d.languages:
        g.add((ds, DCTERMS.language, URIRef(lang)))
    for loc in spatial:
        g.add((ds, DCTERMS.spatial, loc))
    start, end = d.temporal
    if start or end:
        period = URIRef(d.dataset + "#period")
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if start:
            g.add((period, DCAT.startDate, date_literal(start)))
        if end:
            g.add((period, DCAT.endDate, date_literal(end)))
        g.add((ds, DCTERMS.temporal, period))

    # the SPARQL service and its distribution
    g.add((svc, RDF.type, DCAT.DataService))
    g.add((svc, DCTERMS.title, Literal(d.title + " — SPARQL endpoint", lang="en")))
    g.add((svc, DCTERMS.description, Literal("SPARQL 1.1 query endpoint over every named graph; "
                                             "the default graph is their union, each triple once.",
                                             lang="en")))
    g.add((svc, DCAT.endpointURL, URIRef(d.endpoint)))
    g.add((svc, DCAT.endpointDescription, URIRef(d.endpoint)))
    g.add((svc, DCAT.servesDataset, ds))
    g.add((svc, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    _common(g, d, svc, publisher, contact, lic)
    dist = URIRef(d.sparql_distribution)
    g.add((ds, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    g.add((dist, DCTERMS.description, Literal("Query the whole graph live with SPARQL 1.1.", lang="en")))
    g.add((dist, DCAT.accessURL, URIRef(d.endpoint)))
    g.add((dist, DCAT.accessService, svc))
    g.add((dist, DCTERMS.license, lic))
    g.add((dist, DCATAP.availability, STABLE))
    g.add((dist, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((SPARQL_FORMAT, RDF.type, DCTERMS.MediaTypeOrExtent))
    g.add((dist, DCTERMS.format, SPARQL_FORMAT))

    # the dumps
    _concept(g, STABLE, "stable")
    for dump in d.dumps:
        n = URIRef(dump.node)
        g.add((ds, DCAT.distribution, n))
        g.add((n, RDF.type, DCAT.Distribution))
        packed = " (gzip-compressed)" if dump.compression else ""
        scope = "every named graph (quads)" if dump.quads else "the union of the named graphs (triples)"
        g.add((n, DCTERMS.title, Literal(f"{dump.format_name} dump{packed}", lang="en")))
        g.add((n, DCTERMS.description, Literal(f"Release {d.version}: {scope} in {dump.format_name}{packed}.", lang="en")))
        # downloadURL: this release's file, which byteSize and checksum describe (a "latest" URL would
        # outlive them); accessURL: the page listing the files, their stable latest URLs and how to load them
        g.add((n, DCAT.accessURL, URIRef(d.dumps_url or dump.url)))
        g.add((n, DCAT.downloadURL, URIRef(dump.url)))
        mt = URIRef(IANA + dump.media_type)
        g.add((mt, RDF.type, DCTERMS.MediaType))
        g.add((n, DCAT.mediaType, mt))
        fmt = URIRef(dump.eu_format)
        g.add((fmt, RDF.type, DCTERMS.MediaTypeOrExtent))
        g.add((n, DCTERMS.format, fmt))
        if dump.compression:
            cf = URIRef(IANA + dump.compression)
            g.add((cf, RDF.type, DCTERMS.MediaType))
            g.add((n, DCAT.compressFormat, cf))
        g.add((n, DCAT.byteSize, Literal(dump.bytes, datatype=XSD.nonNegativeInteger)))
        ck = BNode()
        g.add((n, SPDX.checksum, ck))
        g.add((ck, RDF.type, SPDX.Checksum))
        g.add((ck, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((ck, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))
        g.add((n, DCTERMS.license, lic))
        g.add((n, DCATAP.availability, STABLE))
        g.add((n, DCTERMS.issued, date_literal(d.build_time)))
        g.add((n, DCTERMS.modified, date_literal(d.modified)))
    return g
