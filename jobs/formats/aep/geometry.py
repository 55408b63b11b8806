"""A layer's ``bbox`` in composition pixels: its content rectangle mapped through its own
transform and its parents' (Position, Anchor Point, Scale, Rotation, with After Effects'
defaults), or ``None`` when the file does not let it be derived (keyframes, expressions,
3D layers that are not flat, parent cycles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .items import _CompHeader
from .properties import _Prop


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
            and not any(_static(props, "ADBE Rotate X") or (0.0,))
            and not any(_static(props, "ADBE Rotate Y") or (0.0,))
            and not any(_static(props, "ADBE Orientation") or (0.0,))
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


def _bbox(
    geom: _LayerGeometry, layers: dict[int, _LayerGeometry], comp: _CompHeader
) -> tuple[int, int, int, int] | None:
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
