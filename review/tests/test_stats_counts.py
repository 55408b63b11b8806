"""Statistics from the kept state counts and spans computed by the database: the same figures as
counting and subtracting in Python."""

from __future__ import annotations

import statistics
from datetime import timedelta

import pytest
from django.utils import timezone

from batches.models import Batch
from jobs.models import Job, Stage, Status
from review.selectors import STAGE_SPANS, JobFilters, board_columns, pipeline_stats

from .helpers import populate

pytestmark = pytest.mark.django_db


def python_medians() -> dict[int, float | None]:
    """The medians as computed before (datetimes subtracted in Python), over the same sample."""
    fields = sorted({name for span in STAGE_SPANS.values() for name in span})
    rows = list(Job.objects.filter(archived=False).order_by("-created_at").values(*fields)[:500])
    medians = {}
    for stage, (start, end) in STAGE_SPANS.items():
        spans = [(r[end] - r[start]).total_seconds() for r in rows
                 if r[start] is not None and r[end] is not None and r[end] >= r[start]]
        medians[stage] = statistics.median(spans) if spans else None
    return medians


def test_medians_computed_by_the_database_match_python(make_job):
    now = timezone.now().replace(microsecond=123456)
    batch = Batch.objects.create(name="m.csv", sha256="0" * 64, started_at=now - timedelta(days=2, microseconds=7))
    for i in range(9):
        base = now - timedelta(days=1, seconds=i * 37, microseconds=i * 101)
        stamps = {"stage1_completed_at": base + timedelta(minutes=i, microseconds=999_999 - i),
                  "stage2_completed_at": base + timedelta(hours=1, seconds=i) if i % 2 else None,
                  "stage3_completed_at": base.replace(microsecond=0) + timedelta(hours=2) if i % 3 else None,
                  # ended before it started: left out, as before
                  "stage4_completed_at": base - timedelta(seconds=5) if i == 4 else base + timedelta(days=i)}
        job = make_job(stage=Stage.DEPLOY, status=Status.COMPLETED, batch=batch, **stamps)
        Job.objects.filter(pk=job.pk).update(created_at=base - timedelta(hours=3, microseconds=i))
    stats = pipeline_stats()
    assert stats.median_seconds == python_medians()
    assert stats.median_sample_size == 9
    assert all(isinstance(v, float) for v in stats.median_seconds.values() if v is not None)


def test_counts_come_from_the_kept_table_and_match_the_jobs(make_job):
    batch = Batch.objects.create(name="c.csv", sha256="0" * 64)
    jobs = populate(make_job, batch, 21)
    Job.objects.filter(pk__in=[j.pk for j in jobs[:3]]).update(archived=True)
    stats = pipeline_stats()
    active = Job.objects.filter(archived=False)
    assert stats.total == active.count() == 18
    assert stats.by_stage == {s: active.filter(stage=s).count() for s in Stage.values}
    assert stats.by_status == {s: active.filter(status=s).count() for s in Status.values}
    assert stats.failed == active.filter(status=Status.FAILED).count()
    for filters, qs in [
        (JobFilters(status=Status.QUEUED), active.filter(status=Status.QUEUED)),
        (JobFilters(archived="include"), Job.objects.all()),
        (JobFilters(archived="only", status=Status.PENDING), Job.objects.filter(archived=True, status="pending")),
        (JobFilters(priority="high"), active.filter(priority="high")),  # capped count (one query)
        (JobFilters(batch=batch.pk, client="Client 1"), active.filter(batch=batch, client_name="Client 1")),
    ]:
        columns = board_columns(filters, per_stage=2)
        assert [c.count for c in columns] == [qs.filter(stage=s).count() for s in Stage.values], filters
        assert not any(c.capped for c in columns)
