import sys

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_state_counts(sender, using="default", **kwargs):
    """Put the job state counts' triggers back where a migration dropped them (SQLite drops a
    table's triggers when it rebuilds the table), recounting then (jobs/counts.py)."""
    from django.db import connections

    from .counts import ensure_installed

    ensure_installed(connections[using])


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Jobs"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the stage_changed receivers)
        from .search_index import after_migrate

        # A table remade by a later migration on SQLite loses its triggers: the search index's
        # and the state counts'. Both are put back (and refilled) after every migrate.
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="jobs.search_index")
        post_migrate.connect(ensure_state_counts, sender=self, dispatch_uid="jobs.ensure_state_counts")

        if "qcluster" in sys.argv[1:2]:
            # The cluster forks its workers from this process: import the stage code (psd-tools,
            # NumPy, SciPy, Pillow: about a second) once here, not in every new worker's first
            # task (workers are recycled every Q_CLUSTER["recycle"] tasks).
            from .runner import stage_work

            stage_work()
