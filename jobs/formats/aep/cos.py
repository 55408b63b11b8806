"""After Effects' PDF-like "COS" syntax, in which a text layer's document (``LIST btdk``) is
written: :func:`parse_cos` turns it into dicts, lists and scalars, :func:`cos_get` walks them
(``docs/aepx-format.md`` section 7)."""

from __future__ import annotations

import re
from typing import Any

MAX_COS_DEPTH = 64
"""Deepest nesting of ``<< >>`` / ``[ ]`` accepted in a text document."""


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


def _cos_list(node: Any, *keys: str | int) -> list:
    value = cos_get(node, *keys)
    return value if isinstance(value, list) else []
