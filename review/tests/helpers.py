"""Building blocks of the review app's tests: jobs in realistic states, API tokens, query counts."""

from __future__ import annotations

import struct
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.models import JobLog, JobWarning, Stage, Status

# A described PSD and its matches, as Stage 1 leaves them for Stage 2.
PSD_DESCRIPTION = {
    "source": "design.psd",
    "width": 400,
    "height": 300,
    "layers": [
        {"id": 1, "name": "HEADLINE", "kind": "type", "visible": True, "bbox": [10, 10, 200, 40], "text": "HEADLINE"},
        {"id": 2, "name": "Photo", "kind": "pixel", "visible": True, "bbox": [0, 50, 400, 300]},
        {"id": 3, "name": "Logo", "kind": "pixel", "visible": True, "bbox": [300, 10, 390, 40]},
    ],
}
MATCHES = [
    {"composition": "Main", "layer_index": 1, "placeholder": "title", "psd_layer_id": 1, "psd_layer": "HEADLINE",
     "confidence": 0.95, "reason": "text layer", "placeholder_type": "text", "fit": "fit", "confirmed": False},
    {"composition": "Main", "layer_index": 2, "placeholder": "photo", "psd_layer_id": 2, "psd_layer": "Photo",
     "confidence": 0.4, "reason": "largest image", "placeholder_type": "footage", "fit": "fit", "confirmed": False},
]

# (stage, status) pairs a pipeline holds, cycled through by populate().
# The first five cover every stage, so five jobs already fill every column.
STATES = [
    (Stage.VALIDATE, Status.PENDING),
    (Stage.INGEST, Status.QUEUED),
    (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW),
    (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL),
    (Stage.DEPLOY, Status.COMPLETED),
    (Stage.INGEST, Status.FAILED),
    (Stage.DEPLOY, Status.NEEDS_ATTENTION),
]
PRIORITIES = ["high", "medium", "low"]


def stage2_job(make_job, **fields):
    """A job ingested and matched, awaiting matching review, with its pixel layers exported."""
    fields.setdefault("psd_description", PSD_DESCRIPTION)
    fields.setdefault("matches", MATCHES)
    job = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW, **fields)
    for layer in fields["psd_description"]["layers"]:
        if layer["kind"] == "pixel":
            job.assets.create(stage=Stage.INGEST, kind="layer", key=str(layer["id"]), file=f"l/{layer['id']}.png",
                              sha256="0" * 64, size=1)
    return job


def populate(make_job, batch, count: int) -> list:
    """``count`` jobs of ``batch`` spread over every stage, some with warnings and timestamps."""
    now = timezone.now()
    jobs = []
    for i in range(count):
        stage, status = STATES[i % len(STATES)]
        stamps = {f"stage{s}_completed_at": now - timedelta(minutes=60 - 10 * s) for s in range(1, stage + 1)}
        if stage == Stage.DEPLOY and status != Status.COMPLETED:
            stamps.pop("stage4_completed_at", None)
        job = make_job(
            stage=stage, status=status, batch=batch, job_id=f"P{i:04d}", client_name=f"Client {i % 4}",
            project_name=f"Project {i % 3}", priority=PRIORITIES[i % 3], psd_description=PSD_DESCRIPTION,
            matches=MATCHES if stage >= Stage.REVIEW_MATCHING else [], **stamps,
        )
        if i % 2:
            JobWarning.objects.create(job=job, stage=stage, code="w", message="a warning")
        if status == Status.COMPLETED:
            JobLog.objects.create(job=job, stage=stage, action="deployed", actor="system", from_stage=stage,
                                  from_status=Status.PROCESSING, to_stage=stage, to_status=status)
        jobs.append(job)
    return jobs


def minimal_psd(width=4, height=4) -> bytes:
    """A genuine minimal PSD: header, empty sections, raw RGB image data (Stage 0 sniffs it)."""
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, height, width, 8, 3)
    return header + struct.pack(">III", 0, 0, 0) + struct.pack(">H", 0) + bytes(width * height * 3)


MINIMAL_AEPX = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<AfterEffectsProject xmlns="http://www.adobe.com/products/aftereffects" majorVersion="1" minorVersion="0">'
    b"</AfterEffectsProject>\n"
)


def count_queries(func) -> int:
    """How many queries ``func()`` runs."""
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


def bearer(raw: str) -> dict:
    """Test-client keyword arguments sending ``raw`` as a bearer token."""
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# --- A small world: every kind of object the pages and the API show, for crawls and fuzzing ------

# A 1x1 transparent PNG (what a stored layer image looks like to the file views).
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002"
    "000154a24f5d0000000049454e44ae426082"
)


