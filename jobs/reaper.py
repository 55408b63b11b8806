"""The reaper: work that a worker took and lost is queued again; a lost task is sent again.

It runs every 15 s or so in each cluster's broker poll (:mod:`jobs.broker`, while the cluster
has room for work) and once a minute from a django-q2 schedule (``jobs.tasks.reap``). Cases:

- a job ``processing`` whose lease expired: its worker died (kill -9, out of memory, the
  machine went away) and stopped renewing the lease (:mod:`jobs.lease`). It is queued again,
  or failed once it used up ``AEA_MAX_ATTEMPTS`` claims (a file that kills its worker every
  time must not loop forever);
- a job ``queued`` for longer than ``AEA_STRANDED_SECONDS`` whose task is not waiting in the
  broker: a cluster took the task off the queue and has not started it (it died holding it,
  or it is busy). With the ORM broker the task's row is released for any cluster to take
  (django-q2 would hand it out again only after ``retry``, 20 minutes by default); with Redis,
  which loses what a dying cluster had taken, the task is sent again. A job merely waiting
  behind a long queue still has its task waiting and is left alone.

Every move is a conditional UPDATE, so reapers running at once do each thing once; a task
delivered twice finds nothing to claim the second time.
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


def broker_tasks() -> tuple[set[str], dict[str, list[tuple[int, object]]]] | None:
    """The stage tasks the broker holds for this cluster: the names of those waiting to be
    taken, and (ORM broker) those a cluster has taken and not acknowledged yet, as
    ``name -> [(row id, lock)]``. None when the broker's queue cannot be listed."""
    broker = get_broker()
    try:
        if isinstance(broker, ORM):
            now = timezone.now()
            waiting, taken = set(), {}
            for task in OrmQ.objects.using(Conf.ORM).filter(key=broker.list_key):
                name = task.name()
                if not name:
                    continue
                if task.lock <= now:
                    waiting.add(name)
                else:
                    taken.setdefault(name, []).append((task.pk, task.lock))
            return waiting, taken
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
    return names - {None}, {}


def queued_task_names() -> set[str] | None:
    """Names of the stage tasks waiting in the broker (None when it cannot be listed)."""
    tasks = broker_tasks()
    return None if tasks is None else tasks[0]


def reap_expired_leases() -> dict:
    """Re-queue jobs whose worker vanished, fail those that used up their attempts, and deliver
    again the task of jobs queued a while whose task is not waiting. Returns the counts."""
    now = timezone.now()
    counts = {"requeued": 0, "failed": 0, "released": 0, "resent": 0}
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
    cutoff = now - timedelta(seconds=settings.AEA_STRANDED_SECONDS)
    stale = list(Job.objects.filter(status=Status.QUEUED, updated_at__lt=cutoff).values_list("pk", "stage"))
    tasks = broker_tasks() if stale else (set(), {})
    waiting, taken = tasks if tasks is not None else (set(), {})
    for pk, stage in stale:
        name = stage_task_name(pk, stage)
        if tasks is not None and name in waiting:
            continue
        # Touch the row so this happens at most once per AEA_STRANDED_SECONDS; the condition
        # repeats `updated_at < cutoff` so that of two reapers running at once only one acts.
        touched = Job.objects.filter(pk=pk, status=Status.QUEUED, stage=stage, updated_at__lt=cutoff).update(
            updated_at=now
        )
        if not touched:
            continue
        if taken.get(name):
            # Taken by a cluster that has not started it: hand the same row out again now.
            for row, lock in taken[name]:
                OrmQ.objects.using(Conf.ORM).filter(pk=row, lock=lock).update(lock=now)
            counts["released"] += 1
        else:
            transaction.on_commit(lambda pk=pk, stage=stage: enqueue_stage_work(pk, stage))
            counts["resent"] += 1
    return counts
