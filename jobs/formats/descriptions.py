"""The descriptions the format readers return, as plain dataclasses.

They are the Python side of ``docs/interchange.md``: ``to_dict()`` gives exactly the
interchange JSON (field names fixed), ``from_dict()`` reads it back and tolerates missing keys
(a description written by hand for ``match_layers`` carries only what the matcher uses) and
ignores unknown ones.

Strings in a description never hold NUL (``"\\x00"``): files can carry them (a Photoshop layer
name, a text) but PostgreSQL stores none in ``text`` or ``jsonb``. The readers pass what they
assemble through :func:`without_nul`, and ``PsdDocument.from_dict`` and
``TemplateDocument.from_dict`` strip them from what they read back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, is_dataclass, replace
from typing import Any, TypeVar

from .animated import INTERPOLATIONS as INTERPOLATIONS  # re-exported
from .animated import AnimatedProperty
from .animated import Keyframe as Keyframe  # re-exported
from .shapes import LayerShapes

Box = tuple[int, int, int, int]  # left, top, right, bottom

NUL = "\x00"

T = TypeVar("T")


def clean_text(value: str) -> str:
    """``value`` without NUL characters (PostgreSQL can store none in text or JSON)."""
    return value.replace(NUL, "") if NUL in value else value


def without_nul(value: T) -> T:
    """``value`` with NUL stripped from every string in it, at any depth: a description
    (dataclasses and tuples of them) or JSON-like data (dicts, lists). Returns ``value`` itself
    when it holds no NUL, so a clean description costs one walk and no copies."""
    if isinstance(value, str):
        return clean_text(value)
    if type(value) in (tuple, list):
        items = [without_nul(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if type(value) is dict:
        pairs = [(without_nul(key), without_nul(item)) for key, item in value.items()]
        if all(new is old for pair, old_pair in zip(pairs, value.items(), strict=True)
               for new, old in zip(pair, old_pair, strict=True)):
            return value
        return dict(pairs)
    if is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in fields(value):
            if not f.init:
                continue
            old = getattr(value, f.name)
            new = without_nul(old)
            if new is not old:
                changes[f.name] = new
        return replace(value, **changes) if changes else value
    return value


def _box(value: Any) -> Box | None:
    if value is None:
        return None
    left, top, right, bottom = (int(round(float(v))) for v in value)
    return (left, top, right, bottom)


def _known(cls, data: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


# --------------------------------------------------------------------------------------------
# PSD


@dataclass(frozen=True)
class PsdLayer:
    id: int
    name: str
    kind: str  # psd-tools' kind: type, pixel, smartobject, shape, group, artboard, ...
    path: str = ""  # group names and the layer name joined by "/"
    visible: bool = True
    opacity: float = 1.0
    bbox: Box | None = None
    text: str | None = None
    font: str | None = None  # PostScript name
    font_size: float | None = None
    parent_id: int | None = None  # id of the enclosing group, None at top level
    order: int = 0  # position in document order, top of the layer stack first

    @property
    def width(self) -> int:
        return 0 if self.bbox is None else max(0, self.bbox[2] - self.bbox[0])

    @property
    def height(self) -> int:
        return 0 if self.bbox is None else max(0, self.bbox[3] - self.bbox[1])

    def to_dict(self) -> dict:
        data = asdict(self)
        data["bbox"] = list(self.bbox) if self.bbox is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> PsdLayer:
        data = _known(cls, data)
        data.setdefault("path", data.get("name", ""))
        data["bbox"] = _box(data.get("bbox"))
        return cls(**data)


@dataclass(frozen=True)
class PsdDocument:
    source: str
    width: int
    height: int
    layers: tuple[PsdLayer, ...] = ()
    sha256: str = ""
    color_mode: str = "RGB"
    depth: int = 8

    def layer(self, layer_id: int) -> PsdLayer | None:
        return next((layer for layer in self.layers if layer.id == layer_id), None)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "width": self.width,
            "height": self.height,
            "color_mode": self.color_mode,
            "depth": self.depth,
            "layers": [layer.to_dict() for layer in self.layers],
        }

    @classmethod
    def from_dict(cls, data: dict) -> PsdDocument:
        data = without_nul(data)
        layers = tuple(
            PsdLayer.from_dict({"order": i, **layer}) for i, layer in enumerate(data.get("layers", []))
        )
        rest = _known(cls, data)
        rest.pop("layers", None)
        rest.setdefault("source", "")
        rest.setdefault("width", 0)  # a job not ingested yet has no description
        rest.setdefault("height", 0)
        return cls(layers=layers, **rest)


# --------------------------------------------------------------------------------------------
# After Effects template


@dataclass(frozen=True)
class Footage:
    """An item a layer takes its pixels from: a file, a solid, a placeholder or a composition."""

    id: int | None
    name: str
    path: str | None = None  # the path After Effects recorded (absolute, on its machine)
    width: int | None = None
    height: int | None = None
    missing: bool | None = None  # the file does not exist here; None for non-file sources
    kind: str = "file"  # file, solid, placeholder, composition
    duration: float | None = None  # 0 for stills
    psd_layer: str | None = None  # source-layer name for layered PSD/AI footage
    color: tuple[float, float, float] | None = None  # solids, 0-1

    def to_dict(self) -> dict:
        data = {
            "id": self.id,
            "name": self.name,
            "path": self.path,
            "width": self.width,
            "height": self.height,
            "missing": self.missing,
            "kind": self.kind,
            "duration": self.duration,
            "psd_layer": self.psd_layer,
            "color": list(self.color) if self.color is not None else None,
        }
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Footage:
        data = _known(cls, data)
        data.setdefault("id", None)
        data.setdefault("name", "")
        if data.get("color") is not None:
            data["color"] = tuple(data["color"])
        return cls(**data)


Matrix = tuple[float, float, float, float, float, float]  # x' = a*x + c*y + e ; y' = b*x + d*y + f


def _floats(value: Any, size: int) -> tuple[float, ...] | None:
    if value is None:
        return None
    numbers = tuple(float(v) for v in value)
    if len(numbers) != size:
        raise ValueError(f"expected {size} numbers, got {len(numbers)}")
    return numbers


ANIMATED_PROPERTIES = (
    "anchor",
    "position",
    "position_x",
    "position_y",
    "position_z",
    "scale",
    "rotation",
    "opacity",
    "time_remap",
)


@dataclass(frozen=True)
class LayerAnimation:
    """A layer's timing and animatable transform (``docs/animation.md``). Units as After
    Effects shows them: pixels, percent (scale, opacity), degrees, seconds. A property is
    ``None`` when the layer has none (``position`` when its dimensions are separated, then
    ``position_x``/``_y``/``_z`` hold them; ``time_remap`` when time remapping is off) or when
    the file's data for it cannot be read."""

    start_time: float = 0.0  # composition seconds of the layer's time 0
    stretch: float = 100.0  # percent; negative plays backwards
    separated: bool = False
    anchor: AnimatedProperty | None = None
    position: AnimatedProperty | None = None
    position_x: AnimatedProperty | None = None
    position_y: AnimatedProperty | None = None
    position_z: AnimatedProperty | None = None
    scale: AnimatedProperty | None = None
    rotation: AnimatedProperty | None = None
    opacity: AnimatedProperty | None = None
    time_remap: AnimatedProperty | None = None

    def to_dict(self) -> dict:
        data: dict[str, Any] = {"start_time": self.start_time, "stretch": self.stretch, "separated": self.separated}
        for name in ANIMATED_PROPERTIES:
            prop = getattr(self, name)
            data[name] = prop.to_dict() if prop is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> LayerAnimation:
        props = {
            name: AnimatedProperty.from_dict(data[name]) if data.get(name) is not None else None
            for name in ANIMATED_PROPERTIES
        }
        return cls(
            start_time=float(data.get("start_time", 0.0)),
            stretch=float(data.get("stretch", 100.0)),
            separated=bool(data.get("separated", False)),
            **props,
        )


