"""A layer's animation: its transform properties and time remapping as static values or
keyframes, decoded from the property streams of its ``tdgp`` tree (``docs/animation.md``).

A leaf property is a ``LIST tdbs``: ``tdsb`` (flags: byte 2 bit 3 = dimensions separated,
byte 3 bit 1 = the stream is hidden because it does not apply, e.g. time remapping switched
off), ``tdsn`` (its name), ``tdb4`` (metadata: u16 dimensions at 2, byte 5 bit 3 = spatial,
u32 keyframe ticks per layer second at 12, byte 68 = animated, byte 119 bit 0 = expression
disabled), then either ``cdat`` (the static value: doubles) or ``LIST list`` with ``lhd3``
(u32 keyframe count at 8, u32 item size at 16) and ``ldat`` (the keyframes), then the
expression as a ``Utf8`` child when there is one.

A keyframe item is an 8-byte header (i32 time in ticks relative to the layer's start, u8 in
and out interpolation: 1 linear, 2 bezier, 3 hold, u16 flags: bit 3 temporal continuous, bit 4
temporal auto-bezier, bit 5 roving) and a payload of big-endian doubles:

- spatial (position, anchor point): 3 pad bytes, a flags byte (bit 0 spatial continuous, bit 1
  spatial auto-bezier), 4 pad bytes, then 5 doubles (unused, in speed, in influence, out speed,
  out influence) and ``3 * dims`` doubles (value, in tangent, out tangent);
- otherwise ``5 * dims`` doubles: value, in speeds, in influences, out speeds, out influences.

Stored units differ from what After Effects shows: scale and opacity are fractions (1.0 =
100 %, speeds likewise), influences fractions of 1, and a layer-with-source's Anchor Point is
normalised to the source size (value and tangents by width, height, height; its speeds by the
height). The description carries After Effects' units.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from ..descriptions import INTERPOLATIONS, AnimatedProperty, Keyframe, LayerAnimation
from .chunks import _U16, _U32, LEAF, LIST, Chunk
from .properties import _has_live_expression, _properties

MAX_KEYFRAMES = 20_000
"""Keyframes one property may carry into the description (a baked 11 minutes at 30 fps);
a property with more is left out (``None``) rather than bloating the stored description."""

_UNREADABLE = (struct.error, ValueError, IndexError, OverflowError)


@dataclass(frozen=True)
class _Units:
    """How one property's stored numbers become After Effects' units."""

    value: tuple[float, ...] = ()  # per-dimension factors (empty: all 1)
    speed: float = 1.0

    def scale(self, values: tuple[float, ...] | list[float]) -> tuple[float, ...]:
        if not self.value:
            return tuple(float(v) for v in values)
        return tuple(v * (self.value[i] if i < len(self.value) else 1.0) for i, v in enumerate(values))


@dataclass(frozen=True)
class _Timing:
    start: float  # composition seconds of layer time 0
    stretch: float  # factor, 1.0 = 100 %


def _tdb4(node: Chunk) -> bytes | None:
    tdb4 = node.find("tdb4", LEAF)
    return tdb4.data if tdb4 is not None and len(tdb4.data) >= 16 else None


def _hidden(node: Chunk) -> bool:
    tdsb = node.find("tdsb", LEAF)
    return tdsb is not None and len(tdsb.data) >= 4 and bool(tdsb.data[3] & 0x02)


def _separated(node: Chunk | None) -> bool:
    if node is None or node.kind != LIST:
        return False
    tdsb = node.find("tdsb", LEAF)
    return tdsb is not None and len(tdsb.data) > 2 and bool(tdsb.data[2] & 0x08)


def _expression(node: Chunk, tdb4: bytes) -> str | None:
    return node.first_string() if _has_live_expression(node, tdb4) else None


def _finite(*groups) -> bool:
    return all(math.isfinite(v) for group in groups if group is not None for v in group)


def _property(
    node: Chunk | None, timing: _Timing, units: _Units, default: tuple[float, ...]
) -> AnimatedProperty | None:
    """One ``tdbs`` leaf in After Effects' units; the default when absent; ``None`` when its
    data cannot be read (unknown keyframe layout, non-finite numbers, truncated records, more
    than :data:`MAX_KEYFRAMES`): animation never makes a readable template unreadable."""
    try:
        return _read_property(node, timing, units, default)
    except _UNREADABLE:
        return None


def _read_property(
    node: Chunk | None, timing: _Timing, units: _Units, default: tuple[float, ...]
) -> AnimatedProperty | None:
    if node is None or node.kind != LIST:
        return AnimatedProperty(value=default) if default else None
    tdb4 = _tdb4(node)
    if tdb4 is None:
        return AnimatedProperty(value=default) if default else None
    dims = max(1, _U16.unpack_from(tdb4, 2)[0])
    spatial = bool(tdb4[5] & 0x08)
    expression = _expression(node, tdb4)
    cdat = node.find("cdat", LEAF)
    if cdat is not None and len(cdat.data) >= 8:
        count = min(dims, len(cdat.data) // 8)
        value = units.scale(struct.unpack_from(f">{count}d", cdat.data, 0))
    else:
        value = default
    keyframes: tuple[Keyframe, ...] = ()
    keyed = node.find("list", LIST)
    if keyed is not None:
        ticks = _U32.unpack_from(tdb4, 12)[0]
        decoded = _keyframes(keyed, dims, spatial, ticks, timing, units)
        if decoded is None:
            return None
        keyframes = decoded
        if keyframes and cdat is None:
            value = keyframes[0].value
    if not _finite(value):
        return None
    spatial = spatial and bool(keyframes)
    return AnimatedProperty(value=value, keyframes=keyframes, expression=expression, spatial=spatial)


def _keyframes(
    keyed: Chunk, dims: int, spatial: bool, ticks: int, timing: _Timing, units: _Units
) -> tuple[Keyframe, ...] | None:
    lhd3 = keyed.find("lhd3", LEAF)
    ldat = keyed.find("ldat", LEAF)
    if lhd3 is None or len(lhd3.data) < 20:
        return None
    count = _U32.unpack_from(lhd3.data, 8)[0]
    size = _U32.unpack_from(lhd3.data, 16)[0]
    if count == 0:
        return ()
    data = ldat.data if ldat is not None else b""
    if not ticks or size < 8 or count > MAX_KEYFRAMES or count * size > len(data):
        return None
    if spatial and size >= 56 + 24 * dims:
        read = _spatial_item
    elif size >= 8 + 40 * dims:
        read = _plain_item
    else:
        return None  # a layout this reader does not know (colour, shape, marker...)
    out = []
    for n in range(count):
        item = data[n * size : (n + 1) * size]
        keyframe = read(item, dims, ticks, timing, units)
        numbers = (keyframe.value, keyframe.in_tangent, keyframe.out_tangent, *keyframe.in_ease, *keyframe.out_ease)
        if not _finite(*numbers):
            return None
        out.append(keyframe)
    return tuple(out)


def _header(item: bytes, ticks: int, timing: _Timing) -> dict:
    units, in_code, out_code, flags = struct.unpack_from(">iBBH", item, 0)
    return {
        "time": round(timing.start + units / ticks * timing.stretch, 9),
        "in_interpolation": _interpolation(in_code),
        "out_interpolation": _interpolation(out_code),
        "continuous": bool(flags & 0x08),
        "auto_bezier": bool(flags & 0x10),
        "roving": bool(flags & 0x20),
    }


def _interpolation(code: int) -> str:
    return INTERPOLATIONS[code - 1] if 1 <= code <= len(INTERPOLATIONS) else "linear"


def _spatial_item(item: bytes, dims: int, ticks: int, timing: _Timing, units: _Units) -> Keyframe:
    flags = item[11]
    numbers = struct.unpack_from(f">{5 + 3 * dims}d", item, 16)
    _, in_speed, in_influence, out_speed, out_influence = numbers[:5]
    value, in_tangent, out_tangent = (numbers[5 + k * dims : 5 + (k + 1) * dims] for k in range(3))
    return Keyframe(
        value=units.scale(value),
        in_ease=((in_speed * units.speed, in_influence * 100.0),),
        out_ease=((out_speed * units.speed, out_influence * 100.0),),
        in_tangent=units.scale(in_tangent),
        out_tangent=units.scale(out_tangent),
        spatial_continuous=bool(flags & 0x01),
        spatial_auto_bezier=bool(flags & 0x02),
        **_header(item, ticks, timing),
    )


def _plain_item(item: bytes, dims: int, ticks: int, timing: _Timing, units: _Units) -> Keyframe:
    numbers = struct.unpack_from(f">{5 * dims}d", item, 8)
    value, in_speed, in_influence, out_speed, out_influence = (numbers[k * dims : (k + 1) * dims] for k in range(5))
    return Keyframe(
        value=units.scale(value),
        in_ease=tuple((s * units.speed, i * 100.0) for s, i in zip(in_speed, in_influence, strict=True)),
        out_ease=tuple((s * units.speed, i * 100.0) for s, i in zip(out_speed, out_influence, strict=True)),
        **_header(item, ticks, timing),
    )


def _time_remap_on(node: Chunk | None) -> bool:
    """Time remapping is on when its stream is keyframed (``tdb4`` animated) or shown: After
    Effects hides the stream of a layer without time remapping (``tdsb`` hidden bit), so a
    remap left at a static value, with or without an expression, still counts."""
    if node is None or node.kind != LIST:
        return False
    tdb4 = _tdb4(node)
    if tdb4 is not None and len(tdb4) > 68 and tdb4[68]:
        return True
    return node.find("tdsb", LEAF) is not None and not _hidden(node)


def _layer_animation(
    tree: dict[str, Chunk],
    *,
    start: float,
    stretch: float,
    normalized_anchor: bool,
    size: tuple[float, float] | None,
    default_anchor: tuple[float, float] | None,
    default_position: tuple[float, float],
    remap_allowed: bool,
    null: bool = False,
) -> LayerAnimation:
    """The layer's :class:`LayerAnimation`. A layer with a source stores its Anchor Point
    normalised to the source ``size`` (``normalized_anchor``): without the size, ``anchor``
    is ``None``; so it is when the default anchor (the source centre) is unknown. A property
    the file leaves out has After Effects' default (a null's Opacity left out reads 0)."""
    timing = _Timing(start=start, stretch=stretch)
    group = tree.get("ADBE Transform Group")
    props = _properties(group if group is not None and group.kind == LIST else None)
    plain = _Units()
    percent = _Units(value=(100.0, 100.0, 100.0), speed=100.0)
    anchor = None
    if default_anchor is not None and (size is not None or not normalized_anchor):
        anchor_units = _Units(value=(size[0], size[1], size[1]), speed=size[1]) if normalized_anchor else plain
        anchor = _property(props.get("ADBE Anchor Point"), timing, anchor_units, (*default_anchor, 0.0))
    separated = _separated(props.get("ADBE Position"))
    position = position_x = position_y = position_z = None
    if separated:
        position_x = _property(props.get("ADBE Position_0"), timing, plain, (default_position[0],))
        position_y = _property(props.get("ADBE Position_1"), timing, plain, (default_position[1],))
        position_z = _property(props.get("ADBE Position_2"), timing, plain, (0.0,))
    else:
        position = _property(props.get("ADBE Position"), timing, plain, (*default_position, 0.0))
    remap_node = tree.get("ADBE Time Remapping")
    time_remap = None
    if remap_allowed and _time_remap_on(remap_node):
        time_remap = _property(remap_node, timing, plain, ())
    return LayerAnimation(
        start_time=round(start, 9),
        stretch=round(stretch * 100.0, 9),
        separated=separated,
        anchor=anchor,
        position=position,
        position_x=position_x,
        position_y=position_y,
        position_z=position_z,
        scale=_property(props.get("ADBE Scale"), timing, percent, (100.0, 100.0, 100.0)),
        rotation=_property(props.get("ADBE Rotate Z"), timing, plain, (0.0,)),
        opacity=_property(props.get("ADBE Opacity"), timing, percent, (0.0,) if null else (100.0,)),
        time_remap=time_remap,
    )


def _remap_enabled(tree: dict[str, Chunk]) -> bool:
    return _time_remap_on(tree.get("ADBE Time Remapping"))

