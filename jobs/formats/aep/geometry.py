"""A layer's placement in composition pixels: the matrix from its own pixels through its own
transform and its parents' (Position, Anchor Point, Scale, Rotation, with After Effects'
defaults), its ``bbox`` (its content rectangle through that matrix), and its own transform
values as After Effects shows them. Each is ``None`` when the file does not let it be derived
(keyframes, expressions, 3D layers that are not flat, parent cycles, unknown source size).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..render_plan.affine import IDENTITY, Affine, apply, compose, layer_transform
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
    default_anchor: tuple[float, float] | None = (0.0, 0.0)  # None: the source centre, size unknown
    normalized_anchor: bool = False  # stored as a fraction of the source size
    three_d: bool = False


# ============================================================================================
# Geometry




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


def _position(geom: _LayerGeometry, comp: _CompHeader) -> tuple[float, ...]:
    """Position (x, y[, z]) in the parent's (or the composition's) pixels; comp centre by default."""
    props = geom.transform
    if "separated" in props:
        x = _static(props, "ADBE Position_0")
        y = _static(props, "ADBE Position_1")
        z = _static(props, "ADBE Position_2")
        return (x[0] if x else 0.0, y[0] if y else 0.0, z[0] if z else 0.0)
    return _static(props, "ADBE Position", 2) or (comp.width / 2, comp.height / 2, 0.0)


def _anchor(geom: _LayerGeometry) -> tuple[float, float, float]:
    """Anchor Point (x, y, z) in layer pixels: stored normalised to the source size for layers
    with a source, in pixels otherwise; the source centre (or the origin) by default."""
    anchor = _static(geom.transform, "ADBE Anchor Point", 2)
    if anchor is None:
        if geom.default_anchor is None:
            raise _NotDerivable("source size unknown")
        return (*geom.default_anchor, 0.0)
    az = anchor[2] if len(anchor) > 2 else 0.0
    if not geom.normalized_anchor:
        return anchor[0], anchor[1], az
    if geom.size is None:
        raise _NotDerivable("source size unknown")
    return anchor[0] * geom.size[0], anchor[1] * geom.size[1], az


def _scale(geom: _LayerGeometry) -> tuple[float, ...]:
    """Scale as stored: fractions, 1.0 = 100 %."""
    return _static(geom.transform, "ADBE Scale", 2) or (1.0, 1.0, 1.0)


def _rotation(geom: _LayerGeometry) -> float:
    """Rotation (Z rotation on 3D layers) in degrees, clockwise on screen."""
    return (_static(geom.transform, "ADBE Rotate Z") or (0.0,))[0]


def _local_matrix(geom: _LayerGeometry, comp: _CompHeader) -> Affine:
    """T(position) . R(z) . S(scale) . T(-anchor), with AE's defaults for missing properties."""
    props = geom.transform
    position = _position(geom, comp)
    ax, ay, az = _anchor(geom)
    scale = _scale(geom)
    rotation = _rotation(geom)
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
    return layer_transform(anchor=(ax, ay), position=position, scale=scale, rotation=rotation)


def _world_matrix(geom: _LayerGeometry, layers: dict[int, _LayerGeometry], comp: _CompHeader) -> Affine:
    matrix = IDENTITY
    seen: set[int] = set()
    current: _LayerGeometry | None = geom
    while current is not None:
        if current.id in seen:
            raise _NotDerivable("parent cycle")
        seen.add(current.id)
        matrix = compose(_local_matrix(current, comp), matrix)
        if not current.parent_id:
            break
        current = layers.get(current.parent_id)
        if current is None:
            raise _NotDerivable("parent not in the composition")
    return matrix


def _world(geom: _LayerGeometry, layers: dict[int, _LayerGeometry], comp: _CompHeader) -> Affine | None:
    """The layer-to-composition matrix through the parent chain, or ``None`` when not derivable."""
    try:
        matrix = _world_matrix(geom, layers, comp)
    except _NotDerivable:
        return None
    return matrix if all(map(math.isfinite, matrix)) else None


def _bbox(
    geom: _LayerGeometry, layers: dict[int, _LayerGeometry], comp: _CompHeader
) -> tuple[int, int, int, int] | None:
    return _box(_world(geom, layers, comp), geom)


def _box(matrix: Affine | None, geom: _LayerGeometry) -> tuple[int, int, int, int] | None:
    """The layer's content rectangle mapped through ``matrix``, rounded to whole pixels."""
    if geom.size is None or matrix is None:
        return None
    x0, y0 = geom.origin
    w, h = geom.size
    points = [apply(matrix, (x, y)) for x, y in ((x0, y0), (x0 + w, y0), (x0, y0 + h), (x0 + w, y0 + h))]
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    if not all(math.isfinite(v) for v in xs + ys):
        return None
    return round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys))


# ============================================================================================
# The layer's own transform values, as After Effects shows them


@dataclass(frozen=True)
class _OwnTransform:
    """One layer's static transform values with After Effects' defaults applied; each ``None``
    when keyframed, expression-driven or not derivable. Scale in percent, rotation in degrees."""

    anchor: tuple[float, float] | None
    position: tuple[float, float] | None
    scale: tuple[float, float] | None
    rotation: float | None


def _clean(value: float, places: int = 9) -> float:
    """Drop float noise from a derived value (``-0.0`` and ``6e-17`` become ``0.0``)."""
    return round(value, places) + 0.0


def _own_transform(geom: _LayerGeometry, comp: _CompHeader) -> _OwnTransform:
    def attempt(read):
        try:
            return read()
        except _NotDerivable:
            return None

    anchor = attempt(lambda: _anchor(geom))
    position = attempt(lambda: _position(geom, comp))
    scale = attempt(lambda: _scale(geom))
    rotation = attempt(lambda: _rotation(geom))
    return _OwnTransform(
        anchor=_pair(anchor),
        position=_pair(position, clean=False),
        scale=_pair(scale, 100.0),
        rotation=rotation,
    )


def _pair(values: tuple[float, ...] | None, factor: float = 1.0, clean: bool = True) -> tuple[float, float] | None:
    """x and y of a vector value times ``factor`` (float noise dropped when ``clean``: derived
    values); ``None`` when absent or not finite."""
    if values is None:
        return None
    x, y = values[0] * factor, values[1] * factor
    if clean:
        x, y = _clean(x), _clean(y)
    return (x, y) if math.isfinite(x) and math.isfinite(y) else None


def _is_animated(geom: _LayerGeometry) -> bool:
    """A placement property (anchor, position, scale, rotations, orientation) is keyframed or
    driven by an expression; opacity does not count."""
    return any(prop.values is None for prop in geom.transform.values())


def _chain_animated(geom: _LayerGeometry, layers: dict[int, _LayerGeometry]) -> bool:
    """:func:`_is_animated` for the layer or any of its parents."""
    seen: set[int] = set()
    current: _LayerGeometry | None = geom
    while current is not None and current.id not in seen:
        if _is_animated(current):
            return True
        seen.add(current.id)
        current = layers.get(current.parent_id) if current.parent_id else None
    return False


def _public_matrix(matrix: Affine | None) -> Affine | None:
    """The matrix as the description carries it: float noise below 1e-12 dropped."""
    if matrix is None:
        return None
    a, b, c, d, e, f = (_clean(v, 12) for v in matrix)
    return (a, b, c, d, e, f)
