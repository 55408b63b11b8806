"""Rules on how the content fits its placeholders: text that overflows its box, images scaled
up, and images whose aspect ratio is off the placeholder's.

``text-overflow`` and ``upscale`` read the preview renderer's metrics
(:attr:`jobs.formats.preview.PreviewResult.metrics`) and are skipped without them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..descriptions import TemplateLayer
from .job import Job, clip, location_fields, size_of
from .model import Finding, Key

UPSCALE_WARNING = 1.0  # scale factors (1.0 = 100 %)
UPSCALE_ERROR = 2.0
ASPECT_TOLERANCE = 0.10  # relative difference of aspect ratios


def text_overflow(job: Job) -> Iterator[Finding]:
    """Replacement text does not fit its placeholder, measured by the preview renderer.

    With the template's own box (paragraph text) the text is compared wrapped to that box:
    error, since After Effects hides lines that do not fit; warning when the preview measured
    it with a fallback font, or measured it in another box than the template's (stale
    metrics: the fit is unknown). Point text has no box and is never wrapped: a warning when
    it runs off the composition. Without either (older metrics) the preview's box is an
    estimate and the unwrapped text is compared: warning.
    """
    job.require_metrics()
    for comp_name, metrics in job.metrics.items():
        for entry in metrics.get("texts") or []:
            if entry.get("placeholder") and entry.get("index") is not None:
                finding = _overflow_finding(job, comp_name, entry)
                if finding is not None:
                    yield finding


def _overflow_finding(job: Job, comp_name: str, entry: Mapping) -> Finding | None:
    """The finding for one measured text placeholder, or None when its text fits."""
    index = int(entry["index"])
    layer = job.layer((comp_name, index))
    if entry.get("kind") == "point":
        return _point_text_off_frame(comp_name, layer, index, entry)
    measured_box = entry.get("box")
    real_box = list(layer.bbox) if layer is not None and layer.bbox is not None else None
    if real_box is not None and measured_box != real_box:
        return _stale_measure(comp_name, layer, entry, real_box)
    if real_box is not None:
        size, box, box_source = entry.get("wrapped_size"), real_box, "template"
    else:
        size, box, box_source = entry.get("text_size"), measured_box, entry.get("box_source") or "estimate"
    box_size = size_of(box)
    if not size or box_size is None:
        return None
    ratio = max(size[0] / box_size[0], size[1] / box_size[1])
    if ratio <= 1.0:
        return None
    fallback = bool(entry.get("fallback_font"))
    severity = "error" if real_box is not None and not fallback else "warning"
    qualifier = "its box" if real_box is not None else f"its estimated box (from the {box_source})"
    font_note = " (measured with a fallback font)" if fallback else ""
    return Finding(
        "text-overflow",
        severity,
        f"Text {clip(str(entry.get('text', '')))!r} in layer {entry.get('name')!r} of {comp_name!r} is "
        f"{ratio:.0%} of {qualifier}, {size[0]}x{size[1]} into {box_size[0]:g}x{box_size[1]:g}{font_note}.",
        details={
            "ratio": round(ratio, 4),
            "text_size": list(size),
            "box": list(box),
            "box_source": box_source,
            "fallback_font": fallback,
            "font": entry.get("font"),
        },
        **location_fields(comp_name, layer, index),
    )


def _point_text_off_frame(comp_name: str, layer: TemplateLayer | None, index: int, entry: Mapping) -> Finding | None:
    """Point text grows from its origin and is never wrapped: it only overflows the frame."""
    if entry.get("fits_wrapped", True):
        return None
    fallback = bool(entry.get("fallback_font"))
    return Finding(
        "text-overflow",
        "warning",
        f"Text {clip(str(entry.get('text', '')))!r} in layer {entry.get('name')!r} of {comp_name!r} runs off the "
        "composition (point text: After Effects neither wraps nor shrinks it)"
        + (" (measured with a fallback font)." if fallback else "."),
        details={"kind": "point", "ink": entry.get("ink"), "origin": entry.get("origin"),
                 "fallback_font": fallback, "font": entry.get("font")},
        **location_fields(comp_name, layer, index),
    )


def _stale_measure(comp_name: str, layer: TemplateLayer, entry: Mapping, real_box: list) -> Finding:
    """The preview measured the text in another box than the template's: the fit is unknown."""
    return Finding(
        "text-overflow",
        "warning",
        f"The preview measured layer {layer.name!r} of {comp_name!r} in the box {entry.get('box')}, but the "
        f"template's box is {real_box}; render the preview again to check that the text fits.",
        details={"stale": True, "measured_box": entry.get("box"), "box": real_box},
        **location_fields(comp_name, layer),
    )


