"""Small constructors of the chunk-tree nodes (:class:`jobs.formats.aep.chunks.Chunk`) the
writer builds a project from: leaves, LISTs, ``Utf8`` strings, ``tdsn`` names, ``tdmn`` match
names and NUL-padded fixed-size string fields.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..aep.chunks import LEAF, LIST, NEST, Chunk


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
