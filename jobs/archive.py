"""Archive and unarchive a job: audited moves of :mod:`jobs.transitions` that keep its stage and
status.

An archived job is left out of the dashboard's board and counts and of the API's job lookups by
job id, and its job id is free: a new CSV may use it. Archiving is refused while background work
is queued or running (wait until it finishes or fails); unarchiving is refused while another
active job uses the same job id (that job is named), never with a database error.
"""

from __future__ import annotations

from django.db import IntegrityError

from .models import Job, Status
from .transitions import Prepared, TransitionNotAllowed, job_transition


def _working_refusal(job: Job) -> str:
    return (f"Job {job.job_id} is {job.get_status_display().lower()} at stage {job.stage}: background work is "
            f"{'waiting' if job.status == Status.QUEUED else 'running'} for it. Archive it once the work has "
            "finished or failed.")


def _id_taken(job: Job) -> str | None:
    """The sentence refusing to unarchive ``job`` when another active job has its job id."""
    other = Job.objects.filter(job_id=job.job_id, archived=False).exclude(pk=job.pk).select_related("batch").first()
    if other is None:
        return None
    return (f"Job id {job.job_id} is used by another active job (#{other.pk}, batch #{other.batch_id} "
            f"{other.batch.name!r}, stage {other.stage} · {other.get_status_display().lower()}): archive that job "
            "first to unarchive this one.")


def job_archive(*, job: Job, user, reason: str = "") -> Job:
    """Archive ``job`` (audited; stage and status unchanged)."""
    fresh = Job.objects.get(pk=job.pk)
    may = user is not None and user.has_perm("jobs.archive_job")  # else job_transition refuses the user
    if may and not fresh.archived and fresh.status in (Status.QUEUED, Status.PROCESSING):
        raise TransitionNotAllowed(_working_refusal(fresh), job_id=fresh.job_id)

    def prepare(locked: Job) -> Prepared:
        if locked.status in (Status.QUEUED, Status.PROCESSING):  # claimed meanwhile
            raise TransitionNotAllowed(_working_refusal(locked), job_id=locked.job_id)
        return Prepared(fields={"archived": True},
                        message=f"Archived: {reason.strip()}" if reason.strip() else "Archived (job id free for reuse)")

    return job_transition(job=job, action="archive", user=user, reason=reason, prepare=prepare)


def job_unarchive(*, job: Job, user, reason: str = "") -> Job:
    """Bring ``job`` back among the active jobs (audited), unless its job id is taken."""

    def prepare(locked: Job) -> Prepared:
        taken = _id_taken(locked)
        if taken:
            raise TransitionNotAllowed(taken, job_id=locked.job_id)
        return Prepared(fields={"archived": False})

    try:
        return job_transition(job=job, action="unarchive", user=user, reason=reason, prepare=prepare)
    except IntegrityError:  # another job took the id between the check and the UPDATE
        fresh = Job.objects.get(pk=job.pk)
        raise TransitionNotAllowed(_id_taken(fresh) or f"Job id {fresh.job_id} is in use by another active job.",
                                   job_id=fresh.job_id) from None
