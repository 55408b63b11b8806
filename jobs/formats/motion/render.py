"""The motion preview: a composition rendered over its duration, frame by frame, by the still
preview's painter (:mod:`jobs.formats.preview`) with the transforms evaluated at each frame's
time (:mod:`.snapshot`), the replacement content placed by the render plan's own rules.

:func:`render_motion` returns the frames (RGB Pillow images, at most ``width`` pixels wide)
and the metrics: duration, frame count, fps, size, the layers drawn, those left out (or drawn
approximately) with the reason, text overflow over time, the warnings and the render time.

What it draws is what the still preview draws (footage placements through the plan's matrix,
text in the template's style, solids, pre-comps, template footage inside the trusted roots,
shape layers' decoded contents with their keyframes evaluated at each frame, neutral boxes
for unreadable footage), plus each layer's opacity. Left out and listed: cameras and lights
(3D camera moves), adjustment layers (effects), layers whose transform cannot be evaluated;
drawn approximately and listed: shape layers with contents the reader leaves out (trim paths,
repeaters, gradients, merge paths, stars... named), shape layers of descriptions read before
their contents were decoded (a neutral box), 3D layers (flat), properties driven by
expressions (their own value). Effects, masks and text animators are not in the template
description at all: the metrics say so.

Speed (``bench/motion_bench.py``): every layer's state is evaluated for every frame first; the
layers at the bottom of the stack whose state never changes are drawn once and every frame
starts from a copy of them; a frame whose every layer is as in the previous one is that frame
again; decoded images are kept for the whole render. Plain Python, no Django import.
"""

from __future__ import annotations

import time as clock
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from PIL import Image, ImageDraw

from ..descriptions import Composition, Match, PsdDocument, TemplateDocument, TemplateLayer
from ..limits import DEFAULT_LIMITS, Limits, configure_pillow
from ..preview.composition import _CompositionRenderer
from ..preview.fonts import _Fonts
from ..preview.geometry import axis_scales
from ..preview.images import _IMAGE_ERRORS, decode_image
from ..preview.render import _InlineExecutor
from ..preview.results import DEFAULT_THRESHOLDS, PreviewThresholds
from ..render_plan import place_footage, place_text
from ..render_plan.model import RenderPlan
from .snapshot import LayerAt, composition_at, scaled

REDUCING_GAP = 3.0  # images kept at least this many times the size they are drawn at
MAX_FRAMES = 1200  # frames held at once (2 min at 10 fps; about 470 MB of 480x270 frames at most)
MAX_DEPTH = 8  # pre-comps inside pre-comps drawn at most this deep
NOT_DESCRIBED = "effects, masks and text animators are not in the template description: not drawn"


class MotionError(ValueError):
    """The motion preview cannot be rendered (no such composition, nothing to draw)."""


@dataclass
class MotionResult:
    frames: list[Image.Image]
    metrics: dict = field(default_factory=dict)


