"""Write small, real After Effects templates (.aepx XML or .aep RIFX) for demo fixtures and tests.

The project must not ship third-party files, so its demo templates and test inputs are built
here. The writer builds the same chunk tree :mod:`jobs.formats.aep` reads
(``shared/docs/aepx-format.md``), laid out like a project After Effects 25 saves: project
header chunks, a root ``Fold`` with footage, solid and composition Items, and per layer an
``ldta`` record, its name and a property tree holding only what differs from the defaults
(After Effects leaves default values out too). Text layers carry a ``btdk`` COS text document.
The tree is then written as RIFX (``.aep``) or as its XML form (``.aepx``).

What it writes reads back identically with :func:`jobs.formats.aep.read_template` and parses
with py-aep. It is not a general project writer: no keyframes, effects, masks or markers.

Example::

    write_template("demo.aepx", compositions=[
        CompSpec(name="Main", width=1920, height=1080, layers=[
            TextLayerSpec(name="title", text="HELLO", font="ArialMT", font_size=72,
                          position=(960, 200)),
            FootageLayerSpec(name="photo", path="/media/photo.png", width=800, height=600,
                             scale=(50, 50)),
            SolidLayerSpec(name="bg", color=(0.1, 0.2, 0.3)),
        ]),
    ])
"""

from __future__ import annotations

import json
import math
import os
import posixpath
import struct
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence

from lxml import etree

from .aep import AE_NAMESPACE, LEAF, LIST, NEST, Chunk, alas_json, to_rifx

Vec2 = tuple[float, float]
RGB = tuple[float, float, float]

# ============================================================================================
# What to write


@dataclass(frozen=True, kw_only=True)
class LayerSpec:
    """Options every layer takes. Transform values left ``None`` are not written, so After
    Effects' defaults apply (position = comp centre, anchor = content centre, scale 100 %)."""

    name: str = ""  # "" = After Effects shows the source's name
    enabled: bool = True
    position: Vec2 | None = None  # comp pixels (or the parent's layer pixels)
    anchor: Vec2 | None = None  # layer pixels
    scale: Vec2 | None = None  # percent
    rotation: float | None = None  # degrees, clockwise
    parent: str | None = None  # name of another layer of the same composition
    in_point: float = 0.0  # seconds, composition time
    out_point: float | None = None  # None = the composition's end
    three_d: bool = False


@dataclass(frozen=True, kw_only=True)
class TextLayerSpec(LayerSpec):
    text: str
    font: str = "ArialMT"  # PostScript name
    font_size: float = 36.0
    color: RGB = (1.0, 1.0, 1.0)
    all_caps: bool = False
    box: Vec2 | None = None  # paragraph text box (width, height) centred on the layer origin


@dataclass(frozen=True, kw_only=True)
class FootageLayerSpec(LayerSpec):
    """A layer showing a file. ``width = height = 0`` with ``duration > 0`` is sound-only."""

    path: str  # the absolute path recorded in the project
    width: int
    height: int
    duration: float = 0.0  # 0 for stills
    psd_layer: str | None = None  # one layer of a layered PSD: its name
    psd_bbox: tuple[int, int, int, int] | None = None  # that layer's left, top, right, bottom


@dataclass(frozen=True, kw_only=True)
class SolidLayerSpec(LayerSpec):
    color: RGB = (0.5, 0.5, 0.5)
    width: int | None = None  # None = the composition's size
    height: int | None = None
    solid_name: str | None = None  # the solid item's name; default: the layer name


@dataclass(frozen=True, kw_only=True)
class NullLayerSpec(LayerSpec):
    name: str = "Null 1"


@dataclass(frozen=True, kw_only=True)
class PrecompLayerSpec(LayerSpec):
    composition: str  # name of another CompSpec of the same project


@dataclass(frozen=True, kw_only=True)
class CompSpec:
    name: str
    width: int = 1920
    height: int = 1080
    fps: float = 30.0
    duration: float = 10.0
    bg_color: RGB = (0.0, 0.0, 0.0)
    layers: Sequence[LayerSpec] = ()  # top layer first, as After Effects numbers them


AE_VERSION = "25.5x4"
_FORMAT_VERSIONS = {15: (92, 14), 16: (93, 5), 17: (93, 22), 18: (93, 29), 22: (93, 43), 23: (94, 9), 24: (95, 6), 25: (96, 9), 26: (97, 2)}
_GROUP_END = "ADBE Group End"
_DEFAULT_NAME = "-_0_/-"  # tdsn of a property that keeps its default display name

