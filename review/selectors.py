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
from django.db import connection, connections
from django.db.models import BigIntegerField, Count, F, Func, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from batches.models import Batch
from jobs.counts import state_counts
from jobs.models import Job, JobAsset, JobLog, JobWarning, Priority, Stage, Status
from jobs.search import search_jobs, search_queue

# Where a person must act: review, approve, sign off or fix and retry; or start a new batch.
HUMAN_STATUSES = (Status.AWAITING_REVIEW, Status.AWAITING_APPROVAL, Status.NEEDS_ATTENTION)
MEDIAN_SAMPLE = 500  # the most recent jobs the per-stage medians are computed from
# Filtered counts (search, batch, priority, client) stop here: a count reads at most this many
# jobs per stage, and shows "10,000+" beyond. Unfiltered counts are exact (jobs/counts.py).
COUNT_CAP = 10_000
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
    capped: bool = False  # ``count`` is a lower bound: a filter's COUNT_CAP or a search's jobs.search.COUNT_CAP

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
    """Jobs of ``qs`` per stage (one query; it reads every job of ``qs``)."""
    return dict(qs.values_list("stage").annotate(n=Count("*")).order_by())


ARCHIVED_SCOPE = {"": False, "include": None, "only": True}  # the counts table's ``archived`` per filter


def counted_by_table(filters: JobFilters) -> bool:
    """Whether the kept state counts (jobs/counts.py) answer these filters: no search and no
    filter but status and archived."""
    return not (filters.q or filters.batch or filters.priority or filters.client)


def table_stage_counts(filters: JobFilters) -> dict[int, int]:
    """Jobs per stage from the kept state counts (one query, constant time), for filters
    :func:`counted_by_table` accepts."""
    by_stage: dict[int, int] = {}
    for (stage, status), n in state_counts(archived=ARCHIVED_SCOPE[filters.archived]).items():
        if not filters.status or status == filters.status:
            by_stage[stage] = by_stage.get(stage, 0) + n
    return by_stage


def capped_stage_counts(qs: QuerySet[Job], stages: Iterable[int], cap: int | None = None) -> dict[int, int]:
    """Jobs of ``qs`` in each of ``stages``, each counted up to ``cap`` (COUNT_CAP by default; one
    query: a count of at most ``cap`` rows per stage, however many match)."""
    stages, cap = list(stages), cap or COUNT_CAP
    db = connections[qs.db]
    parts, params = [], []
    for i, stage in enumerate(stages):
        sql, sub_params = qs.filter(stage=stage).order_by().values("pk")[:cap].query.get_compiler(qs.db).as_sql()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) {db.ops.quote_name(f'capped{i}')})")
        params.extend(sub_params)
    with db.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {stage: n for stage, n in zip(stages, row) if n}


def filtered_stage_counts(filters: JobFilters, qs: QuerySet[Job] | None = None) -> tuple[dict[int, int], bool]:
    """Jobs per stage matching ``filters`` (one query), and whether the counts are exact: from
    the kept state counts when they answer the filters, else each capped at COUNT_CAP."""
    if counted_by_table(filters):
        return table_stage_counts(filters), True
    return capped_stage_counts(qs if qs is not None else jobs_filtered(filters), Stage.values), False
def _rows_by_id(ids_by_stage: dict[int, list[int]], extra: tuple[str, ...] = ()) -> dict[int, list[dict]]:
    """The card rows (and ``extra`` fields) of these jobs (one query), per stage in the given order."""
    wanted = [pk for ids in ids_by_stage.values() for pk in ids]
    rows = {row["id"]: row for row in Job.objects.filter(pk__in=wanted).values(*CARD_FIELDS, *extra)} if wanted else {}
    return {stage: [rows[pk] for pk in ids if pk in rows] for stage, ids in ids_by_stage.items()}


def board_columns(
    filters: JobFilters,
    *,
    per_stage: int,
    stats: PipelineStats | None = None,
) -> list[Column]:
    """The five stage columns: counts and at most ``per_stage`` cards each, by priority then age.

    Seven queries at most (counts, one per non-empty stage, warnings); six when ``stats`` (of
    the same moment) already holds the unfiltered counts. Counts come from the kept state
    counts unless a search or a batch, priority or client filter is on: then each is capped
    (``Column.capped``) at COUNT_CAP, or for a search at jobs.search.COUNT_CAP, read in one pass
    over its matches (jobs.search.search_queue).
    """
    if filters.q:  # one pass over the search's matches (jobs.search.search_queue): counts stop at COUNT_CAP
        unscoped = jobs_filtered(replace(filters, q="", archived="include"))
        hits = search_queue(unscoped, filters.q, stages=Stage.values, limit=per_stage,
                            archived=ARCHIVED_SCOPE[filters.archived])
        rows_by_stage = _rows_by_id({stage: hit.ids for stage, hit in hits.items()})
        counts = {stage: hit.count for stage, hit in hits.items()}
        capped = {stage: hit.capped for stage, hit in hits.items()}
    else:
        qs = jobs_filtered(filters)
        if stats is not None and not filters.active:
            counts, exact = stats.by_stage, True
        else:
            counts, exact = filtered_stage_counts(filters, qs)
        capped = {stage: not exact and n >= COUNT_CAP for stage, n in counts.items()}
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
            capped=capped.get(stage, False),
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


