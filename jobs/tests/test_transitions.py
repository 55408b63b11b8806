"""The stage machine: illegal moves change nothing; every legal one leaves one audit row."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from batches.models import Batch
from jobs.models import Job, JobLog, Stage, Status
from jobs.transitions import (
    MOVES,
    NEW_JOB_FIELDS,
    PermissionRefused,
    ReasonRequired,
    TransitionNotAllowed,
    allowed_actions,
    job_transition,
    jobs_create,
)

ALL_STATES = [(stage, status) for stage in Stage.values for status in Status.values]


def snapshot(job):
    job = Job.objects.get(pk=job.pk)
    return (job.stage, job.status, job.updated_at, job.attempts, JobLog.objects.filter(job=job).count())


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(MOVES))
def test_every_illegal_move_changes_nothing(action, make_job, superuser, django_capture_on_commit_callbacks):
    move = MOVES[action]
    illegal = [state for state in ALL_STATES if state not in move.sources]
    for stage, status in illegal:
        job = make_job(stage=stage, status=status)
        before = snapshot(job)
        with django_capture_on_commit_callbacks() as callbacks:
            with pytest.raises(TransitionNotAllowed):
                job_transition(job=job, action=action, user=superuser, reason="because")
        assert snapshot(job) == before, (action, stage, status)
        assert callbacks == []


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(MOVES))
def test_every_legal_move_writes_exactly_one_audit_row_naming_the_user(action, make_job, superuser):
    move = MOVES[action]
    for stage, status in sorted(move.sources):
        job = make_job(stage=stage, status=status, archived=move.archived is True)
        user = superuser if move.permission else None
        fresh = job_transition(job=job, action=action, user=user, reason="checked by hand")
        assert (fresh.stage, fresh.status) == move.target((stage, status))
        logs = list(JobLog.objects.filter(job=job))
        assert len(logs) == 1
        log = logs[0]
        assert log.action == action
        assert (log.from_stage, log.from_status) == (stage, status)
        assert (log.to_stage, log.to_status) == (fresh.stage, fresh.status)
        assert log.user == user
        assert log.actor == (superuser.username if user else "system")


@pytest.mark.django_db
def test_human_actions_need_the_permission(make_job, outsider, reviewer, approver):
    job = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW)
    for user in (None, outsider, approver, AnonymousUser()):
        with pytest.raises(PermissionRefused):
            job_transition(job=job, action="approve_matching", user=user)
    assert snapshot(job)[:2] == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)
    assert not JobLog.objects.filter(job=job).exists()
    fresh = job_transition(job=job, action="approve_matching", user=reviewer)
    assert (fresh.stage, fresh.status) == (Stage.APPROVE_PREVIEW, Status.QUEUED)
    assert fresh.stage2_completed_by == reviewer


@pytest.mark.django_db
def test_double_approval_leaves_one_transition(make_job, reviewer):
    job = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW)
    job_transition(job=job, action="approve_matching", user=reviewer)
    with pytest.raises(TransitionNotAllowed, match="not possible now"):
        job_transition(job=job, action="approve_matching", user=reviewer)
    assert JobLog.objects.filter(job=job, action="approve_matching").count() == 1


@pytest.mark.django_db
def test_stale_instance_cannot_approve_twice(make_job, reviewer):
    """The conditional UPDATE guards even when the caller holds an old copy of the job."""
    job = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW)
    stale = Job.objects.get(pk=job.pk)
    job_transition(job=job, action="approve_matching", user=reviewer)
    with pytest.raises(TransitionNotAllowed):
        job_transition(job=stale, action="approve_matching", user=reviewer)
    assert JobLog.objects.filter(job=job).count() == 1


@pytest.mark.django_db
def test_send_back_needs_a_reason(make_job, approver):
    job = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL)
    with pytest.raises(ReasonRequired):
        job_transition(job=job, action="send_back_preview", user=approver, reason="   ")
    assert snapshot(job)[:2] == (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL)
    fresh = job_transition(job=job, action="send_back_preview", user=approver, reason="logo is blurry")
    assert (fresh.stage, fresh.status) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)
    assert JobLog.objects.get(job=job).details["reason"] == "logo is blurry"


@pytest.mark.django_db
def test_entering_a_queued_state_enqueues_work_after_commit_only(make_job, producer, django_capture_on_commit_callbacks):
    job = make_job()
    with django_capture_on_commit_callbacks() as callbacks:
        job_transition(job=job, action="start", user=producer)
    assert len(callbacks) == 1  # the stage 1 task, sent once the transaction commits


@pytest.mark.django_db
def test_claim_counts_attempts_and_takes_a_lease(make_job):
    job = make_job(stage=Stage.INGEST, status=Status.QUEUED)
    fresh = job_transition(job=job, action="claim")
    assert fresh.status == Status.PROCESSING
    assert fresh.attempts == 1
    assert fresh.lease_expires_at is not None
    fresh = job_transition(job=job, action="requeue")
    assert fresh.attempts == 1 and fresh.lease_expires_at is None
    fresh = job_transition(job=job, action="claim")
    assert fresh.attempts == 2


@pytest.mark.django_db
def test_allowed_actions_follow_state_and_permissions(make_job, reviewer, approver):
    job = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW)
    assert set(allowed_actions(job, reviewer)) == {
        "update_matching", "rerun_matching", "approve_matching", "send_back_matching"
    }
    assert allowed_actions(job, approver) == []


@pytest.mark.django_db
def test_retry_counts_retries_and_gives_a_fresh_attempt_budget(make_job, producer):
    job = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.FAILED, attempts=3)
    fresh = job_transition(job=job, action="retry", user=producer)
    assert (fresh.stage, fresh.status, fresh.retries, fresh.attempts) == (Stage.APPROVE_PREVIEW, Status.QUEUED, 1, 0)
    job_transition(job=job, action="claim")
    job_transition(job=job, action="fail")
    assert job_transition(job=job, action="retry", user=producer).retries == 2


def _rows(n):
    priorities = ["high", "medium", "low"]
    return [
        {"line": i + 2, "job_id": f"NEW-{i}", "psd_path": "/in/a.psd", "aepx_path": "/in/t.aepx",
         "output_name": f"o{i}.aep", "client_name": "C", "project_name": "P", "priority": priorities[i % 3],
         "notes": ""}
        for i in range(n)
    ]


@pytest.mark.django_db
def test_jobs_are_created_pending_with_one_imported_audit_row_each(producer, django_assert_num_queries):
    batch = Batch.objects.create(name="b.csv", sha256="1" * 64)
    rows = _rows(6)
    assert set(rows[0]) == set(NEW_JOB_FIELDS)
    with django_assert_num_queries(3):  # jobs, their ids, their audit rows: whatever the count
        ids = jobs_create(batch_id=batch.pk, rows=rows, source="b.csv", user=producer)
    jobs = {job.job_id: job for job in Job.objects.filter(batch=batch)}
    assert set(ids) == set(jobs) == {f"NEW-{i}" for i in range(6)}
    assert {(j.stage, j.status) for j in jobs.values()} == {(Stage.VALIDATE, Status.PENDING)}
    # The rank the model's save() would give: high before medium before low.
    assert [jobs[f"NEW-{i}"].priority_rank for i in range(3)] == [0, 1, 2]
    logs = list(JobLog.objects.filter(job__batch=batch).order_by("job__job_id"))
    assert len(logs) == 6
    assert {(log.action, log.actor, log.user_id, log.to_stage, log.to_status) for log in logs} == {
        ("imported", "producer", producer.pk, Stage.VALIDATE, Status.PENDING)
    }
    assert logs[0].message == "Imported from b.csv, line 2" and logs[0].details == {"batch": batch.pk, "line": 2}


@pytest.mark.django_db
def test_the_audit_log_is_append_only_through_its_queryset_too(make_job):
    job = make_job()
    JobLog.objects.create(job=job, stage=0, action="note", actor="system")
    with pytest.raises(ValidationError):
        JobLog.objects.filter(job=job).update(message="rewritten")
    with pytest.raises(ValidationError):
        JobLog.objects.filter(job=job).delete()
    with pytest.raises(ValidationError):
        JobLog.objects.append_many([{"id": 1, "job_id": job.pk}], constants={})
    assert JobLog.objects.filter(job=job, message="").count() == 1
    # Deleting the job itself still takes its audit rows with it (Django's collector).
    Job.objects.filter(pk=job.pk).delete()
    assert not JobLog.objects.filter(job_id=job.pk).exists()
