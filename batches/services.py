"""Stage 0: import a batch CSV, all or nothing; start a batch's processing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from jobs.models import Job, Stage, Status
from jobs.transitions import (
    MOVES,
    NEW_JOB_FIELDS,
    PermissionRefused,
    TransitionNotAllowed,
    actor_name,
    job_transition,
    jobs_create,
)

from .csv_format import CsvIssue, CsvLimits, CsvReport, parse_batch_csv
from .models import Batch


@dataclass
class ImportResult:
    report: CsvReport
    batch: Batch | None = None
    job_ids: list[str] | None = None

    @property
    def ok(self) -> bool:
        return self.report.ok


def csv_limits() -> CsvLimits:
    return CsvLimits(
        max_file_bytes=settings.AEA_MAX_FILE_BYTES,
        max_rows=settings.AEA_MAX_ROWS,
        max_field_bytes=settings.AEA_MAX_FIELD_BYTES,
        max_csv_bytes=settings.AEA_CSV_MAX_BYTES,
    )


def existing_active_job_ids(job_ids: set[str]) -> set[str]:
    """Those of ``job_ids`` that active (not archived) jobs already use."""
    found: set[str] = set()
    ids = sorted(job_ids)
    step = 900  # below SQLite's 999 query parameters
    for start in range(0, len(ids), step):
        found.update(
            Job.objects.filter(archived=False, job_id__in=ids[start : start + step]).values_list("job_id", flat=True)
        )
    return found


def batch_validate(*, data: bytes, progress: Callable[[int, int], None] | None = None) -> CsvReport:
    """Validate a CSV without writing anything."""
    return parse_batch_csv(
        data,
        input_roots=settings.INPUT_ROOTS,
        limits=csv_limits(),
        existing_job_ids=existing_active_job_ids,
        progress=progress,
    )


def batch_import(
    *,
    data: bytes,
    filename: str,
    user=None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Validate ``data`` and, when it is valid (and not a dry run), create the batch and its jobs.

    All or nothing: an invalid CSV writes no row and no file; a valid one is written in one
    transaction. The duplicate-id check is repeated by the database's unique constraint, so
    two concurrent imports of the same ids cannot both succeed.
    """
    report = batch_validate(data=data, progress=progress)
    if not report.ok or dry_run:
        return ImportResult(report=report)

    sha = hashlib.sha256(data).hexdigest()
    name = Path(filename).name[:255] or "batch.csv"
    stored: list[str] = []
    try:
        return _write_batch(report=report, data=data, sha=sha, name=name, user=user, stored=stored)
    except IntegrityError:
        # Another import took some of these job ids between validation and insert: the
        # database's unique constraint refused this one, whole.
        for file_name in stored:
            _forget_csv_file(file_name)
        return ImportResult(report=_conflict_report(report))


def _conflict_report(report: CsvReport) -> CsvReport:
    taken = existing_active_job_ids({row.job_id for row in report.rows})
    errors = [
        CsvIssue(line=row.line, column="job_id", code="job_id_exists",
                 message=f"job_id {row.job_id!r} was imported by another batch while this one was checked")
        for row in report.rows if row.job_id in taken
    ] or [CsvIssue(line=None, column=None, code="conflict",
                   message="Another import changed the jobs while this one was checked; nothing was imported.")]
    return CsvReport(rows=[], errors=errors, warnings=report.warnings, row_count=report.row_count)


def _forget_csv_file(name: str) -> None:
    """Remove a stored CSV that no batch refers to (its import was rolled back)."""
    if not Batch.objects.filter(csv_file=name).exists():
        Batch._meta.get_field("csv_file").storage.delete(name)


def _write_batch(*, report: CsvReport, data: bytes, sha: str, name: str, user, stored: list[str]) -> ImportResult:
    with transaction.atomic():
        batch = Batch(
            name=name,
            sha256=sha,
            uploaded_by=user,
            row_count=report.row_count,
            job_count=len(report.rows),
            warning_count=len(report.warnings),
            report=report.to_dict(),
        )
        batch.csv_file.save(f"{sha[:32]}.csv", ContentFile(data), save=False)  # the name is in Batch.name
        stored.append(batch.csv_file.name)
        batch.save()
        jobs_create(
            batch_id=batch.pk,
            rows=[{field: getattr(row, field) for field in NEW_JOB_FIELDS} for row in report.rows],
            source=name,
            user=user,
        )
    return ImportResult(report=report, batch=batch, job_ids=[row.job_id for row in report.rows])


@dataclass
class StartResult:
    started: int
    skipped: int


