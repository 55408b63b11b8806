"""Read Photoshop files (PSD and PSB) into descriptions, and export their layers as PNGs.

Plain Python (psd-tools, Pillow), no Django. Two entry points:

- :func:`read_psd` gives the :class:`~jobs.formats.descriptions.PsdDocument` of a file: the
  document and its whole layer tree, in document order (top of the layer stack first, a group
  followed by its children), as ``shared/docs/interchange.md`` describes it.
- :func:`export_psd` also writes each visible content layer as an RGBA PNG cropped to its box,
  a thumbnail of each, and the flattened image with its thumbnail.

Every file is untrusted. Whatever is wrong with it (not a PSD, truncated, empty, too big on
disk, a header or layer declaring more pixels than :class:`~jobs.formats.limits.Limits`
allows, a decompression bomb, too many layers, anything psd-tools raises or warns about while
decoding) ends in one :class:`~jobs.formats.errors.FormatError` with a one-line reason. The
cheap checks (size on disk, header, section lengths, layer count, layer boxes) run before any
pixel is decoded, so a hostile file is refused in milliseconds; psd-tools then parses under
:class:`psd_tools.ParseLimits` (bytes, nesting, and :data:`MAX_PARSE_OBJECTS` values: a file
stuffed with text-engine values is refused after ~2.5 s of parsing) and an allocation budget
(``Limits.max_alloc_bytes``), and its large-image and decompression warnings are errors.

Conventions of the description (beyond interchange.md):

- ``id`` is Photoshop's layer id. A layer without one (old files), or repeating one already
  seen, gets a synthetic negative id, ``-(order + 1)``, so ids stay unique in a document.
- ``visible`` is the *effective* visibility: false for a layer hidden itself or under a
  hidden group.
- ``opacity`` is the layer's opacity in [0, 1], rounded to 4 places.
- ``text`` uses ``"\\n"`` between lines (Photoshop stores ``"\\r"``); ``font`` is the
  PostScript name of the first non-blank run's font; ``font_size`` is that run's size in
  points times the vertical scale of the layer's transform, rounded to 2 places.

Exported images are ``layer-<id>.png``, ``layer-<id>-thumb.png``, ``flattened.png`` and
``flattened-thumb.png``: 8-bit sRGB(A), whatever the document's mode and depth (psd-tools
applies the document's ICC profile where there is one; 16/32-bit channels are scaled to 8
bits). They are written to a staging folder and renamed into place only when every one has
been written, so a file that fails half-way leaves nothing behind. A re-run into the same
directory replaces them, and removes files of that naming pattern the new run did not write
(a layer deleted from the PSD since).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import shutil
import stat
import struct
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms
from psd_tools import PSDDecompressionWarning, PSDImage, PSDLargeImageWarning
from psd_tools.api.adjustments import AdjustmentLayer
from psd_tools.api.utils import has_transparency
from psd_tools.composite import composite as composite_arrays
from psd_tools.compression import DecompressionLimitError
from psd_tools.constants import ChannelID, ColorMode
from psd_tools.psd.parse_limits import ParseLimitError, ParseLimits

from .descriptions import PsdDocument, PsdLayer
from .errors import FormatError
from .limits import DEFAULT_LIMITS, Limits, configure_pillow

#: Bump whenever the description or the exported images change for the same input: it is part
#: of the cache key of parsed files.
READER_VERSION = "psd-1"

#: psd-tools counts every parsed value (header fields, descriptor and text-engine items) against
#: this. A Photoshop type layer takes about 3,000 (so this admits about 100 of them); text-engine
#: values cost about 8 µs each to parse, so a file made of nothing else is refused after ~2.5 s.
MAX_PARSE_OBJECTS = 300_000

#: psd-tools counts bytes it materialises while parsing; a file with type layers needs about
#: 3-4 times its own size (text-engine data is tokenised), so allow 8 times, at least 1 MiB.
PARSE_BYTES_FACTOR = 8

THUMBNAIL_SIZE = 256

#: zlib level of the PNGs written: 3 is about twice as fast as Pillow's default 6 for files a
#: few percent larger.
PNG_COMPRESS_LEVEL = 3

COLOR_MODE_NAMES = {
    ColorMode.BITMAP: "Bitmap",
    ColorMode.GRAYSCALE: "Grayscale",
    ColorMode.INDEXED: "Indexed",
    ColorMode.RGB: "RGB",
    ColorMode.CMYK: "CMYK",
    ColorMode.MULTICHANNEL: "Multichannel",
    ColorMode.DUOTONE: "Duotone",
    ColorMode.LAB: "Lab",
}

#: Kinds exported as images when visible. Groups, artboards and adjustment layers are not.
_RASTER_KINDS = frozenset({"pixel", "type", "smartobject"})

_EXPORT_NAME = re.compile(r"^(layer--?\d+(-thumb)?|flattened(-thumb)?)\.png$")

_HEADER = struct.Struct(">4sH6sHIIHH")
_LAYER_INFO_KEYS = (b"Lr16", b"Lr32")
_PSB_LONG_KEYS = frozenset(
    {b"LMsk", b"Lr16", b"Lr32", b"Layr", b"Mt16", b"Mt32", b"Mtrn", b"Alph", b"FMsk",
     b"lnk2", b"FEid", b"FXid", b"PxSD"}
)


# --------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class ExportedImage:
    """One PNG written by :func:`export_psd`."""

    layer_id: int | None  # None for the flattened image and its thumbnail
    role: str  # "layer", "thumbnail", "flattened" or "flattened_thumbnail"
    path: Path
    width: int
    height: int

    def to_dict(self) -> dict:
        return {
            "layer_id": self.layer_id,
            "role": self.role,
            "path": str(self.path),
            "width": self.width,
            "height": self.height,
        }


@dataclass(frozen=True)
class PsdExport:
    """The description of a PSD and the images :func:`export_psd` wrote for it."""

    document: PsdDocument
    images: tuple[ExportedImage, ...] = ()

    def image(self, layer_id: int | None, role: str = "layer") -> ExportedImage | None:
        """The image of ``role`` for ``layer_id`` (None: the flattened image), if written."""
        return next(
            (img for img in self.images if img.layer_id == layer_id and img.role == role), None
        )

    def to_dict(self) -> dict:
        return {
            "document": self.document.to_dict(),
            "images": [image.to_dict() for image in self.images],
        }


def read_psd(path: str | os.PathLike, *, limits: Limits = DEFAULT_LIMITS) -> PsdDocument:
    """The description of the PSD or PSB file at ``path``.

    Decodes no pixels. Raises :class:`FormatError` for any file it cannot accept.
    """
    source = Path(path)
    with _guard(source, limits):
        return _load(source, limits).document


def export_psd(
    path: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    limits: Limits = DEFAULT_LIMITS,
    thumbnail_size: int = THUMBNAIL_SIZE,
) -> PsdExport:
    """Describe the file at ``path`` and write its images into ``out_dir`` (created if absent).

    Writes, for each visible content layer with a non-empty box (not groups, artboards or
    adjustment layers; a layer under a hidden group is not visible), an RGBA PNG of the layer
    as it looks in the document (mask, vector mask, effects and clipped layers applied where
    it has them; its opacity applied) cropped to its box, and a thumbnail whose longer side is
    at most ``thumbnail_size``; then the flattened image (the file's stored composite when it
    has one, else a composite of the layers) and its thumbnail. All or nothing: on
    :class:`FormatError` (any file it cannot accept or decode) no new file is left in
    ``out_dir``.
    """
    if thumbnail_size < 1:
        raise ValueError("thumbnail_size must be positive")
    source = Path(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".psd-export-", dir=out))
    try:
        with _guard(source, limits):
            loaded = _load(source, limits)
            staged = _write_images(loaded, staging, thumbnail_size)
        images = [_move_into(image, out) for image in staged]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _remove_stale(out, {image.path.name for image in images})
    return PsdExport(document=loaded.document, images=tuple(images))


def _write_images(loaded: _Loaded, folder: Path, thumbnail_size: int) -> list[ExportedImage]:
    """Each exportable layer and its thumbnail, in document order, then the flattened image."""
    images: list[ExportedImage] = []
    for description, layer in loaded.exportable():
        image = _render_layer(layer)
        stem = f"layer-{description.id}"
        images += _save_with_thumbnail(image, folder, stem, description.id, "layer", thumbnail_size)
    flattened = _render_flattened(loaded.psd)
    images += _save_with_thumbnail(flattened, folder, "flattened", None, "flattened", thumbnail_size)
    return images


# --------------------------------------------------------------------------------------------
# Loading


@dataclass(frozen=True)
class _Loaded:
    psd: PSDImage
    document: PsdDocument
    layers: tuple  # psd-tools layers, parallel to document.layers

    def exportable(self) -> Iterator[tuple[PsdLayer, object]]:
        for description, layer in zip(self.document.layers, self.layers, strict=True):
            if description.visible and description.width > 0 and description.height > 0:
                if _is_content(layer):
                    yield description, layer


def _load(source: Path, limits: Limits) -> _Loaded:
    data = _read_bounded(source, limits)
    _prescan(data, limits)
    psd = PSDImage.open(
        io.BytesIO(data),
        max_alloc_bytes=limits.max_alloc_bytes,
        parse_limits=ParseLimits(
            max_read_bytes=len(data),
            max_total_bytes=max(len(data) * PARSE_BYTES_FACTOR, 1 << 20),
            max_objects=MAX_PARSE_OBJECTS,
            max_nesting_depth=limits.max_chunk_depth,
        ),
    )
    pairs = list(_walk(psd, limits))
    descriptions = tuple(_describe_layers(pairs))
    for description, (layer, _, _) in zip(descriptions, pairs, strict=True):
        if not layer.is_group():
            _check_layer_box(description, limits)
    document = PsdDocument(
        source=source.name,
        width=psd.width,
        height=psd.height,
        layers=descriptions,
        sha256=hashlib.sha256(data).hexdigest(),
        color_mode=COLOR_MODE_NAMES.get(psd.color_mode, str(psd.color_mode)),
        depth=psd.depth,
    )
    return _Loaded(psd=psd, document=document, layers=tuple(layer for layer, _, _ in pairs))


def _read_bounded(source: Path, limits: Limits) -> bytes:
    """The file's bytes, refusing anything that is not a regular file of an acceptable size."""
    try:
        info = source.stat()
    except FileNotFoundError:
        raise FormatError("file does not exist", code="missing") from None
    except OSError as error:
        raise FormatError(f"cannot read the file ({error.strerror})", code="unreadable") from None
    if not stat.S_ISREG(info.st_mode):
        raise FormatError("not a regular file", code="unreadable")
    if info.st_size == 0:
        raise FormatError("the file is empty (0 bytes)", code="empty")
    if info.st_size > limits.max_file_bytes:
        raise FormatError(
            f"the file is {info.st_size:,} bytes, over the limit of {limits.max_file_bytes:,}",
            code="too_large",
        )
    try:
        with open(source, "rb") as handle:
            data = handle.read(info.st_size + 1)  # one byte more shows a file that grew
    except OSError as error:
        raise FormatError(f"cannot read the file ({error.strerror})", code="unreadable") from None
    if len(data) > limits.max_file_bytes:
        raise FormatError(f"the file is over the limit of {limits.max_file_bytes:,} bytes", code="too_large")
    return data


