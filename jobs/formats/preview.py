"""Preview frames of populated compositions, drawn with Pillow (After Effects is not needed).

Before a reviewer approves a job, :func:`render_previews` draws, for every composition that holds
a matched placeholder, one frame of the composition as the populated project would show it, a
side-by-side comparison with the PSD design, a thumbnail and metrics that flag likely problems
(upscaled images, overflowing text, fallback fonts, missing images).

Plain Python with no Django import. What is drawn, layer by layer, bottom (highest AE index)
first, at the frame time (default: a third of the composition's duration):

* the composition's background colour;
* solid layers: their footage colour over their box;
* placeholders with a PSD layer: an image placeholder gets the PSD layer's exported PNG placed in
  its box with the match's fit mode (``fit`` = contain, ``fill`` = cover and crop to the box,
  ``stretch``); a text placeholder gets the PSD type layer's text, drawn left-aligned and
  vertically centred in its box (see :func:`fit_text` for the wrap and shrink rules);
* placeholders without a PSD layer: a dashed magenta outline and a label; a placeholder whose
  image is missing or unreadable: a dashed orange outline and a label;
* other text layers: their own text; other footage layers: the file when it lies inside one of
  the ``footage_roots`` the caller trusts, else (and for precomps and shapes) a neutral box.

Only enabled layers active at the frame time are drawn (a layer whose out-point is not after its
in-point carries no timing, as in hand-written descriptions, and counts as always active);
placeholders that are not drawn are still measured.

Boxes: a layer's ``bbox`` when the template records one; else, for footage, the source size
centred in the composition (where After Effects puts a new layer); for text, the PSD layer's box
mapped into the composition (the PSD is scaled uniformly to fit the composition and centred); the
whole composition as a last resort. The metrics record which rule gave each box.
"""

from __future__ import annotations

import io
import math
import os
import re
import struct
import unicodedata
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from types import MappingProxyType

from PIL import Image, ImageDraw, ImageFont, ImageStat, features

from .descriptions import Box, Composition, Match, PsdDocument, PsdLayer, TemplateDocument, TemplateLayer
from .limits import DEFAULT_LIMITS, Limits, configure_pillow

__all__ = [
    "PreviewFile",
    "PreviewResult",
    "PreviewThresholds",
    "PreviewWarning",
    "TextFit",
    "fit_text",
    "frame_time",
    "placement",
    "render_previews",
    "slugify",
]

RGB = tuple[int, int, int]

UNMATCHED_COLOUR: RGB = (255, 0, 255)
MISSING_COLOUR: RGB = (255, 140, 0)
NEUTRAL_COLOUR: RGB = (128, 128, 128)
LABEL_TEXT_COLOUR: RGB = (255, 255, 255)
COMPARISON_BACKGROUND: RGB = (32, 32, 32)

THUMBNAIL_SIZE = 256  # longest side of the thumbnail
COMPARISON_HEIGHT = 540  # upper bound for the height of each half of the comparison
COMPARISON_LABEL_HEIGHT = 32
COMPARISON_MARGIN = 16
LABEL_FONT_SIZE = 12  # smallest label text
LINE_SPACING = 0.2  # extra space between text lines, as a fraction of the font size
MAX_FONT_SIZE = 2000.0  # sizes are clamped to this so a hostile box cannot ask FreeType for more
# Pillow's basic layout everywhere: Raqm needs the system's FriBiDi, which a fresh machine may
# lack, and the two engines measure differently; previews must not change with the machine.
LAYOUT = ImageFont.Layout.BASIC
PNG_COMPRESS_LEVEL = 1  # previews are transient; fast compression keeps the render well under 1 s
# Decoding, resampling and PNG encoding release the GIL: with threads > 1 they overlap with the
# painting, which shortens one preview on a machine with idle cores. A pipeline worker runs with
# one (inline, no thread): under a backlog every core already runs a worker, and threads inside
# each would only compete with the other workers. Images are decoded at most DECODE_AHEAD ahead
# of the painter, which bounds the memory held.
THREADS = 1
DECODE_AHEAD = 2

FIT_MODES = {"fit": "fit", "contain": "fit", "fill": "fill", "cover": "fill", "stretch": "stretch"}

