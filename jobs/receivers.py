"""Receivers of :data:`jobs.signals.stage_changed`: background work starts after commit."""

import multiprocessing
from functools import partial

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signals import post_spawn
from django_q.tasks import async_task

from . import worker_memory
from .models import Status
from .signals import jobs_moved, stage_changed


def stage_task_name(job_pk: int, stage: int) -> str:
    return f"job-{job_pk}-stage-{stage}"


def enqueue_stage_work(job_pk: int, stage: int, **options) -> None:
    async_task(
        "jobs.tasks.run_stage", job_pk, stage, task_name=stage_task_name(job_pk, stage), group=f"stage-{stage}",
        **options,
    )


def enqueue_webhook(log_id: int, **options) -> None:
    async_task("jobs.tasks.send_webhook", log_id, task_name=f"webhook-{log_id}", group="webhooks", **options)


@receiver(stage_changed, dispatch_uid="jobs.enqueue_stage_work")
def on_stage_changed(sender, *, job, to_state, **kwargs):
    stage, status = to_state
    if status == Status.QUEUED:
        transaction.on_commit(partial(enqueue_stage_work, job.pk, stage))


@receiver(stage_changed, dispatch_uid="jobs.enqueue_webhook")
def on_stage_changed_webhook(sender, *, job, log, **kwargs):
    if job.batch.webhook_url:
        transaction.on_commit(partial(enqueue_webhook, log.pk))


@receiver(jobs_moved, dispatch_uid="jobs.enqueue_stage_work_many")
def on_jobs_moved(sender, *, jobs, to_state, logs, **kwargs):
    """The bulk twin of the two receivers above: one wake-up per queued job, one webhook per row."""
    stage, status = to_state
    if status == Status.QUEUED:
        pks = [job.pk for job in jobs]
        transaction.on_commit(partial(_send_all, [partial(enqueue_stage_work, pk, stage) for pk in pks]))
    hooked = [logs[job.pk].pk for job in jobs if job.batch.webhook_url and job.pk in logs]
    if hooked:
        transaction.on_commit(partial(_send_all, [partial(enqueue_webhook, pk) for pk in hooked]))


class _Collected:
    """A stand-in broker for ``async_task(broker=…)``: it keeps the signed packages django-q2
    builds, for one INSERT of them all (see :func:`_send_all`)."""

    def __init__(self, broker):
        self.list_key = broker.list_key
        self.packages: list = []

    def enqueue(self, package) -> None:
        self.packages.append(package)


def _send_all(sends: list) -> None:
    """Send many tasks after the commit. With the ORM broker, django-q2 builds each task as
    ``async_task`` does and they are INSERTed by one statement (500 tasks one by one take
    seconds on PostgreSQL); with Redis they are sent one by one. Should sending fail half-way,
    the reaper sends the wake-ups of the queued jobs again."""
    broker = get_broker()
    if not isinstance(broker, ORM) or Conf.SYNC:
        for send in sends:
            send()
        return
    collected = _Collected(broker)
    for send in sends:
        send(broker=collected)
    now = timezone.now()
    OrmQ.objects.using(Conf.ORM).bulk_create(
        [OrmQ(key=broker.list_key or Conf.CLUSTER_NAME, payload=package, lock=now) for package in collected.packages],
        batch_size=500,
    )


@receiver(post_spawn, dispatch_uid="jobs.tune_worker_memory")
def tune_worker_memory(sender, **kwargs):
    """Set a new worker process's memory limits, before its first task.

    The address-space cap: a crafted file that makes a parser allocate without bound raises
    MemoryError in that task (the job fails with the reason) instead of taking the machine down.
    The heap: freed image buffers are kept for the next task (see :mod:`jobs.worker_memory`).
    django-q2 sends ``post_spawn`` in each worker process it starts (and restarts), but also
    when it runs a task inline (sync mode: tests, ``Q_SYNC``) in the caller's own process,
    which must be left alone (a capped test process cannot start Chromium, for one).
    """
    if multiprocessing.parent_process() is None:  # inline: this is the caller's process
        return
    worker_memory.cap_address_space(settings.AEA_WORKER_MAX_MEMORY_MB)
    worker_memory.keep_freed_heap(settings.AEA_WORKER_HEAP_KEEP_MB)
