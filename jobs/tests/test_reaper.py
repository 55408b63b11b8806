"""The reaper's second duty: deliver again the task of a job left queued whose task is not
waiting in the broker (a cluster took it and died, or it is busy: the ORM broker's row is
handed out again at once; a Redis broker loses the tasks a dying cluster had taken, and any
broker loses a task whose sender died between commit and send: those are sent again), and
nothing else: a job queued behind a long backlog still has its task waiting and must not get a
second one."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
import redis
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from jobs.models import Job, Stage, Status
from jobs.reaper import reap_expired_leases, waiting_tasks
from jobs.receivers import enqueue_stage_work, stage_task_name

from .brokers import redis_queue  # noqa: F401  (fixture)


@pytest.fixture
def orm_queue(monkeypatch, settings):
    """Tasks go to the ORM broker's table instead of running inline."""
    monkeypatch.setattr(Conf, "SYNC", False)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}


def queued_long_ago(make_job, settings, stage=Stage.INGEST) -> Job:
    job = make_job(stage=stage, status=Status.QUEUED)
    long_ago = timezone.now() - timedelta(seconds=settings.AEA_STRANDED_SECONDS + 60)
    Job.objects.filter(pk=job.pk).update(updated_at=long_ago)
    return job


def orm_task_names() -> list[str]:
    return sorted(SignedPackage.loads(p)["name"] for p in OrmQ.objects.values_list("payload", flat=True))


def reap(capture) -> dict:
    with capture(execute=True):
        return reap_expired_leases()


def test_lost_task_is_sent_again_once_per_stranded_window(make_job, orm_queue, settings,
                                                       django_capture_on_commit_callbacks):
    job = queued_long_ago(make_job, settings)
    assert not OrmQ.objects.exists()  # its task is gone

    assert reap(django_capture_on_commit_callbacks)["resent"] == 1
    assert orm_task_names() == [stage_task_name(job.pk, Stage.INGEST)]
    # The row was touched: the next run (a minute later, or another reaper) leaves it alone.
    assert reap(django_capture_on_commit_callbacks)["resent"] == 0
    assert OrmQ.objects.count() == 1


def test_only_the_shortfall_of_waiting_tasks_is_sent_again(make_job, orm_queue, settings,
                                                            django_capture_on_commit_callbacks):
    """Tasks are wake-ups (each claims the next job at its stage): a stage needs as many tasks
    waiting as it has jobs queued. Taken tasks do not count: their cluster may be dead."""
    first = queued_long_ago(make_job, settings)
    second = queued_long_ago(make_job, settings)
    at_stage_3 = queued_long_ago(make_job, settings, stage=Stage.APPROVE_PREVIEW)
    enqueue_stage_work(first.pk, Stage.INGEST)  # one of the two stage 1 jobs has a task waiting
    enqueue_stage_work(at_stage_3.pk, Stage.APPROVE_PREVIEW)
    # A cluster took the stage 3 task (locked until it is acknowledged or `retry` passes)...
    OrmQ.objects.filter(pk=OrmQ.objects.order_by("-pk")[0].pk).update(
        lock=timezone.now() + timedelta(seconds=settings.Q_CLUSTER["retry"]))
    # ...and a task named for a job that has left stage 3 still wakes a stage 3 worker.
    enqueue_stage_work(second.pk, Stage.APPROVE_PREVIEW)
    assert waiting_tasks() == Counter({Stage.INGEST: 1, Stage.APPROVE_PREVIEW: 1})

    counts = reap(django_capture_on_commit_callbacks)

    assert counts["resent"] == 1
    assert waiting_tasks() == Counter({Stage.INGEST: 2, Stage.APPROVE_PREVIEW: 1})
    assert reap(django_capture_on_commit_callbacks) == {"requeued": 0, "failed": 0, "resent": 0}


