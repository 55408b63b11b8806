"""Builders shared by the preview tests: template layers carrying the transform the render plan
reads, a render that builds the plan with ``build_render_plan`` and draws it, pixel helpers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageFont

from jobs.formats.descriptions import (
    Composition,
    Footage,
    Match,
    PsdDocument,
    PsdLayer,
    TemplateDocument,
    TemplateLayer,
)
from jobs.formats.preview import render_previews
from jobs.formats.render_plan import build_render_plan
from jobs.formats.render_plan.affine import apply, bounds, compose, corners, scaling, translate

BLACK = (0, 0, 0)
WHITE = (255, 255, 255)
RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
YELLOW = (255, 255, 0)
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def layer_matrix(position, anchor, scale=(100.0, 100.0), rotation: float = 0.0):
    """After Effects' layer transform: T(position) . R(rotation) . S(scale) . T(-anchor)."""
    cos, sin = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
    rotate = (cos, sin, -sin, cos, 0.0, 0.0)
    matrix = compose(translate(*position), rotate)
    matrix = compose(matrix, scaling(scale[0] / 100, scale[1] / 100))
    return compose(matrix, translate(-anchor[0], -anchor[1]))


def footage_layer(index: int, name: str, size, position, anchor=None, scale=(100.0, 100.0), rotation=0.0,
                  placeholder: bool = True, **extra) -> TemplateLayer:
    """A footage layer of a ``size`` source placed by its transform (anchor: the source centre)."""
    anchor = anchor if anchor is not None else (size[0] / 2, size[1] / 2)
    matrix = layer_matrix(position, anchor, scale, rotation)
    box = bounds(apply(matrix, p) for p in corners((0, 0, *size)))
    extra.setdefault("bbox", tuple(round(v) for v in box))
    extra.setdefault("source", Footage(id=index, name=f"{name}.png", width=size[0], height=size[1]))
    return TemplateLayer(index=index, name=name, type="footage", placeholder=placeholder, matrix=matrix,
                         anchor=anchor, position=position, scale=scale, rotation=rotation, **extra)


def image_layer(index: int, name: str, bbox, **extra) -> TemplateLayer:
    """A footage placeholder whose source exactly fills ``bbox``, anchored at its centre."""
    left, top, right, bottom = bbox
    size = (right - left, bottom - top)
    return footage_layer(index, name, size, ((left + right) / 2, (top + bottom) / 2), **extra)


def text_layer(index: int, name: str, bbox, font_size: float = 40.0, justification: str = "left",
               **extra) -> TemplateLayer:
    """Paragraph text whose box is ``bbox`` (the layer's origin at its top-left)."""
    left, top, right, bottom = bbox
    extra.setdefault("matrix", (1.0, 0.0, 0.0, 1.0, float(left), float(top)))
    extra.setdefault("text_box", (0.0, 0.0, float(right - left), float(bottom - top)))
    return TemplateLayer(index=index, name=name, type="text", bbox=bbox, placeholder=True, font_size=font_size,
                         justification=justification, anchor=(0.0, 0.0), scale=(100.0, 100.0), **extra)


def point_text_layer(index: int, name: str, origin, font_size: float = 40.0, justification: str = "left",
                     **extra) -> TemplateLayer:
    """Point text whose first baseline starts (or is centred, or ends) at ``origin``."""
    return TemplateLayer(index=index, name=name, type="text", placeholder=True, font_size=font_size,
                         justification=justification, matrix=(1.0, 0.0, 0.0, 1.0, *map(float, origin)),
                         anchor=(0.0, 0.0), position=tuple(origin), scale=(100.0, 100.0), **extra)


def solid_layer(index: int, name: str, bbox, colour, **extra) -> TemplateLayer:
    source = Footage(id=None, name=name, kind="solid", color=colour)
    return TemplateLayer(index=index, name=name, type="solid", bbox=bbox, source=source, placeholder=False, **extra)


