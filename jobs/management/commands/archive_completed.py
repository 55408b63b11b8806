"""``python manage.py archive_completed [--older-than-days N] [--dry-run]``

Archives now what the daily schedule archives (jobs/archive_schedule.py): the jobs completed
and unchanged for N days (default ``AEA_ARCHIVE_COMPLETED_AFTER_DAYS``), audited as the system.
``--dry-run`` counts them and changes nothing. Prints how many were (or would be) archived.
Exit status 0; 2 for a usage error (a number of days below 1, or none given while the setting
is 0).
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs.archive_schedule import archive_completed_jobs_run, count_archivable


class Command(BaseCommand):
    help = "Archive the completed jobs unchanged for N days (as the daily schedule does), or count them."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=None, metavar="N",
                            help="completed and unchanged for more than N days (default: "
                                 "AEA_ARCHIVE_COMPLETED_AFTER_DAYS)")
        parser.add_argument("--dry-run", action="store_true", help="count them, archive nothing")

    def handle(self, *args, **options):
        days = options["older_than_days"]
        if days is None:
            days = settings.AEA_ARCHIVE_COMPLETED_AFTER_DAYS
            if not days:
                raise CommandError("AEA_ARCHIVE_COMPLETED_AFTER_DAYS is 0 (the schedule archives nothing): "
                                   "give --older-than-days N.", returncode=2)
        if days < 1:
            raise CommandError(f"--older-than-days must be at least 1, not {days}.", returncode=2)
        age = timedelta(days=days)
        if options["dry_run"]:
            n = count_archivable(older_than=age)
            self.stdout.write(f"Would archive {n} completed job(s) unchanged for more than {days} day(s).")
            return
        run = archive_completed_jobs_run(older_than=age)
        skipped = f"; {run.skipped} skipped (changed meanwhile)" if run.skipped else ""
        self.stdout.write(self.style.SUCCESS(
            f"Archived {run.archived} completed job(s) unchanged for more than {days} day(s){skipped}."))
