"""The stage list's keyset pagination (review/queue_pages.py): cursors walk the queue exactly,
bad cursors and too-deep pages are 400s, filtered counts stop at their cap."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from batches.models import Batch
from jobs.models import Job, Stage, Status
from review import selectors
from review.api_auth import api_token_create
from review.queue_pages import MAX_OFFSET, QueueCursor

from .helpers import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_for(db):
    return lambda user: bearer(api_token_create(user=user, name="tests").raw)


@pytest.fixture
def queue(make_job):
    """Eleven jobs at stage 2 of three priorities, several created at the same instant (ties
    broken by id), one archived, and jobs at other stages."""
    batch = Batch.objects.create(name="q.csv", sha256="0" * 64)
    jobs = [make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW, batch=batch,
                     priority=("high", "medium", "low")[i % 3]) for i in range(11)]
    moment = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk__in=[j.pk for j in jobs[:6]]).update(created_at=moment)
    Job.objects.filter(pk=jobs[7].pk).update(created_at=moment.replace(microsecond=0))  # stored without a fraction
    make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW, batch=batch, archived=True)
    make_job(stage=Stage.DEPLOY, status=Status.COMPLETED, batch=batch)
    return batch


def walk(client, auth, stage, page_size, **params):
    """Every page by following ``next``; the job ids in order and the pages' bodies."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    body = client.get(f"/api/jobs/stage/{stage}?page_size={page_size}&{query}", **auth).json()
    bodies = [body]
    while body["next"]:
        body = client.get(f"/api/jobs/stage/{stage}?page_size={page_size}&cursor={body['next']}&{query}",
                          **auth).json()
        bodies.append(body)
    return [r["job_id"] for b in bodies for r in b["results"]], bodies


def expected(**filters):
    qs = Job.objects.filter(stage=Stage.REVIEW_MATCHING, **filters).order_by(*selectors.QUEUE_ORDER)
    return list(qs.values_list("job_id", flat=True))


@pytest.mark.parametrize("page_size", [1, 3, 4, 11, 50])
def test_following_next_lists_the_queue_in_order_once(client, reviewer, token_for, queue, page_size):
    ids, bodies = walk(client, token_for(reviewer), 2, page_size)
    assert ids == expected(archived=False)
    assert len(bodies) == max(-(-11 // page_size), 1)
    assert bodies[0]["page"] == 1 and all(b["page"] is None for b in bodies[1:])
    assert {b["count"] for b in bodies} == {11} and all(b["count_exact"] for b in bodies)
    assert bodies[-1]["next"] is None


def test_cursor_pages_agree_with_page_numbers(client, reviewer, token_for, queue):
    auth = token_for(reviewer)
    numbered = [r["job_id"] for p in (1, 2, 3) for r in
                client.get(f"/api/jobs/stage/2?page_size=4&page={p}", **auth).json()["results"]]
    assert numbered == walk(client, auth, 2, 4)[0]


def test_cursors_work_with_filters_and_archived_jobs(client, reviewer, token_for, queue):
    auth = token_for(reviewer)
    assert walk(client, auth, 2, 2, priority="high")[0] == expected(archived=False, priority="high")
    assert walk(client, auth, 2, 2, archived="include")[0] == expected()
    assert walk(client, auth, 2, 5, archived="only")[0] == expected(archived=True)


def test_filtered_counts_stop_at_the_cap(client, reviewer, token_for, queue, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    auth = token_for(reviewer)
    body = client.get("/api/jobs/stage/2?priority=medium", **auth).json()  # 4 medium jobs
    assert (body["count"], body["count_exact"], len(body["results"])) == (3, False, 4)
    exact = client.get("/api/jobs/stage/2?priority=low&page_size=2", **auth).json()  # 3 low: at the cap, not over
    assert exact["count"] == 3 and exact["count_exact"] is False and exact["next"]
    unfiltered = client.get("/api/jobs/stage/2", **auth).json()  # the kept counts: exact, never capped
    assert (unfiltered["count"], unfiltered["count_exact"]) == (11, True)
    client.force_login(reviewer)
    board = client.get(reverse("review:dashboard_board"), {"priority": "medium"}).content.decode()
    assert 'data-testid="count-2" title="At least this many' in board and ">3+<" in board


def _raw(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


GOOD = [1, 2, 0, "2026-01-01T00:00:00+00:00", 5]


@pytest.mark.parametrize("cursor,words", [
    ("garbage", "not one this API handed out"),
    ("!!!!", "not one this API handed out"),
    (base64.urlsafe_b64encode(b"\xff\xfe").decode(), "not one this API handed out"),
    (_raw({"a": 1}), "not one this API handed out"),
    (_raw([1, 2, 0]), "not one this API handed out"),
    (_raw([9, 2, 0, "2026-01-01T00:00:00+00:00", 5]), "another version"),
    (_raw([1, 3, 0, "2026-01-01T00:00:00+00:00", 5]), "stage 3's list, not stage 2's"),
    (_raw([1, 2, 0, "2026-01-01T00:00:00", 5]), "not one this API handed out"),  # naive
    (_raw([1, 2, 0, "yesterday", 5]), "not one this API handed out"),
    (_raw([1, 2, True, "2026-01-01T00:00:00+00:00", 5]), "not one this API handed out"),
    (_raw([1, 2, -1, "2026-01-01T00:00:00+00:00", 5]), "not one this API handed out"),
    (_raw([1, 2, 0, "2026-01-01T00:00:00+00:00", 0]), "not one this API handed out"),
    (_raw([1, 2, 0, "2026-01-01T00:00:00+00:00", 2**63]), "not one this API handed out"),
    (_raw([1, 2, 0, "2026-01-01T00:00:00+00:00", "5"]), "not one this API handed out"),
    (_raw([1, 2, 0, 12, 5]), "not one this API handed out"),
])
def test_a_bad_cursor_is_a_400_saying_so(client, reviewer, token_for, queue, cursor, words):
    response = client.get(f"/api/jobs/stage/2?cursor={cursor}", **token_for(reviewer))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["message"].startswith("Invalid cursor: ") and words in response.json()["message"]


def test_a_handed_out_cursor_decodes_to_its_row():
    cursor = QueueCursor.decode(_raw(GOOD), stage=2)
    assert (cursor.priority_rank, cursor.id, cursor.created_at.isoformat()) == (0, 5, GOOD[3])
    assert QueueCursor.decode(cursor.encode(), stage=2) == cursor


def test_page_numbers_stop_where_cursors_take_over(client, reviewer, token_for, queue):
    auth = token_for(reviewer)
    deepest = MAX_OFFSET // 50
    assert client.get(f"/api/jobs/stage/2?page={deepest}&page_size=50", **auth).status_code == 200
    too_deep = client.get(f"/api/jobs/stage/2?page={deepest + 1}&page_size=50", **auth)
    assert too_deep.status_code == 400 and "cursor" in too_deep.json()["message"]
    beyond = client.get("/api/jobs/stage/2?page=9", **auth).json()
    assert beyond["results"] == [] and beyond["next"] is None and beyond["count"] == 11