def _prescan(data: bytes, limits: Limits) -> None:
    """Refuse files whose header or section lengths are wrong or over the limits.

    Reads only fixed-size fields (and the merged image's row-length table), so it takes
    milliseconds whatever the file declares.
    """
    if len(data) < _HEADER.size:
        raise FormatError(f"not a Photoshop file: only {len(data)} bytes", code="truncated")
    signature, version, _, channels, height, width, depth, mode = _HEADER.unpack_from(data)
    if signature != b"8BPS":
        raise FormatError(f"not a Photoshop file ({_describe_magic(data)})", code="not_psd")
    if version not in (1, 2):
        raise FormatError(f"unknown Photoshop file version {version}")
    if not 1 <= channels <= 56:
        raise FormatError(f"the header declares {channels} channels (1-56 allowed)")
    if depth not in (1, 8, 16, 32):
        raise FormatError(f"the header declares an unsupported depth of {depth} bits")
    if mode not in COLOR_MODE_NAMES:
        raise FormatError(f"the header declares an unknown colour mode {mode}")
    _check_size("the document", width, height, limits)
    psb = version == 2
    layer_count, image_data = _scan_sections(data, psb=psb)
    if layer_count > limits.max_layers:
        raise FormatError(
            f"the file declares {layer_count:,} layers, over the limit of {limits.max_layers:,}",
            code="limit",
        )
    _check_image_data(data, image_data, channels=channels, width=width, height=height, depth=depth, psb=psb)


