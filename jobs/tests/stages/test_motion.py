"""Stage 3's motion preview (jobs/stages/motion.py) through the real stage (tasks inline): the
motion preview, the design video, the side-by-side video, the thumbnail and the metrics as
JobAssets on disk, MP4s that decode to fps × duration frames of the recorded size, a template
that changes over time changing in the video, the frame rate lowered for a long composition,
the failure path (the still preview and a warning) and the setting that turns it off."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from batches.services import batch_import, batch_start
from jobs.demo import batch_csv, write_template_file
from jobs.models import Job, JobAsset, JobWarning, Stage, Status
from jobs.services import job_approve_matching
from jobs.warning_codes import INFO

from ..demo_jobs import ROWS
from ..formats.test_motion_render import top_level_boxes

av = pytest.importorskip("av", reason="PyAV (requirements.txt) writes the MP4s")

VIDEO_KINDS = ("motion_preview", "design_video", "side_by_side")
MOTION_KINDS = (*VIDEO_KINDS, "motion_thumbnail", "motion_metrics")
STILL_KINDS = {"render_plan", "script", "script_current", "preview", "comparison", "preview_thumbnail"}
VIDEO_METADATA = {"file_name", "composition", "fps", "frames", "duration", "width", "height", "content_type"}


def run_to_stage_3(producer, reviewer, capture, *, template: str = "gameday-card.aepx", folder: str = "demo",
                   psd: str = ROWS[0][1]) -> Job:
    """One job of the demo batch (or of ``template`` in ``folder``) through Stages 1-3, inline."""
    csv = batch_csv([("MOTION-1", psd, "Client", "Project", "high")], folder=folder)
    result = batch_import(data=csv.replace(f"{folder}/gameday-card.aepx", f"{folder}/{template}").encode(),
                          filename="motion.csv", user=producer)
    assert result.ok, result.report.errors
    with capture(execute=True):
        batch_start(batch=result.batch, user=producer)
    job = Job.objects.get(batch=result.batch)
    assert (job.stage, job.status) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), job.last_error
    with capture(execute=True):
        job_approve_matching(job=job, user=reviewer, approve_anyway=True)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL), job.last_error
    return job


def stage3_assets(job) -> dict[str, JobAsset]:
    return {a.kind: a for a in JobAsset.objects.filter(job=job, stage=Stage.APPROVE_PREVIEW)}


def decoded(path) -> tuple[list[np.ndarray], tuple[int, int], float]:
    """Every frame of an MP4 (RGB arrays), its size and its frame rate."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
        return frames, (stream.codec_context.width, stream.codec_context.height), float(stream.average_rate)


