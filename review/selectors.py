"""Read queries of the staff dashboard and the JSON API.

Every function here runs a fixed number of queries whatever the number of jobs, and returns
bounded results: columns hold at most ``per_stage`` cards, lists are pages, statistics are
aggregates (and medians come from a bounded sample of recent jobs).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from django.contrib.admin.models import LogEntry
from django.db import connection
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from batches.models import Batch
from jobs.models import Job, JobAsset, JobLog, JobWarning, Priority, Stage, Status
from jobs.search import search_jobs, search_queue

# Where a person must act: review, approve, sign off or fix and retry; or start a new batch.
HUMAN_STATUSES = (Status.AWAITING_REVIEW, Status.AWAITING_APPROVAL, Status.NEEDS_ATTENTION)
MEDIAN_SAMPLE = 500  # the most recent jobs the per-stage medians are computed from
BATCH_CHOICES = 50  # batches offered in the dashboard's filter
CARD_FIELDS = (
    "id", "job_id", "client_name", "project_name", "priority", "stage", "status", "stage_entered_at", "batch_id",
    "archived",
)
# A stage's queue: most urgent first, then oldest (the order of Job.Meta and of the cards).
QUEUE_ORDER = ("priority_rank", "created_at", "id")
# When a job entered and left each stage, as (start field, end field) of the sample rows.
STAGE_SPANS = {
    Stage.VALIDATE: ("created_at", "batch__started_at"),
    Stage.INGEST: ("batch__started_at", "stage1_completed_at"),
    Stage.REVIEW_MATCHING: ("stage1_completed_at", "stage2_completed_at"),
    Stage.APPROVE_PREVIEW: ("stage2_completed_at", "stage3_completed_at"),
    Stage.DEPLOY: ("stage3_completed_at", "stage4_completed_at"),
}


def waits_for_a_person(stage: int, status: str) -> bool:
    """Whether a job in this state waits for someone (to review, approve, sign off, fix or start)."""
    return status in HUMAN_STATUSES or (stage, status) == (Stage.VALIDATE, Status.PENDING)


# --------------------------------------------------------------------------------------------
# Filters


# The largest id a row can have (ids are BigAutoField, a signed 64-bit integer on every database).
# A larger number compared with a foreign key reaches the database as is and fails there
# (SQLite: OverflowError; PostgreSQL: "bigint out of range"), so it never gets that far.
MAX_ID = 2**63 - 1

# The ``archived`` filter: "" the active jobs only (the default views and counts), "include" the
# archived ones too, "only" the archived ones.
ARCHIVED_CHOICES = ("include", "only")


def id_or_none(value) -> int | None:
    """``value`` as a row id (1 to MAX_ID), or None: anything else (not a number, Unicode
    digits such as "٢", a negative or out-of-range number) cannot name a row."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip() if value is not None else ""
        if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID))):
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ID else None


@dataclass(frozen=True)
class JobFilters:
    """Search and filters shared by the dashboard and the API's lists. Empty means "all"."""

    q: str = ""
    batch: int | None = None
    priority: str = ""
    status: str = ""
    client: str = ""
    archived: str = ""

    @classmethod
    def from_query(cls, data: Mapping) -> JobFilters:
        """Read filters from query parameters; unknown priority or status values, and a batch
        that is not a row id, are dropped."""
        priority = (data.get("priority") or "").strip().lower()
        status = (data.get("status") or "").strip().lower()
        archived = (data.get("archived") or "").strip().lower()
        return cls(
            q=(data.get("q") or "").strip()[:100],
            batch=id_or_none(data.get("batch")),
            priority=priority if priority in Priority.values else "",
            status=status if status in Status.values else "",
            client=(data.get("client") or "").strip()[:255],
            archived=archived if archived in ARCHIVED_CHOICES else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.batch or self.priority or self.status or self.client or self.archived)

    def as_query(self) -> dict[str, str]:
        """The non-empty filters, as query parameters."""
        values = {"q": self.q, "batch": self.batch or "", "priority": self.priority, "status": self.status,
                  "client": self.client, "archived": self.archived}
        return {key: str(value) for key, value in values.items() if value}


def active_jobs() -> QuerySet[Job]:
    """Jobs that are not archived: the ones the pipeline shows."""
    return Job.objects.filter(archived=False)


def jobs_in_scope(archived: str = "") -> QuerySet[Job]:
    """The active jobs, or with ``archived`` "include" all jobs, "only" the archived ones."""
    if archived == "include":
        return Job.objects.all()
    return Job.objects.filter(archived=True) if archived == "only" else active_jobs()


