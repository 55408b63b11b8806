"""The motion preview (jobs.formats.motion.render): frames over time drawn by the still
preview's painter with the transforms evaluated at each frame, on a generated keyframed
template, a populated one (the render plan's placements at each time), and a keyframed
project written by py-aep; and the encoders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from jobs.formats.descriptions import Match, PsdDocument, PsdLayer
from jobs.formats.motion.encode import EncodeError, write_frames, write_mp4
from jobs.formats.motion.render import MotionError, render_motion
from jobs.formats.render_plan import build_render_plan

from . import motion_cases

EMPTY_PSD = PsdDocument(source="", width=0, height=0)
FPS = 10.0


def _render(template, **kwargs):
    plan = build_render_plan(template=template, psd=EMPTY_PSD, matches=[], image_sizes={})
    return render_motion(plan=plan, template=template, psd=EMPTY_PSD, fps=FPS, **kwargs)


def _same(a: Image.Image, b: Image.Image) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b))


@pytest.fixture(scope="module")
def rendered():
    return _render(motion_cases.template(), width=480)


def test_frames_cover_the_duration_at_the_asked_width(rendered):
    assert len(rendered.frames) == round(motion_cases.DURATION * FPS)
    assert {frame.size for frame in rendered.frames} == {(480, 270)}
    metrics = rendered.metrics
    assert (metrics["frames"], metrics["fps"], metrics["duration"]) == (30, FPS, motion_cases.DURATION)
    assert (metrics["width"], metrics["height"]) == (480, 270)
    assert metrics["render_seconds"] > 0


def test_frames_change_while_it_animates_and_not_after(rendered):
    frames = rendered.frames
    moving = int(motion_cases.MOVING_UNTIL * FPS)
    for n in range(1, moving + 1):
        assert not _same(frames[n - 1], frames[n]), n
    for n in range(moving + 1, len(frames)):
        assert _same(frames[moving], frames[n]), n
    # Only what changes is drawn: the frames after the animation repeat the last moving one.
    assert rendered.metrics["frames_drawn"] == moving + 1
    assert rendered.metrics["static_layers"] >= 2  # the background solid and the shape at least


def test_the_box_moves_where_its_keyframes_put_it(rendered):
    def red_centre(frame):
        pixels = np.asarray(frame).astype(int)
        mask = np.abs(pixels - np.array([230, 51, 26])).max(axis=-1) <= 2  # the box's solid colour
        xs = np.nonzero(mask)[1]
        return xs.mean() / 0.5  # composition pixels (drawn at half size)

    assert red_centre(rendered.frames[0]) == pytest.approx(100, abs=3)
    assert red_centre(rendered.frames[5]) == pytest.approx(450, abs=3)  # halfway, linear
    assert red_centre(rendered.frames[-1]) == pytest.approx(800, abs=3)


def test_the_badge_fades_in_with_its_opacity(rendered):
    def yellow(frame):  # the badge's pixel at its centre, composition (850, 100)
        return np.asarray(frame)[50, 425].astype(int)

    background = np.array([51, 76, 102])
    assert np.abs(yellow(rendered.frames[0]) - background).max() <= 2  # opacity 0
    halfway = yellow(rendered.frames[5])
    assert np.abs(halfway - (background + np.array([255, 255, 0])) / 2).max() <= 3
    assert tuple(yellow(rendered.frames[-1])) == (255, 255, 0)


def test_what_it_cannot_draw_is_listed(rendered):
    left_out = {n["name"]: n["reason"] for n in rendered.metrics["left_out"]}
    assert set(left_out) == {"Camera 1"} and "camera" in left_out["Camera 1"]
    approximated = {n["name"]: n["reason"] for n in rendered.metrics["approximated"]}
    assert set(approximated) == {"blob"} and "shape" in approximated["blob"]
    drawn = {n["name"] for n in rendered.metrics["drawn"]}
    assert {"title", "box", "badge", "bg", "blob"} <= drawn and "Camera 1" not in drawn
    assert "effects" in rendered.metrics["not_described"]


def test_text_overflow_is_reported_over_time(rendered):
    (overflow,) = rendered.metrics["text_overflow"]
    assert overflow["layer"] == "title"
    assert overflow["frames"] == 30 and overflow["first"] == 0 and overflow["last"] == pytest.approx(2.9)


def test_a_wider_frame_is_never_enlarged():
    result = _render(motion_cases.template(), width=4000)
    assert result.frames[0].size == motion_cases.SIZE


def test_an_unknown_composition_is_refused():
    with pytest.raises(MotionError, match="no composition 'Nope'"):
        _render(motion_cases.template(), composition="Nope")


def test_too_many_frames_are_refused_before_drawing():
    with pytest.raises(MotionError, match="30 frames at 10 fps, more than 20; lower the frame rate"):
        _render(motion_cases.template(), max_frames=20)


def test_a_populated_placeholder_follows_its_animation(tmp_path):
    """The render plan's rule at each time: the PSD image fills the animated placeholder."""
    from dataclasses import replace

    template = motion_cases.template()
    comp = template.compositions[0]
    photo = replace(comp.layer(2), name="photo", type="footage", placeholder=True,
                    source=replace(comp.layer(2).source, kind="file", path="/x/photo.png"))
    template = replace(template, compositions=(replace(comp, layers=(photo, comp.layer(6))),))
    image = tmp_path / "layer-7.png"
    Image.new("RGB", (240, 240), (0, 255, 0)).save(image)
    psd = PsdDocument(source="p.psd", width=500, height=500,
                      layers=(PsdLayer(id=7, name="photo", kind="pixel", bbox=(0, 0, 240, 240)),))
    matches = [Match("Main", 2, "photo", 7, "photo", 0.9, "test", "footage", "fit")]
    plan = build_render_plan(template=template, psd=psd, matches=matches, image_sizes={7: (240, 240)})
    assert plan.footage[0].matrix is None  # animated: the still plan cannot place it
    result = render_motion(plan=plan, template=template, psd=psd, matches=matches, layer_images={7: image},
                           fps=FPS, width=480)

    def green_box(frame):
        pixels = np.asarray(frame).astype(int)
        ys, xs = np.nonzero((pixels[..., 1] > 200) & (pixels[..., 0] < 60))
        return (xs.min() / 0.5, xs.max() / 0.5, ys.min() / 0.5, ys.max() / 0.5)

    # The 240 px image fits the 120 px box: the box's place at each time.
    assert green_box(result.frames[0]) == pytest.approx((40, 158, 240, 358), abs=3)
    assert green_box(result.frames[-1]) == pytest.approx((740, 858, 240, 358), abs=3)
    assert not [w for w in result.metrics["warnings"] if w["code"] == "placement_not_derivable"]


