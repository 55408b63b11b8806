"""Drawing a footage placement of the render plan: the PSD layer's exported image, cropped to
the plan's mask, mapped by the plan's matrix into the composition.

:class:`_FootagePainter` is a part of :class:`~.composition._CompositionRenderer` (it uses the
renderer's canvas, decoder, warnings and metrics); it computes no placement: where the plan has
no matrix it draws a marker instead.
"""

from __future__ import annotations

from pathlib import Path

from ..descriptions import Box, TemplateLayer
from ..render_plan.affine import apply, bounds, compose, corners, scaling
from ..render_plan.model import FootagePlacement
from .geometry import axis_scales, rotation_degrees, rounded
from .images import _IMAGE_ERRORS
from .marks import MISSING_COLOUR
from .warp import draw_affine


class _FootagePainter:
    """Footage placements; mixed into the composition renderer."""

    def _footage_placeholder(self, layer: TemplateLayer, placement: FootagePlacement, active: bool) -> None:
        """Measure a footage placement and, when its layer shows at the frame time, draw it."""
        psd_layer = self.psd.layer(placement.psd_layer_id)
        psd_name = psd_layer.name if psd_layer is not None else str(placement.psd_layer_id)
        width, height = placement.image_size
        entry = {
            "index": layer.index,
            "name": layer.name,
            "psd_layer_id": placement.psd_layer_id,
            "psd_layer": psd_name,
            "fit": placement.fit,
            "box": list(layer.bbox) if layer.bbox is not None else None,
            "box_source": "template" if layer.bbox is not None else None,
            "source_size": [width, height],
            "masked": placement.mask is not None,
            "drawn": False,
        }
        self.images.append(entry)
        if placement.matrix is None or placement.visible is None:
            entry["placed"] = None
            self._not_derivable(layer, "placement_not_derivable",
                                f"{layer.name}: the render plan cannot say where After Effects puts the image; "
                                "not drawn")
            return
        matrix = placement.matrix
        scale_x, scale_y = axis_scales(matrix)
        scale = max(scale_x, scale_y)
        visible = rounded(bounds(placement.visible))
        entry.update(
            placed=list(rounded(bounds(apply(matrix, p) for p in corners((0, 0, width, height))))),
            visible=list(visible),
            scale=round(scale, 4),
            scale_x=round(scale_x, 4),
            scale_y=round(scale_y, 4),
            rotation=round(rotation_degrees(matrix), 4),
            upscaled=scale > 1.0,
        )
        if scale > self.thresholds.max_upscale:
            self.warn("upscaled", "warning",
                      f"{layer.name}: {psd_name} is scaled to {scale:.0%} ({width}x{height}, {placement.fit})",
                      layer.name)
        path = self._layer_image_path(layer, psd_name, placement.psd_layer_id, visible, active)
        if path is not None and active:
            self._draw_footage(layer, placement, psd_name, path, visible, entry)

    def _layer_image_path(self, layer: TemplateLayer, psd_name: str, psd_id: int, box: Box,
                          active: bool) -> Path | None:
        """The PSD layer's exported image file, or None with a warning (and outline)."""
        path = self.layer_images.get(psd_id)
        if path is not None and Path(path).is_file():
            return Path(path)
        what = "no image was exported" if path is None else f"{Path(path).name} does not exist"
        self.warn("missing_image", "error", f"{layer.name}: {psd_name}: {what}", layer.name)
        if active:
            self._outline(box, f"{layer.name}: image missing", MISSING_COLOUR)
        return None

    def _unreadable(self, layer: TemplateLayer, psd_name: str, path: Path, error: BaseException, box: Box) -> None:
        self.warn("image_unreadable", "error", f"{layer.name}: {psd_name}: {path.name} cannot be read ({error})",
                  layer.name)
        self._outline(box, f"{layer.name}: image unreadable", MISSING_COLOUR)

    def _draw_footage(self, layer: TemplateLayer, placement: FootagePlacement, psd_name: str, path: Path,
                      visible: Box, entry: dict) -> None:
        """Decode the image and draw it through the plan's matrix; a decoding failure becomes a warning."""
        try:
            image = self.decoder.decode(path)
        except _IMAGE_ERRORS as error:
            self._unreadable(layer, psd_name, path, error, visible)
            return
        width, height = placement.image_size
        matrix = placement.matrix
        region = placement.mask or (0.0, 0.0, float(width), float(height))
        if image.size != (width, height):
            self.warn("image_size_mismatch", "warning",
                      f"{layer.name}: {path.name} is {image.width}x{image.height}, the render plan was made for "
                      f"{width}x{height}; drawn at the plan's size", layer.name)
            kx, ky = image.width / width, image.height / height
            matrix = compose(matrix, scaling(1 / kx, 1 / ky))
            region = (region[0] * kx, region[1] * ky, region[2] * kx, region[3] * ky)
        drawn = draw_affine(self.canvas, image, matrix, region)
        entry["drawn"] = True
        entry["drawn_bounds"] = None
        if drawn is not None:
            alpha, (x, y) = drawn
            self.coverage.paste(255, (x, y), alpha)
            inked = alpha.getbbox()
            if inked is not None:
                entry["drawn_bounds"] = [x + inked[0], y + inked[1], x + inked[2], y + inked[3]]