# What Pillow raises for a file it cannot decode; the decompression-bomb warning is an error
# once configure_pillow() ran.
_IMAGE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    struct.error,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


# --------------------------------------------------------------------------------------------
# Public data


@dataclass(frozen=True)
class PreviewThresholds:
    """When a metric becomes a warning, and how far the preview may shrink text."""

    max_upscale: float = 1.0  # an image scaled by more than this (1.0 = 100 %) warns
    max_text_overflow: float = 1.0  # text larger than its box by more than this ratio warns
    min_text_shrink: float = 0.25  # the preview draws text at no less than this fraction


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
    """What :func:`render_previews` wrote and measured.

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
      ``drawn`` (see :class:`TextFit`);
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


@dataclass(frozen=True)
class TextFit:
    """How a text fits its box; sizes are ink extents in pixels.

    ``natural`` is the text at the placeholder's font size with only its own line breaks (what
    After Effects' point text would show) and ``overflow_ratio`` = max(natural width / box
    width, natural height / box height); ``fits`` means that ratio is at most 1. ``wrapped``
    is the text word-wrapped to the box width at the same size. ``lines``, ``size`` and
    ``drawn`` describe what the preview draws.
    """

    natural: tuple[int, int]
    overflow_ratio: float
    fits: bool
    wrapped: tuple[int, int]
    fits_wrapped: bool
    lines: tuple[str, ...]
    size: float
    drawn: tuple[int, int]
    fits_drawn: bool


# --------------------------------------------------------------------------------------------
# Pure helpers


def slugify(name: str) -> str:
    """A file-name-safe lower-case ASCII form of ``name`` (``composition`` when nothing is left)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:80].strip("-") or "composition"


def frame_time(composition: Composition, time: float | None = None) -> float:
    """The time to draw: ``time`` when given, else a third of the duration (0 without one)."""
    if time is not None:
        return float(time)
    return composition.duration / 3.0 if composition.duration > 0 else 0.0


def is_active(layer: TemplateLayer, time: float) -> bool:
    """The layer is enabled and shows at ``time`` (no timing recorded counts as always)."""
    if not layer.enabled:
        return False
    if layer.out_point <= layer.in_point:
        return True
    return layer.in_point <= time < layer.out_point


def placement(source: tuple[int, int], box: Box, fit: str) -> tuple[Box, float, float]:
    """Where an image of size ``source`` goes for a box and fit mode.

    Returns the placed rectangle (which for ``fill`` extends beyond the box and is cropped to
    it when drawn) and the horizontal and vertical scale factors.
    """
    width, height = source
    left, top, right, bottom = box
    box_w, box_h = right - left, bottom - top
    mode = FIT_MODES.get(fit, "fit")
    if mode == "stretch":
        return box, box_w / width, box_h / height
    pick = max if mode == "fill" else min
    scale = pick(box_w / width, box_h / height)
    placed_w = max(1, round(width * scale))
    placed_h = max(1, round(height * scale))
    placed_left = left + (box_w - placed_w) // 2
    placed_top = top + (box_h - placed_h) // 2
    return (placed_left, placed_top, placed_left + placed_w, placed_top + placed_h), scale, scale


def intersect(a: Box, b: Box) -> Box | None:
    """The intersection of two boxes, or None when it is empty."""
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


def psd_to_composition(psd: PsdDocument, composition: Composition) -> tuple[float, float, float]:
    """Scale and offset that fit the PSD canvas into the composition (uniform, centred)."""
    if psd.width <= 0 or psd.height <= 0:
        return 1.0, 0.0, 0.0
    scale = min(composition.width / psd.width, composition.height / psd.height)
    return (
        scale,
        (composition.width - psd.width * scale) / 2,
        (composition.height - psd.height * scale) / 2,
    )


def footage_box(layer: TemplateLayer, composition: Composition) -> tuple[Box, str]:
    """A footage layer's box and the rule that gave it (``template``, ``source``, ``composition``)."""
    if layer.bbox is not None:
        return layer.bbox, "template"
    source = layer.source
    if source is not None and source.width and source.height:
        left = (composition.width - source.width) // 2
        top = (composition.height - source.height) // 2
        return (left, top, left + source.width, top + source.height), "source"
    return (0, 0, composition.width, composition.height), "composition"


