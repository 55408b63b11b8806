"""NUL characters in files never reach a description: PostgreSQL stores none in text or jsonb.

Photoshop and After Effects files can hold NUL in a layer name, a text, a font or a path. The
PSD reader and the After Effects readers (.aepx and .aep) strip them from every string of the
description they assemble, and ``PsdDocument.from_dict`` / ``TemplateDocument.from_dict``
strip them from stored descriptions read back.

Plain Python (no Django): ``pytest -p no:django --noconftest jobs/tests/formats/test_nul_characters.py``.
"""

from __future__ import annotations

import json

import pytest
from PIL import Image

from jobs.formats.aep import parse_template, read_template
from jobs.formats.aepx_writer import CompSpec, FootageLayerSpec, TextLayerSpec, write_template
from jobs.formats.descriptions import PsdDocument, TemplateDocument, clean_text, without_nul
from jobs.formats.psd import export_psd, read_psd
from jobs.formats.psd_writer import GroupSpec, PixelLayerSpec, TypeLayerSpec, write_psd

NUL = "\x00"


def _strings(value):
    """Every string in JSON-like data, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def assert_no_nul(data: dict) -> None:
    holding = [s for s in _strings(data) if NUL in s]
    assert holding == [], f"strings holding NUL: {holding!r}"
    assert "\\u0000" not in json.dumps(data)


def write_nul_psd(path):
    """A PSD whose group, type layer, text, font and pixel layer names hold NUL characters."""
    return write_psd(path, width=300, height=200, layers=[
        GroupSpec("Ti\x00tles", children=[
            TypeLayerSpec("JORDAN\x00 AVERY", font="Futura\x00-Bold", size=24, left=10, top=60, name="Pla\x00yer"),
        ]),
        PixelLayerSpec("Lo\x00go\x00", Image.new("RGBA", (40, 40), (255, 0, 0, 255)), left=200, top=20),
        PixelLayerSpec("Background", Image.new("RGB", (300, 200), (240, 240, 200))),
    ])


# --------------------------------------------------------------------------------------------
# PSD


def test_psd_reader_strips_nul_from_names_texts_fonts_and_paths(tmp_path):
    psd = write_nul_psd(tmp_path / "nul.psd")
    document = read_psd(psd)
    assert_no_nul(document.to_dict())
    by_name = {layer.name: layer for layer in document.layers}
    assert set(by_name) == {"Titles", "Player", "Logo", "Background"}
    player = by_name["Player"]
    assert (player.kind, player.path, player.text, player.font) == ("type", "Titles/Player", "JORDAN AVERY", "Futura-Bold")
    assert player.parent_id == by_name["Titles"].id
    assert by_name["Logo"].path == "Logo"


def test_psd_export_describes_the_same_clean_document(tmp_path):
    psd = write_nul_psd(tmp_path / "nul.psd")
    export = export_psd(psd, tmp_path / "out")
    assert_no_nul(export.document.to_dict())
    assert export.document == read_psd(psd)
    exported = {image.layer_id for image in export.images if image.role == "layer"}
    assert {layer.id for layer in export.document.layers if layer.name in ("Player", "Logo")} <= exported


# --------------------------------------------------------------------------------------------
# After Effects: .aepx and .aep


def nul_comp(name: str = "Game\x00day") -> CompSpec:
    return CompSpec(name=name, width=1280, height=720, layers=[
        # No name of its own: After Effects shows the text's first line, NUL and all.
        TextLayerSpec(text="PLAYER\x00 NAME", font="Futura\x00-Bold", font_size=48, position=(640, 600)),
        TextLayerSpec(name="matchup", text="HOME\x00 vs AWAY", font="ArialMT", position=(640, 660)),
        FootageLayerSpec(name="logo", path="/Volumes/T/logo.png", width=100, height=100),
    ])


def test_aepx_reader_strips_nul_from_layer_names_texts_and_fonts(tmp_path):
    path = tmp_path / "nul.aepx"
    write_template(path, compositions=[nul_comp(name="Gameday")])  # XML cannot hold NUL in <string>
    # A layer name stored as a hex Utf8 chunk, as the .aepx mapping allows, holding NUL.
    data = path.read_bytes()
    assert data.count(b"<string>logo</string>") == 1
    data = data.replace(b"<string>logo</string>", b'<Utf8 bdata="%s"/>' % b"team\x00logo".hex().encode())
    path.write_bytes(data)

    document = read_template(path)
    assert document.format == "aepx"
    assert_no_nul(document.to_dict())
    comp = document.composition("Gameday")
    assert [(layer.name, layer.text, layer.font) for layer in comp.layers] == [
        ("PLAYER NAME", "PLAYER NAME", "Futura-Bold"),
        ("matchup", "HOME vs AWAY", "ArialMT"),
        ("teamlogo", None, None),
    ]
    assert "Futura-Bold" in document.fonts


def test_aep_reader_strips_nul_from_composition_footage_and_layer_names_and_paths(tmp_path):
    comp = CompSpec(name="Game\x00day", width=1280, height=720, layers=[
        TextLayerSpec(name="\x00_credit", text="static\x00 text"),  # static once the NUL is gone
        FootageLayerSpec(name="lo\x00go", path="/Volumes/T\x00/lo\x00go.png", width=100, height=100),
    ])
    path = tmp_path / "nul.aep"
    write_template(path, compositions=[comp])
    data = path.read_bytes()
    assert data[:4] == b"RIFX" and b"Game\x00day" in data

    document = read_template(path)
    assert document.format == "aep"
    assert_no_nul(document.to_dict())
    assert [c.name for c in document.compositions] == ["Gameday"]
    credit, logo = document.composition("Gameday").layers
    assert (credit.name, credit.text, credit.placeholder) == ("_credit", "static text", False)
    assert (logo.name, logo.source.path, logo.placeholder) == ("logo", "/Volumes/T/logo.png", True)
    assert [(f.name, f.path) for f in document.footage] == [("logo.png", "/Volumes/T/logo.png")]
    assert parse_template(data, source="nul.aep") == document


# --------------------------------------------------------------------------------------------
# Stored descriptions read back


def test_from_dict_strips_nul_from_stored_psd_descriptions():
    stored = {
        "source": "a\x00.psd", "width": 10, "height": 10,
        "layers": [{"id": 1, "name": "Na\x00me", "kind": "type", "path": "G\x00/Na\x00me",
                    "text": "te\x00xt", "font": "Ar\x00ial", "bbox": [0, 0, 5, 5]}],
    }
    document = PsdDocument.from_dict(stored)
    assert_no_nul(document.to_dict())
    layer = document.layers[0]
    assert (layer.name, layer.path, layer.text, layer.font) == ("Name", "G/Name", "text", "Arial")
    assert document.source == "a.psd"


def test_from_dict_strips_nul_from_stored_template_descriptions():
    source = {"id": 7, "name": "lo\x00go.png", "path": "/V/lo\x00go.png", "kind": "file", "psd_layer": "L\x00"}
    stored = {
        "source": "t\x00.aepx", "format": "aepx", "ae_version": "25\x00",
        "compositions": [{"id": 1, "name": "Co\x00mp", "width": 10, "height": 10, "renderer": "ADBE\x00",
                          "layers": [{"index": 1, "name": "ti\x00tle", "type": "text", "text": "T\x00",
                                      "font": "F\x00", "justification": "left\x00"},
                                     {"index": 2, "name": "lo\x00go", "type": "footage", "source": source}]}],
        "footage": [source],
        "fonts": ["F\x00"],
    }
    document = TemplateDocument.from_dict(stored)
    assert_no_nul(document.to_dict())
    comp = document.composition("Comp")
    assert [layer.name for layer in comp.layers] == ["title", "logo"]
    assert comp.layers[1].source.path == "/V/logo.png" and document.fonts == ("F",)


def test_without_nul_keeps_clean_values_as_they_are(tmp_path):
    document = read_psd(write_psd(tmp_path / "clean.psd", width=20, height=20, layers=[
        PixelLayerSpec("Background", Image.new("RGB", (20, 20), (1, 2, 3))),
    ]))
    assert without_nul(document) is document
    data = {"a": ["b", ("c",)], "n": 1}
    assert without_nul(data) is data
    assert without_nul({"k\x00": ["v\x00", ("w\x00", 2)]}) == {"k": ["v", ("w", 2)]}
    assert clean_text("\x00a\x00\x00b\x00") == "ab"


@pytest.mark.parametrize("fmt", ["aepx", "aep"])
def test_template_without_nul_is_unchanged_by_the_cleaning(tmp_path, fmt):
    path = tmp_path / f"clean.{fmt}"
    write_template(path, compositions=[CompSpec(name="Clean", layers=[TextLayerSpec(name="t", text="Hello")])])
    document = read_template(path)
    assert without_nul(document) is document
    assert document.composition("Clean").layers[0].text == "Hello"