class SpanMicroseconds(Func):
    """``end - start`` of two datetimes, in whole microseconds, computed by the database (no
    datetime made in Python): SQLite's stored text read exactly (whole seconds by strftime,
    the fraction as digits), PostgreSQL's EXTRACT(EPOCH …) of the interval."""

    arity = 2
    output_field = BigIntegerField()

    def __init__(self, start, end):
        super().__init__(start, end)

    def _parts(self, compiler):
        (start, start_params), (end, end_params) = (compiler.compile(e) for e in self.source_expressions)
        return start, list(start_params), end, list(end_params)

    def as_sqlite(self, compiler, connection, **extra):
        start, start_params, end, end_params = self._parts(compiler)

        def micros(x):  # 'YYYY-MM-DD HH:MM:SS[.ffffff]' (naive UTC, as Django stores it) → µs since 1970
            return (f"(CAST(strftime('%%s', {x}) AS INTEGER) * 1000000 + CASE WHEN length({x}) > 19 "
                    f"THEN CAST(substr({x} || '000000', 21, 6) AS INTEGER) ELSE 0 END)")

        return f"({micros(end)} - {micros(start)})", end_params * 3 + start_params * 3

    def as_postgresql(self, compiler, connection, **extra):
        start, start_params, end, end_params = self._parts(compiler)
        return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) * 1000000 AS bigint)", end_params + start_params

    as_sql = as_postgresql


def _median_seconds(spans: dict[int, list[int | None]]) -> dict[int, float | None]:
    """Median time per stage: each stage's spans (µs; None where a timestamp is missing), those
    not negative, in seconds."""
    medians: dict[int, float | None] = {}
    for stage in STAGE_SPANS:
        seconds = [span / 10**6 for span in spans[stage] if span is not None and span >= 0]
        medians[stage] = statistics.median(seconds) if seconds else None
    return medians


def recent_jobs_sample(limit: int = MEDIAN_SAMPLE) -> tuple[list[str], dict[int, list[int | None]]]:
    """The ``limit`` most recent active jobs' clients and, per stage, how long each spent in it
    (µs, computed by the database; None where a timestamp is missing). One query."""
    spans = {f"span{stage}": SpanMicroseconds(F(start), F(end)) for stage, (start, end) in STAGE_SPANS.items()}
    rows = list(active_jobs().order_by("-created_at").annotate(**spans)
                .values_list("client_name", *spans)[:limit])
    return [row[0] for row in rows], {stage: [row[1 + i] for row in rows] for i, stage in enumerate(STAGE_SPANS)}


def jobs_deployed_since(moment: datetime) -> int:
    """Jobs that completed Stage 4 since ``moment``, from the audit log: a range of its created_at
    index (the rows since ``moment`` only). COUNT(DISTINCT …), not a DISTINCT subquery: for
    that one SQLite walks the whole (job_id, created_at) index to skip sorting job ids."""
    rows = JobLog.objects.filter(action="deployed", created_at__gte=moment)
    return rows.aggregate(n=Count("job_id", distinct=True))["n"]


def pipeline_stats(*, now: datetime | None = None) -> PipelineStats:
    """The pipeline's statistics (three queries: the kept state counts, completed today, the
    recent sample), in constant time whatever the number of jobs.

    Counts are of active jobs; "completed today" counts jobs deployed since local midnight,
    archived since or not.
    """
    now = now or timezone.now()
    by_stage: dict[int, int] = {}
    by_status: dict[str, int] = {}
    waiting = 0
    for (stage, status), n in state_counts(archived=False).items():
        by_stage[stage] = by_stage.get(stage, 0) + n
        by_status[status] = by_status.get(status, 0) + n
        if waits_for_a_person(stage, status):
            waiting += n
    completed_today = jobs_deployed_since(_start_of_today(now))
    sample_clients, spans = recent_jobs_sample()
    clients = sorted({client for client in sample_clients if client})
    return PipelineStats(
        total=sum(by_stage.values()),
        by_stage={stage: by_stage.get(stage, 0) for stage in Stage.values},
        by_status={status: by_status.get(status, 0) for status in Status.values},
        waiting_for_human=waiting,
        failed=by_status.get(Status.FAILED, 0),
        completed_today=completed_today,
        median_seconds=_median_seconds(spans),
        median_sample_size=len(sample_clients),
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
