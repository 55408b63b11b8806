"""The audit log on the job pages, the admin and the API: the newest 50 entries, then older pages
by cursor (never an error page for a stale or edited one), in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from jobs.models import JobLog, Stage
from jobs.selectors import log_cursor
from review.api_auth import api_token_create

from .helpers import bearer, count_queries, stage2_job

pytestmark = pytest.mark.django_db


def add_logs(job, count: int, *, ties: int = 1, first: int = 0) -> None:
    """``count`` entries, ``ties`` of them sharing each timestamp, the newest "entry <first>"
    (a day old: ``first`` more seconds older)."""
    field = JobLog._meta.get_field("created_at")
    start = timezone.now() - timedelta(days=1)
    rows = [{"created_at": field.get_db_prep_save(start - timedelta(seconds=i // ties), connection),
             "message": f"entry {i}"} for i in reversed(range(first, first + count))]
    JobLog.objects.append_many(rows, constants={"job_id": job.pk, "stage": Stage.INGEST, "action": "bench",
                                                "actor": "system"})


@pytest.fixture
def job(make_job):
    return stage2_job(make_job)


@pytest.fixture
def auth(reviewer):
    return bearer(api_token_create(user=reviewer).raw)


def messages_in(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>(entry \d+)</td>", html)


def older_link(html: str) -> str | None:
    found = re.search(r'href="([^"]*\?log_before=[^"#]*)[^"]*"[^>]*data-testid="older-log-entries"', html)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.parametrize("page_name", ["review:dashboard_job", "admin:jobs_job_review"])
def test_a_job_page_shows_the_newest_50_then_older_pages_to_the_end(client, reviewer, job, page_name):
    add_logs(job, 120, ties=7)
    client.force_login(reviewer)
    url, seen, pages = reverse(page_name, args=[job.pk]), [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        seen += messages_in(html)
        pages += 1
        url = older_link(html)
    assert seen == [f"entry {i}" for i in range(120)] and pages == 3


@pytest.mark.parametrize("page_name", ["review:dashboard_job", "admin:jobs_job_review"])
@pytest.mark.parametrize("cursor", ["nonsense", "1_", "9" * 40, "%00", "-1_-1"])
def test_a_bad_cursor_shows_the_newest_entries(client, reviewer, job, page_name, cursor):
    add_logs(job, 60)
    client.force_login(reviewer)
    response = client.get(reverse(page_name, args=[job.pk]), {"log_before": cursor})
    assert response.status_code == 200
    assert messages_in(response.content.decode())[:2] == ["entry 0", "entry 1"]


def test_past_the_oldest_entry_a_page_says_so_and_links_to_the_newest(client, reviewer, job):
    add_logs(job, 3)
    client.force_login(reviewer)
    response = client.get(reverse("review:dashboard_job", args=[job.pk]), {"log_before": "1_1"})
    html = response.content.decode()
    assert response.status_code == 200 and "No entries older than these" in html
    assert f'href="{reverse("review:dashboard_job", args=[job.pk])}#h-log"' in html


def test_the_admin_change_page_shows_the_newest_entries_and_links_to_the_filtered_log(admin_client, job, make_job):
    add_logs(job, 60)
    add_logs(make_job(job_id="OTHER-1"), 5)
    html = admin_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert messages_in(html) == [f"entry {i}" for i in range(20)]
    link = f'{reverse("admin:jobs_joblog_changelist")}?job__id__exact={job.pk}'
    assert link.replace("&", "&amp;") in html or link in html
    listing = admin_client.get(link)
    assert listing.status_code == 200
    shown = messages_in(listing.content.decode())
    assert len(shown) == 60 and shown[0] == "entry 0"  # newest first, the other job's left out


def test_the_api_gives_the_newest_50_and_pages_the_rest(client, job, auth):
    add_logs(job, 130, ties=4)
    body = client.get(f"/api/job/{job.job_id}", **auth).json()
    seen = [entry["message"] for entry in body["logs"]]
    assert len(seen) == 50 and body["logs_next"]
    before = body["logs_next"]
    while before:
        page = client.get(f"/api/job/{job.job_id}/logs", {"before": before, "limit": 33}, **auth)
        assert page.status_code == 200
        seen += [entry["message"] for entry in page.json()["results"]]
        before = page.json()["next"]
    assert seen == [f"entry {i}" for i in range(130)]
    first = client.get(f"/api/job/{job.job_id}/logs", **auth).json()
    assert [e["id"] for e in first["results"]] == [e["id"] for e in body["logs"]]
    assert first["next"] == body["logs_next"] and first["job_id"] == job.job_id


def test_a_short_log_comes_whole_with_no_cursor(client, job, auth):
    add_logs(job, 3)
    body = client.get(f"/api/job/{job.job_id}", **auth).json()
    assert [e["message"] for e in body["logs"]] == ["entry 0", "entry 1", "entry 2"] and body["logs_next"] is None


@pytest.mark.parametrize("query", [{"before": "nonsense"}, {"before": "1_x"}, {"limit": 0}, {"limit": 501},
                                   {"before": "9" * 70}])
def test_the_api_refuses_a_bad_cursor_or_limit_with_400(client, job, auth, query):
    response = client.get(f"/api/job/{job.job_id}/logs", query, **auth)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["message"]


def test_the_api_says_what_a_bad_cursor_is(client, job, auth):
    body = client.get(f"/api/job/{job.job_id}/logs", {"before": "yesterday"}, **auth).json()
    assert "not a log cursor" in body["message"] and "logs_next" in body["message"]


def test_an_unknown_job_has_no_log_page(client, auth):
    assert client.get("/api/job/NOPE/logs", **auth).status_code == 404


def test_2000_entries_cost_no_more_queries_than_3(client, admin_client, reviewer, job, auth):
    client.force_login(reviewer)
    add_logs(job, 3)
    cursor = log_cursor(JobLog.objects.filter(job=job).earliest("created_at", "id"))

    requests = [
        lambda: client.get(reverse("review:dashboard_job", args=[job.pk])),
        lambda: client.get(reverse("review:dashboard_job", args=[job.pk]), {"log_before": cursor}),
        lambda: client.get(reverse("admin:jobs_job_review", args=[job.pk]), {"log_before": cursor}),
        lambda: admin_client.get(reverse("admin:jobs_job_change", args=[job.pk])),
        lambda: admin_client.get(reverse("admin:jobs_joblog_changelist"), {"job__id__exact": job.pk}),
        lambda: client.get(f"/api/job/{job.job_id}", **auth),
        lambda: client.get(f"/api/job/{job.job_id}/logs", {"before": cursor}, **auth),
    ]
    for request in requests:
        request()  # warm-up (sessions, the token's last use)
    few = [count_queries(r) for r in requests]
    add_logs(job, 1997, ties=3, first=3)  # older than the three
    many = [count_queries(r) for r in requests]
    assert few == many
    response = client.get(reverse("review:dashboard_job", args=[job.pk]), {"log_before": cursor})
    assert len(messages_in(response.content.decode())) == 50
