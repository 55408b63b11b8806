"""The writer's entry points: :func:`write_template` (a file, .aepx or .aep) and
:func:`build_project` (the chunk tree), built by a project builder that lays items out like a
project After Effects 25 saves: project header chunks, a root ``Fold`` with footage, solid and
composition Items, and per layer its ``ldta`` record, name and property tree.
"""

from __future__ import annotations

import os
import posixpath
import struct
from collections.abc import Sequence

from ..aep.aepx import alas_json
from ..aep.chunks import Chunk, to_rifx
from .aepx import to_aepx
from .chunks import _fixed, _leaf, _list, _utf8
from .properties import _property_root, _text_group, _transform_group
from .records import AE_VERSION, _alas_attrs, _cdta, _ldta, _psd_opti, _sspc, _version_word, frame_grid
from .specs import (
    RGB,
    CompSpec,
    FootageLayerSpec,
    LayerSpec,
    NullLayerSpec,
    PrecompLayerSpec,
    SolidLayerSpec,
    TextLayerSpec,
)

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
        nnhd = (
            bytes(7)
            + b"\x05"
            + bytes([0, 1, 1, 0, 0, 0])
            + struct.pack(">H", 30)
            + b"\0\0\0\x10"
            + bytes([2, 0, 0, 0, 0, 0])
            + b"\x01\x00"
            + bytes(12)
        )
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
        opti = (
            b"Soli" + struct.pack(">H", 9) + b"\x00\x00\x01\x1a" + struct.pack(">4f", 1.0, *color) + _fixed(name, 256)
        )
        pin = _list(
            "Pin",
            [_leaf("sspc", _sspc(b"Soli", width, height, 0.0, from_file=False)), _utf8(""), _leaf("opti", opti)],
        )
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
                _list(
                    "PRin",
                    [
                        _leaf("prin", bytes(4) + _fixed("ADBE Escher", 48) + _fixed("Classic 3D", 48) + b"\0\0\0\x01"),
                        _leaf("prda", struct.pack(">III", 1, 0, 0)),
                    ],
                ),
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
        ldta = _ldta(
            layer_id, source_id, comp, timebase, (flags37, flags38, flags39), layer_type, parent_id, 0, spec.name, spec
        )
        groups.extend(_transform_group(spec, anchor_size))
        return _list("Layr", [ldta, _utf8(spec.name), _property_root(groups)])


_XMP = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
    "<xmp:CreatorTool>aeautomation aepx_writer</xmp:CreatorTool></rdf:Description></rdf:RDF></x:xmpmeta>\n"
    '<?xpacket end="w"?>'
)