def test_a_task_a_dead_cluster_took_is_made_up_for(make_job, orm_queue, settings,
                                                    django_capture_on_commit_callbacks):
    job = queued_long_ago(make_job, settings)
    enqueue_stage_work(job.pk, Stage.INGEST)
    OrmQ.objects.update(lock=timezone.now() + timedelta(seconds=settings.Q_CLUSTER["retry"]))
    assert reap(django_capture_on_commit_callbacks)["resent"] == 1
    assert waiting_tasks() == Counter({Stage.INGEST: 1}) and OrmQ.objects.count() == 2


def test_recently_queued_job_is_left_alone(make_job, orm_queue, django_capture_on_commit_callbacks):
    make_job(stage=Stage.INGEST, status=Status.QUEUED)
    assert reap(django_capture_on_commit_callbacks)["resent"] == 0
    assert not OrmQ.objects.exists()


def test_tasks_signed_with_another_key_are_ignored(make_job, orm_queue, settings):
    job = queued_long_ago(make_job, settings)
    enqueue_stage_work(job.pk, Stage.INGEST)
    OrmQ.objects.create(key=OrmQ.objects.get().key, payload="not a signed package", lock=timezone.now())
    assert waiting_tasks() == Counter({Stage.INGEST: 1})


@pytest.mark.redis
def test_redis_broker_lost_task_is_sent_again_waiting_one_is_not(make_job, redis_queue, settings,
                                                                 django_capture_on_commit_callbacks):
    waiting = queued_long_ago(make_job, settings)
    lost = queued_long_ago(make_job, settings)
    enqueue_stage_work(waiting.pk, Stage.INGEST)
    assert redis_queue.task_names() == [stage_task_name(waiting.pk, Stage.INGEST)]

    counts = reap(django_capture_on_commit_callbacks)

    assert counts["resent"] == 1  # two jobs queued, two wake-ups waiting: either claims either job
    assert len(redis_queue.task_names()) == 2 and lost.pk != waiting.pk
    assert not OrmQ.objects.exists()


@pytest.mark.redis
def test_unreadable_broker_means_resend(make_job, redis_queue, settings, django_capture_on_commit_callbacks):
    """Redis unreachable while the reaper lists the queue: it re-sends (a duplicate task does
    nothing) rather than leave a job queued for ever; the send itself then reaches Redis."""
    job = queued_long_ago(make_job, settings)
    enqueue_stage_work(job.pk, Stage.INGEST)
    refused = redis.exceptions.ConnectionError("Connection refused")
    with mock.patch.object(redis.Redis, "lrange", side_effect=refused):
        assert waiting_tasks() is None
        assert reap(django_capture_on_commit_callbacks)["resent"] == 1
    assert redis_queue.task_names() == [stage_task_name(job.pk, Stage.INGEST)] * 2


def test_each_cluster_reaps_from_its_poll_at_most_every_reap_interval(make_job, orm_queue, settings,
                                                                      django_capture_on_commit_callbacks):
    """The pusher's poll runs the reaper (jobs/broker.py): a dead worker's job is queued again
    seconds after its lease ran out, without waiting for the minute schedule."""
    from jobs.broker import ReapingORM

    settings.AEA_REAP_SECONDS = 3600
    expired = dict(stage=Stage.INGEST, status=Status.PROCESSING, attempts=1,
                   lease_expires_at=timezone.now() - timedelta(seconds=1))
    first = make_job(**expired)
    broker = ReapingORM(list_key=Conf.CLUSTER_NAME)

    with django_capture_on_commit_callbacks(execute=True):
        broker.dequeue()  # reaps first
    assert Job.objects.get(pk=first.pk).status == Status.QUEUED
    assert orm_task_names() == [stage_task_name(first.pk, Stage.INGEST)]  # its task sent again

    second = make_job(**expired)
    broker.dequeue()  # within the interval: no reaping
    assert Job.objects.get(pk=second.pk).status == Status.PROCESSING
    broker._last_reap -= 3600
    broker.dequeue()
    assert Job.objects.get(pk=second.pk).status == Status.QUEUED
