"""Labelled layer-matching cases built from the real Photoshop files of ``../shared/fixtures/psd``.

The generated cases of ``bench/matching_cases`` describe PSDs that were never opened in
Photoshop. These describe the third-party files of psd-tools' test suite, read at run time with
the project's own reader (``jobs.formats.psd.read_psd``; nothing is copied into the project),
each paired with a template written here by hand: what a motion designer would plausibly
build for that design (placeholder names as template makers write them, the composition at
the PSD's size or another one, the placeholder boxes where the layer would go, now and then a
placeholder the PSD has no counterpart for).

The right PSD layer of every placeholder is named by its layer name and kind, never by id, so
a reader that renumbers ids still gives the same labels; a named layer missing from its file
raises ``LookupError``. The labels are what a careful person looking at the file chooses:

- a group holding a single layer is labelled by that layer (the picture), not the group;
- of two equal layers on the same spot the one the design shows (the top one, embedded rather
  than linked to a file outside the PSD) is the right one;
- a layer the designer hid is no candidate for a placeholder of something else.

Files without a case are listed in ``NO_CASE`` with the reason; files absent from the fixtures
folder are skipped. ``real_cases()`` gives (case name, case dict) pairs in the format of
``bench/matching_bench.py`` (category ``real``); running the module prints a table of them:

    .venv/bin/python bench/real_matching_cases.py [--fixtures DIR]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jobs.formats.descriptions import (  # noqa: E402
    Composition,
    Footage,
    PsdDocument,
    PsdLayer,
    TemplateDocument,
    TemplateLayer,
)
from jobs.formats.psd import read_psd  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "psd"

Box = tuple[float, float, float, float]  # left, top, right, bottom
FULL: Box = (-1.0, -1.0, -1.0, -1.0)  # the whole composition

TEXT_KINDS = frozenset({"type"})
FOOTAGE_KINDS = frozenset({"pixel", "smartobject", "shape", "group"})


# --------------------------------------------------------------------------------------------
# The specification of a case


@dataclass(frozen=True)
class Item:
    """One layer of a template composition, and for a placeholder its right PSD layer."""

    name: str
    type: str  # text, footage, or a non-placeholder type (solid, null, adjustment, ...)
    box: Box | None = None  # in pixels of the PSD frame (canvas or artboard, top-left 0, 0), or FULL
    sample: str | None = None  # text placeholders: the sample text
    source: tuple[str, int, int] | None = None  # footage placeholders: file, width, height
    want: tuple[str, str] | None = None  # (PSD layer name, kind); None: no counterpart


def text(name: str, box: Box, sample: str, want: tuple[str, str] | None = None) -> Item:
    return Item(name, "text", box, sample=sample, want=want)


def footage(name: str, box: Box, source: tuple[str, int, int], want: tuple[str, str] | None = None) -> Item:
    return Item(name, "footage", box, source=source, want=want)


def other(name: str, kind: str) -> Item:
    return Item(name, kind)


@dataclass(frozen=True)
class Comp:
    """A composition: its size, how the PSD frame maps onto it, its layers top first."""

    name: str
    width: int
    height: int
    items: tuple[Item, ...]
    fit: str = "contain"  # contain (uniform scale, centred) or stretch (each axis on its own)
    artboard: str | None = None  # the PSD artboard the boxes are relative to (else the canvas)


@dataclass(frozen=True)
class Spec:
    key: str
    file: str
    theme: str
    template: str  # the .aepx file name
    comps: tuple[Comp, ...]
    notes: str = ""
    frame_rate: float = 29.97
    duration: float = 10.0


SPECS: tuple[Spec, ...] = (
    Spec(
        "text_card", "text.psd", "text card", "text_card.aepx",
        notes="one three-line type layer on a white background; the square comp at the PSD's size, "
        "a 16:9 version; the headline placeholder has no counterpart",
        comps=(
            Comp("Text Card", 400, 400, (
                text("txt_headline", (84, 44, 316, 84), "HEADLINE"),
                text("body_copy", (82, 106, 236, 156), "Body copy line one\nline two\nline three",
                     want=("Line 1 Line 2 Line 3 and text", "type")),
                other("BG Solid", "solid"),
                footage("bg", FULL, ("paper_texture.jpg", 1200, 1200), want=("Background", "pixel")),
            )),
            Comp("Text Card 16x9", 1920, 1080, (
                text("Paragraph", (80, 104, 240, 158), "Paragraph text\nParagraph text\nParagraph text",
                     want=("Line 1 Line 2 Line 3 and text", "type")),
                other("Vignette", "adjustment"),
                footage("plate", FULL, ("backplate_16x9.jpg", 1920, 1080), want=("Background", "pixel")),
            )),
        ),
    ),
    Spec(
        "product_promo", "placedLayer.psd", "product promo", "product_promo.aepx",
        notes="three smart objects: a wide picture linked from a PSD and two equal 64 px squares on one "
        "spot, the embedded one on top of the linked one; the logo is the embedded one (what the "
        "design shows, pixels inside the file); no price text in the PSD",
        comps=(
            Comp("Promo 16x9", 1920, 1080, (
                text("txt_price", (176, 200, 236, 228), "$49"),
                footage("logo_badge", (98, 98, 158, 158), ("logo.png", 500, 500), want=("embedded-png", "smartobject")),
                footage("hero_image", (30, 74, 226, 182), ("product_cutout.png", 1200, 650), want=("linked-psd", "smartobject")),
                other("Adjustment Layer 1", "adjustment"),
                footage("bg_plate", FULL, ("studio_bg.jpg", 1920, 1080), want=("Background", "pixel")),
            )),
            Comp("Promo Square", 1080, 1080, (
                footage("Logo", (100, 100, 156, 156), ("logo.png", 500, 500), want=("embedded-png", "smartobject")),
                footage("Product Shot", (26, 70, 230, 186), ("product_cutout.png", 1200, 650), want=("linked-psd", "smartobject")),
            ), fit="stretch"),
        ),
    ),
    Spec(
        "title_card", "artboard.psd", "title card", "title_card.aepx",
        notes="an artboard: a black frame line, a big two-line title running past its right edge and a "
        "white fill larger than the artboard; the square comp is laid out on the artboard, which "
        "has no subtitle",
        comps=(
            Comp("Title Card", 1080, 1080, (
                text("txt_title", (80, 240, 880, 780), "TITLE\nGOES HERE", want=("First Artboard", "type")),
                text("txt_subtitle", (80, 820, 860, 900), "Subtitle goes here"),
                footage("Frame", FULL, ("frame_overlay.png", 1080, 1080), want=("border", "pixel")),
                footage("bg_plate", FULL, ("white_bg.png", 1080, 1080), want=("Layer 0", "pixel")),
            ), fit="stretch", artboard="Artboard 1"),
        ),
    ),
    Spec(
        "character_rig", "broken-groups.psd", "character rig", "character_rig.aepx",
        notes="parts of a character named in Turkish, each alone in a group: 'kas' (eyebrows) in 'anne', "
        "'el sol' (left hand) in 'bebek'; the rig's mouth has no counterpart",
        comps=(
            Comp("Character", 1242, 1028, (
                other("Head Ctrl", "null"),
                footage("brows", (0, 0, 196, 70), ("brows.png", 400, 140), want=("kas", "pixel")),
                footage("mouth", (260, 300, 360, 340), ("mouth_open.png", 200, 80)),
                footage("hand_L", (550, 430, 621, 514), ("hand_left.png", 140, 170), want=("el sol", "pixel")),
            ), fit="stretch"),
        ),
    ),
    Spec(
        "story_sticker", "group.psd", "story sticker", "story_sticker.aepx",
        notes="a black ellipse ('Shape 1') alone in 'Group 1' over a white background; a 9:16 story; "
        "no caption text in the PSD",
        comps=(
            Comp("Story 9x16", 1080, 1920, (
                text("txt_caption", (10, 150, 90, 176), "Caption"),
                footage("oval", (24, 22, 68, 100), ("oval_sticker.png", 440, 760), want=("Shape 1", "shape")),
                footage("Background", FULL, ("bg_gradient.png", 1080, 1920), want=("Background", "pixel")),
            )),
        ),
    ),
    Spec(
        "icon_card", "hidden-layer.psd", "icon card", "icon_card.aepx",
        notes="a visible black heptagon ('Shape 1') above a hidden shape ('Shape 2'); the logo slot at the "
        "bottom has no counterpart (the hidden shape is elsewhere and switched off)",
        comps=(
            Comp("Icon Card", 1080, 1620, (
                footage("icon", (18, 4, 70, 56), ("icon.png", 512, 512), want=("Shape 1", "shape")),
                footage("logo", (30, 110, 70, 140), ("client_logo.png", 400, 300)),
                footage("bg", FULL, ("card_bg.png", 1080, 1620), want=("Background", "pixel")),
            )),
        ),
    ),
    Spec(
        "pixel_tile", "16bit5x5.psd", "pixel art tile", "pixel_tile.aepx",
        notes="a 5x5 16-bit pixel-art tile: a flat light-blue 'Background', the pattern painted on a "
        "full copy above it, and a 1x3 green bar on the right edge",
        comps=(
            Comp("Tile", 1080, 1080, (
                footage("accent_bar", (4, 1, 5, 4), ("bar.png", 216, 648), want=("Background copy 2", "pixel")),
                footage("artwork", FULL, ("pattern.png", 1080, 1080), want=("Background copy", "pixel")),
                footage("bg_fill", FULL, ("fill.png", 1080, 1080), want=("Background", "pixel")),
            ), fit="stretch"),
        ),
    ),
)

# Fixture files that give no case, and why.
NO_CASE: dict[str, str] = {
    "1layer.psb": "one pixel layer covering the canvas ('Фон'): nothing to decide",
    "layer-name-emoji.psd": "one 4x4 pixel layer: nothing to decide",
    "layers-minimal_pixel-layer.psd": "one pixel layer: nothing to decide",
    "layers-minimal_shape-layer.psd": "one shape layer: nothing to decide",
    "layers-minimal_type-layer.psd": "one type layer ('A'): nothing to decide",
    "layers_smartobject-layer.psd": "one smart object: nothing to decide",
    "colormodes_4x4_8bit_cmyk.psd": "a gradient fill (no footage kind) over an empty pixel layer: no placeable content",
}


# --------------------------------------------------------------------------------------------
# Building the cases


def find_layer(psd: PsdDocument, name: str, kind: str) -> PsdLayer:
    """The one layer of ``psd`` with that name and kind; ``LookupError`` if none or several."""
    found = [layer for layer in psd.layers if layer.name == name and layer.kind == kind]
    if len(found) != 1:
        have = ", ".join(f"{layer.name!r} ({layer.kind})" for layer in psd.layers)
        raise LookupError(f"{psd.source}: {len(found)} {kind} layers named {name!r}; the file has {have}")
    return found[0]


def _frame(psd: PsdDocument, artboard: str | None) -> tuple[int, int, int, int]:
    if artboard is None:
        return (0, 0, psd.width, psd.height)
    box = find_layer(psd, artboard, "artboard").bbox
    if box is None:
        raise LookupError(f"{psd.source}: artboard {artboard!r} has no box")
    return box


def _placer(frame: tuple[int, int, int, int], comp: Comp):
    """A function mapping a box in the PSD frame's own pixels to the composition's pixels."""
    fw, fh = frame[2] - frame[0], frame[3] - frame[1]
    if comp.fit == "stretch":
        sx, sy, ox, oy = comp.width / fw, comp.height / fh, 0.0, 0.0
    elif comp.fit == "contain":
        sx = sy = min(comp.width / fw, comp.height / fh)
        ox, oy = (comp.width - fw * sx) / 2, (comp.height - fh * sy) / 2
    else:
        raise ValueError(f"unknown fit {comp.fit!r}")

    def place(box: Box) -> tuple[int, int, int, int]:
        if box == FULL:
            return (0, 0, comp.width, comp.height)
        l, t, r, b = box
        return (round(ox + l * sx), round(oy + t * sy), round(ox + r * sx), round(oy + b * sy))

    return place


def build_case(spec: Spec, psd: PsdDocument) -> dict:
    """The case dict of ``spec`` for the PSD read from its file."""
    expected: dict[str, int | None] = {}
    compositions = []
    footage_id = 100
    folder = f"/Volumes/Projects/{spec.template.rsplit('.', 1)[0]}"
    for comp in spec.comps:
        place = _placer(_frame(psd, comp.artboard), comp)
        layers = []
        for index, item in enumerate(comp.items, start=1):
            source = None
            if item.source is not None:
                footage_id += 1
                name, width, height = item.source
                source = Footage(id=footage_id, name=name, path=f"{folder}/{name}", width=width, height=height,
                                 missing=True, kind="file", duration=0.0)
            layers.append(TemplateLayer(
                index=index, name=item.name, type=item.type, out_point=spec.duration,
                text=item.sample, source=source, bbox=place(item.box) if item.box is not None else None,
                placeholder=item.type in ("text", "footage"),
            ))
            if item.type not in ("text", "footage"):
                continue
            if item.type == "footage" and item.source is None:
                raise ValueError(f"{spec.key}: footage placeholder {item.name!r} without a source")
            layer_id = None
            if item.want is not None:
                kinds = TEXT_KINDS if item.type == "text" else FOOTAGE_KINDS
                if item.want[1] not in kinds:
                    raise ValueError(f"{spec.key}: a {item.type} placeholder cannot take a {item.want[1]} layer")
                layer_id = find_layer(psd, *item.want).id
            expected[f"{comp.name}/{index}"] = layer_id
        compositions.append(Composition(
            id=None, name=comp.name, width=comp.width, height=comp.height,
            frame_rate=spec.frame_rate, duration=spec.duration, layers=tuple(layers),
        ))
    template = TemplateDocument(source=spec.template, compositions=tuple(compositions), format="aepx")
    return {
        "category": "real",
        "theme": spec.theme,
        "notes": spec.notes,
        "psd": psd.to_dict(),
        "template": template.to_dict(),
        "expected": expected,
    }


def read_fixture(path: Path) -> PsdDocument:
    """The project's description of a fixture file, its ``source`` the bare file name."""
    document = read_psd(path)
    data = document.to_dict()
    data["source"] = path.name
    return PsdDocument.from_dict(data)


