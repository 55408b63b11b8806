"""Live updates of the dashboard: conditional polls (ETag, If-None-Match, 304) through Django's client.

A poll of the board (or of a working job's page) that changes nothing is answered 304 after one
query beyond authentication; anything that changes what the board shows (a move, a new batch's
jobs, archiving in the admin) changes its ETag, as do its filters and the user.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from batches.models import Batch
from jobs.archive import job_archive
from jobs.models import Job, Stage, Status
from jobs.transitions import job_transition, jobs_create
from review import dashboard
from review.templatetags.dashboard_tags import age

from .helpers import populate, stage2_job

BOARD = reverse("review:dashboard_board")
POLL = {"HTTP_HX_REQUEST": "true"}  # what htmx sends with each of its requests
# The queries of authentication: the session row, the user row, and (for has_perm("jobs.view_job")
# of a user who is not a superuser) the user's own and its groups' permissions, in one query
# (aeautomation/auth_backends.py).
AUTH_TABLES = ("django_session", "auth_user", "auth_permission")


def auth_and_other(queries) -> tuple[list[str], list[str]]:
    sqls = [q["sql"] for q in queries.captured_queries]
    auth = [sql for sql in sqls if any(table in sql for table in AUTH_TABLES)]
    return auth, [sql for sql in sqls if sql not in auth]


@pytest.fixture(autouse=True)
def _same_period(monkeypatch):
    """ETags include the minute (ages move with the clock): one period for the whole test, so a
    minute turning mid-test does not change them (the minute's own test sets it back)."""
    monkeypatch.setattr(dashboard, "ETAG_PERIOD_SECONDS", 10**9)


@pytest.fixture
def batch(db):
    return Batch.objects.create(name="live.csv", sha256="0" * 64)


@pytest.fixture
def settled(monkeypatch):
    """Writes made by the test a moment ago count as settled (see test_recent_writes_are_rendered_again)."""
    monkeypatch.setattr(dashboard, "SETTLE_SECONDS", 0)


def poll(client, etag=None, **params):
    headers = dict(POLL, **({"HTTP_IF_NONE_MATCH": etag} if etag else {}))
    return client.get(BOARD, params, **headers)


def test_an_unchanged_board_answers_304_after_one_query(client, reviewer, make_job, batch, settled):
    populate(make_job, batch, 14)
    client.force_login(reviewer)
    page = client.get(reverse("review:dashboard"))
    first = poll(client)
    etag = first["ETag"]
    assert first.status_code == 200 and b'data-job-id="P0000"' in first.content
    assert ('data-etag="' + etag.replace('"', "&quot;") + '"').encode() in first.content
    assert page.context["etag"] == etag  # the page's board polls with the same validator
    assert b"{#" not in page.content and b"#}" not in page.content  # template comments stay comments
    cache_control = {part.strip() for part in first["Cache-Control"].split(",")}
    assert cache_control == {"no-cache", "private"}
    with CaptureQueriesContext(connection) as queries:
        again = poll(client, etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    auth, other = auth_and_other(queries)
    assert len(auth) == 3, auth  # session, user, the user's and its groups' permissions
    assert len(other) == 1 and "jobs_joblog" in other[0] and "jobs_job" in other[0], other  # the marker
    assert poll(client, etag).status_code == 304  # and again: polling goes on


def test_a_page_load_is_always_whole(client, reviewer, make_job, batch, settled):
    populate(make_job, batch, 3)
    client.force_login(reviewer)
    etag = poll(client)["ETag"]
    # Without htmx's header (the address opened in the browser) the If-None-Match is not honoured.
    assert client.get(BOARD, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_every_change_of_the_board_changes_its_etag(admin_client, admin_user, make_job, batch, settled):
    jobs = populate(make_job, batch, 7)
    etags = [poll(admin_client)["ETag"]]

    def changed() -> bool:
        etags.append(poll(admin_client, etags[-1])["ETag"])
        return etags[-1] != etags[-2]

    assert not changed()
    # A job moves (through the one owner of moves).
    stage2 = next(job for job in jobs if job.status == Status.AWAITING_REVIEW)
    job_transition(job=stage2, action="send_back_matching", user=admin_user, reason="wrong photo")
    assert changed()
    # A new batch and its jobs (what an import writes).
    other = Batch.objects.create(name="second.csv", sha256="1" * 64)
    jobs_create(batch_id=other.pk, rows=[{"line": 2, "job_id": "NEW-1", "psd_path": "a.psd", "aepx_path": "a.aepx",
                                          "output_name": "a.aep", "client_name": "", "project_name": "",
                                          "priority": "high", "notes": ""}], source="second.csv")
    assert changed()
    assert b'data-job-id="NEW-1"' in poll(admin_client).content
    # Archiving a job (an audited move that keeps the stage and status).
    pending = Job.objects.get(job_id="NEW-1")
    job_archive(job=pending, user=admin_user)
    assert Job.objects.get(pk=pending.pk).archived
    assert changed()
    assert b'data-job-id="NEW-1"' not in poll(admin_client).content
    # A warning written beside a move (the board counts open warnings on the cards).
    stage2.warnings.create(stage=Stage.REVIEW_MATCHING, code="font_missing", message="A font is missing")
    assert changed()
    assert not changed()


def test_filters_and_the_user_are_part_of_the_etag(client, reviewer, approver, make_job, batch, settled):
    populate(make_job, batch, 7)
    client.force_login(reviewer)
    plain = poll(client)["ETag"]
    failed = poll(client, status="failed")
    assert failed["ETag"] != plain
    assert poll(client, failed["ETag"], status="failed").status_code == 304
    assert poll(client, plain, status="failed").status_code == 200  # the unfiltered board's tag
    assert poll(client, plain, status="queued")["ETag"] not in (plain, failed["ETag"])
    assert poll(client, failed["ETag"], status="failed", q="P000")["ETag"] != failed["ETag"]
    client.force_login(approver)
    assert poll(client, plain).status_code == 200  # another user's board: its own tag
    assert poll(client)["ETag"] != plain


def test_recent_writes_are_rendered_again(client, reviewer, make_job, batch):
    """Ids are handed out before commit: for a few seconds after the newest audit row, a poll is
    answered in full even with an unchanged ETag, so a transaction committing late is shown."""
    job = stage2_job(make_job, batch=batch)
    client.force_login(reviewer)
    job_transition(job=job, action="send_back_matching", user=reviewer, reason="a moment ago")
    etag = poll(client)["ETag"]
    again = poll(client, etag)
    assert again.status_code == 200 and again["ETag"] == etag


def test_refused_users_are_refused_before_any_marker(client, outsider, make_job, batch, settled):
    populate(make_job, batch, 3)
    client.force_login(outsider)
    with CaptureQueriesContext(connection) as queries:
        response = poll(client, '"anything"')
    assert response.status_code == 403
    assert not auth_and_other(queries)[1]
    job = Job.objects.first()
    assert client.get(reverse("review:dashboard_job", args=[job.pk]), HTTP_IF_NONE_MATCH='"x"', **POLL
                      ).status_code == 403


def test_a_working_jobs_page_polls_conditionally(client, reviewer, make_job, batch):
    job = make_job(stage=Stage.INGEST, status=Status.QUEUED, batch=batch)
    client.force_login(reviewer)
    url = reverse("review:dashboard_job", args=[job.pk])
    page = client.get(url)
    assert b'hx-trigger="every ' in page.content and page.context["working"]
    assert "ETag" not in page  # a page the browser loads is not revalidated from its cache
    etag = page.context["etag"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_IF_NONE_MATCH=etag, **POLL)
    assert again.status_code == 304 and again["ETag"] == etag
    auth, other = auth_and_other(queries)
    assert len(auth) == 3 and len(other) == 1 and "jobs_job" in other[0], (auth, other)
    job_transition(job=job, action="claim")  # a worker takes it: the page shows "processing"
    moved = client.get(url, HTTP_IF_NONE_MATCH=etag, **POLL)
    assert moved.status_code == 200 and moved["ETag"] != etag and b'data-status="processing"' in moved.content
    assert client.get(reverse("review:dashboard_job", args=[job.pk + 999]), **POLL).status_code == 404


@pytest.mark.pg
def test_the_markers_are_index_lookups(client, reviewer, make_job, batch, settled):
    """With sequential scans disabled, PostgreSQL plans no Seq Scan: each part has an index."""
    job = populate(make_job, batch, 3)[0]
    client.force_login(reviewer)
    etag = poll(client)["ETag"]
    page_etag = client.get(reverse("review:dashboard_job", args=[job.pk])).context["etag"]
    with CaptureQueriesContext(connection) as queries:
        assert poll(client, etag).status_code == 304
        assert client.get(reverse("review:dashboard_job", args=[job.pk]), HTTP_IF_NONE_MATCH=page_etag, **POLL
                          ).status_code == 304
    markers = auth_and_other(queries)[1]
    assert len(markers) == 2
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        for sql in markers:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan" not in plan, plan
        cursor.execute("SET enable_seqscan = on")


def test_ages_are_in_whole_minutes():
    """What a card shows changes at most once a minute while nothing moves (the ETag's minute)."""
    now = timezone.now()
    assert age(now - timedelta(seconds=5)) == age(now - timedelta(seconds=59)) == "< 1 min"
    assert age(now - timedelta(seconds=61)) == age(now - timedelta(seconds=119)) == "1 min"
    assert age(now - timedelta(hours=3, minutes=5)) == "3 h 05 min"



def test_an_etag_holds_for_one_minute(monkeypatch):
    """An idle board is rendered again once a minute (its ages move): the ETag of the same parts
    is the same within a minute and changes with the next one."""
    monkeypatch.setattr(dashboard, "ETAG_PERIOD_SECONDS", 60)
    start = timezone.now().replace(second=0, microsecond=0)
    assert dashboard.etag_of("m", now=start) == dashboard.etag_of("m", now=start + timedelta(seconds=59))
    assert dashboard.etag_of("m", now=start) != dashboard.etag_of("m", now=start + timedelta(seconds=60))
    assert dashboard.etag_of("m", now=start) != dashboard.etag_of("n", now=start)
