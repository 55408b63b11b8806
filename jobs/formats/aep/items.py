"""The project's items (``LIST Item`` under the root ``Fold``): footage, solids and placeholders
as :class:`~jobs.formats.descriptions.Footage`, compositions' settings (``cdta``), and the After
Effects version recorded in the ``head`` chunk (``docs/aepx-format.md`` sections 3-5).
"""

from __future__ import annotations

import json
import math
import ntpath
import posixpath
import struct
from collections.abc import Callable
from dataclasses import dataclass

from ..descriptions import Footage
from ..errors import FormatError
from .chunks import _F32, _U16, _U32, LEAF, LIST, Chunk, _utf8

_ITEM_COMP = 4
_ITEM_FOOTAGE = 7


# ============================================================================================
# Decoding: items, footage, compositions


@dataclass
class _Item:
    id: int
    type: int
    name: str
    chunk: Chunk


@dataclass
class _Source:
    """A decoded footage item with what classifying its layers needs beyond :class:`Footage`."""

    footage: Footage
    audio: bool = False


def _items(root: Chunk) -> list[_Item]:
    fold = root.find("Fold", LIST)
    if fold is None:
        raise FormatError("project has no root folder (LIST Fold)")
    out: list[_Item] = []
    _collect_items(fold, out)
    return out


def _collect_items(container: Chunk, out: list[_Item]) -> None:
    for chunk in container.children:
        if chunk.kind != LIST or chunk.tag != "Item":
            continue
        idta = chunk.find("idta", LEAF)
        if idta is not None and len(idta.data) >= 20:
            item_type = _U16.unpack_from(idta.data, 0)[0]
            item_id = _U32.unpack_from(idta.data, 16)[0]
            out.append(_Item(item_id, item_type, chunk.first_string() or "", chunk))
        subfolder = chunk.find("Sfdr", LIST)
        if subfolder is not None:
            _collect_items(subfolder, out)


def _fixed(data: bytes, offset: int, size: int) -> str:
    """A NUL-padded UTF-8 string field."""
    return data[offset : offset + size].split(b"\0", 1)[0].decode("utf-8", "replace")


def _footage(item: _Item, exists: Callable[[str], bool]) -> _Source:
    pin = item.chunk.find("Pin", LIST)
    if pin is None:
        return _Source(Footage(id=item.id, name=item.name, kind="file"))
    sspc = pin.find("sspc", LEAF)
    opti = pin.find("opti", LEAF)
    width = height = None
    duration = 0.0
    if sspc is not None and len(sspc.data) >= 46:
        width = _U16.unpack_from(sspc.data, 32)[0]
        height = _U16.unpack_from(sspc.data, 36)[0]
        num, den = struct.unpack_from(">II", sspc.data, 38)
        duration = round(num / den, 6) if den else 0.0
    layer_name = _source_layer_name(pin) or None
    path = _alas_path(pin.find("Als2", LIST))
    kind, stored_name, color = _opti(opti.data if opti is not None else b"")
    name = item.name or _derived_name(kind, stored_name, layer_name, path)
    audio = kind == "file" and duration > 0 and not width and not height
    footage = Footage(
        id=item.id,
        name=name,
        path=path,
        width=width or None,
        height=height or None,
        missing=(not exists(path)) if kind == "file" and path else None,
        kind=kind,
        duration=duration,
        psd_layer=layer_name,
        color=color,
    )
    return _Source(footage, audio)


def _source_layer_name(pin: Chunk) -> str:
    """The ``Utf8`` right after ``sspc``: the source-layer name of layered footage."""
    seen_sspc = False
    for chunk in pin.children:
        if chunk.tag == "sspc":
            seen_sspc = True
        elif seen_sspc and chunk.tag == "Utf8" and chunk.kind == LEAF:
            return _utf8(chunk.data)
        elif seen_sspc:
            return ""
    return ""


def _alas_path(als2: Chunk | None) -> str | None:
    if als2 is None:
        return None
    alas = als2.find("alas", LEAF)
    if alas is None or not alas.data:
        return None
    try:
        record = json.loads(alas.data.decode("utf-8", "replace"))
    except ValueError:
        raise FormatError("footage path record (alas) is not valid JSON") from None
    path = record.get("fullpath") if isinstance(record, dict) else None
    if not isinstance(path, str) or not path:
        return None
    # JSON escapes can smuggle lone surrogates, which no UTF-8 file, terminal or database takes.
    return path.encode("utf-8", "replace").decode("utf-8")


def _opti(data: bytes) -> tuple[str, str, tuple[float, float, float] | None]:
    """``(kind, stored name, solid colour)`` from an ``opti`` chunk."""
    asset = data[:4]
    if asset == b"Soli" and len(data) >= 26:
        values = [_F32.unpack_from(data, off)[0] for off in (14, 18, 22)]
        if not all(math.isfinite(v) for v in values):
            raise FormatError("a solid's colour is not a finite number")
        color = tuple(round(v, 6) for v in values)
        return "solid", _fixed(data, 26, 256), color  # type: ignore[return-value]
    if len(data) >= 10 and asset.strip(b"\0") == b"" and _U16.unpack_from(data, 4)[0] == 2:
        return "placeholder", _fixed(data, 10, 256), None
    return "file", "", None


def _basename(path: str) -> str:
    return ntpath.basename(path) if "\\" in path and not path.startswith("/") else posixpath.basename(path)


def _derived_name(kind: str, stored: str, layer_name: str | None, path: str | None) -> str:
    if kind in ("solid", "placeholder"):
        return stored
    base = _basename(path) if path else ""
    return f"{layer_name}/{base}" if layer_name else base


@dataclass
class _CompHeader:
    width: int
    height: int
    frame_rate: float
    duration: float
    bg_color: tuple[float, float, float]
    renderer: str | None


def _comp_header(item: _Item) -> _CompHeader:
    cdta = item.chunk.find("cdta", LEAF)
    if cdta is None or len(cdta.data) < 160:
        raise FormatError(f"composition {item.name!r} has no valid settings (cdta)")
    data = cdta.data
    num, den = struct.unpack_from(">II", data, 44)
    fps = _U16.unpack_from(data, 156)[0] + _U16.unpack_from(data, 158)[0] / 65536
    renderer = None
    prin_list = item.chunk.find("PRin", LIST)
    prin = prin_list.find("prin", LEAF) if prin_list is not None else None
    if prin is not None and len(prin.data) > 4:
        renderer = prin.data[4:52].split(b"\0", 1)[0].decode("ascii", "replace") or None
    return _CompHeader(
        width=_U16.unpack_from(data, 140)[0],
        height=_U16.unpack_from(data, 142)[0],
        frame_rate=round(fps, 3),
        duration=round(num / den, 6) if den else 0.0,
        bg_color=(round(data[52] / 255, 6), round(data[53] / 255, 6), round(data[54] / 255, 6)),
        renderer=renderer,
    )


def _ae_version(root: Chunk) -> str | None:
    head = root.find("head", LEAF)
    if head is None or len(head.data) < 8:
        return None
    word = _U32.unpack_from(head.data, 4)[0]
    major = ((word >> 26) & 0x1F) * 8 + ((word >> 19) & 0x07)
    minor = (word >> 15) & 0x0F
    return f"{major}.{minor}x{word & 0xFF}"
