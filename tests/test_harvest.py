"""A harvester's walk over a real server process (gunicorn, ``live_server``):
home page -> catalogue -> every distribution (HEAD, GET, checksum, parse, count
against VoID) -> SPARQL endpoint -> robots.txt -> sitemap -> a sample of pages."""

from __future__ import annotations

import gzip
import hashlib
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urljoin

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.namespace import DCAT, RDF, RDFS, VOID

SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
IANA = "http://www.iana.org/assignments/media-types/"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PARSERS = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld", "application/n-triples": "nt"}
OX_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS, "application/trig": ox.RdfFormat.TRIG,
    "application/ld+json": ox.RdfFormat.JSON_LD, "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link":
            self.links.append({k: v or "" for k, v in attrs})


def mime(resp: requests.Response) -> str:
    return resp.headers.get("Content-Type", "").split(";")[0].strip()


def fetch_rdf(url: str) -> rdflib.Graph:
    """GET as a harvester does: ask for Turtle, parse by the Content-Type answered."""
    r = requests.get(url, headers={"Accept": "text/turtle, application/rdf+xml;q=0.8"}, timeout=30)
    assert r.status_code == 200, url
    assert "Accept" in r.headers.get("Vary", "")
    return rdflib.Graph().parse(data=r.content, format=PARSERS[mime(r)], publicID=url)


