"""A shape layer's contents (``ADBE Root Vectors Group``) decoded into
:class:`~jobs.formats.shapes.LayerShapes` (``docs/aepx-format.md`` section 7, "Shape layers").

Each group (``tdgp``) lists its items as ``tdmn`` + node pairs in After Effects' order (the
first is on top): ``ADBE Vector Group`` (its items under ``ADBE Vectors Group``, its transform
``ADBE Vector Transform Group``), ``ADBE Vector Shape - Rect`` / ``- Ellipse`` / ``- Group``
(a path: ``ADBE Vector Shape`` is an ``om-s`` holding the stream's ``tdbs`` and, under
``omks``, ``shap`` records: ``shph`` (byte 3 bit 3 = open, then f4 top-left and bottom-right
of the points' box) and ``list``/``ldat`` with 3 f4 points per vertex, ``vertex, out handle,
in handle of the next vertex``, as fractions of that box), ``ADBE Vector Graphic - Fill`` and
``- Stroke``. A leaf the file leaves out has After Effects' default. Colours are stored ARGB
in 0-255 and come out RGBA in 0-1; opacities are stored in percent. An item's ``tdsb`` byte 3
bit 0 is its eye switch. Everything else in the tree is named in ``left_out`` (a group's skew
when it is not 0).
"""

from __future__ import annotations

import struct

from ..animated import AnimatedProperty, Keyframe
from ..shapes import LayerShapes, ShapeItem, ShapePath, ShapeTransform
from .animation import _property, _Timing, _Units
from .chunks import LEAF, LIST, Chunk

MAX_SHAPE_ITEMS = 2_000  # items one layer may carry into the description
MAX_SHAPE_DEPTH = 32

_PLAIN = _Units()
_COLOR = _Units(value=(1 / 255,) * 4, speed=1 / 255)
_DEFAULT_NAMES = {
    "ADBE Vector Group": "Group",
    "ADBE Vector Shape - Rect": "Rectangle Path",
    "ADBE Vector Shape - Ellipse": "Ellipse Path",
    "ADBE Vector Shape - Group": "Path",
    "ADBE Vector Graphic - Fill": "Fill",
    "ADBE Vector Graphic - Stroke": "Stroke",
}
_IGNORED = {"ADBE Vector Materials Group", "ADBE Vector Blend Mode"}  # no picture of their own


def _ordered(group: Chunk | None) -> list[tuple[str, Chunk]]:
    """The (match name, node) pairs of one ``tdgp`` group, in order, duplicates kept."""
    out: list[tuple[str, Chunk]] = []
    if group is None or group.kind != LIST:
        return out
    pending: str | None = None
    for chunk in group.children:
        if chunk.tag == "tdmn" and chunk.kind == LEAF:
            name = chunk.data.split(b"\0", 1)[0].decode("ascii", "replace")
            pending = None if name == "ADBE Group End" else name
        elif pending is not None:
            out.append((pending, chunk))
            pending = None
    return out


def _name(node: Chunk, match_name: str) -> str:
    tdsn = node.find("tdsn")
    text = tdsn.first_string() if tdsn is not None else None
    if not text or text == "-_0_/-":
        return _DEFAULT_NAMES.get(match_name, match_name)
    return text


def _enabled(node: Chunk) -> bool:
    tdsb = node.find("tdsb", LEAF)
    return tdsb is None or len(tdsb.data) < 4 or bool(tdsb.data[3] & 0x01)


def _rgba(prop: AnimatedProperty | None) -> AnimatedProperty | None:
    """A colour stored ARGB turned RGBA (value and keyframe values)."""
    if prop is None or len(prop.value) != 4:
        return prop

    def turn(values):
        return (*values[1:4], values[0])

    keys = tuple(Keyframe(**{**k.__dict__, "value": turn(k.value)}) for k in prop.keyframes)
    return AnimatedProperty(value=turn(prop.value), keyframes=keys, expression=prop.expression, spatial=prop.spatial)


