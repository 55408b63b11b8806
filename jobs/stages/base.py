"""What the stages share: the outcome they return, the error that fails a job, the readers'
limits, the job's input files and where its deploy bundle lives."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from ..formats.files import resolve_inside
from ..formats.limits import Limits
from ..models import Job, JobAsset, JobWarning, Stage
from ..storage import media_path

SCRIPT_NAME = "populate.jsx"


class StageWorkError(Exception):
    """Work that cannot succeed for this job (bad file, missing input): fail it with a reason."""


@dataclass
class Outcome:
    """What a stage's work produced: the completing action and what to store with it."""

    action: str
    fields: dict = field(default_factory=dict)
    store: Callable[[Job], None] | None = None
    message: str = ""
    details: dict = field(default_factory=dict)


def reader_limits() -> Limits:
    """The PSD/template readers' budgets, from settings."""
    return Limits(
        max_file_bytes=settings.AEA_MAX_FILE_BYTES,
        max_alloc_bytes=settings.AEA_MAX_ALLOC_BYTES,
        max_pixels=settings.AEA_MAX_PIXELS,
    )


def checked_input_path(path: str) -> Path:
    """The job's file, resolved, if it is still inside an input root and exists."""
    resolved = resolve_inside(path, settings.INPUT_ROOTS)
    if resolved is None:
        raise StageWorkError(f"{path} is outside the allowed input roots.")
    if not resolved.is_file():
        raise StageWorkError(f"{path} no longer exists.")
    return resolved


def bundle_dir(job: Job) -> Path:
    """Where Stage 4 puts the job's deploy bundle (and so where the script finds its files)."""
    return Path(settings.DEPLOY_ROOT) / f"batch-{job.batch_id}" / job.job_id


def bundle_asset_name(layer_id: int) -> str:
    """A PSD layer's PNG inside the bundle."""
    return f"assets/layer-{layer_id}.png"


def stage1_images(job: Job) -> tuple[dict[int, Path], Path | None]:
    """The PSD layers' exported PNGs (by layer id) and the flattened image, from Stage 1."""
    layers: dict[int, Path] = {}
    flattened = None
    rows = JobAsset.objects.filter(job=job, stage=Stage.INGEST, kind__in=("layer", "flattened"))
    for kind, key, name in rows.values_list("kind", "key", "file"):
        if kind == "layer":
            layers[int(key)] = media_path(name)
        else:
            flattened = media_path(name)
    return layers, flattened


def replace_open_warnings(job: Job, stage: int, found: Iterable[dict], *,
                          codes: Collection[str] | None = None) -> None:
    """Make the job's open warnings of ``stage`` (of ``codes``, when given) the ``found`` ones
    (dicts of JobWarning fields). Resolved warnings (signed off, relinked, cleared by a
    send-back) are the record and are never touched."""
    stale = JobWarning.objects.filter(job=job, stage=stage, resolved_at__isnull=True)
    if codes is not None:
        stale = stale.filter(code__in=list(codes))
    stale.delete()
    JobWarning.objects.bulk_create([JobWarning(job=job, stage=stage, **item) for item in found])
