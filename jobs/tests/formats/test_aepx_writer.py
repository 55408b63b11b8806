"""The template writer (jobs.formats.aepx_writer): what it writes reads back identically with our
reader and with py-aep, in both the .aepx and the .aep form."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from jobs.formats import aep
from jobs.formats.aep import load_chunks, parse_cos, parse_template, read_template, to_rifx
from jobs.formats.aep.aepx import _xml_parser
from jobs.formats.aepx_writer import (
    CompSpec,
    CosNameValue,
    FootageLayerSpec,
    NullLayerSpec,
    PrecompLayerSpec,
    SolidLayerSpec,
    TextLayerSpec,
    build_project,
    cos_dumps,
    frame_grid,
    to_aepx,
    write_template,
)

SPECS = [
    CompSpec(
        name="Gameday",
        width=1080,
        height=1350,
        fps=24,
        duration=6,
        bg_color=(1.0, 1.0, 1.0),
        layers=[
            TextLayerSpec(name="player1fullname", text="Zoë (Ünïcode) \\ 東京", font="Futura-Medium", font_size=48, position=(540, 120), color=(1, 0.5, 0)),
            TextLayerSpec(name="caption", text="two\nlines", box=(600, 120), position=(540, 1200), all_caps=True, enabled=False),
            FootageLayerSpec(name="featuredimage1", path="/Volumes/Media/cutout.png", width=652, height=1480, position=(700, 700), scale=(75, 75)),
            FootageLayerSpec(path="C:\\Media\\logo.png", width=200, height=200, position=(100, 100)),
            NullLayerSpec(name="rig", position=(540, 675)),
            SolidLayerSpec(name="bg", color=(0.0, 0.25, 0.5), parent="rig"),
            PrecompLayerSpec(composition="Lower third", name="lower third", position=(540, 1100), in_point=1.0, out_point=4.0),
        ],
    ),
    CompSpec(name="Lower third", width=1080, height=200, fps=24, duration=6, layers=[TextLayerSpec(name="name", text="NAME")]),
]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("writer")
    paths = {"aepx": folder / "gameday.aepx", "aep": folder / "gameday.aep"}
    for path in paths.values():
        write_template(path, compositions=SPECS)
    return paths


def test_both_forms_hold_the_same_chunk_tree(written):
    """The .aepx is the .aep written as XML: converting it back gives the .aep byte for byte."""
    chunks = load_chunks(written["aepx"].read_bytes())
    assert chunks.format == "aepx"
    assert to_rifx(chunks.root, chunks.xmp) == written["aep"].read_bytes()


def test_aepx_is_plain_safe_xml(written):
    data = written["aepx"].read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<AfterEffectsProject ')
    root = etree.fromstring(data, _xml_parser())
    assert root.getroottree().docinfo.doctype == ""
    assert etree.QName(root).namespace == aep.AE_NAMESPACE
    assert root.get("majorVersion") == "1"
    assert b"<!DOCTYPE" not in data and b"<!ENTITY" not in data


@pytest.mark.parametrize("fmt", ["aepx", "aep"])
def test_reads_back_what_was_written(written, fmt):
    doc = read_template(written[fmt], exists=lambda path: path == "/Volumes/Media/cutout.png")
    assert doc.format == fmt and doc.ae_version == "25.5x4"
    main, lower = doc.compositions
    assert (main.name, main.width, main.height, main.frame_rate, main.duration, main.bg_color) == (
        "Gameday", 1080, 1350, 24.0, 6.0, (1.0, 1.0, 1.0)
    )
    assert [(layer.index, layer.name, layer.type) for layer in main.layers] == [
        (1, "player1fullname", "text"),
        (2, "caption", "text"),
        (3, "featuredimage1", "footage"),
        (4, "logo.png", "footage"),
        (5, "rig", "null"),
        (6, "bg", "solid"),
        (7, "lower third", "precomp"),
    ]
    title, caption, image, logo, rig, solid, precomp = main.layers
    assert (title.text, title.font, title.font_size, title.all_caps) == ("Zoë (Ünïcode) \\ 東京", "Futura-Medium", 48.0, False)
    assert (caption.text, caption.enabled, caption.all_caps, caption.bbox) == ("two\nlines", False, True, (240, 1140, 840, 1260))
    assert title.bbox is None  # point text: no box without font metrics
    assert image.source.path == "/Volumes/Media/cutout.png" and image.source.missing is False
    assert (image.source.width, image.source.height) == (652, 1480)
    assert image.bbox == (456, 145, 944, 1255)
    assert logo.source.path == "C:\\Media\\logo.png" and logo.source.missing is True
    assert logo.bbox == (0, 0, 200, 200)
    assert solid.parent_id == rig.id and solid.source.color == pytest.approx((0.0, 0.25, 0.5))
    # The solid keeps the default position (the comp centre), but in the space of its parent,
    # whose origin (a null's anchor is its top-left) sits at the comp centre.
    assert rig.bbox == (540, 675, 640, 775)
    assert solid.bbox == (540, 675, 1620, 2025)
    assert (precomp.in_point, precomp.out_point, precomp.source.id) == (1.0, 4.0, lower.id)
    assert [layer.placeholder for layer in main.layers] == [True, True, True, True, False, False, False]
    assert doc.fonts == ("ArialMT", "Futura-Medium")


def test_pyaep_reads_what_was_written(written, tmp_path):
    py_aep = pytest.importorskip("py_aep", reason="py-aep (test oracle, requirements-dev.txt) is not installed")
    project = py_aep.parse(str(written["aep"])).project
    comps = {c.name: c for c in project.compositions}
    main = comps["Gameday"]
    assert (main.width, main.height, main.frame_rate, main.duration) == (1080, 1350, 24.0, 6.0)
    layers = main.layers
    assert [layer.name for layer in layers] == ["player1fullname", "caption", "featuredimage1", "logo.png", "rig", "bg", "lower third"]
    title = layers[0].text.source_text.value
    assert (title.text, title.font, title.font_size) == ("Zoë (Ünïcode) \\ 東京", "Futura-Medium", 48.0)
    assert title.fill_color == pytest.approx([1.0, 0.5, 0.0])
    caption = layers[1].text.source_text.value
    assert caption.box_text and caption.box_text_size == pytest.approx([600.0, 120.0]) and caption.all_caps
    assert layers[1].enabled is False
    assert layers[2].transform.position.value[:2] == pytest.approx([700.0, 700.0])
    assert layers[2].transform.scale.value[:2] == pytest.approx([75.0, 75.0])
    assert layers[2].transform.anchor_point.value[:2] == pytest.approx([326.0, 740.0])
    assert layers[2].source.main_source.file == "/Volumes/Media/cutout.png"
    assert layers[4].null_layer is True
    assert layers[5].parent.name == "rig"
    assert layers[5].source.main_source.color == pytest.approx([0.0, 0.25, 0.5])
    assert (layers[6].in_point, layers[6].out_point) == pytest.approx((1.0, 4.0))
    assert layers[6].source.name == "Lower third"


def test_format_follows_the_extension_or_the_argument(tmp_path):
    spec = [CompSpec(name="C")]
    write_template(tmp_path / "a.aep", compositions=spec)
    write_template(tmp_path / "b.aepx", compositions=spec)
    write_template(tmp_path / "c.bin", compositions=spec, format="aep")
    assert (tmp_path / "a.aep").read_bytes()[:4] == b"RIFX"
    assert (tmp_path / "b.aepx").read_bytes().startswith(b"<?xml")
    assert (tmp_path / "c.bin").read_bytes()[:4] == b"RIFX"
    with pytest.raises(ValueError):
        write_template(tmp_path / "d.aep", compositions=spec, format="psd")


def test_older_version_header(tmp_path):
    path = tmp_path / "old.aep"
    write_template(path, compositions=[CompSpec(name="C")], ae_version="23.2x1")
    assert read_template(path).ae_version == "23.2x1"


@pytest.mark.parametrize(
    "comps, message",
    [
        ([CompSpec(name="A"), CompSpec(name="A")], "unique"),
        ([CompSpec(name="A", layers=[SolidLayerSpec(name="s", parent="ghost")])], "ghost"),
        ([CompSpec(name="A", layers=[PrecompLayerSpec(composition="B")])], "B"),
        ([CompSpec(name="A", layers=[PrecompLayerSpec(composition="A")])], "A"),
    ],
)
def test_inconsistent_specs_are_refused(comps, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        write_template(tmp_path / "x.aepx", compositions=comps)


@pytest.mark.parametrize("fps, grid", [(24, (24576, 1024)), (29.97, (23976, 800)), (23.98, (38368, 1600)), (30, (30720, 1024))])
def test_frame_grid_follows_after_effects(fps, grid):
    assert frame_grid(fps) == grid


def test_fractional_frame_rate_reads_back(tmp_path):
    path = tmp_path / "ntsc.aep"
    write_template(path, compositions=[CompSpec(name="C", fps=29.97, duration=10.01)])
    comp = read_template(path).compositions[0]
    assert (comp.frame_rate, comp.duration) == (29.97, pytest.approx(10.01, abs=1e-4))


def test_cos_writer_and_parser_agree():
    value = {"0": {"1": [1, -2, 0.5, 12.0, True, False, None, "a(b)\\c", CosNameValue("CoolTypeFont")]}, "7": {}}
    parsed = parse_cos(b" " + cos_dumps(value)[3:-3] + b" ")
    assert parsed == {"0": {"1": [1, -2, 0.5, 12.0, True, False, None, "a(b)\\c", "CoolTypeFont"]}, "7": {}}


_names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
_coords = st.floats(min_value=-4000, max_value=4000, allow_nan=False).map(lambda v: round(v, 3))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=_names,
    text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=80),
    font=st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,30}", fullmatch=True),
    size=st.floats(min_value=1, max_value=1000).map(lambda v: round(v, 2)),
    position=st.tuples(_coords, _coords),
    scale=st.tuples(st.floats(1, 500).map(lambda v: round(v, 2)), st.floats(1, 500).map(lambda v: round(v, 2))),
    fmt=st.sampled_from(["aepx", "aep"]),
)
def test_round_trip_of_arbitrary_values(name, text, font, size, position, scale, fmt):
    comps = [
        CompSpec(
            name=name,
            layers=[
                TextLayerSpec(name=name, text=text, font=font, font_size=size, position=position),
                FootageLayerSpec(name=name, path=f"/media/{name}.png", width=400, height=300, position=position, scale=scale),
            ],
        )
    ]
    root, xmp = build_project(comps)
    data = to_rifx(root, xmp) if fmt == "aep" else to_aepx(root, xmp)
    doc = parse_template(data, source=f"t.{fmt}")
    comp = doc.compositions[0]
    text_layer, image = comp.layers
    assert comp.name == name and text_layer.name == name and image.name == name
    assert text_layer.text == text.replace("\r\n", "\n")
    assert (text_layer.font, text_layer.font_size) == (font, size)
    assert image.source.path == f"/media/{name}.png"
    left = position[0] - 200 * scale[0] / 100
    top = position[1] - 150 * scale[1] / 100
    expected = (left, top, left + 400 * scale[0] / 100, top + 300 * scale[1] / 100)
    assert all(math.isclose(a, b, abs_tol=1.0) for a, b in zip(image.bbox, expected))
