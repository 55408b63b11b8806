"""Tests of jobs.formats.preview: real pixels of rendered frames, exact metrics, warnings.

Descriptions and images are built in tmp_path; colours are sampled from the written PNGs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from jobs.formats.descriptions import (
    Composition,
    Footage,
    Match,
    PsdDocument,
    PsdLayer,
    TemplateDocument,
    TemplateLayer,
)
from jobs.formats.limits import Limits
from jobs.formats.preview import (
    LINE_SPACING,
    MISSING_COLOUR,
    UNMATCHED_COLOUR,
    PreviewThresholds,
    fit_text,
    placement,
    render_previews,
)

BLACK = (0, 0, 0)
RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
YELLOW = (255, 255, 0)
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.fixture(autouse=True)
def _restore_pillow_limit(monkeypatch):
    """render_previews() sets Pillow's global pixel limit; put it back after each test."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)


# --------------------------------------------------------------------------------------------
# Builders


def png(path: Path, size: tuple[int, int], colour, mode: str = "RGBA") -> Path:
    Image.new(mode, size, colour).save(path)
    return path


def bundled_font_file(tmp_path: Path) -> Path:
    """Pillow's bundled fallback font (Aileron) written as a .ttf: a font file every machine
    with Pillow + FreeType has."""
    path = tmp_path / "Aileron-Regular.ttf"
    path.write_bytes(ImageFont.load_default(size=12).font_bytes)
    return path


def image_layer(index: int, name: str, bbox, **extra) -> TemplateLayer:
    return TemplateLayer(index=index, name=name, type="footage", bbox=bbox, placeholder=True, **extra)


def text_layer(index: int, name: str, bbox, font_size: float = 40.0, **extra) -> TemplateLayer:
    return TemplateLayer(
        index=index, name=name, type="text", bbox=bbox, placeholder=True, font_size=font_size, **extra
    )


def solid_layer(index: int, name: str, bbox, colour, **extra) -> TemplateLayer:
    source = Footage(id=None, name=name, kind="solid", color=colour)
    return TemplateLayer(
        index=index, name=name, type="solid", bbox=bbox, source=source, placeholder=False, **extra
    )


def composition(layers, size=(400, 300), bg=(0.0, 0.0, 0.0), name="Main", duration=0.0) -> Composition:
    return Composition(
        id=1, name=name, width=size[0], height=size[1], layers=tuple(layers), bg_color=bg, duration=duration
    )


def match(index: int, psd_id: int | None, kind: str = "footage", fit: str = "fit", comp: str = "Main"):
    psd_name = None if psd_id is None else f"psd{psd_id}"
    return Match(comp, index, f"layer{index}", psd_id, psd_name, 0.9, "test", kind, fit)


PHOTO = PsdLayer(id=7, name="photo", kind="pixel")


def one_image(tmp_path: Path, comp: Composition, path: Path | None, **kwargs):
    """Render ``comp`` whose layer 1 is matched to the PSD layer PHOTO exported as ``path``."""
    images = {} if path is None else {PHOTO.id: path}
    return render(tmp_path, [comp], psd_layers=[PHOTO], matches=[match(1, PHOTO.id)], images=images, **kwargs)


def render(tmp_path: Path, comps, psd_layers=(), matches=(), images=None, psd_size=(400, 300), **kwargs):
    template = TemplateDocument(source="t.aepx", compositions=tuple(comps))
    psd = PsdDocument(source="d.psd", width=psd_size[0], height=psd_size[1], layers=tuple(psd_layers))
    kwargs.setdefault("flattened", None)
    return render_previews(
        template=template,
        psd=psd,
        matches=list(matches),
        layer_images=images or {},
        out_dir=tmp_path / "out",
        **kwargs,
    )


def pixels(result, composition: str = "Main") -> np.ndarray:
    with Image.open(result.file("preview", composition)) as image:
        return np.asarray(image.convert("RGB"))


def at(array: np.ndarray, x: int, y: int) -> tuple[int, int, int]:
    return tuple(int(v) for v in array[y, x])


def codes(result) -> list[str]:
    return [w.code for w in result.warnings]


