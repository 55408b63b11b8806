"""Tests of jobs.formats.psd: descriptions of real Photoshop files, exports, hostile input.

Plain Python (no Django): ``pytest -p no:django --noconftest jobs/tests/formats/test_psd*.py``.

The expected layers of the shared fixtures were read independently with bare psd-tools
(``PSDImage.open``, ``descendants()``, ``layer_id``, ``kind``, ``bbox``, ``visible``,
``TypeLayer.typesetting``), then put in document order (top of the stack first).
"""

from __future__ import annotations

import os
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from psd_tools import PSDImage

from jobs.formats.errors import FormatError
from jobs.formats.limits import Limits
from jobs.formats.psd import READER_VERSION, PsdExport, export_psd, read_psd
from jobs.formats.psd_writer import GroupSpec, PixelLayerSpec, TypeLayerSpec, write_psd

SHARED_FIXTURES = Path(
    os.environ.get("AEA_SHARED_FIXTURES", Path(__file__).resolve().parents[4] / "shared" / "fixtures")
)
PSD_FIXTURES = SHARED_FIXTURES / "psd"


def fixture(name: str) -> Path:
    path = PSD_FIXTURES / name
    if not path.is_file():
        pytest.skip(f"shared Photoshop fixture {path} not found (set AEA_SHARED_FIXTURES)")
    return path


# --------------------------------------------------------------------------------------------
# Descriptions of the shared fixtures

# name -> [(id, name, kind, path, bbox, visible, opacity)], top of the stack first
EXPECTED_LAYERS = {
    "16bit5x5.psd": [
        (4, "Background copy 2", "pixel", "Background copy 2", (4, 1, 5, 4), True, 1.0),
        (2, "Background copy", "pixel", "Background copy", (0, 0, 5, 5), True, 1.0),
        (1, "Background", "pixel", "Background", (0, 0, 5, 5), True, 1.0),
    ],
    "1layer.psb": [(2, "Фон", "pixel", "Фон", (0, 0, 101, 55), True, 1.0)],
    "artboard.psd": [
        (3, "Artboard 1", "artboard", "Artboard 1", (238, 77, 1154, 1061), True, 1.0),
        (10, "border", "pixel", "Artboard 1/border", (238, 77, 1154, 1061), True, 1.0),
        (8, "First Artboard", "type", "Artboard 1/First Artboard", (321, 321, 1420, 847), True, 1.0),
        (2, "Layer 0", "pixel", "Artboard 1/Layer 0", (-736, -356, 1154, 1061), True, 1.0),
    ],
    # No layer ids in this file: synthetic -(order + 1).
    "broken-groups.psd": [
        (-1, "bebek", "group", "bebek", (553, 433, 621, 514), True, 1.0),
        (-2, "el sol", "pixel", "bebek/el sol", (553, 433, 621, 514), True, 1.0),
        (-3, "anne", "group", "anne", (0, 0, 193, 68), True, 1.0),
        (-4, "kas", "pixel", "anne/kas", (0, 0, 193, 68), True, 1.0),
    ],
    "colormodes_4x4_8bit_cmyk.psd": [
        (5, "Gradient Fill 1", "gradientfill", "Gradient Fill 1", (0, 0, 4, 4), True, 1.0),
        (2, "Layer 1", "pixel", "Layer 1", (0, 0, 0, 0), True, 1.0),
    ],
    "group.psd": [
        (3, "Group 1", "group", "Group 1", (25, 24, 66, 98), True, 1.0),
        (2, "Shape 1", "shape", "Group 1/Shape 1", (25, 24, 66, 98), True, 1.0),
        (1, "Background", "pixel", "Background", (0, 0, 100, 200), True, 1.0),
    ],
    "hidden-layer.psd": [
        (3, "Shape 2", "shape", "Shape 2", (20, 58, 79, 75), False, 1.0),
        (2, "Shape 1", "shape", "Shape 1", (20, 5, 68, 54), True, 1.0),
        (1, "Background", "pixel", "Background", (0, 0, 100, 150), True, 1.0),
    ],
    "layer-name-emoji.psd": [(2, "👽", "pixel", "👽", (0, 0, 4, 4), True, 0.502)],
    "layers-minimal_pixel-layer.psd": [(3, "Pixel", "pixel", "Pixel", (1, 1, 30, 30), True, 1.0)],
    "layers-minimal_shape-layer.psd": [(3, "Polygon 1", "shape", "Polygon 1", (1, 1, 30, 30), True, 1.0)],
    "layers-minimal_type-layer.psd": [(3, "A", "type", "A", (5, 5, 27, 28), True, 1.0)],
    "layers_smartobject-layer.psd": [
        (2, "Smart object", "smartobject", "Smart object", (5, 5, 27, 28), True, 1.0)
    ],
    "placedLayer.psd": [
        (4, "embedded-png", "smartobject", "embedded-png", (96, 96, 160, 160), True, 1.0),
        (3, "linked-psd", "smartobject", "linked-psd", (27, 73, 229, 183), True, 1.0),
        (2, "linked-png", "smartobject", "linked-png", (96, 96, 160, 160), True, 1.0),
        (1, "Background", "pixel", "Background", (0, 0, 256, 256), True, 1.0),
    ],
    "text.psd": [
        (2, "Line 1 Line 2 Line 3 and text", "type", "Line 1 Line 2 Line 3 and text",
         (84, 110, 169, 151), True, 1.0),
        (1, "Background", "pixel", "Background", (0, 0, 400, 400), True, 1.0),
    ],
}

