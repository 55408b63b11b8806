"""The After Effects template reader (jobs.formats.aep).

Real data: ``shared/fixtures/aepx/split-screen.aepx`` (AE 25.5) against its golden
``split-screen.expected.json``, its binary twin made by the chunk-tree converter, and py-aep
0.18.2 as an independent decoder. Generated files come from :mod:`jobs.formats.aepx_writer`.
Hostile files are built here; each must give one FormatError with a one-line message, fast.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import random
import struct
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from jobs.formats import aep
from jobs.formats.aep import load_chunks, parse_cos, parse_template, read_template, to_rifx
from jobs.formats.aep.aepx import _xml_parser
from jobs.formats.aep.items import _items
from jobs.formats.aep.properties import _properties
from jobs.formats.aepx_writer import (
    CompSpec,
    FootageLayerSpec,
    NullLayerSpec,
    PrecompLayerSpec,
    SolidLayerSpec,
    TextLayerSpec,
    build_project,
    to_aepx,
    write_template,
)
from jobs.formats.errors import FormatError
from jobs.formats.limits import Limits

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("AEA_SHARED_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures"))
FIXTURE = SHARED / "aepx" / "split-screen.aepx"
GOLDEN = SHARED / "aepx" / "split-screen.expected.json"


@pytest.fixture(scope="module")
def fixture_path() -> Path:
    if not FIXTURE.is_file():
        pytest.skip(f"real After Effects fixture not found at {FIXTURE} (set AEA_SHARED_FIXTURES)")
    return FIXTURE


@pytest.fixture(scope="module")
def fixture_doc(fixture_path):
    return read_template(fixture_path)


@pytest.fixture(scope="module")
def fixture_rifx(fixture_path) -> bytes:
    """The fixture's binary twin: the .aepx chunk tree written as RIFX (format note, section 2)."""
    chunks = load_chunks(fixture_path.read_bytes())
    return to_rifx(chunks.root, chunks.xmp)


def _layers_by_comp(doc):
    return {comp.name: comp for comp in doc.compositions}


# ============================================================================================
# Golden file


def test_golden_compositions_and_layers(fixture_doc):
    golden = json.loads(GOLDEN.read_text())
    comps = _layers_by_comp(fixture_doc)
    assert [c.name for c in fixture_doc.compositions] == [c["name"] for c in golden["compositions"]]
    for expected in golden["compositions"]:
        comp = comps[expected["name"]]
        assert (comp.width, comp.height) == (expected["width"], expected["height"])
        assert comp.frame_rate == expected["frame_rate"]
        assert comp.duration == expected["duration"]
        assert len(comp.layers) == len(expected["layers"])
        for want, layer in zip(expected["layers"], comp.layers):
            where = f"{comp.name} #{want['index']}"
            assert layer.index == want["index"], where
            assert layer.name == want["name"], where
            assert layer.type == want["type"], where
            assert layer.enabled == want["enabled"], where
            assert layer.in_point == pytest.approx(want["in_point"]), where
            assert layer.out_point == pytest.approx(want["out_point"]), where
            assert layer.text == want.get("text"), where
            assert layer.font == want.get("font"), where
            if "source" in want:
                source = layer.source
                assert source is not None, where
                assert source.name == want["source"]["name"], where
                assert source.path == want["source"].get("path"), where
                assert (source.width, source.height) == (want["source"]["width"], want["source"]["height"]), where
            else:
                assert layer.source is None, where


def test_fixture_header_fields(fixture_doc, fixture_path):
    assert fixture_doc.source == "split-screen.aepx"
    assert fixture_doc.format == "aepx"
    assert fixture_doc.ae_version == "25.5x4"
    assert fixture_doc.sha256 == hashlib.sha256(fixture_path.read_bytes()).hexdigest()
    assert fixture_doc.fonts == ("RUSHFLOW",)
    for comp in fixture_doc.compositions:
        assert comp.bg_color == (0.0, 0.0, 0.0)
        assert comp.renderer == "ADBE Escher"


def test_fixture_footage_is_missing_here_and_sized(fixture_doc):
    files = [f for f in fixture_doc.footage if f.kind == "file"]
    assert len(files) == 8
    assert all(f.missing is True for f in files)
    psd = {f.psd_layer: f for f in files if f.psd_layer}
    assert set(psd) == {"Background", "BEN FORMAN", "cutout", "ELOISE GRACE", "EMMA LOUISE", "green_yellow_bg"}
    assert (psd["cutout"].width, psd["cutout"].height) == (652, 1480)
    assert all(f.duration == 0.0 for f in files)


