"""Stage 4 end to end (tasks inline): validation, the deploy bundle, sign-off, nexrender."""

import json
from pathlib import Path, PurePath

import pytest

from batches.services import batch_import, batch_start
from jobs.demo import batch_csv, write_template_file
from jobs.formats.bundle import verify_bundle
from jobs.integrations.nexrender import NexrenderClient
from jobs.models import Job, JobLog, JobWarning, Stage, Status
from jobs.services import MatchChange, job_approve_matching, job_approve_preview, job_sign_off
from jobs.stages.base import bundle_dir
from jobs.transitions import PermissionRefused, ReasonRequired

from ..demo_jobs import ROWS, import_and_start
from ..integrations.test_nexrender import needs_server, server  # noqa: F401  (a real nexrender server)


def confirm_all(job):
    return {(m["composition"], m["layer_index"]): MatchChange(m["psd_layer_id"]) for m in job.matches}


@pytest.fixture
def to_stage_4(input_root, producer, reviewer, approver, django_capture_on_commit_callbacks):
    def run(confirm=True):
        import_and_start(producer, ROWS[:1], django_capture_on_commit_callbacks)
        job = Job.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            job_approve_matching(job=job, user=reviewer, changes=confirm_all(job) if confirm else None,
                                 approve_anyway=not confirm)
        job.refresh_from_db()
        assert job.status == Status.AWAITING_APPROVAL, job.last_error
        with django_capture_on_commit_callbacks(execute=True):
            job_approve_preview(job=job, user=approver, notes="looks right")
        job.refresh_from_db()
        return job
    return run


@pytest.mark.django_db
def test_confirmed_job_is_validated_bundled_and_completed(to_stage_4):
    job = to_stage_4()
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.COMPLETED), (job.last_error, job.validation)
    folder = bundle_dir(job)
    assert verify_bundle(folder) == []
    manifest = json.loads((folder / "manifest.json").read_text())
    names = {entry["path"] for entry in manifest["files"]}
    assert {"populate.jsx", "populate-current.jsx", "render_plan.json", "aerender.json", "aerender.txt",
            "nexrender.json", "validation.json", "validation.html", "approvals.json", "README.txt",
            "preview.png", "comparison.png", "template/template-gameday-card.aepx"} <= names
    assert sum(n.startswith("assets/layer-") for n in names) == 2
    plan = json.loads((folder / "render_plan.json").read_text())
    assert plan["composition"] == "Gameday Card"
    assert {t["text"] for t in plan["texts"]} == {"JORDAN AVERY", "THUNDER vs ROCKETS", "SAT 7:30 PM"}
    nx = json.loads((folder / "nexrender.json").read_text())
    assert nx["template"]["composition"] == "Gameday Card"
    # nexrender runs the same populate script on its copy of the bundle's template, then copies
    # the render to the delivery folder.
    assert [a["type"] for a in nx["assets"]] == ["script"]
    assert nx["assets"][0]["src"].endswith("/populate-current.jsx")
    assert nx["template"]["src"].endswith("/template/template-gameday-card.aepx")
    delivered = folder / "delivery" / PurePath(job.output_name).with_suffix(".mov").name
    assert nx["actions"]["postrender"][-1] == {"module": "@nexrender/action-copy", "output": str(delivered)}
    assert nx["template"]["outputExt"] == "mov"
    assert "Gameday Card" in (folder / "README.txt").read_text()
    assert job.deploy["state"] == "delivered" and job.deploy["manifest_sha256"]
    assert JobLog.objects.filter(job=job, action="deployed").count() == 1


@pytest.mark.django_db
def test_deploying_twice_gives_the_same_bundle(to_stage_4, deployer, django_capture_on_commit_callbacks):
    job = to_stage_4()
    first = (bundle_dir(job) / "manifest.json").read_bytes()
    from jobs.stages.deploy import validate_and_deploy

    again = validate_and_deploy(Job.objects.get(pk=job.pk))
    assert again.fields["deploy"]["manifest_sha256"] == job.deploy["manifest_sha256"]
    assert (bundle_dir(job) / "manifest.json").read_bytes() == first


@pytest.mark.django_db
def test_a_persons_approval_confirms_low_confidence_matches_so_deploy_does_not_block(to_stage_4, settings):
    settings.AEA_MATCH_REVIEW_THRESHOLD = 0.99  # every automatic match is below it
    job = to_stage_4(confirm=False)  # approved anyway at Stage 2, without confirming one by one
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.COMPLETED), job.validation
    rules = {f["rule"] for f in job.validation["findings"]}
    assert "low-confidence-unconfirmed" not in rules
    assert bundle_dir(job).exists()


@pytest.mark.django_db
def test_low_confidence_matches_nobody_approved_still_block_deploy(to_stage_4, settings):
    """The rule stays for matches that reach Stage 4 unconfirmed (edited outside the approval)."""
    job = to_stage_4()
    from jobs.stages.deploy import validate_and_deploy

    settings.AEA_MATCH_REVIEW_THRESHOLD = 0.99
    Job.objects.filter(pk=job.pk).update(matches=[{**m, "confirmed": False} for m in job.matches])
    outcome = validate_and_deploy(Job.objects.get(pk=job.pk))
    assert outcome.action == "deploy_blocked"
    assert "low-confidence-unconfirmed" in {f["rule"] for f in outcome.fields["validation"]["findings"]}