def jobs_filtered(filters: JobFilters) -> QuerySet[Job]:
    """Jobs matching ``filters`` (``q`` searches job id, client, project, output name and notes:
    :mod:`jobs.search`), active ones only unless ``filters.archived`` asks for the archived ones too."""
    qs = jobs_in_scope(filters.archived)
    if filters.batch:
        qs = qs.filter(batch_id=filters.batch)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.client:
        qs = qs.filter(client_name=filters.client)
    return search_jobs(qs, filters.q) if filters.q else qs


# --------------------------------------------------------------------------------------------
# Cards and columns


@dataclass(frozen=True)
class Card:
    """What a job card (and an API list row) shows."""

    id: int
    job_id: str
    client_name: str
    project_name: str
    priority: str
    stage: int
    status: str
    stage_entered_at: datetime
    batch_id: int
    warnings_count: int = 0
    archived: bool = False

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def waiting_for_human(self) -> bool:
        return waits_for_a_person(self.stage, self.status)


@dataclass
class Column:
    """One stage of the board: its total and its first cards (by priority, then age)."""

    stage: int
    label: str
    count: int
    cards: list[Card] = field(default_factory=list)
    median_seconds: float | None = None
    count_capped: bool = False  # a search's count: at least ``count`` (jobs.search.COUNT_CAP)

    @property
    def more(self) -> int:
        return max(self.count - len(self.cards), 0)


