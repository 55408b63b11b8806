"""Two archived jobs sharing a job id, unarchived at the same moment on PostgreSQL: exactly one
comes back; the other is refused with a sentence naming it, never a database error (the unique
constraint on active job ids catches what the check inside each move could not see)."""

from __future__ import annotations

import pytest

from batches.models import Batch
from jobs.archive import job_unarchive
from jobs.models import Job, JobLog
from jobs.transitions import TransitionNotAllowed

from .test_races import run_threads

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_concurrent_unarchives_of_one_job_id_let_exactly_one_back(django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    batch = Batch.objects.create(name="t.csv", sha256="0" * 64)
    jobs = [Job.objects.create(batch=batch, line=i + 2, job_id="SAME-1", psd_path="/in/a.psd", aepx_path="/in/a.aepx",
                               output_name=f"o{i}.aep", stage=2, status="needs_attention", archived=True)
            for i in range(6)]
    results = run_threads(len(jobs), lambda i: job_unarchive(job=jobs[i], user=boss))
    won = [r for r in results if isinstance(r, Job)]
    refused = [r for r in results if isinstance(r, TransitionNotAllowed)]
    assert len(won) == 1 and len(refused) == len(jobs) - 1, results
    assert all("SAME-1" in r.message and "another active job" in r.message for r in refused), refused
    assert Job.objects.filter(job_id="SAME-1", archived=False).count() == 1
    assert JobLog.objects.filter(action="unarchive").count() == 1