def test_missing_uses_the_injected_exists(fixture_path):
    seen = []
    doc = read_template(fixture_path, exists=lambda p: seen.append(p) or True)
    assert all(f.missing is False for f in doc.footage)
    assert "/Users/edf/aftereffects-automation/sample_files/test-photoshop-doc.psd" in seen


def test_fixture_text_style_is_parsed_structurally(fixture_doc):
    """The btdk's default style sheet says Helvetica 12 before the run's RUSHFLOW 60: a regex
    picks the wrong one, the structural parse must not."""
    layer = _layers_by_comp(fixture_doc)["test-aep"].layer(1)
    assert (layer.font, layer.font_size, layer.all_caps) == ("RUSHFLOW", 60.0, False)
    assert layer.placeholder is True
    assert layer.three_d is False and layer.parent_id is None


def test_fixture_psd_layer_bboxes_match_the_psd_layer_records(fixture_doc, fixture_path):
    """Each PSD-layer footage item records the layer's bbox in the PSD (opti, LE s32 at 78).
    The layer bbox the reader derives from Position + default anchor must equal it."""
    recorded = {}
    for item in _items(load_chunks(fixture_path.read_bytes()).root):
        pin = item.chunk.find("Pin")
        opti = pin.find("opti").data if pin is not None else b""
        if opti[:4] == b"8BPS":
            top, left, bottom, right = struct.unpack_from("<4i", opti, 78)
            recorded[item.id] = (left, top, right, bottom)
    comp = _layers_by_comp(fixture_doc)["test-photoshop-doc"]
    assert len(recorded) == 6
    for layer in comp.layers:
        assert layer.bbox == recorded[layer.source.id], layer.name


def test_fixture_other_bboxes(fixture_doc):
    comp = _layers_by_comp(fixture_doc)["test-aep"]
    # Full-frame footage and the pre-comp keep AE's defaults: comp centre, source centre.
    for index in (4, 5, 6):
        assert comp.layer(index).bbox == (0, 0, 1200, 1500)
    # Box text: the 478.26 x 60.95 box centred on the layer origin, at the stored Position.
    assert comp.layer(1).bbox == (70, 263, 549, 324)
    assert comp.layer(2).bbox == (70, 388, 549, 449)


def test_binary_twin_reads_the_same(fixture_doc, fixture_rifx):
    twin = parse_template(fixture_rifx, source="split-screen.aep")
    assert twin.format == "aep"
    assert twin.compositions == fixture_doc.compositions
    assert twin.footage == fixture_doc.footage
    assert twin.fonts == fixture_doc.fonts


def test_chunk_tree_round_trips_through_rifx(fixture_rifx):
    chunks = load_chunks(fixture_rifx)
    assert to_rifx(chunks.root, chunks.xmp) == fixture_rifx


def test_fixture_parse_time(fixture_path):
    """Target: <= 50 ms for the 670 KB fixture (measured ~25 ms). The bound here is loose so a
    slow CI machine does not fail; it still catches an order-of-magnitude regression."""
    times = []
    for _ in range(7):
        start = time.perf_counter()
        read_template(fixture_path)
        times.append(time.perf_counter() - start)
    assert sorted(times)[3] < 0.25


# ============================================================================================
# py-aep as an independent oracle


def _pyaep_parse(data: bytes, tmp_path: Path):
    py_aep = pytest.importorskip("py_aep", reason="py-aep (test oracle, requirements-dev.txt) is not installed")
    path = tmp_path / "oracle.aep"
    path.write_bytes(data)
    return py_aep.parse(str(path)).project


def _pyaep_bbox(layer, rect):
    """The comp-space box of ``rect`` (left, top, width, height in layer pixels) by py-aep's own
    transform chain (parenting, rotation, defaults), evaluated at the layer's in point."""
    left, top, width, height = rect
    corners = [(left, top), (left + width, top), (left, top + height), (left + width, top + height)]
    points = [layer.source_point_to_comp([x, y], time=layer.in_point) for x, y in corners]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys))


