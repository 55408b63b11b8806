"""What :func:`~jobs.formats.preview.render_previews` is given and hands back.

The thresholds that turn a metric into a warning, the warnings, the written files and the
result holding them with the metrics. Frozen dataclasses, no drawing; every other module of the
package may import this one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class PreviewThresholds:
    """When a metric becomes a warning (text is never shrunk: After Effects does not)."""

    max_upscale: float = 1.0  # an image scaled by more than this (1.0 = 100 %) warns
    max_text_overflow: float = 1.0  # paragraph text beyond its box by more than this ratio warns


DEFAULT_THRESHOLDS = PreviewThresholds()


@dataclass(frozen=True)
class PreviewWarning:
    """A problem a reviewer should see; ``severity`` is ``error``, ``warning`` or ``info``."""

    code: str
    severity: str
    message: str
    composition: str | None = None
    layer: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PreviewFile:
    """One written file; ``role`` is ``preview`` (one per composition), ``comparison`` or
    ``thumbnail``."""

    role: str
    path: Path
    composition: str | None = None

    def to_dict(self) -> dict:
        return {"role": self.role, "path": str(self.path), "composition": self.composition}


@dataclass(frozen=True)
class PreviewResult:
    """What :func:`~jobs.formats.preview.render_previews` wrote and measured.

    ``metrics`` is JSON-serialisable: ``{"main_composition": name | None, "compositions": [...]}``
    with, per rendered composition in template order: ``name``, ``width``, ``height``,
    ``time``, ``file``, ``coverage`` (fraction of the frame covered by placed content: the
    alpha of the images drawn and the ink rectangles of the text drawn) and lists in layer
    order (index 1 first):

    * ``images``: ``index``, ``name``, ``psd_layer_id``, ``psd_layer``, ``fit``, ``box`` (the
      template's box, None when it records none) and ``box_source``, ``source_size`` (the
      plan's image size), ``masked``, ``drawn`` and, where the plan has a matrix, ``placed``
      (the whole image's bounds in the composition), ``visible`` (the bounds of the plan's
      visible region), ``scale_x``/``scale_y`` (composition pixels per image pixel),
      ``scale`` (the larger), ``rotation`` (degrees), ``upscaled`` and, once drawn,
      ``drawn_bounds`` (the bounds of the drawn alpha, clipped to the composition);
    * ``texts``: ``index``, ``name``, ``placeholder``, ``text`` (as set: line breaks as
      ``\n``, all caps applied), ``font`` (the template's), ``justification``, ``kind``
      (``paragraph``, ``point`` or ``unknown``: no position), ``origin`` (point text), ``drawn``
      and, when placed: ``font_file``, ``fallback_font``, ``font_size`` (the template's, in
      points) and ``font_size_source``, ``drawn_font_size`` (pixels), ``box`` (paragraph: the
      plan's box; point text: the template's box, else the composition) and ``box_source``,
      ``text_size`` (ink with only its own line breaks), ``wrapped_size`` (ink as laid out),
      ``overflow_ratio`` and ``fits`` (ink against the box), ``fits_wrapped`` (the laid-out
      ink stays inside the box, or for point text inside the composition), ``ink`` (its
      rectangle), ``lines``; placeholders add ``psd_layer_id`` and ``psd_layer``;
    * ``unmatched``: ``index``, ``name``, ``type``, ``box``, ``box_source``, ``drawn``.
    * ``shapes``: shape layers drawn from their decoded contents: ``index``, ``name``,
      ``not_drawn`` (what of them is not drawn, by name: the reader's ``left_out``).

    ``warnings``: the render plan's notes first, then problems with the plan's and the
    matches' compositions, then each rendered composition's in layer order (none repeating a
    plan note), then the design's.
    """

    files: tuple[PreviewFile, ...]
    metrics: dict
    warnings: tuple[PreviewWarning, ...]
    main_composition: str | None = None

    def file(self, role: str, composition: str | None = None) -> Path | None:
        """The path of the first file with ``role`` (and ``composition`` when given)."""
        for item in self.files:
            if item.role == role and (composition is None or item.composition == composition):
                return item.path
        return None

    def composition_metrics(self, name: str) -> dict | None:
        """The metrics of the composition called ``name``, or None when it was not rendered."""
        return next((m for m in self.metrics["compositions"] if m["name"] == name), None)

    def to_dict(self) -> dict:
        return {
            "main_composition": self.main_composition,
            "files": [f.to_dict() for f in self.files],
            "metrics": self.metrics,
            "warnings": [w.to_dict() for w in self.warnings],
        }
