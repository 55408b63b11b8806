"""Bulk moves (jobs.bulk_moves): exact done/skipped reports, audit rows, queued work, races."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from jobs.bulk_moves import jobs_bulk_approve_matching, jobs_bulk_approve_preview, jobs_bulk_send_back
from jobs.models import Job, JobLog, JobWarning, LearnedEvidence, Stage, Status
from jobs.transitions import PermissionRefused, ReasonRequired, job_transition

PSD = {
    "source": "design.psd", "width": 400, "height": 300,
    "layers": [
        {"id": 1, "name": "HEADLINE", "kind": "type", "visible": True, "bbox": [10, 10, 200, 40], "text": "HEADLINE"},
        {"id": 2, "name": "Photo", "kind": "pixel", "visible": True, "bbox": [0, 50, 400, 300]},
    ],
}
TITLE = {"composition": "Main", "layer_index": 1, "placeholder": "title", "psd_layer_id": 1, "psd_layer": "HEADLINE",
         "confidence": 0.95, "reason": "text layer", "placeholder_type": "text", "fit": "fit", "confirmed": False}
PHOTO = {"composition": "Main", "layer_index": 2, "placeholder": "photo", "psd_layer_id": 2, "psd_layer": "Photo",
         "confidence": 0.9, "reason": "largest image", "placeholder_type": "footage", "fit": "fit", "confirmed": False}
CHOSEN_PHOTO = {**PHOTO, "reason": "chosen by a reviewer", "confirmed": True}
LOW_PHOTO = {**PHOTO, "confidence": 0.3}


@pytest.fixture
def queued_tasks(monkeypatch):
    """Tasks go to the broker table (nothing runs them), so the queued work can be counted."""
    monkeypatch.setattr(Conf, "SYNC", False)
    return lambda: sorted((task["func"], task["args"]) for task in (
        SignedPackage.loads(payload) for payload in OrmQ.objects.values_list("payload", flat=True)))


def at_gate(make_job, stage, n, matches=(TITLE, PHOTO), **fields):
    status = Status.AWAITING_REVIEW if stage == Stage.REVIEW_MATCHING else Status.AWAITING_APPROVAL
    return [make_job(stage=stage, status=status, psd_description=PSD, matches=list(matches), **fields)
            for _ in range(n)]


@pytest.mark.django_db
def test_bulk_matching_approval_reports_exactly_what_it_did_and_skipped(
    make_job, reviewer, queued_tasks, django_capture_on_commit_callbacks
):
    good = at_gate(make_job, Stage.REVIEW_MATCHING, 3)
    low = at_gate(make_job, Stage.REVIEW_MATCHING, 1, matches=(TITLE, LOW_PHOTO))[0]
    later = at_gate(make_job, Stage.APPROVE_PREVIEW, 1)[0]
    chosen = [later, *good, low]
    with django_capture_on_commit_callbacks(execute=True):
        result = jobs_bulk_approve_matching(jobs=Job.objects.filter(pk__in=[j.pk for j in chosen]), user=reviewer)
    assert sorted(result.done) == sorted(j.job_id for j in good)
    assert result.refused == {
        low.job_id: "1 low-confidence match(es) to confirm: photo",
        later.job_id: "at stage 3 (awaiting approval): 'Matching approved' is not possible now",
    }
    for job in Job.objects.filter(pk__in=[j.pk for j in good]):
        assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.QUEUED)
        assert job.stage2_completed_by == reviewer and job.version == 1
        assert all(m["confirmed"] for m in job.matches)
    logs = JobLog.objects.filter(action="approve_matching")
    assert sorted(logs.values_list("job_id", flat=True)) == sorted(j.pk for j in good)
    assert {(log.user, log.actor, log.from_stage, log.to_stage) for log in logs} == {
        (reviewer, "reviewer", Stage.REVIEW_MATCHING, Stage.APPROVE_PREVIEW)}
    # one Stage 3 wake-up per approved job, as django-q2 builds them (sent by one INSERT)
    assert queued_tasks() == sorted(("jobs.tasks.run_stage", (j.pk, Stage.APPROVE_PREVIEW)) for j in good)
    assert Job.objects.get(pk=low.pk).stage == Stage.REVIEW_MATCHING


@pytest.mark.django_db
def test_a_job_moved_by_someone_else_meanwhile_is_skipped_with_why(make_job, reviewer, django_user_model):
    jobs = at_gate(make_job, Stage.REVIEW_MATCHING, 3)
    selected = list(Job.objects.filter(pk__in=[j.pk for j in jobs]))  # what the page showed
    job_transition(job=jobs[1], action="send_back_matching", user=reviewer, reason="wrong PSD")
    result = jobs_bulk_approve_matching(jobs=selected, user=reviewer)
    assert result.done == [jobs[0].job_id, jobs[2].job_id]
    assert result.refused == {
        jobs[1].job_id: "at stage 2 (needs attention): 'Matching approved' is not possible now"}
    again = jobs_bulk_approve_matching(jobs=selected, user=reviewer)  # nothing is approved twice
    assert again.done == [] and set(again.refused) == {j.job_id for j in jobs}
    assert JobLog.objects.filter(action="approve_matching").count() == 2


@pytest.mark.django_db
def test_bulk_preview_approval_learns_and_queues_stage_4(make_job, approver, queued_tasks,
                                                         django_capture_on_commit_callbacks):
    plain = at_gate(make_job, Stage.APPROVE_PREVIEW, 2, template_sha256="t" * 64)
    taught = at_gate(make_job, Stage.APPROVE_PREVIEW, 1, matches=(TITLE, CHOSEN_PHOTO), template_sha256="t" * 64)[0]
    with django_capture_on_commit_callbacks(execute=True):
        result = jobs_bulk_approve_preview(jobs=[*plain, taught], user=approver)
    assert result.done == [*(j.job_id for j in plain), taught.job_id] and result.refused == {}
    assert set(Job.objects.values_list("stage", "status")) == {(Stage.DEPLOY, Status.QUEUED)}
    assert set(Job.objects.values_list("stage3_completed_by", flat=True)) == {approver.pk}
    assert list(LearnedEvidence.objects.values_list("job_id", "approved_by")) == [(taught.pk, approver.pk)]
    assert queued_tasks() == sorted(("jobs.tasks.run_stage", (j.pk, Stage.DEPLOY)) for j in [*plain, taught])


@pytest.mark.django_db
def test_bulk_send_back_needs_a_reason_clears_warnings_and_withdraws_evidence(make_job, approver):
    jobs = at_gate(make_job, Stage.APPROVE_PREVIEW, 2, matches=(TITLE, CHOSEN_PHOTO), template_sha256="t" * 64)
    jobs_bulk_approve_preview(jobs=[], user=approver)  # nothing chosen: nothing done, no error
    JobWarning.objects.create(job=jobs[0], stage=Stage.APPROVE_PREVIEW, code="w", message="a warning")
    with pytest.raises(ReasonRequired):
        jobs_bulk_send_back(jobs=jobs, user=approver, reason="  ", stage=Stage.APPROVE_PREVIEW)
    result = jobs_bulk_send_back(jobs=jobs, user=approver, reason="Colours are off", stage=Stage.APPROVE_PREVIEW)
    assert result.done == [j.job_id for j in jobs]
    assert set(Job.objects.values_list("stage", "status")) == {(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)}
    logs = {log.job_id: log for log in JobLog.objects.filter(action="send_back_preview")}
    assert logs[jobs[0].pk].details == {"bulk": True, "reason": "Colours are off", "warnings_cleared": 1}
    assert logs[jobs[1].pk].message == "Sent back to matching: Colours are off"
    assert not JobWarning.objects.filter(resolved_at__isnull=True).exists()


@pytest.mark.django_db
def test_bulk_moves_need_the_gate_permission(make_job, reviewer, outsider):
    jobs = at_gate(make_job, Stage.APPROVE_PREVIEW, 2)
    for user in (reviewer, outsider):
        with pytest.raises(PermissionRefused):
            jobs_bulk_approve_preview(jobs=jobs, user=user)
    assert not JobLog.objects.exists()
    assert set(Job.objects.values_list("status", flat=True)) == {Status.AWAITING_APPROVAL}


@pytest.mark.pg
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_bulk_approvals_approve_each_job_once(make_job, reviewer):
    jobs = at_gate(make_job, Stage.REVIEW_MATCHING, 40)
    pks = [j.pk for j in jobs]
    barrier = threading.Barrier(2)
    results = [None, None]

    def approve(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = jobs_bulk_approve_matching(jobs=pks if i else list(reversed(pks)), user=reviewer)
        except BaseException as exc:  # noqa: BLE001  (reported to the test)
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    first, second = results
    assert set(first.done) | set(second.done) == {j.job_id for j in jobs}
    assert not set(first.done) & set(second.done)
    assert set(first.refused) == set(second.done) and set(second.refused) == set(first.done)
    assert JobLog.objects.filter(action="approve_matching").count() == 40


@pytest.mark.django_db
def test_admin_bulk_approval_reports_only_the_jobs_it_skipped(make_job, client, reviewer):
    jobs = at_gate(make_job, Stage.REVIEW_MATCHING, 3)
    later = at_gate(make_job, Stage.APPROVE_PREVIEW, 1)[0]
    client.force_login(reviewer)
    response = client.post("/admin/jobs/job/", {"action": "approve_matching", "_selected_action":
                                                [j.pk for j in [*jobs, later]]}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [f"Approved matching of 3 job(s): {', '.join(j.job_id for j in jobs)}.",
                     f"Skipped 1 job(s) (at stage 3 (awaiting approval): 'Matching approved' is not possible now): "
                     f"{later.job_id}."]


@pytest.mark.django_db
def test_bulk_moves_tell_the_next_queue_and_the_batch_webhook(make_job, approver, reviewer, settings, queued_tasks,
                                                              django_capture_on_commit_callbacks):
    from batches.models import Batch
    from review.models import Notification

    settings.AEA_DIGEST_MINUTES = 15
    hooked = Batch.objects.create(name="h.csv", sha256="0" * 64, webhook_url="https://hooks.example.com/x")
    jobs = at_gate(make_job, Stage.APPROVE_PREVIEW, 2, batch=hooked)
    with django_capture_on_commit_callbacks(execute=True):
        result = jobs_bulk_send_back(jobs=jobs, user=approver, reason="Fonts", stage=Stage.APPROVE_PREVIEW)
    assert len(result.done) == 2
    # The jobs arrived in the matching reviewers' queue: recorded for the reviewer, not the actor.
    assert sorted(Notification.objects.values_list("user__username", "job_id", "queue")) == [
        ("reviewer", j.pk, "matching") for j in jobs]
    logs = JobLog.objects.filter(action="send_back_preview").order_by("pk").values_list("pk", flat=True)
    assert queued_tasks() == sorted(("jobs.tasks.send_webhook", (pk,)) for pk in logs)


@pytest.mark.django_db
def test_a_bulk_approval_refreshes_each_batch_once(make_job, reviewer):
    from batches.models import Batch

    batches = [Batch.objects.create(name=f"{i}.csv", sha256="0" * 64) for i in range(2)]
    jobs = [*at_gate(make_job, Stage.REVIEW_MATCHING, 2, batch=batches[0]),
            *at_gate(make_job, Stage.REVIEW_MATCHING, 1, batch=batches[1])]
    jobs_bulk_approve_matching(jobs=jobs, user=reviewer)
    assert set(Batch.objects.values_list("status", flat=True)) == {"processing"}  # queued work: automatic


@pytest.mark.django_db
def test_bulk_preview_approval_adds_evidence_to_the_patterns_single_approvals_made(make_job, approver):
    from jobs.models import LearnedMapping
    from jobs.services import job_approve_preview

    jobs = at_gate(make_job, Stage.APPROVE_PREVIEW, 3, matches=(TITLE, CHOSEN_PHOTO), template_sha256="t" * 64)
    job_approve_preview(job=jobs[0], user=approver)
    mapping = LearnedMapping.objects.get()
    result = jobs_bulk_approve_preview(jobs=jobs, user=approver)
    assert result.done == [jobs[1].job_id, jobs[2].job_id] and list(result.refused) == [jobs[0].job_id]
    assert list(LearnedMapping.objects.values_list("pk", flat=True)) == [mapping.pk]
    assert sorted(LearnedEvidence.objects.values_list("mapping_id", "job_id")) == [(mapping.pk, j.pk) for j in jobs]
