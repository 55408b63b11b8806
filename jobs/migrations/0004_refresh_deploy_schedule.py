"""A django-q2 schedule that copies nexrender's render state into deployed jobs."""

from django.db import migrations

NAME = "aeautomation: refresh nexrender states"


def create(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME, defaults={"func": "jobs.tasks.refresh_deploy_states", "schedule_type": "I", "minutes": 1, "repeats": -1}
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("jobs", "0003_learned_mapping")]
    operations = [migrations.RunPython(create, remove)]