def text_box(
    layer: TemplateLayer, psd_layer: PsdLayer | None, composition: Composition, psd: PsdDocument
) -> tuple[Box, str]:
    """A text layer's box and its rule (``template``, ``psd``, ``composition``)."""
    if layer.bbox is not None:
        return layer.bbox, "template"
    if psd_layer is not None and psd_layer.bbox is not None:
        scale, dx, dy = psd_to_composition(psd, composition)
        left, top, right, bottom = psd_layer.bbox
        return (
            (
                round(left * scale + dx),
                round(top * scale + dy),
                round(right * scale + dx),
                round(bottom * scale + dy),
            ),
            "psd",
        )
    return (0, 0, composition.width, composition.height), "composition"


def _font_size_bound(size: float) -> float:
    """A font size within 1..MAX_FONT_SIZE pixels."""
    return min(MAX_FONT_SIZE, max(1.0, float(size)))


def normalise_text(text: str) -> str:
    """Photoshop's paragraph (CR) and soft (ETX) breaks as ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x03", "\n")


def _colour(value: Sequence[float] | None, default: RGB = NEUTRAL_COLOUR) -> RGB:
    """An After Effects 0-1 colour as 8-bit RGB."""
    if value is None or len(value) < 3:
        return default
    return tuple(max(0, min(255, round(float(c) * 255))) for c in value[:3])  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------
# Text layout

_MEASURE = ImageDraw.Draw(Image.new("L", (1, 1)))


def _ink_size(font: ImageFont.FreeTypeFont, lines: Sequence[str]) -> tuple[int, int]:
    """Width and height of the ink of ``lines`` set in ``font``."""
    if not any(line.strip() for line in lines):
        return 0, 0
    left, top, right, bottom = _MEASURE.multiline_textbbox(
        (0, 0), "\n".join(lines), font=font, spacing=font.size * LINE_SPACING
    )
    return math.ceil(right - left), math.ceil(bottom - top)


def wrap_lines(font: ImageFont.FreeTypeFont, text: str, width: int) -> tuple[str, ...]:
    """Greedy word wrap of ``text`` to ``width`` pixels; explicit line breaks are kept and a
    word wider than the box stays alone on its line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if current and font.getlength(candidate) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return tuple(lines)


def fit_text(
    text: str,
    box_size: tuple[int, int],
    size: float,
    font_at: Callable[[float], ImageFont.FreeTypeFont],
    min_shrink: float = 0.25,
) -> TextFit:
    """Measure ``text`` against a box and choose how the preview draws it.

    Rules: at the placeholder's ``size`` the text is drawn as written when it fits; else
    word-wrapped to the box width when that fits; else wrapped at the largest size (in
    quarter-pixel steps, down to ``size * min_shrink``) at which it fits; else wrapped at that
    minimum size, overflowing. ``font_at(size)`` returns the font at a size.
    """
    box_w, box_h = max(1, box_size[0]), max(1, box_size[1])
    font = font_at(size)
    as_written = tuple(text.split("\n"))
    natural = _ink_size(font, as_written)
    ratio = max(natural[0] / box_w, natural[1] / box_h)
    wrapped_lines = wrap_lines(font, text, box_w)
    wrapped = _ink_size(font, wrapped_lines)

    def fits(measured: tuple[int, int]) -> bool:
        return measured[0] <= box_w and measured[1] <= box_h

    if fits(natural):
        lines, drawn_size, drawn = as_written, size, natural
    elif fits(wrapped):
        lines, drawn_size, drawn = wrapped_lines, size, wrapped
    else:
        lines, drawn_size, drawn = _shrink_to_fit(text, (box_w, box_h), size, font_at, min_shrink)
    return TextFit(
        natural=natural,
        overflow_ratio=ratio,
        fits=fits(natural),
        wrapped=wrapped,
        fits_wrapped=fits(wrapped),
        lines=lines,
        size=drawn_size,
        drawn=drawn,
        fits_drawn=fits(drawn),
    )


