"""The chunk tree both project formats share, and the binary RIFX container (.aep).

``RIFX`` / ``Egg!`` and big-endian chunks: a 4-char id, a u32 length, the payload and one pad
byte after an odd payload (``docs/aepx-format.md`` section 2). ``LIST`` chunks carry a 4-char
list type and children, except ``LIST btdk`` (raw text-document bytes); ``tdsn``, ``fnam``,
``pdnm`` and ``RCom`` nest chunks without a list type. Reading checks every length against its
container and bounds nesting depth and chunk count; :func:`to_rifx` writes a tree back.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from ..errors import FormatError
from ..limits import Limits

BYTES_PER_CHUNK_BUDGET = 64
"""A file may hold at most ``limits.max_file_bytes // 64`` chunks (or XML elements): about
327 000 under the default 20 MB limit. This bounds time (< 1 s) and memory on crafted files
made of tiny chunks; real projects average 80-120 bytes a chunk."""

# Chunk kinds
LEAF = 0
LIST = 1
NEST = 2  # a non-LIST chunk whose body is child chunks (tdsn, fnam, pdnm, RCom)

NEST_TAGS = frozenset({"tdsn", "fnam", "pdnm", "RCom"})
_NEST_IDS = frozenset(tag.encode("ascii") for tag in NEST_TAGS)

_HEADER = struct.Struct(">4sI")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_F32 = struct.Struct(">f")


# ============================================================================================
# The chunk tree


class Chunk:
    """One node of the chunk tree both file formats share.

    ``kind`` is :data:`LEAF` (``data`` is the payload), :data:`LIST` (``tag`` is the list type
    without its space padding; ``children`` hold the chunks, or ``data`` the raw bytes for
    ``btdk``) or :data:`NEST` (a non-LIST chunk wrapping ``children``).
    """

    __slots__ = ("tag", "kind", "data", "children")

    def __init__(self, tag: str, kind: int = LEAF, data: bytes = b"", children: list | None = None):
        self.tag = tag
        self.kind = kind
        self.data = data
        self.children: list[Chunk] = children if children is not None else []

    def __repr__(self) -> str:
        kind = ("leaf", "LIST", "nest")[self.kind]
        size = len(self.data) if self.kind == LEAF else len(self.children)
        return f"<Chunk {kind} {self.tag!r} {size}>"

    def find(self, tag: str, kind: int | None = None) -> Chunk | None:
        """The first child with ``tag`` (and ``kind`` when given)."""
        for child in self.children:
            if child.tag == tag and (kind is None or child.kind == kind):
                return child
        return None

    def find_all(self, tag: str, kind: int | None = None) -> list[Chunk]:
        return [c for c in self.children if c.tag == tag and (kind is None or c.kind == kind)]

    def first_string(self) -> str | None:
        """The text of the first ``Utf8`` child, or ``None`` without one."""
        utf8 = self.find("Utf8", LEAF)
        return None if utf8 is None else _utf8(utf8.data)


def _utf8(data: bytes) -> str:
    return data.decode("utf-8", "replace")


@dataclass
class ChunkFile:
    """A project file read into its chunk tree."""

    root: Chunk  # the ``Egg!`` form: its children are the top-level chunks
    format: str  # "aep" or "aepx"
    xmp: str = ""


# ---------------------------------------------------------------------------------- reading


def _max_chunks(limits: Limits) -> int:
    return max(1, limits.max_file_bytes // BYTES_PER_CHUNK_BUDGET)


def _parse_rifx(data: bytes, limits: Limits) -> tuple[Chunk, str]:
    """The chunk tree of a binary project, and the XMP packet that follows it."""
    if len(data) < 12:
        raise FormatError("truncated RIFX header")
    _, size = _HEADER.unpack_from(data, 0)
    if data[8:12] != b"Egg!":
        raise FormatError(f"RIFX form {data[8:12]!r} is not an After Effects project")
    end = 8 + size
    if end > len(data):
        raise FormatError(f"truncated project: RIFX declares {size} bytes, the file holds {len(data) - 8}")
    reader = _RifxReader(data, limits.max_chunk_depth, _max_chunks(limits))
    return Chunk("Egg!", LIST, children=reader.read(12, end, 1)), _utf8(data[end:])


class _RifxReader:
    """Reads a run of chunks from one shared buffer, checking every length against its
    container and bounding nesting depth and chunk count."""

    def __init__(self, data: bytes, max_depth: int, max_chunks: int):
        self.data = data
        self.max_depth = max_depth
        self.max_chunks = max_chunks
        self.count = 0

    def read(self, start: int, end: int, depth: int) -> list[Chunk]:
        if depth > self.max_depth:
            raise FormatError(f"chunks nested deeper than {self.max_depth} levels")
        data = self.data
        out: list[Chunk] = []
        pos = start
        while pos < end:
            if end - pos < 8:
                raise FormatError(f"truncated chunk header at byte {pos}")
            cid, length = _HEADER.unpack_from(data, pos)
            if not _valid_id(cid):
                raise FormatError(f"invalid chunk id {cid!r} at byte {pos}")
            body, stop = pos + 8, pos + 8 + length
            if stop > end:
                raise FormatError(
                    f"chunk {cid.decode('ascii')!r} at byte {pos} declares {length} bytes, "
                    f"past the end of its container"
                )
            self.count += 1
            if self.count > self.max_chunks:
                raise FormatError(f"more than {self.max_chunks} chunks", code="too_large")
            out.append(self._chunk(cid, body, stop, depth))
            pos = stop + (length & 1)
        return out

    def _chunk(self, cid: bytes, body: int, stop: int, depth: int) -> Chunk:
        data = self.data
        if cid == b"LIST":
            if stop - body < 4:
                raise FormatError(f"LIST chunk at byte {body - 8} is too short for its list type")
            list_type = data[body : body + 4].decode("latin-1").rstrip(" ")
            if list_type == "btdk":
                return Chunk(list_type, LIST, data[body + 4 : stop])
            return Chunk(list_type, LIST, children=self.read(body + 4, stop, depth + 1))
        tag = cid.decode("ascii")
        if cid in _NEST_IDS and self._tiles(body, stop):
            return Chunk(tag, NEST, children=self.read(body, stop, depth + 1))
        return Chunk(tag, LEAF, data[body:stop])

    def _tiles(self, start: int, end: int) -> bool:
        """Whether ``data[start:end]`` is a run of chunks (a legacy name container holds a bare
        NUL-terminated string instead)."""
        pos = start
        while pos < end:
            if end - pos < 8:
                return False
            cid, length = _HEADER.unpack_from(self.data, pos)
            if not _valid_id(cid):
                return False
            pos += 8 + length + (length & 1)
        return pos == end


_PRINTABLE_ID = re.compile(rb"[\x20-\x7e]{4}\Z")


_VALID_IDS: dict[bytes, bool] = {}
"""The memo of :func:`_valid_id` (at most 4096 ids)."""


def _valid_id(cid: bytes) -> bool:
    """Whether a chunk id is 4 printable ASCII characters (memoised: files reuse few ids)."""
    known = _VALID_IDS.get(cid)
    if known is None:
        known = _PRINTABLE_ID.match(cid) is not None
        if len(_VALID_IDS) < 4096:
            _VALID_IDS[cid] = known
    return known


# ---------------------------------------------------------------------------------- writing


def to_rifx(root: Chunk, xmp: str = "") -> bytes:
    """Serialise a chunk tree (its ``Egg!`` root) as a binary .aep, followed by ``xmp``."""
    out = bytearray(b"RIFX\0\0\0\0Egg!")
    for child in root.children:
        _write_chunk(child, out)
    out[4:8] = _U32.pack(len(out) - 8)
    out += xmp.encode("utf-8")
    return bytes(out)


def _write_chunk(chunk: Chunk, out: bytearray) -> None:
    start = len(out)
    out += b"\0" * 8
    if chunk.kind == LIST:
        cid = b"LIST"
        out += _four(chunk.tag)
        if chunk.tag == "btdk":
            out += chunk.data
        else:
            for child in chunk.children:
                _write_chunk(child, out)
    elif chunk.kind == NEST:
        cid = _four(chunk.tag)
        for child in chunk.children:
            _write_chunk(child, out)
    else:
        cid = _four(chunk.tag)
        out += chunk.data
    length = len(out) - start - 8
    out[start : start + 8] = _HEADER.pack(cid, length)
    if length & 1:
        out += b"\0"


def _four(tag: str) -> bytes:
    raw = tag.encode("ascii").ljust(4, b" ")
    if len(raw) != 4:
        raise ValueError(f"chunk tag {tag!r} is longer than 4 characters")
    return raw
