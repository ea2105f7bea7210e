"""sitemap.xml (paginated into a sitemap index past :data:`PAGE_SIZE` URLs) and
robots.txt.  The canonical HTML URL of a resource is ``/doc/<path>.html``
(``URLs.document(iri, "html")``).  Never imports Flask."""

from __future__ import annotations

import threading
from xml.sax.saxutils import escape

from sistercities.catalog.facts import local_subjects
from sistercities.store import Store
from sistercities.uris import URLs

#: Most URLs in one sitemap file (the sitemaps.org limit); tests lower it.
PAGE_SIZE = 50_000
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

_lock = threading.Lock()
_subjects: dict[tuple[str, str], tuple[str, ...]] = {}


def subjects(store: Store, release_key: str, base: str) -> tuple[str, ...]:
    """Local IRI subjects of the release (one SELECT DISTINCT, cached per release)."""
    key = (release_key, base)
    with _lock:
        if key in _subjects:
            return _subjects[key]
    found = tuple(local_subjects(store, base))
    with _lock:
        _subjects[key] = found
    return found


def page_urls(iris: tuple[str, ...], urls: URLs) -> list[str]:
    """Absolute HTML URLs: the home page, the dataset page, then every resource page."""
    out = [urls.url(""), urls.url("dataset.html")]
    out += [doc for doc in (urls.document(i, "html") for i in iris) if doc]
    return out


def page_count(n: int, size: int | None = None) -> int:
    size = size or PAGE_SIZE
    return max(1, -(-n // size))


def is_index(n: int) -> bool:
    return n > PAGE_SIZE


def urlset(locs: list[str], lastmod: str) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{NS}">']
    lm = escape(lastmod)
    lines += [f"<url><loc>{escape(u)}</loc><lastmod>{lm}</lastmod></url>" for u in locs]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def sitemap_index(locs: list[str], lastmod: str) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{NS}">']
    lm = escape(lastmod)
    lines += [f"<sitemap><loc>{escape(u)}</loc><lastmod>{lm}</lastmod></sitemap>" for u in locs]
    lines.append("</sitemapindex>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def page(locs: list[str], n: int) -> list[str] | None:
    """URLs of page ``n`` (1-based), None when there is no such page."""
    if n < 1 or n > page_count(len(locs)):
        return None
    return locs[(n - 1) * PAGE_SIZE: n * PAGE_SIZE]


def robots(sitemap_url: str) -> str:
    return "\n".join([
        "# Crawling welcome; the SPARQL endpoint is for people and programs, not crawlers.",
        "User-agent: *",
        "Allow: /",
        "Disallow: /sparql?",
        f"Sitemap: {sitemap_url}",
        "",
    ])