def test_a_keyframed_project_written_by_py_aep_animates(tmp_path):
    pytest.importorskip("py_aep", reason="py-aep (requirements-dev.txt) writes the keyframed project")
    from jobs.formats.aep import read_template

    from .test_aep_animation import author

    template = read_template(author(tmp_path / "keyframed.aep"))
    result = _render(template, width=480)
    comp = template.composition(result.metrics["composition"])
    assert len(result.frames) == round(comp.duration * FPS)
    assert result.frames[0].width <= 480
    assert not _same(result.frames[0], result.frames[10])  # the rig rotates and scales in the first 2 s


def test_webp_and_mp4_hold_the_frames(rendered, tmp_path):
    webp = write_frames(rendered.frames, tmp_path / "m.webp", FPS)
    with Image.open(webp) as image:
        assert image.is_animated and image.size == (480, 270) and image.n_frames == 30
        for n in range(image.n_frames):  # every frame, equal runs included, each 100 ms
            image.seek(n)
            image.load()
            assert image.info["duration"] == 100
        image.seek(29)
        last = np.asarray(image.convert("RGB")).astype(int)
        assert np.abs(last - np.asarray(rendered.frames[29]).astype(int)).mean() < 3  # lossy, close
    av = pytest.importorskip("av", reason="PyAV (requirements.txt) writes MP4")
    mp4 = write_frames(rendered.frames, tmp_path / "m.mp4", FPS)
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert sum(1 for _ in container.decode(stream)) == 30
    with pytest.raises(EncodeError, match="webp or .mp4"):
        write_frames(rendered.frames, tmp_path / "m.gif", FPS)


def top_level_boxes(data: bytes) -> list[bytes]:
    """The types of an MP4's top-level boxes, in file order."""
    boxes, at = [], 0
    while at + 8 <= len(data):
        size, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
        if size == 1:
            size = int.from_bytes(data[at + 8:at + 16], "big")
        boxes.append(kind)
        if size < 8:
            break
        at += size
    return boxes


def test_mp4_is_faststart_even_sized_and_written_from_any_iterable(rendered, tmp_path):
    av = pytest.importorskip("av", reason="PyAV (requirements.txt) writes MP4")
    odd = [frame.crop((0, 0, 479, 269)) for frame in rendered.frames]
    mp4 = write_mp4((frame for frame in odd), tmp_path / "odd.mp4", FPS)  # a generator
    boxes = top_level_boxes(mp4.read_bytes())
    assert b"moov" in boxes and b"mdat" in boxes
    assert boxes.index(b"moov") < boxes.index(b"mdat")  # the index first: plays while downloading
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (480, 270)  # padded to even
        assert sum(1 for _ in container.decode(stream)) == 30
    assert [p.name for p in tmp_path.iterdir()] == ["odd.mp4"]  # no temporary file left
    with pytest.raises(EncodeError, match="no frames"):
        write_mp4(iter(()), tmp_path / "none.mp4", FPS)
    with pytest.raises(EncodeError, match="different sizes"):
        write_mp4([odd[0], rendered.frames[1]], tmp_path / "mixed.mp4", FPS)
    assert [p.name for p in tmp_path.iterdir()] == ["odd.mp4"]


def test_real_fixture_renders_its_duration(shared_fixtures):
    from jobs.formats.aep import read_template

    path = shared_fixtures / "aepx" / "split-screen.aepx"
    if not path.is_file():
        pytest.skip(f"real After Effects fixture not found at {path}")
    template = read_template(path)
    result = _render(template, width=480, footage_roots=[Path(path).parent])
    assert len(result.frames) == 100  # 10 s at 10 fps
    assert result.frames[0].size == (480, 600)
    assert result.metrics["left_out"] == []  # the disabled pre-comp is not drawn, as in After Effects
