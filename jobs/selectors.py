"""Read queries for the review pages, the dashboard and the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet

from .models import Job, JobAsset, JobLog, JobWarning, Stage
from .warning_codes import SEVERITY_RANK, meaning_of


def job_detail_queryset(*, include_resolved_warnings: bool = False) -> QuerySet[Job]:
    """Jobs with everything a detail page shows, in a fixed number of queries.

    ``job.warnings.all()`` holds the open warnings only, unless ``include_resolved_warnings``
    (signed off, relinked, cleared by a send-back: the record, which the admin's warning list
    shows). The audit log is not prefetched (a job retried and resubmitted for a year has
    thousands of rows): the pages show :func:`job_log_page`'s newest entries, one query."""
    warnings = JobWarning.objects.select_related("resolved_by").order_by("stage", "id")
    if not include_resolved_warnings:
        warnings = warnings.filter(resolved_at__isnull=True)
    return Job.objects.select_related("batch", "stage2_completed_by", "stage3_completed_by").prefetch_related(
        Prefetch("warnings", queryset=warnings),
        Prefetch("assets", queryset=JobAsset.objects.order_by("stage", "kind", "key")),
    )


#: Audit log entries per page (job pages, the API).
LOG_PAGE_SIZE = 50
LOG_PAGE_MAX = 500  # the most the API's ``limit`` may ask for
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class BadLogCursor(ValueError):
    """A ``before`` cursor that is not one :func:`job_log_page` gave."""


def log_cursor(entry: JobLog) -> str:
    """Where the entries older than ``entry`` start: ``<created_at in µs since 1970>_<id>``
    (the log's order is (created_at, id); ids alone may disagree with the clock)."""
    return f"{(entry.created_at - _EPOCH) // _MICROSECOND}_{entry.pk}"


def parse_log_cursor(text: str) -> tuple[datetime, int]:
    """(created_at, id) from :func:`log_cursor`'s text; :class:`BadLogCursor` for anything else."""
    micros, sep, pk = text.strip().partition("_")
    digits = micros.isascii() and micros.isdigit() and pk.isascii() and pk.isdigit()
    if not sep or not digits or len(micros) > 17 or len(pk) > 18:
        raise BadLogCursor(f"{text[:40]!r} is not a log cursor (give the logs_next of the previous page).")
    try:
        return _EPOCH + int(micros) * _MICROSECOND, int(pk)
    except OverflowError:
        raise BadLogCursor(f"{text[:40]!r} is out of range.") from None


@dataclass(frozen=True)
class LogPage:
    """One page of a job's audit log, newest first."""

    entries: list[JobLog]
    next_cursor: str | None  # the ``before`` of the next (older) page; None on the last page
    before: str | None = None  # the cursor this page started at (None: the newest entries)


def job_log_queryset(job: Job, *, before: str | None = None) -> QuerySet[JobLog]:
    """The job's entries older than the ``before`` cursor (all without one), newest first."""
    rows = JobLog.objects.filter(job_id=job.pk)
    if before:
        at, pk = parse_log_cursor(before)
        # The redundant created_at <= at bounds the index range; the OR breaks same-time ties.
        rows = rows.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk), created_at__lte=at)
    return rows.order_by("-created_at", "-id")


def job_log_page(job: Job, *, before: str | None = None, limit: int = LOG_PAGE_SIZE) -> LogPage:
    """Up to ``limit`` of the job's audit log entries, newest first, older than the ``before``
    cursor (a previous page's ``next_cursor``; :class:`BadLogCursor` when it is not one).

    One query whatever the size of the log: a keyset on (created_at, id), read backwards along
    the ``joblog_job_order`` index (job, created_at, id). Entries added while someone pages
    only show on the first page: no page repeats or skips an entry."""
    limit = max(1, min(limit, LOG_PAGE_MAX))
    entries = list(job_log_queryset(job, before=before)[: limit + 1])
    more = len(entries) > limit
    entries = entries[:limit]
    return LogPage(entries, log_cursor(entries[-1]) if more else None, before or None)


def newest_logs(job: Job) -> LogPage:
    """The job's newest :data:`LOG_PAGE_SIZE` entries, read once per job object: the page, the
    API's ``logs`` and :func:`jobs.attention.latest_send_back` share the one query."""
    page = getattr(job, "_newest_logs", None)
    if page is None:
        page = job._newest_logs = job_log_page(job)
    return page


def shown_log_page(job: Job, before: str | None) -> LogPage:
    """The page a job page shows for its ``?log_before=``: the newest entries when the cursor is
    missing or not one (a stale or edited link shows the log, never an error)."""
    if before:
        try:
            return job_log_page(job, before=before)
        except BadLogCursor:
            pass
    return newest_logs(job)


def job_assets_by_kind(job: Job) -> dict[str, dict[str, JobAsset]]:
    """The job's (prefetched) assets as {kind: {key: asset}}."""
    grouped: dict[str, dict[str, JobAsset]] = {}
    for asset in job.assets.all():
        grouped.setdefault(asset.kind, {})[asset.key] = asset
    return grouped


@dataclass
class WarningGroup:
    """The warnings of one stage with one code and severity: shown once, with a count."""

    stage: int
    code: str
    severity: str
    meaning: str  # what the code means (jobs/warning_codes.py, docs/warnings.md)
    warnings: list[JobWarning] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.warnings)

    @property
    def message(self) -> str:
        """The representative message: the first one's."""
        return self.warnings[0].message

    @property
    def messages(self) -> list[str]:
        """Each warning's message, in the order they were stored (for a details list)."""
        return [w.message for w in self.warnings]

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label if self.stage in Stage.values else str(self.stage)

    @property
    def resolved(self) -> bool:
        return all(w.resolved_at is not None for w in self.warnings)


def _job_warnings(job: Job, include_resolved: bool) -> Iterable[JobWarning]:
    prefetched = getattr(job, "_prefetched_objects_cache", {}).get("warnings")
    if prefetched is not None and not include_resolved:  # job_detail_queryset(): no query
        return prefetched
    rows = JobWarning.objects.filter(job=job).select_related("resolved_by").order_by("stage", "id")
    return rows if include_resolved else rows.filter(resolved_at__isnull=True)


def job_warning_groups(job: Job, *, stage: int | None = None, include_resolved: bool = False,
                       min_severity: str | None = None) -> list[WarningGroup]:
    """The job's warnings grouped by stage, code and severity, errors first (then warnings,
    then information), each severity by stage, then in the order first stored.

    Open warnings only, unless ``include_resolved``; ``stage`` keeps one stage's;
    ``min_severity`` ("warning": errors and warnings) leaves out the less serious. On a job from
    :func:`job_detail_queryset` this makes no query of its own.
    """
    limit = SEVERITY_RANK.get(min_severity or "info", len(SEVERITY_RANK))
    groups: dict[tuple[int, str, str], WarningGroup] = {}
    for warning in _job_warnings(job, include_resolved):
        if warning.resolved_at is not None and not include_resolved:
            continue
        if (stage is not None and warning.stage != stage) or SEVERITY_RANK.get(warning.severity, 0) > limit:
            continue
        key = (warning.stage, warning.code, warning.severity)
        if key not in groups:
            meaning = meaning_of(warning.code, warning.severity).replace("`", "")  # plain text for pages
            groups[key] = WarningGroup(warning.stage, warning.code, warning.severity, meaning)
        groups[key].warnings.append(warning)
    ordered = sorted(enumerate(groups.values()),
                     key=lambda item: (SEVERITY_RANK.get(item[1].severity, 0), item[1].stage, item[0]))
    return [group for _, group in ordered]