def red_image_case(tmp_path: Path, image_size, fit: str, box=(100, 50, 300, 250), **kwargs):
    image = png(tmp_path / "red.png", image_size, (*RED, 255))
    comp = composition([image_layer(1, "photo", box)])
    return render(
        tmp_path,
        [comp],
        psd_layers=[PsdLayer(id=7, name="photo", kind="pixel", bbox=(0, 0, *image_size))],
        matches=[match(1, 7, fit=fit)],
        images={7: image},
        **kwargs,
    )


# --------------------------------------------------------------------------------------------
# Image placement


def test_fit_places_image_inside_box_keeping_its_aspect(tmp_path):
    result = red_image_case(tmp_path, (100, 50), "fit")
    frame = pixels(result)
    # 100x50 contained in 200x200 -> 200x100, centred vertically: rows 100..199
    assert at(frame, 200, 150) == RED
    assert at(frame, 101, 100) == RED and at(frame, 298, 199) == RED
    assert at(frame, 200, 80) == BLACK  # inside the box, above the letterboxed image
    assert at(frame, 200, 220) == BLACK  # below it
    assert at(frame, 50, 150) == BLACK and at(frame, 350, 150) == BLACK  # outside the box
    red = np.all(frame == RED, axis=2)
    ys, xs = np.nonzero(red)
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (100, 100, 300, 200)
    image = result.composition_metrics("Main")["images"][0]
    assert image["placed"] == [100, 100, 300, 200]
    assert image["scale"] == 2.0 and image["upscaled"] is True


def test_fill_covers_the_box_and_crops_centred(tmp_path):
    source = Image.new("RGBA", (100, 50), (*RED, 255))
    source.paste((*BLUE, 255), (50, 0, 100, 50))  # left half red, right half blue
    path = tmp_path / "halves.png"
    source.save(path)
    comp = composition([image_layer(1, "photo", (100, 50, 300, 250))])
    result = render(
        tmp_path,
        [comp],
        psd_layers=[PsdLayer(id=7, name="photo", kind="pixel")],
        matches=[match(1, 7, fit="fill")],
        images={7: path},
    )
    frame = pixels(result)
    box = frame[50:250, 100:300]
    assert np.all(box.sum(axis=2) > 0), "fill leaves no background inside the box"
    assert at(frame, 102, 52) == RED and at(frame, 297, 247) == BLUE  # centred crop of both halves
    assert at(frame, 150, 150) == RED and at(frame, 250, 150) == BLUE
    assert at(frame, 99, 150) == BLACK and at(frame, 300, 150) == BLACK  # cropped to the box
    assert at(frame, 200, 49) == BLACK and at(frame, 200, 250) == BLACK
    image = result.composition_metrics("Main")["images"][0]
    assert image["scale"] == 4.0  # 50 px high into 200 px
    assert image["placed"] == [0, 50, 400, 250]


def test_stretch_fills_the_box_exactly(tmp_path):
    result = red_image_case(tmp_path, (100, 50), "stretch")
    frame = pixels(result)
    assert np.all(frame[50:250, 100:300] == RED)
    outside = np.ones(frame.shape[:2], bool)
    outside[50:250, 100:300] = False
    assert np.all(frame[outside] == BLACK)
    image = result.composition_metrics("Main")["images"][0]
    assert (image["scale_x"], image["scale_y"], image["scale"]) == (2.0, 4.0, 4.0)


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


def test_box_defaults_to_source_size_centred_then_whole_composition(tmp_path):
    red = png(tmp_path / "red.png", (50, 50), (*RED, 255))
    blue = png(tmp_path / "blue.png", (50, 50), (*BLUE, 255))
    source = Footage(id=3, name="old.png", width=100, height=60)
    comp = composition(
        [image_layer(1, "centred", None, source=source), image_layer(2, "whole", None)], size=(400, 300)
    )
    result = render(
        tmp_path,
        [comp],
        psd_layers=[PsdLayer(id=1, name="a", kind="pixel"), PsdLayer(id=2, name="b", kind="pixel")],
        matches=[match(1, 1, fit="stretch"), match(2, 2, fit="stretch")],
        images={1: red, 2: blue},
    )
    frame = pixels(result)
    images = {i["name"]: i for i in result.composition_metrics("Main")["images"]}
    assert images["centred"]["box"] == [150, 120, 250, 180] and images["centred"]["box_source"] == "source"
    assert images["whole"]["box"] == [0, 0, 400, 300] and images["whole"]["box_source"] == "composition"
    assert at(frame, 200, 150) == RED  # on top of the full-composition blue
    assert at(frame, 10, 10) == BLUE and at(frame, 149, 150) == BLUE


