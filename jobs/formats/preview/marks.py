"""What the preview draws in place of content it cannot show, or over content it shows with a
problem: its colours, dashed outlines, labels and badges (unmatched placeholders, missing
images, placements the render plan cannot derive, overflowing text, fallback fonts, layers it
does not render, the missing design).
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from ..descriptions import Box
from .fonts import _label_font, label_size
from .geometry import intersect

RGB = tuple[int, int, int]

UNMATCHED_COLOUR: RGB = (255, 0, 255)
MISSING_COLOUR: RGB = (255, 140, 0)
UNKNOWN_COLOUR: RGB = (0, 170, 255)  # the plan cannot say where After Effects puts it
OVERFLOW_COLOUR: RGB = (230, 30, 30)  # text beyond its box or the composition
FONT_COLOUR: RGB = (150, 60, 220)  # drawn with a fallback font
NEUTRAL_COLOUR: RGB = (128, 128, 128)
LABEL_TEXT_COLOUR: RGB = (255, 255, 255)


def _dashed_rectangle(canvas: Image.Image, box: Box, colour: RGB, width: int) -> None:
    """A dashed outline drawn inside ``box``; every corner starts a dash. Edges beyond the
    canvas are moved just outside it, so a huge box costs no more than the canvas."""
    draw = ImageDraw.Draw(canvas)
    frame = (-width, -width, canvas.width + width, canvas.height + width)
    clipped = intersect(box, frame)
    if clipped is None:
        return
    left, top, right, bottom = clipped[0], clipped[1], clipped[2] - 1, clipped[3] - 1
    dash, gap = width * 4, width * 2
    half = width // 2

    def segments(start: int, end: int):
        position = start
        while position <= end:
            yield position, min(position + dash, end)
            position += dash + gap

    for a, b in segments(left, right):
        draw.line([(a, top + half), (b, top + half)], fill=colour, width=width)
        draw.line([(a, bottom - half), (b, bottom - half)], fill=colour, width=width)
    for a, b in segments(top, bottom):
        draw.line([(left + half, a), (left + half, b)], fill=colour, width=width)
        draw.line([(right - half, a), (right - half, b)], fill=colour, width=width)


def _label(canvas: Image.Image, box: Box, text: str, colour: RGB) -> None:
    """A small label on a ``colour`` background at the top-left of ``box``, kept on the canvas."""
    draw = ImageDraw.Draw(canvas)
    font = _label_font(label_size(canvas.size))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    pad = 4
    width, height = right - left + 2 * pad, bottom - top + 2 * pad
    x = min(max(0, box[0]), max(0, canvas.width - width))
    y = min(max(0, box[1]), max(0, canvas.height - height))
    draw.rectangle((x, y, x + width - 1, y + height - 1), fill=colour)
    draw.text((x + pad - left, y + pad - top), text, font=font, fill=LABEL_TEXT_COLOUR)


def _badge(canvas: Image.Image, corner: tuple[float, float], text: str, colour: RGB, *, right: bool = False) -> None:
    """A small label whose bottom-left (bottom-right with ``right``) corner is at ``corner``:
    just above the content it qualifies, kept on the canvas."""
    draw = ImageDraw.Draw(canvas)
    font = _label_font(label_size(canvas.size))
    left, top, r, bottom = draw.textbbox((0, 0), text, font=font)
    pad = 3
    width, height = r - left + 2 * pad, bottom - top + 2 * pad
    x = round(corner[0]) - (width if right else 0)
    y = round(corner[1]) - height
    x = min(max(0, x), max(0, canvas.width - width))
    y = min(max(0, y), max(0, canvas.height - height))
    draw.rectangle((x, y, x + width - 1, y + height - 1), fill=colour)
    draw.text((x + pad - left, y + pad - top), text, font=font, fill=LABEL_TEXT_COLOUR)
