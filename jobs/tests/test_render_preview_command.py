"""``manage.py render_preview TEMPLATE [--psd] [--matches] [--composition] --out FILE [--fps]
[--width]``: the motion preview written as animated WebP or MP4, its metrics printed, on a
generated keyframed template, a populated one and the real After Effects fixture; a bad
file or argument exits 1 with one line."""

from __future__ import annotations

import json
import time
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from jobs.tests.formats import motion_cases


def run(*args: str) -> str:
    out = StringIO()
    call_command("render_preview", *args, stdout=out)
    return out.getvalue()


def fails(*args: str) -> str:
    with pytest.raises(CommandError) as error:
        run(*args)
    assert error.value.returncode == 1
    message = str(error.value)
    assert message and "\n" not in message
    return message


@pytest.fixture
def keyframed(tmp_path):
    return str(motion_cases.write_template(tmp_path / "motion.json"))


def webp_frames(path) -> list[tuple[np.ndarray, int]]:
    """The frames of an animated WebP and their durations."""
    frames = []
    with Image.open(path) as image:
        for n in range(image.n_frames):
            image.seek(n)
            image.load()
            frames.append((np.asarray(image.convert("RGB")).copy(), image.info["duration"]))
    return frames


def test_webp_of_a_keyframed_template(keyframed, tmp_path):
    out = tmp_path / "motion.webp"
    text = run(keyframed, "--out", str(out), "--fps", "10", "--width", "480")
    assert "30 frames at 10 fps" in text and "480x270" in text
    assert "left out: 1" in text and "Camera 1 (camera): camera: 3D camera moves are not drawn" in text
    assert "approximated: 1" in text and "blob (shape)" in text
    assert "title: 30 frame(s), 0-2.9 s" in text
    frames = webp_frames(out)
    assert sum(duration for _, duration in frames) == 3000  # 30 frames of 100 ms
    assert {frame.shape for frame, _ in frames} == {(270, 480, 3)}
    # Every frame is in the file; the first second moves (0.0 .. 1.0 s), then nothing changes.
    assert len(frames) == 30
    for n in range(1, 11):
        assert not np.array_equal(frames[n - 1][0], frames[n][0]), n
    for n in range(11, 30):
        assert np.array_equal(frames[10][0], frames[n][0]), n


def test_mp4_holds_every_frame(keyframed, tmp_path):
    av = pytest.importorskip("av", reason="PyAV (requirements.txt) writes MP4")
    out = tmp_path / "motion.mp4"
    metrics = json.loads(run(keyframed, "--out", str(out), "--fps", "10", "--width", "320", "--json"))
    assert (metrics["frames"], metrics["width"], metrics["height"]) == (30, 320, 180)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        decoded = [frame.to_ndarray(format="rgb24").astype(int) for frame in container.decode(stream)]
    assert len(decoded) == 30 and decoded[0].shape == (180, 320, 3)
    assert np.abs(decoded[0] - decoded[10]).mean() > 1  # it moved
    assert np.abs(decoded[15] - decoded[29]).mean() < 1  # it did not (up to the codec)


def test_populated_from_a_psd_description_and_matches(keyframed, tmp_path):
    psd = tmp_path / "poster.json"
    psd.write_text(json.dumps({"source": "poster.psd", "width": 960, "height": 540, "layers": [
        {"id": 4, "name": "headline", "kind": "type", "bbox": [0, 0, 400, 60], "text": "HELLO"}]}))
    matches = tmp_path / "matches.json"
    matches.write_text(json.dumps({"matches": [{
        "composition": "Main", "layer_index": 1, "placeholder": "title", "psd_layer_id": 4, "psd_layer": "headline",
        "confidence": 0.9, "reason": "test", "placeholder_type": "text"}]}))
    metrics = json.loads(run(keyframed, "--psd", str(psd), "--matches", str(matches), "--out",
                             str(tmp_path / "m.webp"), "--json"))
    assert metrics["text_overflow"] == []  # HELLO fits where the template's long title did not
    assert metrics["frames"] == 30


def test_real_fixture_within_a_minute(shared_fixtures, tmp_path):
    path = shared_fixtures / "aepx" / "split-screen.aepx"
    if not path.is_file():
        pytest.skip(f"real After Effects fixture not found at {path}")
    for name in ("test-aep", "test-photoshop-doc"):
        out = tmp_path / f"{name}.webp"
        started = time.monotonic()
        metrics = json.loads(run(str(path), "--composition", name, "--out", str(out), "--fps", "10", "--width",
                                 "480", "--json"))
        assert time.monotonic() - started < 60
        assert metrics["frames"] == 100 and metrics["width"] <= 480
        frames = webp_frames(out)
        assert len(frames) == 100 and sum(duration for _, duration in frames) == 10_000
        assert frames[0][0].shape[1] <= 480


def test_bad_inputs_exit_1_with_one_line(keyframed, tmp_path):
    garbage = tmp_path / "broken.aepx"
    garbage.write_bytes(b"this is not an After Effects project")
    assert "broken.aepx" in fails(str(garbage), "--out", str(tmp_path / "x.webp"))
    assert "no such file" in fails(str(tmp_path / "absent.aep"), "--out", str(tmp_path / "x.webp"))
    assert ".webp or .mp4" in fails(keyframed, "--out", str(tmp_path / "x.gif"))
    assert "no composition 'Nope'" in fails(keyframed, "--composition", "Nope", "--out", str(tmp_path / "x.webp"))
    assert "--fps" in fails(keyframed, "--fps", "0", "--out", str(tmp_path / "x.webp"))
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{nope")
    assert "bad JSON" in fails(str(bad_json), "--out", str(tmp_path / "x.webp"))
    assert not (tmp_path / "x.webp").exists()
