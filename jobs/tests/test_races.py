"""Races on PostgreSQL: many threads, each with its own database connection, doing the same thing
to the same rows at the same moment.

To make the race real rather than likely, most tests first pile every thread up on a lock held
by the test's own connection (the job's row, or the jobs table), wait until PostgreSQL reports
all of them waiting, then let go: every thread has already read the old state and now writes at
once. (SQLite serialises writers and ignores ``select_for_update``: these run on PostgreSQL only.)
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from batches.models import Batch
from batches.services import batch_import
from jobs.demo import batch_csv
from jobs.models import Job, JobAsset, JobLog, JobWarning, Stage, Status
from jobs.reaper import reap_expired_leases
from jobs.runner import run_stage_work
from jobs.services import job_approve_matching, job_approve_preview
from jobs.transitions import TransitionNotAllowed

from .cluster import wait_until
from .demo_jobs import ROWS, import_and_start

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.pg,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 20


def run_threads(n: int, target, *, start=None) -> list:
    """Run ``target(i)`` in ``n`` threads released together; return each one's result or
    exception. Each thread uses (and closes) its own database connection."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def body(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = target(i)
        except BaseException as exc:  # noqa: BLE001  (reported to the test)
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i,), name=f"race-{i}") for i in range(n)]
    for thread in threads:
        thread.start()
    try:
        if start is not None:
            start()
    finally:
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results


def waiting_on_locks() -> int:
    """How many other sessions of this database wait for a lock right now (pg_locks is live)."""
    with connection.cursor() as cursor:
        # pg_stat_activity (for the database name) is read once per transaction unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database() AND l.pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def piled_up_on_row(job_pk: int, n: int):
    """A ``start`` for :func:`run_threads`: hold the job's row lock until ``n`` sessions wait."""

    def hold() -> None:
        with transaction.atomic():
            Job.objects.select_for_update().get(pk=job_pk)
            wait_until(lambda: waiting_on_locks() >= n, timeout=60, interval=0.05,
                       what=f"{n} sessions waiting on job {job_pk}")

    return hold


@pytest.fixture
def broker_queue(monkeypatch):
    """From now on tasks go to the broker table (no cluster runs): they can be counted."""

    def switch() -> None:
        monkeypatch.setattr(Conf, "SYNC", False)

    return switch


@pytest.fixture
def ingested_job(input_root, producer, django_capture_on_commit_callbacks):
    import_and_start(producer, ROWS[:1], django_capture_on_commit_callbacks)  # tasks inline
    job = Job.objects.get()
    assert (job.stage, job.status) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), job.last_error
    return job


def split_outcomes(results: list) -> tuple[list, list, list]:
    won = [r for r in results if isinstance(r, Job)]
    refused = [r for r in results if isinstance(r, TransitionNotAllowed)]
    other = [r for r in results if not isinstance(r, (Job, TransitionNotAllowed))]
    return won, refused, other


@pytest.mark.parametrize("pile_up", [True, False], ids=["piled-up", "barrier"])
def test_twenty_concurrent_matching_approvals_make_one_transition(ingested_job, reviewer, broker_queue, pile_up):
    job = ingested_job
    broker_queue()

    def approve(_i: int):
        return job_approve_matching(job=Job.objects.get(pk=job.pk), user=reviewer, approve_anyway=True)

    results = run_threads(THREADS, approve, start=piled_up_on_row(job.pk, THREADS) if pile_up else None)

    won, refused, other = split_outcomes(results)
    assert not other, other
    assert (len(won), len(refused)) == (1, THREADS - 1)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.QUEUED)
    assert JobLog.objects.filter(job=job, action="approve_matching").count() == 1
    assert OrmQ.objects.count() == 1  # Stage 3 was queued once
    assert job.stage2_completed_by == reviewer


