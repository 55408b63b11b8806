"""``manage.py inspect_psd FILE [--json]``: the interchange JSON, the readable tree, bad files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from jobs.formats.errors import FormatError
from jobs.formats.psd import read_psd
from jobs.formats.psd_writer import GroupSpec, PixelLayerSpec, TypeLayerSpec, write_psd

SHARED_FIXTURES = Path(
    os.environ.get("AEA_SHARED_FIXTURES", Path(__file__).resolve().parents[3] / "shared" / "fixtures")
)
REPO = Path(__file__).resolve().parents[2]

INTERCHANGE_KEYS = ["source", "sha256", "width", "height", "color_mode", "depth", "layers"]
LAYER_KEYS = {"id", "name", "kind", "path", "visible", "opacity", "bbox", "text", "font", "font_size"}


@pytest.fixture
def poster(tmp_path) -> Path:
    return write_psd(
        tmp_path / "poster.psd", width=600, height=400,
        layers=[
            GroupSpec("Names", layer_id=5, children=[
                TypeLayerSpec("BEN FORMAN", font="Futura-Medium", size=36, left=72, top=100, layer_id=7),
            ]),
            PixelLayerSpec("Background", Image.new("RGB", (600, 400), "white"), layer_id=1, visible=False),
        ],
    )


def run(*args) -> str:
    out = StringIO()
    call_command("inspect_psd", *args, stdout=out)
    return out.getvalue()


def test_json_is_the_interchange_description(poster):
    data = json.loads(run(str(poster), "--json"))
    assert list(data) == INTERCHANGE_KEYS
    assert (data["source"], data["width"], data["height"], data["color_mode"], data["depth"]) == (
        "poster.psd", 600, 400, "RGB", 8
    )
    assert len(data["sha256"]) == 64
    assert [(layer["id"], layer["kind"], layer["path"], layer["visible"]) for layer in data["layers"]] == [
        (5, "group", "Names", True), (7, "type", "Names/BEN FORMAN", True), (1, "pixel", "Background", False),
    ]
    ben = data["layers"][1]
    assert LAYER_KEYS <= set(ben)
    assert (ben["text"], ben["font"], ben["font_size"], ben["opacity"]) == ("BEN FORMAN", "Futura-Medium", 36.0, 1.0)
    assert isinstance(ben["bbox"], list) and len(ben["bbox"]) == 4
    assert data["layers"][2]["bbox"] == [0, 0, 600, 400]
    assert data["layers"][2]["text"] is None and data["layers"][2]["font"] is None
    assert data == read_psd(poster).to_dict()


def test_json_is_indented_by_two(poster):
    output = run(str(poster), "--json")
    assert output.startswith('{\n  "source": "poster.psd",')


def test_json_of_a_real_photoshop_file():
    path = SHARED_FIXTURES / "psd" / "text.psd"
    if not path.is_file():
        pytest.skip(f"shared Photoshop fixture {path} not found (set AEA_SHARED_FIXTURES)")
    data = json.loads(run(str(path), "--json"))
    assert data["layers"][0] == {
        "id": 2, "name": "Line 1 Line 2 Line 3 and text", "kind": "type",
        "path": "Line 1 Line 2 Line 3 and text", "visible": True, "opacity": 1.0,
        "bbox": [84, 110, 169, 151], "text": "Line 1\nLine 2\nLine 3 and text", "font": "ArialMT",
        "font_size": 13.0, "parent_id": None, "order": 0,
    }


def test_tree_is_indented_under_groups(poster):
    lines = run(str(poster)).splitlines()
    assert lines[0].startswith("poster.psd  600x400  RGB 8-bit  3 layer(s)  sha256 ")
    assert lines[1].startswith("  group ") and "Names" in lines[1] and "id 5" in lines[1]
    assert lines[2].startswith("    type ")
    assert '"BEN FORMAN"' in lines[2] and "[Futura-Medium 36pt]" in lines[2]
    assert lines[3].startswith("  pixel ") and "[0, 0, 600, 400]" in lines[3] and lines[3].endswith("(hidden)")
    assert len(lines) == 4


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "not a Photoshop file (it is a PNG image)"),
        (b"8BPS" + bytes(10), "not a Photoshop file: only 14 bytes"),
        (os.urandom(5000), "not a Photoshop file"),
    ],
)
def test_bad_file_is_a_command_error_with_status_1(tmp_path, content, reason):
    path = tmp_path / "bad.psd"
    path.write_bytes(content)
    with pytest.raises(CommandError) as caught:
        run(str(path))
    assert caught.value.returncode == 1
    message = str(caught.value)
    assert message.startswith("bad.psd: ") and reason in message and "\n" not in message


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="nope.psd: file does not exist"):
        run(str(tmp_path / "nope.psd"), "--json")


def test_bad_file_from_the_shell_exits_1_with_one_line(tmp_path, poster):
    bad = tmp_path / "cut.psd"
    bad.write_bytes(poster.read_bytes()[:3000])
    result = subprocess.run(
        [sys.executable, "manage.py", "inspect_psd", str(bad)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    with pytest.raises(FormatError) as expected:
        read_psd(bad)
    assert "truncated" in str(expected.value)
    assert result.stderr.splitlines() == [f"CommandError: {expected.value}"]
