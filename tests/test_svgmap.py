"""The city map: Natural Earth land behind the twins, labels that do not collide, the vendored data's note.

Boxes are computed here from the emitted SVG (text, x, y, text-anchor) with this file's own estimate
of text size, not with the module's.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from html_helpers import SVG_NS, svg
from sistercities import settings as settings_mod
from sistercities.html import basemap, render_resource
from sistercities.html.svgmap import LAYERS, place_labels, twin_map
from sistercities.release import Release
from sistercities.store import EmbeddedStore
from sistercities.uris import URLs

U = URLs()
VENDOR = Path(basemap.__file__).resolve().parent.parent / "static" / "vendor" / "world-atlas-2.0.2"
FONTS = dict(LAYERS)  # layer class -> the largest font size site.css gives it


def _boxes(root: ET.Element, layer: str) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(text, box) of every label of ``layer`` in the map: ~0.6 em a character, ascent 0.8 em, descent 0.2 em."""
    font = FONTS[layer]
    out = []
    for t in root.iter(SVG_NS + "text"):
        if layer not in (t.get("class") or "").split():
            continue
        text, x, y = t.text or "", float(t.get("x")), float(t.get("y"))
        w = len(text) * font * 0.6
        left = {"start": x, "end": x - w, "middle": x - w / 2}[t.get("text-anchor") or "start"]
        out.append((text, (left, y - font * 0.8, left + w, y + font * 0.2)))
    return out


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _rings(d: str) -> list[list[tuple[float, float]]]:
    rings = []
    for sub in re.findall(r"M([^Z]*)Z", d):
        rings.append([(float(x), float(y)) for x, y in (p.split() for p in sub.split("L"))])
    return rings


def _inside(rings: list[list[tuple[float, float]]], x: float, y: float) -> bool:
    """Even-odd rule over all the rings of the path."""
    crossings = 0
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                crossings += 1
    return crossings % 2 == 1


@pytest.fixture(scope="module")
def khabarovsk(store: EmbeddedStore, built: Release) -> ET.Element:
    html = render_resource(store, U.iri("id/city/khabarovsk"), urls=U, langs=[], release=built,
                           settings=settings_mod.load({}))
    assert html is not None
    return svg(html, "twin-map")


def test_land_is_drawn_behind_the_twins_and_within_the_view(khabarovsk: ET.Element) -> None:
    root = khabarovsk
    children = list(root)
    land = [el for el in children if el.tag == SVG_NS + "path" and el.get("class") == "land"]
    assert len(land) == 1 and land[0].get("aria-hidden") == "true"
    links = next(el for el in children if el.get("class") == "links")
    assert children.index(land[0]) < children.index(links)  # painted first, so behind
    _, _, w, h = (float(v) for v in root.get("viewBox").split())
    rings = _rings(land[0].get("d"))
    assert len(rings) > 10
    for ring in rings:
        for x, y in ring:  # clipped to the view plus the one pixel that hides the clip edge's stroke
            assert -1.0 <= x <= w + 1.0 and -1.0 <= y <= h + 1.0, (x, y)
    # Khabarovsk and Portland stand on land; mid-Pacific, on the line between them, is sea
    home = root.find(f".//{SVG_NS}circle[@class='home']")
    hx, hy = float(home.get("cx")), float(home.get("cy"))
    assert _inside(rings, hx, hy)
    portland = next(ln for ln in root.iter(SVG_NS + "line") if ln.get("class") == "twin-link"
                    and float(ln.get("data-long")) < -120 and float(ln.get("data-lat")) < 46)
    px, py = float(portland.get("x2")), float(portland.get("y2"))
    assert px > w / 2  # across the Pacific: the land there was wrapped round the map's centre too
    assert _inside(rings, px, py)
    assert not _inside(rings, (hx + px) / 2, (hy + py) / 2)


def test_the_map_stays_small(khabarovsk: ET.Element) -> None:
    assert len(ET.tostring(khabarovsk)) < 40_000
    assert not re.search(r"\d\.\d\d", khabarovsk.find(SVG_NS + "path").get("d"))  # one decimal


@pytest.mark.parametrize("layer", [cls for cls, _ in LAYERS])
def test_khabarovsk_labels_do_not_overlap(khabarovsk: ET.Element, layer: str) -> None:
    boxes = _boxes(khabarovsk, layer)
    _, _, w, h = (float(v) for v in khabarovsk.get("viewBox").split())
    if layer == "wide":
        assert {t for t, _ in boxes} == {"Khabarovsk", "Niigata", "Portland", "Victoria", "Harbin", "Bucheon"}
    assert len(boxes) >= 4
    for i, (text, a) in enumerate(boxes):
        assert a[0] >= 0 and a[2] <= w and a[1] >= 0 and a[3] <= h, (text, a)
        for other, b in boxes[i + 1:]:
            assert not _overlap(a, b), (layer, text, other)