class _Decoder:
    def __init__(self, timing: _Timing):
        self.timing = timing
        self.left_out: list[str] = []
        self.count = 0

    def leaf(self, props: dict[str, Chunk], name: str, default: tuple[float, ...], units: _Units = _PLAIN):
        return _property(props.get(name), self.timing, units, default)

    def items(self, group: Chunk | None, depth: int) -> tuple[ShapeItem, ...]:
        out = []
        for match_name, node in _ordered(group):
            if match_name in _IGNORED:
                continue
            self.count += 1
            if depth > MAX_SHAPE_DEPTH or self.count > MAX_SHAPE_ITEMS:
                self.left_out.append(f"{_name(node, match_name)} ({match_name}: too many or too deep)")
                continue
            item = self.item(match_name, node, depth)
            if item is not None:
                out.append(item)
        return tuple(out)

    def item(self, match_name: str, node: Chunk, depth: int) -> ShapeItem | None:
        name, enabled = _name(node, match_name), _enabled(node)
        props = dict(_ordered(node)) if node.kind == LIST else {}
        if match_name == "ADBE Vector Group":
            skew = self.leaf(dict(_ordered(props.get("ADBE Vector Transform Group"))), "ADBE Vector Skew", (0.0,))
            if skew is None or skew.keyframes or skew.value[0] != 0.0:
                self.left_out.append(f"{name} skew (ADBE Vector Skew)")
            return ShapeItem(kind="group", name=name, enabled=enabled,
                             items=self.items(props.get("ADBE Vectors Group"), depth + 1),
                             transform=self.transform(props.get("ADBE Vector Transform Group")))
        if match_name == "ADBE Vector Shape - Rect":
            return ShapeItem(kind="rect", name=name, enabled=enabled,
                             size=self.leaf(props, "ADBE Vector Rect Size", (100.0, 100.0)),
                             position=self.leaf(props, "ADBE Vector Rect Position", (0.0, 0.0)),
                             roundness=self.leaf(props, "ADBE Vector Rect Roundness", (0.0,)))
        if match_name == "ADBE Vector Shape - Ellipse":
            return ShapeItem(kind="ellipse", name=name, enabled=enabled,
                             size=self.leaf(props, "ADBE Vector Ellipse Size", (100.0, 100.0)),
                             position=self.leaf(props, "ADBE Vector Ellipse Position", (0.0, 0.0)))
        if match_name == "ADBE Vector Shape - Group":
            path, why = _path(props.get("ADBE Vector Shape"))
            if path is None:
                self.left_out.append(f"{name} ({match_name}: {why})")
                return None
            return ShapeItem(kind="path", name=name, enabled=enabled, path=path)
        if match_name == "ADBE Vector Graphic - Fill":
            return ShapeItem(kind="fill", name=name, enabled=enabled,
                             color=_rgba(self.leaf(props, "ADBE Vector Fill Color", (1.0, 1.0, 0.0, 0.0), _COLOR)),
                             opacity=self.leaf(props, "ADBE Vector Fill Opacity", (100.0,)))
        if match_name == "ADBE Vector Graphic - Stroke":
            return ShapeItem(kind="stroke", name=name, enabled=enabled,
                             color=_rgba(self.leaf(props, "ADBE Vector Stroke Color", (1.0,) * 4, _COLOR)),
                             opacity=self.leaf(props, "ADBE Vector Stroke Opacity", (100.0,)),
                             width=self.leaf(props, "ADBE Vector Stroke Width", (2.0,)))
        self.left_out.append(f"{name} ({match_name})")
        return None

    def transform(self, node: Chunk | None) -> ShapeTransform:
        props = dict(_ordered(node))
        return ShapeTransform(
            anchor=self.leaf(props, "ADBE Vector Anchor", (0.0, 0.0)),
            position=self.leaf(props, "ADBE Vector Position", (0.0, 0.0)),
            scale=self.leaf(props, "ADBE Vector Scale", (100.0, 100.0)),
            rotation=self.leaf(props, "ADBE Vector Rotation", (0.0,)),
            opacity=self.leaf(props, "ADBE Vector Group Opacity", (100.0,)),
        )


def _path(node: Chunk | None) -> tuple[ShapePath | None, str]:
    """The static path of an ``om-s`` node, or ``None`` and why not."""
    if node is None or node.kind != LIST:
        return ShapePath(), ""
    tdbs = node.find("tdbs", LIST)
    tdb4 = tdbs.find("tdb4", LEAF) if tdbs is not None else None
    if tdb4 is not None and len(tdb4.data) > 68 and tdb4.data[68]:
        return None, "keyframed path"
    if tdbs is not None and tdbs.first_string():
        return None, "path driven by an expression"
    omks = node.find("omks", LIST)
    shap = omks.find("shap", LIST) if omks is not None else None
    if shap is None:
        return ShapePath(), ""
    shph = shap.find("shph", LEAF)
    if shph is None or len(shph.data) < 20:
        return None, "unreadable path"
    flags = shph.data[3]
    left, top, right, bottom = struct.unpack_from(">4f", shph.data, 4)
    keyed = shap.find("list", LIST)
    ldat = keyed.find("ldat", LEAF) if keyed is not None else None
    data = ldat.data if ldat is not None else b""
    count = len(data) // 8
    if count % 3 or count > 3 * MAX_SHAPE_ITEMS * 10:
        return None, "unreadable path"
    points = [struct.unpack_from(">2f", data, 8 * n) for n in range(count)]
    if flags & 0x01:  # normalised to the box
        points = [(left + x * (right - left), top + y * (bottom - top)) for x, y in points]
    vertices, ins, outs = [], [], []
    for j in range(count // 3):
        vx, vy = points[3 * j]
        ox, oy = points[3 * j + 1]
        ix, iy = points[(3 * j - 1) % count]
        vertices.append((float(vx), float(vy)))
        outs.append((float(ox - vx), float(oy - vy)))
        ins.append((float(ix - vx), float(iy - vy)))
    return ShapePath(tuple(vertices), tuple(ins), tuple(outs), closed=not flags & 0x08), ""


def layer_shapes(tree: dict[str, Chunk], *, start: float, stretch: float) -> LayerShapes:
    """The contents of a shape layer whose property tree is ``tree``."""
    decoder = _Decoder(_Timing(start=start, stretch=stretch))
    items = decoder.items(tree.get("ADBE Root Vectors Group"), 0)
    return LayerShapes(items=items, left_out=tuple(decoder.left_out))
