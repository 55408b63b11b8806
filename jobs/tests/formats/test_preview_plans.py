"""The preview as a translation of real render plans: swapped matches show, and on the demo
template and the real ``split-screen.aepx`` every image lands where the plan says (the bounds
of the drawn alpha are the bounds of the placement's ``visible`` corners, within 1 px)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from jobs.demo import write_demo_inputs
from jobs.formats.aep import read_template
from jobs.formats.descriptions import Match, PsdDocument, PsdLayer
from jobs.formats.preview import render_previews
from jobs.formats.psd.export import export_psd
from jobs.formats.render_plan import build_render_plan
from jobs.formats.render_plan.affine import bounds

from .preview_cases import bundled_font_file, composition, match, pixels, png, render, text_layer


@pytest.fixture(autouse=True)
def _restore_pillow_limit(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)


def close(a, b, tolerance: float = 1.0) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


def clipped(rect, size):
    return (max(0, rect[0]), max(0, rect[1]), min(size[0], rect[2]), min(size[1], rect[3]))


def check_bounds(result, plan, template) -> int:
    """Every drawn footage placement's alpha bounds are its visible bounds (clipped to the
    composition) within 1 px; returns how many were checked."""
    checked = 0
    for placement in plan.footage:
        comp = template.composition(placement.composition)
        entry = next(e for e in result.composition_metrics(comp.name)["images"] if e["index"] == placement.layer_index)
        assert placement.visible is not None, placement.layer_name
        expected = clipped(bounds(placement.visible), (comp.width, comp.height))
        assert entry["drawn"] is True, placement.layer_name
        assert close(entry["drawn_bounds"], expected), (placement.layer_name, entry["drawn_bounds"], expected)
        checked += 1
    return checked


# --------------------------------------------------------------------------------------------
# Swapping two text matches changes the preview


NAMES = PsdLayer(id=1, name="JORDAN AVERY", kind="type", text="JORDAN AVERY")
MATCHUP = PsdLayer(id=2, name="THUNDER vs ROCKETS", kind="type", text="THUNDER vs ROCKETS")


def test_swapped_text_matches_swap_the_drawn_text(tmp_path):
    boxes = {1: (20, 20, 380, 80), 2: (20, 150, 380, 210)}
    comp = composition([text_layer(1, "player1fullname", boxes[1], font_size=30.0, font="F"),
                        text_layer(2, "matchup", boxes[2], font_size=30.0, font="F")])
    fonts = {"F": bundled_font_file(tmp_path)}
    args = dict(psd_layers=[NAMES, MATCHUP], font_files=fonts)
    straight = render(tmp_path / "a", [comp], matches=[match(1, 1, kind="text"), match(2, 2, kind="text")], **args)
    swapped = render(tmp_path / "b", [comp], matches=[match(1, 2, kind="text"), match(2, 1, kind="text")], **args)
    a, b = pixels(straight), pixels(swapped)

    def crop(frame, index):
        left, top, right, bottom = boxes[index]
        return frame[top:bottom, left:right]

    for index in boxes:
        assert crop(a, index).any() and not np.array_equal(crop(a, index), crop(b, index))
    # each text is drawn in the box of the layer it was matched to: the boxes trade contents
    assert np.array_equal(crop(b, 1), crop(a, 2)) and np.array_equal(crop(b, 2), crop(a, 1))
    texts = {t["name"]: t["text"] for t in swapped.composition_metrics("Main")["texts"]}
    assert texts == {"player1fullname": "THUNDER vs ROCKETS", "matchup": "JORDAN AVERY"}


# --------------------------------------------------------------------------------------------
# The demo template (point text, footage anchored at the source centre)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    inputs = write_demo_inputs(root / "in")
    exported = export_psd(inputs.psd, root / "exported")
    images = {i.layer_id: i.path for i in exported.images if i.role == "layer"}
    return read_template(inputs.template), exported.document, images, exported.image(None, "flattened").path


def demo_matches(template, psd, pairs):
    """Matches of the demo composition: (template layer name, PSD layer name, fit)."""
    comp = template.compositions[0]
    by_name = {layer.name: layer for layer in psd.layers}
    found = []
    for placeholder, psd_name, fit in pairs:
        layer = next(layer for layer in comp.layers if layer.name == placeholder)
        kind = "text" if layer.type == "text" else "footage"
        psd_layer = by_name[psd_name]
        found.append(Match(comp.name, layer.index, placeholder, psd_layer.id, psd_name, 0.9, "test", kind, fit))
    return found


def demo_render(out: Path, demo, pairs, images=None):
    template, psd, exported, flattened = demo
    images = images or exported
    matches = demo_matches(template, psd, pairs)
    sizes = {}
    for psd_id, path in images.items():
        with Image.open(path) as image:
            sizes[psd_id] = image.size
    plan = build_render_plan(template=template, psd=psd, matches=matches, image_sizes=sizes)
    result = render_previews(plan=plan, template=template, psd=psd, matches=matches, layer_images=images,
                             flattened=flattened, out_dir=out)
    return plan, result


TEXTS = [("player1fullname", "JORDAN AVERY", "fit"), ("matchup", "THUNDER vs ROCKETS", "fit"),
         ("gametime", "SAT 7:30 PM", "fit")]


def test_demo_swapped_text_matches_change_the_preview(tmp_path, demo):
    template = demo[0]
    straight_plan, straight = demo_render(tmp_path / "a", demo, TEXTS)
    swapped_pairs = [("player1fullname", "THUNDER vs ROCKETS", "fit"), ("matchup", "JORDAN AVERY", "fit"),
                     TEXTS[2]]
    _, swapped = demo_render(tmp_path / "b", demo, swapped_pairs)
    comp = template.compositions[0]
    a, b = pixels(straight, comp.name), pixels(swapped, comp.name)
    entries = {}
    for result in (straight, swapped):
        for entry in result.composition_metrics(comp.name)["texts"]:
            entries.setdefault(entry["name"], []).append(entry)
    origins = {p.layer_name: p.origin for p in straight_plan.texts}
    for name in ("player1fullname", "matchup"):
        first, second = entries[name]
        left, top = max(0, min(first["ink"][0], second["ink"][0])), min(first["ink"][1], second["ink"][1])
        right, bottom = max(first["ink"][2], second["ink"][2]), max(first["ink"][3], second["ink"][3])
        assert not np.array_equal(a[top:bottom, left:right], b[top:bottom, left:right]), name
        # point text, centred on its layer's origin, on its baseline: where the template's layer is
        x, y = origins[name]
        assert abs((second["ink"][0] + second["ink"][2]) / 2 - x) <= 3 and abs(second["ink"][3] - y) <= 2
    assert entries["player1fullname"][1]["text"] == "THUNDER vs ROCKETS"
    assert entries["matchup"][1]["text"] == "JORDAN AVERY"
    # the match-up line at the name's 72 pt, centred on x = 360, runs off the frame's left edge
    assert [w.layer for w in swapped.warnings if w.code == "text_overflow"] == ["player1fullname"]


def test_demo_images_land_on_the_plans_visible_bounds(tmp_path, demo):
    pairs = [("teamlogo", "Team Logo", "fit"), ("featuredimage", "Player Cutout", "fill"), *TEXTS]
    template, psd, exported, _ = demo
    plan, result = demo_render(tmp_path / "real", demo, pairs)
    for placement in plan.footage:  # the real cut-outs: their alpha lies within the visible corners
        entry = next(e for e in result.composition_metrics(placement.composition)["images"]
                     if e["index"] == placement.layer_index)
        visible = bounds(placement.visible)
        drawn = entry["drawn_bounds"]
        assert drawn[0] >= visible[0] - 1 and drawn[1] >= visible[1] - 1, placement.layer_name
        assert drawn[2] <= visible[2] + 1 and drawn[3] <= visible[3] + 1, placement.layer_name
    # opaque stand-ins of other proportions: the drawn bounds are the visible bounds
    by_name = {layer.name: layer.id for layer in psd.layers}
    images = dict(exported)
    images[by_name["Team Logo"]] = png(tmp_path / "logo.png", (300, 150), (10, 200, 90, 255))
    images[by_name["Player Cutout"]] = png(tmp_path / "cutout.png", (500, 500), (200, 30, 120, 255))
    pairs = [("teamlogo", "Team Logo", "fit"), ("featuredimage", "Player Cutout", "fill"), *TEXTS]
    plan, result = demo_render(tmp_path / "opaque", demo, pairs, images=images)
    assert check_bounds(result, plan, template) == 2
    frame = pixels(result, template.compositions[0].name)
    ys, xs = np.nonzero(np.all(frame == (10, 200, 90), axis=2))
    logo = next(p for p in plan.footage if p.layer_name == "teamlogo")
    assert close((xs.min(), ys.min(), xs.max() + 1, ys.max() + 1), bounds(logo.visible))


# --------------------------------------------------------------------------------------------
# The real After Effects project


def test_split_screen_images_land_on_the_plans_visible_bounds(tmp_path, shared_fixtures):
    template = read_template(shared_fixtures / "aepx" / "split-screen.aepx")
    fits = ["fit", "fill", "stretch"]
    sizes = [(300, 200), (200, 300), (640, 360)]
    psd_layers, matches, images = [], [], {}
    for comp in template.compositions:
        for layer in comp.layers:
            if not layer.placeholder:
                continue
            psd_id = len(psd_layers) + 1
            if layer.type == "text":
                psd_layers.append(PsdLayer(id=psd_id, name=f"name {psd_id}", kind="type", text=f"PLAYER {psd_id}"))
                matches.append(Match(comp.name, layer.index, layer.name, psd_id, f"name {psd_id}", 0.9, "t", "text"))
                continue
            size = sizes[psd_id % 3]
            colour = (psd_id * 37 % 256, 255 - psd_id * 11 % 256, 90, 255)
            images[psd_id] = png(tmp_path / f"layer-{psd_id}.png", size, colour)
            psd_layers.append(PsdLayer(id=psd_id, name=f"image {psd_id}", kind="pixel"))
            matches.append(Match(comp.name, layer.index, layer.name, psd_id, f"image {psd_id}", 0.9, "t",
                                 "footage", fits[psd_id % 3]))
    psd = PsdDocument(source="d.psd", width=1200, height=1500, layers=tuple(psd_layers))
    plan = build_render_plan(template=template, psd=psd, matches=matches,
                             image_sizes={i: Image.open(p).size for i, p in images.items()})
    result = render_previews(plan=plan, template=template, psd=psd, matches=matches, layer_images=images,
                             flattened=None, out_dir=tmp_path / "out")
    assert result.main_composition == plan.composition == "test-aep"
    assert check_bounds(result, plan, template) == len(plan.footage) >= 6
    for placement in plan.texts:  # paragraph text in its box, left-aligned, no shrinking
        entry = next(e for e in result.composition_metrics(placement.composition)["texts"]
                     if e["index"] == placement.layer_index)
        assert entry["kind"] == "paragraph" and entry["box"] == [round(v) for v in placement.box]
        assert entry["ink"][0] >= placement.box[0] - 1 and entry["drawn_font_size"] == placement.font_size
