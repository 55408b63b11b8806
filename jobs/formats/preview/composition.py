"""Drawing one composition at one time, layer by layer, and collecting its metrics and warnings.

:class:`_CompositionRenderer` paints bottom (highest After Effects index) first: the background
colour, solids, placeholders with their PSD layer's image or text, outlines and labels for
placeholders without content, other text layers, readable template footage or a neutral box.
The package docstring (:mod:`jobs.formats.preview`) states the rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path

from PIL import Image, ImageDraw, ImageStat

from ..descriptions import Box, Composition, Match, PsdDocument, PsdLayer, TemplateLayer
from ..limits import Limits
from .fonts import _font_size_bound, _Fonts, _FontSource
from .geometry import FIT_MODES, footage_box, intersect, is_active, placement, psd_to_composition, text_box
from .images import _IMAGE_ERRORS, _draw_into, _ImageDecoder, _inside_roots, decode_image, image_size
from .marks import MISSING_COLOUR, NEUTRAL_COLOUR, RGB, UNMATCHED_COLOUR, _dashed_rectangle, _label
from .results import PreviewThresholds, PreviewWarning
from .text import LINE_SPACING, TextFit, fit_text, normalise_text


def _colour(value: Sequence[float] | None, default: RGB = NEUTRAL_COLOUR) -> RGB:
    """An After Effects 0-1 colour as 8-bit RGB."""
    if value is None or len(value) < 3:
        return default
    return tuple(max(0, min(255, round(float(c) * 255))) for c in value[:3])  # type: ignore[return-value]


class _CompositionRenderer:
    """Draws one composition at one time and collects its metrics and warnings."""

    def __init__(
        self,
        *,
        composition: Composition,
        time: float,
        matches: Mapping[int, Match],
        psd: PsdDocument,
        layer_images: Mapping[int, Path],
        fonts: _Fonts,
        thresholds: PreviewThresholds,
        limits: Limits,
        footage_roots: Sequence[Path],
        pool: Executor,
    ):
        self.comp = composition
        self.time = time
        self.matches = matches
        self.psd = psd
        self.layer_images = layer_images
        self.fonts = fonts
        self.thresholds = thresholds
        self.limits = limits
        self.footage_roots = footage_roots
        size = (composition.width, composition.height)
        self.canvas = Image.new("RGB", size, _colour(composition.bg_color, (0, 0, 0)))
        self.draw = ImageDraw.Draw(self.canvas)
        self.coverage = Image.new("L", size, 0)
        self.outline = max(2, round(min(size) / 360))
        self._warnings: list[tuple[int, PreviewWarning]] = []  # with the layer index
        self._index = 0  # the layer being drawn
        self.images: list[dict] = []
        self.texts: list[dict] = []
        self.unmatched: list[dict] = []
        self.paint_order = sorted(composition.layers, key=lambda item: item.index, reverse=True)
        self.decoder = _ImageDecoder(pool, limits, self._planned_images())

    def _is_text(self, layer: TemplateLayer, match: Match | None) -> bool:
        """A text placeholder: a text layer, or a non-footage layer matched as text."""
        return layer.type == "text" or (
            layer.type != "footage" and match is not None and match.placeholder_type == "text"
        )

    def _planned_images(self) -> list[Path]:
        """The exported images the paint pass will decode, in paint order."""
        planned = []
        for layer in self.paint_order:
            match = self.matches.get(layer.index)
            if match is None or match.psd_layer_id is None or not is_active(layer, self.time):
                continue
            box = footage_box(layer, self.comp)[0]
            path = self.layer_images.get(match.psd_layer_id)
            if (
                not self._is_text(layer, match)
                and self.psd.layer(match.psd_layer_id) is not None
                and box[0] < box[2]
                and box[1] < box[3]
                and path is not None
                and Path(path).is_file()
            ):
                planned.append(Path(path))
        return planned

    # -- driver

    def render(self) -> tuple[Image.Image, dict]:
        """Paint every layer bottom-up; return the frame and the composition's metrics."""
        for layer in self.paint_order:
            self._index = layer.index
            active = is_active(layer, self.time)
            if layer.placeholder or layer.index in self.matches:
                self._placeholder(layer, active)
            elif active:
                self._other_layer(layer)
        self._index = 0
        known = {layer.index for layer in self.comp.layers}
        for index, match in sorted(self.matches.items()):
            if index not in known:
                message = f"a match names layer {index} ({match.placeholder}), which the composition lacks"
                self.warn("unknown_placeholder", "warning", message, match.placeholder)
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
        }
        return self.canvas, metrics

    @property
    def warnings(self) -> list[PreviewWarning]:
        """The warnings in layer order (index 1 first), each layer's in the order raised."""
        return [warning for _, warning in sorted(self._warnings, key=lambda item: item[0])]

    def warn(self, code: str, severity: str, message: str, layer: str | None) -> None:
        """Record a warning against the layer being drawn."""
        self._warnings.append((self._index, PreviewWarning(code, severity, message, self.comp.name, layer)))

    # -- placeholders

    def _placeholder(self, layer: TemplateLayer, active: bool) -> None:
        """Measure a placeholder and, when it shows at the frame time, draw it."""
        match = self.matches.get(layer.index)
        psd_layer = None
        if match is not None and match.psd_layer_id is not None:
            psd_layer = self.psd.layer(match.psd_layer_id)
            if psd_layer is None:
                self.warn(
                    "unknown_psd_layer",
                    "error",
                    f"{layer.name}: PSD layer id {match.psd_layer_id} is not in the PSD",
                    layer.name,
                )
        is_text = self._is_text(layer, match)
        if psd_layer is None:
            self._unmatched(layer, is_text, active)
            return
        if not active:
            reason = "disabled" if not layer.enabled else f"not active at {self.time:g} s"
            self.warn("not_in_frame", "info", f"{layer.name}: {reason}; not drawn", layer.name)
        if is_text:
            self._text_placeholder(layer, psd_layer, active)
        else:
            self._image_placeholder(layer, match, psd_layer, active)

    def _unmatched(self, layer: TemplateLayer, is_text: bool, active: bool) -> None:
        """Record a placeholder without a PSD layer; outline its box when active."""
        box, rule = (
            text_box(layer, None, self.comp, self.psd) if is_text else footage_box(layer, self.comp)
        )
        self.unmatched.append(
            {
                "index": layer.index,
                "name": layer.name,
                "type": "text" if is_text else "footage",
                "box": list(box),
                "box_source": rule,
                "drawn": active,
            }
        )
        if active:
            self._outline(box, f"{layer.name}: unmatched", UNMATCHED_COLOUR)

    def _outline(self, box: Box, text: str, colour: RGB) -> None:
        """A dashed outline with a label: what stands in for missing content."""
        _dashed_rectangle(self.canvas, box, colour, self.outline)
        _label(self.canvas, box, text, colour)

    def _image_placeholder(
        self, layer: TemplateLayer, match: Match, psd_layer: PsdLayer, active: bool
    ) -> None:
        """Place the PSD layer's exported image in the placeholder's box."""
        box, rule = footage_box(layer, self.comp)
        fit = FIT_MODES.get(match.fit)
        if fit is None:
            message = f"{layer.name}: fit mode {match.fit!r}; using fit"
            self.warn("unknown_fit", "warning", message, layer.name)
            fit = "fit"
        entry = {
            "index": layer.index,
            "name": layer.name,
            "psd_layer_id": psd_layer.id,
            "psd_layer": psd_layer.name,
            "fit": fit,
            "box": list(box),
            "box_source": rule,
            "drawn": False,
        }
        self.images.append(entry)
        if box[2] <= box[0] or box[3] <= box[1]:
            self.warn("empty_box", "error", f"{layer.name}: its box {list(box)} is empty", layer.name)
            return
        path = self._layer_image_path(layer, psd_layer, box, active)
        if path is None:
            return
        try:
            size = image_size(path, self.limits)
        except _IMAGE_ERRORS as error:
            self._unreadable(layer, psd_layer, path, error, box, active)
            return
        placed, scale_x, scale_y = placement(size, box, fit)
        scale = max(scale_x, scale_y)
        entry.update(
            source_size=list(size),
            placed=list(placed),
            scale=round(scale, 4),
            scale_x=round(scale_x, 4),
            scale_y=round(scale_y, 4),
            upscaled=scale > 1.0,
        )
        if scale > self.thresholds.max_upscale:
            self.warn(
                "upscaled",
                "warning",
                f"{layer.name}: {psd_layer.name} is scaled to {scale:.0%} "
                f"({size[0]}x{size[1]} into {box[2] - box[0]}x{box[3] - box[1]}, {fit})",
                layer.name,
            )
        if active:
            self._draw_image(layer, psd_layer, path, placed, box, entry)

    def _layer_image_path(
        self, layer: TemplateLayer, psd_layer: PsdLayer, box: Box, active: bool
    ) -> Path | None:
        """The PSD layer's exported image file, or None with a warning (and outline)."""
        path = self.layer_images.get(psd_layer.id)
        if path is not None and Path(path).is_file():
            return Path(path)
        what = "no image was exported" if path is None else f"{Path(path).name} does not exist"
        self.warn("missing_image", "error", f"{layer.name}: {psd_layer.name}: {what}", layer.name)
        if active:
            self._outline(box, f"{layer.name}: image missing", MISSING_COLOUR)
        return None

    def _unreadable(
        self,
        layer: TemplateLayer,
        psd_layer: PsdLayer,
        path: Path,
        error: BaseException,
        box: Box,
        active: bool,
    ) -> None:
        """Report an image Pillow cannot or may not decode; outline its box when active."""
        self.warn(
            "image_unreadable",
            "error",
            f"{layer.name}: {psd_layer.name}: {path.name} cannot be read ({error})",
            layer.name,
        )
        if active:
            self._outline(box, f"{layer.name}: image unreadable", MISSING_COLOUR)

    def _draw_image(
        self, layer: TemplateLayer, psd_layer: PsdLayer, path: Path, placed: Box, box: Box, entry: dict
    ) -> None:
        """Decode the image and composite it; a decoding failure becomes a warning."""
        try:
            rgba = self.decoder.decode(path)
        except _IMAGE_ERRORS as error:
            self._unreadable(layer, psd_layer, path, error, box, True)
            return
        drawn = _draw_into(self.canvas, rgba, placed, box)
        if drawn is not None:
            alpha, visible = drawn
            self.coverage.paste(255, visible[:2], alpha)
        entry["drawn"] = True

    def _text_placeholder(self, layer: TemplateLayer, psd_layer: PsdLayer, active: bool) -> None:
        """Set the PSD type layer's text in the placeholder's box."""
        text = psd_layer.text
        if text is None:
            self.warn(
                "missing_text",
                "warning",
                f"{layer.name}: {psd_layer.name} has no text; drawing the template's",
                layer.name,
            )
            text = layer.text or ""
        box, rule = text_box(layer, psd_layer, self.comp, self.psd)
        size, size_rule = self._font_size(layer, psd_layer, box)
        entry = self._text(
            layer,
            text,
            psd_layer.font or layer.font,
            box,
            rule,
            size,
            size_rule,
            active,
            placeholder=True,
        )
        if entry is not None:
            entry.update(psd_layer_id=psd_layer.id, psd_layer=psd_layer.name)

    def _font_size(self, layer: TemplateLayer, psd_layer: PsdLayer | None, box: Box) -> tuple[float, str]:
        """The placeholder's font size: the template's, else the PSD's mapped into the
        composition, else the box height (one line filling the box)."""
        if layer.font_size and math.isfinite(layer.font_size) and layer.font_size > 0:
            return _font_size_bound(layer.font_size), "template"
        if psd_layer is not None and psd_layer.font_size and math.isfinite(psd_layer.font_size):
            scale = psd_to_composition(self.psd, self.comp)[0]
            if psd_layer.font_size * scale > 0:
                return _font_size_bound(psd_layer.font_size * scale), "psd"
        return _font_size_bound(box[3] - box[1]), "box"

    def _text(
        self,
        layer: TemplateLayer,
        text: str,
        font_name: str | None,
        box: Box,
        rule: str,
        size: float,
        size_rule: str,
        active: bool,
        *,
        placeholder: bool,
    ) -> dict | None:
        """Measure, report and (when active) draw one text layer; return its metrics entry."""
        if box[2] <= box[0] or box[3] <= box[1]:
            self.warn("empty_box", "error", f"{layer.name}: its box {list(box)} is empty", layer.name)
            return None
        text = normalise_text(text)
        if layer.all_caps:
            text = text.upper()
        severity = "warning" if placeholder else "info"
        source, reason = self.fonts.resolve(font_name)
        if reason is not None:
            self.warn("font_fallback", severity, f"{layer.name}: {reason}; using a fallback font", layer.name)
        missing = self.fonts.missing_glyphs(source, text)
        if missing:
            self.warn(
                "missing_glyphs",
                severity,
                f"{layer.name}: the font used for the preview has no glyph for {missing!r}",
                layer.name,
            )
        box_size = (box[2] - box[0], box[3] - box[1])
        fitted = fit_text(
            text, box_size, size, lambda s: self.fonts.at(source, s), self.thresholds.min_text_shrink
        )
        entry = self._text_entry(
            layer, text, font_name, source, reason is not None, box, rule, size, size_rule, fitted
        )
        self.texts.append(entry)
        if fitted.overflow_ratio > self.thresholds.max_text_overflow:
            self._overflow_warning(layer, fitted, severity)
        if active:
            self._draw_text(box, fitted, source)
            entry["drawn"] = True
        return entry

    def _text_entry(
        self,
        layer: TemplateLayer,
        text: str,
        font_name: str | None,
        source: _FontSource,
        fallback: bool,
        box: Box,
        rule: str,
        size: float,
        size_rule: str,
        fitted: TextFit,
    ) -> dict:
        """The metrics of one text layer (see :class:`TextFit` for the sizes)."""
        return {
            "index": layer.index,
            "name": layer.name,
            "placeholder": layer.placeholder or layer.index in self.matches,
            "text": text,
            "font": font_name,
            "font_file": str(source.path) if source.path is not None else None,
            "fallback_font": fallback,
            "font_size": round(size, 2),
            "font_size_source": size_rule,
            "box": list(box),
            "box_source": rule,
            "text_size": list(fitted.natural),
            "overflow_ratio": round(fitted.overflow_ratio, 4),
            "fits": fitted.fits,
            "wrapped_size": list(fitted.wrapped),
            "fits_wrapped": fitted.fits_wrapped,
            "drawn_font_size": round(fitted.size, 2),
            "shrink": round(fitted.size / size, 4) if size else 1.0,
            "lines": len(fitted.lines),
            "drawn": False,
        }

    def _overflow_warning(self, layer: TemplateLayer, fitted: TextFit, severity: str) -> None:
        if fitted.fits_wrapped:
            detail = "it fits only when wrapped"
        elif fitted.fits_drawn:
            detail = f"the preview shrinks it to {fitted.size:.1f} px"
        else:
            detail = "it does not fit even wrapped and shrunk"
        self.warn(
            "text_overflow",
            severity,
            f"{layer.name}: text is {fitted.overflow_ratio:.0%} of its box; {detail}",
            layer.name,
        )

    def _draw_text(self, box: Box, fitted: TextFit, source: _FontSource) -> None:
        """Draw the fitted lines left-aligned, centred vertically, in a colour that contrasts
        with what lies under the box."""
        if not fitted.lines or fitted.drawn == (0, 0):
            return
        font = self.fonts.at(source, fitted.size)
        joined = "\n".join(fitted.lines)
        spacing = font.size * LINE_SPACING
        left, top, right, bottom = self.draw.multiline_textbbox((0, 0), joined, font=font, spacing=spacing)
        x = box[0] - left
        y = box[1] + ((box[3] - box[1]) - (bottom - top)) // 2 - top
        under = intersect(box, (0, 0, *self.canvas.size))
        luminance = ImageStat.Stat(self.canvas.crop(under).convert("L")).mean[0] if under else 0
        colour = (0, 0, 0) if luminance >= 128 else (255, 255, 255)
        self.draw.multiline_text((x, y), joined, font=font, fill=colour, spacing=spacing)
        drawn = (math.floor(x + left), math.floor(y + top), math.ceil(x + right), math.ceil(y + bottom))
        ink = intersect(drawn, (0, 0, *self.canvas.size))
        if ink is not None:
            self.coverage.paste(255, ink)

    # -- other layers

    def _other_layer(self, layer: TemplateLayer) -> None:
        """Paint a layer that is not a placeholder: solids, text with a box, readable footage,
        else a neutral box (precomps, shapes, footage we may not or cannot read)."""
        source = layer.source
        if layer.type == "solid" or (source is not None and source.kind == "solid"):
            box = intersect(footage_box(layer, self.comp)[0], (0, 0, *self.canvas.size))
            if box is not None:
                colour = _colour(source.color if source is not None else None)
                self.draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=colour)
        elif layer.type == "text" and layer.text and layer.bbox is not None:
            box, rule = text_box(layer, None, self.comp, self.psd)
            size, size_rule = self._font_size(layer, None, box)
            self._text(layer, layer.text, layer.font, box, rule, size, size_rule, True, placeholder=False)
        elif layer.type in ("footage", "precomp", "shape"):
            self._footage_or_neutral(layer)

    def _footage_or_neutral(self, layer: TemplateLayer) -> None:
        """A non-placeholder footage, precomp or shape layer with a known box."""
        if layer.bbox is None and (layer.source is None or not layer.source.width):
            return  # nothing tells where it is; a full-composition box would hide everything
        box, _ = footage_box(layer, self.comp)
        if intersect(box, (0, 0, *self.canvas.size)) is None:
            return
        path = _inside_roots(layer.source.path if layer.source else None, self.footage_roots)
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
