"""The authorisation matrix: every view and endpoint against every kind of user.

Anonymous users are refused (401 from the API, a redirect to the login from pages); users
without the permission are refused (403, or 404 where a page hides a job); users with it get
through (whatever the job's state then answers: 200, 400 or 409, never 401/403 or a 5xx).
"""

import pytest
from django.urls import reverse

from conftest import make_user
from jobs.models import Stage, Status
from review.api_auth import api_token_create

ROLES = ["staff_without_permission", "producer", "reviewer", "approver", "deployer", "superuser"]
GROUPS = {"producer": "Producers", "reviewer": "Matching reviewers", "approver": "Preview approvers",
          "deployer": "Deployers"}
# Which roles hold each permission (from the groups' data migration; superusers hold all).
HOLDERS = {
    "jobs.view_job": {"producer", "reviewer", "approver", "deployer", "superuser"},
    "batches.view_batch": {"producer", "reviewer", "approver", "deployer", "superuser"},
    "batches.upload_batch": {"producer", "superuser"},
    "jobs.start_job": {"producer", "deployer", "superuser"},
    "jobs.approve_matching": {"reviewer", "superuser"},
    "jobs.approve_preview": {"approver", "superuser"},
    "jobs.sign_off_deploy": {"deployer", "superuser"},
    "any approval": {"reviewer", "approver", "deployer", "superuser"},
}


@pytest.fixture
def world(db, django_user_model, make_job):
    users = {"staff_without_permission": make_user(django_user_model, "nobody"),
             "superuser": make_user(django_user_model, "root", superuser=True)}
    users.update({role: make_user(django_user_model, role, group) for role, group in GROUPS.items()})
    job = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW, job_id="M-1")
    return users, job


def api_cases(job):
    j, b = job.job_id, job.batch_id
    return [
        ("post", "/api/batch/upload", "batches.upload_batch"),
        ("post", f"/api/batch/{b}/start-processing", "jobs.start_job"),
        ("get", f"/api/batch/{b}", "batches.view_batch"),
        ("get", f"/api/job/{j}", "jobs.view_job"),
        ("get", "/api/dashboard/stats", "jobs.view_job"),
        ("get", "/api/jobs/stage/2", "jobs.view_job"),
        ("get", f"/api/jobs/{job.pk}", "jobs.view_job"),
        ("get", f"/api/job/{j}/preprocessing-status/1", "jobs.view_job"),
        ("get", f"/api/job/{j}/logs", "jobs.view_job"),
        ("post", f"/api/job/{j}/approve-stage2", "jobs.approve_matching"),
        ("post", f"/api/job/{j}/approve-stage3", "jobs.approve_preview"),
        ("post", f"/api/job/{j}/send-back", "any approval"),
        ("post", f"/api/job/{j}/sign-off", "jobs.sign_off_deploy"),
        ("post", f"/api/job/{j}/retry", "jobs.start_job"),
    ]


def page_cases(job):
    return [
        ("get", reverse("review:dashboard"), "jobs.view_job"),
        ("get", reverse("review:dashboard_board"), "jobs.view_job"),
        ("get", reverse("review:dashboard_job", args=[job.pk]), "jobs.view_job"),
        ("post", reverse("review:dashboard_upload"), "batches.upload_batch"),
        ("get", reverse("admin:jobs_job_review", args=[job.pk]), "jobs.view_job"),
        ("get", reverse("admin:jobs_job_changelist"), "jobs.view_job"),
        ("get", reverse("admin:jobs_joblog_changelist"), "jobs.view_job"),
        ("get", "/admin/django_q/schedule/", "superuser only"),
    ]


@pytest.mark.django_db
def test_api_matrix(world, client):
    users, job = world
    holes = []
    for method, url, perm in api_cases(job):
        anonymous = getattr(client, method)(url, content_type="application/json")
        if anonymous.status_code != 401:
            holes.append(("anonymous", method, url, anonymous.status_code))
        for role in ROLES:
            raw = api_token_create(user=users[role], name="matrix").raw
            response = getattr(client, method)(url, content_type="application/json",
                                               HTTP_AUTHORIZATION=f"Bearer {raw}")
            allowed = role in HOLDERS[perm]
            ok = (response.status_code not in (401, 403) and response.status_code < 500) if allowed \
                else response.status_code == 403
            if not ok:
                holes.append((role, method, url, response.status_code))
    assert holes == []


@pytest.mark.django_db
def test_page_matrix(world, client):
    users, job = world
    holes = []
    for method, url, perm in page_cases(job):
        client.logout()
        anonymous = getattr(client, method)(url)
        if anonymous.status_code != 302 or "login" not in anonymous["Location"]:
            holes.append(("anonymous", method, url, anonymous.status_code))
        for role in ROLES:
            client.force_login(users[role])
            response = getattr(client, method)(url)
            allowed = role == "superuser" if perm == "superuser only" else role in HOLDERS[perm]
            ok = response.status_code in (200, 400) if allowed else response.status_code in (302, 403, 404)
            if not ok:
                holes.append((role, method, url, response.status_code))
    assert holes == []
