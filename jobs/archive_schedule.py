"""The archive schedule: completed jobs nobody has touched for a while leave the dashboard.

Every day django-q2 runs :func:`jobs.tasks.archive_completed` (the schedule "aeautomation:
archive completed jobs", created by migration 0010), which archives the jobs completed and left
alone for ``AEA_ARCHIVE_COMPLETED_AFTER_DAYS`` days (0: never); ``manage.py archive_completed``
does the same by hand, or counts them (``--dry-run``). An archived job keeps its stage, status
and files; the dashboard and the API find it again on request (``archived=include|only``), and
*Restore* (unarchive, :func:`jobs.archive.job_unarchive`) brings it back.

Which jobs: active jobs at Stage 4 *completed* (deployed) whose row has not changed for the age.
``updated_at`` is never earlier than the deploy (``stage4_completed_at``: the same move writes
both) and every later change moves it on, a restore too: a job a person brought back stays on
the dashboard for another full age before the schedule takes it again.

How: chunks of ``batch_size`` jobs read in (``updated_at``, ``id``) order from the partial index
``job_archivable`` (keyset: constant memory, each chunk one index range however many jobs
there are), each archived by one :func:`jobs.transitions.jobs_bulk_transition` of the system
move ``auto_archive``. That locks the chunk's rows and looks at each again, so a job archived,
restored or otherwise changed since it was read (a user, another run) is skipped, then writes
one UPDATE and one INSERT of audit rows (no user, actor "system", naming the age) in the same
transaction, and refreshes batches and sends webhooks as any move does. A second run finds
nothing to do; two runs at once archive each job once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Job, Stage, Status
from .transitions import MAX_BULK_JOBS, Prepared, TransitionNotAllowed, jobs_bulk_transition

ACTION = "auto_archive"
# Jobs per chunk, one transaction each: short enough that SQLite's single writer (an approval)
# waits a fraction of a second at most.
BATCH_SIZE = 200


@dataclass(frozen=True)
class ArchiveRun:
    """What a run archived, and how many jobs it left because they changed meanwhile."""

    archived: int
    skipped: int
    cutoff: datetime


def archivable_jobs(cutoff: datetime) -> QuerySet[Job]:
    """Active completed jobs unchanged since before ``cutoff`` (the index ``job_archivable``)."""
    return Job.objects.filter(archived=False, stage=Stage.DEPLOY, status=Status.COMPLETED, updated_at__lt=cutoff)


def archivable_chunk(cutoff: datetime, after: tuple[datetime, int] | None, size: int) -> QuerySet:
    """The next ``size`` archivable jobs' (``updated_at``, ``id``) after ``after`` (keyset order:
    one range of the index ``job_archivable``)."""
    qs = archivable_jobs(cutoff)
    if after is not None:
        moment, pk = after
        qs = qs.filter(Q(updated_at__gte=moment), Q(updated_at__gt=moment) | Q(pk__gt=pk))
    return qs.order_by("updated_at", "pk").values_list("updated_at", "pk")[:size]


def _cutoff(older_than: timedelta, now: datetime | None) -> datetime:
    if older_than <= timedelta(0):
        raise ValueError(f"The age must be positive, not {older_than}.")
    return (now or timezone.now()) - older_than


def count_archivable(*, older_than: timedelta, now: datetime | None = None) -> int:
    """How many jobs :func:`archive_completed_jobs` would archive now (one count query)."""
    return archivable_jobs(_cutoff(older_than, now)).count()


def _age_words(older_than: timedelta) -> str:
    if older_than % timedelta(days=1) == timedelta(0):
        days = older_than.days
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{older_than.total_seconds():g} seconds"


def archive_completed_jobs_run(*, older_than: timedelta, now: datetime | None = None,
                               batch_size: int = BATCH_SIZE) -> ArchiveRun:
    """Archive the jobs completed and unchanged for ``older_than`` (see the module); what it did."""
    if not 1 <= batch_size <= MAX_BULK_JOBS:
        raise ValueError(f"batch_size must be 1 to {MAX_BULK_JOBS}, not {batch_size}.")
    cutoff = _cutoff(older_than, now)
    age = _age_words(older_than)

    def prepare(job: Job) -> Prepared:  # the job as it is now, its row locked
        if job.updated_at >= cutoff:
            raise TransitionNotAllowed(f"changed since {cutoff:%Y-%m-%d %H:%M} (it is not left alone)",
                                       job_id=job.job_id)
        deployed = job.stage4_completed_at
        return Prepared(
            fields={},
            details={"older_than_seconds": int(older_than.total_seconds()),
                     "unchanged_since": job.updated_at.isoformat(),
                     "deployed_at": deployed.isoformat() if deployed else None},
            message=f"Archived by the schedule: completed and unchanged for over {age}",
        )

    archived = skipped = 0
    after: tuple[datetime, int] | None = None
    while True:
        rows = list(archivable_chunk(cutoff, after, batch_size))
        if not rows:
            break
        after = rows[-1]
        result = jobs_bulk_transition(jobs=[pk for _, pk in rows], action=ACTION, user=None, prepare=prepare,
                                      fields={"archived": True})
        archived += len(result.done)
        skipped += len(result.refused)
        if len(rows) < batch_size:
            break
    return ArchiveRun(archived=archived, skipped=skipped, cutoff=cutoff)


def archive_completed_jobs(*, older_than: timedelta, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Archive the jobs completed and unchanged for ``older_than``; how many were archived."""
    return archive_completed_jobs_run(older_than=older_than, now=now, batch_size=batch_size).archived
