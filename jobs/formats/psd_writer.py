"""Write small, real, layered Photoshop files: the project's demo fixtures and test inputs.

Plain Python (psd-tools, Pillow), no Django. The project ships no third-party PSDs, so the
files its demos and tests need are made here::

    write_psd(
        "poster.psd", width=1200, height=1500,
        layers=[  # top of the layer stack first, as Photoshop's Layers panel lists them
            GroupSpec("Names", children=[
                TypeLayerSpec("BEN FORMAN", font="Futura-Medium", size=36, left=72, top=269),
            ]),
            PixelLayerSpec("Photo", image=Image.open("player.png"), left=400, top=300),
            PixelLayerSpec("Background", image=Image.new("RGB", (1200, 1500), "navy")),
        ],
    )

What is written:

- pixel layers (any PIL image; position, visibility, opacity);
- type layers: a ``TySh`` block with the text descriptor and its EngineData (text, one style
  run with the PostScript font name, size in points and fill colour, one paragraph run per
  line) that psd-tools reads back as kind ``type`` with that text, font and size. Their
  pixels are rendered with Pillow's built-in font (the named font is not available here), so
  they show the text at the requested size and colour but not in the requested typeface;
- groups with children, open or closed, hidden or with an opacity;
- Photoshop layer ids (given, or numbered 1, 2, … in document order);
- the stored composite ("maximize compatibility" image), rendered from the layers by
  psd-tools; transparent documents store it with an alpha channel;
- RGB, grayscale (``"L"``) and CMYK documents at 8, 16 or 32 bits, PSD or PSB.

Everything written is read back by psd-tools and by :func:`jobs.formats.psd.read_psd` in the
tests. The files have not been opened in Photoshop itself.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from psd_tools import PSDImage
from psd_tools.constants import Tag
from psd_tools.psd import engine_data as ed
from psd_tools.psd.descriptor import (
    Descriptor,
    DescriptorBlock,
    Double,
    Enumerated,
    Integer,
    RawData,
    String,
    UnitFloat,
)
from psd_tools.terminology import Unit

from .files import atomic_write

MODES = ("RGB", "L", "CMYK")

_MERGED_TRANSPARENCY = {
    8: Tag.SAVING_MERGED_TRANSPARENCY,
    16: Tag.SAVING_MERGED_TRANSPARENCY16,
    32: Tag.SAVING_MERGED_TRANSPARENCY32,
}


@dataclass(frozen=True)
class PixelLayerSpec:
    """A raster layer: ``image`` placed with its top-left corner at (``left``, ``top``)."""

    name: str
    image: Image.Image
    left: int = 0
    top: int = 0
    visible: bool = True
    opacity: float = 1.0  # 0-1
    layer_id: int | None = None


@dataclass(frozen=True)
class TypeLayerSpec:
    """A point-type layer. (``left``, ``top``) is the top-left of its first line's box."""

    text: str  # lines separated by "\n"
    font: str = "ArialMT"  # PostScript name recorded in the file
    size: float = 24.0  # points; the document is 72 ppi, so also pixels
    color: tuple[int, int, int] = (0, 0, 0)
    left: int = 0
    top: int = 0
    name: str | None = None  # default: the text, lines joined by spaces (as Photoshop names it)
    visible: bool = True
    opacity: float = 1.0
    layer_id: int | None = None

    @property
    def layer_name(self) -> str:
        return self.name if self.name is not None else " ".join(self.text.split("\n"))[:255]


@dataclass(frozen=True)
class GroupSpec:
    """A layer group; ``children`` top first."""

    name: str
    children: Sequence[LayerSpec] = field(default_factory=tuple)
    visible: bool = True
    opacity: float = 1.0
    open: bool = True
    layer_id: int | None = None


LayerSpec = PixelLayerSpec | TypeLayerSpec | GroupSpec


