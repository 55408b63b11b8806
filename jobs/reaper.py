"""The reaper: work that a worker took and lost is queued again; a lost task is sent again.

It runs every 15 s or so in each cluster's broker poll (:mod:`jobs.broker`, while the cluster
has room for work) and once a minute from a django-q2 schedule (``jobs.tasks.reap``). Cases:

- a job ``processing`` whose lease expired: its worker died (kill -9, out of memory, the
  machine went away) and stopped renewing the lease (:mod:`jobs.lease`). It is queued again,
  or failed once it used up ``AEA_MAX_ATTEMPTS`` claims (a file that kills its worker every
  time must not loop forever);
- fewer stage tasks waiting in the broker than jobs ``queued`` at that stage, with some queued
  for longer than ``AEA_STRANDED_SECONDS``: a cluster took tasks off the queue and died
  holding them (django-q2's ORM broker would hand them out again only after ``retry``, 20
  minutes by default; Redis loses them for good), or a sender died between commit and send.
  The shortfall is sent again, one task per job queued longest ago. Tasks are wake-ups (each
  claims the next job at its stage, jobs/runner.py), so only their number matters. Jobs merely
  waiting behind a long queue have their tasks waiting and get none.

Every move is a conditional UPDATE, so reapers running at once do each thing once; a task
delivered with nothing left to claim does nothing.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from .models import Job, Status
from .receivers import enqueue_stage_work
from .runner import fail_job
from .transitions import TransitionError, job_transition

log = logging.getLogger(__name__)
_TASK_NAME = re.compile(r"job-\d+-stage-(\d+)")


def waiting_tasks() -> Counter | None:
    """How many stage tasks wait in the broker to be taken, per stage (a task a cluster has
    taken, into a worker or its memory, does not count). None when the queue cannot be listed."""
    broker = get_broker()
    waiting: Counter = Counter()
    try:
        if isinstance(broker, ORM):
            names = OrmQ.objects.using(Conf.ORM).filter(key=broker.list_key, lock__lte=timezone.now())
            for task in names:
                stage = task_stage(task.name())
                if stage is not None:
                    waiting[stage] += 1
            return waiting
        if not isinstance(broker, Redis):
            return None
        payloads = broker.connection.lrange(broker.list_key, 0, -1)
    except Exception as exc:  # noqa: BLE001  (the broker is down: the caller re-sends rather than guess)
        log.warning("could not list the broker's queue: %s", exc)
        return None
    for payload in payloads:
        try:
            stage = task_stage(SignedPackage.loads(payload).get("name"))
        except Exception:  # noqa: BLE001, S112  (a package signed with another key: not ours)
            continue
        if stage is not None:
            waiting[stage] += 1
    return waiting


def task_stage(name: str | None) -> int | None:
    """The stage of a stage task's name (``job-<pk>-stage-<n>``); None for any other task."""
    match = _TASK_NAME.fullmatch(name or "")
    return int(match.group(1)) if match else None


def reap_expired_leases() -> dict:
    """Re-queue jobs whose worker vanished, fail those that used up their attempts, and keep
    enough stage tasks waiting for the jobs waiting. Returns the counts of each."""
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
    cutoff = now - timedelta(seconds=settings.AEA_STRANDED_SECONDS)
    stale = Job.objects.filter(status=Status.QUEUED, updated_at__lt=cutoff)
    stale_by_stage: dict[int, list[int]] = {}
    for pk, stage in stale.order_by("stage", "updated_at", "pk").values_list("pk", "stage"):
        stale_by_stage.setdefault(stage, []).append(pk)
    if not stale_by_stage:
        return counts
    waiting = waiting_tasks()  # None: unknown, so every stale job gets a task (duplicates do nothing)
    queued = dict(
        Job.objects.filter(status=Status.QUEUED, stage__in=list(stale_by_stage))
        .order_by().values("stage").annotate(n=Count("pk")).values_list("stage", "n")
    )
    for stage, pks in stale_by_stage.items():
        # Tasks are wake-ups (each claims the next job at its stage): what matters is that as
        # many wait as jobs do. A shortfall is made up for by the jobs queued longest ago.
        missing = len(pks) if waiting is None else queued.get(stage, 0) - waiting[stage]
        for pk in pks[: max(missing, 0)]:
            # Touch the row so each stale job makes up for at most one task per window; the
            # condition repeats `updated_at < cutoff` so that of two reapers only one acts.
            touched = Job.objects.filter(pk=pk, status=Status.QUEUED, stage=stage, updated_at__lt=cutoff).update(
                updated_at=now
            )
            if touched:
                transaction.on_commit(lambda pk=pk, stage=stage: enqueue_stage_work(pk, stage))
                counts["resent"] += 1
    return counts
