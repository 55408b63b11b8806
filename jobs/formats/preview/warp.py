"""Drawing an image through an affine map (image pixels -> composition pixels), clipped to the
canvas: the render plan's footage placements, rotation and flips included.

An axis-aligned map (scales and flips, no rotation) is drawn with ``Image.resize`` (bilinear,
reduced first when shrinking a lot, as the preview always drew) over the source box that lands
on the canvas, so that only the visible part is resampled; any other map with
``Image.transform(AFFINE, BICUBIC)`` of the premultiplied image, shrunk beforehand by whole
factors so that a large downscale does not alias. Either way only ``region`` of the image (the
plan's mask, else the whole image) is drawn.
"""

from __future__ import annotations

import math

from PIL import Image, ImageChops, ImageDraw

from ..render_plan.affine import Affine, Rect, apply, compose, corners, scaling, translate
from .geometry import axis_scales, intersect, invert, is_axis_aligned, outer, point_bounds, rounded
from .images import _composite

Placed = tuple[Image.Image, tuple[int, int]]  # the alpha of what was drawn, and where it starts


def draw_affine(canvas: Image.Image, image: Image.Image, matrix: Affine, region: Rect) -> Placed | None:
    """Composite ``region`` of ``image`` (RGB or RGBA) mapped by ``matrix`` onto ``canvas``.

    Returns the alpha of what was drawn and its top-left corner on the canvas, or None when
    nothing lands on the canvas.
    """
    if not all(math.isfinite(v) for v in (*matrix, *region)):
        return None
    left, top = max(0.0, region[0]), max(0.0, region[1])
    right, bottom = min(float(image.width), region[2]), min(float(image.height), region[3])
    if left >= right or top >= bottom:
        return None
    region = (left, top, right, bottom)
    if is_axis_aligned(matrix):
        return _draw_axis_aligned(canvas, image, matrix, region)
    return _draw_transformed(canvas, image, matrix, region)


def _paste(canvas: Image.Image, drawn: Image.Image, at: tuple[int, int]) -> Placed:
    return _composite(canvas, drawn, at), at


def _draw_axis_aligned(canvas: Image.Image, image: Image.Image, matrix: Affine, region: Rect) -> Placed | None:
    """Scales and flips: resize the source box that lands on the canvas, then flip it."""
    a, _, _, d, e, f = matrix
    target = rounded(point_bounds(apply(matrix, p) for p in corners(region)))
    visible = intersect(target, (0, 0, *canvas.size))
    if visible is None:
        return None

    def source_span(start: int, end: int, scale: float, offset: float, low: float, high: float):
        u0, u1 = (start - offset) / scale, (end - offset) / scale
        u0, u1 = min(u0, u1), max(u0, u1)
        return max(low, u0), min(high, u1)

    u0, u1 = source_span(visible[0], visible[2], a, e, region[0], region[2])
    v0, v1 = source_span(visible[1], visible[3], d, f, region[1], region[3])
    if u0 >= u1 or v0 >= v1:
        return None
    size = (visible[2] - visible[0], visible[3] - visible[1])
    drawn = image.resize(size, Image.Resampling.BILINEAR, box=(u0, v0, u1, v1), reducing_gap=3.0)
    if a < 0:
        drawn = drawn.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if d < 0:
        drawn = drawn.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return _paste(canvas, drawn, visible[:2])


def _draw_transformed(canvas: Image.Image, image: Image.Image, matrix: Affine, region: Rect) -> Placed | None:
    """Rotation or shear: an affine transform of the cropped, pre-shrunk, premultiplied image."""
    quad = [apply(matrix, p) for p in corners(region)]
    if not all(math.isfinite(v) for p in quad for v in p):
        return None
    visible = intersect(outer(point_bounds(quad)), (0, 0, *canvas.size))
    if visible is None:
        return None
    crop = outer(region)
    source = image.crop(crop)
    mapped = compose(matrix, translate(crop[0], crop[1]))
    sx, sy = axis_scales(mapped)
    factors = (max(1, int(1 / sx)) if sx > 0 else 1, max(1, int(1 / sy)) if sy > 0 else 1)
    if factors != (1, 1):
        source = source.reduce(factors)
        mapped = compose(mapped, scaling(*factors))
    inverse = invert(compose(translate(-visible[0], -visible[1]), mapped))
    if inverse is None:
        return None
    ia, ib, ic, id_, ie, if_ = inverse
    size = (visible[2] - visible[0], visible[3] - visible[1])
    premultiplied = source.convert("RGBa")
    drawn = premultiplied.transform(
        size, Image.Transform.AFFINE, (ia, ic, ie, ib, id_, if_), resample=Image.Resampling.BICUBIC
    ).convert("RGBA")
    clip = Image.new("L", size, 0)
    ImageDraw.Draw(clip).polygon([(x - visible[0], y - visible[1]) for x, y in quad], fill=255)
    drawn.putalpha(ImageChops.multiply(drawn.getchannel("A"), clip))
    return _paste(canvas, drawn, visible[:2])