def test_twenty_concurrent_preview_approvals_make_one_transition(ingested_job, reviewer, approver, broker_queue):
    job = ingested_job
    job_approve_matching(job=job, user=reviewer, approve_anyway=True)  # Stage 3 runs inline (tasks are still sync)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL), job.last_error
    broker_queue()

    def approve(_i: int):
        return job_approve_preview(job=Job.objects.get(pk=job.pk), user=approver, notes="looks right")

    results = run_threads(THREADS, approve, start=piled_up_on_row(job.pk, THREADS))

    won, refused, other = split_outcomes(results)
    assert not other, other
    assert (len(won), len(refused)) == (1, THREADS - 1)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.QUEUED)
    assert JobLog.objects.filter(job=job, action="approve_preview").count() == 1
    assert OrmQ.objects.count() == 1  # Stage 4 was queued once


def test_one_task_delivered_to_ten_workers_at_once_is_worked_once(input_root, producer, broker_queue):
    """At-least-once delivery, worst case: the same Stage 1 task runs in ten workers at once."""
    from batches.services import batch_start

    broker_queue()
    result = batch_import(data=batch_csv(ROWS[:1], folder="demo").encode(), filename="one.csv", user=producer)
    batch_start(batch=result.batch, user=producer)
    job = Job.objects.get()
    OrmQ.objects.all().delete()  # the task batch_start sent: the threads below are its deliveries
    n = 10

    # Released together: the claims choose with FOR UPDATE SKIP LOCKED, so none waits on the
    # row another is claiming; one claims it, the others find nothing left to claim.
    results = run_threads(n, lambda _i: run_stage_work(job_pk=job.pk, stage=Stage.INGEST))

    assert Counter(results) == Counter({"done": 1, "skipped": n - 1}), results
    job.refresh_from_db()
    assert (job.stage, job.status, job.attempts) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW, 1)
    actions = Counter(JobLog.objects.filter(job=job).values_list("action", flat=True))
    assert actions == Counter({"imported": 1, "start": 1, "claim": 1, "ingested": 1})
    assert JobAsset.objects.filter(job=job, stage=Stage.INGEST).count() == 14


def test_concurrent_reapers_requeue_and_resend_each_job_once(make_job, broker_queue, settings):
    """The reaper may run in several places at once (a schedule per cluster, a slow previous
    run): each expired lease is requeued once, each job out of attempts failed once (and counted
    once), and each lost task re-sent once."""
    broker_queue()
    long_ago = timezone.now() - timedelta(seconds=settings.Q_CLUSTER["retry"] + 60)
    expired = [make_job(stage=Stage.INGEST, status=Status.PROCESSING, attempts=1,
                        lease_expires_at=timezone.now() - timedelta(seconds=5)) for _ in range(10)]
    spent = [make_job(stage=Stage.INGEST, status=Status.PROCESSING, attempts=settings.AEA_MAX_ATTEMPTS,
                      lease_expires_at=timezone.now() - timedelta(seconds=5)) for _ in range(5)]
    stale = [make_job(stage=Stage.APPROVE_PREVIEW, status=Status.QUEUED) for _ in range(10)]
    Job.objects.filter(pk__in=[j.pk for j in stale]).update(updated_at=long_ago)
    n = 6

    results = run_threads(n, lambda _i: reap_expired_leases())

    assert all(isinstance(r, dict) for r in results), results
    totals = Counter()
    for r in results:
        totals.update(r)
    assert (totals["requeued"], totals["failed"], totals["resent"]) == (10, 5, 10), results
    for job in spent:
        assert JobLog.objects.filter(job=job, action="fail").count() == 1
        assert JobWarning.objects.filter(job=job, code="stage_failed").count() == 1
    for job in expired:
        assert JobLog.objects.filter(job=job, action="requeue").count() == 1
    assert set(Job.objects.filter(pk__in=[j.pk for j in expired]).values_list("status", flat=True)) == {
        Status.QUEUED
    }
    assert OrmQ.objects.count() == 20  # one task per requeued job, one per re-sent job


