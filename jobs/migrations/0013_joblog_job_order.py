"""The audit log's index for a job's entries newest first in pages (jobs.selectors.job_log_page):
(job, created_at, id), the keyset's whole order, instead of (job, created_at), whose ties on
created_at a page's ORDER BY … id had to sort."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0012_job_state_counts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="joblog",
            index=models.Index(fields=["job", "created_at", "id"], name="joblog_job_order"),
        ),
        migrations.RemoveIndex(
            model_name="joblog",
            name="jobs_joblog_job_id_c8c1ff_idx",
        ),
    ]
