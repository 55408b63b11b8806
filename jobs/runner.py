"""Running a stage's background work: claim, work outside any transaction, complete.

Every task is safe to run twice (or concurrently): the claim is a conditional UPDATE, so only
one run works on a job, and a run that finds the job already claimed or done does nothing.
The work itself (parsing files, rendering) happens outside any transaction; its results are
stored in the same transaction as the completing move.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from .formats.errors import FormatError
from .models import Job, JobWarning, Stage, Status
from .transitions import TransitionError, job_transition

log = logging.getLogger(__name__)


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


def _stage_work() -> dict[int, Callable[[Job], Outcome]]:
    from . import deploy, ingest, preview_stage

    return {
        Stage.INGEST: ingest.ingest_job,
        Stage.APPROVE_PREVIEW: preview_stage.prepare_preview,
        Stage.DEPLOY: deploy.validate_and_deploy,
    }


def run_stage_work(*, job_pk: int, stage: int) -> str:
    """Claim the job's queued work at ``stage``, do it and complete or fail it.

    Returns what happened ("done", "failed", "skipped") for django-q2's task result.
    """
    # A late or duplicate task (at-least-once delivery, or re-sent by the reaper) for a stage the
    # job has left must not claim the job's queued work at another stage: that would use one of
    # its attempts, write a claim/requeue pair and send yet another task.
    if not Job.objects.filter(pk=job_pk, stage=stage, status=Status.QUEUED).exists():
        log.info("job %s: nothing queued at stage %s", job_pk, stage)
        return "skipped"
    try:
        job = job_transition(job=job_pk, action="claim", details={"stage": stage})
    except TransitionError as exc:
        log.info("job %s: nothing to do at stage %s (%s)", job_pk, stage, exc)
        return "skipped"
    if job.stage != stage:  # queued at another stage since this task was sent
        job_transition(job=job.pk, action="requeue", message="Claimed for another stage; queued again")
        return "skipped"
    if job.attempts > settings.AEA_MAX_ATTEMPTS:
        fail_job(job_pk=job.pk, reason=f"Gave up after {job.attempts - 1} attempts that did not finish.")
        return "failed"
    work = _stage_work()[stage]
    try:
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
    return "done"


def fail_job(*, job_pk: int, reason: str) -> bool:
    """Mark a claimed job failed with ``reason`` and a warning saying so. False when the job was
    no longer in a state to fail (another worker or reaper moved it first)."""

    def record(job: Job) -> None:
        JobWarning.objects.create(
            job=job, stage=job.stage, severity=JobWarning.Severity.ERROR, code="stage_failed", message=reason
        )

    try:
        job_transition(job=job_pk, action="fail", fields={"last_error": reason}, message=reason, within=record)
    except TransitionError as exc:
        log.warning("job %s: could not mark failed: %s", job_pk, exc)
        return False
    return True


def queued_task_names() -> set[str] | None:
    """Names of the tasks the broker holds for this cluster: waiting, and (ORM broker) taken by
    a cluster but not acknowledged yet, which it delivers again after ``retry``. None when the
    broker's queue cannot be listed."""
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    broker = get_broker()
    try:
        if Conf.ORM:
            payloads = list(OrmQ.objects.using(Conf.ORM).filter(key=broker.list_key).values_list("payload", flat=True))
        else:
            from django_q.brokers.redis_broker import Redis

            if not isinstance(broker, Redis):
                return None
            payloads = broker.connection.lrange(broker.list_key, 0, -1)
    except Exception as exc:  # the broker is down: the caller re-sends rather than guess
        log.warning("could not list the broker's queue: %s", exc)
        return None
    names = set()
    for payload in payloads:
        try:
            names.add(SignedPackage.loads(payload).get("name"))
        except Exception:  # noqa: BLE001  (a package signed with another key: not ours)
            continue
    return names


def reap_expired_leases() -> dict:
    """Re-queue jobs whose worker vanished; fail those that used up their attempts.

    Also re-sends the task of jobs queued long ago whose task was lost (a Redis broker loses a
    task in flight when its worker dies). Run by a django-q2 schedule every minute.
    """
    from .receivers import enqueue_stage_work, stage_task_name

    now = timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    expired = Job.objects.filter(status=Status.PROCESSING, lease_expires_at__lt=now).values_list(
        "pk", "attempts"
    )
    for pk, attempts in expired:
        if attempts >= settings.AEA_MAX_ATTEMPTS:
            if fail_job(job_pk=pk, reason=f"Gave up after {attempts} attempts: the worker stopped each time."):
                counts["failed"] += 1
            continue
        try:
            job_transition(job=pk, action="requeue", message="Lease expired: the worker stopped; queued again")
            counts["requeued"] += 1
        except TransitionError:
            continue
    cutoff = now - timedelta(seconds=settings.Q_CLUSTER["retry"])
    stale = list(Job.objects.filter(status=Status.QUEUED, updated_at__lt=cutoff).values_list("pk", "stage"))
    # A job queued behind a long backlog is not lost: its task still waits in the broker. Only
    # a task the broker no longer holds is re-sent (when the broker cannot be read, all are:
    # a duplicate task finds nothing to claim and does nothing).
    waiting = queued_task_names() if stale else set()
    for pk, stage in stale:
        if waiting is not None and stage_task_name(pk, stage) in waiting:
            continue
        # Touch the row so the task is re-sent at most once per retry window; the condition
        # repeats `updated_at < cutoff` so that of two reapers running at once only one re-sends.
        touched = Job.objects.filter(pk=pk, status=Status.QUEUED, stage=stage, updated_at__lt=cutoff).update(
            updated_at=now
        )
        if touched:
            transaction.on_commit(lambda pk=pk, stage=stage: enqueue_stage_work(pk, stage))
            counts["resent"] += 1
    return counts