def _scan_sections(data: bytes, *, psb: bool) -> tuple[int, int]:
    """Walk the section lengths, refusing truncation: (declared layer count, image data offset)."""
    pos = _HEADER.size
    for section in ("colour mode data", "image resources"):
        pos = _skip_section(data, pos, 4, section)
    size = 8 if psb else 4
    if pos + size > len(data):
        raise FormatError("the file is truncated before its layer section", code="truncated")
    section_length = _uint(data, pos, size)
    start, end = pos + size, pos + size + section_length
    if end > len(data):
        raise FormatError(
            f"the file is truncated: its layer section needs {end:,} bytes, it has {len(data):,}",
            code="truncated",
        )
    if section_length < size + 2:
        return 0, end
    info_length = _uint(data, start, size)
    if info_length >= 2:
        return abs(struct.unpack_from(">h", data, start + size)[0]), end
    return _count_in_tagged_blocks(data, start + size + info_length, end, psb=psb), end


def _check_image_data(
    data: bytes, pos: int, *, channels: int, width: int, height: int, depth: int, psb: bool
) -> None:
    """Refuse a merged-image section cut short (raw or RLE; ZIP lengths are not knowable)."""
    if pos + 2 > len(data):
        raise FormatError("the file is truncated before its merged image", code="truncated")
    compression = struct.unpack_from(">H", data, pos)[0]
    body = pos + 2
    rows = channels * height
    if compression == 0:
        needed = rows * ((width * depth + 7) // 8)
    elif compression == 1:
        count_size = 4 if psb else 2
        table_end = body + rows * count_size
        if table_end > len(data):
            raise FormatError("the file is truncated in its merged image", code="truncated")
        counts = np.frombuffer(data, dtype=">u4" if psb else ">u2", count=rows, offset=body)
        needed = rows * count_size + int(counts.sum(dtype=np.int64))
    elif compression in (2, 3):
        needed = 1
    else:
        raise FormatError(f"the merged image uses an unknown compression {compression}")
    if body + needed > len(data):
        raise FormatError(
            f"the file is truncated: its merged image needs {body + needed:,} bytes, it has {len(data):,}",
            code="truncated",
        )


def _count_in_tagged_blocks(data: bytes, pos: int, end: int, *, psb: bool) -> int:
    """The layer count of a 16/32-bit file, whose layers live in an Lr16/Lr32 block.

    Lenient: stops at the first thing it does not understand and leaves it to psd-tools.
    """
    if pos + 4 > end:
        return 0
    pos += 4 + _uint(data, pos, 4)  # global layer mask info
    while pos + 12 <= end:
        signature, key = data[pos : pos + 4], data[pos + 4 : pos + 8]
        if signature not in (b"8BIM", b"8B64"):
            return 0
        size = 8 if psb and key in _PSB_LONG_KEYS else 4
        length = _uint(data, pos + 8, size)
        body = pos + 8 + size
        if key in _LAYER_INFO_KEYS and body + 2 <= end:
            return abs(struct.unpack_from(">h", data, body)[0])
        pos = body + length + (length % 2)
    return 0


def _skip_section(data: bytes, pos: int, size: int, name: str) -> int:
    if pos + size > len(data):
        raise FormatError(f"the file is truncated before its {name}", code="truncated")
    end = pos + size + _uint(data, pos, size)
    if end > len(data):
        raise FormatError(f"the file is truncated in its {name}", code="truncated")
    return end


def _uint(data: bytes, pos: int, size: int) -> int:
    return int.from_bytes(data[pos : pos + size], "big")


def _describe_magic(data: bytes) -> str:
    for magic, name in (
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
        (b"RIFX", "a RIFX file"),
    ):
        if data.startswith(magic):
            return f"it is {name}"
    return "no 8BPS signature"


def _check_size(what: str, width: int, height: int, limits: Limits) -> None:
    if width < 0 or height < 0:
        raise FormatError(f"{what} has a negative size ({width}x{height})")
    if what == "the document" and (width == 0 or height == 0):
        raise FormatError(f"the document is {width}x{height} pixels")
    if width > limits.max_dimension or height > limits.max_dimension:
        raise FormatError(
            f"{what} is {width:,}x{height:,} pixels; the limit is {limits.max_dimension:,} a side",
            code="limit",
        )
    if width * height > limits.max_pixels:
        raise FormatError(
            f"{what} is {width:,}x{height:,} = {width * height:,} pixels, over the limit of "
            f"{limits.max_pixels:,}",
            code="limit",
        )


def _check_layer_box(layer: PsdLayer, limits: Limits) -> None:
    """A layer record declaring more pixels than allowed is a decompression bomb in waiting."""
    if layer.bbox is not None:
        _check_size(f"layer {layer.path!r}", layer.width, layer.height, limits)


# --------------------------------------------------------------------------------------------
# Description


def _walk(psd: PSDImage, limits: Limits) -> Iterator[tuple[object, object | None, bool]]:
    """(layer, parent group or None, effectively visible) in document order, top first.

    Iterative, so a deeply nested file cannot exhaust the stack; nesting deeper than
    ``limits.max_chunk_depth`` is refused.
    """
    count = 0
    stack = [(layer, None, True, 1) for layer in list(psd)]  # psd[0] is the bottom layer
    while stack:
        layer, parent, parent_visible, depth = stack.pop()
        count += 1
        if count > limits.max_layers:
            raise FormatError(f"the file has more than {limits.max_layers:,} layers", code="limit")
        if depth > limits.max_chunk_depth:
            raise FormatError(f"groups are nested more than {limits.max_chunk_depth} deep", code="limit")
        visible = parent_visible and bool(layer.visible)
        yield layer, parent, visible
        if layer.is_group():
            stack.extend((child, layer, visible, depth + 1) for child in list(layer))


def _describe_layers(pairs: list[tuple[object, object | None, bool]]) -> Iterator[PsdLayer]:
    ids: dict[int, int] = {}  # id(psd-tools layer) -> our id
    seen: set[int] = set()
    paths: dict[int, str] = {}
    for order, (layer, parent, visible) in enumerate(pairs):
        layer_id = layer.layer_id
        if not isinstance(layer_id, int) or layer_id <= 0 or layer_id in seen:
            layer_id = -(order + 1)
        ids[id(layer)] = layer_id
        seen.add(layer_id)
        name = str(layer.name)
        path = name if parent is None else f"{paths[id(parent)]}/{name}"
        paths[id(layer)] = path
        text, font, font_size = _type_info(layer) if layer.kind == "type" else (None, None, None)
        yield PsdLayer(
            id=layer_id,
            name=name,
            kind=layer.kind,
            path=path,
            visible=visible,
            opacity=round(layer.opacity / 255, 4),
            bbox=tuple(int(v) for v in layer.bbox),
            text=text,
            font=font,
            font_size=font_size,
            parent_id=None if parent is None else ids[id(parent)],
            order=order,
        )


def _type_info(layer) -> tuple[str, str | None, float | None]:
    """Text, PostScript font name and size in points of a type layer."""
    text = layer.text.replace("\r\n", "\n").replace("\r", "\n").replace("\x03", "\n")
    run = _first_visible_run(layer)
    if run is None:
        return text, None, None
    font = run.style.font_name or None
    size = run.style.font_size
    _, _, yx, yy, _, _ = layer.transform  # (xx, xy, yx, yy, tx, ty)
    scale = math.hypot(yx, yy) or 1.0
    font_size = round(size * scale, 2) if size and math.isfinite(size * scale) else None
    return text, font, font_size


def _first_visible_run(layer):
    first = None
    for paragraph in layer.typesetting:
        for run in paragraph:
            if first is None:
                first = run
            if run.text.strip():
                return run
    return first


# --------------------------------------------------------------------------------------------
# Rendering


def _is_content(layer) -> bool:
    return not layer.is_group() and not isinstance(layer, AdjustmentLayer)


def _is_plain_raster(layer) -> bool:
    """Whether the layer's stored pixels alone are what it looks like (no mask, effects…)."""
    return (
        layer.kind in _RASTER_KINDS
        and layer.has_pixels()
        and not (layer.has_mask() and not layer.mask.disabled)
        and not layer.has_vector_mask()
        and not layer.has_effects()
        and not layer.has_clip_layers(visible=True)
        and layer.fill_opacity == 255
    )


def _render_layer(layer) -> Image.Image:
    """The layer as it looks in the document, over transparency, cropped to its box."""
    image = layer.topil() if _is_plain_raster(layer) else None
    if image is not None:
        alpha = _stored_alpha(layer) if image.mode in _NO_ALPHA_MODES else None
        return _apply_opacity(_to_srgba(image, alpha), layer.opacity)
    image = layer.composite(viewport=layer.bbox)
    if image is None:  # nothing visible in the box
        left, top, right, bottom = layer.bbox
        return Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
    alpha = _composited_alpha(layer, layer.bbox) if image.mode in _NO_ALPHA_MODES else None
    return _to_srgba(image, alpha)


def _render_flattened(psd: PSDImage) -> Image.Image:
    """The stored composite when the file has one, else a composite of the layers."""
    image = psd.composite()
    alpha = None
    if image.mode in _NO_ALPHA_MODES:
        if not psd.has_preview():
            alpha = _composited_alpha(psd, None)
        elif has_transparency(psd):
            alpha = psd.topil(channel=ChannelID.TRANSPARENCY_MASK)
    return _to_srgba(image, alpha)


#: Modes psd-tools returns when a CMYK or Lab document has no ICC profile: PIL has no alpha
#: variant of them, so the alpha is fetched separately.
_NO_ALPHA_MODES = frozenset({"CMYK", "LAB"})


def _stored_alpha(layer) -> Image.Image | None:
    return layer.topil(channel=ChannelID.TRANSPARENCY_MASK)


def _composited_alpha(layer, viewport) -> Image.Image:
    _, _, alpha = composite_arrays(layer, viewport=viewport)
    plane = np.clip(np.rint(alpha[:, :, 0] * 255), 0, 255).astype(np.uint8)
    return Image.fromarray(plane, "L")


def _to_srgba(image: Image.Image, alpha: Image.Image | None) -> Image.Image:
    """An 8-bit sRGB RGBA copy of what psd-tools returned.

    psd-tools has applied the document's ICC profile when there is one (giving RGB or RGBA);
    what is left is CMYK or Lab without a profile (converted here, with ``alpha`` attached),
    grayscale, bitmap and indexed images.
    """
    if image.mode == "LAB":
        image = ImageCms.applyTransform(image, _lab_to_srgb())
    if image.mode != "RGBA":
        image = image.convert("RGBA")
    if alpha is not None and alpha.size == image.size:
        image.putalpha(alpha.convert("L"))
    return image


_LAB_TRANSFORM = None


def _lab_to_srgb():
    global _LAB_TRANSFORM
    if _LAB_TRANSFORM is None:
        _LAB_TRANSFORM = ImageCms.buildTransform(
            ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
        )
    return _LAB_TRANSFORM


def _apply_opacity(image: Image.Image, opacity: int) -> Image.Image:
    if opacity >= 255:
        return image
    alpha = image.getchannel("A").point(lambda value: (value * opacity + 127) // 255)
    image.putalpha(alpha)
    return image


# --------------------------------------------------------------------------------------------
# Writing


def _save_with_thumbnail(
    image: Image.Image, out: Path, stem: str, layer_id: int | None, role: str, size: int
) -> list[ExportedImage]:
    thumb_role = "thumbnail" if role == "layer" else f"{role}_thumbnail"
    thumbnail = image.copy()
    thumbnail.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return [
        _save_png(image, out / f"{stem}.png", layer_id, role),
        _save_png(thumbnail, out / f"{stem}-thumb.png", layer_id, thumb_role),
    ]


def _save_png(image: Image.Image, path: Path, layer_id: int | None, role: str) -> ExportedImage:
    image.save(path, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return ExportedImage(layer_id=layer_id, role=role, path=path, width=image.width, height=image.height)


def _move_into(image: ExportedImage, out: Path) -> ExportedImage:
    """Rename a staged PNG into ``out`` (atomic: a reader never sees half a file)."""
    target = out / image.path.name
    os.replace(image.path, target)
    return replace(image, path=target)


def _remove_stale(out: Path, written: set[str]) -> None:
    """Remove exports of an earlier run that this run did not write (layers since deleted)."""
    for entry in out.iterdir():
        if _EXPORT_NAME.match(entry.name) and entry.name not in written and entry.is_file():
            entry.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# Errors


@contextmanager
def _guard(source: Path, limits: Limits) -> Iterator[None]:
    """Turn every failure of reading ``source`` into one FormatError naming it.

    psd-tools' large-image and decompression warnings and Pillow's decompression-bomb warning
    are raised as errors inside. (``warnings.catch_warnings`` changes process-wide state: run
    one reader per thread, as the workers do.)
    """
    configure_pillow(limits)
    name = source.name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PSDLargeImageWarning)
            warnings.simplefilter("error", PSDDecompressionWarning)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except FormatError as error:
        raise FormatError(error.message, source=name, code=error.code) from error
    except (ParseLimitError, DecompressionLimitError) as error:
        raise FormatError(f"refused by the parser's limits: {_one_line(error)}", source=name, code="limit") from error
    except PSDDecompressionWarning as error:
        raise FormatError(f"corrupt image data: {_one_line(error)}", source=name, code="corrupt") from error
    except (PSDLargeImageWarning, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise FormatError(f"image too large: {_one_line(error)}", source=name, code="limit") from error
    except MemoryError as error:
        raise FormatError("decoding needs more memory than is available", source=name, code="limit") from error
    except RecursionError as error:
        raise FormatError("the file's structure is nested too deeply", source=name, code="limit") from error
    except ImportError as error:
        raise FormatError(
            f"rendering this file needs an optional package: {_one_line(error)}", source=name, code="unsupported"
        ) from error
    except Exception as error:  # psd-tools raises struct.error, KeyError, AssertionError, …
        raise FormatError(_psd_tools_message(error), source=name, code="invalid") from error


def _psd_tools_message(error: Exception) -> str:
    text = _one_line(error)
    if "over the configured budget" in text:
        return "decoding an image would need more memory than the configured budget allows"
    if not text:
        return f"cannot read the file ({type(error).__name__})"
    return f"cannot read the file ({type(error).__name__}: {text})"


def _one_line(error: BaseException, limit: int = 200) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
