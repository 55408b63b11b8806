"""The reaper: work that a worker took and lost is queued again; a lost task is sent again.

Run by a django-q2 schedule every minute (``jobs.tasks.reap``). Two cases:

- a job ``processing`` whose lease expired: its worker died (kill -9, out of memory, the
  machine went away). It is queued again, or failed once it used up ``AEA_MAX_ATTEMPTS``
  claims (a file that kills its worker every time must not loop forever);
- a job ``queued`` for longer than the retry window whose task the broker no longer holds: a
  Redis broker loses the tasks a dying cluster had taken off its list. Its task is sent again.
  A job merely waiting behind a long queue still has its task in the broker and is left alone.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from .models import Job, Status
from .receivers import enqueue_stage_work, stage_task_name
from .runner import fail_job
from .transitions import TransitionError, job_transition

log = logging.getLogger(__name__)


def queued_task_names() -> set[str] | None:
    """Names of the tasks the broker holds for this cluster: waiting, and (ORM broker) taken by
    a cluster but not acknowledged yet, which it delivers again after ``retry``. None when the
    broker's queue cannot be listed."""
    broker = get_broker()
    try:
        if isinstance(broker, ORM):
            queued = OrmQ.objects.using(Conf.ORM).filter(key=broker.list_key)
            return {name for name in (task.name() for task in queued) if name}
        if not isinstance(broker, Redis):
            return None
        payloads = broker.connection.lrange(broker.list_key, 0, -1)
    except Exception as exc:  # noqa: BLE001  (the broker is down: the caller re-sends rather than guess)
        log.warning("could not list the broker's queue: %s", exc)
        return None
    names = set()
    for payload in payloads:
        try:
            names.add(SignedPackage.loads(payload).get("name"))
        except Exception:  # noqa: BLE001, S112  (a package signed with another key: not ours)
            continue
    return names - {None}


def reap_expired_leases() -> dict:
    """Re-queue jobs whose worker vanished, fail those that used up their attempts, and re-send
    the lost task of jobs queued long ago. Returns the counts of each."""
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
    # Only a task the broker no longer holds is re-sent (when the broker cannot be read, all
    # are: a duplicate task finds nothing to claim and does nothing).
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