def test_concurrent_imports_of_the_same_job_ids_one_wins_the_rest_refused_whole(
    input_root, producer, settings
):
    """Every import passes validation (no job exists yet), then all insert at once: the unique
    constraint lets one through; each other import must be refused cleanly and whole: a report
    saying why, no batch, no job, no audit row and no stored CSV file of its own."""
    n = 4
    ids = [f"RACE-{i:03d}" for i in range(50)]
    rows = [(job_id, "gameday-avery.psd", "Client", "Proj", "medium") for job_id in ids]
    # Different bytes per thread (a different client name), same job ids.
    payloads = [batch_csv([(r[0], r[1], f"Client {t}", r[3], r[4]) for r in rows], folder="demo").encode()
                for t in range(n)]

    def hold_inserts() -> None:
        # Imports read the jobs table (validation) but cannot insert into it until this commits.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE jobs_job IN SHARE MODE")
            wait_until(lambda: waiting_on_locks() >= n, timeout=60, interval=0.05,
                       what=f"{n} imports past validation, waiting to insert")

    results = run_threads(
        n, lambda t: batch_import(data=payloads[t], filename=f"race-{t}.csv", user=producer), start=hold_inserts
    )

    crashed = [r for r in results if isinstance(r, BaseException)]
    assert not crashed, f"batch_import raised instead of refusing: {crashed!r}"
    winners = [r for r in results if r.ok]
    losers = [r for r in results if not r.ok]
    assert (len(winners), len(losers)) == (1, n - 1)
    for loser in losers:
        assert loser.batch is None
        assert any(e.code == "job_id_exists" or any(i in e.message for i in ids) for e in loser.report.errors), (
            loser.report.errors
        )
    assert Batch.objects.count() == 1
    assert Job.objects.count() == len(ids)
    assert set(Job.objects.values_list("batch_id", flat=True)) == {winners[0].batch.pk}
    assert JobLog.objects.filter(action="imported").count() == len(ids)
    stored = [p for p in (Path(settings.MEDIA_ROOT) / "batches").rglob("*") if p.is_file()]
    assert len(stored) == 1, stored


def test_an_upload_task_delivered_four_times_at_once_imports_the_jobs_once(input_root, producer, broker_queue):
    """The broker delivers at least once: four runs of one upload's import task at the same
    moment all validate, then write together; only the run that moves the batch to imported
    writes the jobs, the others find it imported and write nothing."""
    from batches.services import batch_upload
    from batches.tasks import import_uploaded_batch

    n = 4
    ids = [f"TWICE-{i:03d}" for i in range(50)]
    csv = batch_csv([(job_id, "gameday-avery.psd", "Client", "Proj", "medium") for job_id in ids], folder="demo")
    broker_queue()  # the upload's own task waits in the broker: the threads are its deliveries
    batch = batch_upload(data=csv.encode(), filename="twice.csv", user=producer).batch

    def hold_inserts() -> None:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE jobs_job IN SHARE MODE")
            wait_until(lambda: waiting_on_locks() >= n, timeout=60, interval=0.05,
                       what=f"{n} runs past validation, waiting to write")

    results = run_threads(n, lambda _t: import_uploaded_batch(batch.pk), start=hold_inserts)
    assert results == [Batch.ImportState.IMPORTED] * n, results
    batch.refresh_from_db()
    assert (batch.import_state, batch.job_count, batch.rows_validated) == (Batch.ImportState.IMPORTED, 50, 50)
    assert Job.objects.filter(batch=batch).count() == Job.objects.count() == 50
    assert JobLog.objects.filter(action="imported").count() == 50


def test_twenty_concurrent_api_approvals_one_200_the_rest_409(ingested_job, reviewer, broker_queue):
    """The same race through the HTTP API: exactly one 200, every other request a JSON 409."""
    from django.test import Client

    from review.api_auth import api_token_create

    job = ingested_job
    broker_queue()
    raw = api_token_create(user=reviewer, name="race").raw

    def approve(_i: int):
        response = Client().post(f"/api/job/{job.job_id}/approve-stage2", content_type="application/json",
                                 HTTP_AUTHORIZATION=f"Bearer {raw}")
        return response.status_code, response.json()

    results = run_threads(THREADS, approve, start=piled_up_on_row(job.pk, THREADS))
    crashed = [r for r in results if isinstance(r, BaseException)]
    assert not crashed, crashed
    codes = Counter(code for code, _ in results)
    assert codes == {200: 1, 409: THREADS - 1}, codes
    assert all(body["code"] == "conflict" and body["message"] for code, body in results if code == 409)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.QUEUED)
    assert JobLog.objects.filter(job=job, action="approve_matching").count() == 1
    assert OrmQ.objects.count() == 1
