"""The binary records of a project as After Effects 25 lays them out (``docs/aepx-format.md``
sections 3-7): the version word of ``head``, a composition's ``cdta``, a layer's ``ldta``,
footage ``sspc`` / PSD-layer ``opti`` and the ``alas`` path record's attributes, and the frame
grid (:func:`frame_grid`) times are counted in.
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction

from ..aep.chunks import Chunk
from .chunks import _fixed, _leaf
from .specs import CompSpec, FootageLayerSpec, LayerSpec

AE_VERSION = "25.5x4"
_FORMAT_VERSIONS = {
    15: (92, 14),
    16: (93, 5),
    17: (93, 22),
    18: (93, 29),
    22: (93, 43),
    23: (94, 9),
    24: (95, 6),
    25: (96, 9),
    26: (97, 2),
}


def frame_grid(fps: float) -> tuple[int, int]:
    """``(timebase, units per frame)`` as After Effects derives them from a frame rate: the rate
    to the thousandth as p/q, q * 2**k units a frame with the largest k keeping the timebase
    under 40000 (and at most 115200)."""
    rate = Fraction(math.floor(fps * 1000 + 0.5), 1000)
    units = Fraction(rate.denominator)
    while rate * units * 2 < 40000:
        units *= 2
    while rate * units > 115200:
        units /= 2
    return math.floor(rate * units), math.floor(units)


def _version_word(version: str) -> tuple[int, int, int]:
    """``(file format version, format minor, packed version word)`` for "25.5x4"."""
    try:
        major_minor, build = version.split("x")
        major, minor = (int(v) for v in major_minor.split("."))
        build_number = int(build)
    except ValueError:
        raise ValueError(f"AE version {version!r} is not like '25.5x4'") from None
    fmt, fmt_minor = _FORMAT_VERSIONS.get(major, (71 + major, 0))
    word = (
        (major // 8) << 26 | 12 << 22 | (major % 8) << 19 | (minor & 0xF) << 15 | 1 << 10 | 1 << 9 | build_number & 0xFF
    )
    return fmt, fmt_minor, word


def _alas_attrs(path: str) -> dict[str, str]:
    return {
        "ascendcount_base": "0",
        "ascendcount_target": "0",
        "fullpath": path,
        "platform": "MacPOSIX" if path.startswith("/") else "1",
        "server_name": "",
        "server_volume_name": "",
        "target_is_folder": "0",
    }


def _sspc(code: bytes, width: int, height: int, duration: float, *, from_file: bool, audio: bool = False) -> bytes:
    data = bytearray(222)
    data[22:26] = code
    struct.pack_into(">H", data, 32, width)
    struct.pack_into(">H", data, 36, height)
    num, den = (round(duration * 600), 600) if duration else (0, 1)
    struct.pack_into(">II", data, 38, num, den)
    struct.pack_into(">H", data, 52, 600)
    struct.pack_into(">h", data, 62, 0 if audio else 32)
    if from_file:
        data[64:66] = b"\x01\x01"
        data[0x4F] = 1
    struct.pack_into(">I", data, 0x7E, 1)  # loop count
    struct.pack_into(">II", data, 0x88, 1, 1)  # pixel aspect
    if audio:
        struct.pack_into(">d", data, 0xA0, 48000.0)
    struct.pack_into(">II", data, 0xBC, 0xFFFFFFFF, 0xFFFFFFFF)
    return bytes(data)


def _psd_opti(spec: FootageLayerSpec) -> bytes:
    """The 602-byte ``8BPS`` opti of one PSD layer (format note, section 5)."""
    data = bytearray(602)
    data[0:4] = b"8BPS"
    struct.pack_into(">HI", data, 4, 265, 602)
    struct.pack_into(">I", data, 14, 0)
    left, top, right, bottom = spec.psd_bbox or (0, 0, spec.width, spec.height)
    canvas_w, canvas_h = max(right, spec.width), max(bottom, spec.height)
    struct.pack_into("<II", data, 32, canvas_h, canvas_w)
    data[40] = 8
    data[42] = 3
    struct.pack_into("<H", data, 48, 1)
    struct.pack_into("<iiii", data, 78, top, left, bottom, right)
    data[94] = 4
    data[344:602] = _fixed(spec.psd_layer or "", 258)
    return bytes(data)


def _time(seconds: float, timebase: int) -> tuple[int, int]:
    return round(seconds * timebase), timebase


def _cdta(spec: CompSpec, timebase: int, units: int) -> bytes:
    data = bytearray(204)
    struct.pack_into(">HH", data, 0, 1, 1)
    struct.pack_into(">HB", data, 5, units // 256, units % 256)
    struct.pack_into(">I", data, 8, timebase)
    struct.pack_into(">I", data, 16, 600)
    struct.pack_into(">iI", data, 20, 0, timebase)  # current time
    struct.pack_into(">iIII", data, 28, 0, 600, 0xFFFFFFFF, 600)  # work area
    struct.pack_into(">II", data, 44, *_time(spec.duration, timebase))
    data[52:55] = bytes(max(0, min(255, round(c * 255))) for c in spec.bg_color)
    struct.pack_into(">HH", data, 140, spec.width, spec.height)
    struct.pack_into(">II", data, 144, 1, 1)
    fps_int, fps_frac = divmod(round(spec.fps * 65536), 65536)
    struct.pack_into(">HH", data, 156, fps_int, fps_frac)
    struct.pack_into(">iI", data, 164, 0, 1)
    struct.pack_into(">HIiI", data, 174, 180, 360, -90, 360)
    struct.pack_into(">ii", data, 196, 128, 16)
    return bytes(data)


def _ldta(
    layer_id: int,
    source_id: int,
    comp: CompSpec,
    timebase: int,
    flags: tuple[int, int, int],
    layer_type: int,
    parent_id: int,
    label: int,
    name: str,
    spec: LayerSpec | None = None,
) -> Chunk:
    in_point = spec.in_point if spec else 0.0
    out_point = spec.out_point if spec and spec.out_point is not None else comp.duration
    data = bytearray(164)
    struct.pack_into(">IH", data, 0, layer_id, 2)
    struct.pack_into(">i", data, 8, 1)  # stretch numerator
    struct.pack_into(">iI", data, 12, 0, timebase)  # start time
    struct.pack_into(">iI", data, 20, *_time(in_point, timebase))
    struct.pack_into(">iI", data, 28, *_time(out_point, timebase))
    data[37], data[38], data[39] = flags
    struct.pack_into(">I", data, 40, source_id)
    data[61] = label
    data[64:96] = _fixed(name, 32)
    struct.pack_into(">I", data, 108, 1)  # stretch denominator
    data[131] = layer_type
    struct.pack_into(">I", data, 132, parent_id)
    return _leaf("ldta", bytes(data))
