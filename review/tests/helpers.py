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
