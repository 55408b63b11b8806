"""Issue 15, item 1: a reviewer's saved change is never lost to another save or an approval.

The services build on the matches as they are inside the move's transaction (row locked), and
every move checks the job's version, so a move from (2, awaiting_review) to the same state is
told apart from no move at all. The deterministic tests hand the services a stale instance (read
before the other reviewer's save), which is what a concurrent request holds; the PostgreSQL test
runs the save and the approval at the same moment, twenty times.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from jobs.models import Job, JobLog, Stage, Status
from jobs.services import MatchChange, job_approve_matching, job_update_matching
from jobs.transitions import TransitionNotAllowed

from .demo_jobs import ROWS, import_and_start


@pytest.fixture
def awaiting_review(input_root, producer, django_capture_on_commit_callbacks):
    import_and_start(producer, ROWS[:1], django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert (job.stage, job.status) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), job.last_error
    return job


def match_of(job, placeholder):
    return next(m for m in job.matches if m["placeholder"] == placeholder)


def layer_id(job, name):
    return next(layer["id"] for layer in job.psd_description["layers"] if layer["name"] == name)


def key_of(job, placeholder):
    match = match_of(job, placeholder)
    return (match["composition"], match["layer_index"])


@pytest.mark.django_db
def test_an_approval_from_a_stale_page_keeps_the_change_saved_meanwhile(
    awaiting_review, reviewer, django_capture_on_commit_callbacks
):
    stale = Job.objects.get(pk=awaiting_review.pk)  # the approver's page, opened before the save
    background = layer_id(stale, "Background")
    job_update_matching(job=awaiting_review, user=reviewer,
                        changes={key_of(stale, "featuredimage"): MatchChange(background, "fill")})
    with django_capture_on_commit_callbacks(execute=False):
        approved = job_approve_matching(job=stale, user=reviewer, approve_anyway=True)
    assert match_of(approved, "featuredimage")["psd_layer_id"] == background
    assert match_of(approved, "featuredimage")["fit"] == "fill"
    assert JobLog.objects.filter(job=approved, action="update_matching").count() == 1


@pytest.mark.django_db
def test_two_reviewers_saving_from_stale_pages_keep_both_changes(awaiting_review, reviewer):
    first_page = Job.objects.get(pk=awaiting_review.pk)
    second_page = Job.objects.get(pk=awaiting_review.pk)
    background = layer_id(first_page, "Background")
    job_update_matching(job=first_page, user=reviewer,
                        changes={key_of(first_page, "featuredimage"): MatchChange(background, "fill")})
    logo = key_of(second_page, "teamlogo")
    job_update_matching(job=second_page, user=reviewer, changes={logo: MatchChange(None, None)})
    job = Job.objects.get(pk=awaiting_review.pk)
    assert match_of(job, "featuredimage")["psd_layer_id"] == background
    assert match_of(job, "teamlogo")["psd_layer_id"] is None
    logs = list(JobLog.objects.filter(job=job, action="update_matching").order_by("id"))
    assert [log.details["changes"][0]["placeholder"] for log in logs] == ["featuredimage", "teamlogo"]


@pytest.mark.django_db
def test_every_move_bumps_the_version_and_a_stale_version_touches_nothing(awaiting_review, reviewer):
    before = Job.objects.get(pk=awaiting_review.pk).version
    job_update_matching(job=awaiting_review, user=reviewer, changes={
        key_of(awaiting_review, "featuredimage"): MatchChange(layer_id(awaiting_review, "Background"), "fill"),
    })
    after = Job.objects.get(pk=awaiting_review.pk)
    assert after.version == before + 1
    # a move that read the job before that save finds the version moved on
    assert Job.objects.filter(pk=after.pk, stage=after.stage, status=after.status, version=before).count() == 0


def _run_together(*targets):
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)

    def body(i, target):
        try:
            barrier.wait(timeout=30)
            results[i] = target()
        except BaseException as exc:  # noqa: BLE001  (reported to the test)
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.pg
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_racing_an_approval_is_never_lost(input_root, producer, reviewer, django_capture_on_commit_callbacks,
                                                 monkeypatch):
    from django_q.conf import Conf

    import_and_start(producer, ROWS[:1], django_capture_on_commit_callbacks)
    monkeypatch.setattr(Conf, "SYNC", False)  # Stage 3 goes to the broker table, not inline
    job = Job.objects.get()
    background = layer_id(job, "Background")
    key = key_of(job, "featuredimage")
    original_matches = job.matches
    outcomes = []
    for attempt in range(20):
        # set-up: the job back in Stage 2 as Stage 1 left it
        Job.objects.filter(pk=job.pk).update(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW,
                                             matches=original_matches)
        stale = Job.objects.get(pk=job.pk)  # both requests read the job before either writes
        last_log = JobLog.objects.order_by("-id").values_list("id", flat=True).first()
        saved, approved = _run_together(
            lambda: job_update_matching(job=stale, user=reviewer, changes={key: MatchChange(background, "fill")}),
            lambda: job_approve_matching(job=stale, user=reviewer, approve_anyway=True),
        )
        for result in (saved, approved):
            assert not isinstance(result, BaseException) or isinstance(result, TransitionNotAllowed), result
        final = Job.objects.get(pk=job.pk)
        logs = [a for a in JobLog.objects.filter(job=job, id__gt=last_log).order_by("id").values_list("action", flat=True)]
        assert "approve_matching" in logs, (attempt, logs, approved)
        chosen = match_of(final, "featuredimage")["psd_layer_id"]
        if logs.index("approve_matching") > logs.index("update_matching") if "update_matching" in logs else False:
            assert chosen == background, (attempt, logs)  # saved first: the approval holds the change
        else:
            assert isinstance(saved, TransitionNotAllowed), (attempt, logs)  # approved first: the save refused
        outcomes.append(tuple(logs))
    assert len(outcomes) == 20
