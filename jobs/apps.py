import sys

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Jobs"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import receivers  # noqa: F401  (connects the stage_changed receivers)
        from .search_index import after_migrate

        # A table remade by a later migration on SQLite loses the search index's triggers.
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="jobs.search_index")

        if "qcluster" in sys.argv[1:2]:
            # The cluster forks its workers from this process: import the stage code (psd-tools,
            # NumPy, SciPy, Pillow: about a second) once here, not in every new worker's first
            # task (workers are recycled every Q_CLUSTER["recycle"] tasks).
            from .runner import stage_work

            stage_work()