def open_warning_counts(job_pks: Iterable[int]) -> dict[int, int]:
    """Unresolved warnings per job that need a look (not those for information), for the given
    jobs (one query)."""
    pks = list(job_pks)
    if not pks:
        return {}
    rows = (
        JobWarning.objects.filter(job_id__in=pks, resolved_at__isnull=True)
        .exclude(severity=JobWarning.Severity.INFO)
        .values_list("job_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def _cards(rows: list[dict]) -> list[Card]:
    """Cards for ``rows`` (values of CARD_FIELDS), with their open warnings counted."""
    warnings = open_warning_counts(row["id"] for row in rows)
    return [Card(**row, warnings_count=warnings.get(row["id"], 0)) for row in rows]


def stage_counts(qs: QuerySet[Job]) -> dict[int, int]:
    """Jobs of ``qs`` per stage (one query)."""
    return dict(qs.values_list("stage").annotate(n=Count("*")).order_by())


def _rows_by_id(ids_by_stage: dict[int, list[int]]) -> dict[int, list[dict]]:
    """The card rows of these jobs (one query), per stage in the given order."""
    wanted = [pk for ids in ids_by_stage.values() for pk in ids]
    rows = {row["id"]: row for row in Job.objects.filter(pk__in=wanted).values(*CARD_FIELDS)} if wanted else {}
    return {stage: [rows[pk] for pk in ids if pk in rows] for stage, ids in ids_by_stage.items()}


def board_columns(
    filters: JobFilters,
    *,
    per_stage: int,
    stats: PipelineStats | None = None,
) -> list[Column]:
    """The five stage columns: counts and at most ``per_stage`` cards each, by priority then age.

    Seven queries at most (counts, one per non-empty stage, warnings); six when ``stats`` (of
    the same moment) already holds the unfiltered counts.
    """
    if filters.q:  # one pass over the search's matches (jobs.search.search_queue): counts stop at COUNT_CAP
        hits = search_queue(jobs_filtered(replace(filters, q="")), filters.q, stages=Stage.values, limit=per_stage)
        rows_by_stage = _rows_by_id({stage: hit.ids for stage, hit in hits.items()})
        counts = {stage: hit.count for stage, hit in hits.items()}
        capped = {stage: hit.capped for stage, hit in hits.items()}
    else:
        qs = jobs_filtered(filters)
        counts = stats.by_stage if stats is not None and not filters.active else stage_counts(qs)
        capped = {}
        queue = qs.order_by(*QUEUE_ORDER).values(*CARD_FIELDS)
        rows_by_stage = {
            stage: list(queue.filter(stage=stage)[:per_stage]) if counts.get(stage) else [] for stage in Stage.values
        }
    cards = _cards([row for rows in rows_by_stage.values() for row in rows])  # one warnings query for all
    return [
        Column(
            stage=stage,
            label=Stage(stage).label,
            count=counts.get(stage, 0),
            cards=[card for card in cards if card.stage == stage],
            median_seconds=stats.median_seconds.get(stage) if stats is not None else None,
            count_capped=capped.get(stage, False),
        )
        for stage in Stage.values
    ]


# --------------------------------------------------------------------------------------------
# Statistics


@dataclass
class PipelineStats:
    """Counts of the whole pipeline, and how long recent jobs spent in each stage."""

    total: int
    by_stage: dict[int, int]
    by_status: dict[str, int]
    waiting_for_human: int
    failed: int
    completed_today: int
    median_seconds: dict[int, float | None]
    median_sample_size: int
    recent_clients: list[str]
    generated_at: datetime


def _start_of_today(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _median_seconds(rows: list[dict]) -> dict[int, float | None]:
    """Median time per stage over ``rows``: each stage's end minus its start, where both are known."""
    medians: dict[int, float | None] = {}
    for stage, (start, end) in STAGE_SPANS.items():
        spans = [
            (row[end] - row[start]).total_seconds()
            for row in rows
            if row[start] is not None and row[end] is not None and row[end] >= row[start]
        ]
        medians[stage] = statistics.median(spans) if spans else None
    return medians


def recent_jobs_sample(limit: int = MEDIAN_SAMPLE) -> list[dict]:
    """The ``limit`` most recent active jobs' stage timestamps and client (one query)."""
    fields = {"client_name"} | {name for span in STAGE_SPANS.values() for name in span}
    return list(active_jobs().order_by("-created_at").values(*sorted(fields))[:limit])


def jobs_deployed_since(moment: datetime) -> int:
    """Jobs that completed Stage 4 since ``moment``, from the audit log (its created_at index)."""
    return JobLog.objects.filter(action="deployed", created_at__gte=moment).values("job_id").distinct().count()


def pipeline_stats(*, now: datetime | None = None) -> PipelineStats:
    """The pipeline's statistics (three queries: state counts, completed today, recent sample).

    Counts are of active jobs; "completed today" counts jobs deployed since local midnight,
    archived since or not.
    """
    now = now or timezone.now()
    by_stage: dict[int, int] = {}
    by_status: dict[str, int] = {}
    waiting = 0
    for stage, status, n in active_jobs().values_list("stage", "status").annotate(n=Count("*")).order_by():
        by_stage[stage] = by_stage.get(stage, 0) + n
        by_status[status] = by_status.get(status, 0) + n
        if waits_for_a_person(stage, status):
            waiting += n
    completed_today = jobs_deployed_since(_start_of_today(now))
    sample = recent_jobs_sample()
    clients = sorted({row["client_name"] for row in sample if row["client_name"]})
    return PipelineStats(
        total=sum(by_stage.values()),
        by_stage={stage: by_stage.get(stage, 0) for stage in Stage.values},
        by_status={status: by_status.get(status, 0) for status in Status.values},
        waiting_for_human=waiting,
        failed=by_status.get(Status.FAILED, 0),
        completed_today=completed_today,
        median_seconds=_median_seconds(sample),
        median_sample_size=len(sample),
        recent_clients=clients,
        generated_at=now,
    )


def recent_batches(limit: int = BATCH_CHOICES) -> list[dict]:
    """The latest batches, for the dashboard's batch filter (one query)."""
    return list(Batch.objects.order_by("-created_at").values("id", "name", "created_at")[:limit])


# --------------------------------------------------------------------------------------------
# Change markers: has anything the board (or a job page) shows changed since the last look?


@dataclass(frozen=True)
class BoardMarker:
    """The newest row of each table whose writes change what the board shows.

    Every move of a job writes an audit row (``jobs.transitions``, same transaction), so the
    newest audit row changes with every move, import, retry and send-back; the newest job,
    warning and batch catch rows written without one; the newest admin log entry catches what
    people change in the admin (archiving, a priority or client edited at Stage 0, a warning
    resolved, a job deleted). Each is the last entry of a primary key index: constant time
    whatever the number of jobs, and no counter row that every move would have to update.
    ``log_at`` (when the newest audit row was written) tells whether writes are recent
    (:meth:`settling`).
    """

    job: int | None
    log: int | None
    log_at: datetime | None
    warning: int | None
    batch: int | None
    admin: int | None

    def key(self) -> tuple:
        return (self.job, self.log, self.warning, self.batch, self.admin)

    def settling(self, now: datetime, seconds: float) -> bool:
        """Whether the newest audit row is younger than ``seconds``. Ids are handed out before
        commit, so a transaction that commits after a later one adds a row older than the
        newest already seen and changes no maximum: while writes are this recent, the board is
        rendered again at every look, so such a late commit is shown too."""
        return self.log_at is not None and (now - self.log_at).total_seconds() < seconds


def _aware(value) -> datetime | None:
    """A timestamp read by raw SQL (SQLite returns text, PostgreSQL a datetime), as aware UTC."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else parse_datetime(str(value))
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


def board_marker() -> BoardMarker:
    """The board's change marker (one query of six primary key index lookups)."""
    table = {model: connection.ops.quote_name(model._meta.db_table) for model in (Job, JobLog, JobWarning, Batch,
                                                                                    LogEntry)}
    created_at = connection.ops.quote_name(JobLog._meta.get_field("created_at").column)
    sql = (
        f"SELECT (SELECT MAX(id) FROM {table[Job]}), (SELECT MAX(id) FROM {table[JobLog]}), "
        f"(SELECT {created_at} FROM {table[JobLog]} ORDER BY id DESC LIMIT 1), "
        f"(SELECT MAX(id) FROM {table[JobWarning]}), (SELECT MAX(id) FROM {table[Batch]}), "
        f"(SELECT MAX(id) FROM {table[LogEntry]})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        job, log, log_at, warning, batch, admin = cursor.fetchone()
    return BoardMarker(job=job, log=log, log_at=_aware(log_at), warning=warning, batch=batch, admin=admin)


def job_marker(pk: int) -> tuple | None:
    """What changes with anything a job's page shows (one query), or None if there is no such
    job: its version (every move bumps it, in the transaction that writes the move's audit
    row, warnings and files), when the row was last saved, its newest warning and file, and
    the newest admin log entry (a warning resolved in the admin)."""
    def newest(qs: QuerySet) -> Subquery:
        return Subquery(qs.order_by("-id").values("id")[:1])

    return (
        Job.objects.filter(pk=pk)
        .annotate(
            newest_warning=newest(JobWarning.objects.filter(job=OuterRef("pk"))),
            newest_asset=newest(JobAsset.objects.filter(job=OuterRef("pk"))),
            newest_admin=newest(LogEntry.objects.all()),
        )
        .values_list("version", "updated_at", "newest_warning", "newest_asset", "newest_admin")
        .order_by("pk")
        .first()
    )


# --------------------------------------------------------------------------------------------
# Lists and single objects for the API


@dataclass
class Page:
    """One page of a list: the total, where this page is, and its rows."""

    count: int
    page: int
    page_size: int
    results: list[Card]
    count_capped: bool = False  # a search's count: at least ``count`` (jobs.search.COUNT_CAP)

    @property
    def pages(self) -> int:
        return max((self.count + self.page_size - 1) // self.page_size, 1)


def jobs_in_stage_page(*, stage: int, filters: JobFilters, page: int, page_size: int) -> Page:
    """One page of the stage's jobs, by priority then age (three queries)."""
    start = (page - 1) * page_size
    if filters.q:  # one pass over the search's matches (jobs.search.search_queue): the count stops at COUNT_CAP
        hit = search_queue(jobs_filtered(replace(filters, q="")), filters.q, stages=[stage], offset=start,
                           limit=page_size)[stage]
        return Page(count=hit.count, page=page, page_size=page_size, results=_cards(_rows_by_id({0: hit.ids})[0]),
                    count_capped=hit.capped)
    qs = jobs_filtered(filters).filter(stage=stage)
    count = qs.count()
    rows = (
        list(qs.order_by(*QUEUE_ORDER).values(*CARD_FIELDS)[start : start + page_size])
        if start < count
        else []
    )
    return Page(count=count, page=page, page_size=page_size, results=_cards(rows))


def active_job_by_job_id(job_id: str, queryset: QuerySet[Job] | None = None) -> Job | None:
    """The active job with this CSV job id (at most one: the database's unique constraint)."""
    qs = queryset if queryset is not None else Job.objects.all()
    return qs.filter(job_id=job_id, archived=False).first()


def batch_job_counts(batch: Batch) -> tuple[dict[int, int], dict[str, int]]:
    """The batch's jobs per stage and per status (one query)."""
    by_stage: dict[int, int] = {}
    by_status: dict[str, int] = {}
    for stage, status, n in batch.jobs.values_list("stage", "status").annotate(n=Count("id")).order_by():
        by_stage[stage] = by_stage.get(stage, 0) + n
        by_status[status] = by_status.get(status, 0) + n
    return by_stage, by_status


def stage_assets(job: Job, stage: int) -> list[JobAsset]:
    """The files the stage made for the job (one query)."""
    return list(JobAsset.objects.filter(job=job, stage=stage).order_by("kind", "key"))


WORK_STATES = {
    Status.QUEUED: "queued",
    Status.PROCESSING: "processing",
    Status.FAILED: "failed",
    Status.PENDING: "not_started",
}


def stage_work_state(job: Job, stage: int) -> str:
    """Where the background work of ``stage`` is for ``job``.

    "done" once the job is past the stage, or waits at it for a person (the stage's work
    finished: Stage 0's validation is done when the job exists; Stage 2's matching ran with
    ingestion; Stage 4's validation may have found problems); "queued", "processing" or
    "failed" while the job is at the stage; "not_started" before it gets there.
    """
    if stage == Stage.VALIDATE or job.stage > stage:
        return "done"
    if job.stage < stage:
        return "not_started"
    return WORK_STATES.get(job.status, "done")