def cross_check_with_pyaep(doc, project):
    """Compositions, layers, text, fonts and transforms agree between our decoder and py-aep."""
    theirs = {c.name: c for c in project.compositions}
    assert sorted(theirs) == sorted(c.name for c in doc.compositions)
    fonts = set()
    checked: list[str] = []
    for comp in doc.compositions:
        other = theirs[comp.name]
        assert (comp.width, comp.height) == (other.width, other.height)
        assert comp.frame_rate == pytest.approx(other.frame_rate, abs=1e-3)
        assert comp.duration == pytest.approx(other.duration)
        assert list(comp.bg_color) == pytest.approx(list(other.bg_color), abs=1 / 255)
        assert len(comp.layers) == len(other.layers)
        for ours, layer in zip(comp.layers, other.layers):
            assert ours.index == layer.index + 1
            assert ours.name == layer.name
            assert ours.enabled == layer.enabled
            assert ours.in_point == pytest.approx(layer.in_point, abs=1e-6)
            assert ours.out_point == pytest.approx(layer.out_point, abs=1e-6)
            assert (ours.type == "null") == bool(getattr(layer, "null_layer", False))
            parent = layer.parent
            assert ours.parent_id == (parent.id if parent is not None else None)
            source = getattr(layer, "source", None)
            if ours.type in ("text", "shape", "camera", "light"):
                assert source is None or ours.source is None
            else:
                assert ours.source is not None and source is not None
                assert ours.source.name == source.name
                assert ours.source.id == source.id
                main = getattr(source, "main_source", None)
                if ours.source.kind == "file":
                    assert ours.source.path == main.file
            if ours.type == "text":
                document = layer.text.source_text.value
                assert ours.text == document.text.replace("\r", "\n")
                assert ours.font == document.font
                assert ours.font_size == pytest.approx(document.font_size)
                assert ours.all_caps == document.all_caps
                fonts.add(document.font)
            if ours.bbox is not None:
                if ours.type == "text":
                    document = layer.text.source_text.value
                    rect = (*document.box_text_pos, *document.box_text_size)
                else:
                    rect = (0, 0, ours.source.width, ours.source.height)
                assert ours.bbox == _pyaep_bbox(layer, rect), ours.name
                checked.append(ours.name)
    assert set(doc.fonts) == fonts
    return checked


def test_fixture_agrees_with_pyaep(fixture_doc, fixture_rifx, tmp_path):
    checked = cross_check_with_pyaep(fixture_doc, _pyaep_parse(fixture_rifx, tmp_path))
    assert len(checked) == 12  # every layer of the fixture has a bbox, and py-aep agrees


def test_fixture_text_box_agrees_with_pyaep(fixture_doc, fixture_rifx, tmp_path):
    project = _pyaep_parse(fixture_rifx, tmp_path)
    comp = next(c for c in project.compositions if c.name == "test-aep")
    for ours, layer in zip(_layers_by_comp(fixture_doc)["test-aep"].layers[:3], comp.layers[:3]):
        document = layer.text.source_text.value
        left, top = document.box_text_pos
        width, height = document.box_text_size
        px, py = layer.transform.position.value[:2]
        assert ours.bbox == (round(px + left), round(py + top), round(px + left + width), round(py + top + height))


# ============================================================================================
# Generated projects (nulls, solids, audio, pre-comps, disabled, transformed layers)


GENERATED = [
    CompSpec(
        name="Main",
        width=1920,
        height=1080,
        fps=29.97,
        duration=12.0,
        bg_color=(0.2, 0.4, 0.6),
        layers=[
            TextLayerSpec(name="title", text="Line one\nLine two", font="Futura-Bold", font_size=72, position=(960, 200), box=(800, 200), all_caps=True),
            TextLayerSpec(name="point", text="point text", position=(100, 100)),
            FootageLayerSpec(name="photo", path="/media/in/photo.png", width=800, height=600, scale=(50, 50), position=(500, 400)),
            FootageLayerSpec(path="/media/in/music.wav", width=0, height=0, duration=12.5),
            SolidLayerSpec(name="bg solid", color=(0.1, 0.2, 0.3), enabled=False),
            NullLayerSpec(name="ctrl", position=(100, 100), scale=(50, 50)),
            FootageLayerSpec(name="child", path="/media/in/logo.png", width=100, height=100, parent="ctrl", position=(200, 200)),
            FootageLayerSpec(name="turned", path="/media/in/bar.png", width=200, height=100, position=(960, 540), rotation=90),
            FootageLayerSpec(name="pinned", path="/media/in/bar.png", width=200, height=100, position=(100, 50), anchor=(0, 0), scale=(200, 200)),
            PrecompLayerSpec(composition="Inner", position=(960, 540), in_point=2.0, out_point=7.5),
            SolidLayerSpec(name="flat 3d", color=(1, 0, 0), width=100, height=100, position=(50, 50), three_d=True),
        ],
    ),
    CompSpec(
        name="Inner",
        width=640,
        height=360,
        fps=25,
        duration=5,
        layers=[FootageLayerSpec(name="", path="/media/in/poster.psd", width=100, height=50, psd_layer="Logo", psd_bbox=(10, 20, 110, 70), position=(60, 45))],
    ),
]

