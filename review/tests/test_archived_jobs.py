"""Archived jobs on the dashboard and in the API: out of the default views and counts, found
with the ``archived`` filter (include / only), opened, restored (audited), and counted again."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from batches.models import Batch
from jobs.archive_schedule import archive_completed_jobs
from jobs.models import Job, JobLog, Stage
from review.api_auth import api_token_create
from review.selectors import JobFilters, jobs_filtered

from .helpers import bearer, populate

AGE = timedelta(days=90)


@pytest.fixture
def pipeline(make_job):
    """14 jobs over every stage, two of them completed (P0004, P0011), archived by the schedule
    as if 90 days had passed; the counts the dashboard showed before."""
    batch = Batch.objects.create(name="year.csv", sha256="0" * 64)
    populate(make_job, batch, 14)
    return batch


def board(client, **params):
    response = client.get(reverse("review:dashboard"), params)
    assert response.status_code == 200
    return response


def counts(response) -> dict[int, int]:
    return {column.stage: column.count for column in response.context["columns"]}


def cards(response) -> set[str]:
    return set(re.findall(r'data-job-id="([^"]+)"', response.content.decode()))


def card_html(response, job_id: str) -> str:
    html = response.content.decode()
    start = html.index(f'data-job-id="{job_id}"')
    return html[start: html.index("</a>", start)]


def api(client, token, path, **params):
    return client.get(path, params, **token)


def test_archived_jobs_leave_the_default_views_and_counts_and_come_back_when_restored(client, producer, pipeline):
    token = bearer(api_token_create(user=producer, name="tests").raw)
    client.force_login(producer)
    before = board(client)
    counts_before, total_before = counts(before), before.context["stats"].total
    api_before = api(client, token, "/api/jobs/stage/4").json()["count"]
    assert {"P0004", "P0011"} <= cards(before) and counts_before[Stage.DEPLOY] == 4

    assert archive_completed_jobs(older_than=AGE, now=timezone.now() + AGE) == 2
    archived = list(Job.objects.filter(archived=True).order_by("job_id"))
    assert [job.job_id for job in archived] == ["P0004", "P0011"]

    # Out of the board, its columns and its statistics, and of the API's lists, stats and look-ups.
    after = board(client)
    assert counts(after) == {**counts_before, Stage.DEPLOY: counts_before[Stage.DEPLOY] - 2}
    assert after.context["stats"].total == total_before - 2 and after.context["stats"].by_status["completed"] == 0
    assert not {"P0004", "P0011"} & cards(after)
    listed = api(client, token, "/api/jobs/stage/4").json()
    assert listed["count"] == api_before - 2 and not {"P0004", "P0011"} & {r["job_id"] for r in listed["results"]}
    assert api(client, token, "/api/dashboard/stats").json()["total"] == total_before - 2
    assert api(client, token, "/api/job/P0004").status_code == 404

    # Found on request: with the archived ones, or only them; by search; with their badge.
    included = board(client, archived="include")
    assert counts(included) == counts_before and {"P0004", "P0011"} <= cards(included)
    assert 'data-testid="card-archived"' in card_html(included, "P0004")
    assert 'data-testid="card-archived"' not in card_html(included, "P0000")
    assert '<option value="include" selected>' in included.content.decode()
    only = board(client, archived="only")
    assert cards(only) == {"P0004", "P0011"} and sum(counts(only).values()) == 2
    assert cards(board(client, q="P0004")) == set()
    assert cards(board(client, q="P0004", archived="include")) == {"P0004"}
    rows = api(client, token, "/api/jobs/stage/4", archived="include").json()
    assert rows["count"] == api_before
    assert {r["job_id"]: r["archived"] for r in rows["results"]}["P0004"] is True
    assert {r["job_id"] for r in api(client, token, "/api/jobs/stage/4", archived="only", q="P0011").json()["results"]} \
        == {"P0011"}
    refused = api(client, token, "/api/jobs/stage/4", archived="everything")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"

    # Opened: the dashboard's job page (Restore for who may archive), the API by primary key.
    first, second = archived
    page = client.get(reverse("review:dashboard_job", args=[first.pk])).content.decode()
    assert 'data-testid="job-archived"' in page and 'data-testid="unarchive"' in page and "Restore" in page
    opened = api(client, token, f"/api/jobs/{first.pk}").json()
    assert opened["archived"] is True and "unarchive" in opened["allowed_actions"]
    assert opened["logs"][0]["action"] == "auto_archive" and opened["logs"][0]["actor"] == "system"

    # Restored: from the job page, and through the API; each move audited with its user.
    response = client.post(reverse("review:dashboard_job_action", args=[first.pk]), {"action": "unarchive"})
    assert response.status_code == 302 and not Job.objects.get(pk=first.pk).archived
    assert counts(board(client))[Stage.DEPLOY] == counts_before[Stage.DEPLOY] - 1
    answer = client.post(f"/api/jobs/{second.pk}/unarchive", "{}", content_type="application/json", **token)
    assert answer.status_code == 200 and answer.json()["archived"] is False
    for job in archived:
        actions = list(JobLog.objects.filter(job=job).order_by("id").values_list("action", "actor"))
        assert actions[-2:] == [("auto_archive", "system"), ("unarchive", "producer")]

    back = board(client)
    assert counts(back) == counts_before and back.context["stats"].total == total_before
    assert {"P0004", "P0011"} <= cards(back) and 'data-testid="card-archived"' not in back.content.decode()
    assert api(client, token, "/api/jobs/stage/4").json()["count"] == api_before
    assert api(client, token, "/api/dashboard/stats").json()["total"] == total_before
    assert api(client, token, "/api/job/P0004").status_code == 200


def test_only_who_may_archive_sees_restore(client, reviewer, pipeline):
    archive_completed_jobs(older_than=AGE, now=timezone.now() + AGE)
    job = Job.objects.filter(archived=True).first()
    client.force_login(reviewer)
    page = client.get(reverse("review:dashboard_job", args=[job.pk])).content.decode()
    assert 'data-testid="archived-notice"' in page and 'data-testid="unarchive"' not in page
    response = client.post(reverse("review:dashboard_job_action", args=[job.pk]), {"action": "unarchive"})
    assert response.status_code == 302 and Job.objects.get(pk=job.pk).archived  # refused, nothing changed
    assert not JobLog.objects.filter(job=job, action="unarchive").exists()


def test_the_archived_filter_reads_include_or_only_and_drops_anything_else(pipeline):
    assert JobFilters.from_query({"archived": " Include "}).archived == "include"
    assert JobFilters.from_query({"archived": "only"}).as_query() == {"archived": "only"}
    assert JobFilters.from_query({"archived": "all"}) == JobFilters()
    assert JobFilters(archived="only").active and not JobFilters().active
    archive_completed_jobs(older_than=AGE, now=timezone.now() + AGE)
    assert jobs_filtered(JobFilters()).count() == 12
    assert jobs_filtered(JobFilters(archived="include")).count() == 14
    assert set(jobs_filtered(JobFilters(archived="only")).values_list("job_id", flat=True)) == {"P0004", "P0011"}