def test_the_overlap_check_can_fail() -> None:
    """Two labels drawn where the old map put them (right of points 4 px apart) are seen to collide."""
    root = ET.fromstring(f'<svg xmlns="{SVG_NS[1:-1]}"><text class="wide" x="100" y="100">Vladivostok</text>'
                         f'<text class="wide" x="100" y="104">Nakhodka</text></svg>')
    (_, a), (_, b) = _boxes(root, "wide")
    assert _overlap(a, b)


def test_greedy_placement_keeps_crowded_labels_apart() -> None:
    # forty points within 60 x 40 px, as when many twins sit in one small country
    pts = [(f"Twin city number {i}", 300 + (i % 8) * 7.5, 200 + (i // 8) * 8.0, 5.0) for i in range(40)]
    labels = place_labels(pts, 640, 400, font=12)
    assert len(labels) == len(pts)
    placed = [lab for lab in labels if lab is not None]
    assert 3 <= len(placed) < len(pts)  # some fit, the rest are left out rather than piled up
    circles = [(x - r, y - r, x + r, y + r) for _, x, y, r in pts]
    for i, a in enumerate(placed):
        assert a.box[0] >= 0 and a.box[2] <= 640 and a.box[1] >= 0 and a.box[3] <= 400
        for b in placed[i + 1:]:
            assert not _overlap(a.box, b.box), (a, b)
        assert not any(_overlap(a.box, c) for c in circles if c != circles[labels.index(a)])
    # a lone point keeps its whole name, to the right of it
    (lone,) = place_labels([("Harbin", 100, 100, 5.0)], 640, 400)
    assert lone is not None and lone.text == "Harbin" and lone.anchor == "start" and lone.x > 100


def test_a_crowded_map_keeps_every_link_and_its_full_name() -> None:
    twins = [(f"Sister {i} with a long name", 35.0 + (i % 6) * 0.3, 139.0 + (i // 6) * 0.3, f"/id/city/s{i}", None)
             for i in range(30)]
    m = twin_map("Home", (35.5, 139.5), twins)
    assert m is not None
    root = ET.fromstring(str(m))
    links = root.findall(f".//{SVG_NS}a")
    assert len(links) == 30
    for i, a in enumerate(links):
        assert a.get("href") == f"/id/city/s{i}" and a.find(SVG_NS + "title").text == f"Sister {i} with a long name"
    for layer in FONTS:
        boxes = _boxes(root, layer)
        assert len(boxes) < 31
        for j, (text, b) in enumerate(boxes):
            for other, c in boxes[j + 1:]:
                assert not _overlap(b, c), (layer, text, other)


def test_topojson_decoding_follows_deltas_transform_and_reversed_arcs() -> None:
    topo = {"type": "Topology", "transform": {"scale": [0.5, 0.25], "translate": [-10, 20]},
            "arcs": [[[0, 0], [4, 0], [0, 4]], [[4, 4], [-4, 0], [0, -4]]],
            "objects": {"land": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "arcs": [[0, 1]]}, {"type": "MultiPolygon", "arcs": [[[~1]]]}]}}}
    square, back = basemap.decode(topo)
    assert square == [[(-10, 20), (-8, 20), (-8, 21), (-10, 21), (-10, 20)]]
    assert back == [[(-10, 20), (-10, 21), (-8, 21)]]


def test_vendored_land_has_its_licence_note_and_pinned_version() -> None:
    data = VENDOR / "land-110m.json"
    assert data == basemap.DATA and data.is_file()
    note = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert "world-atlas" in note and "2.0.2" in note and "Natural Earth" in note and "public domain" in note
    assert "ISC" in note and "sha512-" in note
    assert hashlib.sha256(data.read_bytes()).hexdigest() in note
    assert "Michael Bostock" in (VENDOR / "LICENSE").read_text(encoding="utf-8")
    assert "world-atlas-2.0.2" in (VENDOR.parent / "README.md").read_text(encoding="utf-8")
    topo = json.loads(data.read_text(encoding="utf-8"))
    assert topo["type"] == "Topology" and "land" in topo["objects"]
    assert len(basemap.land()) > 100 and basemap.land() is basemap.land()  # decoded once per process

