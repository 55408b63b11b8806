"""``python manage.py make_demo_fixtures [--out DIR]``: (re)write the demo PSDs, template and CSVs."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from jobs.demo import write_demo_fixtures


class Command(BaseCommand):
    help = "Write the project's demo inputs (PSDs, .aepx template, sample CSVs) with its own writers."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "fixtures"))

    def handle(self, *args, out, **options):
        for path in write_demo_fixtures(Path(out)):
            self.stdout.write(f"wrote {path}")
