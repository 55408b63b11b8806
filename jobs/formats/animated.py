"""Animated values of the template description (``docs/animation.md``): :class:`Keyframe`
and :class:`AnimatedProperty`, shared by a layer's transform (:mod:`.descriptions`) and its
shape contents (:mod:`.shapes`). Re-exported by :mod:`.descriptions`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


def _known(cls, data: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


INTERPOLATIONS = ("linear", "bezier", "hold")
"""Keyframe interpolation names, in the order of the file's codes 1-3."""


def _ease(value: Any) -> tuple[tuple[float, float], ...]:
    return tuple((float(speed), float(influence)) for speed, influence in (value or ()))


def _vector(value: Any) -> tuple[float, ...] | None:
    return None if value is None else tuple(float(v) for v in value)


@dataclass(frozen=True)
class Keyframe:
    """One keyframe of an animated property (``docs/animation.md``), in After Effects' units."""

    time: float  # composition seconds: layer start + layer time * stretch
    value: tuple[float, ...]
    in_interpolation: str = "linear"  # linear, bezier, hold
    out_interpolation: str = "linear"
    in_ease: tuple[tuple[float, float], ...] = ()  # (speed per layer second, influence %) per dimension
    out_ease: tuple[tuple[float, float], ...] = ()  # spatial properties: one pair, speed along the path
    in_tangent: tuple[float, ...] | None = None  # spatial: incoming tangent, relative to value
    out_tangent: tuple[float, ...] | None = None  # spatial: outgoing tangent, relative to value
    roving: bool = False
    continuous: bool = False  # temporal continuity
    auto_bezier: bool = False  # temporal auto-bezier
    spatial_continuous: bool = False
    spatial_auto_bezier: bool = False

    def to_dict(self) -> dict:
        data = asdict(self)
        for name in ("value", "in_tangent", "out_tangent"):
            value = getattr(self, name)
            data[name] = list(value) if value is not None else None
        data["in_ease"] = [list(pair) for pair in self.in_ease]
        data["out_ease"] = [list(pair) for pair in self.out_ease]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Keyframe:
        data = _known(cls, data)
        data["value"] = _vector(data.get("value", ()))
        for name in ("in_tangent", "out_tangent"):
            data[name] = _vector(data.get(name))
        for name in ("in_ease", "out_ease"):
            data[name] = _ease(data.get(name))
        return cls(**data)


@dataclass(frozen=True)
class AnimatedProperty:
    """A transform property or time remapping: its static value, its keyframes (empty when
    static) and the enabled expression driving it (``None`` without one; never evaluated)."""

    value: tuple[float, ...]  # the static value; the value of a keyframed property is its keyframes'
    keyframes: tuple[Keyframe, ...] = ()
    expression: str | None = None
    spatial: bool = False  # keyframes carry spatial tangents (a motion path)

    @property
    def animated(self) -> bool:
        return bool(self.keyframes) or self.expression is not None

    def to_dict(self) -> dict:
        return {
            "value": list(self.value),
            "keyframes": [k.to_dict() for k in self.keyframes],
            "expression": self.expression,
            "spatial": self.spatial,
        }

    @classmethod
    def from_dict(cls, data: dict) -> AnimatedProperty:
        return cls(
            value=_vector(data.get("value", ())) or (),
            keyframes=tuple(Keyframe.from_dict(k) for k in data.get("keyframes", [])),
            expression=data.get("expression"),
            spatial=bool(data.get("spatial", False)),
        )
