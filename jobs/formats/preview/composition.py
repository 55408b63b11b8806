"""Drawing one composition at one time, layer by layer, and collecting its metrics and warnings.

:class:`_CompositionRenderer` paints bottom (highest After Effects index) first: the background
colour, solids, the render plan's placements (footage through :class:`~.footage._FootagePainter`,
text through :class:`~.lettering._TextPainter`), outlines and labels for placeholders without
content, other text layers, readable template footage or a neutral box. The package docstring
(:mod:`jobs.formats.preview`) states the rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from concurrent.futures import Executor
from pathlib import Path
from types import MappingProxyType

from PIL import Image, ImageDraw

from ..descriptions import Box, Composition, Match, PsdDocument, TemplateLayer
from ..limits import Limits
from ..render_plan.model import FootagePlacement, TextPlacement
from .fonts import _Fonts
from .footage import _FootagePainter
from .geometry import FIT_MODES, footage_box, intersect, is_active, text_box
from .images import _IMAGE_ERRORS, _draw_into, _ImageDecoder, _inside_roots, decode_image
from .lettering import _TextPainter
from .marks import MISSING_COLOUR, NEUTRAL_COLOUR, RGB, UNKNOWN_COLOUR, UNMATCHED_COLOUR, _dashed_rectangle, _label
from .results import PreviewThresholds, PreviewWarning
from .shapes import paint_shapes
from .warp import draw_affine

Noted = tuple[str | None, str | None, str]  # a plan note's composition, layer and code


def _colour(value: Sequence[float] | None, default: RGB = NEUTRAL_COLOUR) -> RGB:
    """An After Effects 0-1 colour as 8-bit RGB."""
    if value is None or len(value) < 3:
        return default
    return tuple(max(0, min(255, round(float(c) * 255))) for c in value[:3])  # type: ignore[return-value]


class _CompositionRenderer(_FootagePainter, _TextPainter):
    """Draws one composition at one time and collects its metrics and warnings.

    ``footage`` and ``texts`` are the render plan's placements in this composition by layer
    index; ``matches`` the matches by layer index (labels, placeholders left empty); ``noted``
    the plan's notes, which the caller reports: the renderer does not warn about them again.
    ``nested`` holds, by precomp layer index, the drawn canvas and coverage of the composition
    that layer shows (drawn first, on a transparent canvas); ``transparent`` draws this one on a transparent canvas
    (its background colour only under :meth:`frame`), for a composition another one shows.
    """

    def __init__(
        self,
        *,
        composition: Composition,
        time: float,
        footage: Mapping[int, FootagePlacement],
        texts: Mapping[int, TextPlacement],
        matches: Mapping[int, Match],
        noted: Set[Noted],
        psd: PsdDocument,
        layer_images: Mapping[int, Path],
        fonts: _Fonts,
        thresholds: PreviewThresholds,
        limits: Limits,
        footage_roots: Sequence[Path],
        pool: Executor,
        footage_paths: Mapping[str, str] = MappingProxyType({}),
        nested: Mapping[int, tuple[Image.Image, Image.Image]] = MappingProxyType({}),
        transparent: bool = False,
    ):
        self.comp = composition
        self.time = time
        self.footage = footage
        self.placed_texts = texts
        self.matches = matches
        self.noted = noted
        self.psd = psd
        self.layer_images = layer_images
        self.fonts = fonts
        self.thresholds = thresholds
        self.limits = limits
        self.footage_roots = footage_roots
        self.footage_paths = footage_paths
        self.nested = nested
        size = (composition.width, composition.height)
        self.background = _colour(composition.bg_color, (0, 0, 0))
        self.canvas = Image.new("RGBA", size, (*self.background, 0)) if transparent else Image.new("RGB", size,
                                                                                                 self.background)
        self.draw = ImageDraw.Draw(self.canvas)
        self.coverage = Image.new("L", size, 0)
        self.outline = max(2, round(min(size) / 360))
        self._warnings: list[tuple[int, PreviewWarning]] = []  # with the layer index
        self._index = 0  # the layer being drawn
        self._corner_labels = 0  # labels stacked at the top-left for markers without a box
        self.images: list[dict] = []
        self.texts: list[dict] = []
        self.unmatched: list[dict] = []
        self.shapes: list[dict] = []  # shape layers drawn, with what of them is not
        self.paint_order = sorted(composition.layers, key=lambda item: item.index, reverse=True)
        self.decoder = _ImageDecoder(pool, limits, self._planned_images())

    def _planned_images(self) -> list[Path]:
        """The exported images the paint pass will decode, in paint order."""
        planned = []
        for layer in self.paint_order:
            placement = self.footage.get(layer.index)
            if placement is None or placement.matrix is None or not is_active(layer, self.time):
                continue
            path = self.layer_images.get(placement.psd_layer_id)
            if path is not None and Path(path).is_file():
                planned.append(Path(path))
        return planned

    # -- driver

    def render(self) -> tuple[Image.Image, dict]:
        """Paint every layer bottom-up; return the frame and the composition's metrics."""
        for layer in self.paint_order:
            self._index = layer.index
            active = is_active(layer, self.time)
            if layer.index in self.footage or layer.index in self.placed_texts:
                self._placeholder(layer, active)
            elif layer.placeholder or layer.index in self.matches:
                self._empty_placeholder(layer, active)
            elif active:
                self._other_layer(layer)
        self._index = 0
        known = {layer.index for layer in self.comp.layers}
        for index in sorted(set(self.footage) | set(self.placed_texts)):
            if index not in known:
                placed = self.footage.get(index) or self.placed_texts[index]
                message = f"the render plan fills layer {index} ({placed.layer_name}), which the composition lacks"
                self.warn("unknown_placeholder", "error", message, placed.layer_name)
        for index, match in sorted(self.matches.items()):
            if index not in known and not any(n[:2] == (self.comp.name, match.placeholder) for n in self.noted):
                message = f"a match names layer {index} ({match.placeholder}), which the composition lacks"
                self.warn("unknown_placeholder", "error", message, match.placeholder)
        histogram = self.coverage.histogram()
        area = self.comp.width * self.comp.height
        metrics = {
            "name": self.comp.name,
            "width": self.comp.width,
            "height": self.comp.height,
            "time": round(self.time, 4),
            "coverage": round((area - histogram[0]) / area, 4),
            "images": list(reversed(self.images)),
            "texts": list(reversed(self.texts)),
            "unmatched": list(reversed(self.unmatched)),
            "shapes": list(reversed(self.shapes)),
        }
        return self.frame(), metrics

    def frame(self) -> Image.Image:
        """The drawn composition as an opaque RGB frame (a transparent canvas over its background)."""
        if self.canvas.mode == "RGB":
            return self.canvas
        frame = Image.new("RGB", self.canvas.size, self.background)
        frame.paste(self.canvas, (0, 0), self.canvas)
        return frame

    @property
    def warnings(self) -> list[PreviewWarning]:
        """The warnings in layer order (index 1 first), each layer's in the order raised."""
        return [warning for _, warning in sorted(self._warnings, key=lambda item: item[0])]

    def warn(self, code: str, severity: str, message: str, layer: str | None) -> None:
        """Record a warning against the layer being drawn, unless the plan's notes say it."""
        if (self.comp.name, layer, code) in self.noted:
            return
        self._warnings.append((self._index, PreviewWarning(code, severity, message, self.comp.name, layer)))

    # -- placeholders

    def _placeholder(self, layer: TemplateLayer, active: bool) -> None:
        """A placeholder the plan fills: measure it and, when it shows at the frame time, draw it."""
        match = self.matches.get(layer.index)
        if match is not None and match.fit not in FIT_MODES and layer.index in self.footage:
            self.warn("unknown_fit", "warning", f"{layer.name}: fit mode {match.fit!r}; using fit", layer.name)
        footage = self.footage.get(layer.index)
        psd_id = footage.psd_layer_id if footage is not None else self.placed_texts[layer.index].psd_layer_id
        if self.psd.layer(psd_id) is None:
            self.warn("unknown_psd_layer", "error", f"{layer.name}: PSD layer id {psd_id} is not in the PSD",
                      layer.name)
        if not active:
            reason = "disabled" if not layer.enabled else f"not active at {self.time:g} s"
            self.warn("not_in_frame", "info", f"{layer.name}: {reason}; not drawn", layer.name)
        if footage is not None:
            self._footage_placeholder(layer, footage, active)
        else:
            self._text_placeholder(layer, self.placed_texts[layer.index], active)

    def _is_text(self, layer: TemplateLayer, match: Match | None) -> bool:
        """A text placeholder: a text layer, or a non-footage layer matched as text."""
        return layer.type == "text" or (
            layer.type != "footage" and match is not None and match.placeholder_type == "text"
        )

    def _empty_placeholder(self, layer: TemplateLayer, active: bool) -> None:
        """A placeholder the plan leaves as it is: unmatched, or matched but not in the plan
        (its image was not exported, say: the plan's notes tell why)."""
        match = self.matches.get(layer.index)
        is_text = self._is_text(layer, match)
        box, rule = text_box(layer, self.comp) if is_text else footage_box(layer, self.comp)
        if match is None or match.psd_layer_id is None:
            self.unmatched.append({"index": layer.index, "name": layer.name, "type": "text" if is_text else "footage",
                                   "box": list(box), "box_source": rule, "drawn": active})
            if active:
                self._outline(box, f"{layer.name}: unmatched", UNMATCHED_COLOUR)
            return
        psd_layer = self.psd.layer(match.psd_layer_id)
        if psd_layer is None:
            message = f"{layer.name}: PSD layer id {match.psd_layer_id} is not in the PSD"
            self.warn("unknown_psd_layer", "error", message, layer.name)
        if not any(n[:2] == (self.comp.name, layer.name) for n in self.noted):
            self.warn("not_in_plan", "error", f"{layer.name}: matched, but the render plan does not fill it",
                      layer.name)
        if not is_text:
            self.images.append({"index": layer.index, "name": layer.name, "psd_layer_id": match.psd_layer_id,
                                "psd_layer": psd_layer.name if psd_layer is not None else match.psd_layer,
                                "fit": FIT_MODES.get(match.fit, "fit"), "box": list(box), "box_source": rule,
                                "drawn": False})
        if active:
            what = "text not in the render plan" if is_text else "image missing"
            self._outline(box, f"{layer.name}: {what}", MISSING_COLOUR)

    def _not_derivable(self, layer: TemplateLayer, code: str, message: str) -> None:
        """A placement the plan cannot derive: a warning (unless the plan noted it) and, when the
        layer shows, a dashed outline of its template box (or a label alone) instead of content."""
        self.warn(code, "warning", message, layer.name)
        if not is_active(layer, self.time):
            return
        text = f"{layer.name}: position not derivable"
        if layer.bbox is not None:
            self._outline(layer.bbox, text, UNKNOWN_COLOUR)
            return
        line = 2 * max(12, round(min(self.canvas.size) / 50))
        _label(self.canvas, (0, self._corner_labels * line, 1, 1), text, UNKNOWN_COLOUR)
        self._corner_labels += 1

    def _outline(self, box: Box, text: str, colour: RGB) -> None:
        """A dashed outline with a label: what stands in for missing content."""
        _dashed_rectangle(self.canvas, box, colour, self.outline)
        _label(self.canvas, box, text, colour)

    # -- other layers

    def _other_layer(self, layer: TemplateLayer) -> None:
        """Paint a layer that is not a placeholder: solids, its own text, readable footage,
        else a neutral box (precomps, shapes, footage we may not or cannot read)."""
        source = layer.source
        if layer.type == "solid" or (source is not None and source.kind == "solid"):
            box = intersect(footage_box(layer, self.comp)[0], (0, 0, *self.canvas.size))
            if box is not None:
                colour = _colour(source.color if source is not None else None)
                self.draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=colour)
        elif layer.type == "text" and layer.text:
            self._template_text(layer)
        elif layer.type == "precomp" and layer.index in self.nested and layer.matrix is not None:
            self._nested(layer)
        elif layer.type == "shape" and layer.shapes is not None and layer.matrix is not None:
            self._shape(layer)
        elif layer.type in ("footage", "precomp", "shape"):
            self._footage_or_neutral(layer)

    def _shape(self, layer: TemplateLayer) -> None:
        """A shape layer's decoded contents through its matrix; what is not drawn is listed."""
        not_drawn = paint_shapes(self.canvas, layer.shapes, layer.matrix)
        self.draw = ImageDraw.Draw(self.canvas)
        self.shapes.append({"index": layer.index, "name": layer.name, "not_drawn": not_drawn})

    def _nested(self, layer: TemplateLayer) -> None:
        """A precomp layer showing a composition drawn before: its canvas through the layer's
        matrix (inner composition pixels -> these), and its placed content into the coverage."""
        inner, inner_coverage = self.nested[layer.index]
        region = (0.0, 0.0, float(inner.width), float(inner.height))
        draw_affine(self.canvas, inner, layer.matrix, region)
        placed = Image.new("RGBA", inner.size, (255, 255, 255, 0))
        placed.putalpha(inner_coverage)
        draw_affine(self.coverage, placed, layer.matrix, region)

    def _footage_or_neutral(self, layer: TemplateLayer) -> None:
        """A non-placeholder footage, precomp or shape layer with a known box."""
        if layer.bbox is None and (layer.source is None or not layer.source.width):
            return  # nothing tells where it is; a full-composition box would hide everything
        box, _ = footage_box(layer, self.comp)
        if intersect(box, (0, 0, *self.canvas.size)) is None:
            return
        recorded = layer.source.path if layer.source else None
        # The file the plan collected for the bundle (a relinked one included), as it renders.
        path = _inside_roots(self.footage_paths.get(recorded or "", recorded), self.footage_roots)
        if path is not None and layer.type == "footage":
            try:
                image = decode_image(path, self.limits)
            except _IMAGE_ERRORS:
                image = None  # the template's own footage does not decode: a neutral box
            if image is not None:
                _draw_into(self.canvas, image, box, box)
                return
        visible = intersect(box, (0, 0, *self.canvas.size))
        overlay = Image.new("L", (visible[2] - visible[0], visible[3] - visible[1]), 96)
        self.canvas.paste(NEUTRAL_COLOUR, visible[:2], overlay)
        edges = (visible[0], visible[1], visible[2] - 1, visible[3] - 1)
        self.draw.rectangle(edges, outline=NEUTRAL_COLOUR, width=1)
        _label(self.canvas, box, layer.name, NEUTRAL_COLOUR)