_VECTORS = {"matrix": 6, "anchor": 2, "position": 2, "scale": 2, "text_box": 4}  # TemplateLayer tuples


@dataclass(frozen=True)
class TemplateLayer:
    index: int  # 1-based, as After Effects numbers it
    name: str
    type: str  # text, footage, precomp, solid, shape, null, camera, light, adjustment, audio
    enabled: bool = True
    in_point: float = 0.0
    out_point: float = 0.0
    text: str | None = None
    font: str | None = None  # PostScript name
    font_size: float | None = None
    source: Footage | None = None
    bbox: Box | None = None
    placeholder: bool = False
    id: int | None = None  # After Effects' layer id, unique in the project
    parent_id: int | None = None
    all_caps: bool | None = None  # None when the file does not record it
    three_d: bool = False
    # Placement (docs/interchange.md): None when keyframed, expression-driven or not derivable.
    matrix: Matrix | None = None  # layer pixels -> comp pixels, parents included
    anchor: tuple[float, float] | None = None  # layer pixels
    position: tuple[float, float] | None = None  # parent's pixels (comp pixels without a parent)
    scale: tuple[float, float] | None = None  # percent, 100 = 100 %
    rotation: float | None = None  # degrees, clockwise
    animated_transform: bool = False  # the layer's or a parent's placement is animated
    justification: str | None = None  # text: left, right, center, justify_last_left, ...
    text_box: tuple[float, float, float, float] | None = None  # text: left, top, width, height
    leading: float | None = None  # text: line spacing in pixels
    tracking: float | None = None  # text: 1/1000 em
    animation: LayerAnimation | None = None  # timing and transform over time (docs/animation.md)
    shapes: LayerShapes | None = None  # shape layers: decoded contents (docs/animation.md); None before

    def to_dict(self) -> dict:
        data = asdict(self)
        data["source"] = self.source.to_dict() if self.source is not None else None
        data["animation"] = self.animation.to_dict() if self.animation is not None else None
        data["shapes"] = self.shapes.to_dict() if self.shapes is not None else None
        data["bbox"] = list(self.bbox) if self.bbox is not None else None
        for name in _VECTORS:
            value = getattr(self, name)
            data[name] = list(value) if value is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TemplateLayer:
        data = _known(cls, data)
        if data.get("source") is not None:
            data["source"] = Footage.from_dict(data["source"])
        if data.get("animation") is not None:
            data["animation"] = LayerAnimation.from_dict(data["animation"])
        if data.get("shapes") is not None:
            data["shapes"] = LayerShapes.from_dict(data["shapes"])
        data["bbox"] = _box(data.get("bbox"))
        for name, size in _VECTORS.items():
            data[name] = _floats(data.get(name), size)
        if "placeholder" not in data:
            data["placeholder"] = data.get("type") in ("text", "footage")
        return cls(**data)