def test_partly_offscreen_box_is_clipped_to_the_composition(tmp_path):
    result = red_image_case(tmp_path, (100, 100), "stretch", box=(-100, -100, 100, 100))
    frame = pixels(result)
    assert np.all(frame[0:100, 0:100] == RED)
    assert at(frame, 100, 50) == BLACK and at(frame, 50, 100) == BLACK
    assert result.composition_metrics("Main")["coverage"] == pytest.approx(100 * 100 / (400 * 300), abs=1e-4)


def test_coverage_counts_opaque_pixels_of_placed_images(tmp_path):
    result = red_image_case(tmp_path, (100, 50), "fit")
    # the 200x100 placed image of a 400x300 composition
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


# --------------------------------------------------------------------------------------------
# Missing and hostile images


def test_missing_image_becomes_a_warning_and_an_orange_outline(tmp_path):
    comp = composition([image_layer(1, "photo", (100, 50, 300, 250))])
    result = one_image(tmp_path, comp, None)
    assert "missing_image" in codes(result)
    frame = pixels(result)
    assert at(frame, 101, 150) == MISSING_COLOUR  # left edge of the box, on a dash
    assert result.composition_metrics("Main")["images"][0]["drawn"] is False


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
    result = one_image(tmp_path, comp, bad)
    assert "image_unreadable" in codes(result)


def test_image_over_the_pixel_limit_is_refused(tmp_path):
    big = png(tmp_path / "big.png", (100, 100), (*RED, 255))
    comp = composition([image_layer(1, "photo", (0, 0, 50, 50))], size=(50, 50))
    result = render(
        tmp_path,
        [comp],
        psd_layers=[PsdLayer(id=7, name="photo", kind="pixel")],
        matches=[match(1, 7)],
        images={7: big},
        limits=Limits(max_pixels=6000),  # 10 000 px: above the limit, below twice it
    )
    assert "image_unreadable" in codes(result)
    assert at(pixels(result), 25, 25) != RED


# --------------------------------------------------------------------------------------------
# Text


def text_case(tmp_path, text, box, font_size=40.0, font="Design-Font", **kwargs):
    comp = composition([text_layer(1, "title", box, font_size=font_size)])
    return render(
        tmp_path,
        [comp],
        psd_layers=[PsdLayer(id=3, name="TITLE", kind="type", text=text, font=font)],
        matches=[match(1, 3, kind="text")],
        **kwargs,
    )


def test_text_is_drawn_inside_its_box(tmp_path):
    box = (50, 100, 350, 160)
    result = text_case(tmp_path, "HELLO", box)
    frame = pixels(result)
    ink = frame.sum(axis=2) > 0
    assert ink[box[1] : box[3], box[0] : box[2]].sum() > 200
    outside = ink.copy()
    outside[box[1] - 2 : box[3] + 2, box[0] - 2 : box[2] + 2] = False
    assert not outside.any()
    text = result.composition_metrics("Main")["texts"][0]
    assert text["text"] == "HELLO" and text["fits"] is True and text["drawn"] is True
    assert text["psd_layer_id"] == 3 and text["box_source"] == "template"


def test_text_colour_contrasts_with_what_is_under_it(tmp_path):
    result = text_case(tmp_path, "HELLO", (50, 100, 350, 160), font_size=40.0)
    frame = pixels(result)
    assert (frame[100:160, 50:350] == 255).all(axis=2).any()  # white on black
    light = composition([text_layer(1, "title", (50, 100, 350, 160))], bg=(1.0, 1.0, 1.0))
    result = render(
        tmp_path,
        [light],
        psd_layers=[PsdLayer(id=3, name="TITLE", kind="type", text="HELLO")],
        matches=[match(1, 3, kind="text")],
    )
    frame = pixels(result)
    assert (frame[100:160, 50:350] == 0).all(axis=2).any()  # black on white


