from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Jobs"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the stage_changed receivers)
