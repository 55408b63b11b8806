"""The cheap checks on a Photoshop file's bytes, before psd-tools parses anything.

Every file is untrusted. These read only fixed-size fields (size on disk, header, section
lengths, the declared layer count, the merged image's row-length table) and refuse a file
that is not a PSD, is truncated, empty or too big, or declares more pixels or layers than
:class:`~jobs.formats.limits.Limits` allows, so a hostile file is refused in milliseconds
with a one-line :class:`~jobs.formats.errors.FormatError`. :func:`_check_layer_box` does the
same for each layer record once psd-tools has read the layer tree.

Plain Python, no Django.
"""

from __future__ import annotations

import stat
import struct
from pathlib import Path

import numpy as np
from psd_tools.constants import ColorMode

from ..descriptions import PsdLayer
from ..errors import FormatError
from ..limits import Limits

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

_HEADER = struct.Struct(">4sH6sHIIHH")
_LAYER_INFO_KEYS = (b"Lr16", b"Lr32")
_PSB_LONG_KEYS = frozenset(
    {b"LMsk", b"Lr16", b"Lr32", b"Layr", b"Mt16", b"Mt32", b"Mtrn", b"Alph", b"FMsk",
     b"lnk2", b"FEid", b"FXid", b"PxSD"}
)


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
