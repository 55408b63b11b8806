"""Where things go: frame time, layer activity, boxes and image placement.

Pure functions of the template and PSD descriptions (no pixels). Boxes are
``(left, top, right, bottom)`` in composition pixels; each box function also returns the rule
that gave the box (``template``, ``source``, ``psd`` or ``composition``), which the metrics record.
"""

from __future__ import annotations

from ..descriptions import Box, Composition, PsdDocument, PsdLayer, TemplateLayer

FIT_MODES = {"fit": "fit", "contain": "fit", "fill": "fill", "cover": "fill", "stretch": "stretch"}


def frame_time(composition: Composition, time: float | None = None) -> float:
    """The time to draw: ``time`` when given, else a third of the duration (0 without one)."""
    if time is not None:
        return float(time)
    return composition.duration / 3.0 if composition.duration > 0 else 0.0


def is_active(layer: TemplateLayer, time: float) -> bool:
    """The layer is enabled and shows at ``time`` (no timing recorded counts as always)."""
    if not layer.enabled:
        return False
    if layer.out_point <= layer.in_point:
        return True
    return layer.in_point <= time < layer.out_point


def placement(source: tuple[int, int], box: Box, fit: str) -> tuple[Box, float, float]:
    """Where an image of size ``source`` goes for a box and fit mode.

    Returns the placed rectangle (which for ``fill`` extends beyond the box and is cropped to
    it when drawn) and the horizontal and vertical scale factors.
    """
    width, height = source
    left, top, right, bottom = box
    box_w, box_h = right - left, bottom - top
    mode = FIT_MODES.get(fit, "fit")
    if mode == "stretch":
        return box, box_w / width, box_h / height
    pick = max if mode == "fill" else min
    scale = pick(box_w / width, box_h / height)
    placed_w = max(1, round(width * scale))
    placed_h = max(1, round(height * scale))
    placed_left = left + (box_w - placed_w) // 2
    placed_top = top + (box_h - placed_h) // 2
    return (placed_left, placed_top, placed_left + placed_w, placed_top + placed_h), scale, scale


def intersect(a: Box, b: Box) -> Box | None:
    """The intersection of two boxes, or None when it is empty."""
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


def psd_to_composition(psd: PsdDocument, composition: Composition) -> tuple[float, float, float]:
    """Scale and offset that fit the PSD canvas into the composition (uniform, centred)."""
    if psd.width <= 0 or psd.height <= 0:
        return 1.0, 0.0, 0.0
    scale = min(composition.width / psd.width, composition.height / psd.height)
    return (
        scale,
        (composition.width - psd.width * scale) / 2,
        (composition.height - psd.height * scale) / 2,
    )


def footage_box(layer: TemplateLayer, composition: Composition) -> tuple[Box, str]:
    """A footage layer's box and the rule that gave it (``template``, ``source``, ``composition``)."""
    if layer.bbox is not None:
        return layer.bbox, "template"
    source = layer.source
    if source is not None and source.width and source.height:
        left = (composition.width - source.width) // 2
        top = (composition.height - source.height) // 2
        return (left, top, left + source.width, top + source.height), "source"
    return (0, 0, composition.width, composition.height), "composition"


def text_box(
    layer: TemplateLayer, psd_layer: PsdLayer | None, composition: Composition, psd: PsdDocument
) -> tuple[Box, str]:
    """A text layer's box and its rule (``template``, ``psd``, ``composition``)."""
    if layer.bbox is not None:
        return layer.bbox, "template"
    if psd_layer is not None and psd_layer.bbox is not None:
        scale, dx, dy = psd_to_composition(psd, composition)
        left, top, right, bottom = psd_layer.bbox
        return (
            (
                round(left * scale + dx),
                round(top * scale + dy),
                round(right * scale + dx),
                round(bottom * scale + dy),
            ),
            "psd",
        )
    return (0, 0, composition.width, composition.height), "composition"
