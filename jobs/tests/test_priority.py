"""Workers take the highest-priority waiting job, then turns between batches, then the oldest
(jobs/runner.py ``claim_next``), whatever order the tasks were queued in (issue 16, item 1)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from batches.models import Batch
from jobs.models import Job, JobLog, Stage, Status
from jobs.runner import claim_next

from .cluster import Cluster, wait_until
from .test_faults import fault_root, import_started_batch, variant_inputs  # noqa: F401  (fixtures)


def queue(make_job, batch, n: int, priority: str, *, minutes_ago: int = 0) -> list[Job]:
    jobs = [make_job(stage=Stage.INGEST, status=Status.QUEUED, batch=batch, priority=priority) for _ in range(n)]
    Job.objects.filter(pk__in=[j.pk for j in jobs]).update(
        stage_entered_at=timezone.now() - timedelta(minutes=minutes_ago))
    return jobs


def claim_all(stage: int = Stage.INGEST) -> list[Job]:
    claimed = []
    while (job := claim_next(stage=stage)) is not None:
        claimed.append(job)
    return claimed


@pytest.mark.django_db
def test_a_high_job_queued_behind_a_backlog_is_claimed_first(make_job):
    backlog = queue(make_job, Batch.objects.create(name="low.csv", sha256="1" * 64), 22, "low", minutes_ago=5)
    high = queue(make_job, Batch.objects.create(name="rush.csv", sha256="2" * 64), 1, "high")[0]
    medium = queue(make_job, Batch.objects.create(name="mid.csv", sha256="3" * 64), 1, "medium")[0]

    order = [job.pk for job in claim_all()]

    assert order[:2] == [high.pk, medium.pk]
    assert order[2:] == [job.pk for job in backlog]  # then the oldest first
    assert claim_next(stage=Stage.INGEST) is None
    # Each claim is the ordinary move: processing, a lease, an attempt, an audit row.
    assert set(Job.objects.values_list("status", "attempts")) == {(Status.PROCESSING, 1)}
    assert JobLog.objects.filter(action="claim").count() == 24


@pytest.mark.django_db
def test_batches_of_one_priority_take_turns(make_job):
    big = Batch.objects.create(name="big.csv", sha256="4" * 64)
    small = Batch.objects.create(name="small.csv", sha256="5" * 64)
    queue(make_job, big, 20, "medium", minutes_ago=10)  # uploaded first, and much larger
    queue(make_job, small, 5, "medium")

    batches = [job.batch_id for job in claim_all()]

    assert batches[:10] == [big.pk, small.pk] * 5  # alternately, until the small one is done
    assert batches[10:] == [big.pk] * 15


@pytest.mark.django_db
def test_only_work_queued_at_the_stage_is_claimed(make_job):
    queue(make_job, Batch.objects.create(name="a.csv", sha256="6" * 64), 2, "high")
    later = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.QUEUED, priority="high")
    make_job(stage=Stage.INGEST, status=Status.PROCESSING, priority="high")
    make_job(stage=Stage.INGEST, status=Status.FAILED, priority="high")

    assert len(claim_all(Stage.INGEST)) == 2
    assert [job.pk for job in claim_all(Stage.APPROVE_PREVIEW)] == [later.pk]


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_worker_claims_a_high_job_next_behind_twenty_two_low_ones(fault_root, producer, monkeypatch,  # noqa: F811
                                                                      settings, tmp_path):
    """A real qcluster with one worker: 22 low jobs queued (their tasks first in the broker),
    then one high job. The worker's next claim after the high job was queued is that job."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    import_started_batch(producer, fault_root, jobs=22, prefix="LOW")
    Job.objects.update(priority="low", priority_rank=2)
    with Cluster(workers=1, log=tmp_path / "qcluster.log"):
        wait_until(lambda: JobLog.objects.filter(action="claim").exists(), timeout=60, what="the first claim")
        queued_at = timezone.now()
        rush = import_started_batch_high(producer, fault_root)
        wait_until(lambda: JobLog.objects.filter(job=rush, action="ingested").exists(), timeout=120,
                   what="the high job ingested")
        claims = list(JobLog.objects.filter(action="claim", created_at__gt=queued_at).order_by("id")
                      .values_list("job_id", flat=True))
    assert claims[0] == rush.pk, claims
    done_before = Counter(JobLog.objects.filter(action="ingested", created_at__lt=JobLog.objects.get(
        job=rush, action="ingested").created_at).values_list("job__priority", flat=True))
    assert done_before["low"] <= 2, done_before  # at most the one at work and one claimed meanwhile


def import_started_batch_high(producer, psd_names) -> Job:
    from batches.services import batch_import, batch_start
    from jobs.demo import batch_csv

    rows = [("RUSH-001", psd_names[-1], "Client", "Proj", "high")]
    result = batch_import(data=batch_csv(rows, folder="demo").encode(), filename="rush.csv", user=producer)
    assert result.ok, result.report.errors
    batch_start(batch=result.batch, user=producer)
    return Job.objects.get(job_id="RUSH-001")
