"""Dumps are served as the files they are (issue 14): a ``.gz`` dump is ``application/gzip`` with no
``Content-Encoding``, saved by real clients (urllib, requests, rdflib's documented way, curl, wget) as a
valid gzip file whose content parses to the manifest's triple count; stable ``/dumps/latest/<name>``
URLs redirect to the current versioned file; ``/dumps/`` lists every file.

Real HTTP against the gunicorn server (``live_server``) where a user meets it; the in-process ``client``
for the catalogue and the error answers.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.namespace import DCAT, RDF

from html_helpers import elements, parse
from sistercities.release import Release

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)

IANA = "http://www.iana.org/assignments/media-types/"
GZIP_MAGIC = b"\x1f\x8b"
OX = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "application/n-quads": ox.RdfFormat.N_QUADS}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _gz(built: Release) -> list[dict[str, Any]]:
    found = [d for d in built.manifest["dumps"] if d["file"].endswith(".gz")]
    assert found, "the build wrote no .gz dump"
    return found


def _latest(d: dict[str, Any], built: Release) -> str:
    return d["file"].replace("-" + built.version, "", 1)


def _count(content: bytes, media_type: str) -> int:
    return sum(1 for _ in ox.parse(content, OX[media_type]))


def _raw_get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """A curl-like GET: urllib, which never decodes a Content-Encoding."""
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


# --- the files, over real HTTP ---------------------------------------------------------------


def test_gz_dump_is_a_gzip_file_on_the_wire(live_server: str, built: Release) -> None:
    for d in _gz(built):
        url = f"{live_server}/dumps/{d['file']}"
        head = requests.head(url, timeout=30)
        assert head.status_code == 200, url
        assert head.headers["Content-Type"] == "application/gzip", url
        assert "Content-Encoding" not in head.headers, url
        assert head.headers["Content-Disposition"] == f"attachment; filename={d['file']}"
        assert int(head.headers["Content-Length"]) == d["bytes"]
        assert head.headers["ETag"].strip('"') == d["sha256"]
        assert head.headers.get("Last-Modified")
        assert head.headers.get("Accept-Ranges") == "bytes"

        status, headers, body = _raw_get(url)
        assert status == 200 and "content-encoding" not in headers
        assert len(body) == d["bytes"] and hashlib.sha256(body).hexdigest() == d["sha256"]
        content = gzip.decompress(body)  # a curl-like client got a gzip file, not plain text
        assert _count(content, d["media_type"]) == d["triples"], d["file"]


def test_requests_does_not_unzip_it_behind_your_back(live_server: str, built: Release) -> None:
    """requests decodes Content-Encoding transparently: with the old headers ``.content`` was plain
    N-Triples (and its length not dcat:byteSize). Now it is the .gz file's bytes."""
    for d in _gz(built):
        r = requests.get(f"{live_server}/dumps/{d['file']}", timeout=30)
        assert r.status_code == 200
        assert r.content[:2] == GZIP_MAGIC and len(r.content) == d["bytes"]
        assert hashlib.sha256(r.content).hexdigest() == d["sha256"]


def test_conditional_and_range_requests_still_work(live_server: str, built: Release) -> None:
    d = _gz(built)[0]
    url = f"{live_server}/dumps/{d['file']}"
    etag = requests.head(url, timeout=30).headers["ETag"]
    assert requests.get(url, headers={"If-None-Match": etag}, timeout=30).status_code == 304
    status, headers, body = _raw_get(url, Range="bytes=0-1")
    assert status == 206 and body == GZIP_MAGIC
    assert headers["content-range"] == f"bytes 0-1/{d['bytes']}"
    assert headers["content-type"] == "application/gzip" and "content-encoding" not in headers


