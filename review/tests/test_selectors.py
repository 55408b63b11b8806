"""Small pieces of the read side: filters from query parameters, work states, durations."""

from __future__ import annotations

import pytest

from jobs.models import Job, Stage, Status
from review.selectors import JobFilters, stage_work_state, waits_for_a_person
from review.templatetags.dashboard_tags import duration, thousands


def test_filters_from_query_drop_unknown_values_and_trim():
    filters = JobFilters.from_query({"q": "  acme ", "batch": "12", "priority": "HIGH", "status": "bogus",
                                     "client": " Acme "})
    assert filters == JobFilters(q="acme", batch=12, priority="high", status="", client="Acme")
    assert filters.as_query() == {"q": "acme", "batch": "12", "priority": "high", "client": "Acme"}
    assert not JobFilters.from_query({"batch": "x"}).active


@pytest.mark.parametrize("batch", ["\u0662", "\u00b2", "99999999999999999999", str(2**63), "-1", "0", " ", True,
                                   2**63, "9" * 5000])
def test_a_batch_filter_that_cannot_name_a_row_is_dropped(batch):
    """Unicode digits (which int() reads), negative and out-of-range ids: a larger number would
    reach the database as a foreign key's value and fail there."""
    assert JobFilters.from_query({"batch": batch}).batch is None


def test_a_batch_filter_takes_every_real_id():
    assert JobFilters.from_query({"batch": " 7 "}).batch == 7
    assert JobFilters.from_query({"batch": str(2**63 - 1)}).batch == 2**63 - 1
    assert JobFilters.from_query({"batch": 12}).batch == 12


@pytest.mark.parametrize("job_state,stage,expected", [
    ((Stage.INGEST, Status.QUEUED), 1, "queued"),
    ((Stage.INGEST, Status.PROCESSING), 1, "processing"),
    ((Stage.INGEST, Status.FAILED), 1, "failed"),
    ((Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), 1, "done"),
    ((Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), 2, "done"),
    ((Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), 3, "not_started"),
    ((Stage.DEPLOY, Status.NEEDS_ATTENTION), 4, "done"),
    ((Stage.VALIDATE, Status.PENDING), 0, "done"),
    ((Stage.VALIDATE, Status.PENDING), 1, "not_started"),
])
def test_stage_work_state(job_state, stage, expected):
    job = Job(stage=job_state[0], status=job_state[1])  # unsaved: only its state matters
    assert stage_work_state(job, stage) == expected


def test_who_waits_for_a_person():
    assert waits_for_a_person(Stage.VALIDATE, Status.PENDING)
    assert waits_for_a_person(Stage.DEPLOY, Status.NEEDS_ATTENTION)
    assert not waits_for_a_person(Stage.INGEST, Status.QUEUED)
    assert not waits_for_a_person(Stage.DEPLOY, Status.COMPLETED)


@pytest.mark.parametrize("seconds,text", [
    (None, "—"), (42, "42 s"), (600, "10 min"), (3 * 3600 + 5 * 60, "3 h 05 min"), (2 * 86400 + 4 * 3600, "2 d 4 h"),
])
def test_duration(seconds, text):
    assert duration(seconds) == text


def test_thousands():
    assert thousands(100000) == "100,000" and thousands(None) == "None"
