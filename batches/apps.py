from django.apps import AppConfig


class BatchesConfig(AppConfig):
    name = "batches"
    verbose_name = "Batches"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the stage_changed receiver)
