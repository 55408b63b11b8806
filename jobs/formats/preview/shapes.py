"""Painting a shape layer's decoded contents (:class:`~jobs.formats.shapes.LayerShapes`) through
its layer matrix: rectangles (rounded), ellipses and Bezier paths, filled and stroked, each group
through its own transform (anchor, position, scale, rotation, opacity), as After Effects stacks
them: a fill or stroke paints the paths listed above it in its group (nested groups' included),
and items lower in the list are painted first. Properties are read at their static value (the
first keyframe's when keyframed: the motion preview evaluates them at each frame's time first).
Returns what it could not draw, by name, with the reader's own ``left_out``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import Image, ImageDraw

from ..animated import AnimatedProperty
from ..shapes import LayerShapes, ShapeItem, ShapeTransform

Affine = tuple[float, float, float, float, float, float]
Polyline = tuple[list[tuple[float, float]], bool]  # points in canvas pixels, closed
KAPPA = 0.5522847498  # Bezier handle length of a quarter circle, as a fraction of the radius
STEPS = 16  # line segments per Bezier segment
MAX_POINTS = 200_000  # flattened points one layer may draw


def _mul(m: Affine, n: Affine) -> Affine:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + c * b2, b * a2 + d * b2, a * c2 + c * d2, b * c2 + d * d2, a * e2 + c * f2 + e,
            b * e2 + d * f2 + f)


def _value(prop: AnimatedProperty | None, default: Sequence[float]) -> tuple[float, ...]:
    if prop is None or len(prop.value) < len(default) or not all(map(math.isfinite, prop.value)):
        return tuple(default)
    return prop.value


def _group_matrix(transform: ShapeTransform | None) -> Affine:
    """T(position) . R(rotation) . S(scale) . T(-anchor), as a layer's transform."""
    if transform is None:
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    ax, ay = _value(transform.anchor, (0.0, 0.0))[:2]
    px, py = _value(transform.position, (0.0, 0.0))[:2]
    sx, sy = (v / 100.0 for v in _value(transform.scale, (100.0, 100.0))[:2])
    r = math.radians(_value(transform.rotation, (0.0,))[0])
    cos_r, sin_r = math.cos(r), math.sin(r)
    a, b, c, d = cos_r * sx, sin_r * sx, -sin_r * sy, cos_r * sy
    return (a, b, c, d, px - a * ax - c * ay, py - b * ax - d * ay)