def test_rdflib_the_documented_way(live_server: str, built: Release, tmp_path: Path) -> None:
    """rdflib does not un-gzip what it fetches (it has no gzip handling for URLs or files), so
    ``Graph().parse(url)`` cannot read a .gz dump by itself; the /dumps/ page documents: download,
    ``gzip.open``, parse."""
    d = next(x for x in _gz(built) if x["media_type"] == "application/n-triples")
    latest = f"{live_server}/dumps/latest/{_latest(d, built)}"
    target = tmp_path / _latest(d, built)
    urllib.request.urlretrieve(latest, target)  # follows the 302
    with gzip.open(target, "rb") as f:
        g = rdflib.Graph().parse(f, format="nt")
    assert len(g) == d["triples"]
    # ...and an uncompressed dump's URL rdflib reads directly (served with its RDF media type)
    ttl = next((x for x in built.manifest["dumps"] if x["file"].endswith(".ttl")), None)
    if ttl is not None:
        assert len(rdflib.Graph().parse(f"{live_server}/dumps/{ttl['file']}")) == ttl["triples"]


def test_rdflib_cannot_parse_the_gz_url_itself(live_server: str, built: Release) -> None:
    """Pins the limitation the documentation works around: if rdflib learns to un-gzip a
    download, this fails and the /dumps/ page's advice can be simplified."""
    d = next(x for x in _gz(built) if x["media_type"] == "application/n-triples")
    with pytest.raises(UnicodeDecodeError):  # what rdflib 7.6 raises: it reads the gzip bytes as UTF-8
        rdflib.Graph().parse(f"{live_server}/dumps/{d['file']}", format="nt")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "curl--compressed"])
def test_curl_saves_a_valid_gzip_file(live_server: str, built: Release, tmp_path: Path, compressed: bool) -> None:
    """``curl --compressed`` asks for and decodes Content-Encoding: with the old headers it saved
    plain text under the .gz name."""
    curl = _tool("curl")
    gz = _tool("gzip")
    for d in _gz(built):
        out = tmp_path / _latest(d, built)
        cmd = [curl, "-sS", "-f", "-L", "-o", str(out), f"{live_server}/dumps/latest/{_latest(d, built)}"]
        if compressed:
            cmd.insert(1, "--compressed")
        subprocess.run(cmd, check=True, timeout=60)
        assert subprocess.run([gz, "-t", str(out)], capture_output=True, timeout=60).returncode == 0, d["file"]
        data = out.read_bytes()
        assert hashlib.sha256(data).hexdigest() == d["sha256"]
        assert _count(gzip.decompress(data), d["media_type"]) == d["triples"]


def test_wget_saves_a_valid_gzip_file(live_server: str, built: Release, tmp_path: Path) -> None:
    wget = _tool("wget")
    gz = _tool("gzip")
    d = _gz(built)[0]
    # --content-disposition: wget names the file as the server says (the versioned name)
    subprocess.run([wget, "-q", "--content-disposition", "-P", str(tmp_path),
                    f"{live_server}/dumps/latest/{_latest(d, built)}"], check=True, timeout=60)
    saved = tmp_path / d["file"]
    assert saved.is_file(), sorted(p.name for p in tmp_path.iterdir())
    assert subprocess.run([gz, "-t", str(saved)], capture_output=True, timeout=60).returncode == 0
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == d["sha256"]


# --- latest URLs -----------------------------------------------------------------------------


def test_latest_redirects_to_the_versioned_file(live_server: str, built: Release) -> None:
    opener = urllib.request.build_opener(_NoRedirect)
    for d in built.manifest["dumps"]:
        name = _latest(d, built)
        assert built.version not in name
        try:
            opener.open(f"{live_server}/dumps/latest/{name}", timeout=30)
        except urllib.error.HTTPError as e:
            status, headers = e.code, e.headers
        else:
            pytest.fail("no redirect")
        assert status in (302, 307)
        assert headers["Location"].endswith("/dumps/" + d["file"])
        assert headers["Cache-Control"] == "no-cache"
        head = requests.head(f"{live_server}/dumps/latest/{name}", allow_redirects=True, timeout=30)
        assert head.status_code == 200 and head.url.endswith(d["file"])


