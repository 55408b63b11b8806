"""A claim's lease is renewed while its work runs, and a worker that loses it stops (jobs/lease.py)."""

from __future__ import annotations

import multiprocessing
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.lease import _stop_worker, kept_lease, renew_lease
from jobs.models import Job, Stage, Status
from jobs.transitions import job_transition

from .cluster import wait_until


@pytest.fixture
def claimed(make_job, settings):
    settings.AEA_LEASE_SECONDS = 2  # renewed every 0.5 s
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    job = make_job(stage=Stage.INGEST, status=Status.QUEUED)
    return job_transition(job=job.pk, action="claim", details={"stage": Stage.INGEST})


@pytest.mark.django_db
def test_renewal_names_the_claim(claimed):
    before = claimed.lease_expires_at
    time.sleep(0.01)
    assert renew_lease(job_pk=claimed.pk, stage=Stage.INGEST, attempts=claimed.attempts)
    assert Job.objects.get(pk=claimed.pk).lease_expires_at > before
    # Another claim's heartbeat (an older attempt, another stage) does not extend this one.
    assert not renew_lease(job_pk=claimed.pk, stage=Stage.INGEST, attempts=claimed.attempts - 1)
    assert not renew_lease(job_pk=claimed.pk, stage=Stage.APPROVE_PREVIEW, attempts=claimed.attempts)
    job_transition(job=claimed.pk, action="requeue", message="test")
    assert not renew_lease(job_pk=claimed.pk, stage=Stage.INGEST, attempts=claimed.attempts)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_lease_outlives_work_longer_than_itself(claimed):
    lost = []
    with kept_lease(claimed, on_lost=lambda pk, why: lost.append(why)):
        time.sleep(3.2)  # longer than the 2 s lease
        left = Job.objects.get(pk=claimed.pk).lease_expires_at - timezone.now()
    assert timedelta(seconds=0.8) < left <= timedelta(seconds=2), left
    assert lost == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_whose_job_was_taken_back_is_told(claimed):
    lost = []
    with kept_lease(claimed, on_lost=lambda pk, why: lost.append((pk, why))):
        job_transition(job=claimed.pk, action="requeue", message="the reaper took it back")
        wait_until(lambda: lost, timeout=5, what="the heartbeat to notice")
    assert lost == [(claimed.pk, "the job was taken back from this worker")]


@pytest.mark.django_db
def test_inline_runs_keep_no_heartbeat(claimed, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    before = Job.objects.get(pk=claimed.pk).lease_expires_at
    with kept_lease(claimed, on_lost=lambda pk, why: pytest.fail(why)):
        time.sleep(0.8)
    assert Job.objects.get(pk=claimed.pk).lease_expires_at == before


def test_a_worker_that_lost_its_lease_exits_at_once():
    process = multiprocessing.get_context("fork").Process(target=_stop_worker, args=(1, "test"))
    process.start()
    process.join(timeout=10)
    assert process.exitcode == 70
