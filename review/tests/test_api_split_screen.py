"""A job over the real ``split-screen.aepx`` through the API only, from upload to bundle.

The template's footage is missing at the paths it recorded on its author's machine, but one
file of each name lies under the input roots: the render plan collects it and the scripts
relink it, so Stage 4 has nothing to sign off. The Stage 2 approval accepts low-confidence
text matches (named in its answer), so Stage 4 does not block on them either. The bundle
renders the top-level composition, both ways.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image

from jobs.formats.psd_writer import PixelLayerSpec, TypeLayerSpec, write_psd
from jobs.formats.render_plan.affine import bounds
from jobs.models import Job, JobWarning, Stage, Status
from jobs.stages.base import bundle_dir
from review.api_auth import api_token_create

from .helpers import bearer

pytestmark = pytest.mark.django_db


def split_screen_psd(path: Path) -> Path:
    # No background layer: the template's own background footage renders, and must be found.
    cutout = Image.new("RGBA", (1200, 1500), (200, 40, 40, 255))
    return write_psd(path, width=1200, height=1500, layers=[
        TypeLayerSpec("AVERY", font="Futura-Bold", size=60, color=(255, 255, 255), left=80, top=100),
        TypeLayerSpec("CHEN", font="Futura-Bold", size=60, color=(255, 255, 255), left=80, top=300),
        TypeLayerSpec("DIAZ", font="Futura-Bold", size=60, color=(255, 255, 255), left=80, top=500),
        PixelLayerSpec("featured image", cutout, left=0, top=0),
    ])


@pytest.fixture
def split_screen_root(tmp_path, settings, shared_fixtures):
    """An input root with the template, its footage in another folder than recorded, and a PSD."""
    root = tmp_path / "in"
    (root / "templates").mkdir(parents=True)
    (root / "assets" / "found-here").mkdir(parents=True)
    shutil.copyfile(shared_fixtures / "aepx" / "split-screen.aepx", root / "templates" / "split-screen.aepx")
    for name in ("cutout.png", "green_yellow_bg.png"):
        shutil.copyfile(shared_fixtures / "aepx" / "footage" / name, root / "assets" / "found-here" / name)
    split_screen_psd(root / "lineup.psd")
    settings.INPUT_ROOTS = [root.resolve()]
    settings.AEA_MATCH_REVIEW_THRESHOLD = 0.99  # the matcher's text matches fall below it
    return root


def post(client, url, body=None, **auth):
    return client.post(url, data=json.dumps(body) if body is not None else "", content_type="application/json",
                       **auth)


@pytest.fixture
def deployed(split_screen_root, django_user_model, django_capture_on_commit_callbacks):
    """The job taken from upload to a deployed bundle through the API only; what it answered."""
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    auth = bearer(api_token_create(user=boss, name="tests").raw)
    client = Client()
    csv = (b"job_id,psd_path,aepx_path,output_name,client_name\n"
           b"SPLIT-1,lineup.psd,templates/split-screen.aepx,split_final.aep,Acme\n")
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):  # the background import runs inline here
        uploaded = client.post("/api/batch/upload", {"csv_file": SimpleUploadedFile("b.csv", csv, "text/csv")},
                               **auth)
    assert uploaded.status_code == 202, uploaded.content
    batch_id = uploaded.json()["batch_id"]
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, f"/api/batch/{batch_id}/start-processing", **auth).status_code == 200
    status = client.get("/api/job/SPLIT-1/preprocessing-status/1", **auth).json()
    assert status["state"] == "done", status
    job = client.get("/api/job/SPLIT-1", **auth).json()
    assert (job["stage"], job["status"]) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), job["last_error"]

    with django_capture_on_commit_callbacks(execute=True):
        approved = post(client, "/api/job/SPLIT-1/approve-stage2", **auth)
    assert approved.status_code == 200, approved.content
    anyway = approved.json()["approved_anyway"]
    assert any(item.startswith("player1fullname (test-aep) → ") for item in anyway), anyway
    assert "green_yellow_bg.png (test-aep) stays empty" in anyway

    job = Job.objects.get(job_id="SPLIT-1")
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL), job.last_error
    assert job.preview["main_composition"] == "test-aep"  # the top-level one, not its precomp
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/api/job/SPLIT-1/approve-stage3", {"approval_notes": "as approved"},
                    **auth).status_code == 200

    answer = client.get("/api/job/SPLIT-1", **auth).json()
    job.refresh_from_db()
    return {"job": job, "answer": answer, "approved_anyway": anyway, "root": split_screen_root}


def test_split_screen_deploys_through_the_api_without_anyone_signing_off(deployed):
    job, answer, anyway, split_screen_root = (deployed[k] for k in ("job", "answer", "approved_anyway", "root"))
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.COMPLETED), (job.last_error, job.validation)
    assert job.validation["errors"] == 0 and job.validation["warnings"] == 0, job.validation["findings"]
    assert not job.validation["signed_off"]
    relinked = JobWarning.objects.get(job=job, stage=Stage.DEPLOY, code="footage-missing")
    assert relinked.resolved_at and "green_yellow_bg.png" in relinked.message and "relinks it" in relinked.message
    assert answer["deploy"]["state"] == "delivered"

    folder = bundle_dir(job)
    plan = json.loads((folder / "render_plan.json").read_text())
    assert plan["composition"] == "test-aep"
    collected = {f["name"]: f for f in plan["files"]}
    assert collected["green_yellow_bg.png"]["relinked"]  # its layer is kept (the PSD has no background)
    assert "cutout.png" not in collected  # only the replaced featuredimage1 used it
    for entry in plan["files"]:
        assert (folder / entry["bundle_path"]).is_file()
    assert (folder / plan["template_file"]).read_bytes() == (
        split_screen_root / "templates" / "split-screen.aepx").read_bytes()
    nexrender_job = json.loads((folder / "nexrender.json").read_text())
    assert nexrender_job["template"]["composition"] == "test-aep"
    assert nexrender_job["actions"]["postrender"][-1]["module"] == "@nexrender/action-copy"
    assert [a["type"] for a in nexrender_job["assets"]] == ["script"]
    commands = json.loads((folder / "aerender.json").read_text())
    assert commands["render"][commands["render"].index("-comp") + 1] == "test-aep"
    assert commands["populate_and_render"][commands["populate_and_render"].index("-comp") + 1] == "test-aep"
    for script in ("populate.jsx", "populate-current.jsx"):
        text = (folder / script).read_text()
        assert "renderQueue.items.add" not in text
    approvals = json.loads((folder / "approvals.json").read_text())
    assert [(a["stage"], a["by"]) for a in approvals] == [(2, "boss"), (3, "boss")]
    assert approvals[1]["notes"] == "as approved" and approvals[0]["approved_anyway"] == anyway
    readme = (folder / "README.txt").read_text()
    assert commands["platform"] == "macos" and "test-aep" in readme and "DoScriptFile" in readme
    assert (folder / "preview.png").is_file() and (folder / "comparison.png").is_file()


def bundle_description(folder: Path, *, drop_layer: str | None = None) -> dict:
    """The stand-in's project: the bundle's template as read, and the PNGs it will import."""
    from jobs.formats.aep import read_template

    plan = json.loads((folder / "render_plan.json").read_text())
    description = read_template(folder / plan["template_file"]).to_dict()
    if drop_layer is not None:
        for comp in description["compositions"]:
            comp["layers"] = [layer for layer in comp["layers"] if layer["name"] != drop_layer]
    description["imports"] = {}
    for placement in plan["footage"]:
        width, height = placement["image_size"]
        description["imports"][str(folder / placement["image"])] = {"width": width, "height": height}
    for item in plan["files"]:
        with Image.open(folder / item["bundle_path"]) as image:
            description["imports"][str(folder / item["bundle_path"])] = {"width": image.width,
                                                                          "height": image.height}
    return description


def test_the_bundles_nexrender_job_delivers_and_places_footage_as_approved(deployed, tmp_path):
    from jobs.formats.render_plan import RenderPlan
    from jobs.tests.formats.test_nexrender_core import _skip_reason, finished, run_job

    if _skip_reason():
        pytest.skip(_skip_reason())
    job = deployed["job"]
    folder = bundle_dir(job)
    description = tmp_path / "description.json"
    description.write_text(json.dumps(bundle_description(folder)))
    nexrender_job = json.loads((folder / "nexrender.json").read_text())
    summary = finished(run_job({**nexrender_job, "uid": "split-1"},
                               {"root": tmp_path, "description": description}))

    delivered = Path(nexrender_job["actions"]["postrender"][-1]["output"])
    assert delivered.is_file() and delivered.parent == folder / "delivery"
    report = json.loads(delivered.read_text())
    assert report["composition"] == "test-aep"  # the top-level composition, populated
    plan = RenderPlan.from_dict(json.loads((folder / "render_plan.json").read_text()))
    boxes = {(f["composition"], f["index"]): f["box"] for f in report["standin"]["footage"]}
    for placement in plan.footage:
        assert boxes[(placement.composition, placement.layer_index)] == pytest.approx(
            bounds(placement.visible), abs=1.0), placement.layer_name
    texts = {(t["composition"], t["index"]): t["text"] for t in report["standin"]["texts"]}
    assert texts == {(t.composition, t.layer_index): t.text for t in plan.texts}
    # What the approver saw is what rendered: each image the preview drew (the bounds of its
    # drawn pixels) sits where the render put the replaced layer, within 1 px.
    drawn = {(comp["name"], entry["index"]): entry["drawn_bounds"]
             for comp in job.preview["metrics"]["compositions"] for entry in comp["images"]
             if entry.get("drawn_bounds")}
    assert ("test-aep", 4) in drawn  # featuredimage1, in the render composition
    for key, bounds_drawn in drawn.items():
        assert boxes[key] == pytest.approx(bounds_drawn, abs=1.0), key
    # The template's background footage, missing at the path it recorded, was relinked by the
    # script to the bundle's copy: the kept layer that shows it renders the collected file.
    background = next(f for f in plan.files if f.name == "green_yellow_bg.png")
    bundled = str(folder / background.bundle_path)
    assert background.bundle_path.startswith("footage/") and Path(bundled).is_file()
    assert {"id": background.footage_id, "name": "green_yellow_bg.png", "file": bundled} in report["standin"]["relinked"]
    shown = [layer["source"] for comp in report["standin"]["final"] for layer in comp["layers"]
             if layer.get("source") and layer["source"]["name"] == "green_yellow_bg.png"]
    assert shown and all(source["file"] == bundled for source in shown), shown
    assert summary["error"] is None


def test_the_bundles_script_fails_loudly_on_a_template_that_lost_a_mapped_layer(deployed, tmp_path):
    from jobs.tests.formats.extendscript_support import JS_DIR, NODE

    if NODE is None or not (JS_DIR / "node_modules").is_dir():
        pytest.skip("needs node and jobs/tests/js/node_modules (make js)")
    folder = bundle_dir(deployed["job"])
    description = tmp_path / "lost-layer.json"
    description.write_text(json.dumps(bundle_description(folder, drop_layer="player2fullname")))
    proc = subprocess.run([NODE, str(JS_DIR / "run_script.js"), str(folder / "populate.jsx"), str(description)],
                          capture_output=True, text=True, timeout=120, cwd=JS_DIR)
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error executing script: ") and "player2fullname" in proc.stderr
    assert not (folder / "output" / "split_final.aep").exists()  # nothing saved that was not approved
