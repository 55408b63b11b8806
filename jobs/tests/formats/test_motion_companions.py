"""The frames beside a motion preview (jobs.formats.motion.companions): the design letterboxed to
the preview's frame, a neutral panel when it is missing, and the two side by side."""

from __future__ import annotations

from PIL import Image

from jobs.formats.descriptions import PsdDocument
from jobs.formats.limits import DEFAULT_LIMITS
from jobs.formats.motion.companions import design_frame, side_by_side
from jobs.formats.preview.comparison import COMPARISON_BACKGROUND

PORTRAIT_PSD = PsdDocument(source="", width=100, height=200)


def test_a_portrait_design_is_letterboxed_into_a_landscape_frame(tmp_path):
    path = tmp_path / "flat.png"
    Image.new("RGB", (100, 200), (200, 30, 30)).save(path)
    frame, problem = design_frame(path, PORTRAIT_PSD, (480, 270), DEFAULT_LIMITS)
    assert problem is None and frame.size == (480, 270) and frame.mode == "RGB"
    assert frame.getpixel((240, 135)) == (200, 30, 30)  # the design, centred at the frame's height
    assert frame.getpixel((240 - 67 + 2, 5)) == (200, 30, 30) and frame.getpixel((240 + 67 - 2, 265)) == (200, 30, 30)
    assert frame.getpixel((10, 135)) == COMPARISON_BACKGROUND and frame.getpixel((470, 135)) == COMPARISON_BACKGROUND


def test_a_wide_design_fits_the_width(tmp_path):
    path = tmp_path / "flat.png"
    Image.new("RGBA", (400, 100), (0, 0, 0, 0)).save(path)  # transparent: drawn on white
    frame, _ = design_frame(path, PsdDocument(source="", width=400, height=100), (200, 200), DEFAULT_LIMITS)
    assert frame.getpixel((100, 100)) == (255, 255, 255)
    assert frame.getpixel((100, 10)) == COMPARISON_BACKGROUND  # above the 200x50 panel


def test_a_missing_design_is_a_neutral_panel_and_says_why(tmp_path):
    frame, problem = design_frame(tmp_path / "gone.png", PORTRAIT_PSD, (480, 270), DEFAULT_LIMITS)
    assert frame.size == (480, 270) and "gone.png does not exist" in problem
    assert frame.getpixel((240, 20)) != COMPARISON_BACKGROUND  # the panel, of the PSD's proportions
    assert frame.getpixel((10, 135)) == COMPARISON_BACKGROUND


def test_side_by_side_puts_the_design_left_and_keeps_repeats_one_image():
    design = Image.new("RGB", (40, 30), (255, 0, 0))
    first, second = Image.new("RGB", (40, 30), (0, 255, 0)), Image.new("RGB", (40, 30), (0, 0, 255))
    sheets = list(side_by_side(design, [first, first, second]))
    assert [s.size for s in sheets] == [(80, 30)] * 3
    assert sheets[0] is sheets[1] and sheets[2] is not sheets[1]
    assert sheets[0].getpixel((5, 5)) == (255, 0, 0) and sheets[0].getpixel((45, 5)) == (0, 255, 0)
    assert sheets[2].getpixel((45, 5)) == (0, 0, 255)
