"""What the review pages show of a job's motion preview (issue 17, item 4): its videos for the
player (review/static/review/motion.js) and a summary of its render metrics.

Stage 3 stores, as ``JobAsset`` rows: ``side_by_side`` (design | preview), ``motion_preview`` and
``design_video`` (H.264 MP4, metadata ``fps``, ``frames``, ``duration``, ``width``, ``height``),
``motion_thumbnail`` (PNG) and ``motion_metrics`` (JSON). The job's ``preview["motion"]`` may hold
a summary (duration, frames, fps, render time, left-out count) or why there is no motion preview.
Read-only: a selector for the admin's review page and the dashboard's job page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from jobs.models import Job, JobAsset

# The videos, in the player's order: the first is shown first.
VIDEO_KINDS = (
    ("side_by_side", "Design | motion preview"),
    ("motion_preview", "Motion preview"),
    ("design_video", "Design"),
)
METRICS_LIMIT = 2_000_000  # bytes of the metrics JSON read for the summary
LISTED = 50  # layers (left out, approximated, overflowing) listed at most; the rest are counted
NO_MOTION = "No motion preview for this job"


@dataclass
class MotionVideo:
    asset: JobAsset
    kind: str
    label: str
    fps: float
    frames: int
    duration: float
    width: int | None
    height: int | None

    @property
    def fps_text(self) -> str:  # for data attributes: never localized
        return f"{self.fps:g}"

    @property
    def duration_text(self) -> str:
        return f"{self.duration:g}"


@dataclass
class Overflow:
    layer: str
    first: float
    last: float
    frames: int | None
    first_frame: int  # where the player seeks to show it


@dataclass
class MotionSummary:
    videos: list[MotionVideo]
    metrics_asset: JobAsset | None
    thumbnail: JobAsset | None
    duration: float | None = None
    frames: int | None = None
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    drawn: int | None = None
    left_out: list[dict] = field(default_factory=list)  # {"name", "reason"}
    left_out_count: int | None = None
    approximated: list[dict] = field(default_factory=list)
    overflow: list[Overflow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    render_time: float | None = None
    metrics_read: bool = False  # the metrics file was read (an empty list then means none)
    metrics_problem: str = ""  # the metrics file could not be read


def _number(value, kind=float):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return kind(value)


def _first(assets: dict, kind: str) -> JobAsset | None:
    found = assets.get(kind) or {}
    return found[min(found)] if found else None


def _video(asset: JobAsset, kind: str, label: str, fallback: dict) -> MotionVideo | None:
    meta = asset.metadata or {}
    fps = _number(meta.get("fps")) or _number(fallback.get("fps"))
    frames = _number(meta.get("frames"), int) or _number(fallback.get("frames"), int)
    duration = _number(meta.get("duration")) or _number(fallback.get("duration"))
    if fps is None or fps <= 0:
        return None  # no frame rate: the scrubber cannot step it
    if frames is None and duration is not None:
        frames = max(1, round(duration * fps))
    if not frames or frames < 1:
        return None
    return MotionVideo(asset=asset, kind=kind, label=label, fps=fps, frames=frames,
                       duration=duration if duration is not None else frames / fps,
                       width=_number(meta.get("width"), int), height=_number(meta.get("height"), int))


def _read_metrics(asset: JobAsset | None) -> tuple[dict, str]:
    if asset is None or not asset.file:
        return {}, ""
    try:
        with asset.file.open("rb") as fh:
            data = fh.read(METRICS_LIMIT + 1)
    except (FileNotFoundError, ValueError):  # ValueError: a FieldFile opened before cannot reopen it
        return {}, "The metrics file is no longer on disk."
    if len(data) > METRICS_LIMIT:
        return {}, f"The metrics file is larger than {METRICS_LIMIT:,} bytes: open it below."
    try:
        metrics = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, f"The metrics file is not JSON ({exc})."
    return (metrics, "") if isinstance(metrics, dict) else ({}, "The metrics file is not a JSON object.")


def _layer(entry) -> dict:
    if isinstance(entry, dict):
        name = entry.get("name") or entry.get("layer") or (f"layer {entry['index']}" if "index" in entry else "?")
        where = entry.get("composition")
        return {"name": str(name), "composition": str(where) if where else "", "reason": str(entry.get("reason") or "")}
    return {"name": str(entry), "composition": "", "reason": ""}


def _overflow(entry, fps: float | None) -> Overflow | None:
    if not isinstance(entry, dict):
        return None
    first = _number(entry.get("first"))
    if first is None:
        return None
    last = _number(entry.get("last"))
    frames = entry.get("frames")
    count = _number(frames, int) if not isinstance(frames, list) else len(frames)
    return Overflow(layer=str(entry.get("layer") or entry.get("name") or "?"), first=first,
                    last=last if last is not None else first, frames=count,
                    first_frame=round(first * fps) if fps else 0)


def _warning(entry) -> str:
    if isinstance(entry, dict):
        return str(entry.get("message") or entry.get("code") or entry)
    return str(entry)


def job_motion(job: Job, assets: dict[str, dict[str, JobAsset]]) -> MotionSummary | None:
    """The job's motion preview for the player and its metrics summary, or None without videos
    (``assets``: :func:`jobs.selectors.job_assets_by_kind`)."""
    summary = (job.preview or {}).get("motion")
    summary = summary if isinstance(summary, dict) else {}
    metrics_asset = _first(assets, "motion_metrics")
    metrics, problem = _read_metrics(metrics_asset)
    fallback = {**summary, **metrics}
    videos = [video for kind, label in VIDEO_KINDS
              if (asset := _first(assets, kind)) is not None and (video := _video(asset, kind, label, fallback))]
    if not videos:
        return None
    fps = _number(metrics.get("fps")) or videos[0].fps
    left_out = [_layer(entry) for entry in metrics.get("left_out") or [] if entry]
    drawn = metrics.get("drawn")
    overflow = [o for o in (_overflow(entry, fps) for entry in metrics.get("text_overflow") or []) if o]
    left_out_count = len(left_out) if "left_out" in metrics else _number(summary.get("left_out"), int)
    return MotionSummary(
        videos=videos,
        metrics_asset=metrics_asset,
        thumbnail=_first(assets, "motion_thumbnail"),
        duration=_number(fallback.get("duration")) or videos[0].duration,
        frames=_number(fallback.get("frames"), int) or videos[0].frames,
        fps=fps,
        width=_number(metrics.get("width"), int) or videos[0].width,
        height=_number(metrics.get("height"), int) or videos[0].height,
        drawn=len(drawn) if isinstance(drawn, list) else _number(drawn, int),
        left_out=left_out[:LISTED],
        left_out_count=left_out_count,
        approximated=[_layer(entry) for entry in metrics.get("approximated") or [] if entry][:LISTED],
        overflow=overflow[:LISTED],
        warnings=[_warning(entry) for entry in metrics.get("warnings") or []][:LISTED],
        render_time=_number(fallback.get("render_time_s")) or _number(fallback.get("render_seconds")),
        metrics_read=bool(metrics),
        metrics_problem=problem,
    )


def motion_missing(job: Job) -> str:
    """One line for a job whose Stage 3 made no motion preview: why, when the job says."""
    summary = (job.preview or {}).get("motion")
    if isinstance(summary, dict):
        for key in ("error", "reason", "skipped"):
            if isinstance(summary.get(key), str) and summary[key]:
                return f"{NO_MOTION}: {summary[key]}"
    return f"{NO_MOTION} (motion previews are turned off, or it could not be made: see the warnings)."


def motion_context(job: Job, assets: dict[str, dict[str, JobAsset]], *, has_still: bool) -> dict:
    """``motion`` (a summary or None) and ``motion_missing`` (one line, when the job has still
    previews but no motion preview) for the review templates (``review/_motion.html``)."""
    motion = job_motion(job, assets)
    return {"motion": motion, "motion_missing": motion_missing(job) if motion is None and has_still else ""}