@pytest.mark.django_db
def test_warnings_wait_for_a_sign_off_with_permission_and_reason(
    input_root, producer, reviewer, approver, deployer, django_capture_on_commit_callbacks
):
    # A style variant of the template sets All Caps on the match-up line: "vs" will show as "VS".
    write_template_file(input_root / "demo" / "gameday-card-caps.aepx", all_caps=True)
    csv = batch_csv([("CAPS-1", "gameday-avery.psd", "", "", "high")], folder="demo")
    result = batch_import(data=csv.replace("gameday-card.aepx", "gameday-card-caps.aepx").encode(),
                          filename="caps.csv", user=producer)
    with django_capture_on_commit_callbacks(execute=True):
        batch_start(batch=result.batch, user=producer)
    job = Job.objects.get()
    changes = confirm_all(job)
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_matching(job=job, user=reviewer, changes=changes)
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_preview(job=job, user=approver)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.NEEDS_ATTENTION)
    assert job.validation["errors"] == 0 and job.validation["warnings"] >= 1, job.validation["findings"]
    assert "all-caps-text" in {f["rule"] for f in job.validation["findings"] if f["severity"] == "warning"}

    with pytest.raises(PermissionRefused):
        job_sign_off(job=job, user=reviewer, reason="fine")
    with pytest.raises(ReasonRequired):
        job_sign_off(job=job, user=deployer, reason="  ")
    assert Job.objects.get(pk=job.pk).status == Status.NEEDS_ATTENTION

    with django_capture_on_commit_callbacks(execute=True):
        job_sign_off(job=job, user=deployer, reason="upper case is the house style")
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.COMPLETED), job.validation
    log = JobLog.objects.get(job=job, action="sign_off")
    assert log.user == deployer and log.details["reason"] == "upper case is the house style"
    assert verify_bundle(bundle_dir(job)) == []
    assert all(w.resolved_by == deployer for w in JobWarning.objects.filter(job=job, stage=Stage.DEPLOY))


@needs_server
@pytest.mark.django_db
def test_nexrender_target_submits_the_job_and_tracks_its_state(
    input_root, producer, reviewer, approver, settings, server, django_capture_on_commit_callbacks
):
    settings.NEXRENDER_URL, settings.NEXRENDER_SECRET = server.url, server.secret
    import_and_start(producer, ROWS[:1], django_capture_on_commit_callbacks)
    job = Job.objects.get()
    job.batch.deploy_target = "nexrender"
    job.batch.save(update_fields=["deploy_target"])
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_matching(job=job, user=reviewer, changes=confirm_all(job))
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_preview(job=job, user=approver)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.COMPLETED), job.last_error
    assert job.deploy["target"] == "nexrender" and job.deploy["state"] == "queued"
    stored = NexrenderClient(server.url, server.secret).get(job.deploy["uid"])
    assert stored["template"]["composition"] == "Gameday Card"
    assert stored["state"] == "queued"

    # Running the deploy again (a task delivered twice) does not submit a second job.
    from jobs.stages.deploy import validate_and_deploy

    assert validate_and_deploy(Job.objects.get(pk=job.pk)).fields["deploy"]["uid"] == job.deploy["uid"]
    jobs_on_server = json.loads(Path(server.database).read_text())
    assert [j["uid"] for j in jobs_on_server] == [job.deploy["uid"]]

    # The refresh task copies nexrender's state into the job.
    from jobs.stages.deploy import refresh_nexrender_states

    Job.objects.filter(pk=job.pk).update(deploy={**job.deploy, "state": "stale"})
    assert refresh_nexrender_states() == 1
    assert Job.objects.get(pk=job.pk).deploy["state"] == "queued"

    # A render that fails on the farm (as a worker reports it) is recorded on the job, which
    # then needs attention with nexrender's reason; Retry submits the bundle anew.
    import urllib.request

    failed = {"state": "error", "error": "aerender ERROR: Error executing script: 1 failure: no layer matchup"}
    request = urllib.request.Request(f"{server.url}/api/v1/jobs/{job.deploy['uid']}", method="PUT",  # noqa: S310
                                     data=json.dumps(failed).encode(),
                                     headers={"Content-Type": "application/json", "nexrender-secret": server.secret})
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310  (the local test server)
    assert refresh_nexrender_states() == 1
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.NEEDS_ATTENTION)
    assert "no layer matchup" in job.last_error and job.deploy["state"] == "error"
    warning = JobWarning.objects.get(job=job, code="render_failed")
    assert warning.severity == "error" and "Error executing script" in warning.message
    assert JobLog.objects.filter(job=job, action="render_failed", actor="system").count() == 1
    assert refresh_nexrender_states() == 0  # a final state is not asked again
    from jobs.services import job_retry

    with django_capture_on_commit_callbacks(execute=True):
        job_retry(job=job, user=producer)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.COMPLETED), job.last_error
    assert job.deploy["uid"].endswith("-r1") and job.deploy["state"] == "queued"