def composition(layers, size=(400, 300), bg=(0.0, 0.0, 0.0), name="Main", duration=0.0) -> Composition:
    return Composition(id=1, name=name, width=size[0], height=size[1], layers=tuple(layers), bg_color=bg,
                       duration=duration)


def match(index: int, psd_id: int | None, kind: str = "footage", fit: str = "fit", comp: str = "Main") -> Match:
    psd_name = None if psd_id is None else f"psd{psd_id}"
    return Match(comp, index, f"layer{index}", psd_id, psd_name, 0.9, "test", kind, fit)


def png(path: Path, size, colour, mode: str = "RGBA") -> Path:
    Image.new(mode, size, colour).save(path)
    return path


def bundled_font_file(tmp_path: Path) -> Path:
    """Pillow's bundled fallback font (Aileron) written as a .ttf: a font file every machine
    with Pillow + FreeType has."""
    path = tmp_path / "Aileron-Regular.ttf"
    path.write_bytes(ImageFont.load_default(size=12).font_bytes)
    return path


def image_sizes(images) -> dict[int, tuple[int, int]]:
    """What Stage 1 records of the exported images: their sizes (10x10 for a file Pillow cannot
    read, so that the plan places it and the preview finds it unreadable)."""
    sizes = {}
    for psd_id, path in images.items():
        if not Path(path).is_file():
            continue
        try:
            with Image.open(path) as image:
                sizes[psd_id] = image.size
        except Exception:  # noqa: BLE001  (any unreadable file)
            sizes[psd_id] = (10, 10)
    return sizes


def documents(comps, psd_layers=(), psd_size=(400, 300)):
    template = TemplateDocument(source="t.aepx", compositions=tuple(comps))
    psd = PsdDocument(source="d.psd", width=psd_size[0], height=psd_size[1], layers=tuple(psd_layers))
    return template, psd


def render(tmp_path: Path, comps, psd_layers=(), matches=(), images=None, psd_size=(400, 300), plan=None,
           sizes=None, **kwargs):
    """Build the render plan of ``matches`` (unless given) and render its preview."""
    template, psd = documents(comps, psd_layers, psd_size)
    images = images or {}
    if plan is None:
        plan = build_render_plan(template=template, psd=psd, matches=list(matches),
                                 image_sizes=image_sizes(images) if sizes is None else sizes)
    kwargs.setdefault("flattened", None)
    return render_previews(plan=plan, template=template, psd=psd, matches=list(matches), layer_images=images,
                           out_dir=tmp_path / "out", **kwargs)


def pixels(result, composition: str = "Main") -> np.ndarray:
    with Image.open(result.file("preview", composition)) as image:
        return np.asarray(image.convert("RGB"))


def at(array: np.ndarray, x: int, y: int) -> tuple[int, int, int]:
    return tuple(int(v) for v in array[y, x])


def codes(result) -> list[str]:
    return [w.code for w in result.warnings]


def colour_bounds(frame: np.ndarray, colour) -> tuple[int, int, int, int] | None:
    """The bounds (left, top, right, bottom) of the pixels of exactly ``colour``."""
    ys, xs = np.nonzero(np.all(frame == colour, axis=2))
    if len(xs) == 0:
        return None
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


PHOTO = PsdLayer(id=7, name="photo", kind="pixel")


def one_image(tmp_path: Path, comp: Composition, path: Path | None, **kwargs):
    """Render ``comp`` whose layer 1 is matched to the PSD layer PHOTO exported as ``path``."""
    images = {} if path is None else {PHOTO.id: path}
    return render(tmp_path, [comp], psd_layers=[PHOTO], matches=[match(1, PHOTO.id)], images=images, **kwargs)


def text_case(tmp_path, text, box, font_size=40.0, font="Design-Font", justification="left", **kwargs):
    """Paragraph text ``text`` in ``box``; the TEMPLATE's font is ``font``."""
    comp = composition([text_layer(1, "title", box, font_size=font_size, font=font, justification=justification)])
    return render(tmp_path, [comp], psd_layers=[PsdLayer(id=3, name="TITLE", kind="type", text=text)],
                  matches=[match(1, 3, kind="text")], **kwargs)