def _shrink_to_fit(
    text: str,
    box: tuple[int, int],
    size: float,
    font_at: Callable[[float], ImageFont.FreeTypeFont],
    min_shrink: float,
) -> tuple[tuple[str, ...], float, tuple[int, int]]:
    """Binary search (quarter-pixel steps) for the largest size at which the wrapped text fits."""

    def layout(quarters: int) -> tuple[tuple[str, ...], float, tuple[int, int]]:
        font = font_at(quarters / 4)
        lines = wrap_lines(font, text, box[0])
        return lines, quarters / 4, _ink_size(font, lines)

    low = max(1, math.ceil(size * min_shrink * 4))
    high = max(low, math.floor(size * 4) - 1)
    best = layout(low)
    if best[2][0] > box[0] or best[2][1] > box[1]:
        return best
    low += 1
    while low <= high:
        middle = (low + high) // 2
        candidate = layout(middle)
        if candidate[2][0] <= box[0] and candidate[2][1] <= box[1]:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


# --------------------------------------------------------------------------------------------
# Fonts


@dataclass(frozen=True)
class _FontSource:
    """Font bytes with where they came from (``path`` None for the bundled fallback)."""

    data: bytes
    path: Path | None


class _Fonts:
    """Fonts for one call: the configured files by PostScript name, else the fallback.

    The fallback is Pillow's bundled Aileron Regular (needs Pillow with FreeType, nothing on
    the machine). It covers ASCII and a little Latin-1 punctuation only, so characters it
    lacks are reported (``missing_glyphs``); ``fallback_font`` replaces it. Text is laid out with
    Pillow's basic engine: no complex-script shaping, but the same result on every machine.
    """

    def __init__(self, font_files: Mapping[str, Path], fallback_font: Path | None):
        self._files = {name: Path(path) for name, path in font_files.items()}
        self._folded = {name.casefold(): path for name, path in self._files.items()}
        self._sources: dict[Path, _FontSource | OSError] = {}
        self._fonts: dict[tuple[int, float], ImageFont.FreeTypeFont] = {}
        self._notdef: dict[int, tuple] = {}
        if fallback_font is not None:
            self.fallback = _FontSource(Path(fallback_font).read_bytes(), Path(fallback_font))
        else:
            self.fallback = _FontSource(ImageFont.load_default(size=12).font_bytes, None)

    def resolve(self, name: str | None) -> tuple[_FontSource, str | None]:
        """The source for a PostScript name and, when falling back, why."""
        if not name:
            return self.fallback, "the layer names no font"
        path = self._files.get(name) or self._folded.get(name.casefold())
        if path is None:
            return self.fallback, f"no font file is configured for {name}"
        source = self._sources.get(path)
        if source is None:
            try:
                data = path.read_bytes()
                ImageFont.truetype(io.BytesIO(data), 12, layout_engine=LAYOUT)
                source = _FontSource(data, path)
            except OSError as error:
                source = error
            self._sources[path] = source
        if isinstance(source, OSError):
            return self.fallback, f"the font file for {name} cannot be read ({path.name})"
        return source, None

    def at(self, source: _FontSource, size: float) -> ImageFont.FreeTypeFont:
        """``source`` at ``size`` pixels (clamped to 1..MAX_FONT_SIZE), cached."""
        size = _font_size_bound(size)
        key = (id(source), size)
        font = self._fonts.get(key)
        if font is None:
            font = ImageFont.truetype(io.BytesIO(source.data), size, layout_engine=LAYOUT)
            self._fonts[key] = font
        return font

    def missing_glyphs(self, source: _FontSource, text: str) -> str:
        """The characters of ``text`` the font draws as its missing-glyph box."""
        font = self.at(source, 24)
        if id(source) not in self._notdef:
            self._notdef[id(source)] = _mask_signature(font, "\U0010ffff")
        notdef = self._notdef[id(source)]
        missing = {ch for ch in set(text) if not ch.isspace() and _mask_signature(font, ch) == notdef}
        return "".join(sorted(missing))


def _mask_signature(font: ImageFont.FreeTypeFont, char: str) -> tuple:
    mask = font.getmask(char)
    return mask.size, bytes(mask)


