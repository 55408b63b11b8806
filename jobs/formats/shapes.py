"""Shape layer contents in the template description (``docs/animation.md``, "Shape layers"),
as plain dataclasses: the items of the layer's ``Contents`` (``ADBE Root Vectors Group``) in
After Effects' order (first = top), each property an :class:`AnimatedProperty` in After
Effects' units (pixels, percent, degrees; colours RGBA in 0-1).

``kind`` is ``group``, ``rect``, ``ellipse``, ``path``, ``fill`` or ``stroke``. What the reader
does not decode (trim paths, repeaters, gradients, merge paths, stars/polygons, keyframed
paths...) is named in :attr:`LayerShapes.left_out` (``"<name> (<match name>)"``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from .animated import AnimatedProperty

Point = tuple[float, float]
SHAPE_PROPERTIES = ("size", "position", "roundness", "color", "opacity", "width")
TRANSFORM_PROPERTIES = ("anchor", "position", "scale", "rotation", "opacity")


@dataclass(frozen=True)
class ShapePath:
    """A Bezier path in its group's pixels; tangents relative to their vertex."""

    vertices: tuple[Point, ...] = ()
    in_tangents: tuple[Point, ...] = ()
    out_tangents: tuple[Point, ...] = ()
    closed: bool = True

    def to_dict(self) -> dict:
        return {"vertices": [list(p) for p in self.vertices], "in_tangents": [list(p) for p in self.in_tangents],
                "out_tangents": [list(p) for p in self.out_tangents], "closed": self.closed}

    @classmethod
    def from_dict(cls, data: dict) -> ShapePath:
        def points(name):
            return tuple((float(x), float(y)) for x, y in data.get(name) or ())
        return cls(vertices=points("vertices"), in_tangents=points("in_tangents"),
                   out_tangents=points("out_tangents"), closed=bool(data.get("closed", True)))


@dataclass(frozen=True)
class ShapeTransform:
    """A group's transform: anchor, position (pixels), scale (percent), rotation (degrees),
    opacity (percent). ``None``: the file's data could not be read (the default applies)."""

    anchor: AnimatedProperty | None = None
    position: AnimatedProperty | None = None
    scale: AnimatedProperty | None = None
    rotation: AnimatedProperty | None = None
    opacity: AnimatedProperty | None = None

    def to_dict(self) -> dict:
        return {n: _prop_dict(getattr(self, n)) for n in TRANSFORM_PROPERTIES}

    @classmethod
    def from_dict(cls, data: dict) -> ShapeTransform:
        return cls(**{n: _prop(data.get(n)) for n in TRANSFORM_PROPERTIES})


@dataclass(frozen=True)
class ShapeItem:
    """One item of a shape layer's contents. Rectangles: ``size``, ``position`` (centre),
    ``roundness``; ellipses: ``size``, ``position``; paths: ``path``; fills: ``color``,
    ``opacity``; strokes: ``color``, ``opacity``, ``width``; groups: ``items`` and ``transform``."""

    kind: str
    name: str = ""
    enabled: bool = True
    size: AnimatedProperty | None = None
    position: AnimatedProperty | None = None
    roundness: AnimatedProperty | None = None
    color: AnimatedProperty | None = None  # RGBA, 0-1
    opacity: AnimatedProperty | None = None  # percent
    width: AnimatedProperty | None = None  # stroke width, pixels
    path: ShapePath | None = None
    items: tuple[ShapeItem, ...] = ()
    transform: ShapeTransform | None = None

    def to_dict(self) -> dict:
        data: dict[str, Any] = {"kind": self.kind, "name": self.name, "enabled": self.enabled}
        for name in SHAPE_PROPERTIES:
            data[name] = _prop_dict(getattr(self, name))
        data["path"] = self.path.to_dict() if self.path is not None else None
        data["items"] = [item.to_dict() for item in self.items]
        data["transform"] = self.transform.to_dict() if self.transform is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ShapeItem:
        return cls(
            kind=str(data.get("kind", "")),
            name=str(data.get("name", "")),
            enabled=bool(data.get("enabled", True)),
            **{n: _prop(data.get(n)) for n in SHAPE_PROPERTIES},
            path=ShapePath.from_dict(data["path"]) if data.get("path") is not None else None,
            items=tuple(ShapeItem.from_dict(i) for i in data.get("items") or ()),
            transform=ShapeTransform.from_dict(data["transform"]) if data.get("transform") is not None else None,
        )


@dataclass(frozen=True)
class LayerShapes:
    """A shape layer's decoded contents and what was left undecoded, by name."""

    items: tuple[ShapeItem, ...] = ()
    left_out: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"items": [item.to_dict() for item in self.items], "left_out": list(self.left_out)}

    @classmethod
    def from_dict(cls, data: dict) -> LayerShapes:
        return cls(items=tuple(ShapeItem.from_dict(i) for i in data.get("items") or ()),
                   left_out=tuple(str(n) for n in data.get("left_out") or ()))

    @property
    def animated(self) -> bool:
        """Any property of any item is keyframed."""
        found = []
        map_properties(self, lambda p: found.append(p) or p)
        return any(p.keyframes for p in found)


def _prop_dict(prop: AnimatedProperty | None) -> dict | None:
    return prop.to_dict() if prop is not None else None


def _prop(data: dict | None) -> AnimatedProperty | None:
    return AnimatedProperty.from_dict(data) if data is not None else None


def map_properties(shapes: LayerShapes, change: Callable[[AnimatedProperty], AnimatedProperty]) -> LayerShapes:
    """``shapes`` with every property replaced by ``change(property)`` (e.g. its value at a time)."""

    def one(obj):
        updates = {}
        for f in fields(obj):
            value = getattr(obj, f.name)
            if isinstance(value, AnimatedProperty):
                updates[f.name] = change(value)
            elif isinstance(value, ShapeTransform):
                updates[f.name] = one(value)
            elif f.name == "items":
                updates[f.name] = tuple(one(item) for item in value)
        return replace(obj, **updates)

    return replace(shapes, items=tuple(one(item) for item in shapes.items))