def _apply(m: Affine, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _bezier(p0, p1, p2, p3) -> list[tuple[float, float]]:
    out = []
    for step in range(1, STEPS + 1):
        t = step / STEPS
        u = 1 - t
        out.append((u ** 3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t ** 3 * p3[0],
                    u ** 3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t ** 3 * p3[1]))
    return out


def _flatten(vertices, ins, outs, closed: bool) -> list[tuple[float, float]]:
    """A Bezier path (tangents relative to their vertex) as points."""
    if not vertices:
        return []
    points = [vertices[0]]
    count = len(vertices)
    for j in range(count if closed else count - 1):
        k = (j + 1) % count
        v0, v1 = vertices[j], vertices[k]
        if outs[j] == (0.0, 0.0) and ins[k] == (0.0, 0.0):
            points.append(v1)
            continue
        c0 = (v0[0] + outs[j][0], v0[1] + outs[j][1])
        c1 = (v1[0] + ins[k][0], v1[1] + ins[k][1])
        points.extend(_bezier(v0, c0, c1, v1))
    return points


def _rect(item: ShapeItem) -> list[tuple[float, float]]:
    w, h = (abs(v) for v in _value(item.size, (100.0, 100.0))[:2])
    cx, cy = _value(item.position, (0.0, 0.0))[:2]
    r = max(0.0, min(_value(item.roundness, (0.0,))[0], w / 2, h / 2))
    left, top, right, bottom = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
    if r <= 0:
        return [(left, top), (right, top), (right, bottom), (left, bottom)]
    k = r * KAPPA
    vertices = [(right - r, top), (right, top + r), (right, bottom - r), (right - r, bottom),
                (left + r, bottom), (left, bottom - r), (left, top + r), (left + r, top)]
    zero = (0.0, 0.0)
    ins = [zero, (0.0, -k), zero, (k, 0.0), zero, (0.0, k), zero, (-k, 0.0)]
    outs = [(k, 0.0), zero, (0.0, k), zero, (-k, 0.0), zero, (0.0, -k), zero]
    return _flatten(vertices, ins, outs, True)


def _ellipse(item: ShapeItem) -> list[tuple[float, float]]:
    w, h = _value(item.size, (100.0, 100.0))[:2]
    cx, cy = _value(item.position, (0.0, 0.0))[:2]
    rx, ry = abs(w) / 2, abs(h) / 2
    vertices = [(cx, cy - ry), (cx + rx, cy), (cx, cy + ry), (cx - rx, cy)]
    ins = [(-rx * KAPPA, 0.0), (0.0, -ry * KAPPA), (rx * KAPPA, 0.0), (0.0, ry * KAPPA)]
    outs = [(rx * KAPPA, 0.0), (0.0, ry * KAPPA), (-rx * KAPPA, 0.0), (0.0, -ry * KAPPA)]
    return _flatten(vertices, ins, outs, True)


class _ShapePainter:
    def __init__(self, canvas: Image.Image, shapes: LayerShapes):
        self.canvas = canvas
        self.not_drawn: list[str] = list(shapes.left_out)
        self.points = 0

    def outline(self, item: ShapeItem, matrix: Affine) -> list[Polyline]:
        """The paths of ``item`` (a path, or a group's paths) in canvas pixels."""
        if not item.enabled:
            return []
        if item.kind == "group":
            inner = _mul(matrix, _group_matrix(item.transform))
            return [line for child in item.items for line in self.outline(child, inner)]
        if item.kind == "rect":
            local, closed = _rect(item), True
        elif item.kind == "ellipse":
            local, closed = _ellipse(item), True
        elif item.kind == "path" and item.path is not None:
            path = item.path
            local, closed = _flatten(path.vertices, path.in_tangents, path.out_tangents, path.closed), path.closed
        else:
            return []
        self.points += len(local)
        if self.points > MAX_POINTS or not local:
            return []
        points = [_apply(matrix, x, y) for x, y in local]
        if not all(math.isfinite(v) for p in points for v in p):
            return []
        return [(points, closed)]

    def group(self, items: Sequence[ShapeItem], matrix: Affine, opacity: float) -> None:
        """Paint one group's items bottom (last) first."""
        for position in range(len(items) - 1, -1, -1):
            item = items[position]
            if not item.enabled:
                continue
            if item.kind == "group":
                group_opacity = _value(item.transform.opacity if item.transform else None, (100.0,))[0] / 100.0
                self.group(item.items, _mul(matrix, _group_matrix(item.transform)), opacity * group_opacity)
            elif item.kind in ("fill", "stroke"):
                lines = [line for above in items[:position] for line in self.outline(above, matrix)]
                self.paint(item, lines, matrix, opacity)

    def paint(self, item: ShapeItem, lines: list[Polyline], matrix: Affine, opacity: float) -> None:
        colour = _value(item.color, (1.0, 1.0, 1.0, 1.0))
        alpha = colour[3] if len(colour) > 3 else 1.0
        alpha *= max(0.0, min(1.0, _value(item.opacity, (100.0,))[0] / 100.0)) * max(0.0, min(1.0, opacity))
        if not lines or alpha <= 0:
            return
        rgb = tuple(max(0, min(255, round(c * 255))) for c in colour[:3])
        mask = Image.new("L", self.canvas.size, 0)
        draw = ImageDraw.Draw(mask)
        level = max(0, min(255, round(alpha * 255)))
        if item.kind == "fill":
            for points, _closed in lines:
                if len(points) >= 3:
                    draw.polygon(points, fill=level)
        else:
            scale = math.sqrt(abs(matrix[0] * matrix[3] - matrix[1] * matrix[2]))
            width = max(1, round(_value(item.width, (2.0,))[0] * scale))
            for points, closed in lines:
                draw.line(points + points[:1] if closed else points, fill=level, width=width, joint="curve")
        self.canvas.paste(rgb if self.canvas.mode == "RGB" else (*rgb, 255), (0, 0), mask)


def paint_shapes(canvas: Image.Image, shapes: LayerShapes, matrix: Affine, opacity: float = 1.0) -> list[str]:
    """Paint ``shapes`` onto ``canvas`` through ``matrix`` (layer pixels -> canvas pixels);
    return what is not drawn, by name (the reader's ``left_out`` first)."""
    painter = _ShapePainter(canvas, shapes)
    painter.group(shapes.items, matrix, opacity)
    if painter.points > MAX_POINTS:
        painter.not_drawn.append(f"paths over {MAX_POINTS} points")
    return painter.not_drawn
