"""Tell what kind of file a path holds from its first bytes, not from its name.

Plain Python with no Django (and no third-party) import. Only a bounded head of the file is
read; nothing is parsed beyond it and nothing is resolved.

Kinds:

- ``"psd"``: ``8BPS`` signature, version 1 (Photoshop document).
- ``"psb"``: ``8BPS`` signature, version 2 (Photoshop large document).
- ``"aep"``: ``RIFX`` + 4 size bytes + ``Egg!`` (binary After Effects project).
- ``"aepx"``: XML whose root element is ``AfterEffectsProject`` (After Effects XML project).
  The prolog before the root may hold a byte-order mark (UTF-8 or UTF-16), an XML
  declaration (only at the very start), processing instructions, comments and whitespace.
  A DOCTYPE, text, CDATA or anything else before the root means "not a valid aepx", as does a
  prolog that does not end within the head. The root name must be exactly
  ``AfterEffectsProject`` (no namespace prefix), as After Effects writes it.

Anything else is ``None``. :func:`describe_content` names common other formats (PNG, JPEG,
PDF, …) for error messages.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PSD = "psd"
PSB = "psb"
AEP = "aep"
AEPX = "aepx"

#: How many bytes :func:`sniff_file` reads by default: enough for an XML declaration and a
#: few comments before the root element.
DEFAULT_HEAD_BYTES = 8192

#: The kinds each CSV path column accepts.
EXPECTED_KINDS: dict[str, frozenset[str]] = {
    "psd_path": frozenset({PSD, PSB}),
    "aepx_path": frozenset({AEP, AEPX}),
}

#: The kind each accepted file-name extension promises (compared case-insensitively).
EXTENSION_KINDS: dict[str, str] = {".psd": PSD, ".psb": PSB, ".aep": AEP, ".aepx": AEPX}

#: What a user calls the thing each column names, for messages.
COLUMN_NOUNS: dict[str, str] = {
    "psd_path": "a Photoshop file",
    "aepx_path": "an After Effects template",
}

#: What a user calls each kind, for messages.
KIND_NAMES: dict[str, str] = {
    PSD: "a Photoshop document (PSD)",
    PSB: "a Photoshop large document (PSB)",
    AEP: "a binary After Effects project (AEP)",
    AEPX: "an After Effects XML project (AEPX)",
}

_AEPX_ROOT = "AfterEffectsProject"
_XML_SPACE = " \t\r\n"
_NAME_END = _XML_SPACE + "/>"


# --------------------------------------------------------------------------------------------
# Public helpers


def read_head(path: str | os.PathLike, head_bytes: int = DEFAULT_HEAD_BYTES) -> bytes | None:
    """The first ``head_bytes`` bytes of ``path``, or ``None`` if it is not a regular file.

    Opens without blocking, so a FIFO or device never hangs the caller. Raises ``OSError``
    when the file cannot be opened (missing, permission denied, …).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks: list[bytes] = []
        remaining = head_bytes
        while remaining > 0:
            chunk = os.read(fd, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def sniff_file(path: str | os.PathLike, *, head_bytes: int = DEFAULT_HEAD_BYTES) -> str | None:
    """``"psd"``, ``"psb"``, ``"aep"``, ``"aepx"`` or ``None`` for the file at ``path``.

    Reads at most ``head_bytes`` bytes. ``None`` also for anything that is not a regular file.
    Raises ``OSError`` when the file cannot be opened.
    """
    head = read_head(path, head_bytes)
    return None if head is None else sniff_bytes(head)


def sniff_bytes(head: bytes) -> str | None:
    """The kind of a file whose first bytes are ``head`` (see the module docstring)."""
    if head[:4] == b"8BPS" and len(head) >= 6:
        return {1: PSD, 2: PSB}.get(int.from_bytes(head[4:6], "big"))
    if head[:4] == b"RIFX" and head[8:12] == b"Egg!":
        return AEP
    if xml_root_name(head) == _AEPX_ROOT:
        return AEPX
    return None


def kind_from_extension(name: str | os.PathLike) -> str | None:
    """The kind a file name's extension promises (``.PSD`` counts as ``.psd``), or ``None``."""
    return EXTENSION_KINDS.get(Path(name).suffix.lower())


def extensions_for(column: str) -> list[str]:
    """The extensions a CSV path column accepts, e.g. ``[".psd", ".psb"]``."""
    kinds = EXPECTED_KINDS[column]
    return [ext for ext, kind in EXTENSION_KINDS.items() if kind in kinds]


def describe_content(head: bytes) -> str:
    """A short human description of what ``head`` looks like, for error messages."""
    kind = sniff_bytes(head)
    if kind is not None:
        return KIND_NAMES[kind]
    if not head:
        return "an empty file"
    for magic, name in _OTHER_MAGICS:
        if head.startswith(magic):
            return name
    if head[8:12] == b"WEBP" and head[:4] == b"RIFF":
        return "a WebP image"
    if xml_root_name(head) is not None:
        return f"an XML document whose root is <{xml_root_name(head)}>"
    if _looks_like_text(head):
        return "a text file"
    return "an unrecognised binary file"


# --------------------------------------------------------------------------------------------
# XML prolog scanning


def xml_root_name(head: bytes) -> str | None:
    """The name of the first element in ``head``, or ``None``.

    Scans only the prolog (BOM, XML declaration, processing instructions, comments,
    whitespace); never parses past the root's name and never resolves anything. ``None`` when
    the head is not XML, has a DOCTYPE, or the root's name does not end within it.
    """
    text = _decode_head(head)
    pos = 0
    while True:
        pos = _skip_space(text, pos)
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            if end < 0 or (_pi_target(text, pos).lower() == "xml" and pos != 0):
                return None  # unterminated, or an XML declaration that is not first
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                return None
            pos = end + 3
        elif text.startswith("<", pos) and not text.startswith("<!", pos):
            return _element_name(text, pos + 1)
        else:
            return None  # DOCTYPE, CDATA, text, or the end of the head


def _decode_head(head: bytes) -> str:
    """``head`` as text: UTF-16 when it starts with a UTF-16 byte-order mark, else UTF-8.

    Undecodable bytes become U+FFFD; the markup this module looks for is ASCII, so a head cut
    in the middle of a character does no harm.
    """
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        body = head[: len(head) - len(head) % 2]
        return body.decode("utf-16", errors="replace")
    if head[:3] == b"\xef\xbb\xbf":
        head = head[3:]
    return head.decode("utf-8", errors="replace")


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _XML_SPACE:
        pos += 1
    return pos


def _pi_target(text: str, pos: int) -> str:
    """The target of the processing instruction starting at ``pos`` (``<?target …?>``)."""
    end = pos + 2
    while end < len(text) and text[end] not in _XML_SPACE and text[end] != "?":
        end += 1
    return text[pos + 2 : end]


def _element_name(text: str, pos: int) -> str | None:
    """The element name starting at ``pos``, or ``None`` if it is empty or runs off the head."""
    end = pos
    while end < len(text) and text[end] not in _NAME_END:
        end += 1
    if end == pos or end >= len(text):
        return None
    return text[pos:end]


# --------------------------------------------------------------------------------------------
# Other formats, for messages only

_OTHER_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"%!PS", "a PostScript file"),
)


def _looks_like_text(head: bytes) -> bool:
    """Whether ``head`` is UTF-8 without control characters other than whitespace."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut at the end of the head
            return False
        text = head[: exc.start].decode("utf-8")
    return all(ch >= " " or ch in "\t\r\n" for ch in text)