class _Images:
    """Decoded images for the whole render (the still painter's decoder interface), each
    reduced by whole factors to about three times the largest size it is drawn at over the
    render (what the painter's own resampling reduces to): big exported layers are not
    resampled from full size every frame. The painter scales a reduced image by the plan's
    size, as for any image of another size; :attr:`last_reduced` tells it was ours."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.cache: dict[Path, Image.Image | BaseException] = {}
        self.factors: dict[Path, int] = {}
        self.last_reduced = False

    def decode(self, path: Path) -> Image.Image:
        found = self.cache.get(path)
        if found is None:
            try:
                found = decode_image(path, self.limits)
                factor = self.factors.get(path, 1)
                if factor > 1 and min(found.size) >= 2 * factor:
                    found = found.reduce(factor)
            except _IMAGE_ERRORS as error:
                found = error
            self.cache[path] = found
        self.last_reduced = self.factors.get(path, 1) > 1
        if isinstance(found, BaseException):
            raise found
        return found


class _MotionRenderer(_CompositionRenderer):
    """The still renderer with each layer's opacity, a shared image cache, and optionally a
    canvas that starts from a drawn base (the static layers under the rest)."""

    def __init__(self, *, opacity: Mapping[int, float], images: _Images,
                 base: tuple[Image.Image, Image.Image] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.opacity = opacity
        self.decoder = images
        self._backdrop: Image.Image | None = None
        if base is not None:
            self.canvas, self.coverage = base[0].copy(), base[1].copy()
            self.draw = ImageDraw.Draw(self.canvas)

    def warn(self, code: str, severity: str, message: str, layer: str | None) -> None:
        if code == "image_size_mismatch" and self.decoder.last_reduced:
            return  # the image this render reduced (_Images), not one of another size
        super().warn(code, severity, message, layer)

    def _planned_images(self) -> list[Path]:
        return []  # decoded on demand, once per render (_Images)

    def _faded(self, layer: TemplateLayer, paint) -> None:
        opacity = self.opacity.get(layer.index, 100.0)
        if opacity >= 99.995:
            paint()
            return
        canvas, draw = self.canvas, self.draw
        scratch = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
        self.canvas, self.draw, self._backdrop = scratch, ImageDraw.Draw(scratch), canvas
        try:
            paint()
        finally:
            self.canvas, self.draw, self._backdrop = canvas, draw, None
        if opacity <= 0:
            return
        factor = max(0.0, min(1.0, opacity / 100.0))
        alpha = scratch.getchannel("A").point(lambda v: round(v * factor))
        scratch.putalpha(alpha)
        if canvas.mode == "RGBA":
            canvas.alpha_composite(scratch)
        else:
            canvas.paste(scratch, (0, 0), alpha)

    def _draw_layout(self, layout, font, box) -> None:
        """Text on a faded layer takes its contrasting colour from what lies under it."""
        scratch = self.canvas
        if self._backdrop is not None:
            self.canvas = self._backdrop  # read for the colour; the lines go to the scratch's draw
        try:
            super()._draw_layout(layout, font, box)
        finally:
            self.canvas = scratch

    def _placeholder(self, layer, active):
        self._faded(layer, lambda: super(_MotionRenderer, self)._placeholder(layer, active))

    def _empty_placeholder(self, layer, active):
        self._faded(layer, lambda: super(_MotionRenderer, self)._empty_placeholder(layer, active))

    def _other_layer(self, layer):
        self._faded(layer, lambda: super(_MotionRenderer, self)._other_layer(layer))


def _left_out(layer: TemplateLayer, state: LayerAt, inner_known: bool) -> tuple[str, str] | None:
    """Why a layer is not drawn (``left_out``) or drawn approximately (``approximated``)."""
    kind = layer.type
    if kind == "camera":
        return "left_out", "camera: 3D camera moves are not drawn"
    if kind == "light":
        return "left_out", "light: not drawn"
    if kind == "adjustment":
        return "left_out", "adjustment layer: effects are not drawn"
    if kind in ("null", "audio"):
        return None
    if kind == "precomp" and not inner_known:
        return "left_out", "its source composition is not in the template"
    if not state.evaluated:
        return "left_out", "its transform cannot be evaluated (not readable)"
    if kind == "shape" and layer.shapes is None:
        return "approximated", "shape contents are not in this description (read before aep-reader/5): a neutral box"
    if kind == "shape" and layer.shapes.left_out:
        return "approximated", "shape contents not drawn: " + ", ".join(layer.shapes.left_out)
    if layer.three_d:
        return "approximated", "3D layer: drawn flat (z, X/Y rotation and cameras ignored)"
    if state.expressions:
        return "approximated", "expression not evaluated on " + ", ".join(state.expressions)
    return None


class _Motion:
    """One motion render: the plan's placements by composition, caches, and the metrics."""

    def __init__(self, *, template, plan, psd, matches, layer_images, fonts, thresholds, limits, footage_roots,
                 footage_paths, scale):
        self.template, self.plan, self.psd = template, plan, psd
        self.layer_images, self.fonts, self.thresholds, self.limits = layer_images, fonts, thresholds, limits
        self.footage_roots, self.footage_paths, self.s = footage_roots, footage_paths, scale
        self.matches: dict[str, dict[int, Match]] = {}
        for match in matches:
            self.matches.setdefault(match.composition, {}).setdefault(match.layer_index, match)
        self.footage = {(p.composition, p.layer_index): p for p in plan.footage}
        self.texts = {(p.composition, p.layer_index): p for p in plan.texts}
        self.as_template = not matches  # nothing to populate: every layer shows its own content
        self.images = _Images(limits)
        self.pool = _InlineExecutor()
        self.inner_cache: dict[tuple, tuple[Image.Image, Image.Image]] = {}
        self.base_cache: dict[tuple, tuple[tuple[Image.Image, Image.Image], list, list]] = {}
        self.drawn: dict[tuple[str, int], dict] = {}
        self.notes: dict[tuple[str, int], dict] = {}
        self.warnings: dict[tuple, dict] = {}
        self.overflow: dict[str, list[int]] = {}

    # -- states

    def states(self, comp: Composition, time: float, depth: int = 0) -> tuple[Composition, dict[int, LayerAt], tuple]:
        """The snapshot and layer states of ``comp`` at ``time``, and a key of everything drawn."""
        snap, states = composition_at(self.template, comp, time, self.s)
        keys = []
        for index in sorted(states):
            state = states[index]
            key = state.key
            if state.active and state.inner is not None and depth < MAX_DEPTH and state.inner.name != comp.name:
                key = (*key, self.states(state.inner, state.inner_time, depth + 1)[2])
            keys.append((index, key))
        return snap, states, tuple(keys)

    def record(self, comp: Composition, states: Mapping[int, LayerAt]) -> None:
        for layer in comp.layers:
            if not layer.enabled:
                continue  # switched off: After Effects does not render it either
            state = states[layer.index]
            where = (comp.name, layer.index)
            found = _left_out(layer, state, state.inner is not None or layer.type != "precomp")
            if found is not None and where not in self.notes:
                self.notes[where] = {"composition": comp.name, "index": layer.index, "name": layer.name,
                                     "type": layer.type, "kind": found[0], "reason": found[1]}
            if state.active and (found is None or found[0] == "approximated") and where not in self.drawn:
                self.drawn[where] = {"composition": comp.name, "index": layer.index, "name": layer.name,
                                     "type": layer.type}

    # -- placements at a time: the render plan's rules on the snapshot

    def placements(self, name: str, snap: Composition, indices) -> tuple[dict, dict]:
        footage, texts = {}, {}
        for index in indices:
            layer = snap.layer(index)
            placed = self.footage.get((name, index))
            if placed is not None:
                footage[index] = place_footage(composition=snap, layer=layer, psd_layer_id=placed.psd_layer_id,
                                               image=placed.image, image_size=placed.image_size, fit=placed.fit)[0]
            text = self.texts.get((name, index))
            if text is not None:
                texts[index] = place_text(composition=snap, layer=layer, psd_layer_id=text.psd_layer_id,
                                          text=text.text)[0]
        return footage, texts

    # -- drawing

    def paint(self, comp: Composition, snap: Composition, states: Mapping[int, LayerAt], indices, *, time: float,
              depth: int, transparent: bool, base=None):
        """Draw the layers ``indices`` of the snapshot over ``base``; return the renderer."""
        chosen = set(indices)
        part = replace(snap, layers=tuple(
            replace(layer, placeholder=False) if self.as_template else layer
            for layer in snap.layers if layer.index in chosen))
        footage, texts = self.placements(comp.name, snap, chosen)
        nested = {}
        for index in chosen:
            state = states[index]
            if state.active and state.inner is not None and depth < MAX_DEPTH and state.inner.name != comp.name:
                nested[index] = self.inner(state.inner, state.inner_time, depth + 1)
        matches = {i: m for i, m in self.matches.get(comp.name, {}).items() if i in chosen}
        renderer = _MotionRenderer(
            opacity={i: states[i].opacity for i in chosen}, images=self.images, base=base,
            composition=part, time=time, footage=footage, texts=texts, matches=matches, noted=frozenset(),
            psd=self.psd, layer_images=self.layer_images, fonts=self.fonts, thresholds=self.thresholds,
            limits=self.limits, footage_roots=self.footage_roots, pool=self.pool, footage_paths=self.footage_paths,
            nested=nested, transparent=transparent,
        )
        renderer.render()
        hidden = {states[i].layer.name for i in chosen if states[i].opacity <= 0}
        for warning in renderer.warnings:
            if warning.code != "not_in_frame" and warning.layer not in hidden:
                self.warnings.setdefault((warning.code, warning.composition, warning.layer), warning.to_dict())
        return renderer

    def inner(self, comp: Composition, time: float, depth: int) -> tuple[Image.Image, Image.Image]:
        """A pre-comp's source composition drawn (transparent) at its own ``time``."""
        snap, states, key = self.states(comp, time, depth)
        cache_key = (comp.name, key)
        found = self.inner_cache.get(cache_key)
        if found is None:
            self.record(comp, states)
            renderer = self.paint(comp, snap, states, list(states), time=time, depth=depth, transparent=True)
            found = (renderer.canvas, renderer.coverage)
            if len(self.inner_cache) > 64:
                self.inner_cache.clear()
            self.inner_cache[cache_key] = found
        return found

    def frame(self, comp: Composition, time: float, number: int, static_bottom: Sequence[int]) -> Image.Image:
        snap, states, key = self.states(comp, time)
        self.record(comp, states)
        bottom_key = tuple(item for item in key if item[0] in set(static_bottom))
        base = self.base_cache.get(bottom_key)
        if base is None:
            renderer = self.paint(comp, snap, states, static_bottom, time=time, depth=0, transparent=False)
            base = ((renderer.canvas, renderer.coverage), renderer.texts, renderer.images)
            self.base_cache = {bottom_key: base}
        rest = [i for i in states if i not in set(static_bottom)]
        renderer = self.paint(comp, snap, states, rest, time=time, depth=0, transparent=False, base=base[0])
        for entry in (*base[1], *renderer.texts):
            beyond = entry.get("fits_wrapped") is False  # as the still preview warns of it
            limit = self.thresholds.max_text_overflow
            if beyond and (entry.get("kind") != "paragraph" or entry["overflow_ratio"] > limit):
                self.overflow.setdefault(entry["name"], []).append(number)
        return renderer.frame()


