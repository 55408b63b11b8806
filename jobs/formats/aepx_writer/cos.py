"""After Effects' COS text syntax, written: :func:`cos_dumps` (the inverse of
:func:`jobs.formats.aep.cos.parse_cos` for what the writer uses) and :class:`CosNameValue`
for a ``/name`` value.
"""

from __future__ import annotations

from dataclasses import dataclass


def cos_dumps(value: object) -> bytes:
    """Serialise dicts / lists / numbers / strings in After Effects' COS text syntax. Dict keys
    are written as ``/key``; a :class:`CosNameValue` as ``/name``; strings as UTF-16BE."""
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if value is None:
        return b"null"
    if isinstance(value, CosNameValue):
        return b"/" + value.name.encode("ascii")
    if isinstance(value, int):
        return str(value).encode("ascii")
    if isinstance(value, float):
        text = f"{value:.5f}".rstrip("0")
        return (text + "0" if text.endswith(".") else text).encode("ascii")
    if isinstance(value, str):
        raw = b"\xfe\xff" + value.encode("utf-16-be")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    if isinstance(value, dict):
        return b"<< " + _cos_pairs(value) + b" >>"
    if isinstance(value, (list, tuple)):
        return b"[ " + b" ".join(cos_dumps(v) for v in value) + b" ]"
    raise TypeError(f"cannot write {type(value).__name__} as COS")


def _cos_pairs(mapping: dict) -> bytes:
    return b" ".join(b"/" + str(k).encode("ascii") + b" " + cos_dumps(v) for k, v in mapping.items())


@dataclass(frozen=True)
class CosNameValue:
    name: str
