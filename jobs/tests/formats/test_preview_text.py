"""Tests of the preview's text: the render plan's text in the template's font, from its box or
origin, by its justification, never shrunk; overflow, fallback fonts and unknown positions
marked. Real pixels of rendered frames."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageFont

from jobs.formats.descriptions import PsdLayer
from jobs.formats.preview import (
    AUTO_LEADING,
    FONT_COLOUR,
    OVERFLOW_COLOUR,
    UNKNOWN_COLOUR,
    PreviewThresholds,
    layout_text,
)

from .preview_cases import (
    DEJAVU,
    at,
    bundled_font_file,
    codes,
    composition,
    match,
    pixels,
    point_text_layer,
    render,
    text_case,
    text_layer,
)


@pytest.fixture(autouse=True)
def _restore_pillow_limit(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)


def ink(frame: np.ndarray, threshold: int = 0) -> np.ndarray:
    return frame.sum(axis=2) > threshold


def ink_bounds(mask: np.ndarray):
    ys, xs = np.nonzero(mask)
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1) if len(xs) else None


def configured(tmp_path) -> dict:
    """A file for the template's font "Design-Font": no fallback, no "font?" badge."""
    return {"font_files": {"Design-Font": bundled_font_file(tmp_path)}}


def test_text_is_drawn_inside_its_box_from_the_top(tmp_path):
    box = (50, 100, 350, 160)
    result = text_case(tmp_path, "HELLO", box, **configured(tmp_path))
    mask = ink(pixels(result))
    assert mask[box[1]: box[3], box[0]: box[2]].sum() > 200
    outside = mask.copy()
    outside[box[1] - 2: box[3] + 2, box[0] - 2: box[2] + 2] = False
    assert not outside.any()
    left, top, _, bottom = ink_bounds(mask)
    assert 0 <= left - box[0] <= 5 and 0 <= top - box[1] <= 12 and bottom < box[3]  # left-aligned, from the top
    text = result.composition_metrics("Main")["texts"][0]
    assert text["text"] == "HELLO" and text["fits"] is True and text["drawn"] is True
    assert text["psd_layer_id"] == 3 and text["box"] == list(box) and text["box_source"] == "plan"
    assert text["kind"] == "paragraph" and text["drawn_font_size"] == 40.0


@pytest.mark.parametrize("justification", ["center", "right"])
def test_paragraph_justification(tmp_path, justification):
    box = (50, 100, 350, 160)
    result = text_case(tmp_path, "HELLO", box, justification=justification, **configured(tmp_path))
    left, _, right, _ = ink_bounds(ink(pixels(result)))
    if justification == "center":
        assert abs((left + right) / 2 - 200) <= 3
    else:
        assert abs(right - 350) <= 3


def test_text_size_is_the_templates_times_the_layers_scale(tmp_path):
    layer = text_layer(1, "title", (0, 0, 200, 100), font_size=20.0, matrix=(2.0, 0.0, 0.0, 2.0, 0.0, 0.0))
    result = render(tmp_path, [composition([layer])], psd_layers=[PsdLayer(id=3, name="T", kind="type", text="Hi")],
                    matches=[match(1, 3, kind="text")])
    text = result.composition_metrics("Main")["texts"][0]
    assert text["drawn_font_size"] == 40.0 and text["box"] == [0, 0, 400, 200]


def test_point_text_starts_at_its_origin_and_is_centred_on_it(tmp_path):
    layers = [point_text_layer(1, "left", (40, 100), font_size=30.0),
              point_text_layer(2, "centred", (200, 200), font_size=30.0, justification="center")]
    psd = [PsdLayer(id=3, name="a", kind="type", text="LEFT"), PsdLayer(id=4, name="b", kind="type", text="MIDDLE")]
    result = render(tmp_path, [composition(layers)], psd_layers=psd,
                    matches=[match(1, 3, kind="text"), match(2, 4, kind="text")])
    mask = ink(pixels(result))
    left = ink_bounds(mask[:150])
    assert abs(left[0] - 40) <= 3 and abs(left[3] - 100) <= 2  # from the origin, on its baseline
    centred = ink_bounds(mask[150:])
    assert abs((centred[0] + centred[2]) / 2 - 200) <= 3 and abs(centred[3] + 150 - 200) <= 2
    texts = {t["name"]: t for t in result.composition_metrics("Main")["texts"]}
    assert texts["left"]["kind"] == "point" and texts["left"]["origin"] == [40.0, 100.0]
    assert "text_overflow" not in codes(result)


