"""Stage 0: import a batch CSV, all or nothing; start a batch's processing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
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
        Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.PROCESSING, started_at=timezone.now())
    return StartResult(started=started, skipped=skipped)
