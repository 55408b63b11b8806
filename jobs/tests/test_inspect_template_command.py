"""``manage.py inspect_template FILE [--json]``."""

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

from jobs.formats.aep import read_template
from jobs.formats.aepx_writer import (
    CompSpec,
    FootageLayerSpec,
    NullLayerSpec,
    SolidLayerSpec,
    TextLayerSpec,
    write_template,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("AEA_SHARED_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures"))

LAYER_KEYS = {"index", "name", "type", "enabled", "in_point", "out_point", "text", "font", "source", "bbox", "placeholder"}
SOURCE_KEYS = {"id", "name", "path", "width", "height", "missing"}


@pytest.fixture
def template(tmp_path) -> Path:
    present = tmp_path / "present.png"
    present.write_bytes(b"\x89PNG\r\n\x1a\n")
    path = tmp_path / "gameday.aepx"
    write_template(
        path,
        compositions=[
            CompSpec(
                name="Split Screen",
                width=1920,
                height=1080,
                fps=29.97,
                duration=10,
                layers=[
                    TextLayerSpec(name="player1fullname", text="PLAYER NAME", font="Arial-BoldMT", font_size=40, box=(500, 60), position=(350, 230)),
                    FootageLayerSpec(name="featuredimage1", path="/nowhere/cutout.png", width=652, height=1480),
                    FootageLayerSpec(name="logo", path=str(present), width=64, height=64, position=(40, 40)),
                    SolidLayerSpec(name="bg", color=(0, 0, 0), enabled=False),
                    NullLayerSpec(name="rig"),
                ],
            )
        ],
    )
    return path


def _run(*args) -> str:
    out = StringIO()
    call_command("inspect_template", *args, stdout=out)
    return out.getvalue()


def test_json_follows_the_interchange_contract(template):
    data = json.loads(_run(str(template), "--json"))
    assert {"source", "sha256", "format", "compositions", "footage", "fonts"} <= set(data)
    assert (data["source"], data["format"], data["fonts"]) == ("gameday.aepx", "aepx", ["Arial-BoldMT"])
    comp = data["compositions"][0]
    assert {"id", "name", "width", "height", "frame_rate", "duration", "layers"} <= set(comp)
    assert (comp["name"], comp["width"], comp["height"], comp["frame_rate"], comp["duration"]) == ("Split Screen", 1920, 1080, 29.97, 10.0)
    layers = comp["layers"]
    assert all(LAYER_KEYS <= set(layer) for layer in layers)
    title, image, logo, solid, null = layers
    assert (title["index"], title["type"], title["text"], title["font"], title["source"]) == (1, "text", "PLAYER NAME", "Arial-BoldMT", None)
    assert title["bbox"] == [100, 200, 600, 260] and title["placeholder"] is True
    assert SOURCE_KEYS <= set(image["source"])
    assert (image["source"]["name"], image["source"]["missing"], image["source"]["width"]) == ("cutout.png", True, 652)
    assert logo["source"]["missing"] is False
    assert (solid["type"], solid["enabled"], solid["placeholder"]) == ("solid", False, False)
    assert null["type"] == "null"
    assert {f["path"] for f in data["footage"] if f["kind"] == "file"} == {"/nowhere/cutout.png", str(template.parent / "present.png")}


def test_json_is_indented_by_two(template):
    assert _run(str(template), "--json").startswith('{\n  "source": ')


def test_tree_lists_compositions_layers_and_missing_files(template):
    text = _run(str(template))
    lines = text.splitlines()
    assert lines[0].startswith("gameday.aepx (aepx, After Effects 25.5x4)")
    assert 'Composition "Split Screen"  1920x1080  29.97 fps  10 s' in lines
    assert any(line.split()[:3] == ["1", "text", "player1fullname"] and '"PLAYER NAME"' in line and "[Arial-BoldMT 40pt]" in line for line in lines)
    image = next(line for line in lines if "featuredimage1" in line)
    assert image.split()[:2] == ["2", "footage"] and "<- /nowhere/cutout.png" in image and "MISSING" in image
    logo = next(line for line in lines if " logo " in line)
    assert "MISSING" not in logo
    assert "(disabled)" in next(line for line in lines if " bg " in line)
    assert "  MISSING /nowhere/cutout.png" in lines
    assert lines[-1] == "Fonts: Arial-BoldMT"


def test_the_real_fixture(shared_fixtures):
    path = shared_fixtures / "aepx" / "split-screen.aepx"
    assert json.loads(_run(str(path), "--json")) == json.loads(json.dumps(read_template(path).to_dict()))
    text = _run(str(path))
    assert 'Composition "test-aep"  1200x1500  30 fps  10 s' in text
    assert "test-photoshop-doc" in text and "RUSHFLOW" in text


@pytest.mark.parametrize("content", [b"", b"not a project", b'<?xml version="1.0"?><!DOCTYPE x><AfterEffectsProject/>'])
def test_bad_file_is_a_command_error_with_exit_code_1(tmp_path, content):
    path = tmp_path / "bad.aepx"
    path.write_bytes(content)
    with pytest.raises(CommandError) as caught:
        _run(str(path))
    assert caught.value.returncode == 1
    assert "\n" not in str(caught.value) and str(caught.value).startswith("bad.aepx: ")


def test_bad_file_from_the_shell_prints_one_line_and_no_traceback(tmp_path):
    path = tmp_path / "broken.aep"
    path.write_bytes(b"RIFX\x00\x00\x10\x00Egg!LIST")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aeautomation.settings"}
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), "inspect_template", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "broken.aep: truncated project" in result.stderr


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="file not found"):
        _run(str(tmp_path / "nope.aepx"))
