"""Where things go that the render plan does not say: frame time, layer activity, the boxes of
layers without content, and reading the plan's affine maps.

Placeholders with content are drawn where the render plan (:mod:`jobs.formats.render_plan`)
puts them; the box functions here only place outlines of empty placeholders and the other
template layers (solids, template footage, neutral boxes). Boxes are
``(left, top, right, bottom)`` in composition pixels; each box function also returns the rule
that gave the box (``template``, ``source`` or ``composition``), which the metrics record.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..descriptions import Box, Composition, TemplateLayer
from ..render_plan.affine import Affine, Point, Rect

FIT_MODES = {"fit": "fit", "contain": "fit", "fill": "fill", "cover": "fill", "stretch": "stretch"}


def frame_time(composition: Composition, time: float | None = None) -> float:
    """The time to draw: ``time`` when given, else a third of the duration (0 without one)."""
    if time is not None:
        return float(time)
    return composition.duration / 3.0 if composition.duration > 0 else 0.0


def is_active(layer: TemplateLayer, time: float) -> bool:
    """The layer is enabled and shows at ``time`` (no timing recorded counts as always)."""
    if not layer.enabled:
        return False
    if layer.out_point <= layer.in_point:
        return True
    return layer.in_point <= time < layer.out_point


def intersect(a: Box, b: Box) -> Box | None:
    """The intersection of two boxes, or None when it is empty."""
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


def footage_box(layer: TemplateLayer, composition: Composition) -> tuple[Box, str]:
    """A footage layer's box and the rule that gave it (``template``, ``source``, ``composition``)."""
    if layer.bbox is not None:
        return layer.bbox, "template"
    source = layer.source
    if source is not None and source.width and source.height:
        left = (composition.width - source.width) // 2
        top = (composition.height - source.height) // 2
        return (left, top, left + source.width, top + source.height), "source"
    return (0, 0, composition.width, composition.height), "composition"


def text_box(layer: TemplateLayer, composition: Composition) -> tuple[Box, str]:
    """A text layer's box and its rule (``template``, ``composition``)."""
    if layer.bbox is not None:
        return layer.bbox, "template"
    return (0, 0, composition.width, composition.height), "composition"


# -- the plan's affine maps (a, b, c, d, e, f): x' = a*x + c*y + e, y' = b*x + d*y + f


def rounded(rect: Rect) -> Box:
    """A float rectangle as whole pixels (each edge rounded)."""
    return (round(rect[0]), round(rect[1]), round(rect[2]), round(rect[3]))


def outer(rect: Rect) -> Box:
    """The whole pixels a float rectangle touches."""
    return (math.floor(rect[0]), math.floor(rect[1]), math.ceil(rect[2]), math.ceil(rect[3]))


def point_bounds(points: Iterable[Point]) -> Rect:
    pts = list(points)
    return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))


def axis_scales(m: Affine) -> tuple[float, float]:
    """How long one image pixel's width and height are in the composition."""
    a, b, c, d, _, _ = m
    return math.hypot(a, b), math.hypot(c, d)


def rotation_degrees(m: Affine) -> float:
    """The angle of the image's x axis in the composition, degrees clockwise on screen."""
    return math.degrees(math.atan2(m[1], m[0]))


def is_axis_aligned(m: Affine) -> bool:
    """No rotation or shear (flips allowed): the map is a scale and a translation per axis."""
    a, b, c, d, _, _ = m
    return abs(b) <= 1e-9 * (abs(a) + abs(d)) and abs(c) <= 1e-9 * (abs(a) + abs(d)) and a != 0 and d != 0


def invert(m: Affine) -> Affine | None:
    """The inverse map, or None when ``m`` is singular."""
    a, b, c, d, e, f = m
    det = a * d - b * c
    if det == 0 or not math.isfinite(det):
        return None
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)