_LABEL_FONTS: dict[int, ImageFont.FreeTypeFont] = {}


def _label_font(size: int) -> ImageFont.FreeTypeFont:
    """The bundled font at ``size`` for labels, cached."""
    if size not in _LABEL_FONTS:
        _LABEL_FONTS[size] = ImageFont.load_default(size=size)
    return _LABEL_FONTS[size]


def label_size(canvas_size: tuple[int, int]) -> int:
    """Label text size for a canvas: readable on a 1080p frame, never below LABEL_FONT_SIZE."""
    return max(LABEL_FONT_SIZE, round(min(canvas_size) / 50))


# --------------------------------------------------------------------------------------------
# Images


def _checked(image: Image.Image) -> Image.Image:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ValueError(f"unsupported size {width}x{height}")
    return image


def image_size(path: Path, limits: Limits) -> tuple[int, int]:
    """An image's size from its header; raises ``_IMAGE_ERRORS`` for what Pillow refuses."""
    if path.stat().st_size > limits.max_file_bytes:
        raise ValueError(f"larger than {limits.max_file_bytes} bytes")
    with open(path, "rb") as stream, Image.open(stream) as image:
        return _checked(image).size


def decode_image(path: Path, limits: Limits) -> Image.Image:
    """Decode an image and close the file: ``RGB`` when it is fully opaque (cheaper to scale
    and paste), else ``RGBA``. Raises ``_IMAGE_ERRORS`` for a file Pillow cannot or may not
    decode."""
    if path.stat().st_size > limits.max_file_bytes:
        raise ValueError(f"larger than {limits.max_file_bytes} bytes")
    with open(path, "rb") as stream:
        image = _checked(Image.open(stream))
        image.load()
    if image.mode == "RGB":
        return image
    rgba = image if image.mode == "RGBA" else image.convert("RGBA")
    opaque = rgba.getchannel("A").getextrema() == (255, 255)
    return rgba.convert("RGB") if opaque else rgba


class _ImageDecoder:
    """Decodes the images a composition paints, in paint order, a few ahead on worker threads.

    ``decode(path)`` returns the decoded image or raises what :func:`decode_image` raises; a path
    asked for out of the planned order (an earlier one was skipped) still decodes.
    """

    def __init__(self, pool: Executor, limits: Limits, planned: Sequence[Path]):
        self._pool = pool
        self._limits = limits
        self._planned = deque(planned)
        self._running: deque[tuple[Path, Future]] = deque()
        self._fill()

    def _fill(self) -> None:
        while self._planned and len(self._running) < DECODE_AHEAD:
            path = self._planned.popleft()
            self._running.append((path, self._pool.submit(decode_image, path, self._limits)))

    def decode(self, path: Path) -> Image.Image:
        while self._running:
            queued, future = self._running.popleft()
            if queued == path:
                self._fill()
                return future.result()
            future.cancel()  # skipped: its result, if any, is dropped
            self._fill()
        return decode_image(path, self._limits)


def _draw_into(
    canvas: Image.Image, image: Image.Image, placed: Box, clip: Box
) -> tuple[Image.Image, Box] | None:
    """Composite ``image`` (RGB or RGBA) scaled to ``placed`` onto ``canvas``, only inside ``clip``.

    Only the visible part is resampled. Returns the alpha of what was drawn and the visible
    rectangle it covers, or None when nothing is visible.
    """
    inside = intersect(placed, clip)
    visible = intersect(inside, (0, 0, *canvas.size)) if inside is not None else None
    if visible is None:
        return None
    scale_x = image.width / (placed[2] - placed[0])
    scale_y = image.height / (placed[3] - placed[1])
    source_box = (
        (visible[0] - placed[0]) * scale_x,
        (visible[1] - placed[1]) * scale_y,
        (visible[2] - placed[0]) * scale_x,
        (visible[3] - placed[1]) * scale_y,
    )
    size = (visible[2] - visible[0], visible[3] - visible[1])
    resized = image.resize(size, Image.Resampling.BILINEAR, box=source_box, reducing_gap=3.0)
    if resized.mode == "RGB":
        canvas.paste(resized, visible[:2])
        return Image.new("L", size, 255), visible
    alpha = resized.getchannel("A")
    canvas.paste(resized, visible[:2], alpha)
    return alpha, visible


