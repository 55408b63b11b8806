"""Jobs through a real qcluster (ORM broker) to Stage 3, awaiting approval, with the motion
preview, the design video, the side-by-side video, the thumbnail and the metrics on disk before
anyone opens them (issue 17's acceptance)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django_q.conf import Conf

from jobs.models import Job, JobAsset, Stage, Status
from jobs.services import job_approve_matching
from jobs.transitions import TransitionError

from .cluster import Cluster, cluster_log, wait_until
from .demo_jobs import ROWS

# serialized_rollback: restores what the migrations wrote (groups, schedules) for later tests.
pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MOTION_KINDS = ("motion_preview", "design_video", "side_by_side", "motion_thumbnail", "motion_metrics")


@pytest.fixture
def broker_queue(monkeypatch):
    """Send tasks to the broker (the cluster) instead of running them inline."""
    monkeypatch.setattr(Conf, "SYNC", False)


def approve_waiting(reviewer) -> None:
    for job in Job.objects.filter(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW):
        try:
            job_approve_matching(job=job, user=reviewer, approve_anyway=True)
        except TransitionError:
            pass  # approved meanwhile


def test_jobs_reach_stage_3_with_the_motion_preview_and_its_videos_on_disk(
    input_root, producer, reviewer, broker_queue, tmp_path
):
    from batches.services import batch_import, batch_start
    from jobs.demo import batch_csv

    result = batch_import(data=batch_csv(ROWS[:2], folder="demo").encode(), filename="motion.csv", user=producer)
    assert result.ok, result.report.errors
    batch_start(batch=result.batch, user=producer)

    def at_stage_3() -> bool:
        approve_waiting(reviewer)  # as a reviewer would, as soon as a job waits
        return Job.objects.filter(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL).count() == 2

    cluster = Cluster(workers=1, log=tmp_path / "qcluster.log")
    with cluster:
        wait_until(at_stage_3, timeout=180, interval=0.5, what="2 jobs awaiting approval at Stage 3")
    assert not Job.objects.exclude(stage=Stage.APPROVE_PREVIEW).exists(), cluster_log(cluster)[-2000:]

    for job in Job.objects.all():
        assets = {a.kind: a for a in JobAsset.objects.filter(job=job, stage=Stage.APPROVE_PREVIEW)}
        assert {"preview", "comparison", *MOTION_KINDS} <= set(assets), (job.job_id, sorted(assets))
        for kind in MOTION_KINDS:
            path = Path(assets[kind].file.path)
            assert path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == assets[kind].sha256, kind
        for kind in ("motion_preview", "design_video", "side_by_side"):
            assert Path(assets[kind].file.path).read_bytes()[4:8] == b"ftyp"
            assert assets[kind].metadata["frames"] == 100 and assets[kind].metadata["content_type"] == "video/mp4"
        metrics = json.loads(Path(assets["motion_metrics"].file.path).read_text(encoding="utf-8"))
        assert metrics["frames"] == 100 and metrics["render_time_s"] > 0
        assert job.preview["motion"]["frames"] == 100
