"""Escaping: data becomes ES3 literals, never code.

Every string that came from a CSV, a PSD or a template is written into the script as a
double-quoted, pure-ASCII literal with every character outside printable ASCII, and every
quote, backslash, ``<``, ``>`` and ``&``, escaped as ``\\uXXXX``. Lone surrogates cannot be
encoded and are rejected with :class:`~.plan.ScriptError`.

Plain Python: no Django import.
"""

from __future__ import annotations

import math

from .plan import ScriptError, _check_str

# Printable ASCII that may stand for itself inside a double-quoted literal. Quotes and the
# backslash would end or alter the literal; <, > and & are escaped too so that the text stays
# inert even if someone pastes the script into an HTML or XML context.
_VERBATIM = frozenset(chr(c) for c in range(0x20, 0x7F)) - set("\"'\\<>&")


def js_string(value: str) -> str:
    """``value`` as a double-quoted, pure-ASCII ES3 string literal.

    Characters outside printable ASCII (and ``" ' \\ < > &``) become ``\\uXXXX``; characters
    above U+FFFF become their UTF-16 surrogate pair, which is how ExtendScript stores them.
    A lone surrogate has no meaning in UTF-16 text and raises :class:`ScriptError`.
    """
    _check_str("value", value)
    out = ['"']
    for char in value:
        if char in _VERBATIM:
            out.append(char)
            continue
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise ScriptError(f"lone surrogate U+{code:04X} in {value[:40]!r}")
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
        else:
            out.append(f"\\u{code:04X}")
    out.append('"')
    return "".join(out)


def js_literal(value: object) -> str:
    """An ES3 literal for None, bool, int, finite float, str, list/tuple or dict (str keys)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ScriptError(f"number {value!r} has no ES3 literal")
        return repr(value)
    if isinstance(value, str):
        return js_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(js_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            _check_str("object key", key)
            items.append(f"{js_string(key)}: {js_literal(item)}")
        return "{" + ", ".join(items) + "}"
    raise ScriptError(f"cannot write {type(value).__name__} into a script")
