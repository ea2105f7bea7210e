"""An inline SVG map of a city and its sister cities: no tiles, no JavaScript.

Equirectangular projection (x = longitude, y = -latitude, one degree the same
length both ways) centred on the city, so that lines to twins across the
antimeridian go the short way (Khabarovsk -> Portland crosses the Pacific).
The view is fitted to the points; the land (Natural Earth 1:110m, see :mod:`basemap`) and a
graticule give the reader bearings. Labels are placed greedily so that no two overlap
(:func:`place_labels`); a label that fits nowhere is shortened or left out, the city's link and
its ``<title>`` keep the full name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from markupsafe import Markup, escape

from sistercities.html.basemap import land_path

WIDTH = 640
MIN_H, MAX_H = 260, 460
MARGIN = 8.0  # degrees around the points

FONT = 12.0  # px, the labels' font size in site.css (svg.twin-map text)
# Two label layers, each placed for the largest font size site.css gives it: "wide" (12 px, 14 px
# up to 42rem) and "narrow" (17-25 px in user units on screens up to 35rem, where the drawing is
# scaled down); site.css shows one of them.
LAYERS = (("wide", 14.0), ("narrow", 25.0))
CHAR_W = 0.62  # estimated advance of one character, in ems (generous for a sans-serif)
HOME_R, TWIN_R = 7.0, 5.0

Twin = tuple[str, float | None, float | None, str | None, str | None]  # label, lat, long, href, iri
Box = tuple[float, float, float, float]  # x0, y0, x1, y1


class Label(NamedTuple):
    text: str
    x: float  # where the <text> goes, with text-anchor ``anchor``
    y: float  # baseline
    anchor: str
    box: Box


def text_box(text: str, x: float, y: float, anchor: str, font: float = FONT, bold: bool = False) -> Box:
    """The estimated box of ``text`` drawn at baseline ``y`` (character count x font size)."""
    w = len(text) * font * (CHAR_W + (0.05 if bold else 0.0))
    left = x if anchor == "start" else x - w if anchor == "end" else x - w / 2
    return (left, y - font * 0.85, left + w, y + font * 0.25)


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _candidates(text: str, x: float, y: float, r: float, font: float, bold: bool) -> list[Label]:
    out = []
    for anchor, tx, ty in (("start", x + r + 3, y + font * 0.3), ("end", x - r - 3, y + font * 0.3),
                           ("middle", x, y - r - 3 - font * 0.25), ("middle", x, y + r + 3 + font * 0.85)):
        out.append(Label(text, tx, ty, anchor, text_box(text, tx, ty, anchor, font, bold)))
    return out


def place_labels(points: Sequence[tuple[str, float, float, float]], width: float, height: float,
                 font: float = FONT, bold_first: bool = False) -> list[Label | None]:
    """A label for each point ``(text, x, y, radius)``, in order, or None where none fits.

    Greedy: right of the point, left, above, below; the first box that stays in the picture and
    overlaps no point and no label already placed wins. Failing all four, the text is cut
    (``Vladivo…``) down to four characters; failing that, the point goes unlabelled.
    """
    taken: list[Box] = [(x - r, y - r, x + r, y + r) for _, x, y, r in points]
    result: list[Label | None] = []
    for i, (text, x, y, r) in enumerate(points):
        others = taken[:i] + taken[i + 1:]
        chosen: Label | None = None
        tries = [text] + [text[:k].rstrip() + "…" for k in range(len(text) - 2, 3, -1)]
        for t in tries:
            for c in _candidates(t, x, y, r, font, bold_first and i == 0):
                b = c.box
                if b[0] >= 0 and b[1] >= 0 and b[2] <= width and b[3] <= height \
                        and not any(overlaps(b, o) for o in others):
                    chosen = c
                    break
            if chosen:
                break
        if chosen:
            taken.append(chosen.box)
        result.append(chosen)
    return result


def _wrap(lon: float, centre: float) -> float:
    """Longitude relative to ``centre``, in [-180, 180)."""
    return ((lon - centre + 180.0) % 360.0) - 180.0


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def _text(lab: Label | None, css: str) -> str:
    if lab is None:
        return ""
    return (f'<text class="{css}" x="{_fmt(lab.x)}" y="{_fmt(lab.y)}" text-anchor="{lab.anchor}">'
            f'{escape(lab.text)}</text>')


def twin_map(label: str, centre: tuple[float, float] | None, twins: Sequence[Twin]) -> Markup | None:
    """The map as SVG markup, or None when the city has no coordinates."""
    if centre is None:
        return None
    lat0, lon0 = centre
    placed: list[tuple[str, float, float, str | None, str | None]] = [
        (t[0], t[1], _wrap(t[2], lon0), t[3], t[4]) for t in twins if t[1] is not None and t[2] is not None]
    xs = [0.0] + [p[2] for p in placed]
    ys = [lat0] + [p[1] for p in placed]
    minx, maxx = min(xs) - MARGIN * 2, max(xs) + MARGIN * 2
    miny, maxy = min(ys) - MARGIN, max(ys) + MARGIN
    span_x, span_y = max(maxx - minx, 40.0), max(maxy - miny, 20.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    scale = WIDTH / span_x
    height = span_y * scale
    if height < MIN_H:
        span_y = MIN_H / scale
    elif height > MAX_H:
        scale = MAX_H / span_y
        span_x = WIDTH / scale
    height = round(span_y * scale)
    x0, y0 = cx - span_x / 2, cy + span_y / 2  # top-left in (relative lon, lat)

    def px(rel_lon: float) -> float:
        return (rel_lon - x0) * scale

    def py(lat: float) -> float:
        return (y0 - lat) * scale

    out: list[str] = []
    n = len(placed)
    title = f"Map of {label} and its sister cities"
    desc = (f"Equirectangular map centred on {label}; {n} line{'s' if n != 1 else ''} join it to its sister cities"
            + (": " + ", ".join(p[0] for p in placed) if placed else "") + ".")
    out.append(f'<svg xmlns="http://www.w3.org/2000/svg" class="twin-map" viewBox="0 0 {WIDTH} {height}" '
               f'width="{WIDTH}" height="{height}" role="group" aria-labelledby="map-title" aria-describedby="map-desc">')
    out.append(f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(desc)}</desc>')
    out.append(f'<rect class="sea" x="0" y="0" width="{WIDTH}" height="{height}"/>')
    land = land_path(lon0, lambda rel, lat: (px(rel), py(lat)), WIDTH, height)
    if land:
        out.append(f'<path class="land" aria-hidden="true" d="{land}"/>')
    step = 10 if span_x <= 120 else 30
    grid = ['<g class="graticule" aria-hidden="true">']
    lon = math.ceil(x0 / step) * step
    while lon <= x0 + span_x:
        x = px(lon)
        real = (lon + lon0 + 180) % 360 - 180
        grid.append(f'<line x1="{_fmt(x)}" y1="0" x2="{_fmt(x)}" y2="{height}"/>'
                    f'<text x="{_fmt(x + 2)}" y="{height - 4}">{round(real)}°</text>')
        lon += step
    lat = math.ceil((y0 - span_y) / step) * step
    while lat <= y0:
        y = py(lat)
        grid.append(f'<line x1="0" y1="{_fmt(y)}" x2="{WIDTH}" y2="{_fmt(y)}"/><text x="2" y="{_fmt(y - 2)}">{round(lat)}°</text>')
        lat += step
    grid.append("</g>")
    out += grid
    hx, hy = px(0.0), py(lat0)
    out.append('<g class="links">')
    for name, la, rel, _href, _iri in placed:
        out.append(f'<line class="twin-link" x1="{_fmt(hx)}" y1="{_fmt(hy)}" x2="{_fmt(px(rel))}" y2="{_fmt(py(la))}" '
                   f'data-lat="{la}" data-long="{_wrap(rel + lon0, 0.0):.4f}"><title>{escape(label)} – {escape(name)}</title></line>')
    out.append("</g><g class=\"points\">")
    pts = [(label, hx, hy, HOME_R)] + [(p[0], px(p[2]), py(p[1]), TWIN_R) for p in placed]
    layers = [(cls, place_labels(pts, WIDTH, height, font, bold_first=True)) for cls, font in LAYERS]
    for i, (name, la, rel, href, _iri) in enumerate(placed, start=1):
        point = (f'<circle class="twin" cx="{_fmt(px(rel))}" cy="{_fmt(py(la))}" r="{TWIN_R:g}"/>'
                 + "".join(_text(labels[i], cls) for cls, labels in layers))
        if href:
            out.append(f'<a href="{escape(href)}"><title>{escape(name)}</title>{point}</a>')
        else:
            out.append(f"<g><title>{escape(name)}</title>{point}</g>")
    out.append(f'<circle class="home" cx="{_fmt(hx)}" cy="{_fmt(hy)}" r="{HOME_R:g}"><title>{escape(label)}</title></circle>'
               + "".join(_text(labels[0], "home " + cls) for cls, labels in layers))
    out.append("</g></svg>")
    return Markup("".join(out))  # noqa: S704 - every text and attribute value went through escape()
