"""``python manage.py import_batch CSV --user USERNAME [--dry-run] [--start]``

Exit status: 0 imported (or valid, with --dry-run); 1 the CSV is invalid (nothing written);
2 a usage error (unknown user, unreadable file).

Runs inline (no worker needed) what an upload runs in the background: the rows checked, then
the jobs written in one transaction; a progress bar on a terminal follows both.
"""

import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from batches.services import batch_import, batch_start
from jobs.transitions import PermissionRefused


class ProgressBar:
    """A one-line progress bar on a terminal (validation, then the import); silent when the
    output is not one, or for a small file."""

    def __init__(self, stream, width: int = 30):
        self.stream = stream
        self.width = width
        self.enabled = hasattr(stream, "isatty") and stream.isatty()
        self.shown = False
        self.started = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 1000:
            return
        filled = int(self.width * done / total) if total else 0
        self.stream.write(f"\rValidating [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} rows")
        self.stream.flush()
        self.shown = True

    def importing(self, jobs: int) -> None:
        """Called once the rows are valid, before the jobs are written (one transaction)."""
        if not self.shown:
            return
        self.stream.write(f"\nImporting {jobs} job(s)…")
        self.stream.flush()
        self.started = time.monotonic()

    def close(self) -> None:
        if self.started:
            self.stream.write(f" done in {time.monotonic() - self.started:.1f} s")
        if self.shown:
            self.stream.write("\n")


def format_issue_table(issues) -> str:
    rows = [("Line", "Column", "Problem")] + [
        (str(i.line) if i.line is not None else "-", i.column or "-", i.message) for i in issues
    ]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = [f"{a:>{w0}}  {b:<{w1}}  {c}" for a, b, c in rows]
    lines.insert(1, f"{'-' * w0}  {'-' * w1}  {'-' * 7}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Validate a batch CSV and import its jobs (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("csv", help="The batch CSV (see interchange.md).")
        parser.add_argument("--user", required=True, help="Username the import is recorded under.")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        parser.add_argument("--start", action="store_true", help="Queue the jobs for ingestion at once.")

    def handle(self, *args, csv, user, dry_run, start, **options):
        user_model = get_user_model()
        try:
            account = user_model.objects.get(**{user_model.USERNAME_FIELD: user})
        except user_model.DoesNotExist:
            raise CommandError(f"Unknown user {user!r}.", returncode=2) from None
        try:
            with open(csv, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {csv}: {exc.strerror or exc}.", returncode=2) from None

        bar = ProgressBar(self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr)
        result = batch_import(data=data, filename=csv, user=account, dry_run=dry_run, progress=bar,
                              on_importing=bar.importing)
        bar.close()
        report = result.report

        if report.warnings:
            self.stdout.write(self.style.WARNING(f"{len(report.warnings)} warning(s):"))
            self.stdout.write(format_issue_table(report.warnings))
        if not report.ok:
            self.stderr.write(self.style.ERROR(f"{csv}: {len(report.errors)} error(s); nothing was imported."))
            self.stderr.write(format_issue_table(report.errors))
            raise CommandError("The CSV is invalid.", returncode=1)
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"{csv}: valid, {len(report.rows)} job(s). Dry run: nothing written."))
            return
        self.stdout.write(
            self.style.SUCCESS(f"Imported batch {result.batch.pk}: {len(result.job_ids)} job(s) from {csv}.")
        )
        if start:
            try:
                started = batch_start(batch=result.batch, user=account)
            except PermissionRefused as exc:
                raise CommandError(str(exc), returncode=2) from None
            self.stdout.write(f"Queued {started.started} job(s) for ingestion.")
