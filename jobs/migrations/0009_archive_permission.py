"""The ``jobs.archive_job`` permission (archiving and unarchiving are audited moves now, issue 16
item 3), given to the Producers, who upload the batches and so own their jobs' lifetime."""

from django.db import migrations

GROUPS = ("Producers",)


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; the group needs this one now.
    app_config = apps.get_app_config("jobs")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="jobs", codename="archive_job")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="jobs", codename="archive_job").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0008_job_version"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="job",
            options={
                "ordering": ["priority_rank", "created_at", "id"],
                "permissions": [
                    ("start_job", "Can start and retry jobs"),
                    ("approve_matching", "Can review and approve matching (stage 2)"),
                    ("approve_preview", "Can approve previews (stage 3)"),
                    ("sign_off_deploy", "Can sign off deploy warnings (stage 4)"),
                    ("archive_job", "Can archive and unarchive jobs"),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
