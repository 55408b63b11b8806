from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review"

    def ready(self):
        from . import notifications  # noqa: F401  (connects the stage_changed receiver of the email digests)