def test_point_text_running_off_the_composition_is_drawn_and_flagged(tmp_path):
    layer = point_text_layer(1, "title", (300, 150), font_size=40.0)
    result = render(tmp_path, [composition([layer])],
                    psd_layers=[PsdLayer(id=3, name="T", kind="type", text="A LONG LINE OF TEXT")],
                    matches=[match(1, 3, kind="text")])
    frame = pixels(result)
    assert ink(frame)[100:160, 300:399].sum() > 100  # drawn up to the frame's edge, not wrapped
    assert np.all(frame == OVERFLOW_COLOUR, axis=2).any()
    overflow = [w for w in result.warnings if w.code == "text_overflow"]
    assert len(overflow) == 1 and "composition" in overflow[0].message
    assert result.composition_metrics("Main")["texts"][0]["lines"] == 1


def test_text_colour_contrasts_with_what_is_under_it(tmp_path):
    frame = pixels(text_case(tmp_path, "HELLO", (50, 100, 350, 160)))
    assert (frame[100:160, 50:350] == 255).all(axis=2).any()  # white on black
    light = composition([text_layer(1, "title", (50, 100, 350, 160))], bg=(1.0, 1.0, 1.0))
    result = render(tmp_path, [light], psd_layers=[PsdLayer(id=3, name="TITLE", kind="type", text="HELLO")],
                    matches=[match(1, 3, kind="text")])
    assert (pixels(result)[100:160, 50:350] == 0).all(axis=2).any()  # black on white


def test_overflowing_text_is_drawn_unshrunk_beyond_its_box_and_flagged(tmp_path):
    box = (20, 20, 120, 50)  # 100 x 30
    result = text_case(tmp_path, "A very long headline that cannot fit", box, font_size=24.0)
    frame = pixels(result)
    text_ink = np.all(frame == (255, 255, 255), axis=2)
    assert text_ink[60:200, 20:125].any(), "the lines below the box are drawn"
    marker = np.all(frame == OVERFLOW_COLOUR, axis=2)
    assert marker[box[1]: box[3], box[0]: box[0] + 4].any() and marker[box[3] - 4: box[3], 60].any()
    metrics = result.composition_metrics("Main")["texts"][0]
    assert metrics["drawn_font_size"] == 24.0 and "shrink" not in metrics
    assert metrics["lines"] >= 4 and metrics["fits"] is False and metrics["fits_wrapped"] is False
    font = ImageFont.load_default(size=24.0)
    expected = layout_text(metrics["text"], font, justification="left", box=box)
    assert metrics["wrapped_size"] == list(expected.wrapped) and metrics["ink"] == list(expected.ink)
    assert metrics["overflow_ratio"] == pytest.approx((expected.ink[3] - 20) / 30, abs=1e-4)
    overflow = [w for w in result.warnings if w.code == "text_overflow"]
    assert len(overflow) == 1 and overflow[0].layer == "title" and "does not shrink" in overflow[0].message


def test_text_that_fits_does_not_warn_and_threshold_is_configurable(tmp_path):
    assert "text_overflow" not in codes(text_case(tmp_path, "OK", (0, 0, 300, 100), font_size=30.0))
    result = text_case(tmp_path, "A very long headline that cannot fit", (20, 20, 120, 50), font_size=24.0,
                       thresholds=PreviewThresholds(max_text_overflow=100.0))
    assert "text_overflow" not in codes(result)


def test_layout_wraps_and_spaces_lines_by_the_leading():
    font = ImageFont.load_default(size=20.0)
    laid = layout_text("one two three four", font, justification="left", box=(0, 0, 80, 400))
    assert len(laid.lines) > 1 and all(font.getlength(line) <= 80 for line in laid.lines if " " in line)
    steps = {round(b[1] - a[1], 6) for a, b in zip(laid.positions, laid.positions[1:])}
    assert steps == {20.0 * AUTO_LEADING}
    assert layout_text("a\nb", font, justification="left", origin=(0, 0), leading=50.0).positions[1] == (0, 50.0)


def test_text_the_plan_cannot_place_is_marked_not_drawn(tmp_path):
    layer = replace(text_layer(1, "title", (50, 100, 350, 160)), matrix=None, animated_transform=True)
    result = render(tmp_path, [composition([layer])], psd_layers=[PsdLayer(id=3, name="T", kind="type", text="HI")],
                    matches=[match(1, 3, kind="text")])
    frame = pixels(result)
    assert not np.all(frame == (255, 255, 255), axis=2)[125:160, 55:345].any()  # no text (the label aside)
    assert np.all(frame == UNKNOWN_COLOUR, axis=2)[100:160, 50:52].mean() > 0.5
    unknown = [w for w in result.warnings if w.code == "text_position_unknown"]
    assert len(unknown) == 1 and unknown[0].layer == "title"
    assert result.composition_metrics("Main")["texts"][0]["kind"] == "unknown"


