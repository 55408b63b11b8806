"""The admin review page and actions, through Django's test client."""

import pytest
from django.urls import reverse

from jobs.models import Job, JobLog, Stage, Status

from .demo_jobs import ROWS, import_and_start


@pytest.fixture
def job(input_root, producer, django_capture_on_commit_callbacks):
    import_and_start(producer, ROWS[:1], django_capture_on_commit_callbacks)
    return Job.objects.get()


def review_url(job):
    return reverse("admin:jobs_job_review", args=[job.pk])


def add_view(user):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_job"))


@pytest.mark.django_db
def test_reviewer_sees_matches_with_thumbnails_and_low_confidence_flags(client, job, reviewer):
    client.force_login(reviewer)
    page = client.get(review_url(job))
    assert page.status_code == 200
    html = page.content.decode()
    for m in job.matches:
        assert m["placeholder"] in html
    assert 'name="m0_layer"' in html and "Approve matching" in html
    pixel = str(next(layer["id"] for layer in job.psd_description["layers"] if layer["kind"] == "pixel"))
    assert reverse("review:asset", args=[job.assets.get(kind="layer_thumbnail", key=pixel).pk]).rstrip("/") in html
    assert "psd_layer_hidden" in html  # warnings listed
    hidden = next(layer for layer in job.psd_description["layers"] if not layer["visible"])
    assert f'value="{hidden["id"]}"' not in html  # not offered: hidden layers have no exported image


@pytest.mark.django_db
def test_approving_from_the_page_moves_the_job_and_records_the_user(
    client, job, reviewer, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    photo_i = next(i for i, m in enumerate(job.matches) if m["placeholder"] == "featuredimage")
    background = next(layer["id"] for layer in job.psd_description["layers"] if layer["name"] == "Background")
    form = {f"m{i}_layer": str(m["psd_layer_id"] or "") for i, m in enumerate(job.matches)}
    form[f"m{photo_i}_layer"] = str(background)
    form["action"] = "approve_matching"
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(review_url(job), form)
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.QUEUED)
    log = JobLog.objects.get(job=job, action="approve_matching")
    assert log.actor == reviewer.username and log.details["changes"][0]["to"] == background


@pytest.mark.django_db
def test_user_without_permission_sees_a_refusal_and_cannot_approve(client, job, approver):
    add_view(approver)
    client.force_login(approver)
    page = client.get(review_url(job)).content.decode()
    assert "needs the" in page and "Matching reviewers" in page
    assert "Approve matching</button>" not in page
    response = client.post(review_url(job), {"action": "approve_matching"}, follow=True)
    assert "lacks the permission" in response.content.decode()
    job.refresh_from_db()
    assert job.stage == Stage.REVIEW_MATCHING


@pytest.mark.django_db
def test_double_approval_from_the_page_shows_a_message(client, job, reviewer, django_capture_on_commit_callbacks):
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(review_url(job), {"action": "approve_matching"})
    response = client.post(review_url(job), {"action": "approve_matching"}, follow=True)
    assert "not possible now" in response.content.decode()
    assert JobLog.objects.filter(job=job, action="approve_matching").count() == 1


@pytest.mark.django_db
def test_bulk_admin_action_reports_jobs_it_skipped(client, job, reviewer, settings):
    settings.AEA_MATCH_REVIEW_THRESHOLD = 0.999
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:jobs_job_changelist"),
        {"action": "approve_matching", "_selected_action": [job.pk]},
        follow=True,
    )
    assert "low-confidence" in response.content.decode()
    job.refresh_from_db()
    assert job.stage == Stage.REVIEW_MATCHING


@pytest.mark.django_db
def test_django_q_admin_is_for_superusers_only(client, reviewer, django_user_model):
    client.force_login(reviewer)
    assert client.get("/admin/django_q/schedule/").status_code == 403
    boss = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    client.force_login(boss)
    assert client.get("/admin/django_q/schedule/").status_code == 200


@pytest.mark.django_db
def test_audit_log_is_read_only_in_the_admin(client, job, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    client.force_login(boss)
    log = JobLog.objects.filter(job=job).first()
    page = client.get(reverse("admin:jobs_joblog_change", args=[log.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(reverse("admin:jobs_joblog_delete", args=[log.pk]), {"post": "yes"}).status_code == 403


@pytest.mark.django_db
def test_text_layers_show_their_text_font_and_size_not_a_strip(client, job, reviewer):
    """Issue 14: a type layer reads as its text, font and size, in the row and the select."""
    client.force_login(reviewer)
    html = client.get(review_url(job)).content.decode()
    name = next(layer for layer in job.psd_description["layers"] if layer["kind"] == "type")
    label = f"“{name['text']}” · {name['font']} · {name['font_size']:g} pt"
    assert label in html
    assert f'data-text="{label}"' in html  # the option carries it for the row to follow a change
    assert f"({name['kind']}): {label}</option>" in html  # the option's label
    text_thumb = job.assets.get(kind="layer_thumbnail", key=str(name["id"]))
    assert reverse("review:asset", args=[text_thumb.pk]) not in html  # no unreadable strip
    assert 'id="match-geometry"' in html and "review/matching.js" in html and "onchange=" not in html