def _survey(motion: _Motion, comp: Composition, times: Sequence[float]) -> list[int]:
    """The layers at the bottom of the stack (highest index first) whose state is the same at
    every time (drawn once); and how far each placed image can be reduced (the largest scale
    it is drawn at over the render)."""
    keys, largest = [], {}
    for t in times:
        snap, states, key = motion.states(comp, t)
        keys.append(dict(key))
        active = [i for i, state in states.items() if state.active]
        for placed in motion.placements(comp.name, snap, active)[0].values():
            if placed.matrix is not None:
                scale = max(axis_scales(placed.matrix))
                largest[placed.psd_layer_id] = max(largest.get(placed.psd_layer_id, 0.0), scale)
    for psd_id, scale in largest.items():
        path = motion.layer_images.get(psd_id)
        if path is not None and scale > 0:
            motion.images.factors[Path(path)] = max(1, int(1 / (scale * REDUCING_GAP)))
    bottom = []
    for layer in sorted(comp.layers, key=lambda item: item.index, reverse=True):
        if any(k[layer.index] != keys[0][layer.index] for k in keys[1:]):
            break
        bottom.append(layer.index)
    return bottom


def render_motion(
    *,
    plan: RenderPlan,
    template: TemplateDocument,
    psd: PsdDocument,
    matches: Sequence[Match] = (),
    layer_images: Mapping[int, Path] = MappingProxyType({}),
    composition: str | None = None,
    fps: float = 10.0,
    width: int = 480,
    font_files: Mapping[str, Path] = MappingProxyType({}),
    fallback_font: Path | None = None,
    footage_roots: Sequence[Path] = (),
    footage_paths: Mapping[str, str] = MappingProxyType({}),
    thresholds: PreviewThresholds = DEFAULT_THRESHOLDS,
    limits: Limits = DEFAULT_LIMITS,
    max_frames: int = MAX_FRAMES,
) -> MotionResult:
    """Render ``composition`` (default: the plan's render composition) over its duration at
    ``fps`` frames per second, at most ``width`` pixels wide (never enlarged): frame ``n``
    shows time ``n / fps``. Raises :class:`MotionError` for a composition the template lacks or
    more than ``max_frames`` frames (they are all held in memory)."""
    started = clock.perf_counter()
    configure_pillow(limits)
    if fps <= 0 or width <= 0:
        raise MotionError("fps and width must be positive")
    name = composition or plan.composition or (template.compositions[0].name if template.compositions else None)
    comp = template.composition(name) if name else None
    if comp is None:
        raise MotionError(f"the template has no composition {name!r}" if name else "the template has no composition")
    s = min(1.0, width / comp.width)
    count = max(1, round(comp.duration * fps))
    if count > max_frames:
        raise MotionError(f"{comp.name!r} is {comp.duration:g} s long: {count} frames at {fps:g} fps, more than "
                          f"{max_frames}; lower the frame rate")
    times = [n / fps for n in range(count)]
    motion = _Motion(template=template, plan=plan, psd=psd, matches=matches, layer_images=layer_images,
                     fonts=_Fonts(font_files, fallback_font), thresholds=thresholds, limits=limits,
                     footage_roots=footage_roots, footage_paths=footage_paths, scale=s)
    bottom = _survey(motion, comp, times)
    frames: list[Image.Image] = []
    previous_key, unique = None, 0
    for number, t in enumerate(times):
        key = motion.states(comp, t)[2]
        if key == previous_key:
            frames.append(frames[-1])
            continue
        frames.append(motion.frame(comp, t, number, bottom))
        previous_key, unique = key, unique + 1
    for name_, numbers in list(motion.overflow.items()):  # repeated frames overflow as the one they repeat
        motion.overflow[name_] = _spread(numbers, frames)
    size = scaled(comp, s)
    metrics = {
        "composition": comp.name,
        "duration": comp.duration,
        "fps": fps,
        "frames": count,
        "frames_drawn": unique,
        "width": size[0],
        "height": size[1],
        "static_layers": len(bottom),
        "drawn": list(motion.drawn.values()),
        "left_out": [n for n in motion.notes.values() if n["kind"] == "left_out"],
        "approximated": [n for n in motion.notes.values() if n["kind"] == "approximated"],
        "not_described": NOT_DESCRIBED,
        "text_overflow": [{"layer": k, "frames": len(v), "first": v[0] / fps, "last": v[-1] / fps}
                          for k, v in motion.overflow.items()],
        "warnings": list(motion.warnings.values()),
        "render_seconds": round(clock.perf_counter() - started, 3),
    }
    return MotionResult(frames, metrics)


def _spread(numbers: list[int], frames: list[Image.Image]) -> list[int]:
    """Frame numbers ``numbers`` and the frames after each that repeat it (the same image)."""
    marked = set(numbers)
    out = []
    for n in range(len(frames)):
        if n in marked or (out and out[-1] == n - 1 and frames[n] is frames[n - 1]):
            out.append(n)
    return out
