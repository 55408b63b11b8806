"""The archive schedule (jobs/archive_schedule.py): completed jobs left alone for the age are
archived by the system, audited, each once; everything else is left alone; a restore sticks."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from django_q.models import Schedule, Task
from django_q.scheduler import scheduler

from batches.models import Batch
from batches.services import batch_refresh_status, batch_state_counts
from jobs.archive import job_archive, job_unarchive
from jobs.archive_schedule import (
    archivable_chunk,
    archive_completed_jobs,
    archive_completed_jobs_run,
    count_archivable,
)
from jobs.models import Job, JobLog, Stage, Status
from jobs.tasks import archive_completed
from jobs.transitions import job_transition

AGE = timedelta(days=90)
SCHEDULE = "aeautomation: archive completed jobs"


def deployed(make_job, **fields) -> Job:
    """A job deployed the real way: Stage 4's work claimed by a worker and finished."""
    job = make_job(stage=Stage.DEPLOY, status=Status.QUEUED, **fields)
    job_transition(job=job, action="claim")
    return job_transition(job=job, action="deployed")


def logs_of(job: Job) -> list[str]:
    return list(JobLog.objects.filter(job=job).order_by("id").values_list("action", flat=True))


def backdate(job: Job, age: timedelta) -> None:
    """Make ``job`` as if deployed and last changed ``age`` ago (test set-up only)."""
    moment = timezone.now() - age
    Job.objects.filter(pk=job.pk).update(updated_at=moment, stage4_completed_at=moment)


@pytest.mark.django_db
def test_only_completed_jobs_unchanged_for_the_age_are_archived_each_with_a_system_audit_row(make_job, producer):
    old = [deployed(make_job), deployed(make_job)]
    # Other states, just as old: none of them is the schedule's.
    others = [make_job(stage=Stage.DEPLOY, status=status) for status in
              (Status.NEEDS_ATTENTION, Status.FAILED, Status.QUEUED)]
    others.append(make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW))
    by_hand = job_archive(job=deployed(make_job), user=producer)  # archived already, by a person
    boundary = deployed(make_job)  # exactly the age at the run: not older, kept
    fresh = deployed(make_job)  # deployed after it
    now = Job.objects.get(pk=boundary.pk).updated_at + AGE
    before = {job.pk: logs_of(job) for job in [*others, by_hand, boundary, fresh]}

    assert count_archivable(older_than=AGE, now=now) == 2
    assert archive_completed_jobs(older_than=AGE, now=now) == 2

    for job in old:
        job = Job.objects.get(pk=job.pk)
        assert job.archived and (job.stage, job.status) == (Stage.DEPLOY, Status.COMPLETED)
        log = JobLog.objects.get(job=job, action="auto_archive")
        assert (log.user, log.actor) == (None, "system")
        assert (log.from_stage, log.from_status, log.to_stage, log.to_status) == (4, "completed", 4, "completed")
        assert log.message == "Archived by the schedule: completed and unchanged for over 90 days"
        assert log.details["older_than_seconds"] == 90 * 86400 and log.details["deployed_at"]
        assert logs_of(job) == ["claim", "deployed", "auto_archive"]
    for job in [*others, boundary, fresh]:
        assert not Job.objects.get(pk=job.pk).archived
    assert {job.pk: logs_of(job) for job in [*others, by_hand, boundary, fresh]} == before

    # A moment later the boundary job is older than the age; the fresh one still is not.
    assert archive_completed_jobs(older_than=AGE, now=now + timedelta(microseconds=1)) == 1
    assert Job.objects.get(pk=boundary.pk).archived and not Job.objects.get(pk=fresh.pk).archived


@pytest.mark.django_db
def test_a_second_run_archives_nothing_and_writes_nothing(make_job):
    jobs = [deployed(make_job) for _ in range(3)]
    later = timezone.now() + AGE + timedelta(seconds=1)
    assert archive_completed_jobs(older_than=AGE, now=later) == 3
    rows = JobLog.objects.count()
    run = archive_completed_jobs_run(older_than=AGE, now=later)
    assert (run.archived, run.skipped) == (0, 0)
    assert JobLog.objects.count() == rows
    assert all(logs_of(job).count("auto_archive") == 1 for job in jobs)


