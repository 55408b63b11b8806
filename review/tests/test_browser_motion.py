"""The motion preview played in real Chromium (issue 17, item 4 and its acceptance).

A job at Stage 3 has the motion assets Stage 3 stores, made with the real renderer and encoder
(review/tests/motion_assets.py: the keyframed test template, 3 s at 10 fps, in which a red box
slides across during the first second). On the admin's review page the approver sees the
side-by-side video (design | motion preview) loaded, plays it (time advances), scrubs to a frame
with the range input, the keyboard and the frame buttons (the video shows that frame: the box is
where its keyframes put it), switches to the motion preview at the same frame; the dashboard's
job page plays it too. The videos are fetched in byte ranges (review/file_ranges.py). No
Content-Security-Policy refusal on the console (the ``page`` fixture checks).

Fixtures and database notes: review/tests/test_browser_dashboard.py.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from batches.models import Batch
from jobs.models import Job, Stage, Status

from .motion_assets import FPS, GAP, attach_motion_assets
from .test_browser_dashboard import (  # noqa: F401  (fixtures, registered by import)
    SCREENSHOTS,
    _database_left_as_migrated,
    _permissions_exist,
    lead,
    log_in,
    page,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FRAMES = 30
PREVIEW_WIDTH = 480  # the motion preview's frames (the 960x540 composition at half size)
RED = (230, 51, 26)  # the sliding box
# The frame a time shows (at the very end Chromium reports the duration itself: the last frame).
FRAME_AT = f"v => Math.min({FRAMES - 1}, Math.floor(v.currentTime * {FPS}))"


def box_x(frame: int) -> float:
    """The box's centre in preview pixels at ``frame``: 100 → 800 composition px over 1 s, at half size."""
    t = min(1.0, frame / FPS)
    return (100 + 700 * t) / 2


def motion_job() -> Job:
    batch = Batch.objects.create(name="gameday-motion.csv", sha256="0" * 64)
    job = Job.objects.create(batch=batch, line=2, job_id="MOTION-7", psd_path="/in/card.psd", aepx_path="/in/card.aepx",
                             output_name="card.aep", client_name="Thunder Sports", project_name="Gameday",
                             stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL)
    attach_motion_assets(job)
    return job


