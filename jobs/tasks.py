"""django-q2 tasks: plain importable functions taking ids, each calling one service."""

from datetime import timedelta

from django.conf import settings

from .archive_schedule import archive_completed_jobs
from .reaper import reap_expired_leases
from .runner import run_stage_work


def run_stage(job_pk: int, stage: int) -> str:
    return run_stage_work(job_pk=job_pk, stage=stage)


def reap() -> dict:
    return reap_expired_leases()


def compact_state_counts() -> int:
    """Collapse the job state counts' deltas (every minute, from the schedule in migration 0012)."""
    from .counts import compact

    return compact()


def refresh_deploy_states() -> int:
    from .stages.deploy import refresh_nexrender_states

    return refresh_nexrender_states()


def archive_completed() -> int:
    """Archive the jobs completed and unchanged for AEA_ARCHIVE_COMPLETED_AFTER_DAYS days (0: none);
    how many (daily, from the schedule in migration 0010)."""
    days = settings.AEA_ARCHIVE_COMPLETED_AFTER_DAYS
    return archive_completed_jobs(older_than=timedelta(days=days)) if days else 0


def send_webhook(log_id: int, attempt: int = 1) -> str:
    """Attempt ``attempt`` at the webhook of audit row ``log_id`` (safe to run twice)."""
    from .webhooks import deliver

    return deliver(log_id, attempt)
