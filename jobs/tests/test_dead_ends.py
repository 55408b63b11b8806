"""No dead ends (issue 16, item 3): a sent-back job resubmitted with corrected files, its
send-back reason on top, archiving as an audited move, and no sign-off for errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jobs.archive import job_archive, job_unarchive
from jobs.attention import ERROR_FIXES, error_codes, fixes_table, latest_send_back, sign_off_blockers
from jobs.models import Job, JobLog, JobWarning, Stage, Status
from jobs.resubmit import ResubmitRefused, job_resubmit
from jobs.services import job_send_back, job_sign_off, job_update_matching
from jobs.transitions import CLEARED, PermissionRefused, TransitionNotAllowed, allowed_actions
from review.tests.helpers import MINIMAL_AEPX, minimal_psd

DOCS = Path(__file__).resolve().parents[2] / "docs" / "warnings.md"


@pytest.fixture
def roots(tmp_path, settings):
    """An input root with a design and a template (and corrected ones), an upload root, and a
    folder outside both."""
    root = tmp_path / "in"
    (root / "fixed").mkdir(parents=True)
    (root / "design.psd").write_bytes(minimal_psd())
    (root / "template.aepx").write_bytes(MINIMAL_AEPX)
    (root / "fixed" / "design-v2.psd").write_bytes(minimal_psd(8, 8))
    (root / "fixed" / "template-v2.aepx").write_bytes(MINIMAL_AEPX)
    (root / "fixed" / "not-a-psd.psd").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "design.psd").write_bytes(minimal_psd())
    uploads = tmp_path / "uploads"
    settings.INPUT_ROOTS = [root.resolve(), uploads.resolve()]
    settings.AEA_UPLOAD_ROOT = uploads
    settings.AEA_MAX_FILE_BYTES = 4096
    return root, outside, uploads


@pytest.fixture
def sent_back(make_job, roots, reviewer):
    """A job a reviewer sent back to the producer from Stage 2, with a Stage 1 warning open."""
    root = roots[0]
    job = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW, psd_path=str(root / "design.psd"),
                   aepx_path=str(root / "template.aepx"))
    JobWarning.objects.create(job=job, stage=Stage.INGEST, code="font_not_available", message="Font X missing")
    return job_send_back(job=job, user=reviewer, reason="The PSD is last year's design: use the 2026 one.")


# --- Resubmit ------------------------------------------------------------------------------


def test_a_producer_resubmits_a_sent_back_job_with_a_corrected_psd(sent_back, producer, roots):
    root = roots[0]
    assert "resubmit" in allowed_actions(sent_back, producer)
    job = job_resubmit(job=sent_back, user=producer, psd_path="fixed/design-v2.psd", reason="2026 design")
    assert (job.stage, job.status) == (Stage.INGEST, Status.QUEUED)
    assert job.job_id == sent_back.job_id and job.pk == sent_back.pk
    assert job.psd_path == str((root / "fixed" / "design-v2.psd").resolve())
    assert job.aepx_path == sent_back.aepx_path
    log = JobLog.objects.filter(job=job).latest("id")
    assert (log.action, log.user, log.actor) == ("resubmit", producer, "producer")
    assert log.details["paths"] == {"psd_path": {"from": sent_back.psd_path, "to": job.psd_path}}
    assert log.details["reason"] == "2026 design"
    assert "design-v2.psd" in log.message
    # Stage 1 is redone: its old warnings are cleared, kept for the record.
    warning = JobWarning.objects.get(job=job)
    assert warning.resolution == f"{CLEARED}{Stage.INGEST}" and warning.resolved_by == producer
    assert latest_send_back(job) is None  # it moved on


def test_a_failed_stage_1_job_is_resubmitted_with_a_corrected_template(make_job, roots, producer):
    root = roots[0]
    job = make_job(stage=Stage.INGEST, status=Status.FAILED, psd_path=str(root / "design.psd"),
                   aepx_path=str(root / "template.aepx"), last_error="template.aepx: not a valid project")
    fresh = job_resubmit(job=job, user=producer, aepx_path=str(root / "fixed" / "template-v2.aepx"))
    assert (fresh.stage, fresh.status, fresh.last_error) == (Stage.INGEST, Status.QUEUED, "")
    assert fresh.aepx_path.endswith("template-v2.aepx")


@pytest.mark.parametrize(("value", "expected"), [
    ("../outside/design.psd", "'..' leads outside the input root"),
    ("fixed/../../outside/design.psd", "'..' leads outside the input root"),
    ("fixed/template-v2.aepx", "must end with .psd or .psb"),
    ("fixed/missing.psd", "not found in any of the 2 input roots"),
    ("fixed/not-a-psd.psd", "is not a Photoshop file"),
])
def test_resubmit_refuses_a_path_the_csv_would_refuse(sent_back, producer, value, expected):
    before = Job.objects.get(pk=sent_back.pk)
    with pytest.raises(ResubmitRefused, match=expected):
        job_resubmit(job=sent_back, user=producer, psd_path=value)
    after = Job.objects.get(pk=sent_back.pk)
    assert (after.stage, after.status, after.psd_path, after.version) == (
        before.stage, before.status, before.psd_path, before.version)
    assert not JobLog.objects.filter(job=sent_back, action="resubmit").exists()


def test_resubmit_refuses_an_absolute_path_outside_the_roots_and_a_symlink_escape(sent_back, producer, roots):
    root, outside, _ = roots
    with pytest.raises(ResubmitRefused, match="outside the input roots"):
        job_resubmit(job=sent_back, user=producer, psd_path=str(outside / "design.psd"))
    os.symlink(outside / "design.psd", root / "fixed" / "link.psd")
    with pytest.raises(ResubmitRefused, match="symbolic link"):
        job_resubmit(job=sent_back, user=producer, psd_path="fixed/link.psd")


def test_resubmit_needs_a_changed_file_the_permission_and_a_held_job(sent_back, producer, reviewer, make_job, roots):
    with pytest.raises(ResubmitRefused, match="already uses these files"):
        job_resubmit(job=sent_back, user=producer, psd_path=sent_back.psd_path)
    with pytest.raises(PermissionRefused):
        job_resubmit(job=sent_back, user=reviewer, psd_path="fixed/design-v2.psd")
    waiting = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW)
    with pytest.raises(TransitionNotAllowed, match="only a job that failed, needs attention or was sent back"):
        job_resubmit(job=waiting, user=producer, psd_path="fixed/design-v2.psd")


def test_an_uploaded_replacement_is_stored_in_the_upload_root_and_sniffed(sent_back, producer, roots):
    _, _, uploads = roots
    upload = SimpleUploadedFile("Design 2026 (final).PSD", minimal_psd(6, 6))
    job = job_resubmit(job=sent_back, user=producer, uploads={"psd_path": upload})
    stored = Path(job.psd_path)
    assert stored.is_relative_to(uploads.resolve() / sent_back.job_id)
    assert stored.suffix == ".psd" and stored.read_bytes() == minimal_psd(6, 6)
    assert JobLog.objects.filter(job=job).latest("id").details["uploaded"] == ["PSD"]


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("design.png", minimal_psd(), "must end with .psd or .psb"),
    ("design.psd", b"\x89PNG\r\n\x1a\n" + bytes(64), "is not a Photoshop file"),
    ("design.psd", minimal_psd(40, 40), "the limit is 4,096"),
    ("design.psd", b"", "is empty"),
])
def test_a_bad_upload_is_refused_and_not_kept(sent_back, producer, roots, name, data, expected):
    _, _, uploads = roots
    with pytest.raises(ResubmitRefused, match=expected):
        job_resubmit(job=sent_back, user=producer, uploads={"psd_path": SimpleUploadedFile(name, data)})
    assert not any(p.is_file() for p in uploads.rglob("*")) if uploads.exists() else True
    assert Job.objects.get(pk=sent_back.pk).status == Status.NEEDS_ATTENTION


def test_uploads_are_refused_when_the_upload_root_is_not_an_input_root(sent_back, producer, roots, settings):
    settings.INPUT_ROOTS = [roots[0].resolve()]
    with pytest.raises(ResubmitRefused, match="AEA_UPLOAD_ROOT"):
        job_resubmit(job=sent_back, user=producer, uploads={"psd_path": SimpleUploadedFile("d.psd", minimal_psd())})


# --- The send-back reason --------------------------------------------------------------------


def test_the_latest_send_back_is_shown_while_the_job_stays_where_it_put_it(sent_back, make_job, approver, reviewer):
    found = latest_send_back(sent_back)
    assert (found.actor, found.from_stage, found.to_stage) == ("reviewer", 2, 2)
    assert found.reason == "The PSD is last year's design: use the 2026 one."
    # From Stage 3 back to matching: still shown after a reviewer saves the matching (same state).
    job = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL,
                   matches=[{"composition": "C", "layer_index": 1, "placeholder": "p", "placeholder_type": "text",
                             "psd_layer_id": None, "psd_layer": None, "confidence": 0.0, "reason": "",
                             "fit": "fit", "confirmed": False}])
    job = job_send_back(job=job, user=approver, reason="Wrong headline")
    job = job_update_matching(job=job, user=reviewer, changes={})  # no change: no move
    assert latest_send_back(job).reason == "Wrong headline"
    assert latest_send_back(job).from_stage == Stage.APPROVE_PREVIEW


# --- Archive / unarchive ----------------------------------------------------------------------


def test_archive_and_unarchive_are_audited_and_keep_the_stage(sent_back, producer):
    job = job_archive(job=sent_back, user=producer, reason="client cancelled")
    assert job.archived and (job.stage, job.status) == (Stage.REVIEW_MATCHING, Status.NEEDS_ATTENTION)
    log = JobLog.objects.filter(job=job).latest("id")
    assert (log.action, log.actor, log.details["reason"]) == ("archive", "producer", "client cancelled")
    assert "unarchive" in allowed_actions(job, producer) and "archive" not in allowed_actions(job, producer)
    with pytest.raises(TransitionNotAllowed, match="already archived"):
        job_archive(job=job, user=producer)
    job = job_unarchive(job=job, user=producer)
    assert not job.archived and JobLog.objects.filter(job=job).latest("id").action == "unarchive"


def test_archiving_queued_or_processing_work_is_refused_with_a_sentence(make_job, producer):
    for status in (Status.QUEUED, Status.PROCESSING):
        job = make_job(stage=Stage.INGEST, status=status)
        with pytest.raises(TransitionNotAllowed, match="Archive it once the work has finished or failed"):
            job_archive(job=job, user=producer)
        assert not Job.objects.get(pk=job.pk).archived


def test_archiving_needs_the_permission(sent_back, reviewer):
    with pytest.raises(PermissionRefused):
        job_archive(job=sent_back, user=reviewer)


def test_unarchiving_a_job_whose_id_is_taken_names_the_other_job(sent_back, producer, make_job):
    job_archive(job=sent_back, user=producer)
    other = make_job(job_id=sent_back.job_id)  # a new batch reused the free job id
    with pytest.raises(TransitionNotAllowed, match=f"another active job \\(#{other.pk}, batch #{other.batch_id}"):
        job_unarchive(job=sent_back, user=producer)
    assert Job.objects.get(pk=sent_back.pk).archived
    assert not JobLog.objects.filter(job=sent_back, action="unarchive").exists()


# --- Sign-off only for warnings ---------------------------------------------------------------


def test_sign_off_is_refused_with_errors_and_says_what_to_do(make_job, deployer):
    job = make_job(stage=Stage.DEPLOY, status=Status.NEEDS_ATTENTION)
    JobWarning.objects.create(job=job, stage=Stage.DEPLOY, severity="error", code="font-missing", message="Font Y")
    JobWarning.objects.create(job=job, stage=Stage.DEPLOY, severity="warning", code="upscale", message="120 %")
    assert [b.code for b in sign_off_blockers(job)] == ["font-missing"]
    with pytest.raises(TransitionNotAllowed, match="a sign-off cannot accept") as refused:
        job_sign_off(job=job, user=deployer, reason="looks fine")
    assert ERROR_FIXES["font-missing"] in refused.value.message
    fresh = Job.objects.get(pk=job.pk)
    assert (fresh.stage, fresh.status, fresh.deploy) == (Stage.DEPLOY, Status.NEEDS_ATTENTION, {})
    assert not JobLog.objects.filter(job=job).exists()
    assert JobWarning.objects.filter(job=job, resolved_at__isnull=True).count() == 2


def test_sign_off_of_warnings_only_still_works(make_job, deployer):
    job = make_job(stage=Stage.DEPLOY, status=Status.NEEDS_ATTENTION)
    JobWarning.objects.create(job=job, stage=Stage.DEPLOY, severity="warning", code="upscale", message="120 %")
    fresh = job_sign_off(job=job, user=deployer, reason="soft is fine here")
    assert (fresh.stage, fresh.status) == (Stage.DEPLOY, Status.QUEUED)


def test_every_error_code_has_a_fix_and_the_docs_list_them():
    assert set(error_codes()) <= set(ERROR_FIXES), set(error_codes()) - set(ERROR_FIXES)
    assert fixes_table() in DOCS.read_text(), "docs/warnings.md: paste python -c 'from jobs.attention import " \
                                              "fixes_table; print(fixes_table())'"


def test_archiving_refreshes_the_batch_status_in_the_same_move(sent_back, producer):
    from batches.services import batch_refresh_status

    batch_refresh_status(sent_back.batch_id)
    sent_back.batch.refresh_from_db()
    assert sent_back.batch.status == "waiting"
    job_archive(job=sent_back, user=producer)
    sent_back.batch.refresh_from_db()
    assert sent_back.batch.status == "done_with_failures"
    job_unarchive(job=sent_back, user=producer)
    sent_back.batch.refresh_from_db()
    assert sent_back.batch.status == "waiting"


def test_resubmit_refuses_nul_characters_and_an_overlong_reason(sent_back, producer):
    with pytest.raises(ResubmitRefused, match="NUL"):
        job_resubmit(job=sent_back, user=producer, psd_path="fixed/design-v2.psd", reason="a\x00b")
    with pytest.raises(ResubmitRefused, match="NUL"):
        job_resubmit(job=sent_back, user=producer, psd_path="fixed/design\x00.psd")
    with pytest.raises(ResubmitRefused, match="longer than 10,000"):
        job_resubmit(job=sent_back, user=producer, psd_path="fixed/design-v2.psd", reason="x" * 10_001)
    assert Job.objects.get(pk=sent_back.pk).status == Status.NEEDS_ATTENTION
