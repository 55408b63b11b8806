"""A job's motion-preview assets as Stage 3 stores them (issue 17, item 4), made with the real
code: the keyframed test template (jobs/tests/formats/motion_cases.py) rendered over its 3 s by
``render_motion``, a design still held for as long, the two side by side, each encoded to H.264
MP4 by ``write_frames``, stored by ``store_file``, with the thumbnail and the metrics JSON.

The rows follow the Stage 3 contract: kinds ``motion_preview``, ``design_video``,
``side_by_side`` (MP4, metadata file_name, composition, fps, frames, duration, width, height,
content_type), ``motion_thumbnail`` (PNG) and ``motion_metrics`` (JSON).
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from jobs.formats.descriptions import PsdDocument
from jobs.formats.motion.encode import write_frames
from jobs.formats.motion.render import render_motion
from jobs.formats.render_plan import build_render_plan
from jobs.models import Job, JobAsset, Stage
from jobs.storage import store_file
from jobs.tests.formats import motion_cases

FPS = 10.0
WIDTH = 480
GAP = 8  # pixels between the design and the preview in the side-by-side video


def design_still(size: tuple[int, int]) -> Image.Image:
    """The flattened design, as a reviewer would compare it with the preview."""
    image = Image.new("RGB", size, (51, 77, 102))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((w * 0.1, h * 0.5, w * 0.3, h * 0.72), fill=(230, 51, 26))
    draw.ellipse((w * 0.82, h * 0.1, w * 0.95, h * 0.32), fill=(255, 255, 0))
    draw.text((w * 0.05, h * 0.08), "A TITLE", fill=(255, 255, 255))
    return image


def side_by_side(design: Image.Image, frame: Image.Image) -> Image.Image:
    out = Image.new("RGB", (design.width + GAP + frame.width, max(design.height, frame.height)), (17, 17, 17))
    out.paste(design, (0, 0))
    out.paste(frame, (design.width + GAP, 0))
    return out


def _store(job: Job, folder: Path, name: str, kind: str, metadata: dict) -> JobAsset:
    stored, sha, size = store_file(folder / name)
    return JobAsset.objects.create(job=job, stage=Stage.APPROVE_PREVIEW, kind=kind, key="", file=stored, sha256=sha,
                                   size=size, metadata=metadata)


def attach_motion_assets(job: Job, *, with_still: bool = True) -> dict[str, JobAsset]:
    """Render, encode and store the job's motion preview; return its assets by kind. With
    ``with_still``, also the still preview and comparison Stage 3 keeps making."""
    template = motion_cases.template()
    psd = PsdDocument(source="", width=0, height=0)
    plan = build_render_plan(template=template, psd=psd, matches=[], image_sizes={})
    result = render_motion(plan=plan, template=template, psd=psd, fps=FPS, width=WIDTH)
    frames = result.frames
    design = design_still(frames[0].size)
    metrics = {**result.metrics, "render_time_s": result.metrics["render_seconds"]}
    common = {"composition": metrics["composition"], "fps": FPS, "frames": len(frames),
              "duration": len(frames) / FPS, "content_type": "video/mp4"}
    assets = {}
    with tempfile.TemporaryDirectory(prefix="aea-motion-test-") as tmp:
        folder = Path(tmp)
        videos = {
            "motion_preview": ("motion.mp4", frames),
            "design_video": ("design.mp4", [design] * len(frames)),
            "side_by_side": ("side-by-side.mp4", [side_by_side(design, frame) for frame in frames]),
        }
        for kind, (name, images) in videos.items():
            write_frames(images, folder / name, FPS)
            width, height = images[0].size
            assets[kind] = _store(job, folder, name, kind,
                                  {"file_name": name, **common, "width": width, "height": height})
        frames[-1].save(folder / "thumbnail.png")
        assets["motion_thumbnail"] = _store(job, folder, "thumbnail.png", "motion_thumbnail",
                                            {"file_name": "thumbnail.png", "composition": metrics["composition"]})
        (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
        assets["motion_metrics"] = _store(job, folder, "metrics.json", "motion_metrics", {"file_name": "metrics.json"})
    if with_still:
        for kind, image in (("preview", frames[-1]), ("comparison", side_by_side(design, frames[-1]))):
            data = io.BytesIO()
            image.save(data, "PNG")
            name = default_storage.save(f"test/{job.job_id}-{kind}.png", ContentFile(data.getvalue()))
            key = metrics["composition"] if kind == "preview" else ""
            assets[kind] = JobAsset.objects.create(job=job, stage=Stage.APPROVE_PREVIEW, kind=kind, key=key, file=name,
                                                   sha256="2" * 64, size=len(data.getvalue()),
                                                   metadata={"composition": metrics["composition"]})
    job.preview = {**(job.preview or {}), "motion": {
        "duration": metrics["duration"], "frames": metrics["frames"], "fps": FPS,
        "render_time_s": metrics["render_time_s"], "left_out": len(metrics["left_out"])}}
    job.save(update_fields=["preview"])
    return assets
