"""The reader's entry points: :func:`read_template` (a file, read within
``limits.max_file_bytes``), :func:`parse_template` (bytes) and :func:`load_chunks` (bytes to
the chunk tree, the format sniffed from the bytes, not the file name). Everything malformed,
hostile or oversized comes out as one :class:`~jobs.formats.errors.FormatError` naming the file.
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
from collections.abc import Callable

from ..descriptions import TemplateDocument
from ..errors import FormatError
from ..limits import DEFAULT_LIMITS, Limits
from .aepx import _one_line, _parse_aepx
from .chunks import ChunkFile, _parse_rifx
from .decoder import decode

READER_VERSION = "aep-reader/5"
"""Bumped whenever the decoded output for the same bytes may change (a cache key). 3: NUL
characters stripped from the description. 4: each layer's ``animation`` (keyframes, time
remapping, expressions) and the time-remapping rule of the out point. 5: shape layers' ``shapes``
(contents: groups, rectangles, ellipses, paths, fills, strokes)."""


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
            raise FormatError(
                f"file is {size} bytes, over the {limits.max_file_bytes}-byte limit", source=name, code="too_large"
            )
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


_DECODE_ERRORS = (
    struct.error,
    IndexError,
    KeyError,
    ValueError,
    TypeError,
    UnicodeError,
    RecursionError,
    OverflowError,
    ZeroDivisionError,
)


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
