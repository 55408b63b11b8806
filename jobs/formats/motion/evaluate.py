"""A layer's animation evaluated at a composition time, the way After Effects does
(``docs/animation.md``, section "Evaluation").

Keyframes are interpolated in the layer's own time, ``(time - start_time) / stretch``: ease
speeds are measured there, and a layer played backwards keeps its keyframes in order there.
Between two keyframes ``a`` and ``b`` (layer times ``t0 < t1``):

- **hold**: ``a``'s out interpolation or ``b``'s in interpolation is hold: ``a``'s value
  until ``t1``.
- **linear** on both sides: the values are interpolated linearly (along the motion path for
  a spatial property, at constant speed).
- **bezier**: the temporal ease After Effects stores, a speed (value units per second of the
  layer's own time) and an influence (percent of the segment) on each side, is the cubic
  Bezier of the value graph: ``P0 = (0, v0)``, ``P1 = (i0 * T, v0 + s0 * i0 * T)``,
  ``P2 = (T - i1 * T, v1 - s1 * i1 * T)``, ``P3 = (T, v1)`` with ``T`` the segment's length
  in layer seconds. Normalised by ``T`` and ``v1 - v0`` it is the ``cubic-bezier(x1, y1, x2,
  y2)`` that bodymovin exports to Lottie (:func:`cubic_bezier`). A linear side met by a bezier
  one counts as the segment's average speed with a 1/6 influence (what After Effects reports
  for it), which keeps that end straight. Each dimension has its own ease; a spatial property
  has one, along the path.
- **spatial**: position (and anchor point) keyframes carry tangents: the segment's path is
  the cubic Bezier ``v0, v0 + out_tangent(a), v1 + in_tangent(b), v1``, travelled by arc
  length; the temporal ease gives the distance along it. Zero tangents give a straight line.

Before the first keyframe the value is the first keyframe's, after the last the last's.
Roving keyframes are evaluated at the time the file stores for them (After Effects writes the
retimed value). Auto-bezier and continuous keyframes use the speeds the file stores (After
Effects writes the ones it derived). Expressions are not evaluated: a property an expression
drives gives its own (keyframed or static) value, and :attr:`LayerState.expressions` names it.

A layer's matrix is ``T(position) . R(rotation) . S(scale) . T(-anchor)`` (2D; z ignored)
composed with its parents' at the same time; opacity is not inherited. A pre-comp layer shows
its source at :func:`source_time`: the time remapping value when time remapping is on, else
``(time - start_time) / stretch``.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

from ..descriptions import AnimatedProperty, Keyframe, LayerAnimation, TemplateLayer
from ..render_plan.affine import IDENTITY, Affine, compose, layer_transform

_LINEAR_INFLUENCE = 100.0 / 6.0
_PATH_SAMPLES = 128  # polyline samples of a spatial segment for its arc length
_SOLVE_STEPS = 60  # bisection steps solving the ease curve's x (2**-60 of the segment)


# ============================================================================================
# The ease curve


def cubic_bezier(
    out_ease: tuple[float, float], in_ease: tuple[float, float], duration: float, delta: float
) -> tuple[float, float, float, float] | None:
    """The ``cubic-bezier(x1, y1, x2, y2)`` of a segment, as bodymovin converts After Effects'
    ease for Lottie: ``out_ease`` of the first keyframe and ``in_ease`` of the second, each
    ``(speed, influence %)``, over ``duration`` layer seconds and a change of ``delta``.
    ``None`` when ``delta`` or ``duration`` is 0 (no normalised curve: the value graph itself
    is used then)."""
    if not delta or duration <= 0:
        return None
    (out_speed, out_influence), (in_speed, in_influence) = out_ease, in_ease
    x1 = _influence(out_influence)
    x2 = 1.0 - _influence(in_influence)
    y1 = x1 * out_speed * duration / delta
    y2 = 1.0 - _influence(in_influence) * in_speed * duration / delta
    return (x1, y1, x2, y2)


def _influence(percent: float) -> float:
    return min(max(percent, 0.0), 100.0) / 100.0


def _bezier1(p0: float, p1: float, p2: float, p3: float, t: float) -> float:
    u = 1.0 - t
    return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3


def _handles(
    v0: float, v1: float, out_ease: tuple[float, float], in_ease: tuple[float, float], span: float
) -> tuple[float, float, float, float]:
    """The value graph's inner control points ``(x1, y1, x2, y2)``: x as a fraction of the
    segment, y in value units (absolute, so equal values with non-zero speeds still bow)."""
    (s0, i0), (s1, i1) = out_ease, in_ease
    x1, x2 = _influence(i0), 1.0 - _influence(i1)
    return x1, v0 + s0 * _influence(i0) * span, x2, v1 - s1 * _influence(i1) * span


def _graph(v0: float, handles: tuple[float, float, float, float], v1: float, u: float) -> float:
    """The value graph's cubic at ``u`` (0-1 of the segment): solve x = u, return y."""
    x1, y1, x2, y2 = handles
    low, high = 0.0, 1.0
    for _ in range(_SOLVE_STEPS):  # x(t) is monotonic for influences in [0, 1]
        mid = (low + high) / 2
        if _bezier1(0.0, x1, x2, 1.0, mid) < u:
            low = mid
        else:
            high = mid
    return _bezier1(v0, y1, y2, v1, (low + high) / 2)


