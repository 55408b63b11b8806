"""Job.version: every move of jobs.transitions checks and bumps it (issue 15, lost updates)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0007_learned_evidence"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="version",
            field=models.PositiveIntegerField(
                default=0, editable=False,
                help_text="Moves applied so far; each move checks it (no lost updates).",
            ),
        ),
    ]
