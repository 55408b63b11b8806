"""``python manage.py setup_demo``: a demo superuser and a demo batch, for `make run`.

Idempotent: the user's password is reset and printed each time; the demo batch is imported
and started only when its jobs do not exist yet.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from batches.services import batch_import, batch_start
from jobs.demo import DEMO_FILES, write_demo_fixtures
from jobs.formats.files import resolve_inside
from jobs.models import Job

DEMO_USER = "demo"


class Command(BaseCommand):
    help = "Create the demo superuser (credentials printed) and load the demo batch from fixtures/."

    def handle(self, *args, **options):
        fixtures = Path(settings.BASE_DIR) / "fixtures"
        csv_path = fixtures / "demo_batch.csv"
        if not all((fixtures / "demo" / name).exists() for name in DEMO_FILES):
            self.stdout.write("Writing the demo PSDs and template into fixtures/demo/ …")
            write_demo_fixtures(fixtures)

        user_model = get_user_model()
        password = secrets.token_urlsafe(9)
        with transaction.atomic():
            user, created = user_model.objects.get_or_create(
                username=DEMO_USER, defaults={"email": "demo@example.com", "is_staff": True, "is_superuser": True}
            )
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()

        data = csv_path.read_bytes()
        if Job.objects.filter(job_id__startswith="DEMO-", archived=False).exists():
            self.stdout.write("Demo batch already loaded.")
        elif resolve_inside(fixtures, settings.INPUT_ROOTS) is None:
            self.stdout.write(self.style.WARNING(f"{fixtures} is not in INPUT_ROOTS; demo batch not loaded."))
        else:
            result = batch_import(data=data, filename=csv_path.name, user=user)
            if not result.ok:
                errors = "; ".join(f"line {e.line} {e.column}: {e.message}" for e in result.report.errors[:5])
                raise CommandError(f"The demo batch did not validate: {errors}")
            started = batch_start(batch=result.batch, user=user)
            self.stdout.write(f"Loaded demo batch {result.batch.pk}: {started.started} job(s) queued for ingestion.")

        self.stdout.write(self.style.SUCCESS(
            f"\nDemo superuser: username {DEMO_USER!r}, password {password!r}\n"
            f"(a new password is set each time `make run` starts)"
        ))