@pytest.fixture(scope="module")
def walk(live_server: str) -> dict[str, object]:
    home = requests.get(live_server + "/", timeout=30)
    assert home.status_code == 200 and mime(home) == "text/html"
    p = _Links()
    p.feed(home.text)
    alternates = [ln for ln in p.links if ln.get("rel") == "alternate" and ln.get("type") in PARSERS]
    assert alternates, "the home page names no RDF alternate (the catalogue)"
    catalog_url = urljoin(live_server + "/", alternates[0]["href"])
    cat = fetch_rdf(catalog_url)
    catalogs = list(cat.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    datasets = list(cat.objects(catalogs[0], DCAT.dataset))
    assert len(datasets) == 1
    ds = datasets[0]
    void_url = next(str(u) for u in cat.objects(ds, RDFS.seeAlso) if "void" in str(u))
    return {"root": live_server, "catalog": cat, "dataset": ds, "void": fetch_rdf(void_url)}


def test_every_distribution_is_what_the_catalogue_says(walk: dict) -> None:  # type: ignore[type-arg]
    cat: rdflib.Graph = walk["catalog"]
    void: rdflib.Graph = walk["void"]
    ds = walk["dataset"]
    dataset_triples = int(void.value(ds, VOID.triples))
    subsets = [s for s in void.objects(ds, VOID.subset) if (s, RDF.type, VOID.Linkset) not in void]
    dataset_quads = sum(int(void.value(s, VOID.triples)) for s in subsets)
    dumps = [d for d in cat.objects(ds, DCAT.distribution) if cat.value(d, DCAT.downloadURL) is not None]
    assert len(dumps) >= 2
    for dist in dumps:
        url = str(cat.value(dist, DCAT.downloadURL))
        declared = str(cat.value(dist, DCAT.mediaType)).removeprefix(IANA)
        compress = cat.value(dist, DCAT.compressFormat)
        # our rule: the file is served as what it is: Content-Type = dcat:compressFormat for a compressed
        # file (its content's type is dcat:mediaType), else dcat:mediaType; never a Content-Encoding
        wire = str(compress).removeprefix(IANA) if compress is not None else declared
        size = int(cat.value(dist, DCAT.byteSize))
        checksum = cat.value(dist, SPDX.checksum)
        assert cat.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        sha = str(cat.value(checksum, SPDX.checksumValue))

        head = requests.head(url, timeout=30)
        assert head.status_code == 200, url
        assert mime(head) == wire, url
        assert "Content-Encoding" not in head.headers, url
        assert int(head.headers["Content-Length"]) == size
        etag = head.headers["ETag"]

        get = requests.get(url, timeout=60, stream=True)
        body = get.raw.read(decode_content=False)
        assert get.status_code == 200 and mime(get) == wire
        assert len(body) == size
        assert hashlib.sha256(body).hexdigest() == sha
        assert requests.get(url, headers={"If-None-Match": etag}, timeout=30).status_code == 304

        content = gzip.decompress(body) if compress is not None else body
        if compress is not None:
            assert str(compress) == IANA + "application/gzip"
        n = sum(1 for _ in ox.parse(content, OX_FORMATS[declared]))
        quads = declared in ("application/n-quads", "application/trig") or (
            declared == "application/ld+json" and any(not isinstance(q.graph_name, ox.DefaultGraph)
                                                      for q in ox.parse(content, OX_FORMATS[declared])))
        assert n == (dataset_quads if quads else dataset_triples), url


def test_sparql_endpoint_answers(walk: dict) -> None:  # type: ignore[type-arg]
    cat: rdflib.Graph = walk["catalog"]
    services = list(cat.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 1
    endpoint = str(cat.value(services[0], DCAT.endpointURL))
    assert endpoint.startswith(walk["root"])
    ds = walk["dataset"]
    r = requests.get(endpoint, params={"query": "ASK { ?s a ?c }"}, headers={"Accept": "application/sparql-results+json"},
                     timeout=30)
    assert r.status_code == 200 and r.json()["boolean"] is True
    # the endpoint's own service description names the same endpoint and dataset
    sd = requests.get(endpoint, headers={"Accept": "text/turtle"}, timeout=30)
    assert sd.status_code == 200
    g = rdflib.Graph().parse(data=sd.content, format="turtle")
    sdns = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    svc = next(g.subjects(RDF.type, sdns.Service))
    assert str(g.value(svc, sdns.endpoint)) == endpoint
    assert g.value(svc, sdns.defaultDataset) == ds


def test_robots_and_sitemap(walk: dict) -> None:  # type: ignore[type-arg]
    root = walk["root"]
    robots = requests.get(root + "/robots.txt", timeout=30)
    assert robots.status_code == 200
    sitemaps = re.findall(r"^Sitemap:\s*(\S+)\s*$", robots.text, re.M)
    assert sitemaps == [root + "/sitemap.xml"]
    sm = requests.get(sitemaps[0], timeout=30)
    assert sm.status_code == 200
    tree = ET.fromstring(sm.content)
    if tree.tag == SM + "sitemapindex":  # follow the index as a crawler does
        locs = []
        for page in tree:
            locs += [u.findtext(SM + "loc") for u in ET.fromstring(requests.get(page.findtext(SM + "loc"), timeout=30).content)]
    else:
        locs = [u.findtext(SM + "loc") for u in tree]
    assert len(locs) > 20
    step = max(1, len(locs) // 12)
    sample = locs[::step]
    for url in sample:
        r = requests.get(url, timeout=30)
        assert r.status_code == 200, url
        assert mime(r) == "text/html", url


def test_example_resources_dereference(walk: dict) -> None:  # type: ignore[type-arg]
    void: rdflib.Graph = walk["void"]
    base_len = len(str(walk["dataset"])) - len("dataset")
    for ex in void.objects(walk["dataset"], VOID.exampleResource):
        path = str(ex)[base_len - 1:]
        r = requests.get(walk["root"] + path, headers={"Accept": "text/turtle"}, timeout=30)
        assert r.status_code == 200 and mime(r) == "text/turtle", path  # after the 303
        g = rdflib.Graph().parse(data=r.content, format="turtle")
        assert (ex, None, None) in g


@pytest.mark.parametrize(("path", "status"), [
    ("/dumps/..%2Fmanifest.json", 400),
    ("/dumps/%2e%2e%2fmanifest.json", 400),
    ("/dumps/no-such-dump.nt.gz", 404),
])
def test_dump_names_on_the_real_server(live_server: str, path: str, status: int) -> None:
    r = requests.get(live_server + path, timeout=30)
    assert r.status_code == status
    assert "manifest" not in r.text or status == 400
    assert "Traceback" not in r.text


def test_landing_page_and_dataset_iri(walk: dict) -> None:  # type: ignore[type-arg]
    cat: rdflib.Graph = walk["catalog"]
    landing = str(cat.value(walk["dataset"], DCAT.landingPage))
    r = requests.get(landing, timeout=30)
    assert r.status_code == 200 and mime(r) == "text/html"
    assert '"@type": "Dataset"' in r.text or '"@type":"Dataset"' in r.text
    # the dataset IRI, asked for on this host, is a thing: 303 to the page or the catalogue
    thing = requests.get(walk["root"] + "/dataset", headers={"Accept": "text/turtle"}, allow_redirects=False, timeout=30)
    assert thing.status_code == 303 and thing.headers["Location"].endswith("/catalog.ttl")
