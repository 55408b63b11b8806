"""Bulk endpoints of the JSON API (``/api/jobs/bulk/…``): what the contact sheet and the admin
actions do, for scripts. Mounted by :mod:`review.api` (its error handlers shape the errors).

Each endpoint takes CSV job ids (at most :data:`jobs.bulk_moves.MAX_BULK_JOBS`), moves those
still awaiting the gate in one transaction (:mod:`jobs.bulk_moves`) and answers exactly what it
did: ``done`` (job ids) and ``skipped`` (job id and why, decided before anything moved).
"""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema

from jobs.bulk_moves import (
    MAX_BULK_JOBS,
    jobs_bulk_approve_matching,
    jobs_bulk_approve_preview,
    jobs_bulk_send_back,
)

from .api_auth import needs
from .api_schemas import ErrorOut
from .selectors import active_jobs

router = Router(tags=["bulk"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


class BulkIn(Schema):
    job_ids: list[str] = Field(..., min_length=1, max_length=MAX_BULK_JOBS,
                               description="CSV job ids of active jobs")


class BulkSendBackIn(BulkIn):
    reason: str = Field(..., min_length=1, max_length=10_000)
    stage: Literal[2, 3] = Field(..., description="The gate the jobs wait at: 2 (matching) or 3 (preview)")


class SkippedOut(Schema):
    job_id: str
    reason: str


class BulkOut(Schema):
    done: list[str]
    skipped: list[SkippedOut]


def _run(service, job_ids: list[str], **kwargs) -> dict:
    wanted = list(dict.fromkeys(job_ids))
    pks = dict(active_jobs().filter(job_id__in=wanted).values_list("job_id", "pk"))
    result = service(jobs=[pks[j] for j in wanted if j in pks], **kwargs)
    skipped = [{"job_id": j, "reason": "no such job"} for j in wanted if j not in pks]
    skipped += [{"job_id": j, "reason": why} for j, why in result.refused.items()]
    return {"done": result.done, "skipped": skipped}


@router.post("/approve-stage2", response={200: BulkOut, **ERRORS}, auth=needs("jobs.approve_matching"))
def bulk_approve_stage2(request, payload: BulkIn):
    """Approve the matching of each job with no unconfirmed low-confidence match (those are
    skipped, their placeholders named); empty placeholders are approved and listed in the audit."""
    return _run(jobs_bulk_approve_matching, payload.job_ids, user=request.auth)


@router.post("/approve-stage3", response={200: BulkOut, **ERRORS}, auth=needs("jobs.approve_preview"))
def bulk_approve_stage3(request, payload: BulkIn):
    """Approve the preview of each job awaiting preview approval; queue validation and deploy."""
    return _run(jobs_bulk_approve_preview, payload.job_ids, user=request.auth)


@router.post("/send-back", response={200: BulkOut, **ERRORS},
             auth=needs("jobs.approve_matching", "jobs.approve_preview"))
def bulk_send_back(request, payload: BulkSendBackIn):
    """Send back, with one reason, each job waiting at ``stage`` (2 → the producer, 3 → matching)."""
    return _run(jobs_bulk_send_back, payload.job_ids, user=request.auth, reason=payload.reason, stage=payload.stage)
