"""The ``btdk`` text document of a text layer: one run, one style, the font list, and the
paragraph box outline for box text (``docs/aepx-format.md`` section 7).
"""

from __future__ import annotations

from ..aep.text import JUSTIFICATIONS
from .cos import CosNameValue, _cos_pairs
from .specs import RGB, TextLayerSpec


def _box_coords(left: float, top: float, width: float, height: float) -> list[float]:
    """The 16-vertex outline After Effects stores for a paragraph box: corners repeated as its
    bezier handles (top-left x2, top-right x4, bottom-right x4, bottom-left x4, top-left x2)."""
    right, bottom = left + width, top + height
    corners = [(left, top)] * 2 + [(right, top)] * 4 + [(right, bottom)] * 4 + [(left, bottom)] * 4 + [(left, top)] * 2
    return [float(c) for point in corners for c in point]


def _char_style(font_index: int, size: float, color: RGB, all_caps: bool) -> dict:
    return {
        "0": font_index,
        "1": float(size),
        "2": False,
        "3": False,
        "4": True,
        "5": float(size) * 1.2,
        "6": 1.0,
        "7": 1.0,
        "8": 0,
        "9": 0.0,
        "12": 2 if all_caps else 0,
        "53": {"99": CosNameValue("SimplePaint"), "0": {"0": 1, "1": [1.0, *map(float, color)]}},
        "56": True,
        "57": False,
    }


def _justification_code(spec: TextLayerSpec) -> int:
    """Paragraph style key ``/0``: the spec's justification, else center (left for box text)."""
    if spec.justification is None:
        return 2 if spec.box is None else 0
    if spec.justification not in JUSTIFICATIONS:
        raise ValueError(f"unknown justification {spec.justification!r}; expected one of {', '.join(JUSTIFICATIONS)}")
    return JUSTIFICATIONS.index(spec.justification)


def text_document(spec: TextLayerSpec) -> bytes:
    """The ``btdk`` body of a one-run, one-style text layer (format note, section 7)."""
    fonts = [spec.font] if spec.font == "ArialMT" else [spec.font, "ArialMT"]
    font_list = [{"0": {"99": CosNameValue("CoolTypeFont"), "0": {"0": name, "2": 0}}} for name in fonts]
    text = spec.text.replace("\r\n", "\r").replace("\n", "\r") + "\r"
    units = len(text.encode("utf-16-be")) // 2
    style = _char_style(0, spec.font_size, spec.color, spec.all_caps)
    default_style = _char_style(fonts.index("ArialMT"), 12.0, (0.0, 0.0, 0.0), False)
    paragraph = {"0": _justification_code(spec), "1": 0.0, "2": 0.0, "3": 0.0, "4": 0.0, "5": 0.0}
    resources: dict = {
        "1": {"0": font_list},
        "5": {"0": [{"0": {"0": "Normal RGB", "6": default_style}}], "1": [{"0": 0}]},
        "6": {"0": [{"0": {"0": "Normal RGB", "5": paragraph}}], "1": [{"0": 0}]},
    }
    if spec.box is not None:
        width, height = spec.box
        outline = _box_coords(-width / 2, -height / 2, width, height)
        resources["8"] = {"0": [{"0": {"1": {"0": outline}, "2": {"0": 1, "1": 0}}}]}
    document = {
        "0": {
            "0": text,
            "5": {"0": [{"0": {"0": {"0": "", "5": paragraph, "6": 0}}, "1": units}]},
            "6": {"0": [{"0": {"0": {"0": "", "5": 0, "6": style}}, "1": units}]},
        }
    }
    root = {"0": resources, "1": {"1": [document], "2": default_style, "3": paragraph}}
    return b" " + _cos_pairs(root) + b" "
