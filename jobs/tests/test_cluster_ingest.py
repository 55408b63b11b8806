"""A 100-job batch from upload to Stage 2 under a real qcluster (ORM broker)."""

import hashlib
from collections import Counter
from pathlib import Path

import pytest
from django_q.conf import Conf

from batches.services import batch_import, batch_start
from jobs.demo import batch_csv
from jobs.models import Job, JobAsset, JobLog, Stage, Status

from .cluster import Cluster, wait_until

# serialized_rollback: restores the groups for the tests after it, and flushes without
# re-creating content types (which would break the next serialized test's restore).
pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def broker_queue(monkeypatch):
    """Send tasks to the broker (the cluster) instead of running them inline."""
    monkeypatch.setattr(Conf, "SYNC", False)


def test_hundred_job_batch_reaches_review_under_a_real_cluster(input_root, producer, broker_queue, tmp_path):
    rows = [(f"C-{i:03d}", ("gameday-avery.psd", "gameday-chen.psd")[i % 2], "Client", "Proj", "medium")
            for i in range(100)]
    result = batch_import(data=batch_csv(rows, folder="demo").encode(), filename="hundred.csv", user=producer)
    assert result.ok
    batch_start(batch=result.batch, user=producer)
    assert Job.objects.filter(stage=Stage.INGEST, status=Status.QUEUED).count() == 100

    with Cluster(workers=2, log=tmp_path / "qcluster.log"):
        wait_until(
            lambda: Job.objects.filter(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW).count() == 100,
            timeout=300,
            what="100 jobs awaiting review",
        )

    assert not Job.objects.exclude(stage=Stage.REVIEW_MATCHING).exists()  # none stuck or failed
    # Each job was ingested exactly once.
    assert Counter(JobLog.objects.filter(action="ingested").values_list("job_id", flat=True)) == Counter(
        {pk: 1 for pk in Job.objects.values_list("pk", flat=True)}
    )
    assets = JobAsset.objects.filter(stage=Stage.INGEST)
    assert assets.count() == 100 * 14  # 6 layers + 6 thumbnails + flattened + its thumbnail
    for name, sha in set(assets.values_list("file", "sha256")):
        path = Path(JobAsset(file=name).file.path)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