def _forward(handles: tuple[float, float, float, float], length: float) -> tuple[float, float, float, float]:
    """A motion path's distance graph never reverses: a handle past the other end is
    shortened along its own slope to reach it."""
    x1, y1, x2, y2 = handles
    if y1 > length > 0:
        x1, y1 = x1 * length / y1, length
    if y2 < 0 < length:
        x2, y2 = 1.0 - (1.0 - x2) * length / (length - y2), 0.0
    return x1, y1, x2, y2


def _side(key: Keyframe, side: str, dim: int, average: float) -> tuple[float, float]:
    """One side's ``(speed, influence)`` for dimension ``dim``: the stored ease for bezier,
    the average speed with a 1/6 influence for linear."""
    if getattr(key, f"{side}_interpolation") != "bezier":
        return (average, _LINEAR_INFLUENCE)
    ease = getattr(key, f"{side}_ease")
    if not ease:
        return (average, _LINEAR_INFLUENCE)
    return ease[dim] if dim < len(ease) else ease[-1]


# ============================================================================================
# Spatial paths


def _path_point(points: tuple, t: float) -> tuple[float, ...]:
    p0, p1, p2, p3 = points
    return tuple(_bezier1(a, b, c, d, t) for a, b, c, d in zip(p0, p1, p2, p3, strict=True))


def _distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


class _Path:
    """A spatial segment's cubic Bezier, walked by arc length."""

    def __init__(self, a: Keyframe, b: Keyframe):
        start, end = a.value, b.value
        out_tangent = a.out_tangent or (0.0,) * len(start)
        in_tangent = b.in_tangent or (0.0,) * len(end)
        self.points = (
            start,
            tuple(v + t for v, t in zip(start, out_tangent, strict=False)),
            tuple(v + t for v, t in zip(end, in_tangent, strict=False)),
            end,
        )
        self.straight = not any(out_tangent) and not any(in_tangent)
        samples = [_path_point(self.points, n / _PATH_SAMPLES) for n in range(_PATH_SAMPLES + 1)]
        self.samples = samples
        self.lengths = [0.0]
        for previous, current in zip(samples, samples[1:], strict=False):
            self.lengths.append(self.lengths[-1] + _distance(previous, current))
        self.length = _distance(start, end) if self.straight else self.lengths[-1]

    def at(self, distance: float) -> tuple[float, ...]:
        start, _, _, end = self.points
        if self.length == 0:
            return start
        if self.straight or distance < 0 or distance > self.length:  # beyond the ends: the end tangent's line
            return self._line(distance)
        index = min(max(bisect_right(self.lengths, distance) - 1, 0), _PATH_SAMPLES - 1)
        low, high = self.lengths[index], self.lengths[index + 1]
        fraction = 0.0 if high == low else (distance - low) / (high - low)
        t = (index + fraction) / _PATH_SAMPLES
        return _path_point(self.points, t)

    def _line(self, distance: float) -> tuple[float, ...]:
        start, _, _, end = self.points
        if self.straight:
            f = distance / self.length
            return tuple(a + (b - a) * f for a, b in zip(start, end, strict=True))
        if distance < 0:
            anchor, towards = self.samples[0], self.samples[1]
            step = self.lengths[1]
        else:
            anchor, towards = self.samples[-1], self.samples[-2]
            step = self.lengths[-1] - self.lengths[-2]
            distance = self.length - distance
        if step == 0:
            return anchor
        return tuple(p + (q - p) * distance / step for p, q in zip(anchor, towards, strict=True))


