"""The runner: claim the next job's queued work, do it outside any transaction, complete or fail it.

Tasks are wake-ups: a stage task claims the job to work on next at its stage (priority, then
turns between batches, then age), not necessarily the job whose move sent it, so priority holds
whatever order the tasks were queued in. One task is sent per queued job, so every job's turn
comes; the reaper keeps the count of waiting tasks up to the count of waiting jobs.

Every task is safe to run twice (or concurrently): the claim is a conditional UPDATE, so only
one run works on a job, and a run that finds the job already claimed or done does nothing.
The work itself (parsing files, rendering) happens outside any transaction, with the claim's
lease renewed meanwhile (:mod:`jobs.lease`); its results are stored in the same transaction as
the completing move.

A database error is never shown to a user: one the work or the storing of its results runs
into fails the job with a plain sentence (:func:`database_refused`), and the exception, SQL
and driver text included, goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F

from batches.models import Batch

from .formats.descriptions import clean_text
from .formats.errors import FormatError
from .lease import kept_lease
from .models import Job, JobWarning, Stage, Status
from .stages.base import Outcome, StageWorkError
from .transitions import TransitionError, job_transition
from .warning_codes import severity_of

log = logging.getLogger(__name__)


def stage_work() -> dict[int, Callable[[Job], Outcome]]:
    """Each automatic stage's work function (imported when first needed: psd-tools, SciPy and
    Pillow take about a second to load, which the web processes never need)."""
    from .stages import deploy, ingest, preview

    return {
        Stage.INGEST: ingest.ingest_job,
        Stage.APPROVE_PREVIEW: preview.prepare_preview,
        Stage.DEPLOY: deploy.validate_and_deploy,
    }


def run_stage_work(*, job_pk: int, stage: int) -> str:
    """Claim the next job waiting at ``stage`` (:func:`claim_next`), do its work and complete or
    fail it. ``job_pk`` names the job whose move sent the task; the task is a wake-up, and the
    job worked on is the one to work on next, whatever order the tasks were sent in.

    Returns what happened ("done", "failed", "skipped") for django-q2's task result.
    """
    # A late or duplicate task (at-least-once delivery, or re-sent by the reaper) finds nothing
    # queued at its stage and does nothing; it never claims work queued at another stage.
    job = claim_next(stage=stage)
    if job is None:
        log.info("job %s: nothing queued at stage %s", job_pk, stage)
        return "skipped"
    if job.attempts > settings.AEA_MAX_ATTEMPTS:
        fail_job(job_pk=job.pk, reason=f"Gave up after {job.attempts - 1} attempts that did not finish.")
        return "failed"
    work = stage_work()[stage]
    try:
        with kept_lease(job):  # renewed while the work runs; the completion below is not inside
            outcome = work(job)
    except (StageWorkError, FormatError) as exc:
        fail_job(job_pk=job.pk, reason=str(exc))
        return "failed"
    except (OperationalError, InterfaceError):
        # The database went away (restart, fail-over, network) or stayed locked: not the job's
        # fault, so do not fail it. Its lease expires and the reaper queues it again (the claim
        # counted as an attempt, so a database that never comes back still ends in a failure).
        log.warning("job %s: database unavailable during stage %s work; left to the reaper", job.job_id, stage)
        raise
    except DatabaseError as exc:  # the database refused what the work wrote (bad data, a constraint)
        log.exception("job %s: the database refused stage %s work", job.job_id, stage)
        fail_job(job_pk=job.pk, reason=database_refused(stage, exc))
        return "failed"
    except Exception as exc:  # a bug or an environment problem: fail this job, not the batch
        log.exception("job %s: stage %s work crashed", job.job_id, stage)
        fail_job(job_pk=job.pk, reason=f"Unexpected error: {type(exc).__name__}: {exc}")
        return "failed"
    try:
        job_transition(
            job=job.pk,
            action=outcome.action,
            fields=outcome.fields,
            within=outcome.store,
            message=outcome.message,
            details=outcome.details,
        )
    except TransitionError as exc:  # e.g. the reaper took the job back meanwhile
        log.warning("job %s: result of stage %s not stored: %s", job.job_id, stage, exc)
        return "skipped"
    except (OperationalError, InterfaceError):
        log.warning("job %s: database unavailable storing stage %s; left to the reaper", job.job_id, stage)
        raise
    except DatabaseError as exc:  # the move was rolled back: the job is still claimed, so fail it
        log.exception("job %s: the database refused the result of stage %s", job.job_id, stage)
        fail_job(job_pk=job.pk, reason=database_refused(stage, exc))
        return "failed"
    return "done"


def next_job_queryset(stage: int):
    """The jobs waiting at ``stage`` in the order workers take them: highest priority first;
    within a priority, the batch whose last claim at any stage is oldest (so a big batch takes
    turns with a small one instead of starving it); then the job waiting longest."""
    return Job.objects.filter(stage=stage, status=Status.QUEUED).order_by(
        "priority_rank", F("batch__last_claimed_at").asc(nulls_first=True), "stage_entered_at", "id"
    )


def claim_next(*, stage: int) -> Job | None:
    """Claim the job to work on next at ``stage`` (None when nothing waits there).

    The choice and the claim are one transaction: on PostgreSQL the candidate row is locked
    with ``FOR UPDATE SKIP LOCKED``, so workers choosing at the same moment take different jobs
    instead of queueing behind one row lock; on SQLite the transaction is IMMEDIATE, so choices
    are serialised. The claim itself is the usual move (:func:`job_transition`), with its lease,
    attempt count and audit row. The batch records when it was last served, for the turns.
    """
    candidates = next_job_queryset(stage)
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
    with transaction.atomic():
        pk = candidates.values_list("pk", flat=True).first()
        if pk is None:
            return None
        try:
            job = job_transition(job=pk, action="claim", details={"stage": stage})
        except TransitionError as exc:  # (SQLite: cannot happen inside the write lock)
            log.info("job %s: not claimed at stage %s (%s)", pk, stage, exc)
            return None
        Batch.objects.filter(pk=job.batch_id).update(last_claimed_at=job.updated_at)
    return job


def database_refused(stage: int, exc: DatabaseError) -> str:
    """What a user is told when the database refused a stage's data: no SQL, no driver text
    (those are in the log), only the kind of error Django names."""
    return (
        f"Stage {int(stage)} could not be saved: the database refused the data ({type(exc).__name__}). "
        "The details are in the worker log."
    )


def fail_job(*, job_pk: int, reason: str) -> bool:
    """Mark a claimed job failed with ``reason`` and a warning saying so. False when the job was
    no longer in a state to fail (another worker or reaper moved it first)."""
    reason = clean_text(reason)  # a file's text quoted in a reason must not make the database refuse it

    def record(job: Job) -> None:
        JobWarning.objects.create(
            job=job, stage=job.stage, severity=severity_of("stage_failed"), code="stage_failed", message=reason
        )

    try:
        job_transition(job=job_pk, action="fail", fields={"last_error": reason}, message=reason, within=record)
    except TransitionError as exc:
        log.warning("job %s: could not mark failed: %s", job_pk, exc)
        return False
    return True