# name -> (width, height, color_mode, depth)
EXPECTED_DOCUMENTS = {
    "16bit5x5.psd": (5, 5, "RGB", 16),
    "1layer.psb": (101, 55, "RGB", 8),
    "artboard.psd": (1154, 1061, "RGB", 8),
    "broken-groups.psd": (621, 514, "RGB", 8),
    "colormodes_4x4_8bit_cmyk.psd": (4, 4, "CMYK", 8),
    "group.psd": (100, 200, "RGB", 8),
    "hidden-layer.psd": (100, 150, "RGB", 8),
    "layer-name-emoji.psd": (4, 4, "RGB", 8),
    "layers-minimal_pixel-layer.psd": (32, 32, "RGB", 8),
    "layers-minimal_shape-layer.psd": (32, 32, "RGB", 8),
    "layers-minimal_type-layer.psd": (32, 32, "RGB", 8),
    "layers_smartobject-layer.psd": (32, 32, "RGB", 8),
    "placedLayer.psd": (256, 256, "RGB", 8),
    "text.psd": (400, 400, "RGB", 8),
}

# name -> layer id -> (text, font, font_size)
EXPECTED_TYPE = {
    "layers-minimal_type-layer.psd": {3: ("A", "ArialMT", 30.0)},
    "text.psd": {2: ("Line 1\nLine 2\nLine 3 and text", "ArialMT", 13.0)},
    "artboard.psd": {8: ("First\nArtboard", "Futura-Medium", 266.67)},
}


def test_every_shared_fixture_is_covered():
    if not PSD_FIXTURES.is_dir():
        pytest.skip(f"shared Photoshop fixtures not found at {PSD_FIXTURES}")
    assert sorted(p.name for p in PSD_FIXTURES.iterdir()) == sorted(EXPECTED_LAYERS)


@pytest.mark.parametrize("name", sorted(EXPECTED_LAYERS))
def test_fixture_layers(name):
    document = read_psd(fixture(name))
    got = [
        (layer.id, layer.name, layer.kind, layer.path, layer.bbox, layer.visible, layer.opacity)
        for layer in document.layers
    ]
    assert got == EXPECTED_LAYERS[name]
    assert [layer.order for layer in document.layers] == list(range(len(document.layers)))


@pytest.mark.parametrize("name", sorted(EXPECTED_DOCUMENTS))
def test_fixture_document(name):
    path = fixture(name)
    document = read_psd(path)
    assert (document.width, document.height, document.color_mode, document.depth) == EXPECTED_DOCUMENTS[name]
    assert document.source == name
    import hashlib

    assert document.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(EXPECTED_LAYERS))
def test_type_fields_only_on_type_layers(name):
    document = read_psd(fixture(name))
    expected = EXPECTED_TYPE.get(name, {})
    for layer in document.layers:
        if layer.kind == "type":
            assert (layer.text, layer.font, layer.font_size) == expected[layer.id]
        else:
            assert (layer.text, layer.font, layer.font_size) == (None, None, None)
    assert {layer.id for layer in document.layers if layer.kind == "type"} == set(expected)


