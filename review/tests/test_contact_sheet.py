"""The Stage 3 contact sheet, "approve and next" and the gate navigation, through the test client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from batches.models import Batch
from jobs.models import Job, JobLog, Stage, Status
from jobs.transitions import job_transition

from .helpers import MATCHES, PSD_DESCRIPTION, count_queries

SHEET = "review:contact_sheet"


@pytest.fixture
def batch(db):
    return Batch.objects.create(name="sheet.csv", sha256="0" * 64)


def awaiting_preview(make_job, batch, n, *, start=0, priority="medium", **fields):
    """``n`` jobs awaiting preview approval, oldest first, each with a stored still preview."""
    jobs = []
    now = timezone.now()
    for i in range(start, start + n):
        job = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL, batch=batch,
                       job_id=f"S{i:03d}", priority=priority, psd_description=PSD_DESCRIPTION, matches=MATCHES,
                       **fields)
        Job.objects.filter(pk=job.pk).update(created_at=now - timedelta(minutes=100 - i))
        job.assets.create(stage=Stage.APPROVE_PREVIEW, kind="preview_thumbnail", key="", file=f"p/{i}.png",
                          sha256="0" * 64, size=1)
        jobs.append(Job.objects.get(pk=job.pk))
    return jobs


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_sheet_needs_the_preview_approval_permission(client, reviewer, outsider, db):
    for user in (reviewer, outsider):
        client.force_login(user)
        assert client.get(reverse(SHEET)).status_code == 403
        assert client.post(reverse("review:contact_sheet_action"), {"action": "approve"}).status_code == 403


def test_the_sheet_shows_the_previews_awaiting_approval_filtered_and_paginated(client, approver, make_job, batch):
    jobs = awaiting_preview(make_job, batch, 5)
    other = Batch.objects.create(name="other.csv", sha256="1" * 64)
    awaiting_preview(make_job, other, 2, start=50, priority="high")
    make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW, batch=batch, job_id="NOT-YET")
    client.force_login(approver)
    response = client.get(reverse(SHEET))
    ids = [card.job_id for card in response.context["cards"]]
    assert ids == ["S050", "S051", "S000", "S001", "S002", "S003", "S004"]  # high first, then oldest
    html = response.content.decode()
    still = jobs[0].assets.get().pk
    assert f'src="{reverse("review:asset", args=[still])}"' in html
    assert reverse("review:dashboard_job", args=[jobs[0].pk]) in html and "NOT-YET" not in html
    filtered = client.get(reverse(SHEET), {"batch": other.pk, "priority": "high"})
    assert [c.job_id for c in filtered.context["cards"]] == ["S050", "S051"]
    paged = client.get(reverse(SHEET), {"per_page": 30, "page": 2})
    assert paged.context["sheet"].number == 1  # 7 jobs: one page of 30
    board = client.get(reverse("review:dashboard")).content.decode()
    assert 'data-testid="contact-sheet-link"' in board


def test_a_page_costs_the_same_queries_whatever_its_size(client, approver, make_job, batch):
    awaiting_preview(make_job, batch, 3)
    client.force_login(approver)
    few = count_queries(lambda: client.get(reverse(SHEET)))
    awaiting_preview(make_job, batch, 40, start=3)
    assert count_queries(lambda: client.get(reverse(SHEET))) == few


def test_approve_selected_reports_what_it_did_and_what_it_skipped(client, approver, make_job, batch):
    jobs = awaiting_preview(make_job, batch, 4)
    job_transition(job=jobs[1], action="approve_preview", user=approver)  # someone else was quicker
    client.force_login(approver)
    response = client.post(reverse("review:contact_sheet_action"),
                           {"action": "approve", "job": [j.pk for j in jobs[:3]], "here": "priority=medium&page=1"},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse(SHEET) + "?priority=medium"
    assert messages_of(response) == [
        "Approved the preview of 2 job(s): S000, S002.",
        "Skipped 1 job(s) (at stage 4 (queued): 'Preview approved' is not possible now): S001.",
    ]
    assert [c.job_id for c in response.context["cards"]] == ["S003"]
    assert JobLog.objects.filter(action="approve_preview", user=approver).count() == 3


def test_send_back_selected_needs_one_reason(client, approver, make_job, batch):
    jobs = awaiting_preview(make_job, batch, 2)
    client.force_login(approver)
    url = reverse("review:contact_sheet_action")
    refused = client.post(url, {"action": "send_back", "job": [j.pk for j in jobs], "reason": " "}, follow=True)
    assert messages_of(refused) == ["Sent back to matching needs a reason."]
    assert not JobLog.objects.filter(action="send_back_preview").exists()
    bad = client.post(url, {"action": "send_back", "job": ["1e3"], "reason": "x"}, follow=True)
    assert "not a job" in messages_of(bad)[0]
    done = client.post(url, {"action": "send_back", "job": [j.pk for j in jobs], "reason": "Wrong colours"},
                       follow=True)
    assert messages_of(done) == ["Sent back to matching 2 job(s): S000, S001."]
    assert set(Job.objects.values_list("stage", "status")) == {(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)}


def test_dashboard_approve_and_next_opens_the_next_job_at_the_gate(client, approver, make_job, batch):
    low = awaiting_preview(make_job, batch, 1, priority="low")[0]
    high, medium = awaiting_preview(make_job, batch, 1, start=1, priority="high")[0], awaiting_preview(
        make_job, batch, 1, start=2)[0]
    client.force_login(approver)
    page = client.get(reverse("review:dashboard_job", args=[high.pk]))
    nav = page.context["gate_nav"]
    assert nav["next_url"] == reverse("review:dashboard_job", args=[medium.pk]) and nav["prev_url"] == ""
    html = page.content.decode()
    assert 'data-shortcut="approve-next"' in html and "shortcuts.js" in html and 'data-testid="shortcut-list"' in html
    action = reverse("review:dashboard_job_action", args=[high.pk]) + "?next=1"
    response = client.post(action, {"action": "approve_preview"})
    assert response["Location"] == reverse("review:dashboard_job", args=[medium.pk])
    client.post(reverse("review:dashboard_job_action", args=[medium.pk]) + "?next=1", {"action": "approve_preview"})
    last = client.post(reverse("review:dashboard_job_action", args=[low.pk]) + "?next=1",
                       {"action": "approve_preview"}, follow=True)
    assert last.redirect_chain[-1][0] == reverse(SHEET)
    assert "No other job awaits preview approval." in messages_of(last)
    assert Job.objects.filter(stage=Stage.DEPLOY).count() == 3


def test_a_refused_approval_does_not_move_on(client, approver, make_job, batch):
    first, second = awaiting_preview(make_job, batch, 2)
    job_transition(job=first, action="approve_preview", user=approver)
    client.force_login(approver)
    response = client.post(reverse("review:dashboard_job_action", args=[first.pk]) + "?next=1",
                           {"action": "approve_preview"})
    assert response["Location"] == reverse("review:dashboard_job", args=[first.pk])


def test_admin_approve_and_next_at_the_matching_gate(client, reviewer, make_job, batch):
    confirmed = [{**m, "confirmed": True} for m in MATCHES]
    jobs = [make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW, batch=batch, job_id=f"M{i}",
                     psd_description=PSD_DESCRIPTION, matches=confirmed) for i in range(2)]
    client.force_login(reviewer)
    review = reverse("admin:jobs_job_review", args=[jobs[0].pk])
    page = client.get(review)
    assert page.context["gate_nav"]["next_url"] == reverse("admin:jobs_job_review", args=[jobs[1].pk])
    response = client.post(review + "?next=1", {"action": "approve_matching"})
    assert response["Location"] == reverse("admin:jobs_job_review", args=[jobs[1].pk])
    end = client.post(reverse("admin:jobs_job_review", args=[jobs[1].pk]) + "?next=1", {"action": "approve_matching"})
    assert end["Location"] == reverse("admin:jobs_job_changelist") + "?stage__exact=2&status__exact=awaiting_review"
    assert Job.objects.filter(stage=Stage.APPROVE_PREVIEW).count() == 2
