"""Jobs of jobs.formats.nexrender delivered by nexrender's own job runner.

jobs/tests/nexrender_core/run_job.js runs a job through the real ``@nexrender/core`` (its
download, script assembly, aerender call, post-render ``@nexrender/action-copy`` and cleanup)
with ``binary`` = the stand-in aerender of that folder, which runs the ``-r`` script against
the After Effects stand-in of jobs/tests/js and writes a JSON report of the render. The
template is the project's demo template (jobs.demo); the stand-in builds its project from the
template's description (``read_template(...).to_dict()``), handed over in a file.

Skipped when node or jobs/tests/nexrender_core/node_modules is missing (``make js``), and
where the stand-in cannot run (Windows: it is a sh script; WSL: nexrender's init() then wants
a Windows drive map).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from jobs.demo import write_template_file
from jobs.formats.aep import read_template
from jobs.formats.nexrender import FootageAsset, TextAsset, nexrender_job

TESTS = Path(__file__).resolve().parents[1]
CORE_DIR = TESTS / "nexrender_core"
NODE = shutil.which("node")
COMP = "Gameday Card"
STEPS = ["render:setup", "render:predownload", "render:download", "render:postdownload", "render:prerender",
         "render:script", "render:dorender", "render:postrender", "render:cleanup"]


def _skip_reason() -> str | None:
    if NODE is None:
        return "needs node"
    if sys.platform == "win32":
        return "the stand-in aerender is a sh script"
    modules = CORE_DIR / "node_modules" / "@nexrender"
    if not ((modules / "core").is_dir() and (modules / "action-copy").is_dir()):
        return "needs jobs/tests/nexrender_core/node_modules (run: make js)"
    try:
        if "microsoft" in Path("/proc/version").read_text().lower():
            return "nexrender's init() wants a Windows drive map (wslMap) under WSL"
    except OSError:
        pass
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


@pytest.fixture
def machine(tmp_path: Path) -> dict[str, Path]:
    """The render machine: the demo template and two PNGs; the delivery folder not made yet."""
    (tmp_path / "templates").mkdir()
    template = write_template_file(tmp_path / "templates" / "gameday-card.aepx")
    exports = tmp_path / "exports"
    exports.mkdir()
    Image.new("RGBA", (200, 200), (255, 0, 0, 255)).save(exports / "logo.png")
    Image.new("RGBA", (320, 490), (0, 255, 0, 255)).save(exports / "player.png")
    description = tmp_path / "description.json"
    description.write_text(json.dumps(read_template(template).to_dict()), encoding="utf-8")
    return {"root": tmp_path, "template": template, "logo": exports / "logo.png", "player": exports / "player.png",
            "description": description, "delivery": tmp_path / "delivery"}


def run_job(job: dict, machine: dict[str, Path]) -> dict:
    """nexrender's run of ``job``: run_job.js's summary."""
    root = machine["root"]
    job_file = root / f"{job.get('uid', 'job')}.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    proc = subprocess.run([NODE, str(CORE_DIR / "run_job.js"), str(job_file), str(root / "work"),
                           str(machine["description"])],
                          capture_output=True, text=True, timeout=180, cwd=CORE_DIR)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def job_for(machine: dict[str, Path], uid: str, **kwargs) -> dict:
    values = dict(template_src=machine["template"], composition=COMP, output_module="Lossless",
                  render_settings="Best Settings", deliver_to=machine["delivery"], output_name=f"{uid}_final.aep",
                  uid=uid)
    values.update(kwargs)
    return nexrender_job(**values)


def finished(summary: dict) -> dict:
    assert summary["state"] == "finished", (summary["error"], summary["log"])
    assert summary["steps"] == STEPS  # the script before the render, the copy before the cleanup
    assert summary["patched"]  # nexrender patched the stand-in install's commandLineRenderer.jsx
    assert not summary["workpath_exists"] and not Path(summary["workpath"]).exists()  # cleaned up
    return summary


def layers(report: dict) -> dict[int, dict]:
    comp = next(c for c in report["standin"]["final"] if c["name"] == COMP)
    return {layer["index"]: layer for layer in comp["layers"]}


def test_nexrenders_own_assets_are_applied_and_the_render_arrives_after_the_cleanup(machine):
    job = job_for(machine, "demo-001",
                  footage=[FootageAsset("teamlogo", str(machine["logo"]), COMP, 4),
                           FootageAsset("featuredimage", str(machine["player"]), COMP, 5)],
                  texts=[TextAsset("player1fullname", "JORDAN AVERY", COMP, 1),
                         TextAsset("matchup", "THUNDER vs ROCKETS \u00e9\u00e8 \U0001F3C0", COMP, 2)])
    summary = finished(run_job(job, machine))

    delivered = machine["delivery"] / "demo-001_final.mov"
    assert sorted(machine["delivery"].iterdir()) == [delivered]
    workpath = Path(summary["workpath"])
    assert summary["output"] == str(workpath / "result.mov")
    report = json.loads(delivered.read_text(encoding="utf-8"))
    assert (report["composition"], report["output_module"], report["render_settings"]) == (
        COMP, "Lossless", "Best Settings")
    assert report["output"] == summary["output"] and report["exit_code"] == 0
    assert report["scripts"] == [str(workpath / "nexrender-demo-001-script.jsx")]  # nexrender's own script

    final = layers(report)
    assert final[1]["text"] == "JORDAN AVERY" and final[1]["font"] == "Futura-Bold"
    assert final[2]["text"] == "THUNDER vs ROCKETS \u00e9\u00e8 \U0001F3C0"
    assert final[3]["text"] == "DAY 0:00 PM"  # untouched
    # Footage replaced by nexrender's copies in its (now deleted) work folder, at pixel size.
    assert final[4]["source"]["file"] == str(workpath / "logo.png")
    assert final[5]["source"]["file"] == str(workpath / "player.png")
    assert final[4]["scale"][:2] == [100, 100]


def test_the_populate_script_runs_as_a_script_asset_and_its_render_is_delivered(machine):
    from jobs.formats.extendscript import ReplaceFootage, ScriptPlan, SetText, generate_script

    # mode "current": populate the project aerender opened (nexrender's copy), as a script asset.
    plan = ScriptPlan(mode="current", composition=COMP, operations=(
        SetText(COMP, "player1fullname", 1, "MAYA CHEN"),
        SetText(COMP, "gametime", 3, "SUN 2:00 PM"),
        ReplaceFootage(COMP, "teamlogo", 4, str(machine["logo"]), image_size=(200, 200), box=(0, 0, 260, 260),
                       anchor_map=(200 / 260, 0, 200 / 260, 0), fit="fit", anchor=(100, 100), scale=(130, 130)),
    ))
    script = machine["root"] / "bundle" / "populate.jsx"
    script.parent.mkdir()
    script.write_bytes(generate_script(plan).encode("ascii"))
    summary = finished(run_job(job_for(machine, "demo-002", scripts=[script]), machine))

    report = json.loads((machine["delivery"] / "demo-002_final.mov").read_text(encoding="utf-8"))
    assert report["standin"]["opened"] == [str(Path(summary["workpath"]) / "gameday-card.aepx")]
    final = layers(report)
    assert final[1]["text"] == "MAYA CHEN" and final[3]["text"] == "SUN 2:00 PM"
    assert final[2]["text"] == "HOME vs AWAY"
    assert final[4]["source"]["file"] == str(machine["logo"])
    assert final[4]["scale"][:2] == [130, 130]  # 200 px fitted into the 260 px placeholder
    assert summary["error"] is None


def test_a_script_that_throws_fails_the_job_with_its_message_and_delivers_nothing(machine):
    script = machine["root"] / "broken.jsx"
    script.write_text('throw new Error("populate: no layer named \\"ghost\\" in Gameday Card");\n')
    summary = run_job(job_for(machine, "demo-003", scripts=[script]), machine)

    assert summary["state"] == "error" and summary["failed_step"] == "render:dorender"
    assert "aerender ERROR: Error executing script: " in summary["error"]
    assert 'populate: no layer named "ghost" in Gameday Card' in summary["error"]
    assert "Runtime error in After Effects" in summary["error"]
    assert not machine["delivery"].exists()
    assert not Path(summary["workpath"]).exists()  # nexrender cleans up after a failure too


def test_a_populate_script_naming_a_missing_layer_fails_the_job(machine):
    from jobs.formats.extendscript import ScriptPlan, SetText, generate_script

    plan = ScriptPlan(mode="current", composition=COMP, operations=(
        SetText(COMP, "player1fullname", 1, "MAYA CHEN"),
        SetText(COMP, "ghostlayer", 9, "BOO"),
    ))
    script = machine["root"] / "populate.jsx"
    script.write_bytes(generate_script(plan).encode("ascii"))
    summary = run_job(job_for(machine, "demo-007", scripts=[script]), machine)
    assert summary["state"] == "error" and summary["failed_step"] == "render:dorender"
    assert "aerender ERROR: Error executing script: " in summary["error"]
    assert "ghostlayer" in summary["error"]  # the script's own message reaches nexrender's error
    assert not machine["delivery"].exists()


def test_a_missing_layer_in_nexrenders_own_assets_fails_the_job(machine):
    job = job_for(machine, "demo-004", texts=[TextAsset("ghost", "BOO", COMP)])
    summary = run_job(job, machine)
    assert summary["state"] == "error" and summary["failed_step"] == "render:dorender"
    assert "nexrender: Couldn't find any layers by provided name (ghost)" in summary["error"]
    assert summary["render_errors"] and "ghost" in summary["render_errors"][0]  # what a worker reports
    assert not machine["delivery"].exists()


def test_an_exit_code_set_by_the_script_fails_the_job_although_it_rendered(machine):
    script = machine["root"] / "exit-code.jsx"
    script.write_text("app.exitCode = 9;\n")
    summary = run_job(job_for(machine, "demo-005", scripts=[script]), machine)
    assert summary["state"] == "error" and summary["failed_step"] == "render:dorender"
    assert "Finished composition" in summary["error"]  # nexrender's error is aerender's output
    assert not machine["delivery"].exists()


def test_an_output_ext_the_output_module_does_not_write_loses_the_render(machine):
    job = job_for(machine, "demo-006")
    job["template"]["outputExt"] = "mp4"  # nexrender_job refuses this for "Lossless"
    summary = run_job(job, machine)
    assert summary["state"] == "error" and summary["failed_step"] == "render:dorender"
    assert "Couldn't find a result file" in summary["error"]
    assert not machine["delivery"].exists()