def test_parent_ids_follow_groups():
    document = read_psd(fixture("group.psd"))
    parents = {layer.id: layer.parent_id for layer in document.layers}
    assert parents == {3: None, 2: 3, 1: None}
    artboard = read_psd(fixture("artboard.psd"))
    assert {layer.id: layer.parent_id for layer in artboard.layers} == {3: None, 10: 3, 8: 3, 2: 3}


def test_description_round_trips_through_interchange_json():
    document = read_psd(fixture("text.psd"))
    data = document.to_dict()
    assert list(data) == ["source", "sha256", "width", "height", "color_mode", "depth", "layers"]
    layer = data["layers"][0]
    assert layer["bbox"] == [84, 110, 169, 151]
    assert layer["font"] == "ArialMT" and layer["font_size"] == 13.0
    assert type(document).from_dict(data) == document


def test_reader_version_is_a_non_empty_string():
    assert isinstance(READER_VERSION, str) and READER_VERSION


# --------------------------------------------------------------------------------------------
# Exports


def png(path: Path) -> Image.Image:
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.load()
        return image


def assert_srgba_pngs(export: PsdExport):
    for image in export.images:
        loaded = png(image.path)
        assert loaded.mode == "RGBA", image.path.name
        assert (loaded.width, loaded.height) == (image.width, image.height)


