"""Jobs per (stage, status, archived) kept by the database (jobs/counts.py): the table (not
managed by Django), its triggers on jobs_job for SQLite and PostgreSQL, its first rows (a GROUP
BY of the jobs there are), and a django-q2 schedule compacting PostgreSQL's deltas every minute."""

from django.db import migrations, models

SCHEDULE = "aeautomation: compact job state counts"


def create_counts(apps, schema_editor):
    from jobs import counts

    schema_editor.create_model(apps.get_model("jobs", "JobStateCount"))
    counts.install(schema_editor.connection)


def drop_counts(apps, schema_editor):
    from jobs import counts

    counts.uninstall(schema_editor.connection)
    schema_editor.delete_model(apps.get_model("jobs", "JobStateCount"))


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE, defaults={"func": "jobs.tasks.compact_state_counts", "schedule_type": "I", "minutes": 1,
                                 "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0011_job_search_index"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobStateCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("stage", models.PositiveSmallIntegerField(choices=[(0, "0 · Validate"), (1, "1 · Ingest"),
                                                                    (2, "2 · Review matching"),
                                                                    (3, "3 · Approve preview"),
                                                                    (4, "4 · Validate and deploy")])),
                ("status", models.CharField(choices=[
                    ("pending", "Pending"), ("queued", "Queued"), ("processing", "Processing"),
                    ("awaiting_review", "Awaiting review"), ("awaiting_approval", "Awaiting approval"),
                    ("needs_attention", "Needs attention"), ("completed", "Completed"), ("failed", "Failed")],
                    max_length=20)),
                ("archived", models.BooleanField()),
                ("n", models.BigIntegerField(help_text="Jobs in or out (PostgreSQL: one row per statement and "
                                                       "state).")),
            ],
            options={"db_table": "jobs_jobstatecount", "managed": False},
        ),
        migrations.RunPython(create_counts, drop_counts),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
