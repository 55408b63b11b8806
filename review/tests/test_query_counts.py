"""The dashboard and every list endpoint run a fixed number of queries, whatever the number of jobs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from batches.models import Batch
from jobs.models import Job
from review.api_auth import api_token_create
from review.queue_pages import QueueCursor

from .helpers import bearer, count_queries, populate

# A cursor before every stage-4 job: the next-page (keyset) path, with rows for 5 jobs as for 60.
START = QueueCursor(stage=4, priority_rank=0, created_at=datetime(2000, 1, 1, tzinfo=UTC), id=1).encode()


def last_job() -> Job:
    return Job.objects.order_by("pk").last()


# name: (request(client, auth headers), budget). The counts for 5 and 60 jobs must be equal
# and within the budget.
PAGES = {
    "dashboard": (lambda c, auth: c.get(reverse("review:dashboard")), 16),
    "board": (lambda c, auth: c.get(reverse("review:dashboard_board")), 15),
    "board filtered": (lambda c, auth: c.get(reverse("review:dashboard_board"), {"q": "p0", "client": ""}), 15),
    # The job pages: the newest 50 log entries (LIMIT) and the latest send-back (first()), not the whole log.
    "job page": (lambda c, auth: c.get(reverse("review:dashboard_job", args=[last_job().pk])), 11),
    "api stats": (lambda c, auth: c.get("/api/dashboard/stats", **auth), 7),
    "board by batch": (lambda c, auth: c.get(reverse("review:dashboard_board"), {"batch": Batch.objects.get().pk}),
                       16),
    "board by status": (lambda c, auth: c.get(reverse("review:dashboard_board"), {"status": "completed"}), 15),
    "api stage list": (lambda c, auth: c.get("/api/jobs/stage/4?page_size=50", **auth), 7),
    "api stage list, cursor": (lambda c, auth: c.get(f"/api/jobs/stage/4?page_size=50&cursor={START}", **auth), 7),
    "api stage list, filtered": (lambda c, auth: c.get(f"/api/jobs/stage/4?batch={Batch.objects.get().pk}", **auth),
                                 8),
    "api job": (lambda c, auth: c.get(f"/api/job/{last_job().job_id}", **auth), 9),
    "api batch": (lambda c, auth: c.get(f"/api/batch/{Batch.objects.get().pk}", **auth), 7),
}


@pytest.mark.parametrize("name", PAGES)
def test_query_count_does_not_grow_with_jobs(client, reviewer, make_job, django_assert_max_num_queries, name):
    request, budget = PAGES[name]
    batch = Batch.objects.create(name="counts.csv", sha256="0" * 64)
    client.force_login(reviewer)
    auth = bearer(api_token_create(user=reviewer).raw)
    populate(make_job, batch, 5)
    request(client, auth)  # warm-up: the token's first use records last_used
    few = count_queries(lambda: request(client, auth))
    Job.objects.all().delete()
    populate(make_job, batch, 60)
    with django_assert_max_num_queries(budget):
        response = request(client, auth)
    assert response.status_code == 200
    many = count_queries(lambda: request(client, auth))
    assert few == many, f"{name}: {few} queries for 5 jobs, {many} for 60"
