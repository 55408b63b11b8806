"""The gate queue's neighbours (review/gate_queue.py): next and previous walk the queue in its
order (priority, age, id: ties included), one query each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import Job, Stage, Status
from review.gate_queue import gate_queue, next_at_gate, previous_at_gate

pytestmark = pytest.mark.django_db


def test_next_and_previous_walk_the_queue_in_order(make_job, django_assert_num_queries):
    at = timezone.now() - timedelta(hours=1)
    for i in range(14):
        job = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW,
                       priority=("high", "medium", "low")[i % 3])
        # Three creation times only: runs of equal (priority, created_at), ordered by id.
        Job.objects.filter(pk=job.pk).update(created_at=at + timedelta(minutes=i % 3 * (i % 2)))
    make_job(stage=Stage.REVIEW_MATCHING, status=Status.NEEDS_ATTENTION)  # not waiting at the gate
    order = list(gate_queue(Stage.REVIEW_MATCHING).values_list("pk", flat=True))
    jobs = {job.pk: job for job in Job.objects.filter(pk__in=order)}
    for here, after in zip(order, order[1:]):
        with django_assert_num_queries(1):
            assert next_at_gate(jobs[here], Stage.REVIEW_MATCHING) == after
        with django_assert_num_queries(1):
            assert previous_at_gate(jobs[after], Stage.REVIEW_MATCHING) == here
    assert next_at_gate(jobs[order[-1]], Stage.REVIEW_MATCHING) == order[0]  # back to the head
    assert previous_at_gate(jobs[order[0]], Stage.REVIEW_MATCHING) is None
    alone = {order[0]}
    Job.objects.exclude(pk__in=alone).update(status=Status.NEEDS_ATTENTION)
    assert next_at_gate(jobs[order[0]], Stage.REVIEW_MATCHING) is None
