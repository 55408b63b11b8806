"""Stage 3's motion preview: the render plan's composition, populated, rendered over its duration
(:func:`jobs.formats.motion.render.render_motion`), and what goes beside it, all ready before
the approver opens the job.

The ``JobAsset`` kinds of stage 3 it adds (the review page's player reads them):

- ``motion_preview``: H.264 MP4 of the populated render composition;
- ``design_video``: MP4 of the flattened design held for the composition's duration, at the same
  size and frame rate, letterboxed to the composition's frame;
- ``side_by_side``: MP4 of the design (left) and the motion preview (right), one frame each;
- ``motion_thumbnail``: PNG of the frame at mid-duration;
- ``motion_metrics``: JSON: duration, frames, fps, width, height, the layers drawn, those left out
  or drawn approximately with the reason, text overflow over time, ``render_time_s``, warnings.

Each video's metadata is ``{"file_name", "composition", "fps", "frames", "duration", "width",
"height", "content_type": "video/mp4"}`` (its encoded size: even sides). The MP4s put their index
first (faststart), so a browser plays and seeks them while they download. A compact summary of
the metrics goes to ``job.preview["motion"]``.

Frame rate and width come from ``AEA_MOTION_FPS`` and ``AEA_MOTION_WIDTH``; a composition longer
than ``AEA_MOTION_MAX_FRAMES`` frames at that rate is rendered at the rate that fits (not below
``MIN_FPS``). ``AEA_MOTION_PREVIEW=0`` turns it off: no motion assets, no warning. When the
render fails (a composition too long even at ``MIN_FPS``, an unreadable image, an encoder
error), Stage 3 still succeeds with its still preview and stores the information warning
``motion_preview_failed`` instead of the motion assets.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from PIL import Image

from ..formats.descriptions import Match, PsdDocument, TemplateDocument
from ..formats.motion.companions import design_frame, side_by_side
from ..formats.motion.encode import EncodeError, even_size, write_mp4
from ..formats.motion.render import MAX_FRAMES, MotionError, render_motion
from ..formats.render_plan import RenderPlan
from ..models import Job
from ..storage import store_bytes, store_file
from ..warning_codes import severity_of
from .base import reader_limits

logger = logging.getLogger(__name__)

MIN_FPS = 1.0
FAILED = "motion_preview_failed"
VIDEOS = (("motion_preview", "motion-preview.mp4"), ("design_video", "design.mp4"),
          ("side_by_side", "side-by-side.mp4"))
THUMBNAIL_NAME = "motion-thumbnail.png"
METRICS_NAME = "motion-metrics.json"
# What a motion render can fail with: the renderer's and encoder's refusals, unreadable or
# oversized images (Pillow raises OSError, ValueError or its DecompressionBombError), FFmpeg's
# errors (PyAV's are OSError or ValueError subclasses), a frame buffer over the worker's cap.
FAILURES = (MotionError, EncodeError, OSError, ValueError, Image.DecompressionBombError, MemoryError)


@dataclass
class MotionAssets:
    """What the motion preview adds to Stage 3's outcome."""

    stored: list[tuple] = field(default_factory=list)  # (kind, key, name, sha, size, metadata)
    warnings: list[dict] = field(default_factory=list)  # JobWarning fields
    summary: dict | None = None  # job.preview["motion"]


def motion_fps(duration: float, fps: float, max_frames: int) -> float:
    """``fps``, lowered so that ``duration`` seconds make at most ``max_frames`` frames (never
    below :data:`MIN_FPS`: a composition longer than that is refused by the renderer)."""
    if duration > 0 and round(duration * fps) > max_frames:
        return max(MIN_FPS, int(max_frames / duration * 1000) / 1000)
    return fps