def batch_start(*, batch: Batch, user) -> StartResult:
    """Queue every pending job of the batch for ingestion (Stage 1), as ``user``.

    Raises :class:`PermissionRefused` when ``user`` may not start jobs.
    """
    permission = MOVES["start"].permission
    if user is None or not user.has_perm(permission):
        raise PermissionRefused(f"{actor_name(user)} lacks the permission {permission!r} needed to start a batch.")
    started = skipped = 0
    pending = list(batch.jobs.filter(stage=Stage.VALIDATE, status=Status.PENDING).values_list("pk", flat=True))
    with transaction.atomic():
        for pk in pending:
            try:
                job_transition(job=pk, action="start", user=user)
                started += 1
            except TransitionNotAllowed:
                skipped += 1
        Batch.objects.filter(pk=batch.pk).update(started_at=timezone.now())
        batch_refresh_status(batch.pk)
    return StartResult(started=started, skipped=skipped)


# --- A batch's status, derived from its jobs ---------------------------------------------------

# A job's *state class*: what its (stage, status) means for its batch. Archived jobs are
# "failed" whatever their status (they were taken out of the batch's work: cancelled).
NOT_STARTED, AUTOMATIC, WAITING, COMPLETED, FAILED = "not_started", "automatic", "waiting", "completed", "failed"
STATE_CLASSES = (NOT_STARTED, AUTOMATIC, WAITING, COMPLETED, FAILED)
_CLASS_OF_STATUS = {
    Status.PENDING: NOT_STARTED,
    Status.QUEUED: AUTOMATIC,
    Status.PROCESSING: AUTOMATIC,
    Status.AWAITING_REVIEW: WAITING,
    Status.AWAITING_APPROVAL: WAITING,
    Status.NEEDS_ATTENTION: WAITING,
    Status.COMPLETED: COMPLETED,
    Status.FAILED: FAILED,
}


def state_class(status: str) -> str:
    """The state class of a job status (for an active job); a status this table does not know
    is a class of its own (so a move to or from it refreshes the batch, and never fails)."""
    return _CLASS_OF_STATUS.get(status, status)


def state_class_counts_aggregate(prefix: str = "") -> dict:
    """``Count`` expressions of the jobs per state class (``prefix``: the path to the jobs,
    e.g. ``"jobs__"`` from a batch queryset)."""
    active = Q(**{f"{prefix}archived": False})
    counts = {}
    for cls in STATE_CLASSES:
        statuses = [status for status, c in _CLASS_OF_STATUS.items() if c == cls]
        condition = active & Q(**{f"{prefix}status__in": statuses})
        if cls == FAILED:
            condition |= Q(**{f"{prefix}archived": True})
        counts[f"jobs_{cls}"] = Count(f"{prefix}id" if prefix else "id", filter=condition)
    return counts


def batch_state_counts(batch_id: int) -> dict[str, int]:
    """The batch's jobs per state class (one aggregate query): ``{"not_started": n, ...}``."""
    row = Job.objects.filter(batch_id=batch_id).aggregate(**state_class_counts_aggregate())
    return {cls: row[f"jobs_{cls}"] or 0 for cls in STATE_CLASSES}


def status_from_counts(counts: dict[str, int]) -> str:
    """The batch status the counts per state class give (see README, "Batch status")."""
    if counts[AUTOMATIC]:
        return Batch.Status.PROCESSING
    if counts[WAITING]:
        return Batch.Status.WAITING
    if counts[NOT_STARTED]:
        # Nothing started at all: imported; some started and finished, the rest still to
        # start: a person must start them.
        return Batch.Status.WAITING if counts[COMPLETED] or counts[FAILED] else Batch.Status.IMPORTED
    if counts[FAILED]:
        return Batch.Status.DONE_WITH_FAILURES
    if counts[COMPLETED]:
        return Batch.Status.DONE
    return Batch.Status.IMPORTED  # no job


def batch_refresh_status(batch_id: int) -> str:
    """Recompute the batch's status from its jobs and store it: one aggregate query and one
    conditional UPDATE (which writes nothing when the status did not change). ``finished_at``
    is set when the batch becomes done or done with failures and cleared when it leaves them.
    Returns the status."""
    status = status_from_counts(batch_state_counts(batch_id))
    finished = status in Batch.FINISHED
    Batch.objects.filter(pk=batch_id).exclude(status=status).update(
        status=status, finished_at=timezone.now() if finished else None
    )
    return status


def batch_choices(limit: int) -> list[dict]:
    """The latest batches with their status, for the dashboard's batch filter (one query)."""
    labels = dict(Batch.Status.choices)
    rows = list(Batch.objects.order_by("-created_at").values("id", "name", "status", "finished_at")[:limit])
    for row in rows:
        row["status_label"] = labels.get(row["status"], row["status"])
    return rows