def screenshot(page, name: str) -> None:
    """The whole page into docs/screenshots/, the viewport first made as tall as the page (so
    the admin's sticky sidebar is drawn in place, as in jobs/tests/test_browser_review.py)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": page.evaluate("document.documentElement.scrollHeight")})
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    page.set_viewport_size({"width": width, "height": 900})


def frame_of(video) -> int:
    return video.evaluate(FRAME_AT)


def is_red(pixel) -> bool:
    return all(abs(a - b) < 60 for a, b in zip(pixel, RED, strict=True))


def pixel(video, x: float, y: float) -> list[int]:
    """The colour the video shows at (x, y) of its own pixels (drawn on a canvas: same origin)."""
    return video.evaluate(
        """(v, [x, y]) => { const c = document.createElement("canvas"); c.width = v.videoWidth; c.height = v.videoHeight;
                            const g = c.getContext("2d"); g.drawImage(v, 0, 0);
                            return Array.from(g.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3)); }""",
        [x, y],
    )


def wait_for_frame(page, video, frame: int) -> None:
    page.wait_for_function(f"v => !v.seeking && v.readyState >= 2 && ({FRAME_AT})(v) === {frame}",
                           arg=video.element_handle())


def test_the_review_page_plays_and_scrubs_the_side_by_side_video(live_server, page, lead):
    from playwright.sync_api import expect

    job = motion_job()
    ranges = []  # the Range headers the browser sent for the videos
    page.on("request", lambda r: ranges.append(r.headers.get("range")) if "/review/asset/" in r.url else None)
    log_in(page, live_server, lead)
    page.goto(live_server.url + reverse("admin:jobs_job_review", args=[job.pk]))
    expect(page.get_by_test_id("job-state")).to_contain_text("Stage 3")

    player = page.get_by_test_id("motion-player")
    video = page.get_by_test_id("motion-video")
    scrubber = page.get_by_test_id("motion-scrubber")
    readout = page.get_by_test_id("motion-readout")
    expect(player).to_be_visible()
    page.wait_for_function("v => v.readyState >= 2", arg=video.element_handle())
    assert video.evaluate("v => [v.videoWidth, v.videoHeight]") == [2 * PREVIEW_WIDTH + GAP, 270]
    assert abs(video.evaluate("v => v.duration") - FRAMES / FPS) < 0.15
    assert video.evaluate("v => v.hasAttribute('controls')") is False  # motion.js's controls instead
    expect(page.get_by_test_id("motion-play")).to_be_visible()
    expect(readout).to_have_text("Frame 1 of 30 · 0.00 s of 3.00 s")
    expect(scrubber).to_have_attribute("max", str(FRAMES - 1))
    assert any(r and r.startswith("bytes=") for r in ranges), ranges  # the browser asked for ranges

    # Play: time advances, the scrubber and the readout follow; pause.
    page.get_by_test_id("motion-play").click()
    page.wait_for_function("v => !v.paused && v.currentTime > 0.5", arg=video.element_handle())
    expect(page.get_by_test_id("motion-play")).to_have_text("❚❚ Pause")
    page.get_by_test_id("motion-play").click()
    assert video.evaluate("v => v.paused")
    page.wait_for_function("s => Number(s.value) >= 5", arg=scrubber.element_handle())
    assert int(scrubber.input_value()) == frame_of(video)

    # The scrubber moves the video to the chosen frame, and the video shows that frame.
    preview_left = PREVIEW_WIDTH + GAP
    scrubber.fill("5")
    wait_for_frame(page, video, 5)
    expect(readout).to_have_text("Frame 6 of 30 · 0.50 s of 3.00 s")
    assert is_red(pixel(video, preview_left + box_x(5), 150)), pixel(video, preview_left + box_x(5), 150)
    assert not is_red(pixel(video, preview_left + box_x(0), 150))  # it has left where it started
    screenshot(page, "review-motion.png")
    scrubber.fill("0")
    wait_for_frame(page, video, 0)
    assert is_red(pixel(video, preview_left + box_x(0), 150))

    # The keyboard on the player, and the frame buttons.
    player.focus()
    page.keyboard.press("ArrowRight")
    wait_for_frame(page, video, 1)
    page.keyboard.press("End")
    wait_for_frame(page, video, FRAMES - 1)
    expect(readout).to_have_text("Frame 30 of 30 · 2.90 s of 3.00 s")
    page.get_by_test_id("motion-next").click()  # already the last frame: it stays
    wait_for_frame(page, video, FRAMES - 1)
    page.get_by_test_id("motion-prev").click()
    wait_for_frame(page, video, FRAMES - 2)
    scrubber.focus()
    page.keyboard.press("ArrowLeft")  # the range input's own key: one step, one frame
    wait_for_frame(page, video, FRAMES - 3)
    player.focus()
    page.keyboard.press("Home")
    wait_for_frame(page, video, 0)
    page.keyboard.press("Space")
    page.wait_for_function("v => !v.paused && v.currentTime > 0.2", arg=video.element_handle())
    page.keyboard.press("Space")
    assert video.evaluate("v => v.paused")

    # A text-overflow moment in the metrics shows its first frame.
    metrics = page.get_by_test_id("motion-metrics")
    expect(metrics).to_contain_text("Camera 1")
    expect(metrics).to_contain_text("camera: 3D camera moves are not drawn")
    expect(page.get_by_test_id("motion-overflow")).to_contain_text("title overflows its box from")
    page.get_by_test_id("motion-overflow").get_by_role("button").first.click()
    wait_for_frame(page, video, 0)

    # The motion preview alone, at the frame shown before.
    scrubber.fill("7")
    wait_for_frame(page, video, 7)
    page.get_by_test_id("motion-source-motion_preview").click()
    expect(page.get_by_test_id("motion-source-motion_preview")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(f"v => v.videoWidth === {PREVIEW_WIDTH}", arg=video.element_handle())
    wait_for_frame(page, video, 7)
    assert is_red(pixel(video, box_x(7), 150))
    # The still preview and the comparison stay.
    for test_id in ("comparison", "preview"):
        image = page.get_by_test_id(test_id)
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())


def test_the_dashboard_job_page_plays_it_too(live_server, page, lead):
    from playwright.sync_api import expect

    job = motion_job()
    log_in(page, live_server, lead)
    page.goto(live_server.url + reverse("review:dashboard_job", args=[job.pk]))
    video = page.get_by_test_id("motion-video")
    page.wait_for_function("v => v.readyState >= 2", arg=video.element_handle())
    page.get_by_test_id("motion-play").click()
    page.wait_for_function("v => v.currentTime > 0.3", arg=video.element_handle())
    page.get_by_test_id("motion-play").click()
    page.get_by_test_id("motion-scrubber").fill("12")
    wait_for_frame(page, video, 12)
    expect(page.get_by_test_id("motion-readout")).to_have_text("Frame 13 of 30 · 1.20 s of 3.00 s")
    expect(page.get_by_test_id("motion-metrics-link")).to_have_attribute(
        "href", reverse("review:asset", args=[job.assets.get(kind="motion_metrics").pk]))
