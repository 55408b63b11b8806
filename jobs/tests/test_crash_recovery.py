"""kill -9 of a cluster mid-batch with the default settings (timeouts, lease, retry, reaping).

Every job the dead cluster held (at work, or taken off the queue and waiting in its memory)
must be at work again within two minutes, on the cluster started in its place, without the
test process reaping anything: the clusters do it themselves (jobs/lease.py, jobs/reaper.py,
jobs/broker.py). None may be lost or worked on twice at once. The defaults are those of
``aeautomation/settings.py``: task timeout 900 s, ``retry`` 1200 s, a 60 s lease renewed every
15 s, tasks stranded in a cluster's memory handed out again after 60 s, reaping every 15 s.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from jobs.models import Job, JobLog, Stage, Status

from .cluster import Cluster, wait_until
from .test_faults import (  # noqa: F401  (fixtures)
    STAGE1_ASSETS_PER_JOB,
    assert_assets_sound,
    assert_exactly_once,
    count_action,
    fault_root,
    import_started_batch,
    job_states,
    variant_inputs,
)

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

JOBS = 40
RECOVERY_LIMIT = timedelta(minutes=2)


@pytest.fixture
def default_queue(monkeypatch, settings):
    """Tasks go to the ORM broker; every timing is the settings' default (the test's own
    settings only send: they never reap)."""
    monkeypatch.setattr(Conf, "SYNC", False)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    defaults = {"Q_TIMEOUT": 900, "AEA_LEASE_SECONDS": 60, "AEA_STRANDED_SECONDS": 60, "AEA_REAP_SECONDS": 15}
    assert settings.Q_CLUSTER["timeout"] == defaults["Q_TIMEOUT"] and settings.Q_CLUSTER["retry"] >= 1200
    for name, value in list(defaults.items())[1:]:
        assert getattr(settings, name) == value, name


def held_by_the_cluster() -> tuple[set[int], set[int]]:
    """Jobs at work (claimed, lease held) and jobs whose task a cluster took off the queue but
    has not started (ORM broker: the row is locked until `retry`)."""
    at_work = set(Job.objects.filter(stage=Stage.INGEST, status=Status.PROCESSING).values_list("pk", flat=True))
    now = timezone.now()
    taken = set()
    for task in OrmQ.objects.filter(lock__gt=now):
        name = task.name() or ""
        if name.startswith("job-") and name.endswith(f"-stage-{Stage.INGEST}"):
            taken.add(int(name.split("-")[1]))
    queued = set(Job.objects.filter(stage=Stage.INGEST, status=Status.QUEUED).values_list("pk", flat=True))
    return at_work, taken & queued


def test_jobs_a_killed_cluster_held_run_again_within_two_minutes(fault_root, producer, default_queue, tmp_path):
    import_started_batch(producer, fault_root, jobs=JOBS, prefix="C")
    env = {"LOG_LEVEL": "INFO"}
    first = Cluster(workers=2, env=env, log=tmp_path / "first.log").start()
    try:
        wait_until(lambda: count_action("ingested") >= 4 and held_by_the_cluster()[0], timeout=120,
                   interval=0.05, what="four jobs ingested and one at work")
    finally:
        first.kill()
    killed_at = timezone.now()
    at_work, taken = held_by_the_cluster()  # frozen: nothing runs now
    assert at_work, "the kill caught no job at work"
    assert taken, "the dead cluster held no task in its memory: the test proves nothing about those"
    held = at_work | taken

    second = Cluster(workers=2, env=env, log=tmp_path / "second.log").start()
    try:
        def claimed_again() -> dict[int, float]:
            claims = JobLog.objects.filter(job_id__in=held, action="claim", created_at__gt=killed_at)
            return {pk: (at - killed_at).total_seconds() for pk, at in claims.values_list("job_id", "created_at")}

        started = time.monotonic()
        wait_until(lambda: set(claimed_again()) == held, timeout=RECOVERY_LIMIT.total_seconds() + 30, interval=0.5,
                   what=f"the {len(held)} jobs the dead cluster held at work again; now {job_states()}")
        waited = time.monotonic() - started
        wait_until(lambda: count_action("ingested") == JOBS, timeout=240, interval=0.5,
                   what=f"{JOBS} jobs ingested; now {job_states()}")
    finally:
        second.stop()

    recovery = claimed_again()
    print(f"held {len(at_work)} at work + {len(taken)} taken; at work again after "
          f"{min(recovery.values()):.1f}-{max(recovery.values()):.1f} s (waited {waited:.1f} s)")
    assert max(recovery.values()) <= RECOVERY_LIMIT.total_seconds(), recovery
    # None lost, none worked on twice at once (claims and ways out alternate), nothing doubled.
    assert_exactly_once(stage=Stage.INGEST, done_action="ingested",
                        gate=(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), jobs=JOBS)
    assert_assets_sound(stage=Stage.INGEST, per_job=STAGE1_ASSETS_PER_JOB)
    for pk in at_work:
        assert JobLog.objects.filter(job_id=pk, action="requeue", created_at__gt=killed_at).exists(), pk
