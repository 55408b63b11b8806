"""What the writer writes: a :class:`CompSpec` per composition and one spec per layer (text,
footage, solid, null, pre-comp). Transform values left ``None`` are not written, so After
Effects' defaults apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Vec2 = tuple[float, float]
RGB = tuple[float, float, float]

# ============================================================================================
# What to write


@dataclass(frozen=True, kw_only=True)
class LayerSpec:
    """Options every layer takes. Transform values left ``None`` are not written, so After
    Effects' defaults apply (position = comp centre, anchor = content centre, scale 100 %)."""

    name: str = ""  # "" = After Effects shows the source's name
    enabled: bool = True
    position: Vec2 | None = None  # comp pixels (or the parent's layer pixels)
    anchor: Vec2 | None = None  # layer pixels
    scale: Vec2 | None = None  # percent
    rotation: float | None = None  # degrees, clockwise
    parent: str | None = None  # name of another layer of the same composition
    in_point: float = 0.0  # seconds, composition time
    out_point: float | None = None  # None = the composition's end
    three_d: bool = False


@dataclass(frozen=True, kw_only=True)
class TextLayerSpec(LayerSpec):
    text: str
    font: str = "ArialMT"  # PostScript name
    font_size: float = 36.0
    color: RGB = (1.0, 1.0, 1.0)
    all_caps: bool = False
    box: Vec2 | None = None  # paragraph text box (width, height) centred on the layer origin
    justification: str | None = None  # jobs.formats.aep.text.JUSTIFICATIONS; None: center, left for box text


@dataclass(frozen=True, kw_only=True)
class FootageLayerSpec(LayerSpec):
    """A layer showing a file. ``width = height = 0`` with ``duration > 0`` is sound-only."""

    path: str  # the absolute path recorded in the project
    width: int
    height: int
    duration: float = 0.0  # 0 for stills
    psd_layer: str | None = None  # one layer of a layered PSD: its name
    psd_bbox: tuple[int, int, int, int] | None = None  # that layer's left, top, right, bottom


@dataclass(frozen=True, kw_only=True)
class SolidLayerSpec(LayerSpec):
    color: RGB = (0.5, 0.5, 0.5)
    width: int | None = None  # None = the composition's size
    height: int | None = None
    solid_name: str | None = None  # the solid item's name; default: the layer name


@dataclass(frozen=True, kw_only=True)
class NullLayerSpec(LayerSpec):
    name: str = "Null 1"


@dataclass(frozen=True, kw_only=True)
class PrecompLayerSpec(LayerSpec):
    composition: str  # name of another CompSpec of the same project


@dataclass(frozen=True, kw_only=True)
class CompSpec:
    name: str
    width: int = 1920
    height: int = 1080
    fps: float = 30.0
    duration: float = 10.0
    bg_color: RGB = (0.0, 0.0, 0.0)
    layers: Sequence[LayerSpec] = ()  # top layer first, as After Effects numbers them