EXPECTED_BBOXES = {
    "title": (560, 100, 1360, 300),
    "point": None,
    "photo": (300, 250, 700, 550),
    "music.wav": None,
    "bg solid": (0, 0, 1920, 1080),
    "ctrl": (100, 100, 150, 150),
    "child": (175, 175, 225, 225),
    "turned": (910, 440, 1010, 640),
    "pinned": (100, 50, 500, 250),
    "Inner": (640, 360, 1280, 720),
    "flat 3d": (0, 0, 100, 100),
    "Logo/poster.psd": (10, 20, 110, 70),
}

EXPECTED_TYPES = {
    "title": "text",
    "point": "text",
    "photo": "footage",
    "music.wav": "audio",
    "bg solid": "solid",
    "ctrl": "null",
    "child": "footage",
    "turned": "footage",
    "pinned": "footage",
    "Inner": "precomp",
    "flat 3d": "solid",
    "Logo/poster.psd": "footage",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    paths = {}
    for fmt in ("aepx", "aep"):
        paths[fmt] = folder / f"generated.{fmt}"
        write_template(paths[fmt], compositions=GENERATED)
    return paths


@pytest.mark.parametrize("fmt", ["aepx", "aep"])
def test_generated_types_and_bboxes(generated, fmt):
    doc = read_template(generated[fmt])
    assert doc.format == fmt
    layers = {layer.name: layer for comp in doc.compositions for layer in comp.layers}
    assert {name: layer.type for name, layer in layers.items()} == EXPECTED_TYPES
    assert {name: layer.bbox for name, layer in layers.items()} == EXPECTED_BBOXES


@pytest.mark.parametrize("fmt", ["aepx", "aep"])
def test_generated_details(generated, fmt):
    doc = read_template(generated[fmt])
    main, inner = doc.compositions
    assert (main.name, main.width, main.height, main.frame_rate, main.duration) == ("Main", 1920, 1080, 29.97, 12.0)
    assert main.bg_color == pytest.approx((0.2, 0.4, 0.6), abs=1 / 255)
    assert (inner.frame_rate, inner.duration) == (25.0, 5.0)
    title = main.layer(1)
    assert (title.text, title.font, title.font_size, title.all_caps) == ("Line one\nLine two", "Futura-Bold", 72.0, True)
    assert main.layer(2).all_caps is False
    assert [layer.index for layer in main.layers] == list(range(1, 12))
    audio = main.layer(4)
    assert audio.source.duration == 12.5 and audio.source.width is None and audio.placeholder is False
    solid = main.layer(5)
    assert solid.enabled is False and solid.source.kind == "solid" and solid.source.missing is None
    assert solid.source.color == pytest.approx((0.1, 0.2, 0.3))
    null, child = main.layer(6), main.layer(7)
    assert child.parent_id == null.id and null.placeholder is False
    precomp = main.layer(10)  # stored out point 7.5 s; After Effects reports it clamped to the 5 s source
    assert (precomp.in_point, precomp.out_point) == (2.0, 5.0)
    assert precomp.source.kind == "composition" and precomp.source.id == inner.id
    assert main.layer(11).three_d is True
    psd = inner.layer(1)
    assert (psd.name, psd.source.psd_layer, psd.source.path) == ("Logo/poster.psd", "Logo", "/media/in/poster.psd")
    assert doc.fonts == ("ArialMT", "Futura-Bold")
    assert {f.path for f in doc.footage if f.kind == "file"} == {
        "/media/in/photo.png",
        "/media/in/music.wav",
        "/media/in/logo.png",
        "/media/in/bar.png",
        "/media/in/poster.psd",
    }


def test_generated_aepx_and_aep_decode_identically(generated):
    xml, binary = read_template(generated["aepx"]), read_template(generated["aep"])
    assert xml.compositions == binary.compositions
    assert xml.footage == binary.footage


def test_generated_files_agree_with_pyaep(generated, tmp_path):
    doc = read_template(generated["aep"])
    checked = cross_check_with_pyaep(doc, _pyaep_parse(generated["aep"].read_bytes(), tmp_path))
    assert sorted(checked) == sorted(name for name, box in EXPECTED_BBOXES.items() if box is not None)


def test_generated_aepx_converted_agrees_with_pyaep(generated, tmp_path):
    chunks = load_chunks(generated["aepx"].read_bytes())
    doc = read_template(generated["aepx"])
    cross_check_with_pyaep(doc, _pyaep_parse(to_rifx(chunks.root, chunks.xmp), tmp_path))


def test_placeholder_naming_rule(tmp_path):
    path = tmp_path / "static.aepx"
    write_template(
        path,
        compositions=[
            CompSpec(
                name="C",
                layers=[
                    TextLayerSpec(name="_credit", text="fixed"),
                    TextLayerSpec(name="Sponsor [STATIC]", text="fixed"),
                    TextLayerSpec(name="headline", text="replace me"),
                    FootageLayerSpec(name="_frame", path="/m/frame.png", width=10, height=10),
                    FootageLayerSpec(name="photo", path="/m/photo.png", width=10, height=10),
                    SolidLayerSpec(name="plate"),
                ],
            )
        ],
    )
    layers = read_template(path).compositions[0].layers
    assert [layer.placeholder for layer in layers] == [False, False, True, False, True, False]


def test_keyframed_or_expression_transform_gives_no_bbox(tmp_path):
    """Values the file does not hold statically are not guessed: bbox becomes None."""
    root, xmp = build_project([CompSpec(name="C", layers=[FootageLayerSpec(name="moving", path="/m/a.png", width=10, height=10, position=(5, 5))])])
    layr = _first(root, "Layr")
    position = _property(layr, "ADBE Transform Group", "ADBE Position")
    tdb4 = position.find("tdb4")
    tdb4.data = tdb4.data[:68] + b"\x01" + tdb4.data[69:]  # the "animated" byte
    doc = parse_template(aep.to_rifx(root, xmp), source="k.aep")
    assert doc.compositions[0].layers[0].bbox is None
    tdb4.data = tdb4.data[:68] + b"\x00" + tdb4.data[69:]
    position.children.append(aep.Chunk("Utf8", aep.LEAF, b"wiggle(2, 50)"))
    doc = parse_template(aep.to_rifx(root, xmp), source="e.aep")
    assert doc.compositions[0].layers[0].bbox is None


def _first(chunk, tag):
    if chunk.tag == tag:
        return chunk
    for child in chunk.children:
        found = _first(child, tag)
        if found is not None:
            return found
    return None


def _property(layr, *path):
    node = layr.find("tdgp")
    for name in path:
        node = _properties(node)[name]
    return node


def test_timecodes_with_stretch_and_start(tmp_path):
    """In/out points are stored in layer time: comp time = start + value * stretch."""
    root, xmp = build_project([CompSpec(name="C", fps=30, duration=20, layers=[SolidLayerSpec(name="s", in_point=1.0, out_point=3.0)])])
    ldta = _first(root, "Layr").find("ldta")
    data = bytearray(ldta.data)
    struct.pack_into(">iI", data, 12, 2 * 30720, 30720)  # start 2 s
    struct.pack_into(">i", data, 8, 2)  # stretch 200 %
    ldta.data = bytes(data)
    layer = parse_template(aep.to_rifx(root, xmp)).compositions[0].layers[0]
    assert (layer.in_point, layer.out_point) == (4.0, 8.0)


# ============================================================================================
# COS text documents


def test_cos_parses_dictionaries_arrays_strings_and_names():
    text = "A(b)\\c" + "\u6771"
    raw = b"\xfe\xff" + text.encode("utf-16-be")
    escaped = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    data = b" /0 << /1 [ 1 -2 .5 3.25 true false null ] /2 (" + escaped + b") /3 /Name >> /9 (plain) "
    assert parse_cos(data) == {"0": {"1": [1, -2, 0.5, 3.25, True, False, None], "2": text, "3": "Name"}, "9": "plain"}
    assert isinstance(parse_cos(data)["0"]["3"], aep.CosName)


@pytest.mark.parametrize(
    "data",
    [b"/0 << /1 2", b"/0 [ 1 2", b"/0 (unterminated", b"/0 >> ", b"/0 << 1 2 >>", b"/0 @", b"/0 bogus"],
)
def test_cos_rejects_malformed(data):
    with pytest.raises(aep.CosError):
        parse_cos(data)


def test_cos_nesting_is_bounded():
    with pytest.raises(aep.CosError):
        parse_cos(b"/0 " + b"[ " * 10_000)


# ============================================================================================
# Hostile and broken input: one FormatError, one line, fast


SECRET = "TOP-SECRET-DO-NOT-LEAK"


def _xxe(tmp_path: Path) -> bytes:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE AfterEffectsProject [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        f'<AfterEffectsProject xmlns="{aep.AE_NAMESPACE}"><Fold><Item><string>&xxe;</string></Item></Fold>'
        "</AfterEffectsProject>"
    ).encode()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10))
    + b']>\n<AfterEffectsProject xmlns="http://www.adobe.com/products/aftereffects"><string>&lol9;</string></AfterEffectsProject>'
)


