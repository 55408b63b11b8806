"""Scale-out: two ``qcluster`` processes (two machines' worth) on one PostgreSQL database and one
ORM-broker queue, a 200-job batch. Every job is claimed and ingested exactly once, both clusters
take part, and no task is handed to both."""

from __future__ import annotations

from collections import Counter

import pytest

from jobs.models import Job, JobAsset, JobLog, Stage, Status

from .cluster import Cluster, cluster_alive, processed_task_names, wait_until
from .test_faults import (  # noqa: F401  (fixtures)
    STAGE1_ASSETS_PER_JOB,
    assert_assets_sound,
    assert_exactly_once,
    broker_queue,
    fault_root,
    import_started_batch,
    queue_empty,
    running,
    variant_inputs,
)

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.pg,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

JOBS = 200


def test_two_clusters_share_a_200_job_batch_and_ingest_each_job_once(fault_root, producer, broker_queue, tmp_path):
    import_started_batch(producer, fault_root, jobs=JOBS, prefix="S")
    logs = [tmp_path / "cluster-a.log", tmp_path / "cluster-b.log"]
    with running(Cluster(workers=1, log=logs[0])) as a, running(Cluster(workers=1, log=logs[1])) as b:
        wait_until(
            lambda: Job.objects.filter(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW).count() == JOBS
            or Job.objects.filter(status=Status.FAILED).exists(),
            timeout=280, interval=0.5, what=f"{JOBS} jobs awaiting review",
        )
        wait_until(queue_empty, timeout=60, what="the broker queue to drain")
        assert cluster_alive(a) and cluster_alive(b)
        by_cluster = [
            Counter(name for name in processed_task_names(c) if name.endswith(f"-stage-{Stage.INGEST}")) for c in (a, b)
        ]

    assert_exactly_once(stage=Stage.INGEST, done_action="ingested",
                        gate=(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), jobs=JOBS)
    # Nothing crashed: exactly one claim per job (and so one attempt).
    pks = set(Job.objects.values_list("pk", flat=True))
    assert Counter(JobLog.objects.filter(action="claim").values_list("job_id", flat=True)) == Counter(
        {pk: 1 for pk in pks}
    )
    assert set(Job.objects.values_list("attempts", flat=True)) == {1}
    assert_assets_sound(stage=Stage.INGEST, per_job=STAGE1_ASSETS_PER_JOB)
    assert JobAsset.objects.filter(stage=Stage.INGEST).count() == JOBS * STAGE1_ASSETS_PER_JOB
    # Both clusters worked; each task went to one of them only, once.
    a_tasks, b_tasks = by_cluster
    assert a_tasks and b_tasks, by_cluster
    assert not set(a_tasks) & set(b_tasks)
    assert max((a_tasks + b_tasks).values()) == 1
    assert set(a_tasks) | set(b_tasks) == {f"job-{pk}-stage-{Stage.INGEST}" for pk in pks}
    print(f"\nstage 1 tasks: cluster A {sum(a_tasks.values())}, cluster B {sum(b_tasks.values())}")