def _dashed_rectangle(canvas: Image.Image, box: Box, colour: RGB, width: int) -> None:
    """A dashed outline drawn inside ``box``; every corner starts a dash. Edges beyond the
    canvas are moved just outside it, so a huge box costs no more than the canvas."""
    draw = ImageDraw.Draw(canvas)
    frame = (-width, -width, canvas.width + width, canvas.height + width)
    clipped = intersect(box, frame)
    if clipped is None:
        return
    left, top, right, bottom = clipped[0], clipped[1], clipped[2] - 1, clipped[3] - 1
    dash, gap = width * 4, width * 2
    half = width // 2

    def segments(start: int, end: int):
        position = start
        while position <= end:
            yield position, min(position + dash, end)
            position += dash + gap

    for a, b in segments(left, right):
        draw.line([(a, top + half), (b, top + half)], fill=colour, width=width)
        draw.line([(a, bottom - half), (b, bottom - half)], fill=colour, width=width)
    for a, b in segments(top, bottom):
        draw.line([(left + half, a), (left + half, b)], fill=colour, width=width)
        draw.line([(right - half, a), (right - half, b)], fill=colour, width=width)


def _label(canvas: Image.Image, box: Box, text: str, colour: RGB) -> None:
    """A small label on a ``colour`` background at the top-left of ``box``, kept on the canvas."""
    draw = ImageDraw.Draw(canvas)
    font = _label_font(label_size(canvas.size))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    pad = 4
    width, height = right - left + 2 * pad, bottom - top + 2 * pad
    x = min(max(0, box[0]), max(0, canvas.width - width))
    y = min(max(0, box[1]), max(0, canvas.height - height))
    draw.rectangle((x, y, x + width - 1, y + height - 1), fill=colour)
    draw.text((x + pad - left, y + pad - top), text, font=font, fill=LABEL_TEXT_COLOUR)


class _InlineExecutor(Executor):
    """Runs each submitted call at once in the caller's thread (``threads=1``); its future holds
    the result or the exception, as a pool's would."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # noqa: BLE001  (handed to whoever reads the future)
            future.set_exception(error)
        return future


def _save_png(image: Image.Image, path: Path) -> None:
    """Write ``image`` as PNG atomically (a reader never sees half a file); the file gets the
    usual permissions (umask), unlike a ``mkstemp`` file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "xb") as stream:
            image.save(stream, "PNG", compress_level=PNG_COMPRESS_LEVEL)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _inside_roots(path_text: str | None, roots: Sequence[Path]) -> Path | None:
    """``path_text`` resolved, when it is an existing file inside one of ``roots``."""
    if not path_text or not roots:
        return None
    path = Path(path_text).resolve()
    for root in roots:
        if path.is_relative_to(Path(root).resolve()) and path.is_file():
            return path
    return None


# --------------------------------------------------------------------------------------------
# One composition


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


# --------------------------------------------------------------------------------------------
# Comparison and driver


def _scaled_to_height(image: Image.Image, height: int) -> Image.Image:
    width = max(1, round(image.width * height / image.height))
    return image.resize((width, height), Image.Resampling.BILINEAR, reducing_gap=3.0)


def _design_panel(flattened: Image.Image | None, psd: PsdDocument, height: int) -> Image.Image:
    """The PSD's flattened image on white, or a neutral panel of the PSD's proportions."""
    if flattened is not None:
        scaled = _scaled_to_height(flattened, height)
        if scaled.mode == "RGB":
            return scaled
        panel = Image.new("RGB", scaled.size, (255, 255, 255))
        panel.paste(scaled, (0, 0), scaled.getchannel("A"))
        return panel
    aspect = psd.width / psd.height if psd.width > 0 and psd.height > 0 else 1.0
    panel = Image.new("RGB", (max(1, round(height * aspect)), height), NEUTRAL_COLOUR)
    _label(panel, (0, 0, *panel.size), "design not available", NEUTRAL_COLOUR)
    return panel