def build_world(make_job) -> dict:
    """A batch with jobs in every stage (warnings, audit rows, files on disk and missing), an
    archived job, a learned mapping, a parse-cache row, an API token and django-q2 task rows:
    something behind every admin page, dashboard page and API path that takes an id.

    Returns the objects a test needs by name: ``batch``, ``jobs`` (by CSV job id), ``stage2``
    (awaiting review, with exported layers), ``deploy`` (needing attention at stage 4), ``asset``
    (a layer image on disk), ``missing_asset`` (a row whose file is gone), ``fileless_asset`` and
    ``fileless_batch`` (rows whose file field is empty)."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django_q.models import OrmQ, Schedule, Task
    from django_q.signing import SignedPackage

    from batches.models import Batch
    from jobs.models import JobAsset, LearnedEvidence, LearnedMapping, ParsedFile

    csv = b"job_id,psd_path,aepx_path,output_name\nW-1,demo/a.psd,demo/t.aepx,w1.aep\n"
    batch = Batch(name="world.csv", sha256="1" * 64, row_count=9, job_count=9, report={"ok": True, "errors": []})
    batch.csv_file.save("world.csv", ContentFile(csv), save=False)
    batch.save()
    jobs = populate(make_job, batch, 7)
    stage2 = stage2_job(make_job, batch=batch, job_id="W-REVIEW", client_name="World", priority="high")
    deploy = make_job(stage=Stage.DEPLOY, status=Status.NEEDS_ATTENTION, batch=batch, job_id="W-DEPLOY",
                      psd_description=PSD_DESCRIPTION, matches=MATCHES,
                      validation={"ok": False, "findings": [{"code": "font_missing", "message": "Oswald"}]})
    JobWarning.objects.create(job=deploy, stage=Stage.DEPLOY, code="font_missing", message="Font Oswald is missing")
    archived = make_job(stage=Stage.INGEST, status=Status.FAILED, batch=batch, job_id="W-REVIEW", archived=True,
                        last_error="an old failure")
    asset = JobAsset(job=stage2, stage=Stage.INGEST, kind="layer_thumbnail", key="2", sha256="2" * 64,
                     size=len(PNG_1PX))
    asset.file.save("thumb.png", ContentFile(PNG_1PX), save=False)
    asset.save()
    missing_asset = stage2.assets.get(kind="layer", key="2")  # stage2_job's rows name files never written
    # A pending job of a batch without its CSV file (as the make_job fixture makes them), with a
    # row whose file was never set.
    bare = make_job(job_id="W-BARE", client_name="Bare")
    fileless_asset = JobAsset.objects.create(job=bare, stage=Stage.INGEST, kind="script", key="", file="",
                                             sha256="5" * 64, size=0)
    JobLog.objects.create(job=stage2, stage=Stage.INGEST, action="ingested", actor="system",
                          from_stage=Stage.INGEST, from_status=Status.PROCESSING,
                          to_stage=Stage.REVIEW_MATCHING, to_status=Status.AWAITING_REVIEW)
    owner = get_user_model().objects.filter(is_superuser=True).first()
    mapping = LearnedMapping.objects.create(template_sha256="3" * 64, composition="Main", placeholder="photo",
                                            psd_name_pattern="photo", psd_kind="pixel", source_job=stage2)
    LearnedEvidence.objects.create(mapping=mapping, job=stage2, approved_by=owner)
    ParsedFile.objects.create(sha256="4" * 64, reader="psd", reader_version="1", description=PSD_DESCRIPTION)
    Task.objects.create(id="a" * 32, name="ingest-ok", func="jobs.tasks.run_ingest", started=timezone.now(),
                        stopped=timezone.now(), success=True, args=(stage2.pk,))
    Task.objects.create(id="b" * 32, name="ingest-failed", func="jobs.tasks.run_ingest", started=timezone.now(),
                        stopped=timezone.now(), success=False, result="Traceback: boom")
    OrmQ.objects.create(key="default", lock=timezone.now(), payload=SignedPackage.dumps(
        {"id": "c" * 32, "name": "queued-reap", "func": "jobs.tasks.reap", "args": (), "kwargs": {}}))
    Schedule.objects.get_or_create(name="world", defaults={"func": "jobs.tasks.reap", "schedule_type": "I",
                                                            "minutes": 5})
    return {
        "batch": batch,
        "jobs": {job.job_id: job for job in [*jobs, stage2, deploy, bare]},
        "archived": archived,
        "stage2": stage2,
        "deploy": deploy,
        "asset": asset,
        "missing_asset": missing_asset,
        "fileless_batch": bare.batch,
        "fileless_asset": fileless_asset,
    }
