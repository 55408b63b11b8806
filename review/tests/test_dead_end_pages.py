"""No dead ends on the pages and in the API (issue 16, item 3): the send-back reason on top,
the resubmit form, archive/unarchive, and no sign-off for errors."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jobs.models import Job, JobLog, JobWarning, Stage, Status
from jobs.services import job_send_back
from review.api_auth import api_token_create

from .helpers import MINIMAL_AEPX, bearer, minimal_psd

REASON = "The PSD is last year's design: use the 2026 one."


@pytest.fixture
def roots(tmp_path, settings):
    root = tmp_path / "in"
    (root / "fixed").mkdir(parents=True)
    (root / "design.psd").write_bytes(minimal_psd())
    (root / "template.aepx").write_bytes(MINIMAL_AEPX)
    (root / "fixed" / "design-v2.psd").write_bytes(minimal_psd(8, 8))
    uploads = tmp_path / "uploads"
    settings.INPUT_ROOTS = [root.resolve(), uploads.resolve()]
    settings.AEA_UPLOAD_ROOT = uploads
    return root


@pytest.fixture
def sent_back(make_job, roots, reviewer):
    job = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW, psd_path=str(roots / "design.psd"),
                   aepx_path=str(roots / "template.aepx"))
    return job_send_back(job=job, user=reviewer, reason=REASON)


@pytest.fixture
def with_error(make_job):
    job = make_job(stage=Stage.DEPLOY, status=Status.NEEDS_ATTENTION)
    JobWarning.objects.create(job=job, stage=Stage.DEPLOY, severity="error", code="render-comp-missing",
                              message="No composition named Main")
    JobWarning.objects.create(job=job, stage=Stage.DEPLOY, severity="warning", code="upscale", message="130 %")
    return job


def token(user) -> dict:
    return bearer(api_token_create(user=user, name="tests").raw)


# --- The send-back reason, on top of every job page ------------------------------------------


def test_the_send_back_reason_is_on_top_of_the_dashboard_admin_review_and_change_pages(client, sent_back, producer,
                                                                                        django_user_model):
    client.force_login(producer)
    html = client.get(reverse("review:dashboard_job", args=[sent_back.pk])).content.decode()
    assert 'data-testid="send-back-reason"' in html and "last year&#x27;s design" in html
    assert html.index("send-back-reason") < html.index('id="h-fields"')  # above the job's fields
    assert 'data-testid="resubmit-form"' in html and 'enctype="multipart/form-data"' in html
    admin = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    client.force_login(admin)
    review = client.get(reverse("admin:jobs_job_review", args=[sent_back.pk])).content.decode()
    assert "send-back-reason" in review and review.index("send-back-reason") < review.index("Audit log")
    change = client.get(reverse("admin:jobs_job_change", args=[sent_back.pk])).content.decode()
    assert "send-back-reason" in change and "Sent back from stage 2 by reviewer" in change


def test_the_api_job_output_has_the_send_back(client, sent_back, producer):
    body = client.get(f"/api/job/{sent_back.job_id}", **token(producer)).json()
    assert body["send_back"]["reason"] == REASON
    assert (body["send_back"]["by"], body["send_back"]["from_stage"]) == ("reviewer", 2)
    assert "resubmit" in body["allowed_actions"] and body["archived"] is False


# --- Resubmit through the dashboard and the API ------------------------------------------------


def test_a_producer_resubmits_from_the_dashboard_with_a_path(client, sent_back, producer, roots):
    client.force_login(producer)
    url = reverse("review:dashboard_job_action", args=[sent_back.pk])
    response = client.post(url, {"action": "resubmit", "psd_path": "fixed/design-v2.psd",
                                 "aepx_path": sent_back.aepx_path}, follow=True)
    assert "Resubmitted with the corrected PSD" in response.content.decode()
    job = Job.objects.get(pk=sent_back.pk)
    assert (job.stage, job.status, job.psd_path) == (Stage.INGEST, Status.QUEUED,
                                                      str((roots / "fixed" / "design-v2.psd").resolve()))


def test_a_bad_path_on_the_dashboard_is_a_sentence_not_a_500(client, sent_back, producer):
    client.force_login(producer)
    url = reverse("review:dashboard_job_action", args=[sent_back.pk])
    response = client.post(url, {"action": "resubmit", "psd_path": "../../etc/passwd.psd"}, follow=True)
    assert response.status_code == 200 and "leads outside the input root" in response.content.decode()
    assert Job.objects.get(pk=sent_back.pk).status == Status.NEEDS_ATTENTION


def test_a_producer_resubmits_through_the_api_with_an_upload(client, sent_back, producer, tmp_path):
    upload = SimpleUploadedFile("design-2026.psd", minimal_psd(6, 6))
    response = client.post(f"/api/job/{sent_back.job_id}/resubmit", {"psd_file": upload, "reason": "2026"},
                           **token(producer))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stage"], body["status"]) == (1, "queued") and "/uploads/" in body["psd_path"]
    log = JobLog.objects.filter(job=sent_back).latest("id")
    assert log.action == "resubmit" and log.details["uploaded"] == ["PSD"]


def test_the_api_refuses_a_bad_resubmit_with_400(client, sent_back, producer):
    response = client.post(f"/api/job/{sent_back.job_id}/resubmit", {"psd_path": "fixed/nothing.psd"},
                           **token(producer))
    assert response.status_code == 400 and "not found" in response.json()["message"]


# --- Archive / unarchive ----------------------------------------------------------------------


def test_archive_and_unarchive_from_the_dashboard_and_the_api(client, sent_back, producer, make_job):
    client.force_login(producer)
    url = reverse("review:dashboard_job_action", args=[sent_back.pk])
    assert 'data-testid="archive"' in client.get(reverse("review:dashboard_job", args=[sent_back.pk])).content.decode()
    response = client.post(url, {"action": "archive"}, follow=True)
    assert "its job id is free" in response.content.decode()
    assert Job.objects.get(pk=sent_back.pk).archived
    other = make_job(job_id=sent_back.job_id)
    response = client.post(f"/api/jobs/{sent_back.pk}/unarchive", content_type="application/json",
                           **token(producer))
    assert response.status_code == 409 and f"#{other.pk}" in response.json()["message"]
    assert client.post(f"/api/job/{other.job_id}/archive", content_type="application/json",
                       **token(producer)).status_code == 200
    response = client.post(f"/api/jobs/{sent_back.pk}/unarchive", content_type="application/json",
                           **token(producer))
    assert response.status_code == 200 and response.json()["archived"] is False
    assert [log.action for log in JobLog.objects.filter(job=sent_back).order_by("id")][-2:] == ["archive", "unarchive"]


def test_the_api_refuses_to_archive_queued_work_with_409(client, make_job, producer):
    job = make_job(stage=Stage.INGEST, status=Status.QUEUED)
    response = client.post(f"/api/job/{job.job_id}/archive", content_type="application/json", **token(producer))
    assert response.status_code == 409 and "once the work has finished" in response.json()["message"]


def test_the_admin_archives_through_the_audited_action_not_a_checkbox(client, sent_back, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    client.force_login(admin)
    change = client.get(reverse("admin:jobs_job_change", args=[sent_back.pk])).content.decode()
    assert 'name="archived"' not in change
    response = client.post(reverse("admin:jobs_job_changelist"),
                           {"action": "archive", "_selected_action": [sent_back.pk]}, follow=True)
    assert response.status_code == 200
    assert Job.objects.get(pk=sent_back.pk).archived
    assert JobLog.objects.filter(job=sent_back, action="archive", actor="boss").exists()


# --- Sign-off only for warnings ---------------------------------------------------------------


def test_a_job_with_errors_is_not_offered_sign_off_and_says_what_to_do(client, with_error, deployer,
                                                                       django_user_model):
    client.force_login(deployer)
    html = client.get(reverse("review:dashboard_job", args=[with_error.pk])).content.decode()
    assert 'data-testid="sign-off"' not in html and 'value="sign_off"' not in html
    assert 'data-testid="sign-off-blocked"' in html and "resubmit the job with the template" in html
    assert 'data-testid="send-back"' in html  # what to do instead is offered
    admin = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    client.force_login(admin)
    review = client.get(reverse("admin:jobs_job_review", args=[with_error.pk])).content.decode()
    assert 'value="sign_off"' not in review and "sign-off-blocked" in review


def test_posting_a_sign_off_of_errors_is_refused_and_changes_nothing(client, with_error, deployer):
    client.force_login(deployer)
    url = reverse("review:dashboard_job_action", args=[with_error.pk])
    response = client.post(url, {"action": "sign_off", "reason": "ship it"}, follow=True)
    assert "a sign-off cannot accept" in response.content.decode()
    assert "being deployed" not in response.content.decode()
    response = client.post(f"/api/job/{with_error.job_id}/sign-off", {"reason": "ship it"},
                           content_type="application/json", **token(deployer))
    assert response.status_code == 409 and "render-comp-missing" in response.json()["message"]
    job = Job.objects.get(pk=with_error.pk)
    assert (job.stage, job.status, job.deploy) == (Stage.DEPLOY, Status.NEEDS_ATTENTION, {})
    body = client.get(f"/api/job/{with_error.job_id}", **token(deployer)).json()
    assert "sign_off" not in body["allowed_actions"]
    assert body["sign_off_blockers"][0]["code"] == "render-comp-missing"


def test_a_producer_who_may_only_archive_still_reads_who_can_act(client, make_job, producer):
    job = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW)
    client.force_login(producer)
    html = client.get(reverse("review:dashboard_job", args=[job.pk])).content.decode()
    assert 'data-testid="archive"' in html
    assert 'data-testid="no-actions"' in html and "Matching reviewers" in html


def test_the_admin_review_page_takes_an_uploaded_template(client, sent_back, django_user_model, tmp_path):
    admin = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    client.force_login(admin)
    url = reverse("admin:jobs_job_review", args=[sent_back.pk])
    assert 'data-testid="resubmit-form"' in client.get(url).content.decode()
    upload = SimpleUploadedFile("template 2026.aepx", MINIMAL_AEPX)
    response = client.post(url, {"action": "resubmit", "psd_path": sent_back.psd_path, "aepx_file": upload},
                           follow=True)
    assert "Resubmitted with the corrected template" in response.content.decode()
    job = Job.objects.get(pk=sent_back.pk)
    assert job.aepx_path.startswith(str((tmp_path / "uploads").resolve())) and job.aepx_path.endswith(".aepx")
    assert JobLog.objects.filter(job=job, action="resubmit", actor="boss").exists()