def comparison_image(
    flattened: Image.Image | None, psd: PsdDocument, preview: Image.Image, composition: str
) -> Image.Image:
    """The design and the preview side by side, each scaled to one height and labelled."""
    reference = flattened.height if flattened is not None else psd.height
    height = max(1, min(COMPARISON_HEIGHT, max(reference, preview.height)))
    left = _design_panel(flattened, psd, height)
    right = _scaled_to_height(preview, height)
    margin, bar = COMPARISON_MARGIN, COMPARISON_LABEL_HEIGHT
    size = (left.width + right.width + 3 * margin, height + bar + margin)
    sheet = Image.new("RGB", size, COMPARISON_BACKGROUND)
    sheet.paste(left, (margin, bar))
    sheet.paste(right, (2 * margin + left.width, bar))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=16)
    draw.text((margin, bar // 2), "Design (PSD)", font=font, fill=LABEL_TEXT_COLOUR, anchor="lm")
    draw.text(
        (2 * margin + left.width, bar // 2),
        f"Preview: {composition}",
        font=font,
        fill=LABEL_TEXT_COLOUR,
        anchor="lm",
    )
    return sheet


def _load_flattened(
    flattened: Path | None, limits: Limits
) -> tuple[Image.Image | None, PreviewWarning | None]:
    """The PSD's flattened image as RGBA, or None and a warning."""
    if flattened is None or not Path(flattened).is_file():
        what = (
            "no flattened image was given"
            if flattened is None
            else f"{Path(flattened).name} does not exist"
        )
        return None, PreviewWarning("missing_image", "warning", f"design: {what}")
    try:
        return decode_image(Path(flattened), limits), None
    except _IMAGE_ERRORS as error:
        message = f"design: {Path(flattened).name} cannot be read ({error})"
        return None, PreviewWarning("image_unreadable", "warning", message)


def _group_matches(
    template: TemplateDocument, matches: Sequence[Match], warnings: list[PreviewWarning]
) -> dict[str, dict[int, Match]]:
    """Matches by composition name and layer index (the first match of a layer wins)."""
    grouped: dict[str, dict[int, Match]] = {}
    names = {comp.name for comp in template.compositions}
    for match in matches:
        if match.composition not in names:
            warnings.append(
                PreviewWarning(
                    "unknown_composition",
                    "warning",
                    f"a match names composition {match.composition!r}, which the template lacks",
                    match.composition,
                    match.placeholder,
                )
            )
            continue
        grouped.setdefault(match.composition, {}).setdefault(match.layer_index, match)
    return grouped


def _compositions_to_render(
    template: TemplateDocument, grouped: Mapping[str, Mapping[int, Match]]
) -> list[Composition]:
    """Compositions (first of each name, template order) with at least one matched placeholder."""
    seen: set[str] = set()
    chosen = []
    for comp in template.compositions:
        if comp.name in seen:
            continue
        seen.add(comp.name)
        if any(m.psd_layer_id is not None for m in grouped.get(comp.name, {}).values()):
            chosen.append(comp)
    return chosen


def _main_index(matches: Sequence[Mapping[int, Match]]) -> int:
    """The composition with the most matched placeholders (the first on a tie)."""
    counts = [sum(m.psd_layer_id is not None for m in found.values()) for found in matches]
    return counts.index(max(counts))


def render_previews(
    *,
    template: TemplateDocument,
    psd: PsdDocument,
    matches: Sequence[Match],
    layer_images: Mapping[int, Path],
    flattened: Path | None,
    out_dir: Path,
    time: float | None = None,
    font_files: Mapping[str, Path] = MappingProxyType({}),
    thresholds: PreviewThresholds = PreviewThresholds(),
    limits: Limits = DEFAULT_LIMITS,
    fallback_font: Path | None = None,
    footage_roots: Sequence[Path] = (),
    threads: int = THREADS,
) -> PreviewResult:
    """Draw the preview of every composition holding a matched placeholder, the comparison
    with the design and a thumbnail into ``out_dir``; return the files, metrics and warnings.

    ``layer_images`` maps PSD layer ids to exported RGBA PNGs; ``flattened`` is the PSD's
    flattened image; ``time`` overrides each composition's frame time (default a third of its
    duration); ``font_files`` maps PostScript names to font files; ``fallback_font`` replaces
    Pillow's bundled fallback; template footage is drawn only from files inside
    ``footage_roots`` (the template's paths are untrusted); ``threads`` > 1 decodes and encodes
    images in that many threads beside the painting. Files: ``preview-<slug>.png`` per
    composition, and ``comparison.png`` and ``preview-thumb.png`` of the main composition (the
    one with the most matched placeholders). Unreadable inputs become warnings, never errors.
    """
    if not features.check("freetype2"):
        raise RuntimeError("Pillow was built without FreeType; previews cannot draw text")
    configure_pillow(limits)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    warnings: list[PreviewWarning] = []
    grouped = _group_matches(template, matches, warnings)
    compositions = _renderable(_compositions_to_render(template, grouped), limits, warnings)
    if not compositions:
        warnings.append(
            PreviewWarning("nothing_to_preview", "warning", "no composition holds a matched placeholder")
        )
        return PreviewResult((), {"main_composition": None, "compositions": []}, tuple(warnings))
    main = compositions[_main_index([grouped[comp.name] for comp in compositions])]
    fonts = _Fonts(font_files, fallback_font)
    files: list[PreviewFile] = []
    comp_metrics: list[dict] = []
    slugs: set[str] = set()
    executor = (
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="preview") if threads > 1 else _InlineExecutor()
    )
    with executor as pool:
        design = pool.submit(_load_flattened, flattened, limits)
        writes: list[Future] = []
        for comp in compositions:
            renderer = _CompositionRenderer(
                composition=comp,
                time=frame_time(comp, time),
                matches=grouped[comp.name],
                psd=psd,
                layer_images=layer_images,
                fonts=fonts,
                thresholds=thresholds,
                limits=limits,
                footage_roots=footage_roots,
                pool=pool,
            )
            frame, metrics = renderer.render()
            warnings.extend(renderer.warnings)
            path = out_dir / f"preview-{_unique(slugify(comp.name), slugs)}.png"
            writes.append(pool.submit(_save_png, frame, path))
            metrics["file"] = path.name
            files.append(PreviewFile("preview", path, comp.name))
            comp_metrics.append(metrics)
            if comp is main:
                main_frame = frame
        design_image, design_warning = design.result()
        warnings.extend([design_warning] if design_warning else [])
        files.extend(_main_files(pool, writes, main_frame, main.name, psd, design_image, out_dir))
        for write in writes:
            write.result()
    metrics = {"main_composition": main.name, "compositions": comp_metrics}
    return PreviewResult(tuple(files), metrics, tuple(warnings), main.name)


def _renderable(
    compositions: Sequence[Composition], limits: Limits, warnings: list[PreviewWarning]
) -> list[Composition]:
    """The compositions whose frame fits the pixel limit; a warning for each other one."""
    kept = []
    for comp in compositions:
        if 0 < comp.width and 0 < comp.height and comp.width * comp.height <= limits.max_pixels:
            kept.append(comp)
            continue
        message = f"{comp.width}x{comp.height} is outside the preview limits"
        warnings.append(PreviewWarning("composition_too_large", "error", message, comp.name))
    return kept


def _unique(slug: str, taken: set[str]) -> str:
    """``slug``, or ``slug-2``, ``slug-3``… when already taken; records the result."""
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _main_files(
    pool: Executor,
    writes: list[Future],
    frame: Image.Image,
    composition: str,
    psd: PsdDocument,
    design: Image.Image | None,
    out_dir: Path,
) -> list[PreviewFile]:
    """Queue the writing of the main composition's comparison and thumbnail."""
    comparison = out_dir / "comparison.png"
    writes.append(pool.submit(_save_png, comparison_image(design, psd, frame, composition), comparison))
    thumbnail = frame.copy()
    thumbnail.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.BILINEAR)
    thumb_path = out_dir / "preview-thumb.png"
    writes.append(pool.submit(_save_png, thumbnail, thumb_path))
    return [
        PreviewFile("comparison", comparison, composition),
        PreviewFile("thumbnail", thumb_path, composition),
    ]