def test_photoshop_line_breaks_and_all_caps(tmp_path):
    comp = composition([text_layer(1, "names", (10, 10, 390, 290), font_size=30.0, all_caps=True)])
    result = render(tmp_path, [comp], psd_layers=[PsdLayer(id=3, name="T", kind="type", text="ben\rforman")],
                    matches=[match(1, 3, kind="text")])
    text = result.composition_metrics("Main")["texts"][0]
    assert text["text"] == "BEN\nFORMAN" and text["lines"] == 2


# --------------------------------------------------------------------------------------------
# Fonts: the template's, by PostScript name


def test_fallback_font_is_warned_about_and_marked(tmp_path):
    box = (50, 100, 350, 160)
    result = text_case(tmp_path, "HELLO", box, font="Futura-Medium")
    fallback = [w for w in result.warnings if w.code == "font_fallback"]
    assert len(fallback) == 1 and "Futura-Medium" in fallback[0].message and fallback[0].layer == "title"
    text = result.composition_metrics("Main")["texts"][0]
    assert text["fallback_font"] is True and text["font_file"] is None
    badge = np.all(pixels(result) == FONT_COLOUR, axis=2)
    left, top, _, bottom = ink_bounds(badge)
    assert badge.sum() > 200 and left == 50 and bottom == 100 and top > 70  # "font?" just above the box
    configured = text_case(tmp_path / "ok", "HELLO", box, font="Futura-Medium",
                           font_files={"Futura-Medium": bundled_font_file(tmp_path)})
    assert not np.all(pixels(configured) == FONT_COLOUR, axis=2).any()


def test_configured_font_file_is_used_without_warning(tmp_path):
    font = bundled_font_file(tmp_path)
    result = text_case(tmp_path, "HELLO", (50, 100, 350, 160), font="Futura-Medium",
                       font_files={"Futura-Medium": font})
    assert "font_fallback" not in codes(result)
    text = result.composition_metrics("Main")["texts"][0]
    assert text["fallback_font"] is False and text["font_file"] == str(font)


def test_the_templates_font_is_used_not_the_psds(tmp_path):
    """After Effects keeps the template's text style when the script sets the text."""
    font = bundled_font_file(tmp_path)
    comp = composition([text_layer(1, "title", (50, 100, 350, 160), font="Arial-BoldMT")])
    result = render(tmp_path, [comp],
                    psd_layers=[PsdLayer(id=3, name="T", kind="type", text="HELLO", font="Designer-Font")],
                    matches=[match(1, 3, kind="text")], font_files={"Arial-BoldMT": font, "Designer-Font": DEJAVU})
    assert "font_fallback" not in codes(result)
    text = result.composition_metrics("Main")["texts"][0]
    assert text["font"] == "Arial-BoldMT" and text["font_file"] == str(font)


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
    configured = pixels(text_case(tmp_path / "b", "Quick Brown Fox", box, font_files={"Design-Font": DEJAVU}))
    assert not np.array_equal(fallback, configured)


def test_characters_missing_from_the_fallback_font_are_reported(tmp_path):
    result = text_case(tmp_path, "Müller €", (10, 10, 390, 100))
    missing = [w for w in result.warnings if w.code == "missing_glyphs"]
    assert len(missing) == 1 and "ü" in missing[0].message and "€" in missing[0].message
    assert "missing_glyphs" not in codes(text_case(tmp_path, "Muller", (10, 10, 390, 100)))


def test_template_text_that_is_no_placeholder_is_drawn_where_the_plan_puts_it(tmp_path):
    own = replace(point_text_layer(2, "credit", (20, 250), font_size=20.0), placeholder=False, text="CREDIT")
    comp = composition([text_layer(1, "title", (50, 50, 350, 100)), own])
    result = render(tmp_path, [comp], psd_layers=[PsdLayer(id=3, name="T", kind="type", text="HI")],
                    matches=[match(1, 3, kind="text")])
    mask = ink(pixels(result))
    credit = ink_bounds(mask[200:])
    assert abs(credit[0] - 20) <= 3 and abs(credit[3] + 200 - 250) <= 2
    assert at(pixels(result), 5, 5) == (0, 0, 0)
