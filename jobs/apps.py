import sys

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Jobs"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the stage_changed receivers)

        if "qcluster" in sys.argv[1:2]:
            # The cluster forks its workers from this process: import the stage code (psd-tools,
            # NumPy, SciPy, Pillow: about a second) once here, not in every new worker's first
            # task (workers are recycled every Q_CLUSTER["recycle"] tasks).
            from .runner import stage_work

            stage_work()
