"""A job's audit log in pages (jobs.selectors.job_log_page): newest first, no entry repeated or
skipped across pages (entries sharing a timestamp included), one indexed query per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from jobs.models import JobLog, Stage
from jobs.selectors import BadLogCursor, job_log_page, job_log_queryset, log_cursor, parse_log_cursor

pytestmark = pytest.mark.django_db


def add_logs(job, stamps) -> None:
    """One entry per timestamp of ``stamps`` (repeats make same-time ties), in one statement."""
    field = JobLog._meta.get_field("created_at")
    rows = [{"created_at": field.get_db_prep_save(at, connection), "message": f"entry {i}"}
            for i, at in enumerate(stamps)]
    JobLog.objects.append_many(rows, constants={"job_id": job.pk, "stage": Stage.INGEST, "action": "bench",
                                                "actor": "system"})


def all_pages(job, limit):
    seen, before, pages = [], None, 0
    while True:
        page = job_log_page(job, before=before, limit=limit)
        seen += page.entries
        pages += 1
        if page.next_cursor is None:
            return seen, pages
        before = page.next_cursor


@pytest.mark.parametrize("limit", [1, 7, 50])
def test_pages_cover_the_log_newest_first_without_repeats_or_gaps(make_job, limit):
    job, other = make_job(), make_job()
    base = timezone.now().replace(microsecond=0) - timedelta(days=3)
    # Ties: runs of entries sharing one timestamp, longer than a page (and a whole-second one).
    stamps = [base + timedelta(seconds=i // 9, microseconds=(i // 9) % 2 * 250) for i in range(120)]
    add_logs(job, stamps)
    add_logs(other, stamps[:30])
    seen, pages = all_pages(job, limit)
    expected = list(JobLog.objects.filter(job=job).order_by("-created_at", "-id"))
    assert [e.pk for e in seen] == [e.pk for e in expected]
    assert len({e.pk for e in seen}) == 120
    assert pages == -(-120 // limit)


def test_an_entry_added_while_paging_only_shows_on_the_first_page(make_job):
    job = make_job()
    add_logs(job, [timezone.now() - timedelta(minutes=m) for m in range(10)])
    first = job_log_page(job, limit=4)
    add_logs(job, [timezone.now()])
    rest, before = [], first.next_cursor
    while before:
        page = job_log_page(job, before=before, limit=4)
        rest += page.entries
        before = page.next_cursor
    assert len(first.entries) + len(rest) == 10 and not {e.pk for e in first.entries} & {e.pk for e in rest}
    assert job_log_page(job, limit=4).entries[0].message == "entry 0"  # the new one, on top


def test_the_last_page_has_no_cursor_and_a_job_without_entries_an_empty_page(make_job):
    job = make_job()
    assert job_log_page(job).entries == [] and job_log_page(job).next_cursor is None
    add_logs(job, [timezone.now()] * 50)
    page = job_log_page(job)
    assert len(page.entries) == 50 and page.next_cursor is None


@pytest.mark.parametrize("text", ["", "x", "1_", "_1", "12-3", "1_2_3", "-5_3", "9" * 18 + "_1", "1.5_2", "١_٢"])
def test_a_cursor_that_is_not_one_is_refused(text):
    with pytest.raises(BadLogCursor):
        parse_log_cursor(text)


def test_a_cursor_round_trips(make_job):
    job = make_job()
    add_logs(job, [timezone.now().replace(microsecond=123456)])
    entry = JobLog.objects.get(job=job)
    assert parse_log_cursor(log_cursor(entry)) == (entry.created_at, entry.pk)


def test_a_page_is_one_query_whatever_the_size_of_the_log(make_job, django_assert_num_queries):
    small, big = make_job(), make_job()
    now = timezone.now()
    add_logs(small, [now - timedelta(seconds=s) for s in range(3)])
    add_logs(big, [now - timedelta(seconds=s // 3) for s in range(2000)])
    for job in (small, big):
        with django_assert_num_queries(1):
            page = job_log_page(job)
        with django_assert_num_queries(1):
            job_log_page(job, before=page.next_cursor or log_cursor(page.entries[-1]))


def plan_of(queryset) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A test database is small: without this the planner may read the whole table (a
            # few pages) instead. The question is whether the index serves the ORDER BY.
            cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def test_the_page_query_reads_the_index_in_order_on_both_databases(make_job):
    job, other = make_job(), make_job()
    now = timezone.now()
    add_logs(job, [now - timedelta(seconds=s // 4) for s in range(2000)])
    add_logs(other, [now - timedelta(seconds=s) for s in range(200)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    page = job_log_page(job)
    first = job_log_queryset(job)[:51]
    older = job_log_queryset(job, before=page.next_cursor)[:51]
    for queryset in (first, older):
        plan = plan_of(queryset)
        assert "joblog_job_order" in plan, plan
        if connection.vendor == "sqlite":
            assert "TEMP B-TREE" not in plan.upper(), plan  # no sort of the job's rows
        else:
            assert "Sort" not in plan, plan


@pytest.mark.django_db
def test_the_log_has_one_index_on_its_job_and_deleting_a_job_still_cascades(make_job):
    """Migration 0013 drops the foreign key's own index on job_id: joblog_job_order starts with
    job_id and serves its lookups and the cascade of a job's deletion."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, JobLog._meta.db_table)
    leading = sorted(name for name, info in constraints.items()
                     if info["index"] and not info["primary_key"] and info["columns"][:1] == ["job_id"])
    assert leading == ["joblog_job_order"]
    job, other = make_job(), make_job()
    for target in (job, other):
        JobLog.objects.create(job=target, stage=Stage.VALIDATE, action="note", actor="system")
    job.delete()
    assert list(JobLog.objects.values_list("job_id", flat=True)) == [other.pk]
