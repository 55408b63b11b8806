"""Read After Effects templates (.aepx XML and .aep RIFX) into a :class:`TemplateDocument`.

One decoder serves both formats. An .aepx is the .aep chunk tree written as XML
(``shared/docs/aepx-format.md`` section 2), so each file is first turned into the same
:class:`Chunk` tree and then decoded once:

- ``.aep``: ``RIFX`` / ``Egg!`` and big-endian chunks (4-char id, u32 length, payload, one pad
  byte after an odd payload). ``LIST`` chunks carry a 4-char list type and children, except
  ``LIST btdk`` (raw text-document bytes). ``tdsn``, ``fnam``, ``pdnm`` and ``RCom`` nest
  chunks without a list type.
- ``.aepx``: ``<xxxx bdata="hex"/>`` is a leaf, an element without ``bdata`` a LIST,
  ``<string>`` a ``Utf8`` chunk, ``<fileReference>`` the ``alas`` JSON record, ``numS``/``ppSn``
  numbers written as text. The XML is parsed by an lxml parser built explicitly (no DTD, no
  entity resolution, no network, no huge trees) and any DOCTYPE is refused.

The format is sniffed from the bytes, not the file name. Everything malformed, hostile or
oversized raises one :class:`~jobs.formats.errors.FormatError` with a one-line reason. Limits:
``limits.max_file_bytes`` (checked before reading), ``limits.max_chunk_depth`` (nesting, both
formats), one chunk per :data:`BYTES_PER_CHUNK_BUDGET` bytes of the file limit, and
:data:`MAX_COS_DEPTH` inside text documents.

Decoding rules (the note's sections 3-7):

- Compositions are the Items of type 4; their layers are the ``LIST Layr`` children of the
  comp Item, top layer first (index 1). ``SecL``/``DLay``/``SLay``/``CLay`` are not layers.
- A layer's type comes from ``ldta`` byte 131 (3 text, 4 shape, 2 camera, 1 light) and, for AV
  layers, from the null / adjustment bits and the source item: composition -> ``precomp``,
  ``Soli`` footage -> ``solid``, sound-only footage (duration > 0 and no picture size) ->
  ``audio``, other footage -> ``footage``.
- An empty layer name means the source item's name (for text layers: the text's first line).
  An empty footage item name is derived: ``<basename>``, ``<psd layer>/<basename>``, or the
  solid / placeholder name stored in ``opti``.
- Times are in composition seconds: ``start + in_point * stretch``, clamped to the source's
  span for timed sources (video, sound, pre-comps) without time remapping, as After Effects
  reports them.
- Text, PostScript font, size and all-caps come from the ``btdk`` COS document, parsed
  structurally: the first character-style run of the first text document, falling back to
  its parent style sheet for keys the run leaves out. Line breaks (CR) become ``\\n``, and one
  trailing CR (the paragraph terminator) is dropped.
- ``bbox`` is ``[left, top, right, bottom]`` in comp pixels at the in-point, from the layer's
  size and its Transform group (and its parents'): Position, Anchor Point, Scale and Rotation,
  with After Effects' defaults where the file leaves a property out (position = comp centre,
  anchor = source centre, or the origin for nulls and text, scale 100 %, rotation 0).
  The size is the source's for footage, solids, nulls and pre-comps, and the text box for
  paragraph (box) text. It is ``None`` for point text (needs font metrics), shapes, cameras,
  lights and audio, when a transform property is keyframed or driven by an expression, and
  for 3D layers that are not flat (z, X/Y rotation or orientation in use, or a camera layer in
  the comp). Pixel aspect ratios other than 1 are not applied.
- Frame rates are rounded to 3 decimals (29.97, 23.976), times to 6.

Placeholder rule: a ``text`` or ``footage`` layer is a placeholder (meant to be replaced by the
pipeline) unless its name marks it static: a name starting with ``_`` or ending with
``[static]`` (case-insensitive), e.g. ``_logo`` or ``Sponsor bar [static]``. Other layer types
are never placeholders.
"""

from __future__ import annotations

import hashlib
import json
import math
import ntpath
import os
import posixpath
import re
import stat
import struct
from dataclasses import dataclass, field
from typing import Any, Callable

from lxml import etree

from .descriptions import Composition, Footage, TemplateDocument, TemplateLayer
from .errors import FormatError
from .limits import DEFAULT_LIMITS, Limits

READER_VERSION = "aep-reader/1"
"""Bumped whenever the decoded output for the same bytes may change (a cache key)."""

AE_NAMESPACE = "http://www.adobe.com/products/aftereffects"

BYTES_PER_CHUNK_BUDGET = 64
"""A file may hold at most ``limits.max_file_bytes // 64`` chunks (or XML elements): about
327 000 under the default 20 MB limit. This bounds time (< 1 s) and memory on crafted files
made of tiny chunks; real projects average 80-120 bytes a chunk."""

MAX_COS_DEPTH = 64
"""Deepest nesting of ``<< >>`` / ``[ ]`` accepted in a text document."""

