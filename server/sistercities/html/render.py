"""The Jinja environment (autoescape on) shared by every page; no Flask here."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from sistercities.conneg import RDF_BY_EXT
from sistercities.html.dates import human_date
from sistercities.html.values import human_size
from sistercities.uris import URLs

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

#: Data formats a page links to with <link rel="alternate">.
ALTERNATE_EXTS = ("ttl", "jsonld", "rdf", "nt")

LANGUAGE_NAMES = {
    "en": "English", "ru": "Russian", "uk": "Ukrainian", "ja": "Japanese", "zh": "Chinese", "ko": "Korean",
    "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pl": "Polish", "pt": "Portuguese",
}


def language_name(tag: str) -> str:
    if not tag:
        return ""
    return LANGUAGE_NAMES.get(tag.lower(), LANGUAGE_NAMES.get(tag.split("-")[0].lower(), tag))


def thousands(n: Any) -> str:
    try:
        return f"{int(n):,}"
    except (TypeError, ValueError):
        return str(n)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["language_name"] = language_name
    env.filters["thousands"] = thousands
    env.filters["filesize"] = human_size
    env.filters["human_date"] = human_date
    return env


def alternates(iri: str, urls: URLs) -> list[dict[str, str]]:
    out = []
    for ext in ALTERNATE_EXTS:
        href = urls.document(iri, ext)
        if href:
            fmt = RDF_BY_EXT[ext]
            out.append({"href": href, "type": fmt.mime, "name": fmt.name, "ext": ext})
    return out


def render(template: str, urls: URLs, **context: Any) -> str:
    """Render a page template with what base.html needs (static URL, site root)."""
    ctx: dict[str, Any] = {"static_url": urls.url("static/site.css"), "root": urls.root, "lang": "en", "alternates": [],
           "jsonld": None, "canonical": None}
    ctx.update(context)
    return environment().get_template(template).render(**ctx)