@pytest.mark.django_db
def test_chunks_archive_every_job_in_a_fixed_number_of_queries_each(make_job, django_assert_max_num_queries):
    jobs = [deployed(make_job) for _ in range(7)]
    later = timezone.now() + AGE + timedelta(seconds=1)
    # Per chunk, whatever its size: read it (one index range), open the transaction, lock the rows,
    # one UPDATE, one INSERT of audit rows, read them and the jobs back, commit. 3 chunks for 7 jobs.
    with django_assert_max_num_queries(3 * 8):
        assert archive_completed_jobs(older_than=AGE, now=later, batch_size=3) == 7
    assert Job.objects.filter(pk__in=[j.pk for j in jobs], archived=True).count() == 7
    with pytest.raises(ValueError, match="batch_size"):
        archive_completed_jobs(older_than=AGE, batch_size=0)
    with pytest.raises(ValueError, match="positive"):
        archive_completed_jobs(older_than=timedelta(0))


@pytest.mark.django_db
def test_a_chunk_is_read_from_the_archivable_index(make_job):
    deployed(make_job)
    cutoff, after = timezone.now(), (timezone.now() - AGE, 1)
    for chunk in (archivable_chunk(cutoff, None, 500), archivable_chunk(cutoff, after, 500)):
        with transaction.atomic():
            if connection.vendor == "postgresql":  # a handful of rows: a scan would be cheaper
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL enable_seqscan = off")
            plan = chunk.explain()
        assert "job_archivable" in plan, plan
        assert "SORT" not in plan.upper().replace("ORDER", ""), plan  # read in the index's order


@pytest.mark.django_db
def test_a_restored_job_stays_for_another_full_age_and_both_moves_are_audited(make_job, producer):
    job = deployed(make_job)
    later = timezone.now() + AGE  # the cutoff is now: the job was deployed before, the restore comes after
    assert archive_completed_jobs(older_than=AGE, now=later) == 1

    restored = job_unarchive(job=job, user=producer, reason="the client asked again")
    assert not restored.archived
    log = JobLog.objects.filter(job=job).latest("id")
    assert (log.action, log.user, log.details["reason"]) == ("unarchive", producer, "the client asked again")
    assert archive_completed_jobs(older_than=AGE, now=later) == 0  # the restore is a change: the clock restarts
    assert not Job.objects.get(pk=job.pk).archived
    assert archive_completed_jobs(older_than=AGE, now=restored.updated_at + AGE + timedelta(seconds=1)) == 1
    assert logs_of(job) == ["claim", "deployed", "auto_archive", "unarchive", "auto_archive"]


@pytest.mark.django_db
def test_a_done_batch_stays_done_when_its_completed_jobs_are_archived(make_job):
    batch = Batch.objects.create(name="done.csv", sha256="1" * 64)
    jobs = [deployed(make_job, batch=batch) for _ in range(2)]
    assert batch_refresh_status(batch.pk) == Batch.Status.DONE
    assert archive_completed_jobs(older_than=AGE, now=timezone.now() + AGE + timedelta(seconds=1)) == 2
    assert all(Job.objects.get(pk=job.pk).archived for job in jobs)
    assert batch_refresh_status(batch.pk) == Batch.Status.DONE
    assert batch_state_counts(batch.pk)["completed"] == 2 and batch_state_counts(batch.pk)["failed"] == 0


# --- The schedule, the task and the command ---------------------------------------------------


@pytest.mark.django_db
def test_a_migration_schedules_the_task_daily_and_django_q2s_scheduler_runs_it(make_job, settings):
    schedule = Schedule.objects.get(name=SCHEDULE)
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == ("jobs.tasks.archive_completed",
                                                                          Schedule.DAILY, -1)
    assert timezone.localtime(schedule.next_run).hour == 3 and schedule.next_run > timezone.now() - timedelta(days=1)
    settings.AEA_ARCHIVE_COMPLETED_AFTER_DAYS = 30
    old, recent = deployed(make_job), deployed(make_job)
    backdate(old, timedelta(days=31))
    backdate(recent, timedelta(days=29))
    # Only this schedule is due (the others run every minute and have tests of their own).
    moment = timezone.now()
    Schedule.objects.exclude(pk=schedule.pk).update(next_run=moment + timedelta(hours=1))
    Schedule.objects.filter(pk=schedule.pk).update(next_run=moment - timedelta(seconds=1))

    scheduler()  # django-q2's own scheduler; the tests run its tasks inline (sync)

    assert Job.objects.get(pk=old.pk).archived and not Job.objects.get(pk=recent.pk).archived
    assert JobLog.objects.get(job=old, action="auto_archive").actor == "system"
    task = Task.objects.get(func="jobs.tasks.archive_completed")
    assert task.success and task.result == 1
    assert Schedule.objects.get(pk=schedule.pk).next_run > moment + timedelta(hours=23)  # tomorrow again


