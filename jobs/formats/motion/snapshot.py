"""A composition as it stands at one time: each layer's transform evaluated there
(:mod:`.evaluate`) and written into the fields the still preview and the render plan read
(``matrix``, ``anchor``, ``scale``, ``position``, ``rotation``, ``bbox``), scaled to the frame
size the motion preview draws at.

The render plan's rules then place the replacement content in that snapshot exactly as they
do for a static template (:func:`~jobs.formats.render_plan.place_footage` and
:func:`~jobs.formats.render_plan.place_text`, which the After Effects script applies key by
key), and the still preview's painter draws it. Nothing here computes a placement of its own:
it only evaluates the template's transform at a time.

Scaling: the frame is drawn at ``s`` composition pixels per pixel; every layer's matrix is
``S(s) . M(t)``, and a pre-comp layer's ``S(s) . M(t) . S(1/s)`` (its source, the inner
composition, is drawn at the same scale).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..animated import AnimatedProperty
from ..descriptions import Composition, TemplateDocument, TemplateLayer
from ..preview.geometry import footage_box
from ..render_plan.affine import Affine, bounds, compose, corners, scaling
from ..render_plan.affine import apply as apply_affine
from ..render_plan.composition import precomp_of
from ..shapes import LayerShapes, map_properties
from .evaluate import layer_matrix, layer_state, property_at, source_time

_NOT_VISUAL = {"null", "audio"}


@dataclass(frozen=True)
class LayerAt:
    """One layer at one time: the snapshot layer, its opacity (percent), whether it shows, the
    time its source shows (pre-comps), and a key that changes when what it draws changes."""

    layer: TemplateLayer
    opacity: float
    active: bool
    inner: Composition | None  # the composition a pre-comp layer shows
    inner_time: float
    key: tuple
    expressions: tuple[str, ...] = ()
    evaluated: bool = True  # its transform was known at this time


def scaled(comp: Composition, s: float) -> tuple[int, int]:
    """The frame size of ``comp`` drawn at scale ``s`` (at least 1x1)."""
    return max(1, round(comp.width * s)), max(1, round(comp.height * s))


def _active(layer: TemplateLayer, time: float) -> bool:
    """As the still preview decides it: switched on, and in its time span when it records one."""
    if not layer.enabled:
        return False
    if layer.out_point <= layer.in_point:
        return True
    return layer.in_point <= time < layer.out_point


def _rounded_key(matrix: Affine | None) -> tuple | None:
    return None if matrix is None else tuple(round(v, 3) for v in matrix)


def _invert(m: Affine) -> Affine | None:
    a, b, c, d, e, f = m
    det = a * d - b * c
    if not det or not math.isfinite(det):
        return None
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)


def _box_at(layer: TemplateLayer, matrix: Affine | None, s: float) -> tuple[int, int, int, int] | None:
    """The layer's box in frame pixels at this time: its source (or text box) through the
    matrix; else its recorded box moved as its matrix moved from the recorded one."""
    if matrix is None:
        return None
    source = layer.source
    rect = None
    if layer.type == "text" and layer.text_box is not None:
        left, top, width, height = layer.text_box
        rect = (left, top, left + width, top + height)
    elif source is not None and source.width and source.height and layer.type != "text":
        rect = (0.0, 0.0, float(source.width), float(source.height))
    if rect is not None:
        found = bounds(apply_affine(matrix, p) for p in corners(rect))
    elif layer.bbox is not None and layer.matrix is not None and _invert(layer.matrix) is not None:
        moved = compose(matrix, _invert(layer.matrix))
        found = bounds(apply_affine(moved, p) for p in corners(tuple(float(v) for v in layer.bbox)))
    elif layer.bbox is not None:
        found = tuple(v * s for v in layer.bbox)
    else:
        return None
    if not all(math.isfinite(v) for v in found):
        return None
    return (math.floor(found[0]), math.floor(found[1]), math.ceil(found[2]), math.ceil(found[3]))


def _static_box(layer: TemplateLayer, comp: Composition, s: float) -> tuple[int, int, int, int] | None:
    """A static layer without a matrix: the box the still preview gives it (its recorded box,
    else its source centred in the composition), scaled; None for text without a box."""
    if layer.bbox is not None:
        box = layer.bbox
    elif layer.type == "text":
        return None
    else:
        box = footage_box(layer, comp)[0]
    return (math.floor(box[0] * s), math.floor(box[1] * s), math.ceil(box[2] * s), math.ceil(box[3] * s))


def shapes_at(layer: TemplateLayer, time: float) -> LayerShapes | None:
    """The layer's shape contents with every keyframed property at its value at ``time``."""
    shapes = layer.shapes
    if shapes is None or not shapes.animated:
        return shapes
    timing = layer.animation
    stretch, start = (timing.stretch, timing.start_time) if timing is not None else (100.0, 0.0)

    def at(prop: AnimatedProperty) -> AnimatedProperty:
        if not prop.keyframes:
            return prop
        return AnimatedProperty(value=property_at(prop, time, stretch=stretch, start_time=start))

    return map_properties(shapes, at)


