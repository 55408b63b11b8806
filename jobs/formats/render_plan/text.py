"""Text placement: a PSD layer's text in the template's text layer, in the template's style."""

from __future__ import annotations

from ..descriptions import Composition, TemplateLayer
from .affine import apply, bounds, corners, linear_scale
from .model import PlanNote, TextPlacement

JUSTIFICATIONS = {"left": "left", "center": "center", "centre": "center", "right": "right"}


def justification(value: str | None) -> str:
    """left, center or right: a justified paragraph lays out its last line by the named side."""
    if not value:
        return "left"
    text = value.lower()
    for key, result in JUSTIFICATIONS.items():
        if text == key or text.endswith("_" + key) or text.endswith(key):
            return result
    return "left"


def place_text(
    *, composition: Composition, layer: TemplateLayer, psd_layer_id: int, text: str
) -> tuple[TextPlacement, list[PlanNote]]:
    notes: list[PlanNote] = []
    matrix = getattr(layer, "matrix", None)
    text_box = getattr(layer, "text_box", None)
    box = origin = None
    scale = 1.0
    if matrix is not None:
        scale = linear_scale(matrix) or 1.0
        if text_box is not None:
            left, top, width, height = text_box
            box = bounds(apply(matrix, p) for p in corners((left, top, left + width, top + height)))
        else:
            origin = apply(matrix, (0.0, 0.0))
    if box is None and origin is None:
        notes.append(PlanNote(
            "text_position_unknown",
            f"The template's position of {layer.name!r} cannot be derived (animated or unreadable transform): "
            "the preview marks where it cannot draw it.",
            composition.name, layer.name,
        ))
    if not layer.font:
        notes.append(PlanNote("text_font_unknown", f"The template does not record the font of {layer.name!r}.",
                              composition.name, layer.name, "info"))
    placement = TextPlacement(
        composition=composition.name, layer_index=layer.index, layer_name=layer.name, psd_layer_id=psd_layer_id,
        text=text, font=layer.font, font_size=layer.font_size,
        justification=justification(getattr(layer, "justification", None)),
        scale=scale, box=box, origin=origin, matrix=matrix,
    )
    return placement, notes