@pytest.mark.parametrize("name", ["nope.nt.gz", "", "a/b", "..%2Fmanifest.json", "sistercities-0000.nt.gz"])
def test_unknown_latest_name_is_404_naming_the_known_ones(client, built: Release, name: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/dumps/latest/" + name)
    assert r.status_code == 404
    text = r.data.decode()
    for d in built.manifest["dumps"]:
        assert "/dumps/latest/" + _latest(d, built) in text


def test_latest_with_a_versioned_name_is_not_a_redirect(client, built: Release) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/dumps/latest/" + built.manifest["dumps"][0]["file"]).status_code == 404


# --- the catalogue says what is served -------------------------------------------------------


def test_catalogue_matches_the_wire(client, built: Release) -> None:  # type: ignore[no-untyped-def]
    g = rdflib.Graph().parse(data=client.get("/catalog", headers={"Accept": "text/turtle"}).data, format="turtle")
    dists = [n for n in g.subjects(RDF.type, DCAT.Distribution) if g.value(n, DCAT.downloadURL) is not None]
    assert len(dists) == len(built.manifest["dumps"])
    by_file = {d["file"]: d for d in built.manifest["dumps"]}
    for n in dists:
        url = str(g.value(n, DCAT.downloadURL))
        file = url.rsplit("/", 1)[-1]
        d = by_file[file]
        assert built.version in file  # downloadURL stays versioned: byteSize and checksum describe it
        assert str(g.value(n, DCAT.accessURL)).endswith("/dumps/")
        assert str(g.value(n, DCAT.mediaType)) == IANA + d["media_type"]  # the uncompressed payload
        cf = g.value(n, DCAT.compressFormat)
        r = client.head("/dumps/" + file)
        assert "Content-Encoding" not in r.headers
        if file.endswith(".gz"):
            assert str(cf) == IANA + "application/gzip"
            assert r.mimetype == "application/gzip"
        else:
            assert cf is None
            assert r.mimetype == d["media_type"]
            assert not r.headers.get("Content-Disposition", "").startswith("attachment")


# --- the /dumps/ page ------------------------------------------------------------------------


def test_dumps_page_lists_every_file(live_server: str, built: Release) -> None:
    r = requests.get(live_server + "/dumps/", headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    html = r.text
    page = parse(html)
    assert page is not None
    for d in built.manifest["dumps"]:
        assert elements(html, "a", href=f"{live_server}/dumps/{d['file']}"), d["file"]
        assert elements(html, "a", href=f"{live_server}/dumps/latest/{_latest(d, built)}"), d["file"]
        assert d["sha256"] in html
        assert f"{d['bytes']:,}" in html or f"{d['bytes']} bytes" in html
        if d.get("triples") is not None:
            assert f"{d['triples']:,}" in html
    assert "curl" in html and "gunzip" in html and "rdflib" in html and "gzip.open" in html
    assert elements(html, "table", **{"class": "dumps-list"})
    # the CSP forbids inline script and style
    assert "<style" not in html and " style=" not in html
    assert not [s for s in elements(html, "script") if not s.get("src") and s.get("type") != "application/ld+json"]
    css = requests.get(live_server + "/static/site.css", timeout=30).text
    assert ".dumps-list" in css and "overflow-wrap:anywhere" in css


def test_dumps_page_head_and_redirect(client) -> None:  # type: ignore[no-untyped-def]
    get = client.get("/dumps/")
    head = client.head("/dumps/")
    assert head.status_code == 200 and head.data == b"" and head.mimetype == get.mimetype == "text/html"
    assert client.get("/dumps").status_code in (301, 308)


def test_human_sizes() -> None:
    from sistercities.views.catalog import _human

    assert _human(0) == "0 bytes"
    assert _human(1023) == "1,023 bytes"
    assert _human(1536) == "1.5 KiB"
    assert _human(5 * 1024 * 1024) == "5.0 MiB"
    assert _human(3 * 1024**4) == "3.0 TiB"


def test_gzip_module_reads_what_is_served(client, built: Release) -> None:  # type: ignore[no-untyped-def]
    for d in _gz(built):
        body = client.get("/dumps/" + d["file"]).data
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
            assert _count(f.read(), d["media_type"]) == d["triples"]
