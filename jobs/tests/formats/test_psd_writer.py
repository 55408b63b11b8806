"""Tests of jobs.formats.psd_writer: what it writes reads back, with psd-tools and read_psd.

Plain Python (no Django): ``pytest -p no:django --noconftest jobs/tests/formats/test_psd*.py``.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from PIL import Image
from psd_tools import PSDImage

from jobs.formats.psd import read_psd
from jobs.formats.psd_writer import GroupSpec, PixelLayerSpec, TypeLayerSpec, write_psd

RED = (220, 20, 30)


def poster_layers():
    """Top first: a group of two type layers, a hidden group, a half-opaque block, a background."""
    return [
        GroupSpec("Names", layer_id=10, children=[
            TypeLayerSpec("BEN FORMAN", font="Futura-Medium", size=36, color=RED, left=72, top=269, layer_id=11),
            TypeLayerSpec("Line one\nLine two", font="ArialMT", size=20, left=72, top=350, name="two lines"),
        ]),
        GroupSpec("Hidden", visible=False, children=[
            PixelLayerSpec("inside", Image.new("RGBA", (50, 50), (0, 255, 0, 255)), left=10, top=10),
        ]),
        PixelLayerSpec("Half", Image.new("RGBA", (100, 80), (0, 0, 255, 255)), left=300, top=20, opacity=0.5),
        PixelLayerSpec("Background", Image.new("RGB", (400, 500), (240, 240, 200))),
    ]


@pytest.fixture(scope="module")
def poster(tmp_path_factory):
    return write_psd(tmp_path_factory.mktemp("writer") / "poster.psd", width=400, height=500, layers=poster_layers())


def test_psd_tools_reads_layers_back(poster):
    psd = PSDImage.open(poster)
    assert (psd.width, psd.height, psd.version, psd.depth) == (400, 500, 1, 8)
    # psd-tools lists bottom first; parent names make the tree visible.
    got = [
        (layer.layer_id, layer.name, layer.kind, layer.visible, layer.opacity,
         None if layer.parent is psd else layer.parent.name)
        for layer in psd.descendants()
    ]
    assert got == [
        (5, "Background", "pixel", True, 255, None),
        (4, "Half", "pixel", True, 128, None),
        (2, "Hidden", "group", False, 255, None),
        (3, "inside", "pixel", True, 255, "Hidden"),
        (10, "Names", "group", True, 255, None),
        (1, "two lines", "type", True, 255, "Names"),
        (11, "BEN FORMAN", "type", True, 255, "Names"),
    ]
    assert psd[0].bbox == (0, 0, 400, 500)
    assert psd[1].bbox == (300, 20, 400, 100)
    assert psd[2][0].bbox == (10, 10, 60, 60)


def test_type_layers_carry_text_font_size_and_colour(poster):
    psd = PSDImage.open(poster)
    ben = next(layer for layer in psd.descendants() if layer.layer_id == 11)
    assert ben.kind == "type"
    assert ben.text == "BEN FORMAN"
    assert ben.font_names == ["Futura-Medium"]
    runs = [run for paragraph in ben.typesetting for run in paragraph]
    assert [run.text for run in runs] == ["BEN FORMAN"]
    assert runs[0].style.font_size == 36.0
    assert runs[0].style.font_name == "Futura-Medium"
    expected = (1.0, RED[0] / 255, RED[1] / 255, RED[2] / 255)
    assert np.allclose(runs[0].style.fill_color, expected, atol=1e-6)
    assert ben.transform[:4] == (1.0, 0.0, 0.0, 1.0)
    assert ben.transform[4] == 72.0  # the origin is the first baseline's start

    two = next(layer for layer in psd.descendants() if layer.layer_id == 1)
    assert two.text == "Line one\rLine two"
    assert [paragraph.text for paragraph in two.typesetting] == ["Line one\r", "Line two"]
    assert [run.style.font_size for p in two.typesetting for run in p] == [20.0, 20.0]


def test_type_layer_pixels_show_the_text_in_its_colour_and_size(poster):
    psd = PSDImage.open(poster)
    ben = next(layer for layer in psd.descendants() if layer.layer_id == 11)
    pixels = np.asarray(ben.topil().convert("RGBA"))
    solid = pixels[pixels[..., 3] == 255]
    assert len(solid) > 100
    assert {tuple(p[:3]) for p in solid} == {RED}
    left, top, right, bottom = ben.bbox
    assert abs(left - 72) <= 4 and 269 <= top <= 269 + 36  # ink starts at the requested corner
    assert 0.5 * 36 <= bottom - top <= 1.2 * 36  # capitals of a 36 pt font
    assert right - left > 5 * 36  # ten capitals


def test_read_psd_reads_writer_output(poster):
    document = read_psd(poster)
    assert [
        (layer.id, layer.path, layer.kind, layer.visible, layer.opacity, layer.parent_id)
        for layer in document.layers
    ] == [
        (10, "Names", "group", True, 1.0, None),
        (11, "Names/BEN FORMAN", "type", True, 1.0, 10),
        (1, "Names/two lines", "type", True, 1.0, 10),  # ids not given: 1, 2, … in order
        (2, "Hidden", "group", False, 1.0, None),
        (3, "Hidden/inside", "pixel", False, 1.0, 2),  # effectively hidden
        (4, "Half", "pixel", True, 0.502, None),
        (5, "Background", "pixel", True, 1.0, None),
    ]
    ben = document.layer(11)
    assert (ben.text, ben.font, ben.font_size) == ("BEN FORMAN", "Futura-Medium", 36.0)
    two = document.layer(1)
    assert (two.text, two.font, two.font_size) == ("Line one\nLine two", "ArialMT", 20.0)
    assert document.layer(4).bbox == (300, 20, 400, 100)


def test_stored_composite_is_written_and_right(poster):
    psd = PSDImage.open(poster)
    assert psd.has_preview()
    stored = np.asarray(psd.topil().convert("RGBA")).astype(int)  # the file's merged image
    assert stored[5, 5].tolist() == [240, 240, 200, 255]  # background only: hidden group's green absent
    assert stored[30, 30].tolist() == [240, 240, 200, 255]
    half = stored[50, 350]  # blue at 50 % over the background
    assert np.abs(half[:3] - [120, 120, 227]).max() <= 2 and half[3] == 255
    ben = next(layer for layer in psd.descendants() if layer.layer_id == 11)
    text_pixels = np.asarray(ben.topil().convert("RGBA"))
    ys, xs = np.nonzero(text_pixels[..., 3] == 255)
    y, x = ys[0] + ben.top, xs[0] + ben.left
    assert stored[y, x][:3].tolist() == list(RED)


@pytest.mark.parametrize(
    "mode, depth, large, header_mode, channels",
    [("RGB", 8, False, 3, 4), ("L", 8, False, 1, 2), ("CMYK", 8, False, 4, 5), ("RGB", 16, False, 3, 4),
     ("L", 32, False, 1, 2), ("RGB", 8, True, 3, 4)],
)
def test_modes_depths_and_psb(tmp_path, mode, depth, large, header_mode, channels):
    path = write_psd(tmp_path / "doc.psd", width=64, height=48, layers=poster_layers()[:1], mode=mode,
                     depth=depth, large_document=large)
    signature, version, _, header_channels, height, width, header_depth, color_mode = struct.unpack(
        ">4sH6sHIIHH", path.read_bytes()[:26]
    )
    assert (signature, version, header_channels, width, height, header_depth, color_mode) == (
        b"8BPS", 2 if large else 1, channels, 64, 48, depth, header_mode
    )
    psd = PSDImage.open(path)
    assert [layer.kind for layer in psd.descendants()] == ["group", "type", "type"]
    document = read_psd(path)
    assert [layer.font_size for layer in document.layers] == [None, 36.0, 20.0]
    assert document.depth == depth


def test_opaque_background_gives_a_flattened_composite(tmp_path):
    path = write_psd(tmp_path / "white.psd", width=20, height=10, background=(255, 255, 255),
                     layers=[PixelLayerSpec("dot", Image.new("RGB", (2, 2), (0, 0, 0)), left=5, top=5)])
    psd = PSDImage.open(path)
    assert psd.channels == 3
    stored = psd.topil()
    assert stored.mode == "RGB"
    assert stored.getpixel((0, 0)) == (255, 255, 255) and stored.getpixel((5, 5)) == (0, 0, 0)


def test_transparent_document_stores_composite_alpha(tmp_path):
    path = write_psd(tmp_path / "clear.psd", width=20, height=10,
                     layers=[PixelLayerSpec("dot", Image.new("RGBA", (2, 2), (0, 0, 255, 128)), left=5, top=5)])
    stored = PSDImage.open(path).topil()
    assert stored.mode == "RGBA"
    assert stored.getpixel((0, 0))[3] == 0
    assert stored.getpixel((5, 5))[3] == 128


def test_ids_given_are_kept_and_others_numbered_in_document_order(tmp_path):
    layers = [
        PixelLayerSpec("a", Image.new("RGB", (1, 1))),
        PixelLayerSpec("b", Image.new("RGB", (1, 1)), layer_id=2),
        GroupSpec("g", children=[PixelLayerSpec("c", Image.new("RGB", (1, 1)))]),
    ]
    document = read_psd(write_psd(tmp_path / "ids.psd", width=4, height=4, layers=layers))
    assert [(layer.path, layer.id) for layer in document.layers] == [("a", 1), ("b", 2), ("g", 3), ("g/c", 4)]


def test_unicode_text_and_names_round_trip(tmp_path):
    text = "Ŝtar (x) \\ Café – ü"  # UTF-16 bytes that need escaping in EngineData
    layers = [GroupSpec("Grüppe ✓", children=[TypeLayerSpec(text, font="Some-Font", size=18)])]
    document = read_psd(write_psd(tmp_path / "u.psd", width=300, height=60, layers=layers))
    assert [layer.path for layer in document.layers] == ["Grüppe ✓", f"Grüppe ✓/{text}"]
    assert (document.layers[1].text, document.layers[1].font) == (text, "Some-Font")


def test_closed_group_and_no_temporary_files_left(tmp_path):
    path = write_psd(tmp_path / "closed.psd", width=8, height=8,
                     layers=[GroupSpec("closed", open=False, children=[PixelLayerSpec("p", Image.new("RGB", (2, 2)))])])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["closed.psd"]
    group = PSDImage.open(path)[0]
    assert group.kind == "group" and group.open_folder is False


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(mode="LAB"), "mode must be one of"),
        (dict(width=0), "width and height must be positive"),
        (dict(layers=[TypeLayerSpec("   ")]), "needs visible text"),
        (dict(layers=[TypeLayerSpec("x", size=0)]), "font size must be positive"),
        (dict(layers=[PixelLayerSpec("p", Image.new("RGB", (1, 1)), opacity=1.5)]), "opacity"),
        (dict(layers=[PixelLayerSpec("p", Image.new("RGB", (1, 1)), layer_id=3),
                      PixelLayerSpec("q", Image.new("RGB", (1, 1)), layer_id=3)]), "unique"),
        (dict(layers=[PixelLayerSpec("p", Image.new("RGB", (1, 1)), layer_id=0)]), "positive"),
    ],
)
def test_bad_specifications_are_refused(tmp_path, kwargs, message):
    arguments = dict(width=10, height=10, layers=[])
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        write_psd(tmp_path / "bad.psd", **arguments)
    assert not (tmp_path / "bad.psd").exists()