# ============================================================================================
# Property values


def property_at(
    prop: AnimatedProperty, time: float, *, stretch: float = 100.0, start_time: float = 0.0
) -> tuple[float, ...]:
    """The property's value at composition ``time`` (seconds), without its expression.

    ``stretch`` (percent) and ``start_time`` are the layer's: keyframes are interpolated in
    the layer's own time, where ease speeds are measured and where the keyframes of a layer
    played backwards (negative stretch) still run forwards.
    """
    keys = prop.keyframes
    if not keys:
        return prop.value
    rate = stretch / 100.0 or 1.0
    times = [(k.time - start_time) / rate for k in keys]  # layer seconds, ascending
    now = (time - start_time) / rate
    if now <= times[0]:
        return keys[0].value
    if now >= times[-1]:
        return keys[-1].value
    index = bisect_right(times, now) - 1
    a, b = keys[index], keys[index + 1]
    span = times[index + 1] - times[index]
    if a.out_interpolation == "hold" or b.in_interpolation == "hold" or span <= 0:
        return a.value
    if prop.spatial and a.out_tangent is not None:
        return _spatial_at(keys, times, index, now)
    u = (now - times[index]) / span
    if a.out_interpolation == "linear" and b.in_interpolation == "linear":
        return tuple(v0 + (v1 - v0) * u for v0, v1 in zip(a.value, b.value, strict=False))
    out = []
    for dim, (v0, v1) in enumerate(zip(a.value, b.value, strict=False)):
        average = (v1 - v0) / span
        handles = _handles(v0, v1, _side(a, "out", dim, average), _side(b, "in", dim, average), span)
        out.append(_graph(v0, handles, v1, u))
    return tuple(out)


def _spatial_at(keys: tuple[Keyframe, ...], times: list[float], index: int, now: float) -> tuple[float, ...]:
    """A motion path's value at layer time ``now``: the run of segments between the
    keyframes around ``index`` that do not rove, travelled by the ease of the run's ends
    (roving keyframes have none of their own: the run keeps one speed curve through them)."""
    first, last = index, index + 1
    while first > 0 and keys[first].roving:
        first -= 1
    while last < len(keys) - 1 and keys[last].roving:
        last += 1
    start, end = keys[first], keys[last]
    paths = [_Path(keys[n], keys[n + 1]) for n in range(first, last)]
    length = sum(path.length for path in paths)
    span = times[last] - times[first]
    u = (now - times[first]) / span
    if start.out_interpolation == "linear" and end.in_interpolation == "linear":
        distance = u * length
    else:
        average = length / span
        handles = _handles(0.0, length, _side(start, "out", 0, average), _side(end, "in", 0, average), span)
        distance = _graph(0.0, _forward(handles, length), length, u)
    for n, path in enumerate(paths):
        if distance <= path.length or n == len(paths) - 1:
            return path.at(distance)
        distance -= path.length
    return end.value


# ============================================================================================
# Layers