@pytest.mark.django_db
def test_the_setting_at_zero_archives_nothing(make_job, settings):
    job = deployed(make_job)
    backdate(job, timedelta(days=3650))
    settings.AEA_ARCHIVE_COMPLETED_AFTER_DAYS = 0
    assert archive_completed() == 0 and not Job.objects.get(pk=job.pk).archived
    settings.AEA_ARCHIVE_COMPLETED_AFTER_DAYS = 3000
    assert archive_completed() == 1 and Job.objects.get(pk=job.pk).archived


@pytest.mark.django_db
def test_the_command_counts_with_dry_run_then_archives(make_job, settings):
    settings.AEA_ARCHIVE_COMPLETED_AFTER_DAYS = 90
    jobs = [deployed(make_job) for _ in range(3)]
    backdate(jobs[0], timedelta(days=91))
    backdate(jobs[1], timedelta(days=11))

    out = StringIO()
    call_command("archive_completed", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "Would archive 1 completed job(s) unchanged for more than 90 day(s)."
    assert not Job.objects.filter(archived=True).exists()
    out = StringIO()
    call_command("archive_completed", "--older-than-days", "10", "--dry-run", stdout=out)
    assert "Would archive 2 " in out.getvalue()

    out = StringIO()
    call_command("archive_completed", "--older-than-days", "10", stdout=out)
    assert out.getvalue().strip() == "Archived 2 completed job(s) unchanged for more than 10 day(s)."
    assert set(Job.objects.filter(archived=True).values_list("pk", flat=True)) == {jobs[0].pk, jobs[1].pk}

    with pytest.raises(CommandError, match="at least 1"):
        call_command("archive_completed", "--older-than-days", "0")
    settings.AEA_ARCHIVE_COMPLETED_AFTER_DAYS = 0
    with pytest.raises(CommandError, match="give --older-than-days"):
        call_command("archive_completed")


# --- Concurrently with people (PostgreSQL: real row locks) --------------------------------------


def _run_waits_on_a_lock(deadline: float = 10.0) -> bool:
    """True once another backend of this database waits on a lock (the run, blocked by the rows
    this connection holds), as PostgreSQL's pg_stat_activity reports it."""
    until = time.monotonic() + deadline
    with connection.cursor() as cursor:
        while time.monotonic() < until:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.pg
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_jobs_a_person_archives_or_changes_during_a_run_are_skipped(make_job, producer):
    """A run reads its chunk, then meets rows a person's transaction holds: it waits, then sees
    one archived by hand and one edited (not left alone any more), and archives only the third."""
    by_hand, edited, left = (deployed(make_job) for _ in range(3))
    later = timezone.now() + AGE  # the cutoff is now: a change from here on is "not left alone"
    holding, done = threading.Event(), threading.Event()
    met: list[bool] = []

    def person():
        try:
            with transaction.atomic():
                list(Job.objects.select_for_update().filter(pk__in=[by_hand.pk, edited.pk]))
                holding.set()
                met.append(_run_waits_on_a_lock())  # the run has read its chunk and waits for these rows
                job_archive(job=by_hand, user=producer, reason="by hand")
                job = Job.objects.get(pk=edited.pk)
                job.notes = "a note added"
                job.save()
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=person)
    thread.start()
    assert holding.wait(10)
    run = archive_completed_jobs_run(older_than=AGE, now=later)
    thread.join(10)
    assert done.is_set()

    assert (run.archived, run.skipped) == (1, 2)
    assert met == [True]  # it met the person's locks
    assert logs_of(by_hand)[-1] == "archive" and "auto_archive" not in logs_of(by_hand)
    assert not Job.objects.get(pk=edited.pk).archived and "auto_archive" not in logs_of(edited)
    assert Job.objects.get(pk=left.pk).archived and logs_of(left)[-1] == "auto_archive"
