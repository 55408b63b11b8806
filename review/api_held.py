"""The API's way out of a held job (added to :data:`review.api.api`): resubmit it with
corrected files (paths and/or uploads, multipart form), archive it, open an archived job by its
primary key (archived jobs may share a job id), unarchive it.

Refusals are the services' sentences: 400 for a path or an upload that cannot be used, 403
without the permission, 409 when the move is not possible now (queued or processing work, a job
id another active job uses)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router
from ninja.files import UploadedFile

from jobs.archive import job_archive, job_unarchive
from jobs.models import Job
from jobs.resubmit import job_resubmit
from jobs.selectors import job_detail_queryset

from . import selectors
from .api_auth import needs
from .api_schemas import ArchiveIn, ErrorOut, JobHeldActionOut, JobOut

router = Router(tags=["actions"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
START = needs("jobs.start_job")
ARCHIVE = needs("jobs.archive_job")
VIEW_JOBS = needs("jobs.view_job")


def _active(job_id: str) -> Job:
    job = selectors.active_job_by_job_id(job_id)
    if job is None:
        raise Http404(f"No job {job_id!r}.")
    return job


def _out(job: Job) -> dict:
    return {"id": job.pk, "job_id": job.job_id, "stage": job.stage, "status": job.status, "archived": job.archived,
            "psd_path": job.psd_path, "aepx_path": job.aepx_path}


@router.post("/job/{job_id}/resubmit", response={200: JobHeldActionOut, **ERRORS}, auth=START)
def resubmit(
    request,
    job_id: str,
    psd_path: Form[str] = "",
    aepx_path: Form[str] = "",
    reason: Form[str] = "",
    psd_file: File[UploadedFile] = None,
    aepx_file: File[UploadedFile] = None,
):
    """Point a failed, held or sent-back job at a corrected PSD and/or template (a path inside the
    input roots, checked like a batch CSV's, or an uploaded file) and queue Stage 1 again; the
    job keeps its job id and the audit row names the old and new paths."""
    uploads = {column: upload for column, upload in (("psd_path", psd_file), ("aepx_path", aepx_file)) if upload}
    job = job_resubmit(job=_active(job_id), user=request.auth, psd_path=psd_path, aepx_path=aepx_path,
                       uploads=uploads, reason=reason)
    return _out(job)


@router.post("/job/{job_id}/archive", response={200: JobHeldActionOut, **ERRORS}, auth=ARCHIVE)
def archive(request, job_id: str, payload: ArchiveIn | None = None):
    """Archive an active job (stage and status kept): it leaves the dashboard and its counts, and
    its job id is free for a new batch. Refused (409) while its work is queued or running."""
    return _out(job_archive(job=_active(job_id), user=request.auth, reason=payload.reason if payload else ""))


@router.get("/jobs/{int:id}", response={200: JobOut, **ERRORS}, auth=VIEW_JOBS, tags=["jobs"])
def job_by_pk(request, id: int):  # noqa: A002 - the job's primary key
    """One job by its primary key, archived or not, as ``GET /api/job/<job_id>`` shows it (that one
    finds active jobs only): find archived jobs with ``archived=include`` or ``only`` on the lists."""
    return get_object_or_404(job_detail_queryset(), pk=id)


@router.post("/jobs/{int:id}/unarchive", response={200: JobHeldActionOut, **ERRORS}, auth=ARCHIVE)
def unarchive(request, id: int, payload: ArchiveIn | None = None):  # noqa: A002 - the job's primary key
    """Unarchive a job by its primary key (archived jobs may share a job id); refused (409), naming
    the other job, while an active job uses its job id."""
    job = get_object_or_404(Job, pk=id)
    return _out(job_unarchive(job=job, user=request.auth, reason=payload.reason if payload else ""))
