"""Text layout as After Effects sets a text layer: line breaks, word wrap, justification, leading.

:func:`layout_text` places lines from the render plan's paragraph box or point-text origin
(:class:`~jobs.formats.render_plan.TextPlacement`) and measures their ink; :class:`TextLayout`
is the result. Text is never shrunk: lines that do not fit a box are laid out below it, as
After Effects would (it then hides them; the preview draws and flags them). Fonts come from the
caller, so this module knows no font files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import ImageFont

from ..render_plan.affine import Point, Rect

AUTO_LEADING = 1.2  # After Effects' auto leading: 120 % of the font size
ANCHORS = {"left": "ls", "center": "ms", "right": "rs"}  # Pillow anchors on the baseline

Ink = tuple[int, int, int, int]


@dataclass(frozen=True)
class TextLayout:
    """Where each line's baseline anchor sits (composition pixels) and what the ink covers.

    ``anchor`` is the Pillow anchor of every line (``ls``, ``ms``, ``rs``: left, middle, right
    on the baseline). ``natural`` is the ink size with only the text's own line breaks,
    ``wrapped`` the ink size of the lines laid out (wrapped to the box for paragraph text),
    ``ink`` the laid-out ink rectangle (None for blank text).
    """

    lines: tuple[str, ...]
    positions: tuple[Point, ...]
    anchor: str
    leading: float
    natural: tuple[int, int]
    wrapped: tuple[int, int]
    ink: Ink | None


def normalise_text(text: str) -> str:
    """Photoshop's and After Effects' paragraph (CR) and soft (ETX) breaks as ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x03", "\n")


def wrap_lines(font: ImageFont.FreeTypeFont, text: str, width: float) -> tuple[str, ...]:
    """Greedy word wrap of ``text`` to ``width`` pixels; explicit line breaks are kept and a
    word wider than the box stays alone on its line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if current and font.getlength(candidate) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return tuple(lines)


def _ink(font: ImageFont.FreeTypeFont, lines: Sequence[str], positions: Sequence[Point], anchor: str) -> Ink | None:
    """The union of the lines' ink rectangles, whole pixels."""
    boxes = []
    for line, (x, y) in zip(lines, positions):
        if not line.strip():
            continue
        left, top, right, bottom = font.getbbox(line, anchor=anchor)
        boxes.append((x + left, y + top, x + right, y + bottom))
    if not boxes:
        return None
    return (
        math.floor(min(b[0] for b in boxes)),
        math.floor(min(b[1] for b in boxes)),
        math.ceil(max(b[2] for b in boxes)),
        math.ceil(max(b[3] for b in boxes)),
    )


def _size(ink: Ink | None) -> tuple[int, int]:
    return (0, 0) if ink is None else (ink[2] - ink[0], ink[3] - ink[1])


def layout_text(
    text: str,
    font: ImageFont.FreeTypeFont,
    *,
    justification: str,
    box: Rect | None = None,
    origin: Point | None = None,
    leading: float | None = None,
) -> TextLayout:
    """Lay ``text`` out in ``font`` (its size in composition pixels).

    Paragraph text (``box``): wrapped to the box's width, the first line's ascender at the
    box's top, each line at the box's left, centre or right by ``justification``. Point text
    (``origin``): not wrapped, the first baseline through ``origin``, each line starting at,
    centred on or ending at it. Lines are ``leading`` pixels apart (default 120 % of the size).
    """
    anchor = ANCHORS.get(justification, "ls")
    step = leading if leading is not None and math.isfinite(leading) and leading > 0 else font.size * AUTO_LEADING
    own_lines = tuple(text.split("\n"))
    if box is not None:
        lines = wrap_lines(font, text, box[2] - box[0])
        x = {"ls": box[0], "ms": (box[0] + box[2]) / 2, "rs": box[2]}[anchor]
        first = box[1] + font.getmetrics()[0]
    elif origin is not None:
        lines = own_lines
        x, first = origin
    else:
        raise ValueError("layout_text needs a box or an origin")
    positions = tuple((x, first + i * step) for i in range(len(lines)))
    ink = _ink(font, lines, positions, anchor)
    natural = _size(_ink(font, own_lines, tuple((x, first + i * step) for i in range(len(own_lines))), anchor))
    return TextLayout(lines, positions, anchor, step, natural, _size(ink), ink)