def test_long_text_in_a_small_box_overflows_with_exact_ratio(tmp_path):
    text = "A very long headline that cannot fit"
    box = (20, 20, 120, 50)  # 100 x 30
    result = text_case(tmp_path, text, box, font_size=24.0)
    font = ImageFont.load_default(size=24.0)
    left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).multiline_textbbox(
        (0, 0), text, font=font, spacing=24.0 * LINE_SPACING
    )
    expected = max((right - left) / 100, (bottom - top) / 30)
    metrics = result.composition_metrics("Main")["texts"][0]
    assert expected > 3
    assert metrics["text_size"] == [math.ceil(right - left), math.ceil(bottom - top)]
    assert metrics["overflow_ratio"] == pytest.approx(expected, abs=1e-4)
    assert metrics["fits"] is False and metrics["fits_wrapped"] is False
    assert metrics["drawn_font_size"] < 24.0 and metrics["shrink"] < 1
    overflow = [w for w in result.warnings if w.code == "text_overflow"]
    assert len(overflow) == 1 and overflow[0].layer == "title"


def test_text_that_fits_does_not_warn_and_threshold_is_configurable(tmp_path):
    assert "text_overflow" not in codes(text_case(tmp_path, "OK", (0, 0, 300, 100), font_size=30.0))
    result = text_case(
        tmp_path,
        "A very long headline that cannot fit",
        (20, 20, 120, 50),
        font_size=24.0,
        thresholds=PreviewThresholds(max_text_overflow=100.0),
    )
    assert "text_overflow" not in codes(result)


def test_fit_text_wraps_before_shrinking():
    font_at = lambda size: ImageFont.load_default(size=size)  # noqa: E731
    fitted = fit_text("one two three four", (120, 200), 24.0, font_at)
    assert fitted.fits is False and fitted.fits_wrapped is True
    assert fitted.size == 24.0 and len(fitted.lines) > 1 and fitted.fits_drawn
    shrunk = fit_text("one two three four", (120, 40), 24.0, font_at)
    assert shrunk.fits_wrapped is False and shrunk.fits_drawn and shrunk.size < 24.0
    # the largest quarter-pixel size that fits: a quarter more does not
    bigger = fit_text("one two three four", (120, 40), shrunk.size + 0.25, font_at, min_shrink=1.0)
    assert bigger.fits_drawn is False


def test_text_box_from_the_psd_layer_when_the_template_has_none(tmp_path):
    comp = composition([text_layer(1, "title", None, font_size=None)], size=(400, 300))
    result = render(
        tmp_path,
        [comp],
        psd_layers=[
            PsdLayer(id=3, name="T", kind="type", text="Hi", font_size=40.0, bbox=(100, 100, 300, 200))
        ],
        matches=[match(1, 3, kind="text")],
        psd_size=(800, 600),
    )
    text = result.composition_metrics("Main")["texts"][0]
    assert text["box"] == [50, 50, 150, 100] and text["box_source"] == "psd"
    assert text["font_size"] == 20.0 and text["font_size_source"] == "psd"
    frame = pixels(result)
    ink = frame.sum(axis=2) > 0
    assert ink[50:100, 50:150].any() and not ink[:, 160:].any()


def test_photoshop_line_breaks_and_all_caps(tmp_path):
    comp = composition([text_layer(1, "names", (10, 10, 390, 290), font_size=30.0, all_caps=True)])
    result = render(
        tmp_path,
        [comp],
        psd_layers=[PsdLayer(id=3, name="T", kind="type", text="ben\rforman")],
        matches=[match(1, 3, kind="text")],
    )
    text = result.composition_metrics("Main")["texts"][0]
    assert text["text"] == "BEN\nFORMAN" and text["lines"] == 2


# --------------------------------------------------------------------------------------------
# Fonts


def test_fallback_font_warns_when_no_font_file_is_configured(tmp_path):
    result = text_case(tmp_path, "HELLO", (50, 100, 350, 160), font="Futura-Medium")
    fallback = [w for w in result.warnings if w.code == "font_fallback"]
    assert len(fallback) == 1 and "Futura-Medium" in fallback[0].message and fallback[0].layer == "title"
    text = result.composition_metrics("Main")["texts"][0]
    assert text["fallback_font"] is True and text["font_file"] is None