@pytest.mark.django_db
def test_stage_3_makes_the_motion_preview_design_and_side_by_side_videos(
    input_root, producer, reviewer, django_capture_on_commit_callbacks
):
    job = run_to_stage_3(producer, reviewer, django_capture_on_commit_callbacks)
    assets = stage3_assets(job)
    assert STILL_KINDS | set(MOTION_KINDS) <= set(assets)
    for kind in MOTION_KINDS:
        assert Path(assets[kind].file.path).is_file(), kind

    metrics = json.loads(Path(assets["motion_metrics"].file.path).read_text(encoding="utf-8"))
    assert {"composition", "duration", "frames", "fps", "width", "height", "drawn", "left_out", "approximated",
            "text_overflow", "render_time_s", "warnings"} <= set(metrics)
    assert metrics["composition"] == "Gameday Card" and metrics["duration"] == 10.0 and metrics["fps"] == 10.0
    assert metrics["frames"] == 100 and (metrics["width"], metrics["height"]) == (480, 600)  # 1200x1500 at 480
    drawn = {layer["name"] for layer in metrics["drawn"]}
    assert {"player1fullname", "teamlogo", "featuredimage", "BG Solid"} <= drawn
    assert metrics["left_out"] == [] and metrics["render_time_s"] > 0

    size = {}
    for kind in VIDEO_KINDS:
        meta = assets[kind].metadata
        assert set(meta) == VIDEO_METADATA and meta["content_type"] == "video/mp4", meta
        assert meta["composition"] == "Gameday Card" and meta["fps"] == 10.0
        path = assets[kind].file.path
        assert assets[kind].size == Path(path).stat().st_size
        boxes = top_level_boxes(Path(path).read_bytes())
        assert boxes.index(b"moov") < boxes.index(b"mdat"), kind  # faststart: plays while downloading
        frames, size[kind], rate = decoded(path)
        assert abs(len(frames) - 10.0 * 10) <= 10 and len(frames) == meta["frames"] == 100, kind
        assert size[kind] == (meta["width"], meta["height"]) and rate == 10.0
        assert meta["duration"] == 10.0
    assert size["motion_preview"] == size["design_video"] == (480, 600)
    assert size["side_by_side"] == (960, 600)

    # The design video is the flattened design; the side-by-side holds it and the preview.
    flattened = Image.open(JobAsset.objects.get(job=job, kind="flattened").file.path).convert("RGB")
    design = decoded(assets["design_video"].file.path)[0]
    expected = np.asarray(flattened.resize((480, 600), Image.Resampling.BILINEAR)).astype(int)
    assert np.abs(design[0].astype(int) - expected).mean() < 8
    assert np.abs(design[-1].astype(int) - design[0].astype(int)).mean() < 2  # held
    motion = decoded(assets["motion_preview"].file.path)[0]
    both = decoded(assets["side_by_side"].file.path)[0]
    assert np.abs(both[50][:, :480].astype(int) - design[50].astype(int)).mean() < 8
    assert np.abs(both[50][:, 480:].astype(int) - motion[50].astype(int)).mean() < 8
    # The preview shows the new content: the team logo's white ring where the still preview has it.
    assert motion[50][round(70 * 0.4), round(1010 * 0.4)].min() > 200

    thumbnail = Image.open(assets["motion_thumbnail"].file.path)
    assert thumbnail.format == "PNG" and thumbnail.size == (480, 600)
    assert assets["motion_thumbnail"].metadata["time"] == 5.0

    summary = job.preview["motion"]
    assert summary["frames"] == 100 and summary["fps"] == 10.0 and summary["duration"] == 10.0
    assert summary["layers_drawn"] == len(metrics["drawn"]) and summary["left_out"] == 0
    assert summary["render_time_s"] == metrics["render_time_s"]
    assert not JobWarning.objects.filter(job=job, code="motion_preview_failed").exists()


@pytest.mark.django_db
def test_a_layer_that_starts_later_appears_in_the_motion_preview_only_from_its_in_point(
    input_root, producer, reviewer, django_capture_on_commit_callbacks
):
    write_template_file(input_root / "demo" / "gameday-card-late.aepx", in_points={"teamlogo": 5.0})
    job = run_to_stage_3(producer, reviewer, django_capture_on_commit_callbacks, template="gameday-card-late.aepx")
    assets = stage3_assets(job)
    motion = decoded(assets["motion_preview"].file.path)[0]
    ring = (round(70 * 0.4), round(1010 * 0.4))  # the logo's white ring
    assert motion[20][ring].max() < 120 and motion[49][ring].max() < 120  # before 5 s: not there yet
    assert motion[50][ring].min() > 200 and motion[99][ring].min() > 200  # from 5 s on
    design = decoded(assets["design_video"].file.path)[0]
    assert np.abs(design[20].astype(int) - design[80].astype(int)).mean() < 2  # the design does not move
    metrics = json.loads(Path(assets["motion_metrics"].file.path).read_text(encoding="utf-8"))
    assert metrics["frames_drawn"] >= 2
    assert assets["motion_thumbnail"].metadata["time"] == 5.0