@dataclass(frozen=True)
class Composition:
    id: int | None
    name: str
    width: int
    height: int
    frame_rate: float = 30.0
    duration: float = 0.0
    layers: tuple[TemplateLayer, ...] = ()
    bg_color: tuple[float, float, float] = (0.0, 0.0, 0.0)  # 0-1
    renderer: str | None = None  # 3D renderer match name where the file records one

    def layer(self, index: int) -> TemplateLayer | None:
        return next((layer for layer in self.layers if layer.index == index), None)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "frame_rate": self.frame_rate,
            "duration": self.duration,
            "bg_color": list(self.bg_color),
            "renderer": self.renderer,
            "layers": [layer.to_dict() for layer in self.layers],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Composition:
        layers = tuple(TemplateLayer.from_dict(layer) for layer in data.get("layers", []))
        rest = _known(cls, data)
        rest.pop("layers", None)
        rest.setdefault("id", None)
        if rest.get("bg_color") is not None:
            rest["bg_color"] = tuple(rest["bg_color"])
        else:
            rest.pop("bg_color", None)
        return cls(layers=layers, **rest)


@dataclass(frozen=True)
class TemplateDocument:
    source: str
    compositions: tuple[Composition, ...] = ()
    footage: tuple[Footage, ...] = ()
    fonts: tuple[str, ...] = ()
    sha256: str = ""
    format: str = "aepx"  # aepx or aep
    ae_version: str | None = None

    def composition(self, name: str) -> Composition | None:
        return next((comp for comp in self.compositions if comp.name == name), None)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "format": self.format,
            "ae_version": self.ae_version,
            "compositions": [comp.to_dict() for comp in self.compositions],
            "footage": [item.to_dict() for item in self.footage],
            "fonts": list(self.fonts),
        }

    @classmethod
    def from_dict(cls, data: dict) -> TemplateDocument:
        data = without_nul(data)
        return cls(
            source=data.get("source", ""),
            sha256=data.get("sha256", ""),
            format=data.get("format", "aepx"),
            ae_version=data.get("ae_version"),
            compositions=tuple(Composition.from_dict(c) for c in data.get("compositions", [])),
            footage=tuple(Footage.from_dict(f) for f in data.get("footage", [])),
            fonts=tuple(data.get("fonts", [])),
        )


# --------------------------------------------------------------------------------------------
# Matching


@dataclass(frozen=True)
class Match:
    composition: str
    layer_index: int
    placeholder: str
    psd_layer_id: int | None
    psd_layer: str | None
    confidence: float
    reason: str
    placeholder_type: str = "footage"  # text or footage
    fit: str = "fit"  # fit, fill or stretch (footage only)
    confirmed: bool = False  # a reviewer chose or confirmed this match

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Match:
        return cls(**_known(cls, data))


@dataclass(frozen=True)
class MatchResult:
    matches: tuple[Match, ...] = ()
    unmatched_psd_layers: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        return {
            "matches": [m.to_dict() for m in self.matches],
            "unmatched_psd_layers": list(self.unmatched_psd_layers),
        }

    @classmethod
    def from_dict(cls, data: dict) -> MatchResult:
        return cls(
            matches=tuple(Match.from_dict(m) for m in data.get("matches", [])),
            unmatched_psd_layers=tuple(data.get("unmatched_psd_layers", [])),
        )
