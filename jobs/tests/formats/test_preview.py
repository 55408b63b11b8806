"""Tests of jobs.formats.preview: real pixels of rendered frames, exact metrics, warnings.

The preview draws the render plan (``build_render_plan`` of the template, the PSD and the
matches): footage here, text in ``test_preview_text.py``, real templates and swapped matches in
``test_preview_plans.py``. Descriptions and images are built in tmp_path; colours are sampled
from the written PNGs.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from jobs.formats.descriptions import Footage, PsdLayer, TemplateLayer
from jobs.formats.limits import Limits
from jobs.formats.preview import MISSING_COLOUR, UNKNOWN_COLOUR, UNMATCHED_COLOUR, PreviewThresholds
from jobs.formats.render_plan import PlanNote, RenderPlan, build_render_plan

from .preview_cases import (
    BLACK,
    BLUE,
    GREEN,
    PHOTO,
    RED,
    YELLOW,
    at,
    codes,
    colour_bounds,
    composition,
    documents,
    footage_layer,
    image_layer,
    image_sizes,
    match,
    one_image,
    pixels,
    png,
    point_text_layer,
    render,
    solid_layer,
    text_layer,
)


@pytest.fixture(autouse=True)
def _restore_pillow_limit(monkeypatch):
    """render_previews() sets Pillow's global pixel limit; put it back after each test."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)


