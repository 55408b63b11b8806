"""Stage 0: import a batch CSV, all or nothing; start a batch's processing.

Two ways in. An upload (:func:`batch_upload`, from the dashboard and the API) checks only the
file as a whole, stores it as a ``validating`` batch and answers at once; the django-q2 task
``batches.tasks.import_uploaded_batch`` then runs :func:`batch_import_uploaded`: the rows are
checked with the progress written in small writes of their own (never a long transaction
that would hold SQLite's writers), and the jobs are created in one transaction, or none and
the batch is ``invalid`` with its report. :func:`batch_import` does all of it inline and
writes nothing for an invalid CSV (``import_batch``, the tests, the benchmarks).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_q.tasks import async_task

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

from .csv_format import CsvIssue, CsvLimits, CsvReport, check_batch_csv_file, parse_batch_csv
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
            Job.objects.filter(archived=False, job_id__in=ids[start : start + step])
            .order_by().values_list("job_id", flat=True)  # no ORDER BY: the unique index alone answers
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
    on_importing: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate ``data`` and, when it is valid (and not a dry run), create the batch and its jobs.

    All or nothing: an invalid CSV writes no row and no file; a valid one is written in one
    transaction. The duplicate-id check is repeated by the database's unique constraint, so
    two concurrent imports of the same ids cannot both succeed.
    """
    report = batch_validate(data=data, progress=progress)
    if not report.ok or dry_run:
        return ImportResult(report=report)
    if on_importing:
        on_importing(len(report.rows))

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
        _create_jobs(batch_id=batch.pk, report=report, source=name, user=user)
    return ImportResult(report=report, batch=batch, job_ids=[row.job_id for row in report.rows])


def _create_jobs(*, batch_id: int, report: CsvReport, source: str, user) -> None:
    jobs_create(
        batch_id=batch_id,
        rows=[{field: getattr(row, field) for field in NEW_JOB_FIELDS} for row in report.rows],
        source=source,
        user=user,
    )


# --- Uploads, imported in the background -------------------------------------------------------

State = Batch.ImportState
PROGRESS_SECONDS = 0.25  # at most about four progress writes a second


@dataclass
class UploadResult:
    report: CsvReport  # the file-level checks only
    batch: Batch | None = None

    @property
    def ok(self) -> bool:
        return self.batch is not None


def enqueue_batch_import(batch_id: int) -> None:
    async_task("batches.tasks.import_uploaded_batch", batch_id, task_name=f"batch-{batch_id}-import",
               group="batch-import")


def batch_upload(*, data: bytes, filename: str, user, start: bool = False) -> UploadResult:
    """Store an uploaded CSV as a ``validating`` batch and have its rows checked and imported in
    the background (after the commit); ``start``: start it as ``user`` once imported.

    Only the file as a whole is checked here (size, encoding, header): a file that fails that
    writes nothing and the report says why, at once."""
    report = check_batch_csv_file(data, limits=csv_limits())
    if not report.ok:
        return UploadResult(report=report)
    sha = hashlib.sha256(data).hexdigest()
    batch = Batch(name=Path(filename).name[:255] or "batch.csv", sha256=sha, uploaded_by=user,
                  import_state=State.VALIDATING, start_when_imported=start)
    batch.csv_file.save(f"{sha[:32]}.csv", ContentFile(data), save=False)
    with transaction.atomic():
        batch.save()
        transaction.on_commit(lambda: enqueue_batch_import(batch.pk))
    return UploadResult(report=report, batch=batch)


def batch_import_uploaded(*, batch_id: int, progress: Callable[[int, int], None] | None = None) -> Batch | None:
    """Validate an uploaded batch's CSV and import its jobs, all or nothing; then start it when
    the upload asked to. The task's body; safe to run twice, or twice at once: a batch already
    imported or invalid is left as it is, and only the run whose conditional UPDATE moves the
    batch to ``imported`` writes the jobs (in the same transaction).

    The progress (rows validated) is written in small UPDATEs outside any transaction, at most
    every :data:`PROGRESS_SECONDS`; ``progress(done, total)`` is also called, for a caller
    running this inline. Returns the batch as it ends (``None`` when it no longer exists)."""
    batch = Batch.objects.filter(pk=batch_id).select_related("uploaded_by").first()
    if batch is None:
        return None
    if batch.import_state in Batch.IMPORT_PENDING:
        try:
            with batch.csv_file.open("rb") as fh:
                data = fh.read()
        except OSError:
            _mark_invalid(batch_id, CsvReport(errors=[CsvIssue(
                line=None, column=None, code="file_gone",
                message="The uploaded file can no longer be read; nothing was imported. Upload it again.")]))
            batch.refresh_from_db()
            return batch
        report = batch_validate(data=data, progress=_progress_writer(batch_id, progress))
        if report.ok:
            _import_valid(batch=batch, report=report)
        else:
            _mark_invalid(batch_id, report)
        batch.refresh_from_db()
    if batch.import_state == State.IMPORTED and batch.start_when_imported and batch.started_at is None:
        _start_uploaded(batch)
        batch.refresh_from_db()
    return batch


