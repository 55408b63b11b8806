"""Stage 2 and 3 services: reviewers' changes, approvals, learned mappings, permissions."""

import pytest

from jobs.bulk_moves import jobs_bulk_approve_matching
from jobs.models import Job, JobLog, LearnedMapping, Stage, Status
from jobs.services import (
    InvalidInput,
    MatchChange,
    job_approve_matching,
    job_rerun_matching,
    job_send_back,
    job_update_matching,
)
from jobs.transitions import PermissionRefused, TransitionNotAllowed

from .demo_jobs import ROWS, import_and_start


@pytest.fixture
def awaiting_review(input_root, producer, django_capture_on_commit_callbacks):
    import_and_start(producer, ROWS[:2], django_capture_on_commit_callbacks)
    return list(Job.objects.order_by("job_id"))


def layer_id(job, name):
    return next(layer["id"] for layer in job.psd_description["layers"] if layer["name"] == name)


def match_of(job, placeholder):
    return next(m for m in job.matches if m["placeholder"] == placeholder)


@pytest.mark.django_db
def test_reviewer_change_is_recorded_but_not_learned_on_the_stage_2_click(
    awaiting_review, reviewer, django_capture_on_commit_callbacks
):
    first, second = awaiting_review
    key = ("Gameday Card", match_of(first, "featuredimage")["layer_index"])
    background = layer_id(first, "Background")
    with django_capture_on_commit_callbacks(execute=False):
        job = job_approve_matching(job=first, user=reviewer, changes={key: MatchChange(background, "fill")})
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.QUEUED)
    assert match_of(job, "featuredimage")["psd_layer_id"] == background
    assert match_of(job, "featuredimage")["fit"] == "fill"
    log = JobLog.objects.get(job=job, action="approve_matching")
    assert log.user == reviewer
    assert log.details["changes"][0]["to"] == background
    # Learning waits for the preview's approval (jobs/tests/test_learned_mappings.py).
    assert not LearnedMapping.objects.exists()
    rerun = job_rerun_matching(job=second, user=reviewer)
    assert "learned" not in match_of(rerun, "featuredimage")["reason"]


@pytest.mark.django_db
def test_changes_must_name_real_layers_and_keep_one_layer_per_placeholder(awaiting_review, reviewer):
    job = awaiting_review[0]
    logo = match_of(job, "teamlogo")
    photo = match_of(job, "featuredimage")
    with pytest.raises(InvalidInput, match="no layer with id 999"):
        job_update_matching(job=job, user=reviewer, changes={("Gameday Card", logo["layer_index"]): MatchChange(999)})
    hidden = layer_id(job, "old cutout (unused)")
    with pytest.raises(InvalidInput, match="hidden layers are not exported"):
        job_update_matching(job=job, user=reviewer, changes={("Gameday Card", photo["layer_index"]): MatchChange(hidden)})
    name_layer = layer_id(job, "JORDAN AVERY")
    with pytest.raises(InvalidInput, match="cannot fill footage"):
        job_update_matching(job=job, user=reviewer, changes={("Gameday Card", photo["layer_index"]): MatchChange(name_layer)})
    with pytest.raises(InvalidInput, match="would fill both"):
        job_update_matching(
            job=job, user=reviewer,
            changes={("Gameday Card", logo["layer_index"]): MatchChange(photo["psd_layer_id"])},
        )
    assert Job.objects.get(pk=job.pk).matches == job.matches
    assert not JobLog.objects.filter(job=job, action="update_matching").exists()


@pytest.mark.django_db
def test_bulk_approve_skips_jobs_with_unconfirmed_low_confidence(awaiting_review, reviewer, settings):
    settings.AEA_MATCH_REVIEW_THRESHOLD = 0.999  # every automatic match is "low" now
    first, second = awaiting_review
    confirm_all = {(m["composition"], m["layer_index"]): MatchChange(m["psd_layer_id"]) for m in first.matches}
    job_update_matching(job=first, user=reviewer, changes=confirm_all)
    result = jobs_bulk_approve_matching(jobs=Job.objects.order_by("job_id"), user=reviewer)
    assert result.done == [first.job_id]
    assert "low-confidence" in result.refused[second.job_id]
    assert Job.objects.get(pk=second.pk).stage == Stage.REVIEW_MATCHING


@pytest.mark.django_db
def test_without_permission_nothing_changes(awaiting_review, approver, outsider):
    job = awaiting_review[0]
    for user in (approver, outsider):
        with pytest.raises(PermissionRefused):
            job_approve_matching(job=job, user=user)
    assert Job.objects.get(pk=job.pk).stage == Stage.REVIEW_MATCHING
    assert not JobLog.objects.filter(job=job, action="approve_matching").exists()


@pytest.mark.django_db
def test_double_approval_gives_one_transition(awaiting_review, reviewer, django_capture_on_commit_callbacks):
    job = awaiting_review[0]
    with django_capture_on_commit_callbacks(execute=False):
        job_approve_matching(job=job, user=reviewer)
    with pytest.raises(TransitionNotAllowed):
        job_approve_matching(job=job, user=reviewer)
    assert JobLog.objects.filter(job=job, action="approve_matching").count() == 1


@pytest.mark.django_db
def test_send_back_from_stage_2_needs_a_reason_and_holds_the_job(awaiting_review, reviewer):
    job = awaiting_review[0]
    with pytest.raises(Exception, match="needs a reason"):
        job_send_back(job=job, user=reviewer, reason="")
    job = job_send_back(job=job, user=reviewer, reason="PSD is last season's")
    assert (job.stage, job.status) == (Stage.REVIEW_MATCHING, Status.NEEDS_ATTENTION)
    assert JobLog.objects.get(job=job, action="send_back_matching").details["reason"] == "PSD is last season's"
