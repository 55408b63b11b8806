"""Footage placement: where a replacement image lands once it replaces a placeholder's source."""

from __future__ import annotations

from ..descriptions import Composition, TemplateLayer
from .affine import Affine, Point, Rect, apply, compose, corners, finite, scaling, translate
from .model import FootagePlacement, PlanNote

FIT_ALIASES = {"fit": "fit", "contain": "fit", "fill": "fill", "cover": "fill", "stretch": "stretch"}


def source_box(layer: TemplateLayer) -> Rect | None:
    """The placeholder's source rectangle in layer pixels (what sourceRectAtTime gives)."""
    source = layer.source
    if source is not None and source.width and source.height:
        return (0.0, 0.0, float(source.width), float(source.height))
    return None


def new_scale(scale: Point, box: Rect, image: tuple[int, int], fit: str, pixel_aspect: float = 1.0) -> Point:
    """The Scale (percent) that makes the image fit, fill or stretch to the box as displayed
    (the box's pixels ``pixel_aspect`` wide for one high; the PNG's pixels are square)."""
    bw, bh = (box[2] - box[0]) * pixel_aspect, box[3] - box[1]
    width, height = image
    sx, sy = scale
    if fit == "stretch":
        return (sx * bw / width, sy * bh / height)
    kx, ky = bw * abs(sx) / width, bh * abs(sy) / height
    k = max(kx, ky) if fit == "fill" else min(kx, ky)
    return (k if sx >= 0 else -k, k if sy >= 0 else -k)


def anchor_map(box: Rect, image: tuple[int, int]) -> tuple[float, float, float, float]:
    """``new = old * m + b`` per axis: the old anchor's relative position in the box, in the image."""
    bw, bh = box[2] - box[0], box[3] - box[1]
    mx, my = image[0] / bw, image[1] / bh
    return (mx, -box[0] * mx, my, -box[1] * my)


def place_footage(
    *,
    composition: Composition,
    layer: TemplateLayer,
    psd_layer_id: int,
    image: str,
    image_size: tuple[int, int],
    fit: str,
) -> tuple[FootagePlacement, list[PlanNote]]:
    """The placement of ``image`` (``image_size`` pixels) in ``layer``'s place."""
    notes: list[PlanNote] = []
    fit = FIT_ALIASES.get(fit, "fit")

    def note(code: str, message: str, severity: str = "warning") -> None:
        notes.append(PlanNote(code, message, composition.name, layer.name, severity))

    box = source_box(layer)
    if box is None:
        note("placeholder_size_unknown",
             f"The template does not record the size of {layer.name!r}'s source: the image keeps its own size.")
        box = (0.0, 0.0, float(image_size[0]), float(image_size[1]))
    mapping = anchor_map(box, image_size)
    anchor = scale = mask = matrix = visible = None
    old_anchor = getattr(layer, "anchor", None)
    old_scale = getattr(layer, "scale", None)
    old_matrix = getattr(layer, "matrix", None)
    pixel_aspect = float(getattr(layer.source, "pixel_aspect", None) or 1.0)
    if pixel_aspect != 1.0:
        note("non_square_pixels", f"{layer.name!r}'s source has non-square pixels ({pixel_aspect:g}).", "info")
    if old_anchor is not None and old_scale is not None:
        anchor = (old_anchor[0] * mapping[0] + mapping[1], old_anchor[1] * mapping[2] + mapping[3])
        scale = new_scale(old_scale, box, image_size, fit, pixel_aspect)
        if fit == "fill":
            mask = _mask(box, old_anchor, old_scale, anchor, scale, image_size)
        if old_matrix is not None and old_scale[0] and old_scale[1]:
            matrix = _new_matrix(old_matrix, old_anchor, old_scale, anchor, scale)
            region = mask or (0.0, 0.0, float(image_size[0]), float(image_size[1]))
            points = [apply(matrix, p) for p in corners(region)]
            visible = tuple(points) if all(finite(p) for p in points) else None
    if visible is None:
        note("placement_not_derivable",
             f"{layer.name!r} is animated or its transform cannot be read: the preview cannot show where "
             "After Effects will put the image (the script applies the same rules to each keyframe).")
    placement = FootagePlacement(
        composition=composition.name, layer_index=layer.index, layer_name=layer.name,
        psd_layer_id=psd_layer_id, image=image, image_size=(int(image_size[0]), int(image_size[1])), fit=fit,
        box=box, anchor_map=mapping, anchor=anchor, scale=scale, mask=mask,
        matrix=matrix if visible is not None else None, visible=visible, pixel_aspect=pixel_aspect,
    )
    return placement, notes


def _new_matrix(old: Affine, anchor: Point, scale: Point, new_anchor: Point, new_scale_: Point) -> Affine:
    """``old · T(anchor) · S(new_scale / scale) · T(-new_anchor)``: the layer's parents, position
    and rotation unchanged, its anchor and scale replaced."""
    ratio = scaling(new_scale_[0] / scale[0], new_scale_[1] / scale[1])
    return compose(compose(compose(old, translate(*anchor)), ratio), translate(-new_anchor[0], -new_anchor[1]))


def _mask(box: Rect, anchor: Point, scale: Point, new_anchor: Point, new_scale_: Point,
          image: tuple[int, int]) -> Rect:
    """The image region (image pixels) that falls inside the old box once placed."""
    points = []
    for qx, qy in corners(box):
        points.append((new_anchor[0] + scale[0] / new_scale_[0] * (qx - anchor[0]),
                       new_anchor[1] + scale[1] / new_scale_[1] * (qy - anchor[1])))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    # Clipped to the image; where they do not overlap (an anchor far outside the box scales the
    # image away from it), an empty rectangle at the nearest edge: nothing shows.
    left = min(max(0.0, min(xs)), float(image[0]))
    top = min(max(0.0, min(ys)), float(image[1]))
    return (left, top, max(left, min(float(image[0]), max(xs))), max(top, min(float(image[1]), max(ys))))