def test_configured_font_file_is_used_without_warning(tmp_path):
    font = bundled_font_file(tmp_path)
    box = (50, 100, 350, 160)
    result = text_case(tmp_path, "HELLO", box, font="Futura-Medium", font_files={"Futura-Medium": font})
    assert "font_fallback" not in codes(result)
    text = result.composition_metrics("Main")["texts"][0]
    assert text["fallback_font"] is False and text["font_file"] == str(font)


def test_template_font_is_used_when_the_psd_layer_names_none(tmp_path):
    font = bundled_font_file(tmp_path)
    comp = composition([text_layer(1, "title", (50, 100, 350, 160), font="Arial-BoldMT")])
    result = render(
        tmp_path,
        [comp],
        psd_layers=[PsdLayer(id=3, name="T", kind="type", text="HELLO", font=None)],
        matches=[match(1, 3, kind="text")],
        font_files={"Arial-BoldMT": font},
    )
    assert "font_fallback" not in codes(result)
    assert result.composition_metrics("Main")["texts"][0]["font"] == "Arial-BoldMT"


def test_unreadable_font_file_falls_back_with_a_warning(tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    result = text_case(tmp_path, "HELLO", (50, 100, 350, 160), font="X", font_files={"X": broken})
    fallback = [w for w in result.warnings if w.code == "font_fallback"]
    assert len(fallback) == 1 and "cannot be read" in fallback[0].message
    assert pixels(result).sum() > 0  # still drawn, with the fallback


@pytest.mark.skipif(not DEJAVU.is_file(), reason=f"{DEJAVU} is not installed (fonts-dejavu-core)")
def test_configured_font_changes_the_rendering(tmp_path):
    box = (20, 100, 380, 180)
    fallback = pixels(text_case(tmp_path / "a", "Quick Brown Fox", box))
    configured = pixels(
        text_case(tmp_path / "b", "Quick Brown Fox", box, font_files={"Design-Font": DEJAVU})
    )
    assert not np.array_equal(fallback, configured)


def test_characters_missing_from_the_fallback_font_are_reported(tmp_path):
    result = text_case(tmp_path, "Müller €", (10, 10, 390, 100))
    missing = [w for w in result.warnings if w.code == "missing_glyphs"]
    assert len(missing) == 1 and "ü" in missing[0].message and "€" in missing[0].message
    assert "missing_glyphs" not in codes(text_case(tmp_path, "Muller", (10, 10, 390, 100)))


# --------------------------------------------------------------------------------------------
# Unmatched placeholders, layer order, time


def test_unmatched_placeholder_is_outlined(tmp_path):
    box = (100, 50, 300, 250)
    comp = composition([image_layer(1, "logo", box), text_layer(2, "credit", (20, 260, 380, 290))])
    result = render(tmp_path, [comp], matches=[match(1, None), match(2, 9, kind="text")],
                    psd_layers=[PsdLayer(id=9, name="c", kind="type", text="Credit")])
    frame = pixels(result)
    outline = np.all(frame == UNMATCHED_COLOUR, axis=2)
    bottom_edge = outline[box[3] - 2, box[0] : box[2]]
    right_edge = outline[box[1] : box[3], box[2] - 2]
    assert bottom_edge.mean() > 0.5 and right_edge.mean() > 0.5  # dashed: mostly drawn
    assert at(frame, 200, 150) == BLACK  # the box itself is not filled
    assert not outline[:, : box[0]].any() and not outline[box[3] :, :].any()
    label = outline[box[1] : box[1] + 16, box[0] : box[0] + 60]
    assert label.mean() > 0.6  # the label: magenta background behind white text
    unmatched = result.composition_metrics("Main")["unmatched"]
    assert unmatched == [
        {
            "index": 1,
            "name": "logo",
            "type": "footage",
            "box": list(box),
            "box_source": "template",
            "drawn": True,
        }
    ]


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
    images = {PHOTO.id: red}
    result = render(tmp_path, [comp], psd_layers=[PHOTO], matches=[match(5, PHOTO.id)], images=images)
    frame = pixels(result)
    assert at(frame, 150, 150) == GREEN  # index 3 over index 4
    assert at(frame, 50, 50) == RED
    assert at(frame, 250, 250) == GREEN
    assert at(frame, 350, 50) == BLUE  # composition colour
    assert result.composition_metrics("Main")["time"] == 2.0


def test_explicit_time_selects_layers_active_then(tmp_path):
    red = png(tmp_path / "r.png", (10, 10), (*RED, 255))
    comp = composition(
        [image_layer(1, "photo", (0, 0, 100, 100), in_point=0.0, out_point=2.0)], duration=9.0
    )
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
        TemplateLayer(
            index=2,
            name="deco",
            type="footage",
            bbox=(100, 100, 200, 200),
            placeholder=False,
            source=Footage(id=4, name="g.png", path=str(green), width=10, height=10, missing=False),
        ),
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


def test_hostile_geometry_is_clipped_not_allocated(tmp_path):
    huge = (-10**9, -10**9, 10**9, 10**9)
    red = png(tmp_path / "r.png", (10, 10), (*RED, 255))
    layers = [
        text_layer(1, "title", huge, font_size=float("inf")),
        image_layer(2, "unmatched", huge),
        image_layer(3, "photo", huge),
        TemplateLayer(index=4, name="nested", type="precomp", bbox=huge, placeholder=False),
        solid_layer(5, "inverted", (300, 300, 10, 10), (1, 0, 0)),
    ]
    result = render(
        tmp_path,
        [composition(layers)],
        psd_layers=[PsdLayer(id=1, name="p", kind="pixel"), PsdLayer(id=2, name="t", kind="type", text="Hi")],
        matches=[match(1, 2, kind="text"), match(2, None), match(3, 1, fit="fill")],
        images={1: red},
    )
    metrics = result.composition_metrics("Main")
    assert metrics["images"][0]["drawn"] is True and metrics["coverage"] == 1.0
    assert metrics["texts"][0]["font_size_source"] == "box"  # an infinite size is ignored
    assert at(pixels(result), 200, 150) == RED


# --------------------------------------------------------------------------------------------
# Files, comparison, determinism


def test_comparison_has_the_design_and_the_preview_side_by_side(tmp_path):
    flattened = png(tmp_path / "flat.png", (400, 300), (*BLUE, 255))
    red = png(tmp_path / "r.png", (10, 10), (*RED, 255))
    comp = composition([image_layer(1, "photo", (0, 0, 10, 10))], size=(800, 400), bg=(1, 1, 0))
    result = render(
        tmp_path,
        [comp],
        psd_layers=[PsdLayer(id=1, name="p", kind="pixel")],
        matches=[match(1, 1)],
        images={1: red},
        flattened=flattened,
    )
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
    matches = [
        match(1, 1, comp="Split Screen"),
        match(1, 1, comp="split-screen"),
        match(1, None, comp="Unused"),
    ]
    args = dict(psd_layers=[PsdLayer(id=1, name="p", kind="pixel")], matches=matches, images={1: red})
    first = render(tmp_path / "one", comps, **args)
    second = render(tmp_path / "two", comps, **args)
    names = sorted(f.path.name for f in first.files)
    assert names == [
        "comparison.png",
        "preview-split-screen-2.png",
        "preview-split-screen.png",
        "preview-thumb.png",
    ]
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
                     image_layer(3, "c", (120, 0, 170, 50))], name="Main"),
        composition([image_layer(1, "a", (10, 10, 90, 90))], name="Second", size=(200, 100)),
    ]
    layers = [PsdLayer(id=i, name=f"p{i}", kind="pixel") for i in (1, 2, 3)]
    matches = [match(1, 1), match(2, 2), match(3, 3), match(1, 1, comp="Second")]
    args = dict(psd_layers=layers, matches=matches, images={1: red, 2: broken, 3: tmp_path / "gone.png"},
                flattened=flattened)
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


def test_placement_geometry():
    assert placement((100, 50), (0, 0, 200, 200), "fit") == ((0, 50, 200, 150), 2.0, 2.0)
    assert placement((100, 50), (0, 0, 200, 200), "fill") == ((-100, 0, 300, 200), 4.0, 4.0)
    assert placement((100, 50), (0, 0, 200, 200), "stretch") == ((0, 0, 200, 200), 2.0, 4.0)
