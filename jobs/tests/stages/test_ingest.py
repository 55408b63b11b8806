"""Stage 1 end to end (tasks run inline): from a started batch to Stage 2 awaiting review."""

import hashlib
from pathlib import Path

import pytest

from jobs.models import Job, JobAsset, JobLog, JobWarning, ParsedFile, Stage, Status
from jobs.runner import run_stage_work
from jobs.transitions import job_transition

from ..demo_jobs import ROWS, import_and_start


@pytest.mark.django_db
def test_started_batch_reaches_stage_2_with_assets_warnings_and_matches(
    input_root, producer, django_capture_on_commit_callbacks
):
    import_and_start(producer, ROWS, django_capture_on_commit_callbacks)
    jobs = {job.job_id: job for job in Job.objects.all()}
    assert {(j.stage, j.status) for j in jobs.values()} == {(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)}

    job = jobs["J-1"]
    assert job.psd_description["width"] == 1200 and len(job.psd_description["layers"]) == 7
    assert [c["name"] for c in job.template_description["compositions"]] == ["Gameday Card"]
    chosen = {m["placeholder"]: m["psd_layer"] for m in job.matches}
    assert chosen == {
        "player1fullname": "JORDAN AVERY",
        "matchup": "THUNDER vs ROCKETS",
        "gametime": "SAT 7:30 PM",
        "teamlogo": "Team Logo",
        "featuredimage": "Player Cutout",
    }

    # Assets: every visible content layer, its thumbnail, the flattened image; checksums match.
    assets = JobAsset.objects.filter(job=job, stage=Stage.INGEST)
    kinds = sorted(assets.values_list("kind", flat=True))
    assert kinds.count("layer") == 6 and kinds.count("layer_thumbnail") == 6
    assert kinds.count("flattened") == 1
    for asset in assets:
        data = Path(asset.file.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == asset.sha256 and len(data) == asset.size

    # Only the hidden leftover layer: nothing about the placeholders the job replaces (their
    # template footage is missing here), which jobs/tests/test_warnings.py checks in detail.
    codes = set(JobWarning.objects.filter(job=job, stage=Stage.INGEST).values_list("code", flat=True))
    assert codes == {"psd_layer_hidden"}
    log = JobLog.objects.filter(job=job).values_list("action", flat=True)
    assert list(log) == ["imported", "start", "claim", "ingested"]

    # Content-addressed cache: two PSDs and one template parsed once each for three jobs.
    assert ParsedFile.objects.filter(reader="psd").count() == 2
    assert ParsedFile.objects.filter(reader="template").count() == 1
    # Jobs sharing a PSD share its files on disk.
    same = JobAsset.objects.filter(job=jobs["J-3"], kind="flattened").get()
    assert same.file.name == assets.get(kind="flattened").file.name


@pytest.mark.django_db
def test_rerunning_stage_1_replaces_assets_and_warnings(input_root, producer, deployer, django_capture_on_commit_callbacks):
    import_and_start(producer, ROWS[:1], django_capture_on_commit_callbacks)
    job = Job.objects.get()
    before_assets = sorted(JobAsset.objects.filter(job=job).values_list("kind", "key", "sha256"))
    before_warnings = sorted(JobWarning.objects.filter(job=job).values_list("code", "severity", "message"))
    # Send it back to the producer, then retry Stage 1.
    reviewer_like = deployer  # Deployers may retry (jobs.start_job)
    from django.contrib.auth.models import Permission

    reviewer_like.user_permissions.add(Permission.objects.get(codename="approve_matching"))
    reviewer_like = type(reviewer_like).objects.get(pk=reviewer_like.pk)
    job_transition(job=job, action="send_back_matching", user=reviewer_like, reason="wrong photo")
    with django_capture_on_commit_callbacks(execute=True):
        job_transition(job=job, action="retry", user=reviewer_like)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)
    assert sorted(JobAsset.objects.filter(job=job).values_list("kind", "key", "sha256")) == before_assets
    # The retry cleared the first run's warnings (kept, resolved); the new run stored the same.
    after = JobWarning.objects.filter(job=job, resolved_at__isnull=True)
    assert sorted(after.values_list("code", "severity", "message")) == before_warnings
    cleared = JobWarning.objects.filter(job=job, resolved_at__isnull=False)
    assert sorted(cleared.values_list("code", "severity", "message")) == before_warnings
    assert set(cleared.values_list("resolution", flat=True)) == {"cleared: job sent back to stage 1"}


@pytest.mark.django_db
def test_task_run_twice_does_nothing_the_second_time(input_root, producer, django_capture_on_commit_callbacks):
    import_and_start(producer, ROWS[:1], django_capture_on_commit_callbacks)
    job = Job.objects.get()
    logs = JobLog.objects.filter(job=job).count()
    assert run_stage_work(job_pk=job.pk, stage=Stage.INGEST) == "skipped"
    assert JobLog.objects.filter(job=job).count() == logs


@pytest.mark.django_db
def test_a_bad_file_fails_its_job_and_the_rest_of_the_batch_goes_on(
    input_root, producer, django_capture_on_commit_callbacks
):
    broken = input_root / "demo" / "broken.psd"
    good = (input_root / "demo" / "gameday-avery.psd").read_bytes()
    broken.write_bytes(good[: len(good) // 3])  # truncated: the header sniffs as a PSD
    rows = [("OK-1", "gameday-avery.psd", "", "", "high"), ("BAD-1", "broken.psd", "", "", "high")]
    try:
        import_and_start(producer, rows, django_capture_on_commit_callbacks)
    finally:
        broken.unlink()
    bad = Job.objects.get(job_id="BAD-1")
    assert (bad.stage, bad.status) == (Stage.INGEST, Status.FAILED)
    assert "broken.psd" in bad.last_error
    assert JobWarning.objects.filter(job=bad, code="stage_failed").exists()
    ok = Job.objects.get(job_id="OK-1")
    assert (ok.stage, ok.status) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)


@pytest.mark.django_db
def test_poison_job_fails_after_max_attempts(input_root, producer, settings, make_job):
    """A job claimed again and again (its worker killed each time) is failed, not looped."""
    settings.AEA_MAX_ATTEMPTS = 2
    job = make_job(stage=Stage.INGEST, status=Status.QUEUED, psd_path=str(input_root / "demo" / "gameday-avery.psd"))
    for _ in range(2):
        job_transition(job=job, action="claim")
        job_transition(job=job, action="requeue")
    assert run_stage_work(job_pk=job.pk, stage=Stage.INGEST) == "failed"
    job.refresh_from_db()
    assert job.status == Status.FAILED and "attempts" in job.last_error
