"""Drawing text as After Effects sets it: a text placement of the render plan (the PSD layer's
text in the TEMPLATE's font, size and justification), or a template text layer's own text.

:class:`_TextPainter` is a part of :class:`~.composition._CompositionRenderer`. Paragraph text
is wrapped in the plan's box, point text laid out from the plan's origin; nothing is shrunk.
Text beyond its box (or point text beyond the composition) is drawn, outlined and warned
about; text drawn with a fallback font gets a "font?" badge; text the plan cannot place is not
drawn and marked instead.
"""

from __future__ import annotations

import math

from PIL import ImageStat

from ..descriptions import TemplateLayer
from ..render_plan.affine import Affine, Point, Rect
from ..render_plan.model import TextPlacement
from ..render_plan.text import place_text
from .fonts import _font_size_bound
from .geometry import intersect, is_axis_aligned, rounded
from .marks import FONT_COLOUR, OVERFLOW_COLOUR, _badge, _dashed_rectangle
from .text import TextLayout, layout_text, normalise_text


class _TextPainter:
    """Text placements and template text; mixed into the composition renderer."""

    def _text_placeholder(self, layer: TemplateLayer, placement: TextPlacement, active: bool) -> None:
        psd_layer = self.psd.layer(placement.psd_layer_id)
        if not placement.text:
            self.warn("missing_text", "warning", f"{layer.name}: the replacement text is empty", layer.name)
        leading = getattr(placement, "leading", None)  # layer pixels, as the font size
        leading = layer.leading if leading is None else leading
        leading = leading * placement.scale if leading is not None else None
        entry = self._set_text(
            layer, placement.text, font_name=placement.font, font_size=placement.font_size, scale=placement.scale,
            justification=placement.justification, box=placement.box, origin=placement.origin,
            matrix=placement.matrix, leading=leading, active=active, placeholder=True,
        )
        entry.update(psd_layer_id=placement.psd_layer_id,
                     psd_layer=psd_layer.name if psd_layer is not None else None)

    def _set_text(
        self,
        layer: TemplateLayer,
        text: str,
        *,
        font_name: str | None,
        font_size: float | None,
        scale: float,
        justification: str,
        box: Rect | None,
        origin: Point | None,
        matrix: Affine | None,
        leading: float | None,
        active: bool,
        placeholder: bool,
    ) -> dict:
        """Measure, report and (when active) draw one text layer; return its metrics entry."""
        text = normalise_text(text)
        if layer.all_caps:
            text = text.upper()
        if not all(math.isfinite(v) for v in (*(box or ()), *(origin or ()))):
            box = origin = None  # a hostile description: nowhere to draw it
        entry = {
            "index": layer.index,
            "name": layer.name,
            "placeholder": placeholder,
            "text": text,
            "font": font_name,
            "justification": justification,
            "kind": "paragraph" if box is not None else "point" if origin is not None else "unknown",
            "origin": [round(v, 2) for v in origin] if origin is not None else None,
            "drawn": False,
        }
        self.texts.append(entry)
        if box is None and origin is None:
            self._not_derivable(layer, "text_position_unknown",
                                f"{layer.name}: the render plan cannot say where After Effects sets the text; "
                                "not drawn")
            return entry
        # Severities (jobs/warning_codes.py): what the render will show wrong is a warning (an
        # error for an empty box); the template's own text, which renders as in the template, and
        # what only the preview's substitute font gets wrong, are information.
        if box is not None and (box[2] - box[0] < 1 or box[3] - box[1] < 1):
            self.warn("empty_box", "error" if placeholder else "info",
                      f"{layer.name}: its box {list(rounded(box))} is empty", layer.name)
            return entry
        severity = "warning" if placeholder else "info"
        size, size_rule = self._pixel_size(layer, font_size, scale, box)
        source, reason = self.fonts.resolve(font_name)
        if reason is not None:
            self.warn("font_fallback", "info", f"{layer.name}: {reason}; drawn with a fallback font", layer.name)
        missing = self.fonts.missing_glyphs(source, text)
        if missing:
            self.warn("missing_glyphs", severity if reason is None else "info",
                      f"{layer.name}: the font used for the preview has no glyph for {missing!r}", layer.name)
        if matrix is not None and (not is_axis_aligned(matrix) or matrix[0] < 0 or matrix[3] < 0):
            self.warn("text_transform", "info", f"{layer.name}: rotated, skewed or flipped in After Effects; "
                      "the preview draws it upright", layer.name)
        font = self.fonts.at(source, size)
        layout = layout_text(text, font, justification=justification, box=box, origin=origin, leading=leading)
        frame = (0, 0, *self.canvas.size)
        if box is not None:
            shown, shown_source = rounded(box), "plan"
            ink_bottom = layout.ink[3] if layout.ink else box[1]
            ratio = max(layout.wrapped[0] / (box[2] - box[0]), (ink_bottom - box[1]) / (box[3] - box[1]))
            beyond = layout.ink is not None and not _inside(layout.ink, box)
        else:
            shown, shown_source = (layer.bbox, "template") if layer.bbox is not None else (frame, "composition")
            width, height = max(1, shown[2] - shown[0]), max(1, shown[3] - shown[1])
            ratio = max(layout.natural[0] / width, layout.natural[1] / height)
            beyond = layout.ink is not None and not _inside(layout.ink, frame)
        entry.update(
            font_file=str(source.path) if source.path is not None else None,
            fallback_font=reason is not None,
            font_size=round(font_size, 2) if font_size and math.isfinite(font_size) else None,
            font_size_source=size_rule,
            drawn_font_size=round(size, 2),
            box=list(shown),
            box_source=shown_source,
            text_size=list(layout.natural),
            wrapped_size=list(layout.wrapped),
            overflow_ratio=round(ratio, 4),
            fits=ratio <= 1.0,
            fits_wrapped=not beyond,
            ink=list(layout.ink) if layout.ink is not None else None,
            lines=len(layout.lines),
        )
        if beyond and (box is None or ratio > self.thresholds.max_text_overflow):
            where = f"its box ({ratio:.0%} of it)" if box is not None else "the composition"
            self.warn("text_overflow", severity,
                      f"{layer.name}: the text runs beyond {where}; After Effects does not shrink it", layer.name)
        if active:
            self._draw_layout(layout, font, box)
            entry["drawn"] = True
            if beyond:
                self._overflow_mark(layout, box)
            if reason is not None:
                corner = box[:2] if box is not None else layout.ink[:2] if layout.ink is not None else origin
                _badge(self.canvas, corner, "font?", FONT_COLOUR)
        return entry

    def _pixel_size(self, layer: TemplateLayer, font_size: float | None, scale: float,
                    box: Rect | None) -> tuple[float, str]:
        """The size to draw at: the template's font size times the layer's scale; when the
        template records none, the box's height (one line filling it) or a tenth of the frame."""
        if font_size and math.isfinite(font_size) and font_size > 0 and math.isfinite(scale) and scale > 0:
            return _font_size_bound(font_size * scale), "template"
        self.warn("font_size_unknown", "info", f"{layer.name}: the template records no font size", layer.name)
        if box is not None and math.isfinite(box[3] - box[1]):
            return _font_size_bound(box[3] - box[1]), "box"
        return _font_size_bound(self.canvas.height / 10), "composition"

    def _draw_layout(self, layout: TextLayout, font, box: Rect | None) -> None:
        """Draw the lines in a colour that contrasts with what lies under them."""
        if layout.ink is None or intersect(layout.ink, (0, 0, *self.canvas.size)) is None:
            return
        area = rounded(box) if box is not None else layout.ink
        under = intersect(area, (0, 0, *self.canvas.size))
        luminance = ImageStat.Stat(self.canvas.crop(under).convert("L")).mean[0] if under else 0
        colour = (0, 0, 0) if luminance >= 128 else (255, 255, 255)
        for line, position in zip(layout.lines, layout.positions):
            if line.strip():
                self.draw.text(position, line, font=font, fill=colour, anchor=layout.anchor)
        ink = intersect(layout.ink, (0, 0, *self.canvas.size))
        if ink is not None:
            self.coverage.paste(255, ink)

    def _overflow_mark(self, layout: TextLayout, box: Rect | None) -> None:
        """Outline the box the text overflows (or, for point text, the text running off the frame)."""
        if box is not None:
            shown = rounded(box)
            _dashed_rectangle(self.canvas, shown, OVERFLOW_COLOUR, self.outline)
            _badge(self.canvas, (shown[2], shown[1]), "overflows", OVERFLOW_COLOUR, right=True)
        else:
            _dashed_rectangle(self.canvas, layout.ink, OVERFLOW_COLOUR, self.outline)
            _badge(self.canvas, (layout.ink[2], layout.ink[1]), "off frame", OVERFLOW_COLOUR, right=True)

    def _template_text(self, layer: TemplateLayer) -> None:
        """A template text layer that is not a placeholder: its own text where the plan's rule
        puts it (else its recorded box), in its own font."""
        placed, _ = place_text(composition=self.comp, layer=layer, psd_layer_id=0, text=layer.text or "")
        box, origin = placed.box, placed.origin
        if box is None and origin is None:
            if layer.bbox is None:
                return
            box = tuple(float(v) for v in layer.bbox)
        leading = layer.leading * placed.scale if layer.leading is not None else None
        self._set_text(layer, layer.text or "", font_name=layer.font, font_size=layer.font_size, scale=placed.scale,
                       justification=placed.justification, box=box, origin=origin, matrix=placed.matrix,
                       leading=leading, active=True, placeholder=False)


def _inside(ink: tuple[int, int, int, int], area: Rect, tolerance: float = 1.0) -> bool:
    return (ink[0] >= area[0] - tolerance and ink[1] >= area[1] - tolerance
            and ink[2] <= area[2] + tolerance and ink[3] <= area[3] + tolerance)
