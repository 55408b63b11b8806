"""The motion preview on the review pages (issue 17, item 4), without a browser: the admin's
review page and the dashboard's job page carry the player (the side-by-side video first, the
motion preview and the design video to switch to, frame counts for the scrubber) and the render
metrics; the videos are served as MP4 in ranges; a job without one says so in one line.
The assets are real: review/tests/motion_assets.py renders and encodes them.
"""

from __future__ import annotations

import json
import re

import av
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from jobs.models import JobAsset, Stage, Status
from review.motion import NO_MOTION, job_motion
from review.tests.motion_assets import FPS, GAP, WIDTH, attach_motion_assets

pytestmark = pytest.mark.django_db
FRAMES = 30  # the test template's 3 s at 10 fps


@pytest.fixture
def motion_job(make_job):
    job = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL, job_id="MOTION-1")
    return job, attach_motion_assets(job)


def pages(job):
    return (reverse("admin:jobs_job_review", args=[job.pk]), reverse("review:dashboard_job", args=[job.pk]))


def asset_url(asset) -> str:
    return reverse("review:asset", args=[asset.pk])


def test_the_stored_videos_are_h264_of_the_rendered_frames(motion_job):
    _, assets = motion_job
    for kind, width in (("motion_preview", WIDTH), ("design_video", WIDTH), ("side_by_side", 2 * WIDTH + GAP)):
        with assets[kind].file.open("rb") as fh, av.open(fh) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            assert (stream.codec_context.width, stream.codec_context.height) == (width, 270)
            assert sum(1 for _ in container.decode(stream)) == FRAMES
        meta = assets[kind].metadata
        assert (meta["fps"], meta["frames"], meta["duration"], meta["content_type"]) == (FPS, FRAMES, 3.0, "video/mp4")


@pytest.mark.parametrize("page", [0, 1], ids=["admin review", "dashboard job"])
def test_both_pages_play_the_side_by_side_video_with_a_frame_scrubber(client, approver, motion_job, page):
    job, assets = motion_job
    client.force_login(approver)
    response = client.get(pages(job)[page])
    assert response.status_code == 200
    html = response.content.decode()
    video = re.search(r"<video [^>]*data-motion-video[^>]*>", html, re.S).group(0)
    assert f'src="{asset_url(assets["side_by_side"])}"' in video
    assert 'data-fps="10"' in video and f'data-frames="{FRAMES}"' in video
    assert " controls " in video  # the browser's own controls until motion.js takes over
    scrubber = re.search(r'<input type="range"[^>]*data-motion-scrubber[^>]*>', html).group(0)
    assert f'max="{FRAMES - 1}"' in scrubber and 'step="1"' in scrubber
    # Switchable: side by side, the motion preview, the design, in that order.
    sources = re.findall(r'data-motion-source="([^"]+)"\s+data-kind="(\w+)"', html)
    assert sources == [(asset_url(assets[k]), k) for k in ("side_by_side", "motion_preview", "design_video")]
    assert '<script src="/static/review/motion.js" defer></script>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script (the CSP refuses it)"
    # The still preview and the comparison stay.
    assert asset_url(assets["comparison"]) in html and asset_url(assets["preview"]) in html


@pytest.mark.parametrize("page", [0, 1], ids=["admin review", "dashboard job"])
def test_the_metrics_summary_names_what_was_left_out_and_when_text_overflows(client, approver, motion_job, page):
    job, assets = motion_job
    client.force_login(approver)
    html = client.get(pages(job)[page]).content.decode()
    metrics = re.search(r'data-testid="motion-metrics">(.*?)</dl>', html, re.S).group(1)
    text = re.sub(r" ([:)])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", metrics).split()))
    assert "Duration 3.00 s" in text
    assert f"Frames {FRAMES} at 10 fps · 480×270 px" in text
    assert "Layers drawn 5" in text  # title, box, badge, blob, bg (the camera is not drawn)
    assert "Left out 1 Camera 1 (Main): camera: 3D camera moves are not drawn" in text
    assert "blob: shape contents are not in this description" in text
    assert "title overflows its box from 0.00 s to 2.90 s (30 frames)" in text
    assert 'data-motion-seek-frame="0"' in metrics
    assert re.search(r"Render time \d+\.\d\d s", text)
    assert "title: the text runs beyond its box" in text  # a warning of the render
    assert f'href="{asset_url(assets["motion_metrics"])}"' in html


