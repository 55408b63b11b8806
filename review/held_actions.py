"""The page actions that take a held job out of its dead end: resubmit it with corrected files
(paths or uploads), archive and unarchive it. Registered in :data:`review.actions.JOB_ACTIONS`
(archive, unarchive) and :data:`review.actions.FILE_ACTIONS` (resubmit, which reads uploads)."""

from __future__ import annotations

from django.conf import settings
from django.http import QueryDict

from jobs.archive import job_archive, job_unarchive
from jobs.attention import latest_send_back, sign_off_blockers
from jobs.models import Job, Stage, Status
from jobs.resubmit import COLUMNS, job_resubmit

UPLOAD_FIELDS = {"psd_path": "psd_file", "aepx_path": "aepx_file"}


def resubmit(job: Job, user, post: QueryDict, files) -> str:
    uploads = {column: files.get(field) for column, field in UPLOAD_FIELDS.items() if files.get(field) is not None}
    fresh = job_resubmit(job=job, user=user, psd_path=post.get("psd_path"), aepx_path=post.get("aepx_path"),
                         uploads=uploads, reason=post.get("reason", ""))
    changed = [name for name, column in (("PSD", COLUMNS[0]), ("template", COLUMNS[1]))
               if getattr(fresh, column) != getattr(job, column)]
    return f"Resubmitted with the corrected {' and '.join(changed)}: Stage 1 reads the files again."


def archive(job: Job, user, post: QueryDict) -> str:
    job_archive(job=job, user=user, reason=post.get("reason", ""))
    return f"Archived: {job.job_id} is off the dashboard and its job id is free for a new batch."


def unarchive(job: Job, user, post: QueryDict) -> str:
    job_unarchive(job=job, user=user, reason=post.get("reason", ""))
    return f"Unarchived: {job.job_id} is back on the dashboard."


PAGE_ACTIONS = {"archive": archive, "unarchive": unarchive}
FILE_ACTIONS = {"resubmit": resubmit}


def held_context(job: Job, actions: set[str]) -> dict:
    """What the job pages show about a held job (``templates/review/_held.html``): the latest
    send-back, the errors a sign-off cannot accept (then "sign_off" leaves ``actions``), and
    whether the resubmit and archive forms are offered."""
    at_sign_off = (job.stage, job.status) == (Stage.DEPLOY, Status.NEEDS_ATTENTION)
    blockers = sign_off_blockers(job) if at_sign_off else []
    if blockers:
        actions.discard("sign_off")
    return {
        "send_back": latest_send_back(job),
        "blockers": blockers,
        # Whether the stage offers the user anything beyond archiving (else the page says who can act).
        "stage_actions": bool(actions - {"archive", "unarchive"}),
        "upload_limit": settings.AEA_MAX_FILE_BYTES,
        "input_roots": settings.INPUT_ROOTS,
    }
