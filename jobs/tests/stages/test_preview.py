"""Stage 3 end to end (tasks inline): approve matching → script, preview, comparison, thumbnail.

The job's own generated script then runs under the node stand-in of After Effects
(jobs/tests/js) and must set exactly the approved texts and replace exactly the approved layers.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from jobs.models import Job, JobAsset, JobLog, Stage, Status
from jobs.services import MatchChange, job_approve_matching, job_approve_preview, job_send_back
from jobs.stages.base import bundle_asset_name, bundle_dir
from jobs.transitions import PermissionRefused

from ..demo_jobs import ROWS, import_and_start

JS_DIR = Path(__file__).resolve().parents[1] / "js"
NODE = shutil.which("node")


@pytest.fixture
def approved(input_root, producer, reviewer, django_capture_on_commit_callbacks):
    import_and_start(producer, ROWS[:1], django_capture_on_commit_callbacks)
    job = Job.objects.get()
    logo = next(m for m in job.matches if m["placeholder"] == "teamlogo")
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_matching(job=job, user=reviewer,
                             changes={(logo["composition"], logo["layer_index"]): MatchChange(logo["psd_layer_id"], "fill")})
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_approval_leads_to_stage_3_with_script_preview_comparison_and_thumbnail(approved):
    job = approved
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL), job.last_error
    assets = {a.kind: a for a in JobAsset.objects.filter(job=job, stage=Stage.APPROVE_PREVIEW)}
    assert {"script", "preview", "comparison", "preview_thumbnail"} <= set(assets)
    preview = Image.open(assets["preview"].file.path)
    assert preview.size == (1200, 1500)
    # The team logo (white ring) is drawn where the template's placeholder is.
    assert preview.getpixel((1010, 70))[:3] == (255, 255, 255)
    comparison = Image.open(assets["comparison"].file.path)
    assert comparison.width > comparison.height  # design | preview, side by side
    assert max(Image.open(assets["preview_thumbnail"].file.path).size) == 256
    script = Path(assets["script"].file.path).read_text(encoding="ascii")
    assert "app.open" in script and "JORDAN AVERY".encode("ascii").hex() not in script
    assert job.preview["aerender"]["render"][0] == "aerender"
    assert "-comp" in job.preview["aerender"]["render"]
    assert job.preview["main_composition"] == "Gameday Card"


@pytest.mark.skipif(NODE is None or not (JS_DIR / "node_modules" / "acorn").is_dir(),
                    reason="needs node and jobs/tests/js/node_modules (npm ci --prefix jobs/tests/js)")
@pytest.mark.django_db
def test_the_jobs_script_sets_exactly_the_approved_texts_and_layers(approved, tmp_path):
    job = approved
    script = JobAsset.objects.get(job=job, kind="script").file.path
    description = dict(job.template_description)
    base = bundle_dir(job)
    footage = [m for m in job.matches if m["placeholder_type"] == "footage" and m["psd_layer_id"] is not None]
    layers = {layer["id"]: layer for layer in job.psd_description["layers"]}
    description["imports"] = {
        str(base / bundle_asset_name(m["psd_layer_id"])): {
            "width": layers[m["psd_layer_id"]]["bbox"][2] - layers[m["psd_layer_id"]]["bbox"][0],
            "height": layers[m["psd_layer_id"]]["bbox"][3] - layers[m["psd_layer_id"]]["bbox"][1],
        }
        for m in footage
    }
    # Stage 4 puts the PNGs and the template's copy there; here, copy them as the bundle will.
    plan = json.loads(Path(JobAsset.objects.get(job=job, kind="render_plan").file.path).read_text())
    template_copy = base / plan["template_file"]
    template_copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(job.aepx_path, template_copy)
    for m in footage:
        target = base / bundle_asset_name(m["psd_layer_id"])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(JobAsset.objects.get(job=job, kind="layer", key=str(m["psd_layer_id"])).file.path, target)
    desc_file = tmp_path / "template.json"
    desc_file.write_text(json.dumps(description))
    proc = subprocess.run([NODE, str(JS_DIR / "run_script.js"), script, str(desc_file)],
                          capture_output=True, text=True, timeout=120, cwd=JS_DIR)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["parsed"] and record["uncaught"] is None and record["alerts"] == []
    assert record["opened"] == [str(template_copy)]  # the bundle's copy, not the input root's
    assert record["saved"] == [str(base / "output" / job.output_name)]
    final = {layer["index"]: layer for layer in record["final"][0]["layers"]}
    texts = {m["layer_index"]: layers[m["psd_layer_id"]]["text"] for m in job.matches if m["placeholder_type"] == "text"}
    assert {i: final[i]["text"] for i in texts} == texts
    assert all(final[i]["font"] == final_font for i, final_font in
               ((m["layer_index"], next(t["font"] for t in job.template_description["compositions"][0]["layers"]
                                        if t["index"] == m["layer_index"])) for m in job.matches
                if m["placeholder_type"] == "text"))
    assert len(record["replaced"]) == len(footage)
    for m in footage:
        assert final[m["layer_index"]]["source"]["file"] == str(base / bundle_asset_name(m["psd_layer_id"]))
    assert sorted(record["imports"]) == sorted(description["imports"])
    untouched = [i for i in final if i not in texts and i not in {m["layer_index"] for m in footage}]
    assert untouched == [6] and final[6]["name"] == "BG Solid"


@pytest.mark.django_db
def test_approve_preview_needs_the_permission_and_send_back_returns_to_matching(approved, reviewer, approver):
    job = approved
    with pytest.raises(PermissionRefused):
        job_approve_preview(job=job, user=reviewer)
    job = job_send_back(job=job, user=approver, reason="logo is cropped")
    assert (job.stage, job.status) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)
    log = JobLog.objects.get(job=job, action="send_back_preview")
    assert log.user == approver and log.details["reason"] == "logo is cropped"