def prepare_motion(job: Job, *, plan: RenderPlan, template: TemplateDocument, psd: PsdDocument,
                   matches: Sequence[Match], layer_images: Mapping[int, Path], flattened: Path | None,
                   font_files: Mapping[str, Path]) -> MotionAssets:
    """Render, encode and store the motion preview of ``plan``'s composition (see the module)."""
    if not settings.AEA_MOTION_PREVIEW:
        return MotionAssets()
    try:
        with tempfile.TemporaryDirectory(prefix="aea-motion-") as tmp:
            files, metrics = _render(plan=plan, template=template, psd=psd, matches=matches,
                                     layer_images=layer_images, flattened=flattened, font_files=font_files,
                                     out_dir=Path(tmp))
            stored = [(kind, "", *store_file(path), meta) for kind, path, meta in files]
    except FAILURES as exc:
        logger.warning("job %s: motion preview of %r failed: %s: %s", job.job_id, plan.composition,
                       type(exc).__name__, exc)
        return MotionAssets(warnings=[{
            "code": FAILED, "severity": severity_of(FAILED),
            "message": f"The motion preview of {plan.composition!r} could not be made ({exc}); the still preview "
                       "is ready.",
            "details": {"composition": plan.composition, "layer": None, "error": type(exc).__name__},
        }])
    name, sha, size = store_bytes(json.dumps(metrics, sort_keys=True, ensure_ascii=False).encode(), ".json")
    stored.append(("motion_metrics", "", name, sha, size, {"file_name": METRICS_NAME,
                                                           "composition": metrics["composition"],
                                                           "content_type": "application/json"}))
    return MotionAssets(stored=stored, summary=summary(metrics))


def _render(*, plan, template, psd, matches, layer_images, flattened, font_files, out_dir: Path):
    """The files (kind, path, metadata) and the metrics of one motion render."""
    started = time.perf_counter()
    name = plan.composition or (template.compositions[0].name if template.compositions else "")
    comp = template.composition(name) if name else None
    max_frames = min(settings.AEA_MOTION_MAX_FRAMES, MAX_FRAMES)
    asked = settings.AEA_MOTION_FPS
    fps = motion_fps(comp.duration, asked, max_frames) if comp is not None else asked
    result = render_motion(
        plan=plan, template=template, psd=psd, matches=matches, layer_images=layer_images,
        fps=fps, width=settings.AEA_MOTION_WIDTH, font_files=font_files, footage_roots=settings.INPUT_ROOTS,
        footage_paths={f.recorded_path: f.local_path for f in plan.files}, limits=reader_limits(),
        max_frames=max_frames,
    )
    metrics = dict(result.metrics)
    frames = result.frames
    size = frames[0].size
    notes = []
    if fps != asked:
        notes.append(f"rendered at {fps:g} fps instead of {asked:g}: {metrics['duration']:g} s at {asked:g} fps "
                     f"is more than {max_frames} frames (AEA_MOTION_MAX_FRAMES)")
    design, problem = design_frame(flattened, psd, size, reader_limits())
    if problem:
        notes.append(f"the design video shows a neutral panel: {problem}")
    encoded = time.perf_counter()
    comp_name = metrics["composition"]
    sources = {"motion_preview": frames, "design_video": [design] * len(frames),
               "side_by_side": side_by_side(design, frames)}
    files = []
    for kind, file_name in VIDEOS:
        path = write_mp4(sources[kind], out_dir / file_name, fps, threads=settings.AEA_PREVIEW_THREADS)
        width, height = even_size((2 * size[0], size[1]) if kind == "side_by_side" else size)
        files.append((kind, path, {
            "file_name": file_name, "composition": comp_name, "fps": fps, "frames": len(frames),
            "duration": round(len(frames) / fps, 3), "width": width, "height": height,
            "content_type": "video/mp4",
        }))
    middle = len(frames) // 2
    buffer = io.BytesIO()
    frames[middle].convert("RGB").save(buffer, "PNG", compress_level=1)
    thumbnail = out_dir / THUMBNAIL_NAME
    thumbnail.write_bytes(buffer.getvalue())
    files.append(("motion_thumbnail", thumbnail, {
        "file_name": THUMBNAIL_NAME, "composition": comp_name, "time": round(middle / fps, 3),
        "width": size[0], "height": size[1], "content_type": "image/png",
    }))
    done = time.perf_counter()
    metrics.update({
        "fps_asked": asked,
        "max_frames": max_frames,
        "notes": notes,
        "render_time_s": round(done - started, 3),
        "encode_time_s": round(done - encoded, 3),
    })
    return files, metrics


def summary(metrics: dict) -> dict:
    """The numbers the review page shows without opening the metrics file."""
    return {
        "composition": metrics["composition"],
        "duration": metrics["duration"],
        "fps": metrics["fps"],
        "frames": metrics["frames"],
        "frames_drawn": metrics["frames_drawn"],
        "width": metrics["width"],
        "height": metrics["height"],
        "layers_drawn": len(metrics["drawn"]),
        "left_out": len(metrics["left_out"]),
        "approximated": len(metrics["approximated"]),
        "text_overflow": metrics["text_overflow"],
        "warnings": len(metrics["warnings"]),
        "notes": metrics["notes"],
        "render_time_s": metrics["render_time_s"],
    }