def upscale(job: Job) -> Iterator[Finding]:
    """An image is scaled up to fill its placeholder (preview metrics): warning over 100 %,
    error over 200 % (visibly soft)."""
    job.require_metrics()
    for comp_name, metrics in job.metrics.items():
        for entry in metrics.get("images") or []:
            if entry.get("index") is None:
                continue
            scale = max(float(entry.get(k) or 0.0) for k in ("scale", "scale_x", "scale_y"))
            if scale <= UPSCALE_WARNING:
                continue
            layer = job.layer((comp_name, int(entry["index"])))
            yield Finding(
                "upscale",
                "error" if scale > UPSCALE_ERROR else "warning",
                f"Image {entry.get('psd_layer')!r} in layer {entry.get('name')!r} of {comp_name!r} is scaled up to "
                f"{scale:.0%} ({_size_text(entry.get('source_size'))} into {_size_text(size_of(entry.get('box')))}).",
                details={"scale": round(scale, 4), "source_size": entry.get("source_size"), "box": entry.get("box")},
                **location_fields(comp_name, layer, int(entry["index"])),
            )


def _size_text(size: Sequence[float] | None) -> str:
    return f"{size[0]:g}x{size[1]:g}" if size else "unknown size"


def aspect_mismatch(job: Job) -> Iterator[Finding]:
    """The image that fills a footage placeholder has an aspect ratio more than 10 % off the
    placeholder's (letterboxed with fit, cropped with fill, distorted with stretch).

    The image size is read from the replacement file, else taken from the preview metrics; the
    placeholder's from its box in the template, else its current footage, else the preview.
    """
    for key in job.targets:
        if job.is_text(key):
            continue
        image = _image_size(job, key)
        box = _placeholder_size(job, key)
        if image is None or box is None:
            continue
        image_ratio, box_ratio = image[0] / image[1], box[0] / box[1]
        off = max(image_ratio, box_ratio) / min(image_ratio, box_ratio) - 1.0
        if off > ASPECT_TOLERANCE:
            layer = job.layer(key)
            fit = job.filled[key].fit if key in job.filled else "fit"
            yield Finding(
                "aspect-mismatch",
                "warning",
                f"The image for layer {layer.name if layer else key[1]!r} in {key[0]!r} is {_size_text(image)} "
                f"(aspect {image_ratio:.2f}) but the placeholder is {_size_text(box)} (aspect {box_ratio:.2f}), "
                f"{off:.0%} off; fit mode {fit!r}.",
                details={
                    "image_size": list(image),
                    "placeholder_size": list(box),
                    "difference": round(off, 4),
                    "fit": fit,
                },
                **location_fields(key[0], layer, key[1]),
            )


def _metrics_image(job: Job, key: Key) -> Mapping | None:
    entries = (job.metrics.get(key[0]) or {}).get("images") or []
    return next((e for e in entries if int(e.get("index", -1)) == key[1]), None)


def _image_size(job: Job, key: Key) -> tuple[int, int] | None:
    if key in job.replacements:
        path = job.replacement_path(key)
        size = job.probe(path).size if path.is_file() else None
    else:
        entry = _metrics_image(job, key)
        size = tuple(entry["source_size"]) if entry and entry.get("source_size") else None
    return size if size and size[0] > 0 and size[1] > 0 else None


def _placeholder_size(job: Job, key: Key) -> tuple[float, float] | None:
    layer = job.layer(key)
    if layer is not None and size_of(layer.bbox):
        return size_of(layer.bbox)
    source = layer.source if layer is not None else None
    if source is not None and source.width and source.height:
        return (source.width, source.height)
    entry = _metrics_image(job, key)
    return size_of(entry.get("box")) if entry else None
