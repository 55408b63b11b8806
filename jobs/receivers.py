"""Receivers of :data:`jobs.signals.stage_changed`: background work starts after commit."""

import resource
from functools import partial

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django_q.signals import pre_execute
from django_q.tasks import async_task

from .models import Status
from .signals import stage_changed


def enqueue_stage_work(job_pk: int, stage: int) -> None:
    async_task("jobs.tasks.run_stage", job_pk, stage, task_name=f"job-{job_pk}-stage-{stage}", group=f"stage-{stage}")


def enqueue_webhook(log_id: int) -> None:
    async_task("jobs.tasks.send_webhook", log_id, task_name=f"webhook-{log_id}", group="webhooks")


@receiver(stage_changed, dispatch_uid="jobs.enqueue_stage_work")
def on_stage_changed(sender, *, job, to_state, **kwargs):
    stage, status = to_state
    if status == Status.QUEUED:
        transaction.on_commit(partial(enqueue_stage_work, job.pk, stage))


@receiver(stage_changed, dispatch_uid="jobs.enqueue_webhook")
def on_stage_changed_webhook(sender, *, job, log, **kwargs):
    if job.batch.webhook_url:
        transaction.on_commit(partial(enqueue_webhook, log.pk))


@receiver(pre_execute, dispatch_uid="jobs.cap_worker_memory")
def cap_worker_memory(sender, **kwargs):
    """Cap each worker process's address space before it runs a task.

    A crafted file that makes a parser allocate without bound then raises MemoryError in that
    task (the job fails with the reason) instead of taking the machine down. Tasks that run
    inline (tests, sync mode) are not capped.
    """
    limit = settings.AEA_WORKER_MAX_MEMORY_MB * 1024 * 1024
    if limit <= 0 or settings.Q_CLUSTER.get("sync"):
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