def same_visible_pixels(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal alpha everywhere, equal colour where anything shows."""
    shown = a[..., 3] > 0
    return np.array_equal(a[..., 3], b[..., 3]) and np.array_equal(a[shown, :3], b[shown, :3])


def sizes(export: PsdExport) -> dict:
    return {image.path.name: (image.width, image.height) for image in export.images}


def test_export_16bit(tmp_path):
    path = fixture("16bit5x5.psd")
    export = export_psd(path, tmp_path)
    assert_srgba_pngs(export)
    assert sizes(export) == {
        "layer-4.png": (1, 3), "layer-4-thumb.png": (1, 3),
        "layer-2.png": (5, 5), "layer-2-thumb.png": (5, 5),
        "layer-1.png": (5, 5), "layer-1-thumb.png": (5, 5),
        "flattened.png": (5, 5), "flattened-thumb.png": (5, 5),
    }
    # Same pixels as psd-tools' own 16-to-8-bit conversion.
    psd = PSDImage.open(path)
    bottom = psd[0]
    assert np.array_equal(np.asarray(png(tmp_path / "layer-1.png")), np.asarray(bottom.topil().convert("RGBA")))
    assert np.asarray(png(tmp_path / "layer-1.png"))[0, 0].tolist() == [236, 242, 251, 255]
    assert np.array_equal(np.asarray(png(tmp_path / "flattened.png")), np.asarray(psd.composite().convert("RGBA")))


def test_export_cmyk_is_converted_with_the_documents_profile(tmp_path):
    path = fixture("colormodes_4x4_8bit_cmyk.psd")
    export = export_psd(path, tmp_path)
    assert_srgba_pngs(export)
    # "Layer 1" has an empty box: nothing to export. The gradient fill is rendered.
    assert sizes(export) == {
        "layer-5.png": (4, 4), "layer-5-thumb.png": (4, 4),
        "flattened.png": (4, 4), "flattened-thumb.png": (4, 4),
    }
    flattened = np.asarray(png(tmp_path / "flattened.png"))
    expected = np.asarray(PSDImage.open(path).composite().convert("RGBA"))  # ICC-applied sRGB
    assert np.array_equal(flattened, expected)
    assert flattened[..., 3].min() == 255
    assert len({tuple(p) for p in flattened.reshape(-1, 4)}) > 4  # a gradient, not a flat fill


def test_export_psb(tmp_path):
    export = export_psd(fixture("1layer.psb"), tmp_path)
    assert_srgba_pngs(export)
    assert sizes(export) == {
        "layer-2.png": (101, 55), "layer-2-thumb.png": (101, 55),
        "flattened.png": (101, 55), "flattened-thumb.png": (101, 55),
    }


def test_export_skips_hidden_layers_and_groups(tmp_path):
    export = export_psd(fixture("hidden-layer.psd"), tmp_path)
    assert [(i.layer_id, i.role) for i in export.images] == [
        (2, "layer"), (2, "thumbnail"), (1, "layer"), (1, "thumbnail"),
        (None, "flattened"), (None, "flattened_thumbnail"),
    ]
    export = export_psd(fixture("group.psd"), tmp_path / "group")
    assert {i.layer_id for i in export.images if i.role == "layer"} == {2, 1}  # not group 3


def test_export_shape_layer_is_rendered(tmp_path):
    export = export_psd(fixture("layers-minimal_shape-layer.psd"), tmp_path)
    shape = np.asarray(png(export.image(3).path))
    assert shape.shape == (29, 29, 4)
    assert shape[..., 3].max() == 255 and shape[..., 3].min() == 0  # a polygon, not a rectangle


def test_export_applies_layer_opacity(tmp_path):
    path = fixture("layer-name-emoji.psd")
    export = export_psd(path, tmp_path)
    stored = np.asarray(PSDImage.open(path)[0].topil().convert("RGBA"))
    exported = np.asarray(png(export.image(2).path))
    assert stored[..., 3].max() == 255
    assert np.array_equal(exported[..., 3], (stored[..., 3].astype(int) * 128 + 127) // 255)


def test_export_uses_stored_composite_when_present(tmp_path):
    path = fixture("text.psd")
    export = export_psd(path, tmp_path)
    stored = PSDImage.open(path).topil()  # the file's own merged image
    assert np.array_equal(np.asarray(png(export.image(None, "flattened").path)), np.asarray(stored.convert("RGBA")))


def test_export_composites_when_no_stored_composite(tmp_path):
    path = fixture("layers-minimal_pixel-layer.psd")
    assert not PSDImage.open(path).has_preview()
    export = export_psd(path, tmp_path)
    flattened = np.asarray(png(export.image(None, "flattened").path))
    layer = np.asarray(png(export.image(3).path))
    assert flattened.shape == (32, 32, 4)
    assert same_visible_pixels(flattened[1:30, 1:30], layer)  # the only layer, at (1, 1)
    assert flattened[0, 0, 3] == 0


def test_thumbnails_have_longest_side_256_and_keep_aspect(tmp_path):
    export = export_psd(fixture("artboard.psd"), tmp_path)
    assert sizes(export)["layer-2.png"] == (1890, 1417)
    assert sizes(export)["layer-2-thumb.png"] == (256, 192)
    assert sizes(export)["flattened.png"] == (1154, 1061)
    assert sizes(export)["flattened-thumb.png"] == (256, 235)
    export = export_psd(fixture("artboard.psd"), tmp_path / "small", thumbnail_size=64)
    assert sizes(export)["layer-2-thumb.png"] == (64, 48)


def test_rerun_replaces_files_and_removes_stale_ones(tmp_path):
    source = tmp_path / "doc.psd"
    two = [
        PixelLayerSpec("a", Image.new("RGB", (10, 10), "red"), layer_id=7),
        PixelLayerSpec("b", Image.new("RGB", (20, 20), "blue"), layer_id=8),
    ]
    write_psd(source, width=30, height=30, layers=two)
    out = tmp_path / "out"
    first = export_psd(source, out)
    again = export_psd(source, out)
    assert sizes(first) == sizes(again)
    assert sorted(p.name for p in out.iterdir()) == sorted(sizes(first))
    (out / "notes.txt").write_text("not ours")
    write_psd(source, width=30, height=30, layers=two[:1])
    export_psd(source, out)
    assert sorted(p.name for p in out.iterdir()) == [
        "flattened-thumb.png", "flattened.png", "layer-7-thumb.png", "layer-7.png", "notes.txt"
    ]


def test_export_of_writer_documents_in_every_mode_and_depth(tmp_path):
    layers = [
        GroupSpec("hidden group", visible=False, children=[
            PixelLayerSpec("under hidden group", Image.new("RGB", (5, 5), "green"), layer_id=9),
        ], layer_id=8),
        PixelLayerSpec("half", Image.new("RGBA", (20, 10), (200, 100, 50, 128)), left=5, top=5, layer_id=2),
    ]
    for mode, depth, large in [("L", 8, False), ("L", 16, False), ("RGB", 32, False),
                               ("CMYK", 8, False), ("CMYK", 16, False), ("RGB", 8, True)]:
        path = write_psd(tmp_path / f"{mode}{depth}{large}.psd", width=40, height=30, layers=layers,
                         mode=mode, depth=depth, large_document=large)
        out = tmp_path / f"{mode}{depth}{large}"
        export = export_psd(path, out)
        assert_srgba_pngs(export)
        assert sizes(export) == {
            "layer-2.png": (20, 10), "layer-2-thumb.png": (20, 10),
            "flattened.png": (40, 30), "flattened-thumb.png": (40, 30),
        }, (mode, depth, large)
        layer = np.asarray(png(out / "layer-2.png"))
        flat = np.asarray(png(out / "flattened.png"))
        assert layer[..., 3].tolist() == [[128] * 20] * 10, (mode, depth)
        assert flat[0, 0, 3] == 0 and flat[10, 10, 3] == 128, (mode, depth)
        if mode == "L":
            r, g, b = layer[0, 0, :3]
            assert r == g == b and abs(int(r) - 124) <= 1  # luma of (200, 100, 50)
        else:
            assert np.abs(layer[0, 0, :3].astype(int) - [200, 100, 50]).max() <= 2, (mode, depth)
        document = export.document
        assert (document.color_mode, document.depth) == ({"L": "Grayscale"}.get(mode, mode), depth)


# --------------------------------------------------------------------------------------------
# Hostile input


def craft_psd(
    *,
    width: int = 64,
    height: int = 64,
    layer_count: int | None = None,
    layer_rect: tuple[int, int, int, int] | None = None,
    channel_data: bytes = b"",
    compression: int = 2,
    image_data: bytes | None = None,
) -> bytes:
    """A PSD built by hand with struct: header, empty sections, an optional layer record.

    ``layer_rect`` is (top, left, bottom, right); its four channels (-1, 0, 1, 2) each hold
    ``channel_data`` with ``compression``. ``layer_count`` overrides the declared count. The
    merged image is black, RLE-compressed, unless ``image_data`` is given.
    """
    if image_data is None:
        image_data = black_rle_image(width, height, channels=3)
    header = struct.pack(">4sH6sHIIHH", b"8BPS", 1, b"\0" * 6, 3, height, width, 8, 3)
    sections = struct.pack(">I", 0) + struct.pack(">I", 0)  # colour mode data, image resources
    records = b""
    channels = b""
    count = 0
    if layer_rect is not None:
        count = 1
        channel_ids = (-1, 0, 1, 2)
        records += struct.pack(">4i", *layer_rect) + struct.pack(">H", len(channel_ids))
        for channel_id in channel_ids:
            records += struct.pack(">hI", channel_id, len(channel_data) + 2)
        extra = struct.pack(">I", 0) + struct.pack(">I", 0) + b"\x01a\x00\x00"  # mask, ranges, name
        records += b"8BIMnorm" + bytes([255, 0, 0, 0]) + struct.pack(">I", len(extra)) + extra
        channels = b"".join(struct.pack(">H", compression) + channel_data for _ in channel_ids)
    declared = count if layer_count is None else layer_count
    layer_info = struct.pack(">h", declared) + records + channels
    layer_info += b"\0" * (len(layer_info) % 2)
    layer_and_mask = struct.pack(">I", len(layer_info)) + layer_info + struct.pack(">I", 0)
    return header + sections + struct.pack(">I", len(layer_and_mask)) + layer_and_mask + image_data


def black_rle_image(width: int, height: int, channels: int) -> bytes:
    """A merged-image section (compression 1, PackBits) of zero bytes."""
    runs, left = [], width
    while left > 0:
        run = min(left, 128)
        runs.append(struct.pack(">bB", 1 - run, 0) if run > 1 else b"\x00\x00")
        left -= run
    row = b"".join(runs)
    rows = channels * height
    return struct.pack(">H", 1) + struct.pack(">H", len(row)) * rows + row * rows


def zlib_bomb(size: int) -> bytes:
    return zlib.compress(bytes(size), 9)


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    valid = write_psd(
        folder / "valid.psd", width=64, height=64,
        layers=[PixelLayerSpec("a", Image.effect_noise((64, 64), 40).convert("RGB"))],
    )
    data = valid.read_bytes()
    rng = np.random.default_rng(1234)
    files = {
        "empty": b"",
        "random_bytes": rng.integers(0, 256, 200_000, dtype=np.uint8).tobytes(),
        "random_after_signature": b"8BPS" + rng.integers(0, 256, 5_000, dtype=np.uint8).tobytes(),
        "truncated_header": data[:20],
        "truncated_half": data[: len(data) // 2],
        "truncated_image_data": data[: len(data) - 4000],
        "png_renamed": _png_bytes(),
        "header_30000x30000": craft_psd(width=30000, height=30000, image_data=b"\x00\x00"),
        "header_40000x10": craft_psd(width=40000, height=10),
        # within psd-tools' 30,000 px a side, over our 64 Mpx: refused before decoding
        "bomb_document_20000x20000": craft_psd(width=20000, height=20000, image_data=b"\x00\x02" + zlib_bomb(10_000)),
        # a 64x64 document whose one layer record declares 16000x16000 of tiny ZIP channels
        "bomb_layer_16000x16000": craft_psd(layer_rect=(0, 0, 16000, 16000), channel_data=zlib_bomb(100_000)),
        # a legal 1000x1000 layer whose ZIP channels inflate to 64 MB each
        "bomb_zip_stream": craft_psd(width=1000, height=1000, layer_rect=(0, 0, 1000, 1000),
                                     channel_data=zlib_bomb(64_000_000)),
        "absurd_layer_count": craft_psd(layer_count=30000),
        "negative_layer_count": craft_psd(layer_count=-32000),
        "bad_depth": data[:22] + struct.pack(">H", 7) + data[24:],
        "bad_version": data[:4] + struct.pack(">H", 3) + data[6:],
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / f"{name}.psd"
        paths[name].write_bytes(content)
    oversized = folder / "oversized.psd"
    with open(oversized, "wb") as handle:
        handle.write(data[:26])
        handle.truncate(21 * 1024 * 1024)  # sparse: over the 20 MiB limit without writing it
    paths["oversized"] = oversized
    return paths


def _png_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buffer, format="PNG")
    return buffer.getvalue()


HOSTILE = [
    "empty", "random_bytes", "random_after_signature", "truncated_header", "truncated_half",
    "truncated_image_data", "png_renamed", "header_30000x30000", "header_40000x10",
    "bomb_document_20000x20000", "bomb_layer_16000x16000", "bomb_zip_stream",
    "absurd_layer_count", "negative_layer_count", "bad_depth", "bad_version", "oversized",
]


def expect_format_error(call, path: Path) -> tuple[FormatError, float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(FormatError) as caught:
            call(path)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert "\n" not in message and message.startswith(path.name + ": ") and len(message) < 300
    assert "Traceback" not in message
    return caught.value, elapsed, peak


@pytest.mark.parametrize("name", [name for name in HOSTILE if name != "bomb_zip_stream"])
def test_hostile_file_is_refused_quickly_on_read(hostile_files, name):
    error, elapsed, peak = expect_format_error(read_psd, hostile_files[name])
    assert elapsed < 1.0, f"{name}: {elapsed:.2f}s"
    assert peak < 16 * 1024 * 1024, f"{name}: {peak:,} bytes"


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_is_refused_quickly_on_export(hostile_files, name, tmp_path):
    error, elapsed, peak = expect_format_error(lambda p: export_psd(p, tmp_path), hostile_files[name])
    assert elapsed < 1.0, f"{name}: {elapsed:.2f}s"
    assert peak < 16 * 1024 * 1024, f"{name}: {peak:,} bytes"
    assert list(tmp_path.iterdir()) == []  # nothing left behind, not even the staging folder


def test_hostile_messages_say_what_is_wrong(hostile_files):
    def reason(name):
        with pytest.raises(FormatError) as caught:
            read_psd(hostile_files[name])
        return caught.value

    assert "empty" in str(reason("empty"))
    assert "PNG" in str(reason("png_renamed"))
    assert "30,000x30,000" in str(reason("header_30000x30000"))
    assert reason("bomb_document_20000x20000").code == "limit"
    assert "16,000x16,000" in str(reason("bomb_layer_16000x16000"))
    assert "30,000 layers" in str(reason("absurd_layer_count"))
    assert reason("oversized").code == "too_large"
    assert reason("truncated_half").code == "truncated"


def test_zip_bomb_is_only_caught_when_decoded(hostile_files, tmp_path):
    # Reading describes the (legal) layer without decoding it; exporting decodes and refuses.
    document = read_psd(hostile_files["bomb_zip_stream"])
    assert [(layer.kind, layer.bbox) for layer in document.layers] == [("pixel", (0, 0, 1000, 1000))]
    with pytest.raises(FormatError, match="corrupt image data"):
        export_psd(hostile_files["bomb_zip_stream"], tmp_path)


def test_limits_are_honoured(tmp_path):
    path = write_psd(
        tmp_path / "three.psd", width=100, height=100,
        layers=[PixelLayerSpec(f"l{i}", Image.new("RGB", (10, 10), "red")) for i in range(3)],
    )
    assert len(read_psd(path).layers) == 3
    with pytest.raises(FormatError, match="3 layers, over the limit of 2"):
        read_psd(path, limits=Limits(max_layers=2))
    with pytest.raises(FormatError, match="over the limit of 100"):
        read_psd(path, limits=Limits(max_file_bytes=100))
    with pytest.raises(FormatError, match="over the limit of 9,999"):
        read_psd(path, limits=Limits(max_pixels=9_999))
    # A 16-bit Photoshop file keeps its layers in an "Lr16" block: its count is checked too.
    with pytest.raises(FormatError, match="declares 3 layers, over the limit of 2"):
        read_psd(fixture("16bit5x5.psd"), limits=Limits(max_layers=2))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FormatError, match="does not exist"):
        read_psd(tmp_path / "nope.psd")
    with pytest.raises(FormatError, match="not a regular file"):
        read_psd(tmp_path)


@pytest.fixture(scope="module")
def mutation_base(tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("mutation")
    path = write_psd(
        folder / "base.psd", width=24, height=16,
        layers=[
            GroupSpec("g", children=[TypeLayerSpec("Hi", size=10, left=2, top=2)]),
            PixelLayerSpec("p", Image.new("RGBA", (8, 8), (10, 200, 30, 200)), left=3, top=4),
        ],
    )
    return path.read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_files_give_a_document_or_a_format_error(mutation_base, tmp_path_factory, data):
    """Flip, overwrite or cut bytes of a valid file: never anything but a FormatError."""
    content = bytearray(mutation_base)
    for _ in range(data.draw(st.integers(1, 8), label="edits")):
        position = data.draw(st.integers(0, len(content) - 1), label="position")
        content[position] = data.draw(st.integers(0, 255), label="byte")
    cut = data.draw(st.integers(len(content) // 3, len(content)), label="cut")
    folder = tmp_path_factory.mktemp("mutant")
    path = folder / "mutant.psd"
    path.write_bytes(bytes(content[:cut]))
    started = time.perf_counter()
    try:
        export_psd(path, folder / "out")
    except FormatError as error:
        assert "\n" not in str(error)
    assert time.perf_counter() - started < 5.0


def test_text_engine_soup_is_refused_by_the_object_budget(tmp_path, monkeypatch):
    """A type layer whose EngineData holds 100,000 values: parsing stops at the budget."""
    import jobs.formats.psd.reader as psd_module
    import jobs.formats.psd_writer as writer

    engine_data = writer._engine_data
    monkeypatch.setattr(writer, "_engine_data", lambda spec, text: {**engine_data(spec, text), "Soup": [1] * 100_000})
    path = write_psd(tmp_path / "soup.psd", width=20, height=20, layers=[TypeLayerSpec("x")])
    monkeypatch.setattr(psd_module, "MAX_PARSE_OBJECTS", 20_000)
    with pytest.raises(FormatError, match="max_objects exceeded") as caught:
        read_psd(path)
    assert caught.value.code == "limit"
    monkeypatch.setattr(psd_module, "MAX_PARSE_OBJECTS", 300_000)
    assert read_psd(path).layers[0].font == "ArialMT"  # the same file within the default budget