def real_cases(fixtures: Path = FIXTURES) -> list[tuple[str, dict]]:
    """(case name, case dict) for every spec whose file is in ``fixtures``; absent files are skipped."""
    cases = []
    for number, spec in enumerate(SPECS, start=1):
        path = Path(fixtures) / spec.file
        if not path.is_file():
            continue
        cases.append((f"real_{number:02d}_{spec.key}", build_case(spec, read_fixture(path))))
    return cases


# --------------------------------------------------------------------------------------------
# The table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    args = parser.parse_args(argv)
    cases = real_cases(args.fixtures)
    header = f"{'case':<26}{'PSD file':<22}{'comps':>6}{'placeholders':>14}{'nulls':>7}"
    lines = [header, "-" * len(header)]
    placeholders = nulls = 0
    for name, case in cases:
        expected = case["expected"]
        empty = sum(1 for value in expected.values() if value is None)
        placeholders += len(expected)
        nulls += empty
        comps = len(case["template"]["compositions"])
        lines.append(f"{name:<26}{case['psd']['source']:<22}{comps:>6}{len(expected):>14}{empty:>7}")
    lines.append("-" * len(header))
    lines.append(f"{f'{len(cases)} cases':<48}{placeholders:>14}{nulls:>7}")
    absent = [spec.file for spec in SPECS if not (args.fixtures / spec.file).is_file()]
    if absent:
        lines.append(f"\nskipped (not in {args.fixtures}): {', '.join(absent)}")
    lines.append("\nno case:")
    lines.extend(f"  {file}: {reason}" for file, reason in NO_CASE.items())
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