def _progress_writer(batch_id: int, also: Callable[[int, int], None] | None) -> Callable[[int, int], None]:
    last = [0.0]

    def write(done: int, total: int) -> None:
        now = time.monotonic()
        if done in (0, total) or now - last[0] >= PROGRESS_SECONDS:
            last[0] = now
            Batch.objects.filter(pk=batch_id, import_state=State.VALIDATING).update(
                rows_validated=done, row_count=total)
        if also:
            also(done, total)

    return write


def _report_fields(report: CsvReport) -> dict:
    return {"row_count": report.row_count, "rows_validated": report.row_count, "job_count": len(report.rows),
            "warning_count": len(report.warnings), "report": report.to_dict()}


def _mark_invalid(batch_id: int, report: CsvReport) -> None:
    Batch.objects.filter(pk=batch_id, import_state__in=Batch.IMPORT_PENDING).update(
        import_state=State.INVALID, **_report_fields(report))  # an invalid report has no rows: job_count 0


def _import_valid(*, batch: Batch, report: CsvReport) -> None:
    Batch.objects.filter(pk=batch.pk, import_state=State.VALIDATING).update(
        import_state=State.IMPORTING, rows_validated=report.row_count, row_count=report.row_count)
    try:
        with transaction.atomic():
            claimed = Batch.objects.filter(pk=batch.pk, import_state__in=Batch.IMPORT_PENDING).update(
                import_state=State.IMPORTED, imported_at=timezone.now(), **_report_fields(report))
            if claimed:  # else another run of the task imported it (or found it invalid) first
                _create_jobs(batch_id=batch.pk, report=report, source=batch.name, user=batch.uploaded_by)
    except IntegrityError:
        # Another import took some of these job ids after this one was checked: refused whole.
        _mark_invalid(batch.pk, _conflict_report(report))


def _start_uploaded(batch: Batch) -> None:
    """Start the imported batch as its uploader, who asked to when uploading (and may start jobs
    then); when they no longer may, the batch waits for someone who may."""
    try:
        batch_start(batch=batch, user=batch.uploaded_by)
    except PermissionRefused:
        Batch.objects.filter(pk=batch.pk).update(start_when_imported=False)


def batch_upload_pending(batch: Batch) -> bool:
    """Whether an upload's background work is still going: validating, importing, or starting
    the jobs it was asked to start."""
    return batch.import_state in Batch.IMPORT_PENDING or (
        batch.import_state == State.IMPORTED and batch.start_when_imported and batch.started_at is None)


@dataclass
class StartResult:
    started: int
    skipped: int


def batch_start(*, batch: Batch, user) -> StartResult:
    """Queue every pending job of the batch for ingestion (Stage 1), as ``user``.

    Raises :class:`PermissionRefused` when ``user`` may not start jobs, and
    :class:`TransitionNotAllowed` while the batch's upload is still being validated or imported
    (or was invalid: it has no job).
    """
    permission = MOVES["start"].permission
    if user is None or not user.has_perm(permission):
        raise PermissionRefused(f"{actor_name(user)} lacks the permission {permission!r} needed to start a batch.")
    if batch.import_state != State.IMPORTED:
        raise TransitionNotAllowed(_not_startable(batch))
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


def _not_startable(batch: Batch) -> str:
    if batch.import_state == State.INVALID:
        return f"Batch {batch.pk} is invalid: it imported no job, so there is nothing to start."
    if batch.import_state == State.VALIDATING:
        return (f"Batch {batch.pk} is still being validated ({batch.rows_validated:,} of {batch.row_count:,} rows): "
                "start it once it is imported.")
    return f"Batch {batch.pk} is still being imported: start it once it is imported."


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
    archived = Q(**{f"{prefix}archived": True})
    completed = Q(**{f"{prefix}status": Status.COMPLETED})
    counts = {}
    for cls in STATE_CLASSES:
        statuses = [status for status, c in _CLASS_OF_STATUS.items() if c == cls]
        condition = active & Q(**{f"{prefix}status__in": statuses})
        # An archived job counts as failed (cancelled), unless it had completed (the archive schedule's).
        if cls == FAILED:
            condition |= archived & ~completed
        elif cls == COMPLETED:
            condition |= archived & completed
        # From a batch: its jobs' ids (none for a batch without jobs); on the jobs: the batch
        # column, never null, so that the count reads only job_batch_state's columns.
        counts[f"jobs_{cls}"] = Count(f"{prefix}id" if prefix else "batch", filter=condition)
    return counts


def batch_state_counts(batch_id: int) -> dict[str, int]:
    """The batch's jobs per state class (one aggregate query, of columns of the job_batch_state
    index only, so read from the index alone): ``{"not_started": n, ...}``."""
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
    import_labels = dict(State.choices)
    rows = list(Batch.objects.order_by("-created_at")
                .values("id", "name", "status", "finished_at", "import_state")[:limit])
    for row in rows:
        if row["import_state"] != State.IMPORTED:  # no jobs (yet): its import state says more
            row["status_label"] = import_labels.get(row["import_state"], row["import_state"])
        else:
            row["status_label"] = labels.get(row["status"], row["status"])
    return rows
