"""2D affine maps as After Effects composes a layer's transform: ``x' = a*x + c*y + e``,
``y' = b*x + d*y + f``, stored as ``(a, b, c, d, e, f)`` (the template reader's ``matrix``)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

Affine = tuple[float, float, float, float, float, float]
Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # left, top, right, bottom

IDENTITY: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def compose(m: Affine, n: Affine) -> Affine:
    """``m @ n``: apply ``n`` first, then ``m``."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + c * b2, b * a2 + d * b2, a * c2 + c * d2, b * c2 + d * d2, a * e2 + c * f2 + e, b * e2 + d * f2 + f
    )


def layer_transform(*, anchor: Sequence[float], position: Sequence[float], scale: Sequence[float],
                    rotation: float) -> Affine:
    """A 2D layer's own transform as After Effects composes it: ``T(position) . R(rotation) .
    S(scale) . T(-anchor)``; ``scale`` as factors (1.0 for 100 %), ``rotation`` in degrees
    clockwise on screen (y points down). The template reader and the motion evaluator share it."""
    cos_r, sin_r = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
    sx, sy = scale[0], scale[1]
    rs: Affine = (cos_r * sx, sin_r * sx, -sin_r * sy, cos_r * sy, 0.0, 0.0)
    return compose(translate(position[0], position[1]), compose(rs, translate(-anchor[0], -anchor[1])))


def translate(x: float, y: float) -> Affine:
    return (1.0, 0.0, 0.0, 1.0, x, y)


def scaling(sx: float, sy: float) -> Affine:
    return (sx, 0.0, 0.0, sy, 0.0, 0.0)


def apply(m: Affine, point: Point) -> Point:
    a, b, c, d, e, f = m
    x, y = point
    return (a * x + c * y + e, b * x + d * y + f)


def corners(rect: Rect) -> list[Point]:
    """Top-left, top-right, bottom-right, bottom-left."""
    left, top, right, bottom = rect
    return [(left, top), (right, top), (right, bottom), (left, bottom)]


def bounds(points: Iterable[Point]) -> Rect:
    pts = list(points)
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    return (min(xs), min(ys), max(xs), max(ys))


def linear_scale(m: Affine) -> float:
    """The map's mean linear scale (the square root of its area factor)."""
    a, b, c, d, _, _ = m
    return math.sqrt(abs(a * d - b * c))


def finite(values: Sequence[float]) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)
