"""A timeline of a city's twinnings: an inline SVG axis of years with one mark per twinning.

The SVG is decoration for sighted readers (``aria-hidden``); the same facts are in
the ordered list the template prints next to it, so nothing depends on the picture.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
ROW = 22

Item = tuple[str, str, str, str | None]  # label, sort value (lexical date), words, href


def _year(v: str) -> float | None:
    m = re.match(r"^(-?\d{4,})(?:-(\d{2}))?(?:-(\d{2}))?", v or "")
    if not m:
        return None
    y = float(m.group(1))
    if m.group(2):
        y += (int(m.group(2)) - 1) / 12
    if m.group(3):
        y += (int(m.group(3)) - 1) / 365
    return y


def timeline(label: str, items: Sequence[Item]) -> Markup | None:
    dated: list[tuple[str, float, str]] = []
    for name, v, words, _href in items:
        y = _year(v)
        if y is not None:
            dated.append((name, y, words))
    if not dated:
        return None
    dated.sort(key=lambda d: d[1])
    lo = int(dated[0][1]) - 1
    hi = int(dated[-1][1]) + 2
    if hi - lo < 10:
        hi = lo + 10
    left, right = 20, WIDTH - 200
    height = ROW * len(dated) + 40

    def x(y: float) -> float:
        return left + (y - lo) / (hi - lo) * (right - left)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
           f'height="{height}" aria-hidden="true" focusable="false">']
    axis_y = height - 24
    out.append(f'<line class="axis" x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}"/>')
    step = 5 if hi - lo <= 40 else 10
    for yr in range((lo // step + 1) * step, hi + 1, step):
        out.append(f'<line class="tick" x1="{x(yr):.1f}" y1="{axis_y}" x2="{x(yr):.1f}" y2="{axis_y + 5}"/>'
                   f'<text x="{x(yr):.1f}" y="{axis_y + 18}" text-anchor="middle">{yr}</text>')
    for i, (name, yv, words) in enumerate(dated):
        cy = 14 + i * ROW
        out.append(f'<line class="stem" x1="{x(yv):.1f}" y1="{cy}" x2="{x(yv):.1f}" y2="{axis_y}"/>'
                   f'<circle cx="{x(yv):.1f}" cy="{cy}" r="4"/>'
                   f'<text x="{x(yv) + 8:.1f}" y="{cy + 4}">{escape(name)} ({escape(words)})</text>')
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text in it went through escape()
