"""The archive schedule (jobs/archive_schedule.py): its index of archivable jobs, and a daily
django-q2 schedule of ``jobs.tasks.archive_completed`` at 03:00 (which reads
AEA_ARCHIVE_COMPLETED_AFTER_DAYS when it runs: 0 archives nothing). A cluster that was not
running at 03:00 runs it once when it starts."""

from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone

NAME = "aeautomation: archive completed jobs"
HOUR = 3  # at night (TIME_ZONE), when few people approve: each chunk is a short write transaction


def create_schedule(apps, schema_editor):
    now = timezone.localtime()
    first = now.replace(hour=HOUR, minute=0, second=0, microsecond=0)
    if first <= now:
        first += timedelta(days=1)
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME, defaults={"func": "jobs.tasks.archive_completed", "schedule_type": "D", "repeats": -1,
                             "next_run": first}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0009_archive_permission"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="job",
            index=models.Index(condition=models.Q(("archived", False), ("stage", 4), ("status", "completed")),
                               fields=["stage", "status", "updated_at", "id"], name="job_archivable"),
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