def _generated_aep() -> bytes:
    root, xmp = build_project(GENERATED)
    return to_rifx(root, xmp)


def _generated_aepx() -> bytes:
    root, xmp = build_project(GENERATED)
    return to_aepx(root, xmp)


def _nested_rifx(depth: int) -> bytes:
    inner = b""
    for _ in range(depth):
        inner = b"LIST" + struct.pack(">I", 4 + len(inner)) + b"Fold" + inner
    return b"RIFX" + struct.pack(">I", 4 + len(inner)) + b"Egg!" + inner


def _past_end() -> bytes:
    data = bytearray(_generated_aep())
    offset = data.index(b"LIST", 12)  # first LIST after the header: make it claim too much
    struct.pack_into(">I", data, offset + 4, len(data) * 2)
    return bytes(data)


def _deep_cos() -> bytes:
    root, xmp = build_project([CompSpec(name="C", layers=[TextLayerSpec(name="t", text="x")])])
    btdk = _first(root, "btdk")
    btdk.data = b"/0 " + b"[ " * 5000 + b"]" * 5000
    return to_rifx(root, xmp)


HOSTILE = {
    "billion-laughs.aepx": lambda tmp: BILLION_LAUGHS,
    "doctype.aepx": lambda tmp: b'<?xml version="1.0"?><!DOCTYPE x><AfterEffectsProject/>',
    "xxe.aepx": _xxe,
    "xxe-utf16.aepx": lambda tmp: _xxe(tmp).decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16"),
    "truncated.aepx": lambda tmp: _generated_aepx()[: len(_generated_aepx()) // 2],
    "undefined-entity.aepx": lambda tmp: b'<?xml version="1.0"?><AfterEffectsProject>&nope;</AfterEffectsProject>',
    "bad-hex.aepx": lambda tmp: b'<AfterEffectsProject><head bdata="zz"/></AfterEffectsProject>',
    "not-ae.aepx": lambda tmp: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
    "no-fold.aepx": lambda tmp: b'<AfterEffectsProject><head bdata="00"/></AfterEffectsProject>',
    "deep-xml.aepx": lambda tmp: b"<AfterEffectsProject>" + b"<Fold>" * 100 + b"</Fold>" * 100 + b"</AfterEffectsProject>",
    "very-deep-xml.aepx": lambda tmp: b"<AfterEffectsProject>" + b"<Fold>" * 20000 + b"</Fold>" * 20000 + b"</AfterEffectsProject>",
    "empty.aepx": lambda tmp: b"",
    "random.aepx": lambda tmp: random.Random(7).randbytes(64 * 1024),
    "psd-renamed.aepx": lambda tmp: b"8BPS\x00\x01" + bytes(20) + random.Random(3).randbytes(4096),
    "truncated.aep": lambda tmp: _generated_aep()[:5000],
    "header-only.aep": lambda tmp: b"RIFX\x00\x00",
    "past-end.aep": lambda tmp: _past_end(),
    "deep.aep": lambda tmp: _nested_rifx(200),
    "bad-id.aep": lambda tmp: b"RIFX" + struct.pack(">I", 16) + b"Egg!" + b"\x00\x01\x02\x03" + struct.pack(">I", 0) + bytes(4),
    "riff.aep": lambda tmp: b"RIFF" + struct.pack("<I", 4) + b"WAVE",
    "deep-cos.aep": lambda tmp: _deep_cos(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_gives_one_format_error(name, tmp_path):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name](tmp_path))
    start = time.perf_counter()
    with pytest.raises(FormatError) as caught:
        read_template(path)
    elapsed = time.perf_counter() - start
    message = str(caught.value)
    assert elapsed < 1.0
    assert "\n" not in message and message.startswith(f"{name}: ")
    assert SECRET not in message
    assert type(caught.value) is FormatError


def test_real_psd_renamed_to_aepx(tmp_path):
    psd = SHARED / "psd" / "layers-minimal_type-layer.psd"
    if not psd.is_file():
        pytest.skip(f"real PSD fixture not found at {psd}")
    path = tmp_path / "poster.aepx"
    path.write_bytes(psd.read_bytes())
    with pytest.raises(FormatError, match="poster.aepx: this is a Photoshop document"):
        read_template(path)


def test_parser_itself_never_expands_entities(tmp_path):
    """Second line of defence behind the DOCTYPE refusal: the parser configuration."""
    root = etree.fromstring(_xxe(tmp_path), _xml_parser())
    assert SECRET not in etree.tostring(root, encoding="unicode")
    try:  # libxml2 refuses the amplification outright; if it ever parses, nothing expands
        laughs = etree.fromstring(BILLION_LAUGHS, _xml_parser())
    except etree.XMLSyntaxError as exc:
        assert "amplification" in str(exc)
    else:
        assert len(etree.tostring(laughs)) < 10_000


def test_oversized_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.aep"
    with open(path, "wb") as handle:
        handle.seek(30 * 1024 * 1024)
        handle.write(b"\0")
    opened = []
    real_open = builtins.open
    with pytest.MonkeyPatch.context() as patch:  # refused from its size alone: the file is never opened
        patch.setattr(builtins, "open", lambda file, *a, **k: opened.append(file) or real_open(file, *a, **k))
        with pytest.raises(FormatError, match="over the .*-byte limit") as caught:
            read_template(path)
    assert [f for f in opened if str(f) == str(path)] == []
    assert caught.value.code == "too_large"
    small = Limits(max_file_bytes=1000)
    (tmp_path / "g.aep").write_bytes(_generated_aep())
    with pytest.raises(FormatError, match="limit"):
        read_template(tmp_path / "g.aep", limits=small)


def test_chunk_count_is_bounded(tmp_path):
    """A file made of tiny chunks stops at the budget (max_file_bytes // 64 chunks)."""
    count = 300_000
    inner = b"abcd\0\0\0\0" * count
    fold = b"LIST" + struct.pack(">I", 4 + len(inner)) + b"Fold" + inner
    path = tmp_path / "tiny.aep"
    path.write_bytes(b"RIFX" + struct.pack(">I", 4 + len(fold)) + b"Egg!" + fold)
    with pytest.raises(FormatError, match="more than"):
        read_template(path, limits=Limits(max_file_bytes=4 * 1024 * 1024))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FormatError, match="file not found"):
        read_template(tmp_path / "nope.aepx")
    with pytest.raises(FormatError, match="directory"):
        read_template(tmp_path)
    if os.path.exists("/dev/zero"):
        with pytest.raises(FormatError, match="not a regular file"):
            read_template("/dev/zero")


_SEED = _generated_aep()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=st.integers(min_value=0, max_value=len(_SEED)),
    flips=st.lists(st.tuples(st.integers(0, len(_SEED) - 1), st.integers(0, 255)), max_size=8),
)
def test_mutated_binary_never_crashes(cut, flips):
    """Truncated or byte-flipped projects either decode or raise FormatError, nothing else."""
    data = bytearray(_SEED[: max(cut, 12)] if cut < len(_SEED) else _SEED)
    for offset, value in flips:
        if offset < len(data):
            data[offset] = value
    try:
        parse_template(bytes(data), source="fuzz.aep")
    except FormatError as exc:
        assert "\n" not in str(exc)
