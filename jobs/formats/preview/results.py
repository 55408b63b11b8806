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
    """When a metric becomes a warning, and how far the preview may shrink text."""

    max_upscale: float = 1.0  # an image scaled by more than this (1.0 = 100 %) warns
    max_text_overflow: float = 1.0  # text larger than its box by more than this ratio warns
    min_text_shrink: float = 0.25  # the preview draws text at no less than this fraction


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
    non-transparent pixels of placed images and the ink rectangles of drawn text) and lists
    in layer order (index 1 first):

    * ``images``: ``index``, ``name``, ``psd_layer_id``, ``psd_layer``, ``fit``, ``box``,
      ``box_source``, ``drawn`` and, when the image could be read, ``source_size``,
      ``placed`` (the scaled image's rectangle before cropping to the box), ``scale``
      (the larger of ``scale_x`` and ``scale_y``) and ``upscaled`` (scale > 1);
    * ``texts``: ``index``, ``name``, ``placeholder``, ``text``, ``font``, ``font_file``,
      ``fallback_font``, ``font_size`` (the placeholder's) and ``font_size_source``, ``box``,
      ``box_source``, ``text_size`` / ``overflow_ratio`` / ``fits`` (unwrapped),
      ``wrapped_size`` / ``fits_wrapped``, ``drawn_font_size``, ``shrink``, ``lines``,
      ``drawn`` (see :class:`~jobs.formats.preview.TextFit`);
    * ``unmatched``: ``index``, ``name``, ``type``, ``box``, ``box_source``, ``drawn``.

    ``warnings``: problems with the matches and compositions first, then each rendered
    composition's in layer order, then the design's.
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
