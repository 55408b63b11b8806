"""A text layer's document: text, PostScript font, size, all-caps, fonts used, paragraph box,
justification, leading and tracking, read structurally from the ``btdk`` COS document of its
``ADBE Text Document`` property (``docs/aepx-format.md`` section 7).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import FormatError
from .chunks import LIST, Chunk
from .cos import CosError, _cos_list, cos_get, parse_cos
from .properties import _properties


@dataclass
class _Text:
    text: str
    font: str | None
    size: float | None
    all_caps: bool | None
    fonts: list[str]
    box: tuple[float, float, float, float] | None  # left, top, width, height in layer pixels
    justification: str | None = None  # JUSTIFICATIONS value of the first paragraph
    leading: float | None = None  # line spacing in pixels (auto leading resolved)
    tracking: float | None = None  # in 1/1000 em


JUSTIFICATIONS = (
    "left",
    "right",
    "center",
    "justify_last_left",
    "justify_last_right",
    "justify_last_center",
    "justify_all",
)
"""Paragraph style key ``/0`` (0-6) to a name: After Effects' ``ParagraphJustification`` order
(LEFT, RIGHT, CENTER, then FULL_JUSTIFY_LASTLINE_LEFT/RIGHT/CENTER/FULL)."""


def _text(root_group: dict[str, Chunk]) -> _Text | None:
    text_group = root_group.get("ADBE Text Properties")
    if text_group is None or text_group.kind != LIST:
        return None
    document = _properties(text_group).get("ADBE Text Document")
    btdk = None
    if document is not None and document.kind == LIST:
        btdk = document.find("btdk", LIST)
    if btdk is None:
        return None
    try:
        cos = parse_cos(btdk.data)
    except CosError as exc:
        raise FormatError(f"unreadable text document: {exc}") from None
    return _text_from_cos(cos)


def _finite(value: Any) -> float | None:
    """A number from the text document, or None when it is not a finite one."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return number if math.isfinite(number) else None


def _text_from_cos(cos: Any) -> _Text | None:
    """Text, font and style from a parsed ``btdk`` (format note, section 7)."""
    fonts = [cos_get(entry, "0", "0", "0") for entry in _cos_list(cos, "0", "1", "0")]
    sheets = _cos_list(cos, "0", "5", "0")
    documents = _cos_list(cos, "1", "1")
    if not documents:
        return None
    doc = documents[0]
    raw = cos_get(doc, "0", "0")
    raw = raw if isinstance(raw, str) else ""
    if raw.endswith("\r"):
        raw = raw[:-1]
    text = raw.replace("\r\n", "\n").replace("\r", "\n")

    def font_name(index: Any) -> str | None:
        if isinstance(index, int) and 0 <= index < len(fonts) and isinstance(fonts[index], str):
            return fonts[index]
        return None

    value = _first_style(doc, "6", sheets)
    size = value("1")
    caps = value("12")
    paragraph = _first_style(doc, "5", _cos_list(cos, "0", "6", "0"))
    used: list[str] = []
    for document in documents:
        for run in _cos_list(document, "0", "6", "0"):
            index = cos_get(run, "0", "0", "6", "0")
            if index is None:
                index = cos_get(sheets, cos_get(run, "0", "0", "5"), "0", "6", "0")
            name = font_name(index)
            if name and name not in used:
                used.append(name)
    return _Text(
        text=text,
        font=font_name(value("0")),
        size=_finite(size),
        all_caps=(caps == 2) if isinstance(caps, int) and not isinstance(caps, bool) else None,
        fonts=used,
        box=_text_box(cos),
        justification=_justification(paragraph("0")),
        leading=_leading(_finite(size), value("4"), value("5"), paragraph("7")),
        tracking=_finite(value("8")),
    )


def _first_style(doc: Any, kind: str, sheets: list) -> Callable[[str], Any]:
    """A key of the first style run of ``kind`` (``"5"`` paragraph, ``"6"`` character), falling
    back to the run's parent style sheet (run ``/0 /0 /5`` for characters, ``/0 /0 /6`` for
    paragraphs) for keys the run leaves out."""
    runs = [run for run in _cos_list(doc, "0", kind, "0") if isinstance(run, dict)]
    first = runs[0] if runs else None
    style = cos_get(first, "0", "0", kind)
    sheet_key = "6" if kind == "5" else "5"
    sheet_index = cos_get(first, "0", "0", sheet_key)
    sheet = cos_get(sheets, sheet_index, "0", kind) if isinstance(sheet_index, int) else None
    style = style if isinstance(style, dict) else {}
    sheet = sheet if isinstance(sheet, dict) else {}
    return lambda key: style[key] if key in style else sheet.get(key)


def _justification(code: Any) -> str | None:
    if isinstance(code, int) and not isinstance(code, bool) and 0 <= code < len(JUSTIFICATIONS):
        return JUSTIFICATIONS[code]
    return None


def _leading(size: float | None, auto: Any, stored: Any, factor: Any) -> float | None:
    """Line spacing in pixels: with auto leading (character key ``/4``, on by default) the size
    times the paragraph's auto-leading factor (``/7``, 1.2 by default), else key ``/5``."""
    if auto is None or bool(auto):
        factor = _finite(factor)
        if size is None:
            return None
        return _finite(size * (1.2 if factor is None else factor))
    return _finite(stored)


def _text_box(cos: Any) -> tuple[float, float, float, float] | None:
    """The paragraph-text box ``(left, top, width, height)`` in layer pixels; ``None`` for
    point text. The box outline is 16 vertices: corners 0 (top-left) and 6 (bottom-right)."""
    coords = cos_get(cos, "0", "8", "0", 0, "0", "1", "0")
    if not isinstance(coords, list) or len(coords) < 14:
        return None
    numbers = [_finite(v) for v in coords[:14]]
    if any(v is None for v in numbers):
        return None
    left, top = numbers[0], numbers[1]
    box = left, top, abs(numbers[12] - left), abs(numbers[13] - top)
    return box if all(map(math.isfinite, box)) else None