@dataclass(frozen=True)
class LayerState:
    """A layer's transform at one time, in After Effects' units (pixels, percent, degrees)."""

    anchor: tuple[float, float, float] | None  # None: the source size is unknown
    position: tuple[float, float, float]
    scale: tuple[float, float, float]
    rotation: float
    opacity: float
    expressions: tuple[str, ...] = ()  # properties an expression drives, shown without it


def _value(animation: LayerAnimation, name: str, time: float, default: tuple[float, ...]) -> tuple[float, ...]:
    prop = getattr(animation, name)
    if prop is None:
        return default
    return property_at(prop, time, stretch=animation.stretch, start_time=animation.start_time)


def _three(values: tuple[float, ...], fill: float) -> tuple[float, float, float]:
    padded = (*values, fill, fill, fill)
    return (padded[0], padded[1], padded[2])


def layer_state(animation: LayerAnimation, time: float) -> LayerState:
    """The layer's anchor point, position, scale, rotation and opacity at composition ``time``."""
    if animation.separated:
        position = (
            _value(animation, "position_x", time, (0.0,))[0],
            _value(animation, "position_y", time, (0.0,))[0],
            _value(animation, "position_z", time, (0.0,))[0],
        )
    else:
        position = _three(_value(animation, "position", time, (0.0, 0.0, 0.0)), 0.0)
    anchor = None if animation.anchor is None else _three(_value(animation, "anchor", time, ()), 0.0)
    expressions = tuple(
        name
        for name in ("anchor", "position", "position_x", "position_y", "position_z", "scale", "rotation", "opacity")
        if getattr(animation, name) is not None and getattr(animation, name).expression is not None
    )
    return LayerState(
        anchor=anchor,
        position=position,
        scale=_three(_value(animation, "scale", time, (100.0, 100.0, 100.0)), 100.0),
        rotation=_value(animation, "rotation", time, (0.0,))[0],
        opacity=_value(animation, "opacity", time, (100.0,))[0],
        expressions=expressions,
    )


def _local(state: LayerState) -> Affine | None:
    if state.anchor is None:
        return None
    ax, ay, _ = state.anchor
    return layer_transform(anchor=(ax, ay), position=state.position,
                           scale=(state.scale[0] / 100.0, state.scale[1] / 100.0), rotation=state.rotation)


def layer_matrix(layer: TemplateLayer, time: float, layers: Mapping[int, TemplateLayer]) -> Affine | None:
    """The layer-to-composition matrix at composition ``time``, through the parent chain
    (``layers`` maps the composition's layer ids to its layers). ``None`` when a layer of the
    chain has no animation, an unknown anchor, a missing parent or a parent cycle."""
    matrix: Affine = IDENTITY
    seen: set[int] = set()
    current: TemplateLayer | None = layer
    while current is not None:
        if current.animation is None or (current.id is not None and current.id in seen):
            return None
        if current.id is not None:
            seen.add(current.id)
        local = _local(layer_state(current.animation, time))
        if local is None:
            return None
        matrix = compose(local, matrix)
        if not current.parent_id:
            break
        current = layers.get(current.parent_id)
        if current is None:
            return None
    return matrix if all(map(math.isfinite, matrix)) else None


def source_time(layer: TemplateLayer, time: float) -> float:
    """The time of its source (seconds) a layer shows at composition ``time``: its time
    remapping's value when on, else ``(time - start_time) / stretch``. For a pre-comp layer,
    the time to evaluate the inner composition's layers at."""
    animation = layer.animation
    if animation is None:
        return time
    if animation.time_remap is not None:
        return property_at(animation.time_remap, time, stretch=animation.stretch, start_time=animation.start_time)[0]
    stretch = animation.stretch / 100.0 or 1.0
    return (time - animation.start_time) / stretch


def is_active(layer: TemplateLayer, time: float) -> bool:
    """The layer is switched on and ``time`` falls in ``[in_point, out_point)``."""
    return layer.enabled and layer.in_point <= time < layer.out_point
