"""Keep a batch's derived status current as its jobs move (see :func:`batch_refresh_status`)."""

from django.dispatch import receiver

from jobs.models import Job
from jobs.signals import jobs_moved, stage_changed

from .services import batch_refresh_status, state_class


@receiver(stage_changed, sender=Job, dispatch_uid="batches.refresh_status")
def refresh_batch_status(sender, *, job, from_state, to_state, **kwargs):
    """Inside the move's transaction; only when the job's state class changed (a claim, a
    saved matching or a lease re-queue costs nothing here)."""
    archiving = kwargs.get("action") in ("archive", "unarchive")  # an archived job counts as failed
    if archiving or state_class(from_state[1]) != state_class(to_state[1]):
        batch_refresh_status(job.batch_id)


@receiver(jobs_moved, sender=Job, dispatch_uid="batches.refresh_status_many")
def refresh_batches_status(sender, *, jobs, from_state, to_state, **kwargs):
    """The bulk twin: each batch of the moved jobs once."""
    if state_class(from_state[1]) != state_class(to_state[1]):
        for batch_id in sorted({job.batch_id for job in jobs}):
            batch_refresh_status(batch_id)
