"""Helpers for the HTML tests: visible text, elements, embedded JSON-LD and SVG, read with real parsers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

SVG_NS = "{http://www.w3.org/2000/svg}"


class _Page(HTMLParser):
    HIDDEN = frozenset({"script", "style", "title", "svg", "head"})
    BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "tr", "td", "th", "dt", "dd", "dl", "section",
              "header", "footer", "nav", "main", "article", "aside", "table", "caption", "br", "figure", "figcaption",
              "blockquote", "form", "label", "button"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self._stack: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag in self.BLOCKS:
            self.text.append(" ")
        if tag in ("br", "img", "link", "meta", "input", "circle", "line", "rect", "path"):
            return
        self._stack.append(tag)
        if tag == "script":
            self._script, self._script_text = dict(attrs), []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.text.append(" ")
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None
        while self._stack:
            if self._stack.pop() == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)
        elif not (set(self._stack) & self.HIDDEN):
            self.text.append(data)


def parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    p.close()
    return p


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", "".join(parse(html).text)).strip()


def jsonld_blocks(html: str) -> list[Any]:
    return [json.loads(body) for attrs, body in parse(html).scripts if attrs.get("type") == "application/ld+json"]


def elements(html: str, tag: str, **attrs: str) -> list[dict[str, str | None]]:
    return [a for t, a in parse(html).elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def svg(html: str, css_class: str) -> ET.Element:
    """The inline SVG with ``class=css_class``, parsed as XML (so it must be well-formed)."""
    m = re.search(r'<svg[^>]*class="' + css_class + r'".*?</svg>', html, re.S)
    assert m, f"no <svg class={css_class}> in page"
    return ET.fromstring(m.group(0))