_FORMAT_CODES = {
    ".png": b"png!",
    ".jpg": b"JPEG",
    ".jpeg": b"JPEG",
    ".psd": b"8BPS",
    ".tif": b"TIFF",
    ".tiff": b"TIFF",
    ".mov": b"MooV",
    ".mp4": b"MooV",
    ".wav": b"WAVE",
    ".aif": b"AIFF",
    ".aiff": b"AIFF",
    ".mp3": b"Mp3 ",
}

# ============================================================================================
# Entry points


def write_template(
    path: str | os.PathLike,
    *,
    compositions: Sequence[CompSpec],
    format: str | None = None,
    ae_version: str = AE_VERSION,
) -> None:
    """Write a template. ``format`` is "aepx" or "aep"; by default the file's extension says.

    Raises:
        ValueError: an inconsistent spec (unknown parent or pre-comp, duplicate comp name, ...).
    """
    fmt = format or ("aep" if os.fspath(path).lower().endswith(".aep") else "aepx")
    if fmt not in ("aep", "aepx"):
        raise ValueError(f"unknown format {fmt!r} (aep or aepx)")
    root, xmp = build_project(compositions, ae_version=ae_version)
    data = to_rifx(root, xmp) if fmt == "aep" else to_aepx(root, xmp)
    with open(path, "wb") as handle:
        handle.write(data)


def build_project(compositions: Sequence[CompSpec], *, ae_version: str = AE_VERSION) -> tuple[Chunk, str]:
    """The chunk tree (``Egg!`` root) and XMP packet of a project holding ``compositions``."""
    return _ProjectBuilder(compositions, ae_version).build()


def to_aepx(root: Chunk, xmp: str = "") -> bytes:
    """Serialise a chunk tree as .aepx XML (the mapping of the format note, section 2)."""
    element = etree.Element(f"{{{AE_NAMESPACE}}}AfterEffectsProject", nsmap={None: AE_NAMESPACE})
    element.set("majorVersion", "1")
    element.set("minorVersion", "0")
    for child in root.children:
        if xmp and child.tag == "Fold" and child.kind == LIST:
            _xmp_element(element, xmp)
            xmp = ""
        _xml_chunk(element, child)
    if xmp:
        _xmp_element(element, xmp)
    etree.indent(element, space="\t")
    body = etree.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _xmp_element(parent: etree._Element, xmp: str) -> None:
    node = etree.SubElement(parent, f"{{{AE_NAMESPACE}}}ProjectXMPMetadata")
    node.text = etree.CDATA(xmp)


def _xml_chunk(parent: etree._Element, chunk: Chunk) -> None:
    if chunk.kind == LEAF and chunk.tag == "Utf8":
        node = etree.SubElement(parent, f"{{{AE_NAMESPACE}}}string")
        text = chunk.data.decode("utf-8")
        if text:
            node.text = text
        return
    if chunk.kind == LEAF and chunk.tag == "alas":
        _file_reference(parent, chunk.data)
        return
    if chunk.kind == LEAF and chunk.tag in ("numS", "ppSn"):
        node = etree.SubElement(parent, f"{{{AE_NAMESPACE}}}{chunk.tag}")
        string = etree.SubElement(node, f"{{{AE_NAMESPACE}}}string")
        if chunk.tag == "numS":
            string.text = str(struct.unpack(">I", chunk.data)[0])
        else:
            string.text = f"{struct.unpack('>d', chunk.data)[0]:.9f}"
        return
    node = etree.SubElement(parent, f"{{{AE_NAMESPACE}}}{chunk.tag}")
    if chunk.kind == LEAF or (chunk.kind == LIST and chunk.tag == "btdk"):
        node.set("bdata", chunk.data.hex())
        return
    for child in chunk.children:
        _xml_chunk(node, child)


def _file_reference(parent: etree._Element, data: bytes) -> None:
    record = json.loads(data.decode("utf-8"))
    node = etree.SubElement(parent, f"{{{AE_NAMESPACE}}}fileReference")
    for key in sorted(record):
        value = record[key]
        if key == "platform":
            text = "MacPOSIX" if value == 2 else str(value)
        elif isinstance(value, bool):
            text = "1" if value else "0"
        else:
            text = str(value)
        node.set(key, text)


