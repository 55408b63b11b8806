"""Text layout: measuring ink, word wrapping, and how a text fits (or shrinks into) its box.

:func:`fit_text` holds the rules the preview draws text by; :class:`TextFit` is what it
measured. Fonts come from the caller (``font_at(size)``), so this module knows no font files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

LINE_SPACING = 0.2  # extra space between text lines, as a fraction of the font size


@dataclass(frozen=True)
class TextFit:
    """How a text fits its box; sizes are ink extents in pixels.

    ``natural`` is the text at the placeholder's font size with only its own line breaks (what
    After Effects' point text would show) and ``overflow_ratio`` = max(natural width / box
    width, natural height / box height); ``fits`` means that ratio is at most 1. ``wrapped``
    is the text word-wrapped to the box width at the same size. ``lines``, ``size`` and
    ``drawn`` describe what the preview draws.
    """

    natural: tuple[int, int]
    overflow_ratio: float
    fits: bool
    wrapped: tuple[int, int]
    fits_wrapped: bool
    lines: tuple[str, ...]
    size: float
    drawn: tuple[int, int]
    fits_drawn: bool


def normalise_text(text: str) -> str:
    """Photoshop's paragraph (CR) and soft (ETX) breaks as ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x03", "\n")


_MEASURE = ImageDraw.Draw(Image.new("L", (1, 1)))


def _ink_size(font: ImageFont.FreeTypeFont, lines: Sequence[str]) -> tuple[int, int]:
    """Width and height of the ink of ``lines`` set in ``font``."""
    if not any(line.strip() for line in lines):
        return 0, 0
    left, top, right, bottom = _MEASURE.multiline_textbbox(
        (0, 0), "\n".join(lines), font=font, spacing=font.size * LINE_SPACING
    )
    return math.ceil(right - left), math.ceil(bottom - top)


def wrap_lines(font: ImageFont.FreeTypeFont, text: str, width: int) -> tuple[str, ...]:
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


def fit_text(
    text: str,
    box_size: tuple[int, int],
    size: float,
    font_at: Callable[[float], ImageFont.FreeTypeFont],
    min_shrink: float = 0.25,
) -> TextFit:
    """Measure ``text`` against a box and choose how the preview draws it.

    Rules: at the placeholder's ``size`` the text is drawn as written when it fits; else
    word-wrapped to the box width when that fits; else wrapped at the largest size (in
    quarter-pixel steps, down to ``size * min_shrink``) at which it fits; else wrapped at that
    minimum size, overflowing. ``font_at(size)`` returns the font at a size.
    """
    box_w, box_h = max(1, box_size[0]), max(1, box_size[1])
    font = font_at(size)
    as_written = tuple(text.split("\n"))
    natural = _ink_size(font, as_written)
    ratio = max(natural[0] / box_w, natural[1] / box_h)
    wrapped_lines = wrap_lines(font, text, box_w)
    wrapped = _ink_size(font, wrapped_lines)

    def fits(measured: tuple[int, int]) -> bool:
        return measured[0] <= box_w and measured[1] <= box_h

    if fits(natural):
        lines, drawn_size, drawn = as_written, size, natural
    elif fits(wrapped):
        lines, drawn_size, drawn = wrapped_lines, size, wrapped
    else:
        lines, drawn_size, drawn = _shrink_to_fit(text, (box_w, box_h), size, font_at, min_shrink)
    return TextFit(
        natural=natural,
        overflow_ratio=ratio,
        fits=fits(natural),
        wrapped=wrapped,
        fits_wrapped=fits(wrapped),
        lines=lines,
        size=drawn_size,
        drawn=drawn,
        fits_drawn=fits(drawn),
    )


def _shrink_to_fit(
    text: str,
    box: tuple[int, int],
    size: float,
    font_at: Callable[[float], ImageFont.FreeTypeFont],
    min_shrink: float,
) -> tuple[tuple[str, ...], float, tuple[int, int]]:
    """Binary search (quarter-pixel steps) for the largest size at which the wrapped text fits."""

    def layout(quarters: int) -> tuple[tuple[str, ...], float, tuple[int, int]]:
        font = font_at(quarters / 4)
        lines = wrap_lines(font, text, box[0])
        return lines, quarters / 4, _ink_size(font, lines)

    low = max(1, math.ceil(size * min_shrink * 4))
    high = max(low, math.floor(size * 4) - 1)
    best = layout(low)
    if best[2][0] > box[0] or best[2][1] > box[1]:
        return best
    low += 1
    while low <= high:
        middle = (low + high) // 2
        candidate = layout(middle)
        if candidate[2][0] <= box[0] and candidate[2][1] <= box[1]:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best