@pytest.mark.django_db
def test_a_composition_longer_than_the_frame_cap_is_rendered_at_the_rate_that_fits(
    input_root, producer, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.AEA_MOTION_MAX_FRAMES = 50  # 10 s at 10 fps would be 100
    job = run_to_stage_3(producer, reviewer, django_capture_on_commit_callbacks)
    assets = stage3_assets(job)
    for kind in VIDEO_KINDS:
        frames, _, rate = decoded(assets[kind].file.path)
        assert len(frames) == 50 and rate == 5.0 and assets[kind].metadata["fps"] == 5.0
        assert assets[kind].metadata["duration"] == 10.0
    assert job.preview["motion"]["fps"] == 5.0
    assert "rendered at 5 fps instead of 10" in job.preview["motion"]["notes"][0]


@pytest.mark.django_db
def test_a_failed_motion_render_leaves_the_still_preview_and_an_information_warning(
    input_root, producer, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.AEA_MOTION_MAX_FRAMES = 5  # 10 s is 10 frames even at the lowest rate, 1 fps: refused
    job = run_to_stage_3(producer, reviewer, django_capture_on_commit_callbacks)
    assets = stage3_assets(job)
    assert STILL_KINDS <= set(assets)
    assert not set(MOTION_KINDS) & set(assets)
    warning = JobWarning.objects.get(job=job, stage=Stage.APPROVE_PREVIEW, code="motion_preview_failed")
    assert warning.severity == INFO and warning.resolved_at is None
    assert "Gameday Card" in warning.message and "more than 5" in warning.message
    assert warning.details["error"] == "MotionError"
    assert "motion" not in job.preview and job.preview["main_composition"] == "Gameday Card"


@pytest.mark.django_db
def test_the_setting_turns_the_motion_preview_off(input_root, producer, reviewer, settings,
                                                  django_capture_on_commit_callbacks):
    settings.AEA_MOTION_PREVIEW = False
    job = run_to_stage_3(producer, reviewer, django_capture_on_commit_callbacks)
    assets = stage3_assets(job)
    assert STILL_KINDS <= set(assets) and not set(MOTION_KINDS) & set(assets)
    assert not JobWarning.objects.filter(job=job, code="motion_preview_failed").exists()
    assert "motion" not in job.preview


@pytest.mark.django_db
def test_a_real_after_effects_template_gets_its_motion_preview(
    shared_fixtures, tmp_path, settings, producer, reviewer, demo_inputs, django_capture_on_commit_callbacks
):
    source = shared_fixtures / "aepx" / "split-screen.aepx"
    if not source.is_file():
        pytest.skip(f"real After Effects fixture not found at {source}")
    root = tmp_path / "inputs"
    (root / "real").mkdir(parents=True)
    shutil.copy(source, root / "real" / "split-screen.aepx")  # a copy inside this test's input root
    shutil.copy(demo_inputs.psds[0], root / "real" / demo_inputs.psds[0].name)
    settings.INPUT_ROOTS = [root.resolve()]
    job = run_to_stage_3(producer, reviewer, django_capture_on_commit_callbacks, template="split-screen.aepx",
                         folder="real", psd=demo_inputs.psds[0].name)
    assets = stage3_assets(job)
    assert set(MOTION_KINDS) <= set(assets), list(JobWarning.objects.filter(job=job).values_list("message"))
    metrics = json.loads(Path(assets["motion_metrics"].file.path).read_text(encoding="utf-8"))
    assert metrics["composition"] == job.preview["main_composition"]
    expected = round(metrics["duration"] * 10)
    for kind in VIDEO_KINDS:
        frames, (width, height), _ = decoded(assets[kind].file.path)
        assert abs(len(frames) - expected) <= expected * 0.1
        assert width <= (960 if kind == "side_by_side" else 480) and (width, height) == (
            assets[kind].metadata["width"], assets[kind].metadata["height"])