def write_psd(
    path: str | os.PathLike,
    *,
    width: int,
    height: int,
    layers: Sequence[LayerSpec],
    mode: str = "RGB",
    depth: int = 8,
    large_document: bool = False,
    background: tuple[int, ...] | int | None = None,
) -> Path:
    """Write a layered PSD (or, with ``large_document``, PSB) file and return its path.

    ``layers`` are top of the stack first. ``mode`` is ``"RGB"``, ``"L"`` (grayscale) or
    ``"CMYK"``; ``depth`` 8, 16 or 32. With ``background=None`` the document is transparent
    and its stored composite carries alpha; with a colour (0-255 values in the document's
    mode) the composite is flattened onto it. Raises ``ValueError`` for a bad specification.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if width < 1 or height < 1:
        raise ValueError("width and height must be positive")
    ids = _assign_ids(layers)
    psd = PSDImage.new(
        mode if background is not None else f"{mode}A",
        (width, height),
        color=background if background is not None else 0,
        depth=depth,
    )
    if large_document:
        psd._record.header.version = 2  # before any layer: channel data encodes the version
    psd.background_color = background
    _add_layers(psd, layers, ids)
    if background is None:  # the stored composite's extra channel is its transparency
        psd.tagged_blocks.set_data(_MERGED_TRANSPARENCY[depth])
    return atomic_write(path, psd.save)


# --------------------------------------------------------------------------------------------
# Layers


def _walk_specs(specs: Sequence[LayerSpec]):
    for spec in specs:
        yield spec
        if isinstance(spec, GroupSpec):
            yield from _walk_specs(spec.children)


def _assign_ids(specs: Sequence[LayerSpec]) -> dict[int, int]:
    """id(spec) -> layer id: the given ones, and 1, 2, … (skipping those) in document order."""
    given = [spec.layer_id for spec in _walk_specs(specs) if spec.layer_id is not None]
    if any(not isinstance(value, int) or value <= 0 for value in given):
        raise ValueError("layer ids must be positive integers")
    if len(set(given)) != len(given):
        raise ValueError("layer ids must be unique")
    taken, ids, next_id = set(given), {}, 1
    for spec in _walk_specs(specs):
        if spec.layer_id is not None:
            ids[id(spec)] = spec.layer_id
            continue
        while next_id in taken:
            next_id += 1
        ids[id(spec)] = next_id
        taken.add(next_id)
    return ids


def _add_layers(parent, specs: Sequence[LayerSpec], ids: dict[int, int]) -> None:
    # psd-tools puts each new layer on top, so create bottom first.
    for spec in reversed(specs):
        if not 0.0 <= spec.opacity <= 1.0:
            raise ValueError(f"opacity must be within 0-1, not {spec.opacity}")
        opacity = round(spec.opacity * 255)
        if isinstance(spec, GroupSpec):
            layer = parent.create_group(name="Group", opacity=opacity, open_folder=spec.open)
            _add_layers(layer, spec.children, ids)
        elif isinstance(spec, TypeLayerSpec):
            layer = _add_type_layer(parent, spec, opacity)
        elif isinstance(spec, PixelLayerSpec):
            layer = parent.create_pixel_layer(
                spec.image, name="Layer", top=spec.top, left=spec.left, opacity=opacity
            )
        else:
            raise ValueError(f"not a layer specification: {spec!r}")
        # psd-tools writes a record's legacy name in Mac Roman; the setter keeps the real name in
        # the Unicode name block and a "?" there when it cannot be encoded.
        layer.name = spec.layer_name if isinstance(spec, TypeLayerSpec) else spec.name
        layer.visible = spec.visible
        layer.tagged_blocks.set_data(Tag.LAYER_ID, ids[id(spec)])


def _add_type_layer(parent, spec: TypeLayerSpec, opacity: int):
    if not spec.text.strip():
        raise ValueError("a type layer needs visible text")
    if spec.size <= 0:
        raise ValueError("font size must be positive")
    raster, (dx, dy), metrics = _render_text(spec)
    layer = parent.create_pixel_layer(
        raster, name="Layer", top=spec.top + dy, left=spec.left + dx, opacity=opacity
    )
    layer.tagged_blocks.set_data(Tag.TYPE_TOOL_OBJECT_SETTING, *_type_tool_fields(spec, metrics))
    return layer


@dataclass(frozen=True)
class _TextMetrics:
    ascent: float
    descent: float
    width: float
    ink: tuple[int, int, int, int]  # ink box relative to the text box's top-left


def _render_text(spec: TypeLayerSpec) -> tuple[Image.Image, tuple[int, int], _TextMetrics]:
    """The text drawn in Pillow's built-in font, cropped to its ink, and where the crop sits."""
    font = ImageFont.load_default(spec.size)
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = measure.multiline_textbbox((0, 0), spec.text, font=font)
    image = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (*spec.color, 0))
    ImageDraw.Draw(image).multiline_text((-left, -top), spec.text, font=font, fill=(*spec.color, 255))
    ascent, descent = font.getmetrics()
    metrics = _TextMetrics(float(ascent), float(descent), float(right), (left, top, right, bottom))
    return image, (left, top), metrics


# --------------------------------------------------------------------------------------------
# Type tool data (TySh): the text descriptor and its EngineData