def layer_at(template: TemplateDocument, comp: Composition, layer: TemplateLayer, time: float,
             s: float, by_id: dict[int, TemplateLayer]) -> LayerAt:
    """``layer`` of ``comp`` at composition ``time``, scaled by ``s``."""
    opacity, expressions = 100.0, ()
    anchor, scale, position, rotation = layer.anchor, layer.scale, layer.position, layer.rotation
    matrix = None
    if layer.animation is not None:
        matrix = layer_matrix(layer, time, by_id)
        state = layer_state(layer.animation, time)
        opacity, expressions = state.opacity, state.expressions
        if state.anchor is not None:
            anchor = state.anchor[:2]
        scale, position, rotation = state.scale[:2], state.position[:2], state.rotation
    evaluated = matrix is not None
    if matrix is None and not layer.animated_transform:
        matrix = layer.matrix  # a static layer: the description's own matrix
        evaluated = True  # without one, the still preview's box rules place it (_static_box)
    inner = precomp_of(template, layer.source) if layer.type == "precomp" else None
    if matrix is not None:
        matrix = compose(scaling(s, s), matrix)
        if inner is not None:
            matrix = compose(matrix, scaling(1 / s, 1 / s))
        if not all(math.isfinite(v) for v in matrix):
            matrix, evaluated = None, False
        elif matrix[0] * matrix[3] - matrix[1] * matrix[2] == 0:
            opacity = 0.0  # scaled to nothing: nothing shows
    if matrix is not None:
        box = _box_at(layer, matrix, s)
    else:
        box = _static_box(layer, comp, s) if evaluated else None
    shapes = shapes_at(layer, time)
    snap = replace(layer, matrix=matrix, anchor=anchor, scale=scale, position=position, rotation=rotation,
                   bbox=box, animated_transform=False, shapes=shapes)
    active = _active(layer, time) and opacity > 0.0 and layer.type not in _NOT_VISUAL
    inner_time = source_time(layer, time) if inner is not None else 0.0
    key = (active, _rounded_key(matrix), round(opacity, 2)) if active else (False,)
    if active and shapes is not layer.shapes:
        key = (*key, shapes)  # keyframed shape contents: what it draws changes with them
    return LayerAt(snap, opacity, active, inner, inner_time, key, expressions, evaluated)


def composition_at(template: TemplateDocument, comp: Composition, time: float,
                   s: float) -> tuple[Composition, dict[int, LayerAt]]:
    """The snapshot of ``comp`` at ``time`` (scaled by ``s``) and each layer's state by index."""
    by_id = {layer.id: layer for layer in comp.layers if layer.id is not None}
    states = {layer.index: layer_at(template, comp, layer, time, s, by_id) for layer in comp.layers}
    width, height = scaled(comp, s)
    snap = replace(comp, width=width, height=height, layers=tuple(states[layer.index].layer for layer in comp.layers))
    return snap, states
