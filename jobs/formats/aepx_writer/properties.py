"""Layer property trees (``tdgp`` groups of ``tdmn`` + property pairs): the root group, the
``ADBE Transform Group`` holding only the values a spec sets, and the ``ADBE Text Properties``
group carrying the text document (``docs/aepx-format.md`` section 7).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from ..aep.chunks import LIST, Chunk
from .chunks import _leaf, _list, _tdmn, _tdsn
from .specs import LayerSpec, TextLayerSpec
from .text import text_document

_GROUP_END = "ADBE Group End"
_DEFAULT_NAME = "-_0_/-"  # tdsn of a property that keeps its default display name


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
        [
            _leaf("tdsb", struct.pack(">I", 1)),
            _tdsn(_DEFAULT_NAME),
            _leaf("tdb4", _tdb4(dims, spatial=spatial, vector=dims > 1)),
            _leaf("cdat", cdat),
        ],
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
        position = (float(spec.position[0]), float(spec.position[1]), 0.0)
        members += [_tdmn("ADBE Position"), _tdbs(position, spatial=True)]
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
                [
                    _leaf("tdsb", struct.pack(">I", 1)),
                    _tdsn(_DEFAULT_NAME),
                    _leaf("tdb4", _tdb4(1, spatial=False, vector=False)),
                    _leaf("cdat", bytes(4)),
                ],
            ),
            Chunk("btdk", LIST, text_document(spec)),
        ],
    )
    return _group("ADBE Text Properties", [_tdmn("ADBE Text Document"), document])