# ============================================================================================
# Chunk helpers


def _leaf(tag: str, data: bytes) -> Chunk:
    return Chunk(tag, LEAF, data)


def _list(tag: str, children: Iterable[Chunk]) -> Chunk:
    return Chunk(tag, LIST, children=list(children))


def _utf8(text: str) -> Chunk:
    return Chunk("Utf8", LEAF, text.encode("utf-8"))


def _tdsn(text: str) -> Chunk:
    return Chunk("tdsn", NEST, children=[_utf8(text)])


def _tdmn(match_name: str) -> Chunk:
    return _leaf("tdmn", match_name.encode("ascii").ljust(40, b"\0")[:40])


def _fixed(text: str, size: int) -> bytes:
    raw = text.encode("utf-8")[: size - 1]
    return raw.ljust(size, b"\0")


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
    word = (major // 8) << 26 | 12 << 22 | (major % 8) << 19 | (minor & 0xF) << 15 | 1 << 10 | 1 << 9 | build_number & 0xFF
    return fmt, fmt_minor, word


# ============================================================================================
# The project


class _ProjectBuilder:
    def __init__(self, compositions: Sequence[CompSpec], ae_version: str):
        self.specs = list(compositions)
        self.ae_version = ae_version
        self.next_id = 1
        self.footage: dict[tuple, int] = {}
        self.footage_items: list[Chunk] = []
        self.solid_items: list[Chunk] = []
        self.comp_ids: dict[str, int] = {}
        self.comp_sizes = {spec.name: (spec.width, spec.height) for spec in self.specs}
        names = [c.name for c in self.specs]
        if len(set(names)) != len(names):
            raise ValueError("composition names must be unique")

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def build(self) -> tuple[Chunk, str]:
        for spec in self.specs:
            self.comp_ids[spec.name] = self.new_id()
        comps = [self.composition(spec) for spec in self.specs]
        items: list[Chunk] = list(self.footage_items)
        if self.solid_items:
            items.append(self.folder("Solids", self.solid_items))
        items.extend(comps)
        fold = _list("Fold", [_leaf("fdta", bytes(14)), *items])
        return _list("Egg!", [*self.header(), fold]), _XMP

    # ------------------------------------------------------------------ project header

    def header(self) -> list[Chunk]:
        fmt, fmt_minor, word = _version_word(self.ae_version)
        head = struct.pack(">BBBBI4sII", 0, fmt, 0, fmt_minor, word, b"\x80\0\0\0", self.next_id, 1)
        nhed = bytes(7) + b"\x05" + bytes([0, 1, 1, 0, 30, 0x10, 2, 0, 0]) + bytes(15)
        nnhd = bytes(7) + b"\x05" + bytes([0, 1, 1, 0, 0, 0]) + struct.pack(">H", 30) + b"\0\0\0\x10" + bytes([2, 0, 0, 0, 0, 0]) + b"\x01\x00" + bytes(12)
        return [
            _leaf("svap", struct.pack(">I", word)),
            _leaf("head", head),
            _leaf("nhed", nhed),
            _leaf("nnhd", nnhd),
            _leaf("adfr", struct.pack(">d", 48000.0)),
            _list("Pefl", []),
            _leaf("qtlg", b"\0"),
            _leaf("acer", b"\x01"),
            _leaf("dwga", struct.pack("<I", 1)),
            _list("ExEn", [_utf8("javascript-1.0")]),
        ]

    # ------------------------------------------------------------------ items

    def item_head(self, item_id: int, item_type: int, name: str, label: int) -> list[Chunk]:
        idta = bytearray(84)
        struct.pack_into(">H", idta, 0, item_type)
        struct.pack_into(">I", idta, 16, item_id)
        idta[23] = {1: 0x01, 4: 0x20, 7: 0x30}[item_type]
        idta[58] = label
        return [
            _leaf("iide", struct.pack("<I", item_id)),
            _leaf("idpc", bytes(8)),
            _leaf("idta", bytes(idta)),
            _utf8(name),
        ]

    def folder(self, name: str, children: list[Chunk]) -> Chunk:
        folder_id = self.new_id()
        return _list(
            "Item",
            [*self.item_head(folder_id, 1, name, 2), _leaf("sfdt", struct.pack(">I", 1)), _list("Sfdr", children)],
        )

    def file_item(self, spec: FootageLayerSpec) -> int:
        key = ("file", spec.path, spec.width, spec.height, spec.duration, spec.psd_layer)
        if key in self.footage:
            return self.footage[key]
        item_id = self.new_id()
        code = b"8BPS" if spec.psd_layer else _FORMAT_CODES.get(posixpath.splitext(spec.path.lower())[1], b"????")
        audio = spec.duration > 0 and not spec.width and not spec.height
        sspc = _sspc(code, spec.width, spec.height, spec.duration, from_file=True, audio=audio)
        opti = _psd_opti(spec) if spec.psd_layer else code + struct.pack(">H", 1) + bytes(316)
        pin = _list(
            "Pin",
            [
                _leaf("sspc", sspc),
                _utf8(spec.psd_layer or ""),
                _list("Als2", [_leaf("alas", alas_json(_alas_attrs(spec.path)).encode("utf-8"))]),
                _leaf("opti", opti),
            ],
        )
        self.footage_items.append(_list("Item", [*self.item_head(item_id, 7, "", 5), pin]))
        self.footage[key] = item_id
        return item_id

    def solid_item(self, name: str, color: RGB, width: int, height: int) -> int:
        key = ("solid", name, color, width, height)
        if key in self.footage:
            return self.footage[key]
        item_id = self.new_id()
        opti = b"Soli" + struct.pack(">H", 9) + b"\x00\x00\x01\x1a" + struct.pack(">4f", 1.0, *color) + _fixed(name, 256)
        pin = _list("Pin", [_leaf("sspc", _sspc(b"Soli", width, height, 0.0, from_file=False)), _utf8(""), _leaf("opti", opti)])
        self.solid_items.append(_list("Item", [*self.item_head(item_id, 7, "", 1), pin]))
        self.footage[key] = item_id
        return item_id

    # ------------------------------------------------------------------ compositions

    def composition(self, spec: CompSpec) -> Chunk:
        comp_id = self.comp_ids[spec.name]
        timebase, units = frame_grid(spec.fps)
        ids = [self.new_id() for _ in spec.layers]
        layer_ids = {layer.name: layer_id for layer, layer_id in zip(spec.layers, ids) if layer.name}
        layers = []
        for layer, layer_id in zip(spec.layers, ids):
            parent_id = 0
            if layer.parent is not None:
                if layer_ids.get(layer.parent) is None:
                    raise ValueError(f"layer {layer.name!r}: no layer {layer.parent!r} to parent to in {spec.name!r}")
                parent_id = layer_ids[layer.parent]
            layers.append(self.layer(spec, layer, layer_id, parent_id, timebase))
        marker_ldta = _ldta(self.new_id(), 0, spec, timebase, (0, 0, 0x87), 4, 0, 0, "Markers")
        markers = _list("SecL", [marker_ldta, _utf8("Markers"), _property_root([])])
        return _list(
            "Item",
            [
                *self.item_head(comp_id, 4, spec.name, 15),
                _leaf("cdta", _cdta(spec, timebase, units)),
                _list("PRin", [_leaf("prin", bytes(4) + _fixed("ADBE Escher", 48) + _fixed("Classic 3D", 48) + b"\0\0\0\x01"), _leaf("prda", struct.pack(">III", 1, 0, 0))]),
                *layers,
                markers,
            ],
        )

    def layer(self, comp: CompSpec, spec: LayerSpec, layer_id: int, parent_id: int, timebase: int) -> Chunk:
        source_id, layer_type, flags38, anchor_size = 0, 0, 0, None
        groups: list[Chunk] = []
        audio_video = 0x07
        if isinstance(spec, TextLayerSpec):
            layer_type = 3
            audio_video = 0x05
            groups.extend(_text_group(spec))
        elif isinstance(spec, FootageLayerSpec):
            source_id = self.file_item(spec)
            anchor_size = (spec.width, spec.height)
        elif isinstance(spec, SolidLayerSpec):
            width, height = spec.width or comp.width, spec.height or comp.height
            source_id = self.solid_item(spec.solid_name or spec.name or "Solid", spec.color, width, height)
            anchor_size = (width, height)
        elif isinstance(spec, NullLayerSpec):
            source_id = self.solid_item("Null 1", (1.0, 1.0, 1.0), 100, 100)
            flags38 |= 0x80
            anchor_size = (100, 100)
        elif isinstance(spec, PrecompLayerSpec):
            if spec.composition not in self.comp_ids or spec.composition == comp.name:
                raise ValueError(f"layer {spec.name!r}: no other composition {spec.composition!r}")
            source_id = self.comp_ids[spec.composition]
            width, height = self.comp_sizes[spec.composition]
            anchor_size = (width, height)
        else:
            raise ValueError(f"unknown layer spec {type(spec).__name__}")
        if spec.three_d:
            flags38 |= 0x04
        flags39 = audio_video & ~0x01 | (0x01 if spec.enabled else 0)
        flags37 = 0x01 if spec.name else 0x00
        ldta = _ldta(layer_id, source_id, comp, timebase, (flags37, flags38, flags39), layer_type, parent_id, 0, spec.name, spec)
        groups.extend(_transform_group(spec, anchor_size))
        return _list("Layr", [ldta, _utf8(spec.name), _property_root(groups)])


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


# ============================================================================================
# Property trees


def _property_root(groups: list[Chunk]) -> Chunk:
    """A layer's root ``tdgp``: flags, name, then (tdmn, group) pairs, then the group end."""
    return _list("tdgp", [_leaf("tdsb", struct.pack(">I", 1)), _tdsn(""), *groups, _tdmn(_GROUP_END)])


def _group(match_name: str, members: list[Chunk]) -> list[Chunk]:
    body = _list("tdgp", [_leaf("tdsb", struct.pack(">I", 1)), _tdsn(_DEFAULT_NAME), *members, _tdmn(_GROUP_END)])
    return [_tdmn(match_name), body]


def _tdb4(dims: int, *, spatial: bool, vector: bool) -> bytes:
    data = bytearray(124)
    struct.pack_into(">HH", data, 0, 0xDB99, dims)
    data[5] = 0x0F if spatial else 0x01
    struct.pack_into(">H", data, 6, dims if spatial else 0)
    struct.pack_into(">HBB", data, 8, 0xFFFF if spatial else 1, 0xFF, 0xFF)
    struct.pack_into(">I", data, 12, 0x7800)
    struct.pack_into(">5d", data, 16, 0.0001, 1.0, 1.0, 1.0, 1.0)
    data[59] = 0x08 if vector or spatial else 0x00
    data[60] = 0x09
    return bytes(data)


def _tdbs(values: Sequence[float], *, spatial: bool = False) -> Chunk:
    dims = len(values)
    cdat = struct.pack(f">{max(dims, 5)}d", *values, *([0.0] * (5 - dims)))
    return _list(
        "tdbs",
        [_leaf("tdsb", struct.pack(">I", 1)), _tdsn(_DEFAULT_NAME), _leaf("tdb4", _tdb4(dims, spatial=spatial, vector=dims > 1)), _leaf("cdat", cdat)],
    )


def _transform_group(spec: LayerSpec, source_size: tuple[int, int] | None) -> list[Chunk]:
    """``ADBE Transform Group`` holding only the properties the spec sets. Anchor points of
    layers with a source are stored normalised to the source size (format note, section 7)."""
    members: list[Chunk] = []
    if spec.anchor is not None:
        ax, ay = spec.anchor
        if source_size and source_size[0] and source_size[1]:
            ax, ay = ax / source_size[0], ay / source_size[1]
        members += [_tdmn("ADBE Anchor Point"), _tdbs((ax, ay, 0.0), spatial=True)]
    if spec.position is not None:
        members += [_tdmn("ADBE Position"), _tdbs((float(spec.position[0]), float(spec.position[1]), 0.0), spatial=True)]
    if spec.scale is not None:
        members += [_tdmn("ADBE Scale"), _tdbs((spec.scale[0] / 100, spec.scale[1] / 100, 1.0))]
    if spec.rotation is not None:
        members += [_tdmn("ADBE Rotate Z"), _tdbs((float(spec.rotation),))]
    return _group("ADBE Transform Group", members)


def _text_group(spec: TextLayerSpec) -> list[Chunk]:
    document = _list(
        "btds",
        [
            _list(
                "tdbs",
                [_leaf("tdsb", struct.pack(">I", 1)), _tdsn(_DEFAULT_NAME), _leaf("tdb4", _tdb4(1, spatial=False, vector=False)), _leaf("cdat", bytes(4))],
            ),
            Chunk("btdk", LIST, text_document(spec)),
        ],
    )
    return _group("ADBE Text Properties", [_tdmn("ADBE Text Document"), document])


# ============================================================================================
# COS text documents


def cos_dumps(value: object) -> bytes:
    """Serialise dicts / lists / numbers / strings in After Effects' COS text syntax. Dict keys
    are written as ``/key``; a :class:`CosNameValue` as ``/name``; strings as UTF-16BE."""
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if value is None:
        return b"null"
    if isinstance(value, CosNameValue):
        return b"/" + value.name.encode("ascii")
    if isinstance(value, int):
        return str(value).encode("ascii")
    if isinstance(value, float):
        text = f"{value:.5f}".rstrip("0")
        return (text + "0" if text.endswith(".") else text).encode("ascii")
    if isinstance(value, str):
        raw = b"\xfe\xff" + value.encode("utf-16-be")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    if isinstance(value, dict):
        return b"<< " + _cos_pairs(value) + b" >>"
    if isinstance(value, (list, tuple)):
        return b"[ " + b" ".join(cos_dumps(v) for v in value) + b" ]"
    raise TypeError(f"cannot write {type(value).__name__} as COS")


def _cos_pairs(mapping: dict) -> bytes:
    return b" ".join(b"/" + str(k).encode("ascii") + b" " + cos_dumps(v) for k, v in mapping.items())


@dataclass(frozen=True)
class CosNameValue:
    name: str


def _box_coords(left: float, top: float, width: float, height: float) -> list[float]:
    """The 16-vertex outline After Effects stores for a paragraph box: corners repeated as its
    bezier handles (top-left x2, top-right x4, bottom-right x4, bottom-left x4, top-left x2)."""
    right, bottom = left + width, top + height
    corners = [(left, top)] * 2 + [(right, top)] * 4 + [(right, bottom)] * 4 + [(left, bottom)] * 4 + [(left, top)] * 2
    return [float(c) for point in corners for c in point]


def _char_style(font_index: int, size: float, color: RGB, all_caps: bool) -> dict:
    return {
        "0": font_index,
        "1": float(size),
        "2": False,
        "3": False,
        "4": True,
        "5": float(size) * 1.2,
        "6": 1.0,
        "7": 1.0,
        "8": 0,
        "9": 0.0,
        "12": 2 if all_caps else 0,
        "53": {"99": CosNameValue("SimplePaint"), "0": {"0": 1, "1": [1.0, *map(float, color)]}},
        "56": True,
        "57": False,
    }


def text_document(spec: TextLayerSpec) -> bytes:
    """The ``btdk`` body of a one-run, one-style text layer (format note, section 7)."""
    fonts = [spec.font] if spec.font == "ArialMT" else [spec.font, "ArialMT"]
    font_list = [{"0": {"99": CosNameValue("CoolTypeFont"), "0": {"0": name, "2": 0}}} for name in fonts]
    text = spec.text.replace("\r\n", "\r").replace("\n", "\r") + "\r"
    units = len(text.encode("utf-16-be")) // 2
    style = _char_style(0, spec.font_size, spec.color, spec.all_caps)
    default_style = _char_style(fonts.index("ArialMT"), 12.0, (0.0, 0.0, 0.0), False)
    paragraph = {"0": 2 if spec.box is None else 0, "1": 0.0, "2": 0.0, "3": 0.0, "4": 0.0, "5": 0.0}
    resources: dict = {
        "1": {"0": font_list},
        "5": {"0": [{"0": {"0": "Normal RGB", "6": default_style}}], "1": [{"0": 0}]},
        "6": {"0": [{"0": {"0": "Normal RGB", "5": paragraph}}], "1": [{"0": 0}]},
    }
    if spec.box is not None:
        width, height = spec.box
        resources["8"] = {"0": [{"0": {"1": {"0": _box_coords(-width / 2, -height / 2, width, height)}, "2": {"0": 1, "1": 0}}}]}
    document = {
        "0": {
            "0": text,
            "5": {"0": [{"0": {"0": {"0": "", "5": paragraph, "6": 0}}, "1": units}]},
            "6": {"0": [{"0": {"0": {"0": "", "5": 0, "6": style}}, "1": units}]},
        }
    }
    root = {"0": resources, "1": {"1": [document], "2": default_style, "3": paragraph}}
    return b" " + _cos_pairs(root) + b" "


_XMP = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
    "<xmp:CreatorTool>aeautomation aepx_writer</xmp:CreatorTool></rdf:Description></rdf:RDF></x:xmpmeta>\n"
    '<?xpacket end="w"?>'
)
