"""HTTP behaviour of /catalog, /.well-known/void, /dataset, the dataset page,
/dumps, /sitemap.xml and /robots.txt (Flask test client on the session build)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import rdflib

from sistercities import create_app
from sistercities.catalog import sitemap as sm

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

# Accept header -> Content-Type served (None = 406), for both /catalog and /.well-known/void
CONNEG = [
    (None, "text/turtle"),
    ("", "text/turtle"),
    ("*/*", "text/turtle"),
    ("text/turtle", "text/turtle"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("text/plain", "application/n-triples"),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "text/turtle"),
    ("application/ld+json;q=0.9, application/rdf+xml", "application/rdf+xml"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/rdf+xml"),
    ("image/png", None),
    ("text/turtle;q=0", None),
]
PARSER = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld", "application/n-triples": "nt"}


@pytest.mark.parametrize("path", ["/catalog", "/.well-known/void"])
@pytest.mark.parametrize(("accept", "expected"), CONNEG)
def test_conneg(client, path: str, accept: str | None, expected: str | None) -> None:  # type: ignore[no-untyped-def]
    headers = {} if accept is None else {"Accept": accept}
    r = client.get(path, headers=headers)
    assert "Accept" in r.headers.get("Vary", "")
    if expected is None:
        assert r.status_code == 406
        assert b"text/turtle" in r.data  # the message names what is available
        return
    assert r.status_code == 200
    assert r.mimetype == expected
    g = rdflib.Graph().parse(data=r.data, format=PARSER[expected])
    assert len(g) > 50


@pytest.mark.parametrize(("ext", "mime"), [("ttl", "text/turtle"), ("rdf", "application/rdf+xml"),
                                           ("jsonld", "application/ld+json"), ("nt", "application/n-triples")])
def test_catalog_by_extension(client, ext: str, mime: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/catalog.{ext}", headers={"Accept": "image/png"})  # the extension wins over Accept
    assert r.status_code == 200 and r.mimetype == mime
    assert len(rdflib.Graph().parse(data=r.data, format=PARSER[mime])) > 50


@pytest.mark.parametrize("ext", ["trig", "nq", "html", "exe"])
def test_catalog_unknown_extension_is_404(client, ext: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/catalog.{ext}")
    assert r.status_code == 404
    assert b"/catalog.ttl" in r.data


@pytest.mark.parametrize("path", ["/catalog", "/.well-known/void"])
def test_head_and_conditional_get(client, path: str) -> None:  # type: ignore[no-untyped-def]
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert int(head.headers["Content-Length"]) == len(get.data)
    etag = get.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    other = client.get(path, headers={"If-None-Match": etag, "Accept": "application/rdf+xml"})
    assert other.status_code == 200  # another representation has another ETag


@pytest.mark.parametrize(("accept", "location"), [
    ("text/html", "/dataset.html"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "/dataset.html"),
    (None, "/dataset.html"),
    ("text/turtle", "/catalog.ttl"),
    ("application/ld+json", "/catalog.jsonld"),
    ("application/rdf+xml", "/catalog.rdf"),
    ("application/n-triples", "/catalog.nt"),
])
def test_dataset_iri_redirects(client, accept: str | None, location: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/dataset", headers={} if accept is None else {"Accept": accept})
    assert r.status_code == 303
    assert r.headers["Location"].endswith(location)
    assert "Accept" in r.headers["Vary"]
    assert client.get(r.headers["Location"]).status_code == 200


def test_dataset_iri_406(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/dataset", headers={"Accept": "image/png"}).status_code == 406


def _jsonld(html: str) -> dict:  # type: ignore[type-arg]
    m = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert m, "no JSON-LD in the page"
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def test_dataset_page_schema_org_for_google(client, built) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/dataset.html")
    assert r.status_code == 200 and r.mimetype == "text/html"
    data = _jsonld(r.data.decode())
    assert data["@type"] == "Dataset" and data["@context"] == "https://schema.org"
    assert data["name"]
    assert 50 <= len(data["description"]) <= 5000
    assert data["license"].startswith("http")
    assert data["creator"]["@type"] == "Organization" and data["creator"]["name"]
    assert data["keywords"] and data["version"] == built.version
    assert re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?/\d{4}(-\d\d(-\d\d)?)?", data["temporalCoverage"])
    assert any(p.get("geo", {}).get("@type") == "GeoShape" for p in data["spatialCoverage"])
    assert data["includedInDataCatalog"]["@type"] == "DataCatalog"
    files = {d["file"]: d for d in built.manifest["dumps"]}
    assert len(data["distribution"]) == len(files)
    for dist in data["distribution"]:
        assert dist["@type"] == "DataDownload" and dist["encodingFormat"]
        assert dist["contentUrl"].rsplit("/", 1)[-1] in files


def test_dataset_page_content(client, built) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/dataset.html").data.decode()
    assert built.version in html
    assert "@misc{" in html and f"version      = {{{built.version}}}" in html.replace("&#34;", '"')
    for d in built.manifest["dumps"]:
        assert d["file"] in html and d["sha256"] in html and f"{d['bytes']:,}" in html
    assert 'href="http://localhost/catalog"' in html and "/.well-known/void" in html and "/sparql" in html
    assert '<link rel="alternate" type="text/turtle"' in html
    assert ">city<" in html or ">City<" in html  # class partitions carry labels from the ontology


def test_version_history_lists_every_release_newest_first(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    releases = tmp_path / "releases"
    shutil.copytree(built.path, releases / built.version)
    old = {**built.manifest, "version": "2000.01.01-00000000", "build_time": "2000-01-01T00:00:00Z",
           "modified": "2000-01-01T00:00:00Z", "triples": 7}
    (releases / old["version"]).mkdir()
    (releases / old["version"] / "manifest.json").write_text(json.dumps(old))
    (tmp_path / "current").symlink_to(Path("releases") / built.version)
    html = create_app({"BUILD_DIR": str(tmp_path)}).test_client().get("/dataset.html").data.decode()
    section = html[html.index('id="versions"'):]
    assert section.index(built.version) < section.index("2000.01.01-00000000")
    # the dataset was first issued with the oldest release
    ttl = create_app({"BUILD_DIR": str(tmp_path)}).test_client().get("/catalog").data.decode()
    assert '"2000-01-01T00:00:00' in ttl


def test_dumps_served_as_declared(client, built) -> None:  # type: ignore[no-untyped-def]
    for d in built.manifest["dumps"]:
        url = "/dumps/" + d["file"]
        head = client.head(url)
        assert head.status_code == 200
        # a .gz file is served as the file it is (application/gzip = dcat:compressFormat), never with
        # Content-Encoding: clients would un-gzip it and save plain text under the .gz name
        assert head.mimetype == (d["compression"] or d["media_type"])
        assert "Content-Encoding" not in head.headers
        assert head.headers.get("Content-Disposition", "").startswith("attachment") == bool(d["compression"])
        assert int(head.headers["Content-Length"]) == d["bytes"]
        get = client.get(url)
        assert hashlib.sha256(get.data).hexdigest() == d["sha256"]
        assert get.headers["ETag"].strip('"') == d["sha256"]
        assert client.get(url, headers={"If-None-Match": get.headers["ETag"]}).status_code == 304
        part = client.get(url, headers={"Range": "bytes=0-9"})
        assert part.status_code == 206 and part.data == get.data[:10]


@pytest.mark.parametrize(("path", "status"), [
    ("/dumps/nope.nt", 404),
    ("/dumps/sistercities-0000.ttl", 404),
    ("/dumps/..%2Fmanifest.json", 400),
    ("/dumps/../manifest.json", 400),
    ("/dumps/%2E%2E%2Fmanifest.json", 400),
    ("/dumps/sub/dir.ttl", 400),
    ("/dumps/.hidden", 400),
    ("/dumps/a%5Cb", 400),
])
def test_bad_dump_names(client, path: str, status: int) -> None:  # type: ignore[no-untyped-def]
    r = client.get(path)
    assert r.status_code == status
    assert b"/catalog" in r.data or b"dump" in r.data


def test_sitemap_single(client, store, built) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/sitemap.xml")
    assert r.status_code == 200 and r.mimetype == "application/xml"
    root = ET.fromstring(r.data)
    assert root.tag == SM + "urlset"
    locs = [u.findtext(SM + "loc") for u in root]
    assert all(u.findtext(SM + "lastmod") == built.modified for u in root)
    assert "http://localhost/doc/id/city/khabarovsk.html" in locs
    assert len(locs) == len(set(locs))
    # every local subject has a page (every instance is typed, so the sitemap lists typed IRIs)
    # (a renamed IRI keeps only dct:isReplacedBy, has no type and no page: it answers 301)
    n_subjects = len(store.select(f"""SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{built.manifest['base_iri']}") && !CONTAINS(STR(?s), "#"))
        FILTER EXISTS {{ ?s a ?type }} }}"""))
    assert len(locs) == n_subjects + 2  # + home page and dataset page


def test_sitemap_index_when_over_page_size(client, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    single = [u.findtext(SM + "loc") for u in ET.fromstring(client.get("/sitemap.xml").data)]
    monkeypatch.setattr(sm, "PAGE_SIZE", 7)
    root = ET.fromstring(client.get("/sitemap.xml").data)
    assert root.tag == SM + "sitemapindex"
    pages = [s.findtext(SM + "loc") for s in root]
    assert len(pages) == -(-len(single) // 7)
    seen: list[str] = []
    for i, page in enumerate(pages, 1):
        assert page == f"http://localhost/sitemap-{i}.xml"
        part = ET.fromstring(client.get(f"/sitemap-{i}.xml").data)
        assert part.tag == SM + "urlset" and 1 <= len(part) <= 7
        seen += [u.findtext(SM + "loc") for u in part]
    assert seen == single
    assert client.get(f"/sitemap-{len(pages) + 1}.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404


def test_sitemap_pages_404_when_not_paginated(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/sitemap-1.xml").status_code == 404


def test_robots(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/robots.txt")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert "Sitemap: http://localhost/sitemap.xml" in r.data.decode().splitlines()
    assert "Allow: /" in r.data.decode()


def test_public_url_makes_every_link_absolute_on_it(build_dir) -> None:  # type: ignore[no-untyped-def]
    c = create_app({"BUILD_DIR": str(build_dir), "PUBLIC_URL": "https://twinning.example.org"}).test_client()
    assert "Sitemap: https://twinning.example.org/sitemap.xml" in c.get("/robots.txt").data.decode()
    g = rdflib.Graph().parse(data=c.get("/catalog").data, format="turtle")
    urls = {str(o) for o in g.objects(None, rdflib.URIRef("http://www.w3.org/ns/dcat#downloadURL"))}
    assert urls and all(u.startswith("https://twinning.example.org/dumps/") for u in urls)


def test_no_build_answers_503(tmp_path: Path) -> None:
    c = create_app({"BUILD_DIR": str(tmp_path)}).test_client()
    for path in ("/catalog", "/.well-known/void", "/dataset.html", "/sitemap.xml", "/dumps/x.ttl"):
        r = c.get(path)
        assert r.status_code == 503, path
        assert b"sistercities build" in r.data
