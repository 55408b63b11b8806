"""The job state counts kept by the database (jobs/counts.py) against a real GROUP BY, after every
kind of write: save, bulk_create, the CSV import's insert (COPY on PostgreSQL), queryset.update,
single and bulk moves, the archive schedule, deletes; compaction; concurrent writers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from batches.models import Batch
from jobs import counts
from jobs.archive import job_unarchive
from jobs.archive_schedule import archive_completed_jobs
from jobs.models import Job, JobStateCount, Stage, Status
from jobs.transitions import job_transition, jobs_bulk_transition, jobs_create

pytestmark = pytest.mark.django_db


def agree() -> None:
    assert counts.counts_drift() == {}


def new_job(batch: Batch, n: int, **fields) -> Job:
    return Job(batch=batch, line=n + 2, job_id=f"C{n:05d}", psd_path="/in/a.psd", aepx_path="/in/a.aepx",
               output_name="o.aep", **fields)


@pytest.fixture
def batch(db):
    return Batch.objects.create(name="counts.csv", sha256="0" * 64)


def test_every_kind_of_write_keeps_the_counts_right(batch, make_job, producer):
    agree()
    make_job(stage=Stage.VALIDATE, status=Status.PENDING, batch=batch)  # save()
    agree()
    Job.objects.bulk_create([new_job(batch, i, stage=i % 5, status=Status.QUEUED if i % 5 else Status.PENDING)
                             for i in range(40)])
    agree()
    rows = [{"line": 100 + i, "job_id": f"IMP{i}", "psd_path": "/in/a.psd", "aepx_path": "/in/a.aepx",
             "output_name": "o.aep", "client_name": "", "project_name": "", "priority": "high", "notes": ""}
            for i in range(25)]
    jobs_create(batch_id=batch.pk, rows=rows, source="import.csv")  # the CSV import: one INSERT / COPY
    agree()
    assert counts.state_counts()[(Stage.VALIDATE, Status.PENDING)] == 1 + 8 + 25

    Job.objects.filter(stage=Stage.INGEST).update(status=Status.PROCESSING)  # queryset.update
    agree()
    Job.objects.filter(stage=Stage.INGEST).update(notes="no state change")  # nets zero
    agree()
    one = Job.objects.filter(stage=Stage.VALIDATE, status=Status.PENDING).first()
    job_transition(job=one, action="start", user=producer)  # one move
    agree()
    pending = list(Job.objects.filter(stage=Stage.VALIDATE, status=Status.PENDING).values_list("pk", flat=True)[:10])
    result = jobs_bulk_transition(jobs=pending, action="start", user=producer)  # one UPDATE for many
    assert len(result.done) == 10
    agree()

    Job.objects.filter(stage=Stage.DEPLOY).update(status=Status.COMPLETED, updated_at=timezone.now() - timedelta(days=9))
    agree()
    assert archive_completed_jobs(older_than=timedelta(days=7), batch_size=3) == 8  # the archive schedule
    agree()
    assert counts.state_counts(archived=True) == {(Stage.DEPLOY, Status.COMPLETED): 8}
    assert (Stage.DEPLOY, Status.COMPLETED) not in counts.state_counts()
    job_unarchive(job=Job.objects.filter(archived=True).first(), user=producer)
    agree()

    Job.objects.filter(stage=Stage.INGEST).first().delete()  # one delete (and its cascades)
    agree()
    Job.objects.filter(stage__in=[Stage.REVIEW_MATCHING, Stage.APPROVE_PREVIEW]).delete()  # the admin's bulk delete
    agree()
    Job.objects.all().delete()
    agree()
    assert counts.state_counts(archived=None) == {}


def test_a_rolled_back_write_is_not_counted(batch):
    Job.objects.bulk_create([new_job(batch, i) for i in range(3)])
    with pytest.raises(RuntimeError), transaction.atomic():
        Job.objects.update(status=Status.FAILED)
        raise RuntimeError
    agree()
    assert counts.state_counts() == {(Stage.VALIDATE, Status.PENDING): 3}


def test_compaction_leaves_one_row_per_state_and_the_same_counts(batch):
    Job.objects.bulk_create([new_job(batch, i) for i in range(6)])
    for pk in Job.objects.values_list("pk", flat=True):
        Job.objects.filter(pk=pk).update(stage=Stage.INGEST, status=Status.QUEUED)
    Job.objects.filter(pk=Job.objects.order_by("pk").first().pk).update(stage=Stage.VALIDATE, status=Status.PENDING)
    before = counts.state_counts()
    counts.compact()
    agree()
    assert counts.state_counts() == before == {(Stage.VALIDATE, Status.PENDING): 1, (Stage.INGEST, Status.QUEUED): 5}
    per_state = JobStateCount.objects.values_list("stage", "status", "archived")
    assert len(per_state) == len(set(per_state))  # one row per state
    assert counts.compact() == 0  # nothing left to collapse


def test_missing_triggers_are_put_back_with_a_recount(batch):
    """SQLite drops a table's triggers when a migration rebuilds it: post_migrate puts them back."""
    Job.objects.bulk_create([new_job(batch, i) for i in range(4)])
    counts.uninstall()
    Job.objects.filter(pk=Job.objects.first().pk).update(status=Status.FAILED)
    assert counts.counts_drift()  # not kept without its triggers
    assert counts.ensure_installed() is True
    agree()
    assert counts.ensure_installed() is False  # all there: nothing to do
    Job.objects.update(status=Status.QUEUED)
    agree()


def test_the_compaction_task_is_scheduled_every_minute():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="aeautomation: compact job state counts")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == ("jobs.tasks.compact_state_counts", "I", 1)


@pytest.mark.pg
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_append_deltas_without_waiting_for_each_other(batch):
    """Two transactions move different jobs out of the same state at once: neither waits for
    the other (both hold their uncommitted moves together), a compaction meanwhile sees
    neither, and after both commit the counts agree with the jobs."""
    agree()  # a transactional test's flush (TRUNCATE) before this one emptied the counts with the jobs
    Job.objects.bulk_create([new_job(batch, i, stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW)
                             for i in range(4)])
    first, second = Job.objects.order_by("pk").values_list("pk", flat=True)[:2]
    counts.compact()
    moved = threading.Barrier(3, timeout=20)
    release = threading.Barrier(3, timeout=20)
    errors: list[BaseException] = []

    def writer(pk: int) -> None:
        try:
            with transaction.atomic():
                Job.objects.filter(pk=pk).update(stage=Stage.APPROVE_PREVIEW, status=Status.QUEUED)
                moved.wait()  # both moves written, neither committed: no one waited on a counter row
                release.wait()
        except BaseException as exc:  # noqa: BLE001  (reported by the test below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(pk,)) for pk in (first, second)]
    for thread in threads:
        thread.start()
    moved.wait()
    counts.compact()  # concurrent with the open transactions: must leave their rows alone
    assert counts.state_counts() == {(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW): 4}
    release.wait()
    for thread in threads:
        thread.join(20)
    assert not errors
    agree()
    assert counts.state_counts() == {(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW): 2,
                                     (Stage.APPROVE_PREVIEW, Status.QUEUED): 2}
    counts.compact()
    agree()
    assert JobStateCount.objects.count() == 2
