"""What the generated script does when things go wrong, and its two modes.

Every failure (a layer or composition the template lost, a template changed since it was read,
a missing or different image, a failed save) is logged, then the script sets ``app.exitCode =
1`` and THROWS, so that run_script.js (like nexrender's patched aerender) exits non-zero with
"Error executing script: ..." naming the failures; nothing is saved after a failure. Dialogs:
suppressed and restored under AfterFX, left alone inside aerender. Mode "open" closes the
current project without saving first; mode "current" populates the open project and saves
nothing. Run under the After Effects stand-in of jobs/tests/js (skipped without node).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from jobs.formats.extendscript import js_string, parse_log

from .extendscript_support import (
    LOCAL,
    assert_clean_run,
    assert_texts_match_the_plan,
    description_for,
    layers_of,
    make_plan,
    needs_node,
    output,
    read_log,
    render_root,
    run_script,
    script_for,
    template_document,
)

pytestmark = needs_node


@pytest.fixture
def render(tmp_path: Path) -> Path:
    return render_root(tmp_path)


def test_a_template_that_lost_a_mapped_layer_throws_naming_it(tmp_path, render):
    plan = make_plan()
    changed = template_document()
    split = changed.composition("Split Screen")
    split = dataclasses.replace(split, layers=tuple(layer for layer in split.layers if layer.name != "featuredimage2"))
    changed = dataclasses.replace(changed, compositions=(changed.compositions[0], split, changed.compositions[2]))
    record = run_script(script_for(plan, render), description_for(plan, render, changed), tmp_path, fails=True)
    assert "featuredimage2" in record["stderr"] and "layer not found" in record["stderr"]
    assert record["exit_code"] == 1
    assert record["saved"] == [] and not output(render).exists()  # nothing saved after a failure
    log = read_log(render)
    assert [(f["step"], f["layer"]) for f in log.failures] == [("find-layer", "featuredimage2")]
    assert log.summary["saved"] is False and log.summary["failures"] == 1
    # The other layers were still populated (in the open project), and the undo group closed.
    assert layers_of(record, "Split Screen")[1]["text"] == "BEN FORMAN"
    assert record["undo_depth"] == 0


def test_a_missing_composition_and_render_composition_throw(tmp_path, render):
    plan = make_plan()
    changed = dataclasses.replace(template_document(), compositions=template_document().compositions[1:])
    record = run_script(script_for(plan, render), description_for(plan, render, changed), tmp_path, fails=True)
    assert "the composition to render is not in the project" in record["stderr"]
    assert [f["step"] for f in read_log(render).failures] == ["composition"]


@pytest.mark.parametrize(("change", "message"), [
    ({"source": {"id": 99, "name": "new.png", "width": 401, "height": 300}}, "the template changed since"),
    ({"source": {"id": 99, "name": "new.png", "width": 400, "height": 300, "pixel_aspect": 0.9}},
     "pixel aspect is 0.9"),
    ({"type": "text", "source": None, "text": "x"}, "not a footage layer"),
])
def test_a_template_that_changed_since_it_was_read_fails(tmp_path, render, change, message):
    plan = make_plan()
    data = description_for(plan, render)
    layer = next(layer for layer in data["compositions"][1]["layers"] if layer["index"] == 5)
    layer.update(change)
    record = run_script(script_for(plan, render), data, tmp_path, fails=True)
    assert message in record["stderr"] and "featuredimage2" in record["stderr"]
    assert [r["layer"] for r in record["replaced"]] == [4, 1]


def test_a_missing_or_different_image_fails(tmp_path, render):
    plan = make_plan()
    data = description_for(plan, render)
    (render / "bundle" / "assets" / "layer-10.png").unlink()
    data["imports"][str(render / "bundle" / "assets" / "layer-11.png")]["width"] = 799
    record = run_script(script_for(plan, render), data, tmp_path, fails=True)
    assert [(f["layer"], f["message"]) for f in read_log(render).failures] == [
        ("featuredimage1", "image not found"), ("featuredimage2", "the image is not the plan's 800x400")]
    assert "2 failures" in record["stderr"]


@pytest.mark.parametrize(("fail", "message"), [
    ("silent", "project not saved: the output does not exist"),
    ("stale", "project not saved: the output is older than the save"),
    ("throw", "the project could not be saved"),
])
def test_a_failed_save_throws(tmp_path, render, fail, message):
    plan = make_plan()
    record = run_script(script_for(plan, render), description_for(plan, render, fail_save=fail), tmp_path, fails=True)
    assert message in record["stderr"] and record["exit_code"] == 1
    assert [f["step"] for f in read_log(render).failures] == ["save"]


def test_an_existing_output_is_replaced_and_the_save_verified(tmp_path, render):
    plan = make_plan()
    output(render).parent.mkdir(parents=True)
    output(render).write_text("old")
    os.utime(output(render), (978307200, 978307200))
    record = run_script(script_for(plan, render), description_for(plan, render), tmp_path)
    assert_clean_run(record)
    assert record["files_removed"] == [str(output(render))]
    assert output(render).read_text() != "old"


def test_inside_aerender_dialog_suppression_is_left_alone(tmp_path, render):
    plan = make_plan()
    record = run_script(script_for(plan, render), description_for(plan, render, command_line_renderer=True), tmp_path)
    assert_clean_run(record)
    assert (record["suppress_dialogs"], record["end_suppress_dialogs"]) == (0, 0)
    assert record["saved"] == [str(output(render))]


def test_on_hosts_without_suppress_dialogs(tmp_path, render):
    plan = make_plan()
    record = run_script(script_for(plan, render), description_for(plan, render, no_suppress_dialogs=True), tmp_path)
    assert_clean_run(record)
    assert record["suppress_dialogs"] == 0 and record["saved"] == [str(output(render))]


def test_the_stand_in_prompts_when_a_dirty_project_is_not_closed(tmp_path, render):
    """The control of the close-first check: opening over unsaved changes is a Save prompt."""
    script = f"app.open(new File({js_string(str(render / 'templates' / 'gameday.aep'))}));"
    record = run_script(script, {"compositions": [], "dirty_project": True}, tmp_path)
    assert [a["kind"] for a in record["alerts"]] == ["confirm"]


def test_mode_current_populates_the_open_project_and_saves_nothing(tmp_path, render):
    plan = make_plan()
    script = script_for(plan, render, mode="current", template_path=None, output_path=None,
                        log_path=f"{LOCAL}/work/populate.log")
    record = run_script(script, description_for(plan, render, project_open=True), tmp_path)
    assert_clean_run(record)
    assert (record["opened"], record["closed"], record["saved"], record["render_queue"]) == ([], [], [], [])
    assert_texts_match_the_plan(record, plan)
    assert len(record["replaced"]) == 3
    log = parse_log((render / "work" / "populate.log").read_text(encoding="utf-8"))
    assert log.summary["mode"] == "current" and log.summary["failures"] == 0


def test_mode_current_fails_when_the_open_project_is_not_the_template(tmp_path, render):
    plan = make_plan()
    script = script_for(plan, render, mode="current", template_path=None, output_path=None)
    record = run_script(script, description_for(plan, render), tmp_path, fails=True)  # an empty project
    assert "composition not found" in record["stderr"] and "composition to render" in record["stderr"]