def _type_tool_fields(spec: TypeLayerSpec, metrics: _TextMetrics) -> tuple:
    """Positional fields of psd-tools' ``TypeToolObjectSetting``: version, transform, …, box."""
    origin_x, origin_y = float(spec.left), float(spec.top) + metrics.ascent  # first baseline
    transform = (1.0, 0.0, 0.0, 1.0, origin_x, origin_y)
    return (1, transform, 50, _text_descriptor(spec, metrics), 1, _warp_descriptor(), 0, 0, 0, 0)


def _text_descriptor(spec: TypeLayerSpec, metrics: _TextMetrics) -> DescriptorBlock:
    text = spec.text.replace("\r\n", "\n").replace("\n", "\r")
    left, top, right, bottom = metrics.ink
    lines = spec.text.count("\n") + 1
    return DescriptorBlock(
        items=[
            (b"Txt ", String(text + "\x00")),
            (b"textGridding", Enumerated(b"textGridding", b"None")),
            (b"Ornt", Enumerated(b"Ornt", b"Hrzn")),
            (b"AntA", Enumerated(b"Annt", b"AnSt")),
            (b"bounds", _box(b"bounds", 0.0, -metrics.ascent, metrics.width,
                             metrics.descent + (lines - 1) * spec.size * 1.2)),
            (b"boundingBox", _box(b"boundingBox", left, top - metrics.ascent, right, bottom - metrics.ascent)),
            (b"TextIndex", Integer(0)),
            (b"EngineData", RawData(_engine(_engine_data(spec, text), ed.EngineData))),
        ],
        name="",
        classID=b"TxLr",
    )


def _box(class_id: bytes, left: float, top: float, right: float, bottom: float) -> Descriptor:
    return Descriptor(
        items=[
            (b"Left", UnitFloat(unit=Unit.Pixels, value=left)),
            (b"Top ", UnitFloat(unit=Unit.Pixels, value=top)),
            (b"Rght", UnitFloat(unit=Unit.Pixels, value=right)),
            (b"Btom", UnitFloat(unit=Unit.Pixels, value=bottom)),
        ],
        name="",
        classID=class_id,
    )


def _warp_descriptor() -> DescriptorBlock:
    return DescriptorBlock(
        items=[
            (b"warpStyle", Enumerated(b"warpStyle", b"warpNone")),
            (b"warpValue", Double(0.0)),
            (b"warpPerspective", Double(0.0)),
            (b"warpPerspectiveOther", Double(0.0)),
            (b"warpRotate", Enumerated(b"Ornt", b"Hrzn")),
        ],
        name="",
        classID=b"warp",
    )


def _engine(value, dict_class=ed.Dict):
    """Python values to EngineData elements (bool before int: bool is an int)."""
    if isinstance(value, dict):
        element = dict_class()
        for key, item in value.items():
            element[key] = _engine(item)
        return element
    if isinstance(value, list):
        return ed.List([_engine(item) for item in value])
    if isinstance(value, bool):
        return ed.Bool(value)
    if isinstance(value, int):
        return ed.Integer(value)
    if isinstance(value, float):
        return ed.Float(value)
    if isinstance(value, str):
        return ed.String(value)
    raise TypeError(f"cannot write {type(value).__name__} in EngineData")