def test_the_videos_are_served_as_mp4_in_byte_ranges(client, approver, motion_job):
    job, assets = motion_job
    client.force_login(approver)
    url = asset_url(assets["side_by_side"])
    whole = client.get(url)
    assert (whole.status_code, whole["Content-Type"], whole["Accept-Ranges"]) == (200, "video/mp4", "bytes")
    assert whole["Content-Disposition"] == f'inline; filename="{job.job_id}_side_by_side.mp4"'
    size = assets["side_by_side"].size
    part = client.get(url, headers={"range": "bytes=0-1023"})
    assert (part.status_code, part["Content-Range"]) == (206, f"bytes 0-1023/{size}")
    assert b"".join(part.streaming_content)[4:8] == b"ftyp"  # an MP4 starts with its file-type box
    metrics = client.get(asset_url(assets["motion_metrics"]))
    assert metrics["Content-Type"] == "application/json"
    assert json.loads(b"".join(metrics.streaming_content))["frames"] == FRAMES


@pytest.mark.parametrize("page", [0, 1], ids=["admin review", "dashboard job"])
def test_a_job_without_a_motion_preview_says_so_in_one_line(client, approver, motion_job, page):
    job, assets = motion_job
    for kind in ("side_by_side", "motion_preview", "design_video"):
        assets[kind].delete()
    client.force_login(approver)
    html = client.get(pages(job)[page]).content.decode()
    assert "data-motion-player" not in html and "<video" not in html
    line = re.search(r'<p class="motion-missing" data-testid="motion-missing">([^<]+)</p>', html).group(1)
    assert line.startswith(NO_MOTION)
    job.preview = {"motion": {"error": "the composition is 200 s long: 2000 frames, more than 1200"}}
    job.save(update_fields=["preview"])
    html = client.get(pages(job)[page]).content.decode()
    assert f"{NO_MOTION}: the composition is 200 s long: 2000 frames, more than 1200" in html


def test_a_job_before_stage_3_shows_no_motion_line(client, approver, make_job):
    job = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW)
    client.force_login(approver)
    for url in pages(job):
        html = client.get(url).content.decode()
        assert "motion-missing" not in html and "data-motion-player" not in html


def test_an_unreadable_metrics_file_is_said_and_the_videos_still_play(motion_job):
    job, assets = motion_job
    bad = default_storage.save("test/bad-metrics.json", ContentFile(b"{not json"))
    JobAsset.objects.filter(pk=assets["motion_metrics"].pk).update(file=bad)
    job.refresh_from_db()
    by_kind = {a.kind: {a.key: a} for a in job.assets.all()}
    motion = job_motion(job, by_kind)
    assert [v.kind for v in motion.videos] == ["side_by_side", "motion_preview", "design_video"]
    assert motion.metrics_problem.startswith("The metrics file is not JSON")
    assert not motion.metrics_read
    # What the job's own summary says still shows.
    assert (motion.duration, motion.frames, motion.left_out_count) == (3.0, FRAMES, 1)
    default_storage.delete(bad)
    assert job_motion(job, by_kind).metrics_problem == "The metrics file is no longer on disk."


def test_a_video_without_a_frame_rate_is_not_offered(motion_job):
    job, assets = motion_job
    JobAsset.objects.filter(kind__in=["motion_preview", "design_video"], job=job).update(metadata={})
    job.preview = {}
    JobAsset.objects.filter(pk=assets["motion_metrics"].pk).delete()
    by_kind = {}
    for a in job.assets.all():
        by_kind.setdefault(a.kind, {})[a.key] = a
    assert [v.kind for v in job_motion(job, by_kind).videos] == ["side_by_side"]
