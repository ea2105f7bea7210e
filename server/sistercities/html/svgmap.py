"""An inline SVG map of a city and its sister cities: no tiles, no JavaScript.

Equirectangular projection (x = longitude, y = -latitude, one degree the same
length both ways) centred on the city, so that lines to twins across the
antimeridian go the short way (Khabarovsk -> Portland crosses the Pacific).
The view is fitted to the points; a graticule gives the reader bearings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
MIN_H, MAX_H = 260, 460
MARGIN = 8.0  # degrees around the points

Twin = tuple[str, float | None, float | None, str | None, str | None]  # label, lat, long, href, iri


def _wrap(lon: float, centre: float) -> float:
    """Longitude relative to ``centre``, in [-180, 180)."""
    return ((lon - centre + 180.0) % 360.0) - 180.0


def _fmt(x: float) -> str:
    return f"{x:.1f}"


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
    for name, la, rel, href, _iri in placed:
        x, y = px(rel), py(la)
        anchor = "end" if x > WIDTH / 2 else "start"
        tx = x - 7 if anchor == "end" else x + 7
        point = (f'<circle class="twin" cx="{_fmt(x)}" cy="{_fmt(y)}" r="5"/>'
                 f'<text x="{_fmt(tx)}" y="{_fmt(y + 4)}" text-anchor="{anchor}">{escape(name)}</text>')
        if href:
            out.append(f'<a href="{escape(href)}"><title>{escape(name)}</title>{point}</a>')
        else:
            out.append(f"<g>{point}</g>")
    anchor = "end" if hx > WIDTH / 2 else "start"
    out.append(f'<circle class="home" cx="{_fmt(hx)}" cy="{_fmt(hy)}" r="7"><title>{escape(label)}</title></circle>'
               f'<text class="home" x="{_fmt(hx + (-9 if anchor == "end" else 9))}" y="{_fmt(hy - 8)}" '
               f'text-anchor="{anchor}">{escape(label)}</text>')
    out.append("</g></svg>")
    return Markup("".join(out))  # noqa: S704 - every text and attribute value went through escape()
