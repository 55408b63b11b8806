"""A text layer's document: text, PostScript font, size, all-caps, fonts used and paragraph box,
read structurally from the ``btdk`` COS document of its ``ADBE Text Document`` property
(``docs/aepx-format.md`` section 7).
"""

from __future__ import annotations

import math
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

    runs = [run for run in _cos_list(doc, "0", "6", "0") if isinstance(run, dict)]
    first = runs[0] if runs else None
    style = cos_get(first, "0", "0", "6") or {}
    sheet_index = cos_get(first, "0", "0", "5")
    sheet = cos_get(sheets, sheet_index, "0", "6") if isinstance(sheet_index, int) else None
    sheet = sheet if isinstance(sheet, dict) else {}

    def value(key: str) -> Any:
        return style[key] if isinstance(style, dict) and key in style else sheet.get(key)

    size = value("1")
    caps = value("12")
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
    )


def _text_box(cos: Any) -> tuple[float, float, float, float] | None:
    """The paragraph-text box ``(left, top, width, height)`` in layer pixels; ``None`` for
    point text. The box outline is 16 vertices: corners 0 (top-left) and 6 (bottom-right)."""
    coords = cos_get(cos, "0", "8", "0", 0, "0", "1", "0")
    if not isinstance(coords, list) or len(coords) < 14:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in coords[:14]):
        return None
    left, top = float(coords[0]), float(coords[1])
    return left, top, abs(coords[12] - coords[0]), abs(coords[13] - coords[1])
