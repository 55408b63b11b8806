"""A batch's status, derived from its jobs: imported → processing → waiting → done (or done
with failures), with its completion time, kept by the stage_changed receiver; shown by the
admin, the API and the dashboard."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from batches.models import Batch
from batches.receivers import refresh_batch_status
from batches.services import (
    batch_import,
    batch_refresh_status,
    batch_start,
    batch_state_counts,
    status_from_counts,
)
from jobs.demo import batch_csv
from jobs.models import Job, Stage, Status
from jobs.services import MatchChange, job_approve_matching, job_approve_preview
from jobs.signals import stage_changed
from jobs.tests.demo_jobs import ROWS, demo_inputs, import_and_start, input_root  # noqa: F401  (fixtures)
from jobs.transitions import job_transition
from review.api_auth import api_token_create
from review.tests.helpers import bearer

pytestmark = pytest.mark.django_db


def confirm_all(job):
    return {(m["composition"], m["layer_index"]): MatchChange(m["psd_layer_id"]) for m in job.matches}


def batch_of(result) -> Batch:
    return Batch.objects.get(pk=result.batch.pk)


def approve_to_the_end(job, reviewer, approver, capture):
    with capture(execute=True):
        job_approve_matching(job=job, user=reviewer, changes=confirm_all(job), approve_anyway=True)
    job.refresh_from_db()
    assert job.status == Status.AWAITING_APPROVAL, job.last_error
    with capture(execute=True):
        job_approve_preview(job=job, user=approver, notes="fine")
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.COMPLETED), (job.last_error, job.validation)


def test_status_rules():
    counts = dict.fromkeys(("not_started", "automatic", "waiting", "completed", "failed"), 0)
    assert status_from_counts(counts) == Batch.Status.IMPORTED
    assert status_from_counts({**counts, "not_started": 3}) == Batch.Status.IMPORTED
    assert status_from_counts({**counts, "automatic": 1, "waiting": 2}) == Batch.Status.PROCESSING
    assert status_from_counts({**counts, "waiting": 1, "completed": 2}) == Batch.Status.WAITING
    assert status_from_counts({**counts, "not_started": 1, "completed": 2}) == Batch.Status.WAITING
    assert status_from_counts({**counts, "completed": 3}) == Batch.Status.DONE
    assert status_from_counts({**counts, "completed": 2, "failed": 1}) == Batch.Status.DONE_WITH_FAILURES


def test_an_imported_batch_is_processing_once_started(input_root, producer, django_capture_on_commit_callbacks):
    imported = batch_import(data=batch_csv(ROWS[:2], folder="demo").encode(), filename="demo.csv", user=producer)
    batch = batch_of(imported)
    assert batch.status == Batch.Status.IMPORTED and batch.finished_at is None
    with django_capture_on_commit_callbacks(execute=False):  # queued for Stage 1, not run yet
        batch_start(batch=imported.batch, user=producer)
    batch = batch_of(imported)
    assert batch.status == Batch.Status.PROCESSING and batch.started_at is not None
    assert batch_state_counts(batch.pk)["automatic"] == 2


@pytest.fixture
def batch_statuses():
    """The batch's status after each move (a receiver connected after the batches' one)."""
    seen: list[str] = []

    def record(sender, *, job, **kwargs):
        status = Batch.objects.values_list("status", flat=True).get(pk=job.batch_id)
        if not seen or seen[-1] != status:
            seen.append(status)

    stage_changed.connect(record, sender=Job, dispatch_uid="test.batch_statuses")
    yield seen
    stage_changed.disconnect(sender=Job, dispatch_uid="test.batch_statuses")


def test_a_demo_batch_goes_processing_waiting_done(input_root, producer, reviewer, approver, batch_statuses,
                                                  django_capture_on_commit_callbacks):
    result = import_and_start(producer, ROWS[:2], django_capture_on_commit_callbacks)  # Stage 1 runs inline
    assert batch_statuses == [Batch.Status.PROCESSING, Batch.Status.WAITING]  # started, then ingested
    batch = batch_of(result)
    assert set(Job.objects.filter(batch=batch).values_list("status", flat=True)) == {Status.AWAITING_REVIEW}
    assert batch.status == Batch.Status.WAITING and batch.finished_at is None

    first, second = Job.objects.filter(batch=batch).order_by("line")
    approve_to_the_end(first, reviewer, approver, django_capture_on_commit_callbacks)
    assert batch_of(result).status == Batch.Status.WAITING  # the second still waits for review
    approve_to_the_end(second, reviewer, approver, django_capture_on_commit_callbacks)
    batch = batch_of(result)
    assert batch.status == Batch.Status.DONE and batch.finished_at is not None
    assert batch_statuses[-2:] == [Batch.Status.PROCESSING, Batch.Status.DONE]  # the last deploy finished it
    assert batch_state_counts(batch.pk) == {"not_started": 0, "automatic": 0, "waiting": 0, "completed": 2,
                                            "failed": 0}


@pytest.fixture
def finished_with_a_failure(input_root, producer, reviewer, approver, django_capture_on_commit_callbacks):
    result = import_and_start(producer, ROWS[:2], django_capture_on_commit_callbacks)
    first, second = Job.objects.filter(batch=result.batch).order_by("line")
    approve_to_the_end(first, reviewer, approver, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):  # Stage 3's work is run by hand: it fails
        job_approve_matching(job=second, user=reviewer, changes=confirm_all(second), approve_anyway=True)
        job_transition(job=second.pk, action="claim")
        job_transition(job=second.pk, action="fail", fields={"last_error": "the preview crashed"})
    return result, second


def test_a_failure_gives_done_with_failures_and_a_retry_reopens_it(finished_with_a_failure, producer,
                                                                    django_capture_on_commit_callbacks):
    result, failed = finished_with_a_failure
    batch = batch_of(result)
    assert batch.status == Batch.Status.DONE_WITH_FAILURES and batch.finished_at is not None

    with django_capture_on_commit_callbacks(execute=False):
        job_transition(job=failed.pk, action="retry", user=producer)
    batch = batch_of(result)
    assert batch.status == Batch.Status.PROCESSING and batch.finished_at is None


def test_an_archived_job_counts_as_a_failure(finished_with_a_failure):
    result, failed = finished_with_a_failure
    Job.objects.filter(pk=failed.pk).update(status=Status.QUEUED, archived=True)  # cancelled
    Batch.objects.filter(pk=result.batch.pk).update(status=Batch.Status.PROCESSING, finished_at=None)
    assert batch_refresh_status(result.batch.pk) == Batch.Status.DONE_WITH_FAILURES
    assert batch_of(result).finished_at is not None


def test_the_receiver_costs_nothing_unless_the_state_class_changes_and_two_queries_when_it_does(
        finished_with_a_failure, django_assert_num_queries, django_assert_max_num_queries):
    result, failed = finished_with_a_failure
    job = Job.objects.get(pk=failed.pk)
    with django_assert_num_queries(0):  # a claim, a re-queue: automatic → automatic
        refresh_batch_status(Job, job=job, from_state=(3, Status.QUEUED), to_state=(3, Status.PROCESSING))
    with django_assert_max_num_queries(2):  # one aggregate, one conditional UPDATE
        refresh_batch_status(Job, job=job, from_state=(3, Status.FAILED), to_state=(3, Status.QUEUED))
    with django_assert_max_num_queries(2):
        batch_refresh_status(result.batch.pk)


def test_a_move_with_the_refresh_stays_cheap(finished_with_a_failure, producer, django_capture_on_commit_callbacks,
                                             django_assert_max_num_queries):
    result, failed = finished_with_a_failure
    with django_capture_on_commit_callbacks(execute=False), django_assert_max_num_queries(20) as captured:
        job_transition(job=failed.pk, action="retry", user=producer)
    batch_queries = [q["sql"] for q in captured.captured_queries if '"batches_batch"' in q["sql"]
                     and "UPDATE" in q["sql"]]
    assert len(batch_queries) == 1


def test_the_api_and_the_admin_show_it(client, finished_with_a_failure, producer, django_user_model):
    result, _ = finished_with_a_failure
    auth = bearer(api_token_create(user=producer, name="tests").raw)
    detail = client.get(f"/api/batch/{result.batch.pk}", **auth).json()
    assert detail["status"] == "done_with_failures" and detail["finished_at"]
    assert detail["jobs_by_state"] == {"not_started": 0, "automatic": 0, "waiting": 0, "completed": 1, "failed": 1}

    admin = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss")
    client.force_login(admin)
    html = client.get(reverse("admin:batches_batch_changelist")).content.decode()
    assert "Done with failures" in html and "1 completed, 1 failed" in html
    html = client.get(reverse("admin:batches_batch_change", args=[result.batch.pk])).content.decode()
    assert "Done with failures" in html and "1 completed, 1 failed" in html


def test_the_upload_fragment_updates_the_batch_filter(client, input_root, producer, django_capture_on_commit_callbacks):
    client.force_login(producer)
    older = Batch.objects.create(name="older.csv", sha256="0" * 64)
    csv = SimpleUploadedFile("fresh.csv", batch_csv(ROWS[:1], folder="demo").encode(), "text/csv")
    page_url = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": f"http://testserver/dashboard/?batch={older.pk}"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("review:dashboard_upload"), {"csv_file": csv}, **page_url)
    new = Batch.objects.exclude(pk=older.pk).get()
    validating = client.get(reverse("review:dashboard"), **page_url).content.decode()
    assert f"#{new.pk} · fresh.csv · Validating" in validating  # listed while it is checked
    with django_capture_on_commit_callbacks(execute=False):  # the task imports and starts it
        for callback in callbacks:
            callback()
    response = client.get(reverse("review:dashboard_upload_progress", args=[new.pk]), **page_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="batch-filter"' in html and 'hx-swap-oob="true"' in html
    assert f'<option value="{new.pk}" >#{new.pk} · fresh.csv · Processing</option>' in html
    assert f'<option value="{older.pk}" selected>' in html  # the page's filter is kept
    assert "<script" not in html

    page = client.get(reverse("review:dashboard")).content.decode()
    assert f"#{new.pk} · fresh.csv · Processing" in page and 'id="batch-filter"' in page
    assert "hx-swap-oob" not in page
