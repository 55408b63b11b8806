"""A parsed PSD's layer tree as :class:`~jobs.formats.descriptions.PsdLayer` descriptions.

Conventions of the description (beyond ``docs/interchange.md``):

- ``id`` is Photoshop's layer id. A layer without one (old files), or repeating one already
  seen, gets a synthetic negative id, ``-(order + 1)``, so ids stay unique in a document.
- ``visible`` is the *effective* visibility: false for a layer hidden itself or under a
  hidden group.
- ``opacity`` is the layer's opacity in [0, 1], rounded to 4 places.
- ``text`` uses ``"\\n"`` between lines (Photoshop stores ``"\\r"``); ``font`` is the
  PostScript name of the first non-blank run's font; ``font_size`` is that run's size in
  points times the vertical scale of the layer's transform, rounded to 2 places.

Plain Python, no Django.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from psd_tools import PSDImage

from ..descriptions import PsdLayer
from ..errors import FormatError
from ..limits import Limits


def _walk(psd: PSDImage, limits: Limits) -> Iterator[tuple[object, object | None, bool]]:
    """(layer, parent group or None, effectively visible) in document order, top first.

    Iterative, so a deeply nested file cannot exhaust the stack; nesting deeper than
    ``limits.max_chunk_depth`` is refused.
    """
    count = 0
    stack = [(layer, None, True, 1) for layer in list(psd)]  # psd[0] is the bottom layer
    while stack:
        layer, parent, parent_visible, depth = stack.pop()
        count += 1
        if count > limits.max_layers:
            raise FormatError(f"the file has more than {limits.max_layers:,} layers", code="limit")
        if depth > limits.max_chunk_depth:
            raise FormatError(f"groups are nested more than {limits.max_chunk_depth} deep", code="limit")
        visible = parent_visible and bool(layer.visible)
        yield layer, parent, visible
        if layer.is_group():
            stack.extend((child, layer, visible, depth + 1) for child in list(layer))


def _describe_layers(pairs: list[tuple[object, object | None, bool]]) -> Iterator[PsdLayer]:
    ids: dict[int, int] = {}  # id(psd-tools layer) -> our id
    seen: set[int] = set()
    paths: dict[int, str] = {}
    for order, (layer, parent, visible) in enumerate(pairs):
        layer_id = layer.layer_id
        if not isinstance(layer_id, int) or layer_id <= 0 or layer_id in seen:
            layer_id = -(order + 1)
        ids[id(layer)] = layer_id
        seen.add(layer_id)
        name = str(layer.name)
        path = name if parent is None else f"{paths[id(parent)]}/{name}"
        paths[id(layer)] = path
        text, font, font_size = _type_info(layer) if layer.kind == "type" else (None, None, None)
        yield PsdLayer(
            id=layer_id,
            name=name,
            kind=layer.kind,
            path=path,
            visible=visible,
            opacity=round(layer.opacity / 255, 4),
            bbox=tuple(int(v) for v in layer.bbox),
            text=text,
            font=font,
            font_size=font_size,
            parent_id=None if parent is None else ids[id(parent)],
            order=order,
        )


def _type_info(layer) -> tuple[str, str | None, float | None]:
    """Text, PostScript font name and size in points of a type layer."""
    text = layer.text.replace("\r\n", "\n").replace("\r", "\n").replace("\x03", "\n")
    run = _first_visible_run(layer)
    if run is None:
        return text, None, None
    font = run.style.font_name or None
    size = run.style.font_size
    _, _, yx, yy, _, _ = layer.transform  # (xx, xy, yx, yy, tx, ty)
    scale = math.hypot(yx, yy) or 1.0
    font_size = round(size * scale, 2) if size and math.isfinite(size * scale) else None
    return text, font, font_size


def _first_visible_run(layer):
    first = None
    for paragraph in layer.typesetting:
        for run in paragraph:
            if first is None:
                first = run
            if run.text.strip():
                return run
    return first
