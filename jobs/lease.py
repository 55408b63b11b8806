"""A claimed job's lease, kept alive while its work runs.

A claim gives the job a short lease (``AEA_LEASE_SECONDS``, 60 s by default). While the work
runs, a heartbeat thread in the worker renews it every quarter of that, with a conditional
UPDATE naming the claim (the job still processing at this stage, with this claim's attempt
number). A worker that dies (kill -9, out of memory, its machine gone) stops renewing, so the
reaper sees its jobs within a minute or so, not after the task timeout.

A worker that cannot keep its lease stops working: when a renewal finds the job taken back
(the reaper re-queued it) or cannot reach the database until the lease has run out, another
worker may already be on the job, so the process exits at once rather than run the same work
twice at the same time. django-q2's sentinel starts a fresh worker in its place; the task's
late or repeated delivery finds nothing to claim.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from .models import Job, Status

log = logging.getLogger(__name__)


def renew_lease(*, job_pk: int, stage: int, attempts: int) -> bool:
    """Extend the lease of this claim (the job at work at ``stage`` with ``attempts``). False when
    the claim is no longer the job's: it was re-queued, failed or completed."""
    until = timezone.now() + timedelta(seconds=settings.AEA_LEASE_SECONDS)
    return bool(
        Job.objects.filter(pk=job_pk, stage=stage, status=Status.PROCESSING, attempts=attempts).update(
            lease_expires_at=until
        )
    )


def _stop_worker(job_pk: int, why: str) -> None:
    log.error("job %s: %s; this worker stops so that no two workers do the same job at once", job_pk, why)
    logging.shutdown()
    os._exit(70)  # EX_SOFTWARE; the sentinel starts a new worker


@contextmanager
def kept_lease(job: Job, *, on_lost: Callable[[int, str], None] = _stop_worker) -> Iterator[None]:
    """Renew ``job``'s lease in a background thread for as long as the block runs.

    Inline runs (``Q_CLUSTER["sync"]``: tests, ``make run`` without a cluster) have no worker to
    lose and run in the caller's transaction, so they keep no heartbeat.
    """
    if settings.Q_CLUSTER.get("sync"):
        yield
        return
    stop = threading.Event()
    lease = float(settings.AEA_LEASE_SECONDS)
    interval = max(lease / 4, 0.5)

    def beat() -> None:
        expires = time.monotonic() + lease
        try:
            while not stop.wait(interval):
                try:
                    kept = renew_lease(job_pk=job.pk, stage=job.stage, attempts=job.attempts)
                except DatabaseError as exc:
                    log.warning("job %s: lease not renewed (%s)", job.pk, exc)
                    connection.close()  # a fresh connection for the next try
                    if time.monotonic() >= expires and not stop.is_set():
                        on_lost(job.pk, "the database stayed unreachable until the lease ran out")
                        return
                    continue
                if not kept:
                    if not stop.is_set():  # (not merely the work's own completion, just now)
                        on_lost(job.pk, "the job was taken back from this worker")
                    return
                expires = time.monotonic() + lease
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"lease-{job.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)
