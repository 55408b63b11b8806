"""The reviewer groups with their permissions, and the reaper's django-q2 schedule."""

from django.db import migrations

GROUPS = {
    "Producers": [("jobs", "start_job"), ("batches", "upload_batch")],
    "Matching reviewers": [("jobs", "approve_matching")],
    "Preview approvers": [("jobs", "approve_preview")],
    "Deployers": [("jobs", "sign_off_deploy"), ("jobs", "start_job")],
}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    # Permissions are normally created after all migrations; these groups need them now.
    for app_label in ("jobs", "batches"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_contenttypes(app_config, verbosity=0, apps=apps)
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in perms:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        for app_label, model in (("jobs", "job"), ("jobs", "jobwarning"), ("jobs", "jobasset"), ("batches", "batch")):
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=f"view_{model}"))
        group.permissions.add(Permission.objects.get(content_type__app_label="jobs", codename="view_joblog"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


def create_reaper(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="aeautomation: reap expired job leases",
        defaults={"func": "jobs.tasks.reap", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove_reaper(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="aeautomation: reap expired job leases").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("batches", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(create_groups, remove_groups),
        migrations.RunPython(create_reaper, remove_reaper),
    ]
