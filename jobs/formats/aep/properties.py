"""Layer property trees: a ``tdgp`` group as a map of match name -> property node, and the
static value of a leaf property (``tdbs``), which the transform and the time remapping of a
layer are read from (``docs/aepx-format.md`` section 7).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .chunks import _U16, LEAF, LIST, Chunk


@dataclass
class _Prop:
    """A transform property's static value, or ``None`` when keyframed / expression-driven."""

    values: tuple[float, ...] | None


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