def halves(tmp_path, size=(100, 50), name="halves.png"):
    """An image whose left half is red and right half blue."""
    image = Image.new("RGBA", size, (*RED, 255))
    image.paste((*BLUE, 255), (size[0] // 2, 0, size[0], size[1]))
    image.save(tmp_path / name)
    return tmp_path / name


def red_image_case(tmp_path, image_size, fit: str, box=(100, 50, 300, 250), **kwargs):
    image = png(tmp_path / "red.png", image_size, (*RED, 255))
    comp = composition([image_layer(1, "photo", box)])
    return render(tmp_path, [comp], psd_layers=[PsdLayer(id=7, name="photo", kind="pixel")],
                  matches=[match(1, 7, fit=fit)], images={7: image}, **kwargs)


# --------------------------------------------------------------------------------------------
# Footage placed by the plan's matrix and mask


def test_fit_places_image_inside_box_keeping_its_aspect(tmp_path):
    result = red_image_case(tmp_path, (100, 50), "fit")
    frame = pixels(result)
    # 100x50 contained in 200x200 -> 200x100; the centre anchor keeps it centred: rows 100..199
    assert colour_bounds(frame, RED) == (100, 100, 300, 200)
    assert at(frame, 200, 80) == BLACK and at(frame, 200, 220) == BLACK  # letterboxed inside the box
    image = result.composition_metrics("Main")["images"][0]
    assert image["placed"] == image["visible"] == image["drawn_bounds"] == [100, 100, 300, 200]
    assert image["scale"] == 2.0 and image["upscaled"] is True and image["masked"] is False


def test_fit_keeps_the_anchors_relative_position(tmp_path):
    """A top-left anchor stays the image's top-left: After Effects does not centre it."""
    image = png(tmp_path / "red.png", (100, 50), (*RED, 255))
    layer = footage_layer(1, "photo", (200, 200), (100, 50), anchor=(0, 0))
    assert layer.bbox == (100, 50, 300, 250)
    result = render(tmp_path, [composition([layer])], psd_layers=[PHOTO], matches=[match(1, PHOTO.id)],
                    images={PHOTO.id: image})
    frame = pixels(result)
    assert colour_bounds(frame, RED) == (100, 50, 300, 150)  # at the box's top, not centred
    assert at(frame, 200, 200) == BLACK


def test_fill_masks_the_image_to_the_box_and_leaves_the_rest_untouched(tmp_path):
    comp = composition([image_layer(1, "photo", (100, 50, 300, 250))], bg=(1.0, 1.0, 0.0))
    result = render(tmp_path, [comp], psd_layers=[PHOTO], matches=[match(1, PHOTO.id, fit="fill")],
                    images={PHOTO.id: halves(tmp_path)})
    frame = pixels(result)
    inside = frame[50:250, 100:300]
    assert not np.all(inside == YELLOW, axis=2).any(), "the box is covered"
    assert at(frame, 150, 150) == RED and at(frame, 250, 150) == BLUE  # a centred crop of both halves
    outside = np.ones(frame.shape[:2], bool)
    outside[50:250, 100:300] = False
    assert np.all(frame[outside] == YELLOW), "nothing is drawn outside the box"
    image = result.composition_metrics("Main")["images"][0]
    assert image["scale"] == 4.0 and image["masked"] is True
    assert image["placed"] == [0, 50, 400, 250] and image["visible"] == [100, 50, 300, 250]
    assert image["drawn_bounds"] == [100, 50, 300, 250]


def test_fill_with_a_top_left_anchor_keeps_the_left_of_the_image(tmp_path):
    layer = footage_layer(1, "photo", (200, 200), (100, 50), anchor=(0, 0))
    result = render(tmp_path, [composition([layer])], psd_layers=[PHOTO],
                    matches=[match(1, PHOTO.id, fit="fill")], images={PHOTO.id: halves(tmp_path)})
    frame = pixels(result)
    # 100x50 filling 200x200: 400x200 from the box's left; the box shows the red half only (its
    # last columns blend with the blue just beyond the mask, as After Effects' resampling does)
    left, top, right, bottom = colour_bounds(frame, RED)
    assert (left, top, bottom) == (100, 50, 250) and 297 <= right <= 300
    assert colour_bounds(frame, BLUE) is None


def test_stretch_fills_the_box_exactly(tmp_path):
    result = red_image_case(tmp_path, (100, 50), "stretch")
    frame = pixels(result)
    assert np.all(frame[50:250, 100:300] == RED)
    outside = np.ones(frame.shape[:2], bool)
    outside[50:250, 100:300] = False
    assert np.all(frame[outside] == BLACK)
    image = result.composition_metrics("Main")["images"][0]
    assert (image["scale_x"], image["scale_y"], image["scale"]) == (2.0, 4.0, 4.0)


def test_rotation_comes_from_the_matrix(tmp_path):
    """A layer rotated 90° clockwise: the image's left (red) half lands on top."""
    layer = footage_layer(1, "photo", (100, 50), (200, 150), rotation=90.0)
    assert layer.bbox == (175, 100, 225, 200)
    result = render(tmp_path, [composition([layer])], psd_layers=[PHOTO], matches=[match(1, PHOTO.id)],
                    images={PHOTO.id: halves(tmp_path)})
    frame = pixels(result)
    assert at(frame, 200, 120) == RED and at(frame, 200, 180) == BLUE
    assert at(frame, 150, 150) == BLACK and at(frame, 250, 150) == BLACK
    image = result.composition_metrics("Main")["images"][0]
    assert image["rotation"] == 90.0
    drawn = image["drawn_bounds"]
    assert all(abs(a - b) <= 1 for a, b in zip(drawn, [175, 100, 225, 200])), drawn


def test_a_flip_comes_from_the_matrix(tmp_path):
    """Scale -100 % horizontally: the image's red left half shows on the right."""
    layer = footage_layer(1, "photo", (100, 50), (200, 150), scale=(-100.0, 100.0))
    result = render(tmp_path, [composition([layer])], psd_layers=[PHOTO], matches=[match(1, PHOTO.id)],
                    images={PHOTO.id: halves(tmp_path)})
    frame = pixels(result)
    assert colour_bounds(frame, BLUE) == (150, 125, 200, 175)
    assert colour_bounds(frame, RED) == (200, 125, 250, 175)


def test_scale_factor_is_two_when_a_100px_image_fills_a_200px_box(tmp_path):
    result = red_image_case(tmp_path, (100, 100), "fill")
    image = result.composition_metrics("Main")["images"][0]
    assert image["scale"] == 2.0 and image["upscaled"] is True
    upscaled = [w for w in result.warnings if w.code == "upscaled"]
    assert len(upscaled) == 1 and upscaled[0].layer == "photo" and upscaled[0].severity == "warning"
    assert "200%" in upscaled[0].message


def test_upscale_threshold_is_configurable(tmp_path):
    result = red_image_case(tmp_path, (100, 100), "fill", thresholds=PreviewThresholds(max_upscale=2.0))
    assert "upscaled" not in codes(result)


def test_downscaled_image_does_not_warn(tmp_path):
    result = red_image_case(tmp_path, (400, 400), "fit")
    image = result.composition_metrics("Main")["images"][0]
    assert image["scale"] == 0.5 and image["upscaled"] is False
    assert "upscaled" not in codes(result)


def test_partly_offscreen_box_is_clipped_to_the_composition(tmp_path):
    result = red_image_case(tmp_path, (100, 100), "stretch", box=(-100, -100, 100, 100))
    frame = pixels(result)
    assert np.all(frame[0:100, 0:100] == RED)
    assert at(frame, 100, 50) == BLACK and at(frame, 50, 100) == BLACK
    assert result.composition_metrics("Main")["coverage"] == pytest.approx(100 * 100 / (400 * 300), abs=1e-4)


def test_coverage_counts_opaque_pixels_of_placed_images(tmp_path):
    result = red_image_case(tmp_path, (100, 50), "fit")
    assert result.composition_metrics("Main")["coverage"] == pytest.approx(200 * 100 / (400 * 300), abs=1e-4)


def test_transparent_pixels_let_lower_layers_show(tmp_path):
    cutout = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    cutout.paste((*RED, 255), (25, 25, 75, 75))
    path = tmp_path / "cutout.png"
    cutout.save(path)
    comp = composition([image_layer(1, "cutout", (0, 0, 100, 100)), solid_layer(2, "bg", None, (0, 1, 0))])
    result = one_image(tmp_path, comp, path)
    frame = pixels(result)
    assert at(frame, 50, 50) == RED and at(frame, 10, 10) == GREEN
    assert result.composition_metrics("Main")["coverage"] == pytest.approx(50 * 50 / (400 * 300), abs=1e-4)


def test_image_of_another_size_than_planned_is_drawn_at_the_plans_size(tmp_path):
    big = png(tmp_path / "big.png", (200, 100), (*RED, 255))
    comp = composition([image_layer(1, "photo", (100, 50, 300, 250))])
    result = render(tmp_path, [comp], psd_layers=[PHOTO], matches=[match(1, PHOTO.id)], images={PHOTO.id: big},
                    sizes={PHOTO.id: (100, 50)})
    assert colour_bounds(pixels(result), RED) == (100, 100, 300, 200)
    assert "image_size_mismatch" in codes(result)


# --------------------------------------------------------------------------------------------
# What the plan cannot place, missing and hostile images


def test_footage_the_plan_cannot_place_is_marked_not_drawn(tmp_path):
    red = png(tmp_path / "red.png", (100, 100), (*RED, 255))
    animated = replace(image_layer(1, "photo", (100, 50, 300, 250)), matrix=None, animated_transform=True)
    result = one_image(tmp_path, composition([animated]), red)
    frame = pixels(result)
    assert colour_bounds(frame, RED) is None
    outline = np.all(frame == UNKNOWN_COLOUR, axis=2)
    assert outline[50:250, 101].mean() > 0.5 and outline[248, 100:300].mean() > 0.5  # dashed edges of its box
    assert outline[50:70, 100:200].mean() > 0.6  # the label "photo: position not derivable"
    assert not outline[150:240, 110:290].any()  # nothing inside
    found = [w for w in result.warnings if w.code == "placement_not_derivable"]
    assert len(found) == 1 and found[0].layer == "photo" and found[0].composition == "Main"  # the plan's note, once
    assert result.composition_metrics("Main")["images"][0]["placed"] is None


def test_missing_image_becomes_a_warning_and_an_orange_outline(tmp_path):
    comp = composition([image_layer(1, "photo", (100, 50, 300, 250))])
    result = one_image(tmp_path, comp, None)  # not exported: the plan notes it and leaves it out
    assert "image_missing" in codes(result)
    frame = pixels(result)
    assert at(frame, 101, 150) == MISSING_COLOUR  # left edge of the box, on a dash
    assert result.composition_metrics("Main")["images"][0]["drawn"] is False
    gone = one_image(tmp_path / "gone", comp, tmp_path / "gone.png", sizes={PHOTO.id: (10, 10)})
    assert "missing_image" in codes(gone) and at(pixels(gone), 101, 150) == MISSING_COLOUR


@pytest.mark.parametrize(
    "content",
    [b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64],
    ids=["garbage", "truncated-png"],
)
def test_unreadable_image_is_a_warning_not_a_crash(tmp_path, content):
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    comp = composition([image_layer(1, "photo", (100, 50, 300, 250))])
    result = one_image(tmp_path, comp, bad)
    unreadable = [w for w in result.warnings if w.code == "image_unreadable"]
    assert len(unreadable) == 1 and unreadable[0].layer == "photo" and unreadable[0].composition == "Main"
    assert result.file("preview", "Main").is_file()


def test_image_with_a_truncated_body_is_a_warning(tmp_path):
    good = tmp_path / "good.png"
    Image.effect_noise((200, 200), 64).convert("RGBA").save(good)
    data = good.read_bytes()
    bad = tmp_path / "cut.png"
    bad.write_bytes(data[: len(data) // 2])
    comp = composition([image_layer(1, "photo", (100, 50, 300, 250))])
    assert "image_unreadable" in codes(one_image(tmp_path, comp, bad))


def test_image_over_the_pixel_limit_is_refused(tmp_path):
    big = png(tmp_path / "big.png", (100, 100), (*RED, 255))
    comp = composition([image_layer(1, "photo", (0, 0, 50, 50))], size=(50, 50))
    result = one_image(tmp_path, comp, big, limits=Limits(max_pixels=6000))  # 10 000 px: above, below twice
    assert "image_unreadable" in codes(result)
    assert at(pixels(result), 25, 25) != RED


def test_hostile_geometry_is_clipped_not_allocated(tmp_path):
    red = png(tmp_path / "r.png", (10, 10), (*RED, 255))
    huge = (-10**9, -10**9, 10**9, 10**9)
    layers = [
        text_layer(1, "title", huge, font_size=float("inf")),
        point_text_layer(2, "far", (1e12, 1e12)),
        footage_layer(3, "photo", (10, 10), (200, 150), scale=(1e9, 1e9), bbox=None),
        image_layer(4, "unmatched", huge),
        TemplateLayer(index=5, name="nested", type="precomp", bbox=huge, matrix=(1e300, 0, 0, float("inf"), 0, 0)),
        solid_layer(6, "inverted", (300, 300, 10, 10), (1, 0, 0)),
    ]
    psd = [PsdLayer(id=1, name="p", kind="pixel"), PsdLayer(id=2, name="t", kind="type", text="Hi")]
    result = render(tmp_path, [composition(layers)], psd_layers=psd, images={1: red},
                    matches=[match(1, 2, kind="text"), match(2, 2, kind="text"), match(3, 1), match(4, None)])
    metrics = result.composition_metrics("Main")
    assert metrics["images"][0]["drawn"] is True and metrics["coverage"] == 1.0
    assert metrics["texts"][0]["font_size_source"] == "box"  # an infinite size is ignored
    assert at(pixels(result), 200, 150) == RED


# --------------------------------------------------------------------------------------------
# Plan notes, the render composition, placeholders left empty, other layers, time


def test_plan_notes_become_warnings(tmp_path):
    red = png(tmp_path / "r.png", (10, 10), (*RED, 255))
    comp = composition([image_layer(1, "photo", (0, 0, 100, 100))])
    template_args = dict(psd_layers=[PHOTO], matches=[match(1, PHOTO.id)], images={PHOTO.id: red})
    built = render(tmp_path / "built", [comp], **template_args)
    notes = (PlanNote("non_square_pixels", "odd pixels", "Main", "photo", "info"),
             PlanNote("custom_note", "something to know", None, None, "warning"))
    plan = RenderPlan(composition="Main", width=400, height=300, footage=built_plan_footage(comp, red),
                      notes=notes)
    result = render(tmp_path / "noted", [comp], plan=plan, **template_args)
    surfaced = [(w.code, w.severity, w.message, w.composition, w.layer) for w in result.warnings[:2]]
    assert surfaced == [("non_square_pixels", "info", "odd pixels", "Main", "photo"),
                        ("custom_note", "warning", "something to know", None, None)]
    assert "non_square_pixels" not in codes(built)


def built_plan_footage(comp, image):
    template, psd = documents([comp], [PHOTO])
    plan = build_render_plan(template=template, psd=psd, matches=[match(1, PHOTO.id)],
                             image_sizes=image_sizes({PHOTO.id: image}))
    return plan.footage


def test_the_plans_render_composition_is_the_main_frame_showing_its_precomps(tmp_path):
    """The plan renders the top-level composition; the preview draws it as the main frame, the
    precomp's content through the precomp layer's matrix, without the precomp's background."""
    red = png(tmp_path / "r.png", (10, 10), (*RED, 255))
    inner = composition([image_layer(1, "a", (0, 0, 50, 50)), image_layer(2, "b", (60, 0, 110, 50))],
                        name="Inner", bg=(0, 1, 0))
    precomp = TemplateLayer(index=1, name="Inner", type="precomp", source=Footage(id=1, name="Inner", kind="composition"),
                            matrix=(1.0, 0.0, 0.0, 1.0, 20.0, 10.0))
    outer = composition([precomp], name="Outer", bg=(0, 0, 1), size=(200, 100))
    matches = [match(1, PHOTO.id, fit="stretch", comp="Inner"), match(2, PHOTO.id, fit="stretch", comp="Inner")]
    result = render(tmp_path, [inner, outer], psd_layers=[PHOTO], matches=matches, images={PHOTO.id: red})
    assert result.main_composition == "Outer"  # top-level: Inner is nested in it
    assert {f.composition for f in result.files if f.role == "preview"} == {"Inner", "Outer"}
    frame = pixels(result, "Outer")
    assert at(frame, 45, 35) == RED and at(frame, 105, 35) == RED  # Inner's images, moved by (20, 10)
    assert at(frame, 75, 35) == BLUE and at(frame, 10, 5) == BLUE  # Inner's background does not show
    assert at(pixels(result, "Inner"), 55, 25) == GREEN  # Inner's own preview has it
    assert result.composition_metrics("Outer")["coverage"] == pytest.approx(2 * 50 * 50 / (200 * 100), abs=1e-3)
    with Image.open(result.file("thumbnail")) as thumb:
        assert thumb.size == (200, 100) and thumb.convert("RGB").getpixel((45, 35)) == RED


def test_unmatched_placeholder_is_outlined(tmp_path):
    box = (100, 50, 300, 250)
    comp = composition([image_layer(1, "logo", box), image_layer(2, "credit", (20, 260, 380, 290))])
    red = png(tmp_path / "r.png", (10, 10), (*RED, 255))
    result = render(tmp_path, [comp], matches=[match(1, None), match(2, 9)],
                    psd_layers=[PsdLayer(id=9, name="c", kind="pixel")], images={9: red})
    frame = pixels(result)
    outline = np.all(frame == UNMATCHED_COLOUR, axis=2)
    assert outline[box[3] - 2, box[0]: box[2]].mean() > 0.5 and outline[box[1]: box[3], box[2] - 2].mean() > 0.5
    assert at(frame, 200, 150) == BLACK  # the box itself is not filled
    assert not outline[:, : box[0]].any() and not outline[box[3]:, :].any()
    assert outline[box[1]: box[1] + 16, box[0]: box[0] + 60].mean() > 0.6  # the label
    assert result.composition_metrics("Main")["unmatched"] == [
        {"index": 1, "name": "logo", "type": "footage", "box": list(box), "box_source": "template", "drawn": True}
    ]


def test_unmatched_box_defaults_to_source_size_centred_then_whole_composition(tmp_path):
    centred = TemplateLayer(index=1, name="centred", type="footage", placeholder=True,
                            source=Footage(id=3, name="old.png", width=100, height=60))
    whole = TemplateLayer(index=2, name="whole", type="footage", placeholder=True)
    red = png(tmp_path / "r.png", (10, 10), (*RED, 255))
    comp = composition([centred, whole, image_layer(3, "photo", (0, 0, 10, 10))])
    result = render(tmp_path, [comp], psd_layers=[PHOTO], matches=[match(3, PHOTO.id)], images={PHOTO.id: red})
    unmatched = {u["name"]: u for u in result.composition_metrics("Main")["unmatched"]}
    assert unmatched["centred"]["box"] == [150, 120, 250, 180] and unmatched["centred"]["box_source"] == "source"
    assert unmatched["whole"]["box"] == [0, 0, 400, 300] and unmatched["whole"]["box_source"] == "composition"


def test_solids_paint_bottom_up_and_skip_hidden_layers(tmp_path):
    red = png(tmp_path / "r.png", (10, 10), (*RED, 255))
    layers = [
        solid_layer(1, "disabled", (0, 0, 400, 300), (1, 1, 1), enabled=False),
        solid_layer(2, "later", (0, 0, 400, 300), (1, 1, 1), in_point=5.0, out_point=9.0),
        solid_layer(3, "green", (100, 100, 300, 300), (0, 1, 0)),
        solid_layer(4, "red", (0, 0, 200, 200), (1, 0, 0)),
        image_layer(5, "photo", (380, 0, 400, 20)),
    ]
    comp = composition(layers, bg=(0, 0, 1), duration=6.0)  # frame at 2 s
    result = render(tmp_path, [comp], psd_layers=[PHOTO], matches=[match(5, PHOTO.id)], images={PHOTO.id: red})
    frame = pixels(result)
    assert at(frame, 150, 150) == GREEN  # index 3 over index 4
    assert at(frame, 50, 50) == RED and at(frame, 250, 250) == GREEN
    assert at(frame, 350, 50) == BLUE  # composition colour
    assert result.composition_metrics("Main")["time"] == 2.0


def test_explicit_time_selects_layers_active_then(tmp_path):
    red = png(tmp_path / "r.png", (10, 10), (*RED, 255))
    comp = composition([image_layer(1, "photo", (0, 0, 100, 100), in_point=0.0, out_point=2.0)], duration=9.0)
    args = dict(psd_layers=[PHOTO], matches=[match(1, PHOTO.id, fit="stretch")], images={PHOTO.id: red})
    late = render(tmp_path / "late", [comp], **args)  # default frame at 3 s
    assert at(pixels(late), 50, 50) == BLACK
    assert "not_in_frame" in codes(late)
    assert late.composition_metrics("Main")["images"][0]["scale"] == 10.0  # still measured
    early = render(tmp_path / "early", [comp], time=1.0, **args)
    assert at(pixels(early), 50, 50) == RED


def test_other_layers_neutral_box_or_trusted_footage(tmp_path):
    red = png(tmp_path / "r.png", (10, 10), (*RED, 255))
    (tmp_path / "footage").mkdir()
    green = png(tmp_path / "footage" / "g.png", (10, 10), (*GREEN, 255))
    layers = [
        image_layer(1, "photo", (0, 0, 10, 10)),
        TemplateLayer(index=2, name="deco", type="footage", bbox=(100, 100, 200, 200), placeholder=False,
                      source=Footage(id=4, name="g.png", path=str(green), width=10, height=10, missing=False)),
        TemplateLayer(index=3, name="nested", type="precomp", bbox=(250, 100, 350, 200), placeholder=False),
    ]
    comp = composition(layers)
    args = dict(psd_layers=[PsdLayer(id=1, name="p", kind="pixel")], matches=[match(1, 1)], images={1: red})
    untrusted = pixels(render(tmp_path / "a", [comp], **args))
    assert at(untrusted, 150, 150) != GREEN and at(untrusted, 150, 150) != BLACK  # neutral box
    assert at(untrusted, 300, 150) == at(untrusted, 150, 150)
    trusted = pixels(render(tmp_path / "b", [comp], footage_roots=[tmp_path / "footage"], **args))
    assert at(trusted, 150, 150) == GREEN
    assert at(trusted, 300, 150) == at(untrusted, 300, 150)


# --------------------------------------------------------------------------------------------
# Files, comparison, determinism


def test_comparison_has_the_design_and_the_preview_side_by_side(tmp_path):
    flattened = png(tmp_path / "flat.png", (400, 300), (*BLUE, 255))
    red = png(tmp_path / "r.png", (10, 10), (*RED, 255))
    comp = composition([image_layer(1, "photo", (0, 0, 10, 10))], size=(800, 400), bg=(1, 1, 0))
    result = render(tmp_path, [comp], psd_layers=[PsdLayer(id=1, name="p", kind="pixel")], matches=[match(1, 1)],
                    images={1: red}, flattened=flattened)
    with Image.open(result.file("comparison")) as image:
        sheet = np.asarray(image.convert("RGB"))
    height, width = sheet.shape[:2]
    # both halves scaled to 400 px high: design 533 wide, preview 800 wide, plus margins
    assert width == 16 + 533 + 16 + 800 + 16 and height == 32 + 400 + 16
    assert at(sheet, 16 + 266, 32 + 200) == BLUE
    assert at(sheet, 16 + 533 + 16 + 400, 32 + 200) == YELLOW
    labels = sheet[:32]
    assert (labels[:, :540] == 255).all(axis=2).any() and (labels[:, 570:] == 255).all(axis=2).any()
    with Image.open(result.file("thumbnail")) as thumb:
        assert thumb.size == (256, 128)
    assert {f.role for f in result.files} == {"preview", "comparison", "thumbnail"}


def test_missing_flattened_design_still_writes_the_comparison(tmp_path):
    result = red_image_case(tmp_path, (10, 10), "fit")
    assert result.file("comparison").is_file()
    assert any(w.code == "missing_image" and w.layer is None for w in result.warnings)


def test_files_are_named_by_slug_and_are_deterministic(tmp_path):
    red = png(tmp_path / "r.png", (30, 20), (*RED, 255))
    comps = [
        composition([image_layer(1, "p", (0, 0, 50, 50))], name="Split Screen"),
        composition([image_layer(1, "p", (0, 0, 50, 50))], name="split-screen"),
        composition([image_layer(1, "p", (0, 0, 50, 50))], name="Unused"),
    ]
    matches = [match(1, 1, comp="Split Screen"), match(1, 1, comp="split-screen"), match(1, None, comp="Unused")]
    args = dict(psd_layers=[PsdLayer(id=1, name="p", kind="pixel")], matches=matches, images={1: red})
    first = render(tmp_path / "one", comps, **args)
    second = render(tmp_path / "two", comps, **args)
    names = sorted(f.path.name for f in first.files)
    assert names == ["comparison.png", "preview-split-screen-2.png", "preview-split-screen.png", "preview-thumb.png"]
    for a, b in zip(first.files, second.files):
        assert a.path.name == b.path.name and a.path.read_bytes() == b.path.read_bytes()
    assert first.metrics == second.metrics
    assert json.loads(json.dumps(first.metrics)) == first.metrics
    assert json.dumps(first.to_dict())
    assert first.main_composition == "Split Screen"


@pytest.mark.parametrize("threads", [2, 3])
def test_threaded_render_is_the_same_as_inline(tmp_path, threads):
    """threads=1 runs every decode and encode inline; more threads overlap them with the
    painting. Same files byte for byte, same metrics and warnings (an unreadable and a missing
    image included: their errors travel through the futures either way)."""
    flattened = png(tmp_path / "flat.png", (400, 300), (*BLUE, 255))
    red = png(tmp_path / "r.png", (30, 20), (*RED, 255))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    comps = [
        composition([image_layer(1, "a", (0, 0, 50, 50)), image_layer(2, "b", (60, 0, 110, 50)),
                     footage_layer(3, "c", (50, 50), (145, 25), rotation=30.0)], name="Main"),
        composition([image_layer(1, "a", (10, 10, 90, 90))], name="Second", size=(200, 100)),
    ]
    layers = [PsdLayer(id=i, name=f"p{i}", kind="pixel") for i in (1, 2, 3)]
    matches = [match(1, 1), match(2, 2), match(3, 3), match(1, 1, comp="Second")]
    args = dict(psd_layers=layers, matches=matches, images={1: red, 2: broken, 3: tmp_path / "gone.png"},
                sizes={1: (30, 20), 2: (10, 10), 3: (30, 20)}, flattened=flattened)
    inline = render(tmp_path / "inline", comps, threads=1, **args)
    threaded = render(tmp_path / "threaded", comps, threads=threads, **args)
    assert [f.path.name for f in inline.files] == [f.path.name for f in threaded.files]
    for a, b in zip(inline.files, threaded.files):
        assert a.path.read_bytes() == b.path.read_bytes(), a.path.name
    assert inline.metrics == threaded.metrics
    assert inline.warnings == threaded.warnings
    assert {"image_unreadable", "missing_image"} <= set(codes(inline))


def test_no_matched_placeholder_writes_nothing(tmp_path):
    comp = composition([image_layer(1, "p", (0, 0, 50, 50))])
    result = render(tmp_path, [comp], matches=[match(1, None)])
    assert result.files == () and codes(result) == ["nothing_to_preview"]
    assert result.metrics == {"main_composition": None, "compositions": []}
