"""The land behind the city map: Natural Earth 1:110m land, from world-atlas 2.0.2 (vendored).

The TopoJSON is decoded here (no dependency): arcs are delta-encoded integer positions,
quantised by ``transform.scale``/``translate``; an arc index ``~i`` means arc ``i`` reversed.
Decoded once per process. :func:`land_path` projects the rings with the map's own projection
(a function of relative longitude and latitude), wraps them round the map's centre longitude,
clips them to the window and returns one SVG path ``d``, coordinates to one decimal.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "static" / "vendor" / "world-atlas-2.0.2" / "land-110m.json"

Ring = list[tuple[float, float]]  # (longitude, latitude)
Point = tuple[float, float]


def _wrap(lon: float, centre: float) -> float:
    return ((lon - centre + 180.0) % 360.0) - 180.0


def decode(topo: dict) -> list[list[Ring]]:  # type: ignore[type-arg]
    """Every polygon (a list of rings, the first the outer one) of every geometry in ``topo``."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs: list[Ring] = []
    for arc in topo["arcs"]:
        x = y = 0
        pts: Ring = []
        for dx, dy, *_ in arc:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)

    def ring(indices: list[int]) -> Ring:
        out: Ring = []
        for i in indices:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts[1:] if out else pts)
        return out

    polygons: list[list[Ring]] = []
    for obj in topo["objects"].values():
        for g in obj.get("geometries", [obj]):
            if g["type"] == "Polygon":
                polygons.append([ring(r) for r in g["arcs"]])
            elif g["type"] == "MultiPolygon":
                polygons.extend([ring(r) for r in p] for p in g["arcs"])
    return polygons


@lru_cache(maxsize=1)
def land() -> list[list[Ring]]:
    """The land polygons of the vendored file, decoded once per process."""
    return decode(json.loads(DATA.read_text(encoding="utf-8")))


def _unwrap(ring: Ring, centre: float) -> Ring:
    """The ring in longitudes relative to ``centre``, continuous (no 360 degree jumps)."""
    rel = _wrap(ring[0][0], centre)
    out = [(rel, ring[0][1])]
    for (a, _), (b, lat) in itertools.pairwise(ring):
        rel += _wrap(b - a, 0.0)
        out.append((rel, lat))
    if abs(out[-1][0] - out[0][0]) > 180:  # a ring round the pole (Antarctica): keep it as it lies
        return [(_wrap(lon, centre), lat) for lon, lat in ring]
    return out


def _clip(pts: list[Point], lo: Point, hi: Point) -> list[Point]:
    """Sutherland-Hodgman: the polygon ``pts`` clipped to the rectangle ``lo``-``hi``."""
    for axis, bound, keep_below in ((0, lo[0], False), (0, hi[0], True), (1, lo[1], False), (1, hi[1], True)):
        if not pts:
            break

        def inside(p: Point, axis: int = axis, bound: float = bound, keep_below: bool = keep_below) -> bool:
            return p[axis] <= bound if keep_below else p[axis] >= bound

        out: list[Point] = []
        prev = pts[-1]
        for cur in pts:
            if inside(cur) != inside(prev):
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                cross = (prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1]))
                out.append((bound, cross[1]) if axis == 0 else (cross[0], bound))
            if inside(cur):
                out.append(cur)
            prev = cur
        pts = out
    return pts


def land_path(centre_lon: float, project: Callable[[float, float], Point], width: float, height: float) -> str:
    """SVG path data for the land in the window ``0..width`` x ``0..height``.

    ``project(relative_longitude, latitude)`` is the map's projection; each ring is drawn at the
    longitude shift (-360, 0, +360) that brings it into view, clipped to the window plus a
    pixel, with points that round to the same tenth of a pixel dropped.
    """
    lo, hi = (-1.0, -1.0), (width + 1.0, height + 1.0)
    parts: list[str] = []
    for polygon in land():
        for ring in polygon:
            rel = _unwrap(ring, centre_lon)
            for shift in (-360.0, 0.0, 360.0):
                pts = [project(lon + shift, lat) for lon, lat in rel]
                xs, ys = [p[0] for p in pts], [p[1] for p in pts]
                if max(xs) < lo[0] or min(xs) > hi[0] or max(ys) < lo[1] or min(ys) > hi[1]:
                    continue
                coords: list[str] = []
                for x, y in _clip(pts, lo, hi):
                    c = f"{x:.1f} {y:.1f}"
                    if not coords or coords[-1] != c:
                        coords.append(c)
                if len(coords) >= 3:
                    parts.append("M" + "L".join(coords) + "Z")
    return "".join(parts)
