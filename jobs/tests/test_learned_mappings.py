"""Learned mappings learn from approved work: a preview's approval teaches, a send-back
withdraws, evidence sets the confidence, a reviewer can retire a pattern."""

import json

import pytest
from django.test import Client

from jobs.models import Job, LearnedEvidence, LearnedMapping, Stage, Status
from jobs.services import MatchChange, job_approve_matching, job_approve_preview, job_rerun_matching, job_send_back
from review.api_auth import api_token_create
from review.tests.helpers import bearer

from .demo_jobs import ROWS, import_and_start

COMP = "Gameday Card"


def layer_id(job, name):
    return next(layer["id"] for layer in job.psd_description["layers"] if layer["name"] == name)


def match_of(job, placeholder):
    return next(m for m in job.matches if m["placeholder"] == placeholder)


def swap(job):
    """A reviewer's two changes: the logo and the player cutout trade placeholders."""
    logo, photo = match_of(job, "teamlogo"), match_of(job, "featuredimage")
    return {(COMP, logo["layer_index"]): MatchChange(photo["psd_layer_id"]),
            (COMP, photo["layer_index"]): MatchChange(logo["psd_layer_id"])}


@pytest.fixture
def jobs(input_root, producer, django_capture_on_commit_callbacks):
    import_and_start(producer, ROWS, django_capture_on_commit_callbacks)
    return {job.job_id: job for job in Job.objects.all()}


def learned_for(job, placeholder, user):
    return match_of(job_rerun_matching(job=Job.objects.get(pk=job.pk), user=user), placeholder)


@pytest.mark.django_db
def test_a_sent_back_change_is_not_learned_and_an_approved_one_is_with_its_evidence(
    jobs, reviewer, approver, settings, django_capture_on_commit_callbacks
):
    first, second, third = jobs["J-1"], jobs["J-2"], jobs["J-3"]
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_matching(job=first, user=reviewer, changes=swap(first))
    first.refresh_from_db()
    assert (first.stage, first.status) == (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL)
    # The approver sees the swap in the preview and sends the job back for exactly that.
    job_send_back(job=first, user=approver, reason="logo and photo are swapped")
    assert not LearnedEvidence.objects.exists()
    for placeholder, wrong in (("teamlogo", "Player Cutout"), ("featuredimage", "Team Logo")):
        match = learned_for(second, placeholder, reviewer)
        assert not (match["psd_layer"] == wrong and match["confidence"] >= settings.AEA_MATCH_REVIEW_THRESHOLD)
        assert "learned" not in match["reason"]

    # The same change, this time approved at Stage 3: the next job gets it, naming its evidence,
    # below the threshold (one approval is not certainty).
    first.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_matching(job=first, user=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_preview(job=Job.objects.get(pk=first.pk), user=approver)
    assert LearnedEvidence.objects.filter(job=first).count() == 2
    match = learned_for(second, "featuredimage", reviewer)
    assert match["psd_layer"] == "Team Logo"
    assert match["reason"].startswith("learned from 1 approved job") and match["confidence"] == 0.5
    assert match["confidence"] < settings.AEA_MATCH_REVIEW_THRESHOLD

    # A second approved job keeping the learned matches agrees: 0.75 passes the threshold.
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_matching(job=Job.objects.get(pk=second.pk), user=reviewer, approve_anyway=True)
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_preview(job=Job.objects.get(pk=second.pk), user=approver)
    match = learned_for(third, "featuredimage", reviewer)
    assert match["psd_layer"] == "Team Logo" and match["confidence"] == 0.75
    assert match["reason"].startswith("learned from 2 approved jobs")


@pytest.mark.django_db
def test_a_send_back_from_stage_4_withdraws_what_the_job_taught(
    jobs, reviewer, approver, deployer, settings, django_capture_on_commit_callbacks
):
    settings.AEA_FONTS = ["SomeOtherFont"]  # the render machines lack the fonts: Stage 4 holds the job
    first, second = jobs["J-1"], jobs["J-2"]
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_matching(job=first, user=reviewer, changes=swap(first), approve_anyway=True)
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_preview(job=Job.objects.get(pk=first.pk), user=approver)
    first.refresh_from_db()
    assert (first.stage, first.status) == (Stage.DEPLOY, Status.NEEDS_ATTENTION)
    assert learned_for(second, "featuredimage", reviewer)["reason"].startswith("learned from 1 approved job")
    job_send_back(job=first, user=deployer, reason="wrong photo after all", to_stage=Stage.REVIEW_MATCHING)
    assert not LearnedEvidence.objects.filter(job=first).exists()
    assert "learned" not in learned_for(second, "featuredimage", reviewer)["reason"]


@pytest.mark.django_db
def test_conflicting_approvals_lower_the_confidence_and_a_retired_pattern_teaches_nothing(
    jobs, reviewer, approver, admin_client, django_capture_on_commit_callbacks
):
    first, second, third = jobs["J-1"], jobs["J-2"], jobs["J-3"]
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_matching(job=first, user=reviewer, changes=swap(first))
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_preview(job=Job.objects.get(pk=first.pk), user=approver)
    # Another approved job chose the background for the same placeholder: conflicting evidence.
    photo = match_of(second, "featuredimage")
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_matching(job=second, user=reviewer, approve_anyway=True,
                             changes={(COMP, photo["layer_index"]): MatchChange(layer_id(second, "Background"))})
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_preview(job=Job.objects.get(pk=second.pk), user=approver)
    match = learned_for(third, "featuredimage", reviewer)
    assert match["confidence"] == 0.25  # 0.5 x one agreeing of two
    assert "1 approved job chose another layer" in match["reason"]

    # The admin lists the patterns with their evidence; retiring one is an audited action.
    listing = admin_client.get("/admin/jobs/learnedmapping/")
    assert listing.status_code == 200 and "approved jobs" in listing.content.decode().lower()
    ids = list(LearnedMapping.objects.filter(placeholder="featuredimage").values_list("pk", flat=True))
    response = admin_client.post("/admin/jobs/learnedmapping/",
                                 {"action": "retire_learned_mappings", "_selected_action": ids})
    assert response.status_code == 302
    assert not LearnedMapping.objects.filter(pk__in=ids, active=True).exists()
    assert "learned" not in learned_for(third, "featuredimage", reviewer)["reason"]
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.filter(object_id__in=[str(i) for i in ids], change_message="Retired").count() == 2


@pytest.mark.django_db
def test_through_the_api_a_sent_back_change_is_not_learned_and_an_approved_one_is(
    jobs, django_user_model, settings, django_capture_on_commit_callbacks
):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    auth = bearer(api_token_create(user=boss, name="tests").raw)
    client = Client()
    first, second = jobs["J-1"], jobs["J-2"]
    overrides = [{"composition": COMP, "layer_index": key[1], "psd_layer_id": change.psd_layer_id}
                 for key, change in swap(first).items()]

    def post(url, body=None):
        response = client.post(url, json.dumps(body) if body is not None else "", content_type="application/json",
                               **auth)
        assert response.status_code == 200, response.content
        return response.json()

    with django_capture_on_commit_callbacks(execute=True):
        post("/api/job/J-1/approve-stage2", {"matches": overrides})
    post("/api/job/J-1/send-back", {"reason": "swapped"})
    assert not LearnedEvidence.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        post("/api/job/J-1/approve-stage2")
    with django_capture_on_commit_callbacks(execute=True):
        post("/api/job/J-1/approve-stage3", {"approval_notes": "right this time"})
    match = learned_for(second, "featuredimage", boss)
    assert match["psd_layer"] == "Team Logo" and match["reason"].startswith("learned from 1 approved job")
