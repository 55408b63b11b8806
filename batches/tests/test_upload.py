"""An upload imported in the background: the batch's import state, progress, all or nothing,
the task run twice, and the start on the uploader's behalf."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from batches import services
from batches.models import Batch
from batches.services import batch_import_uploaded, batch_upload
from batches.tasks import import_uploaded_batch
from jobs.models import Job, JobLog, Stage, Status

from .test_import_batch import HEADER, good_row, root, rows  # noqa: F401  (root: a fixture)

State = Batch.ImportState


def upload(data: str | bytes, user, start=False, name="up.csv"):
    return batch_upload(data=data.encode() if isinstance(data, str) else data, filename=name, user=user, start=start)


@pytest.mark.django_db
def test_an_upload_is_a_validating_batch_until_its_task_imports_it_and_a_second_run_changes_nothing(
        root, producer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = upload(rows(good_row("J1"), good_row("J2")), producer)
    assert result.ok and len(callbacks) == 1  # the task is sent after the commit
    batch = Batch.objects.get()
    assert batch.import_state == State.VALIDATING and not batch.jobs.exists() and batch.job_count == 0
    assert batch.state_label == "Validating"

    assert import_uploaded_batch(batch.pk) == State.IMPORTED
    batch.refresh_from_db()
    assert (batch.import_state, batch.job_count, batch.row_count, batch.rows_validated) == (State.IMPORTED, 2, 2, 2)
    assert batch.imported_at is not None and batch.report["ok"] is True and batch.state_label == "Imported"
    logs = JobLog.objects.filter(action="imported").count()
    assert import_uploaded_batch(batch.pk) == State.IMPORTED  # delivered twice: nothing more
    assert Job.objects.count() == 2 and JobLog.objects.filter(action="imported").count() == logs == 2
    assert set(Job.objects.values_list("stage", "status")) == {(Stage.VALIDATE, Status.PENDING)}


@pytest.mark.django_db
def test_an_invalid_upload_ends_invalid_with_every_error_and_imports_no_job(root, producer):
    bad = rows(good_row("J1"), good_row("J1", psd="missing.psd"), good_row("J3", priority="urgent"))
    upload(bad, producer)
    batch = Batch.objects.get()
    assert import_uploaded_batch(batch.pk) == State.INVALID
    batch.refresh_from_db()
    where = {(issue["line"], issue["column"]) for issue in batch.report["errors"]}
    assert {(3, "job_id"), (3, "psd_path"), (4, "priority")} <= where
    assert batch.job_count == 0 and batch.row_count == 3 and batch.state_label == "Invalid"
    assert not Job.objects.exists() and not JobLog.objects.exists()
    assert services.batch_choices(10)[0]["status_label"] == "Invalid"
    assert import_uploaded_batch(batch.pk) == State.INVALID and not Job.objects.exists()


@pytest.mark.django_db
def test_job_ids_of_active_jobs_are_refused_and_an_unreadable_file_writes_nothing(root, producer):
    upload(rows(good_row("J1")), producer)
    import_uploaded_batch(Batch.objects.get().pk)
    upload(rows(good_row("J2"), good_row("J1")), producer, name="again.csv")
    again = Batch.objects.get(name="again.csv")
    assert import_uploaded_batch(again.pk) == State.INVALID
    again.refresh_from_db()
    assert [(e["line"], e["column"], e["code"]) for e in again.report["errors"]] == [(3, "job_id", "job_id_exists")]
    assert Job.objects.filter(job_id="J2").count() == 0

    batches = Batch.objects.count()
    for data in ("job_id,client_name\nJ-1,Caf\u00e9\n".encode("latin-1"), b"job_id\x00,psd_path\n",
                 HEADER.replace(",", ";") + "J1;design.psd;template.aepx;a.aep;;;;\n"):
        result = upload(data, producer)
        assert not result.ok and result.report.errors and result.batch is None
    assert Batch.objects.count() == batches


@pytest.mark.django_db
def test_a_conflict_found_by_the_database_at_import_makes_the_batch_invalid(root, producer, monkeypatch):
    upload(rows(good_row("J1"), good_row("J2")), producer)
    batch = Batch.objects.get()
    other = services.batch_import(data=rows(good_row("J2")).encode(), filename="other.csv", user=producer)
    assert other.ok
    # As if the other import took J2 after this one was checked: the check misses it.
    validate = services.batch_validate
    monkeypatch.setattr(services, "existing_active_job_ids", lambda ids: set())
    monkeypatch.setattr(services, "batch_validate", lambda **kw: (validate(**kw), monkeypatch.undo())[0])
    assert import_uploaded_batch(batch.pk) == State.INVALID
    batch.refresh_from_db()
    assert batch.report["errors"][0]["code"] == "job_id_exists" and not batch.jobs.exists()
    assert Job.objects.count() == 1


@pytest.mark.django_db
def test_the_uploader_who_may_start_jobs_gets_the_batch_started_as_them(root, producer, reviewer):
    upload(rows(good_row("J1"), good_row("J2")), producer, start=True)
    batch = Batch.objects.get()
    import_uploaded_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.started_at is not None and not services.batch_upload_pending(batch)
    starts = JobLog.objects.filter(action="start")
    assert starts.count() == 2 and set(starts.values_list("actor", flat=True)) == {"producer"}

    # Asked to start by someone who may not (or no longer may) start jobs: imported, not started.
    upload(rows(good_row("J3")), reviewer, start=True, name="r.csv")
    mine = Batch.objects.get(name="r.csv")
    import_uploaded_batch(mine.pk)
    mine.refresh_from_db()
    assert mine.import_state == State.IMPORTED and mine.started_at is None and not mine.start_when_imported
    assert not services.batch_upload_pending(mine)
    assert mine.jobs.get().status == Status.PENDING


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_is_written_row_by_row_in_small_writes_outside_any_transaction(root, producer, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_SECONDS", 0)
    # The batch as an upload leaves it (here no transaction defers the task, which would run
    # at once, inline: this test runs it itself).
    batch = Batch(name="big.csv", sha256="0" * 64, uploaded_by=producer, import_state=State.VALIDATING)
    batch.csv_file.save("big.csv", ContentFile(rows(*(good_row(f"J{i}") for i in range(1200))).encode()))
    seen = []

    def progress(done, total):
        assert not connection.in_atomic_block  # each progress write committed on its own
        row = Batch.objects.values("rows_validated", "row_count", "import_state").get(pk=batch.pk)
        seen.append((done, total, row["rows_validated"], row["row_count"], row["import_state"]))

    batch = batch_import_uploaded(batch_id=batch.pk, progress=progress)
    assert [(d, t) for d, t, *_ in seen] == [(0, 1200), (500, 1200), (1000, 1200), (1200, 1200)]
    assert all(stored == done and total == 1200 and state == State.VALIDATING
               for done, _, stored, total, state in seen)
    assert batch.import_state == State.IMPORTED and batch.jobs.count() == 1200


@pytest.mark.django_db
def test_an_upload_whose_file_is_gone_ends_invalid_saying_so(root, producer):
    upload(rows(good_row("J1")), producer)
    batch = Batch.objects.get()
    batch.csv_file.storage.delete(batch.csv_file.name)
    assert import_uploaded_batch(batch.pk) == State.INVALID
    batch.refresh_from_db()
    assert batch.report["errors"][0]["code"] == "file_gone" and not Job.objects.exists()
    assert import_uploaded_batch(10**6) == "gone"  # a batch deleted before its task ran