STATIC_SUFFIX = "[static]"
STATIC_PREFIX = "_"

# Chunk kinds
LEAF = 0
LIST = 1
NEST = 2  # a non-LIST chunk whose body is child chunks (tdsn, fnam, pdnm, RCom)

NEST_TAGS = frozenset({"tdsn", "fnam", "pdnm", "RCom"})
_NEST_IDS = frozenset(tag.encode("ascii") for tag in NEST_TAGS)

_ITEM_COMP = 4
_ITEM_FOOTAGE = 7

_LAYER_TYPES = {1: "light", 2: "camera", 3: "text", 4: "shape", 7: "shape"}

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


def load_chunks(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> ChunkFile:
    """Sniff ``data`` and read it into a :class:`ChunkFile`.

    Raises:
        FormatError: not an After Effects project, or malformed, hostile or too large.
    """
    if not data:
        raise FormatError("empty file", code="empty")
    if data[:4] == b"RIFX":
        root, xmp = _parse_rifx(data, limits)
        return ChunkFile(root, "aep", xmp)
    if data[:4] == b"RIFF":
        raise FormatError("little-endian RIFF is not an After Effects project (expected RIFX)")
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        root, xmp = _parse_aepx(data, limits)
        return ChunkFile(root, "aepx", xmp)
    if data[:4] == b"8BPS":
        raise FormatError("this is a Photoshop document, not an After Effects project")
    raise FormatError("not an After Effects project (neither RIFX nor XML)")


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


def _valid_id(cid: bytes, _cache: dict[bytes, bool] = {}) -> bool:
    """Whether a chunk id is 4 printable ASCII characters (memoised: files reuse few ids)."""
    known = _cache.get(cid)
    if known is None:
        known = _PRINTABLE_ID.match(cid) is not None
        if len(_cache) < 4096:
            _cache[cid] = known
    return known


def _xml_parser() -> etree.XMLParser:
    """The only way XML is parsed here: no DTD, no entities, no network, bounded nodes."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        attribute_defaults=False,
    )


def _parse_aepx(data: bytes, limits: Limits) -> tuple[Chunk, str]:
    if len(data) > limits.max_xml_bytes:
        raise FormatError(f"XML larger than {limits.max_xml_bytes} bytes", code="too_large")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise FormatError("XML with a DOCTYPE or entity declarations is refused", code="hostile")
    max_chunks = _max_chunks(limits)
    if data.count(b"<") > 2 * max_chunks:
        raise FormatError(f"more than {max_chunks} XML elements", code="too_large")
    try:
        root = etree.fromstring(data, _xml_parser())
    except etree.XMLSyntaxError as exc:
        raise FormatError(f"malformed XML: {_one_line(str(exc))}") from None
    except ValueError as exc:  # e.g. an encoding lxml does not know
        raise FormatError(f"unreadable XML: {_one_line(str(exc))}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise FormatError("XML with a DOCTYPE is refused", code="hostile")
    if etree.QName(root).localname != "AfterEffectsProject":
        raise FormatError(f"not an After Effects XML project (root element <{etree.QName(root).localname}>)")
    converter = _XmlConverter(limits.max_chunk_depth, max_chunks)
    children = converter.children(root, 1)
    return Chunk("Egg!", LIST, children=children), converter.xmp


class _XmlConverter:
    """Turns .aepx elements into chunks, following the mapping of the format note, section 2."""

    def __init__(self, max_depth: int, max_chunks: int):
        self.max_depth = max_depth
        self.max_chunks = max_chunks
        self.count = 0
        self.xmp = ""

    def children(self, element: Any, depth: int) -> list[Chunk]:
        if depth > self.max_depth:
            raise FormatError(f"XML nested deeper than {self.max_depth} levels")
        out = []
        append = out.append
        for child in element:
            tag = child.tag
            if tag.__class__ is not str:
                if isinstance(child, etree._Entity):
                    raise FormatError("XML entity references are refused", code="hostile")
                continue
            self.count += 1
            if self.count > self.max_chunks:
                raise FormatError(f"more than {self.max_chunks} XML elements", code="too_large")
            name = tag.rpartition("}")[2]
            bdata = child.get("bdata")
            if bdata is not None:  # the common case: a leaf chunk, inline for speed
                try:
                    payload = bytes.fromhex(bdata)
                except ValueError:
                    raise FormatError(f"<{name}> holds invalid hex data") from None
                append(Chunk(name, LIST, payload) if name == "btdk" else Chunk(name, LEAF, payload))
                continue
            chunk = self.convert(child, name, depth)
            if chunk is not None:
                append(chunk)
        return out

    def convert(self, element: Any, name: str, depth: int) -> Chunk | None:
        """An element without ``bdata``: a string, path record, number, or a container."""
        if name == "string":
            if len(element):
                raise FormatError("<string> with child elements")
            return Chunk("Utf8", LEAF, (element.text or "").encode("utf-8"))
        if name == "fileReference":
            return Chunk("alas", LEAF, alas_json(dict(element.attrib)).encode("utf-8"))
        if name == "ProjectXMPMetadata":
            self.xmp = element.text or ""
            return None
        if name in _TEXT_NUMBERS:
            return Chunk(name, LEAF, _text_number(name, element))
        kind = NEST if name in NEST_TAGS else LIST
        return Chunk(name, kind, children=self.children(element, depth + 1))


def _text_number(name: str, element: Any) -> bytes:
    """``numS`` (u32) and ``ppSn`` (f64): numbers the XML writes as a decimal ``<string>``."""
    texts = [c.text or "" for c in element if isinstance(c.tag, str)]
    try:
        value = texts[0].strip()
        return _U32.pack(int(value)) if name == "numS" else struct.pack(">d", float(value))
    except (IndexError, ValueError, struct.error):
        raise FormatError(f"<{name}> does not hold a number") from None


_TEXT_NUMBERS = ("numS", "ppSn")

_ALAS_PLATFORMS = {"MacPOSIX": 2, "Mac": 2, "Windows": 1, "Win": 1, "Win32": 1}


def alas_json(attrs: dict[str, str]) -> str:
    """The ``alas`` chunk body for the attributes of an .aepx ``<fileReference>``: compact JSON
    with sorted keys, numbers and booleans typed as After Effects writes them."""
    record: dict[str, Any] = {}
    for key, value in attrs.items():
        if key.startswith("ascendcount"):
            record[key] = int(value) if value.lstrip("-").isdigit() else value
        elif key == "platform":
            if value.isdigit():
                record[key] = int(value)
            else:
                path = attrs.get("fullpath", "")
                record[key] = _ALAS_PLATFORMS.get(value, 2 if path.startswith("/") else 1)
        elif key == "target_is_folder":
            record[key] = value.lower() in ("1", "true")
        else:
            record[key] = value
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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


# ============================================================================================
# COS text documents (LIST btdk)


class CosName(str):
    """A ``/name`` used as a value (``/CoolTypeFont``), as opposed to a dictionary key."""


class CosError(ValueError):
    pass


_COS_TOKEN = re.compile(
    rb"""
    (?P<ws>[\x00\t\n\f\r ]+|%[^\r\n]*)
    |(?P<dopen><<)|(?P<dclose>>>)|(?P<aopen>\[)|(?P<aclose>\])
    |/(?P<name>[^\x00-\x20\x7f-\xff()\[\]<>{}/%]*)
    |(?P<num>[+-]?(?:\d+\.?\d*|\.\d+))
    |(?P<str>\()
    |<(?P<hex>[0-9A-Fa-f\s]*)>
    |(?P<kw>[A-Za-z]+)
    """,
    re.X,
)
_KEYWORDS = {b"true": True, b"false": False, b"null": None}
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def parse_cos(data: bytes, *, max_depth: int = MAX_COS_DEPTH) -> Any:
    """Parse After Effects' PDF-like "COS" text syntax into dicts (keys without the slash),
    lists, numbers, booleans, ``None``, :class:`str` (strings) and :class:`CosName`.

    A document that starts with a key is the content of a dictionary without ``<< >>``.

    Raises:
        CosError: the bytes are not well-formed COS.
    """
    root: dict = {}
    stack: list[list | dict] = [root]
    pending: list[str | None] = [None]  # the key awaiting a value, per open dictionary
    pos, end = 0, len(data)
    while pos < end:
        match = _COS_TOKEN.match(data, pos)
        if match is None:
            raise CosError(f"unexpected byte {data[pos:pos + 1]!r} at {pos}")
        pos = match.end()
        kind = match.lastgroup
        if kind == "ws":
            continue
        if kind in ("dopen", "aopen"):
            if len(stack) > max_depth:
                raise CosError(f"nested deeper than {max_depth}")
            container: list | dict = {} if kind == "dopen" else []
            _cos_add(stack, pending, container)
            stack.append(container)
            pending.append(None)
            continue
        if kind in ("dclose", "aclose"):
            want = dict if kind == "dclose" else list
            if len(stack) == 1 or not isinstance(stack[-1], want) or pending[-1] is not None:
                raise CosError(f"unbalanced {match.group().decode()} at {pos}")
            stack.pop()
            pending.pop()
            continue
        if kind == "name":
            name = match.group("name").decode("latin-1")
            top = stack[-1]
            if isinstance(top, dict) and pending[-1] is None:
                pending[-1] = name
            else:
                _cos_add(stack, pending, CosName(name))
            continue
        if kind == "num":
            text = match.group("num")
            value: Any = float(text) if b"." in text else int(text)
        elif kind == "str":
            raw, pos = _cos_string(data, pos)
            value = _cos_text(raw)
        elif kind == "hex":
            digits = re.sub(rb"\s", b"", match.group("hex"))
            value = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
        else:
            word = match.group("kw")
            if word not in _KEYWORDS:
                raise CosError(f"unknown keyword {word[:20]!r}")
            value = _KEYWORDS[word]
        _cos_add(stack, pending, value)
    if len(stack) != 1 or pending[0] is not None:
        raise CosError("truncated text document")
    return root


def _cos_add(stack: list, pending: list, value: Any) -> None:
    top = stack[-1]
    if isinstance(top, list):
        top.append(value)
    elif pending[-1] is None:
        raise CosError("a dictionary value without a key")
    else:
        top[pending[-1]] = value
        pending[-1] = None


def _cos_string(data: bytes, pos: int) -> tuple[bytes, int]:
    """The raw bytes of a ``( )`` string whose body starts at ``pos``, and the position after it.
    Escapes are byte-level: AE escapes ``(``, ``)`` and ``\\`` bytes inside UTF-16 text."""
    out = bytearray()
    while True:
        close = data.find(b")", pos)
        if close < 0:
            raise CosError("unterminated string")
        slash = data.find(b"\\", pos, close)
        if slash < 0:
            out += data[pos:close]
            return bytes(out), close + 1
        out += data[pos:slash]
        pos = slash + 1
        if pos >= len(data):
            raise CosError("unterminated string")
        char = data[pos : pos + 1]
        if char in _ESCAPES:
            out += _ESCAPES[char]
            pos += 1
        elif b"0" <= char <= b"7":
            digits = re.match(rb"[0-7]{1,3}", data[pos : pos + 3]).group()
            out.append(int(digits, 8) & 0xFF)
            pos += len(digits)
        elif char in (b"\r", b"\n"):  # a line continuation
            pos += 1
        else:
            out += char
            pos += 1


def _cos_text(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", "replace")
    if raw.startswith(b"\xff\xfe"):
        return raw[2:].decode("utf-16-le", "replace")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def cos_get(node: Any, *keys: str | int) -> Any:
    """Follow dictionary keys / list indexes; ``None`` when a step is missing."""
    for key in keys:
        if isinstance(node, dict):
            node = node.get(str(key))
        elif isinstance(node, list) and isinstance(key, int) and -len(node) <= key < len(node):
            node = node[key]
        else:
            return None
    return node


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


@dataclass
class _Text:
    text: str
    font: str | None
    size: float | None
    all_caps: bool | None
    fonts: list[str]
    box: tuple[float, float, float, float] | None  # left, top, width, height in layer pixels


@dataclass
class _Prop:
    """A transform property's static value, or ``None`` when keyframed / expression-driven."""

    values: tuple[float, ...] | None


@dataclass
class _LayerGeometry:
    """What the bbox computation needs of one layer."""

    id: int
    parent_id: int | None
    size: tuple[float, float] | None  # source or text-box size
    origin: tuple[float, float] = (0.0, 0.0)  # top-left of the content in layer pixels
    transform: dict[str, _Prop] = field(default_factory=dict)
    default_anchor: tuple[float, float] = (0.0, 0.0)
    normalized_anchor: bool = False
    three_d: bool = False


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


# ============================================================================================
# Decoding: layers


@dataclass
class _Ldta:
    id: int
    start: float
    in_point: float
    out_point: float
    stretch: float
    flags: tuple[int, int, int]  # bytes 37, 38, 39
    source_id: int
    layer_type: int | None
    parent_id: int


def _ldta(layr: Chunk) -> _Ldta:
    chunk = layr.find("ldta", LEAF)
    if chunk is None or len(chunk.data) < 44:
        raise FormatError("layer without a valid layer record (ldta)")
    data = chunk.data
    layer_id, = _U32.unpack_from(data, 0)
    stretch_num, start_num, start_den, in_num, in_den, out_num, out_den = struct.unpack_from(">iiIiIiI", data, 8)
    stretch_den = _U32.unpack_from(data, 108)[0] if len(data) >= 112 else 1
    stretch = stretch_num / stretch_den if stretch_den and stretch_num else 1.0
    return _Ldta(
        id=layer_id,
        start=start_num / start_den if start_den else 0.0,
        in_point=in_num / in_den if in_den else 0.0,
        out_point=out_num / out_den if out_den else 0.0,
        stretch=stretch,
        flags=(data[37], data[38], data[39]),
        source_id=_U32.unpack_from(data, 40)[0],
        layer_type=data[131] if len(data) > 131 else None,
        parent_id=_U32.unpack_from(data, 132)[0] if len(data) >= 136 else 0,
    )


def _properties(group: Chunk | None) -> dict[str, Chunk]:
    """Map match name -> property node for one ``tdgp`` group (pairs of ``tdmn`` + node)."""
    out: dict[str, Chunk] = {}
    if group is None:
        return out
    pending: str | None = None
    for chunk in group.children:
        if chunk.tag == "tdmn" and chunk.kind == LEAF:
            name = chunk.data.split(b"\0", 1)[0].decode("ascii", "replace")
            pending = None if name == "ADBE Group End" else name
        elif pending is not None:
            out.setdefault(pending, chunk)
            pending = None
    return out


def _leaf_value(node: Chunk | None, little_endian: bool = False) -> _Prop | None:
    """The static value of a ``tdbs`` leaf property. ``None`` when the node is absent (the
    default applies); a :class:`_Prop` with ``values=None`` when keyframed or expression-driven."""
    if node is None or node.kind != LIST:
        return None
    tdb4 = node.find("tdb4", LEAF)
    cdat = node.find("cdat", LEAF)
    if tdb4 is None or cdat is None or len(tdb4.data) < 4:
        return None
    dims = max(1, _U16.unpack_from(tdb4.data, 2)[0])
    animated = len(tdb4.data) > 68 and tdb4.data[68] != 0
    expression = _has_live_expression(node, tdb4.data)
    if animated or expression:
        return _Prop(None)
    count = min(dims, len(cdat.data) // 8)
    fmt = ("<" if little_endian else ">") + "d" * count
    return _Prop(struct.unpack_from(fmt, cdat.data, 0))


def _has_live_expression(node: Chunk, tdb4: bytes) -> bool:
    text = node.first_string()
    if not text or not text.strip():
        return False
    disabled = len(tdb4) > 119 and tdb4[119] & 1
    return not disabled


_TRANSFORM_LEAVES = (
    "ADBE Anchor Point",
    "ADBE Position",
    "ADBE Position_0",
    "ADBE Position_1",
    "ADBE Position_2",
    "ADBE Scale",
    "ADBE Rotate Z",
    "ADBE Rotate X",
    "ADBE Rotate Y",
)


def _transform(root_group: dict[str, Chunk]) -> dict[str, _Prop]:
    group = root_group.get("ADBE Transform Group")
    props = _properties(group if group is not None and group.kind == LIST else None)
    out: dict[str, _Prop] = {}
    for name in _TRANSFORM_LEAVES:
        value = _leaf_value(props.get(name))
        if value is not None:
            out[name] = value
    position = props.get("ADBE Position")
    if position is not None and position.kind == LIST:
        tdsb = position.find("tdsb", LEAF)
        if tdsb is not None and len(tdsb.data) > 2 and tdsb.data[2] & 0x08:
            out["separated"] = _Prop(())
    orientation = props.get("ADBE Orientation")
    if orientation is not None and orientation.kind == LIST:
        value = _leaf_value(orientation.find("tdbs", LIST), little_endian=True)
        if value is not None:
            out["ADBE Orientation"] = value
    return out


def _text(root_group: dict[str, Chunk]) -> _Text | None:
    text_group = root_group.get("ADBE Text Properties")
    if text_group is None or text_group.kind != LIST:
        return None
    document = _properties(text_group).get("ADBE Text Document")
    btdk = None
    if document is not None and document.kind == LIST:
        btdk = document.find("btdk", LIST)
    if btdk is None:
        return None
    try:
        cos = parse_cos(btdk.data)
    except CosError as exc:
        raise FormatError(f"unreadable text document: {exc}") from None
    return _text_from_cos(cos)


def _finite(value: Any) -> float | None:
    """A number from the text document, or None when it is not a finite one."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return number if math.isfinite(number) else None


def _text_from_cos(cos: Any) -> _Text | None:
    """Text, font and style from a parsed ``btdk`` (format note, section 7)."""
    fonts = [cos_get(entry, "0", "0", "0") for entry in _cos_list(cos, "0", "1", "0")]
    sheets = _cos_list(cos, "0", "5", "0")
    documents = _cos_list(cos, "1", "1")
    if not documents:
        return None
    doc = documents[0]
    raw = cos_get(doc, "0", "0")
    raw = raw if isinstance(raw, str) else ""
    if raw.endswith("\r"):
        raw = raw[:-1]
    text = raw.replace("\r\n", "\n").replace("\r", "\n")

    def font_name(index: Any) -> str | None:
        if isinstance(index, int) and 0 <= index < len(fonts) and isinstance(fonts[index], str):
            return fonts[index]
        return None

    runs = [run for run in _cos_list(doc, "0", "6", "0") if isinstance(run, dict)]
    first = runs[0] if runs else None
    style = cos_get(first, "0", "0", "6") or {}
    sheet_index = cos_get(first, "0", "0", "5")
    sheet = cos_get(sheets, sheet_index, "0", "6") if isinstance(sheet_index, int) else None
    sheet = sheet if isinstance(sheet, dict) else {}

    def value(key: str) -> Any:
        return style[key] if isinstance(style, dict) and key in style else sheet.get(key)

    size = value("1")
    caps = value("12")
    used: list[str] = []
    for document in documents:
        for run in _cos_list(document, "0", "6", "0"):
            index = cos_get(run, "0", "0", "6", "0")
            if index is None:
                index = cos_get(sheets, cos_get(run, "0", "0", "5"), "0", "6", "0")
            name = font_name(index)
            if name and name not in used:
                used.append(name)
    return _Text(
        text=text,
        font=font_name(value("0")),
        size=_finite(size),
        all_caps=(caps == 2) if isinstance(caps, int) and not isinstance(caps, bool) else None,
        fonts=used,
        box=_text_box(cos),
    )


def _cos_list(node: Any, *keys: str | int) -> list:
    value = cos_get(node, *keys)
    return value if isinstance(value, list) else []


def _text_box(cos: Any) -> tuple[float, float, float, float] | None:
    """The paragraph-text box ``(left, top, width, height)`` in layer pixels; ``None`` for
    point text. The box outline is 16 vertices: corners 0 (top-left) and 6 (bottom-right)."""
    coords = cos_get(cos, "0", "8", "0", 0, "0", "1", "0")
    if not isinstance(coords, list) or len(coords) < 14:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in coords[:14]):
        return None
    left, top = float(coords[0]), float(coords[1])
    return left, top, abs(coords[12] - coords[0]), abs(coords[13] - coords[1])


def _classify(ldta: _Ldta, tree: dict[str, Chunk], source: Footage | None, audio: bool) -> str:
    if ldta.layer_type in _LAYER_TYPES:
        return _LAYER_TYPES[ldta.layer_type]
    null, adjustment = ldta.flags[1] & 0x80, ldta.flags[1] & 0x02
    if null:
        return "null"
    if adjustment:
        return "adjustment"
    if source is None:
        return _classify_by_tree(tree)
    if source.kind == "composition":
        return "precomp"
    if source.kind == "solid":
        return "solid"
    if audio:
        return "audio"
    return "footage"


def _classify_by_tree(tree: dict[str, Chunk]) -> str:
    """A sourceless AV layer, or a file without the type byte: tell by its property groups."""
    for group, kind in (
        ("ADBE Text Properties", "text"),
        ("ADBE Root Vectors Group", "shape"),
        ("ADBE Camera Options Group", "camera"),
        ("ADBE Light Options Group", "light"),
    ):
        if group in tree:
            return kind
    return "footage"


def is_static_name(name: str) -> bool:
    """The template's naming rule for layers that must not be replaced (module docstring)."""
    stripped = name.strip()
    return stripped.startswith(STATIC_PREFIX) or stripped.lower().endswith(STATIC_SUFFIX)


# ============================================================================================
# Geometry


Affine = tuple[float, float, float, float, float, float]  # x' = a*x + c*y + e ; y' = b*x + d*y + f
_IDENTITY: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _mul(m: Affine, n: Affine) -> Affine:
    """``m @ n``: apply ``n`` first, then ``m``."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


def _apply(m: Affine, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


class _NotDerivable(Exception):
    """The bbox cannot be computed from what the file records."""


def _static(props: dict[str, _Prop], name: str, size: int = 1) -> tuple[float, ...] | None:
    """A property's static value with at least ``size`` numbers; ``None`` when the file leaves
    it out (the default applies). Keyframed, expression-driven or short values are not derivable."""
    prop = props.get(name)
    if prop is None:
        return None
    if prop.values is None or len(prop.values) < size or not all(map(math.isfinite, prop.values)):
        raise _NotDerivable(name)
    return prop.values


def _local_matrix(geom: _LayerGeometry, comp: _CompHeader) -> Affine:
    """T(position) . R(z) . S(scale) . T(-anchor), with AE's defaults for missing properties."""
    props = geom.transform
    if "separated" in props:
        x = _static(props, "ADBE Position_0")
        y = _static(props, "ADBE Position_1")
        z = _static(props, "ADBE Position_2")
        position = (x[0] if x else 0.0, y[0] if y else 0.0, z[0] if z else 0.0)
    else:
        position = _static(props, "ADBE Position", 2) or (comp.width / 2, comp.height / 2, 0.0)
    anchor = _static(props, "ADBE Anchor Point", 2)
    if anchor is None:
        ax, ay = geom.default_anchor
        az = 0.0
    elif geom.normalized_anchor and geom.size is not None:
        ax, ay = anchor[0] * geom.size[0], anchor[1] * geom.size[1]
        az = anchor[2] if len(anchor) > 2 else 0.0
    else:
        ax, ay = anchor[0], anchor[1]
        az = anchor[2] if len(anchor) > 2 else 0.0
    scale = _static(props, "ADBE Scale", 2) or (1.0, 1.0, 1.0)
    rotation = (_static(props, "ADBE Rotate Z") or (0.0,))[0]
    if geom.three_d:
        flat = (
            (len(position) < 3 or position[2] == 0.0)
            and az == 0.0
            and not any((_static(props, "ADBE Rotate X") or (0.0,)))
            and not any((_static(props, "ADBE Rotate Y") or (0.0,)))
            and not any((_static(props, "ADBE Orientation") or (0.0,)))
        )
        if not flat:
            raise _NotDerivable("3D")
    sx, sy = scale[0], scale[1]
    cos_r, sin_r = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
    rs: Affine = (cos_r * sx, sin_r * sx, -sin_r * sy, cos_r * sy, 0.0, 0.0)
    m = _mul(rs, (1.0, 0.0, 0.0, 1.0, -ax, -ay))
    return _mul((1.0, 0.0, 0.0, 1.0, position[0], position[1]), m)


def _world_matrix(geom: _LayerGeometry, layers: dict[int, _LayerGeometry], comp: _CompHeader) -> Affine:
    matrix = _IDENTITY
    seen: set[int] = set()
    current: _LayerGeometry | None = geom
    while current is not None:
        if current.id in seen:
            raise _NotDerivable("parent cycle")
        seen.add(current.id)
        matrix = _mul(_local_matrix(current, comp), matrix)
        if not current.parent_id:
            break
        current = layers.get(current.parent_id)
        if current is None:
            raise _NotDerivable("parent not in the composition")
    return matrix


def _bbox(geom: _LayerGeometry, layers: dict[int, _LayerGeometry], comp: _CompHeader) -> tuple[int, int, int, int] | None:
    if geom.size is None:
        return None
    try:
        matrix = _world_matrix(geom, layers, comp)
    except _NotDerivable:
        return None
    x0, y0 = geom.origin
    w, h = geom.size
    points = [_apply(matrix, x, y) for x, y in ((x0, y0), (x0 + w, y0), (x0, y0 + h), (x0 + w, y0 + h))]
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    if not all(math.isfinite(v) for v in xs + ys):
        return None
    return round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys))


# ============================================================================================
# Putting it together


@dataclass
class _LayerDraft:
    index: int
    name: str
    type: str
    enabled: bool
    in_point: float
    out_point: float
    ldta: _Ldta
    source: Footage | None
    text: _Text | None
    geometry: _LayerGeometry


def _decode_layer(
    index: int,
    layr: Chunk,
    sources: dict[int, _Source],
    comps: dict[int, Footage],
) -> _LayerDraft:
    ldta = _ldta(layr)
    tree = _properties(layr.find("tdgp", LIST))
    source_entry = sources.get(ldta.source_id)
    source = source_entry.footage if source_entry else comps.get(ldta.source_id)
    audio = bool(source_entry and source_entry.audio)
    layer_type = _classify(ldta, tree, source, audio)
    if layer_type in ("text", "shape", "camera", "light"):
        source = None
    text = _text(tree) if layer_type == "text" else None
    name = layr.first_string() or ""
    if not name:
        if source is not None:
            name = source.name
        elif text is not None:
            name = text.text.split("\n", 1)[0]
    in_point, out_point = _layer_times(ldta, source, tree)
    geometry = _geometry(ldta, layer_type, source, text, tree)
    return _LayerDraft(
        index=index,
        name=name,
        type=layer_type,
        enabled=bool(ldta.flags[2] & 0x01),
        in_point=round(in_point, 6),
        out_point=round(out_point, 6),
        ldta=ldta,
        source=source,
        text=text,
        geometry=geometry,
    )


def _layer_times(ldta: _Ldta, source: Footage | None, tree: dict[str, Chunk]) -> tuple[float, float]:
    """In and out point in composition time: ``start + value * stretch``, clamped as After
    Effects reports them to the source's span for timed sources (video, sound, pre-comps)
    without time remapping."""
    stretch = ldta.stretch
    in_point = ldta.start + ldta.in_point * stretch
    out_point = ldta.start + ldta.out_point * stretch
    if stretch < 0:  # time-reversed layers
        return min(in_point, out_point), max(in_point, out_point)
    timed = source is not None and (source.duration or 0) > 0
    remap = _leaf_value(tree.get("ADBE Time Remapping"))
    if timed and not (remap is not None and remap.values is None):
        in_point = max(in_point, ldta.start)
        out_point = min(out_point, ldta.start + source.duration * stretch)
    return in_point, out_point


def _geometry(ldta: _Ldta, layer_type: str, source: Footage | None, text: _Text | None, tree: dict) -> _LayerGeometry:
    size: tuple[float, float] | None = None
    origin = (0.0, 0.0)
    default_anchor = (0.0, 0.0)
    normalized = False
    if layer_type in ("footage", "solid", "null", "precomp", "adjustment") and source is not None:
        if source.width and source.height:
            size = (float(source.width), float(source.height))
            normalized = True
            if layer_type != "null":
                default_anchor = (size[0] / 2, size[1] / 2)
    elif layer_type == "text" and text is not None and text.box is not None:
        left, top, width, height = text.box
        size, origin = (width, height), (left, top)
    return _LayerGeometry(
        id=ldta.id,
        parent_id=ldta.parent_id or None,
        size=size,
        origin=origin,
        transform=_transform(tree),
        default_anchor=default_anchor,
        normalized_anchor=normalized,
        three_d=bool(ldta.flags[1] & 0x04),
    )


def _finish_layers(drafts: list[_LayerDraft], comp: _CompHeader) -> tuple[TemplateLayer, ...]:
    by_id = {d.ldta.id: d.geometry for d in drafts}
    has_camera = any(d.type == "camera" for d in drafts)
    layers = []
    for d in drafts:
        if d.geometry.three_d and has_camera:
            bbox = None
        else:
            bbox = _bbox(d.geometry, by_id, comp)
        layers.append(
            TemplateLayer(
                index=d.index,
                name=d.name,
                type=d.type,
                enabled=d.enabled,
                in_point=d.in_point,
                out_point=d.out_point,
                text=d.text.text if d.text else None,
                font=d.text.font if d.text else None,
                font_size=d.text.size if d.text else None,
                source=d.source,
                bbox=bbox,
                placeholder=d.type in ("text", "footage") and not is_static_name(d.name),
                id=d.ldta.id,
                parent_id=d.ldta.parent_id or None,
                all_caps=d.text.all_caps if d.text else None,
                three_d=d.geometry.three_d,
            )
        )
    return tuple(layers)


def decode(chunks: ChunkFile, *, source: str = "", sha256: str = "", exists: Callable[[str], bool] = os.path.exists) -> TemplateDocument:
    """Decode a chunk tree into a :class:`TemplateDocument` (no file access but ``exists``)."""
    root = chunks.root
    items = _items(root)
    sources = {i.id: _footage(i, exists) for i in items if i.type == _ITEM_FOOTAGE}
    comp_items = [i for i in items if i.type == _ITEM_COMP]
    headers = {i.id: _comp_header(i) for i in comp_items}
    comp_sources = {
        i.id: Footage(
            id=i.id,
            name=i.name,
            width=headers[i.id].width,
            height=headers[i.id].height,
            kind="composition",
            duration=headers[i.id].duration,
        )
        for i in comp_items
    }
    compositions = []
    fonts: list[str] = []
    for item in comp_items:
        header = headers[item.id]
        layer_chunks = [c for c in item.chunk.children if c.kind == LIST and c.tag == "Layr"]
        drafts = [_decode_layer(n, layr, sources, comp_sources) for n, layr in enumerate(layer_chunks, 1)]
        for draft in drafts:
            if draft.text:
                fonts.extend(draft.text.fonts)
        compositions.append(
            Composition(
                id=item.id,
                name=item.name,
                width=header.width,
                height=header.height,
                frame_rate=header.frame_rate,
                duration=header.duration,
                layers=_finish_layers(drafts, header),
                bg_color=header.bg_color,
                renderer=header.renderer,
            )
        )
    return TemplateDocument(
        source=source,
        compositions=tuple(compositions),
        footage=tuple(s.footage for s in sources.values()),
        fonts=tuple(sorted(set(fonts))),
        sha256=sha256,
        format=chunks.format,
        ae_version=_ae_version(root),
    )


def read_bytes_bounded(path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The whole file, refusing one over ``limits.max_file_bytes`` without reading it."""
    name = os.path.basename(os.fspath(path))
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise FormatError("is a directory, not a file", source=name)
        if not stat.S_ISREG(info.st_mode):
            raise FormatError("not a regular file", source=name)
        size = info.st_size
        if size > limits.max_file_bytes:
            raise FormatError(f"file is {size} bytes, over the {limits.max_file_bytes}-byte limit", source=name, code="too_large")
        with open(path, "rb") as handle:  # read() preallocates its argument: ask for what is there
            data = handle.read(min(size, limits.max_file_bytes) + 1)
            if len(data) > size:  # the file grew since stat(): read on, up to the limit
                data += handle.read(limits.max_file_bytes + 1 - len(data))
    except FileNotFoundError:
        raise FormatError("file not found", source=name, code="missing") from None
    except OSError as exc:
        raise FormatError(f"cannot read file: {exc.strerror or exc}", source=name) from None
    if len(data) > limits.max_file_bytes:
        raise FormatError(f"file is over the {limits.max_file_bytes}-byte limit", source=name, code="too_large")
    return data


_DECODE_ERRORS = (struct.error, IndexError, KeyError, ValueError, TypeError, UnicodeError, RecursionError, OverflowError, ZeroDivisionError)


def read_template(
    path: str | os.PathLike,
    *,
    limits: Limits = DEFAULT_LIMITS,
    exists: Callable[[str], bool] = os.path.exists,
) -> TemplateDocument:
    """Read an .aepx or .aep template file.

    ``exists`` decides whether a recorded footage path is present on this machine (injectable
    for tests and for checking against a mapped media root).

    Raises:
        FormatError: the file is missing, too large, not an After Effects project, malformed
            or hostile. The message is one line and names the file.
    """
    data = read_bytes_bounded(path, limits)
    return parse_template(data, source=os.path.basename(os.fspath(path)), limits=limits, exists=exists)


def parse_template(
    data: bytes,
    *,
    source: str = "",
    limits: Limits = DEFAULT_LIMITS,
    exists: Callable[[str], bool] = os.path.exists,
) -> TemplateDocument:
    """:func:`read_template` for bytes already in memory; ``source`` names them in errors."""
    try:
        if len(data) > limits.max_file_bytes:
            raise FormatError(f"file is over the {limits.max_file_bytes}-byte limit", code="too_large")
        chunks = load_chunks(data, limits=limits)
        return decode(chunks, source=source, sha256=hashlib.sha256(data).hexdigest(), exists=exists)
    except FormatError as exc:
        if exc.source or not source:
            raise
        raise FormatError(exc.message, source=source, code=exc.code) from None
    except _DECODE_ERRORS as exc:
        detail = f"{type(exc).__name__}: {_one_line(str(exc))}"
        raise FormatError(f"malformed project data ({detail})", source=source or None) from None


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