def _engine_data(spec: TypeLayerSpec, text: str) -> dict:
    """The EngineData tree Photoshop writes for a one-style point-type layer."""
    paragraphs = text.split("\r")
    # Run lengths count UTF-16 code units, as Photoshop does; each paragraph ends with "\r".
    lengths = [len(p.encode("utf-16-le")) // 2 + 1 for p in paragraphs]
    r, g, b = (channel / 255 for channel in spec.color)
    style = _style_sheet_data(font_index=0, size=float(spec.size), color=[1.0, r, g, b])
    resources = _resources(spec.font)
    return {
        "EngineDict": {
            "Editor": {"Text": text + "\r"},
            "ParagraphRun": {
                "DefaultRunData": {
                    "ParagraphSheet": {"DefaultStyleSheet": 0, "Properties": {}},
                    "Adjustments": {"Axis": [1.0, 0.0, 1.0], "XY": [0.0, 0.0]},
                },
                "RunArray": [
                    {
                        "ParagraphSheet": {"DefaultStyleSheet": 0, "Properties": _paragraph_properties()},
                        "Adjustments": {"Axis": [1.0, 0.0, 1.0], "XY": [0.0, 0.0]},
                    }
                    for _ in paragraphs
                ],
                "RunLengthArray": lengths,
                "IsJoinable": 1,
            },
            "StyleRun": {
                "DefaultRunData": {"StyleSheet": {"StyleSheetData": {}}},
                "RunArray": [{"StyleSheet": {"StyleSheetData": style}}],
                "RunLengthArray": [sum(lengths)],
                "IsJoinable": 2,
            },
            "GridInfo": {
                "GridIsOn": False,
                "ShowGrid": False,
                "GridSize": 18.0,
                "GridLeading": 22.0,
                "GridColor": {"Type": 1, "Values": [0.0, 0.0, 0.0, 1.0]},
                "GridLeadingFillColor": {"Type": 1, "Values": [0.0, 0.0, 0.0, 1.0]},
                "AlignLineHeightToGridFlags": False,
            },
            "AntiAlias": 4,
            "UseFractionalGlyphWidths": True,
            "Rendered": {
                "Version": 1,
                "Shapes": {
                    "WritingDirection": 0,
                    "Children": [
                        {
                            "ShapeType": 0,
                            "Procession": 0,
                            "Lines": {"WritingDirection": 0, "Children": []},
                            "Cookie": {
                                "Photoshop": {
                                    "ShapeType": 0,
                                    "PointBase": [0.0, 0.0],
                                    "Base": {
                                        "ShapeType": 0,
                                        "TransformPoint0": [1.0, 0.0],
                                        "TransformPoint1": [0.0, 1.0],
                                        "TransformPoint2": [0.0, 0.0],
                                    },
                                }
                            },
                        }
                    ],
                },
            },
        },
        "ResourceDict": resources,
        "DocumentResources": _resources(spec.font),
    }


def _paragraph_properties() -> dict:
    return {
        "Justification": 0,
        "FirstLineIndent": 0.0,
        "StartIndent": 0.0,
        "EndIndent": 0.0,
        "SpaceBefore": 0.0,
        "SpaceAfter": 0.0,
        "AutoHyphenate": True,
        "HyphenatedWordSize": 6,
        "PreHyphen": 2,
        "PostHyphen": 2,
        "ConsecutiveHyphens": 8,
        "Zone": 36.0,
        "WordSpacing": [0.8, 1.0, 1.33],
        "LetterSpacing": [0.0, 0.0, 0.0],
        "GlyphSpacing": [1.0, 1.0, 1.0],
        "AutoLeading": 1.2,
        "LeadingType": 0,
        "Hanging": False,
        "Burasagari": False,
        "KinsokuOrder": 0,
        "EveryLineComposer": False,
    }


def _style_sheet_data(*, font_index: int, size: float, color: list[float]) -> dict:
    return {
        "Font": font_index,
        "FontSize": size,
        "FauxBold": False,
        "FauxItalic": False,
        "AutoLeading": True,
        "Leading": 0.0,
        "HorizontalScale": 1.0,
        "VerticalScale": 1.0,
        "Tracking": 0,
        "AutoKerning": True,
        "Kerning": 0,
        "BaselineShift": 0.0,
        "FontCaps": 0,
        "FontBaseline": 0,
        "Underline": False,
        "Strikethrough": False,
        "Ligatures": True,
        "DLigatures": False,
        "BaselineDirection": 2,
        "Tsume": 0.0,
        "StyleRunAlignment": 2,
        "Language": 0,
        "NoBreak": False,
        "FillColor": {"Type": 1, "Values": color},
        "StrokeColor": {"Type": 1, "Values": [1.0, 0.0, 0.0, 0.0]},
        "FillFlag": True,
        "StrokeFlag": False,
        "FillFirst": True,
    }


def _resources(font: str) -> dict:
    return {
        "TheNormalStyleSheet": 0,
        "TheNormalParagraphSheet": 0,
        "ParagraphSheetSet": [
            {"Name": "Normal RGB", "DefaultStyleSheet": 0, "Properties": _paragraph_properties()}
        ],
        "StyleSheetSet": [
            {
                "Name": "Normal RGB",
                "StyleSheetData": _style_sheet_data(font_index=0, size=12.0, color=[1.0, 0.0, 0.0, 0.0]),
            }
        ],
        "FontSet": [
            {"Name": font, "Script": 0, "FontType": 1, "Synthetic": 0},
            {"Name": "AdobeInvisFont", "Script": 0, "FontType": 0, "Synthetic": 0},
        ],
        "SuperscriptSize": 0.583,
        "SuperscriptPosition": 0.333,
        "SubscriptSize": 0.583,
        "SubscriptPosition": 0.333,
        "SmallCapSize": 0.7,
    }
