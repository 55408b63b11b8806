"""The script relinks the template's footage to the bundle's copies (After Effects' "Collect Files").

A render plan built with ``template_path`` and ``locate`` lists the footage files the kept layers
render (``plan.files``), copied into the bundle as ``footage/<id>-<name>``. The script points
each footage item at its copy, in both modes, before any operation: by its id, else by the path
the template recorded, else by its name. A copy that is missing, or an item the template lost,
is a failure naming the footage (the script throws, nothing is saved). Run under the After
Effects stand-in of jobs/tests/js (skipped without node), except the pure-Python checks.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from jobs.formats.descriptions import Footage, TemplateDocument
from jobs.formats.extendscript import (
    Relink,
    ScriptError,
    ScriptPlan,
    parse_log,
    plan_literal,
    script_from_render_plan,
    script_plan_from_render_plan,
)
from jobs.formats.render_plan import RenderPlan, build_render_plan

from .extendscript_support import (
    APPROVED,
    IMAGES,
    LOCAL,
    TEXTS,
    assert_clean_run,
    assert_texts_match_the_plan,
    footage_layer,
    layers_of,
    needs_node,
    output,
    psd_of,
    read_log,
    render_root,
    run_script,
    stand_in_description,
    template_document,
)

BUNDLE = f"{LOCAL}/bundle 100%"  # a % in the bundle's own path (the PLAN writes it %25)
OVERLAY = Footage(None, "overlay.png", path="C:\\Users\\designer\\overlay.png", width=1920, height=1080, missing=True)


def relink_template() -> TemplateDocument:
    """The split-screen-like template plus a kept overlay whose footage item has no id."""
    base = template_document()
    split = base.composition("Split Screen")
    overlay = footage_layer(7, "overlay", OVERLAY, position=(960, 540))
    split = dataclasses.replace(split, layers=(*split.layers, overlay))
    return dataclasses.replace(base, compositions=(base.compositions[0], split, base.compositions[2]),
                               footage=(*base.footage, OVERLAY))


def relink_plan(template: TemplateDocument | None = None) -> RenderPlan:
    """The approved plan, with every file the template renders found under the input roots."""
    return build_render_plan(
        template=template or relink_template(), psd=psd_of(TEXTS, IMAGES), matches=APPROVED, image_sizes=IMAGES,
        template_path=f"{LOCAL}/templates/gameday.aep",
        locate=lambda footage: (f"{LOCAL}/in/found/{footage.name}", True),
    )


def bundle_of(render: Path) -> Path:
    return render / "bundle 100%"


def write_relink_bundle(plan: RenderPlan, render: Path) -> dict[str, dict]:
    """The plan's images and collected files in the bundle; the stand-in's ``imports``."""
    bundle = bundle_of(render)
    imports = {}
    for placement in plan.footage:
        path = bundle / placement.image
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x89PNG")
        imports[str(path)] = {"width": placement.image_size[0], "height": placement.image_size[1]}
    for collected in plan.files:
        path = bundle / collected.bundle_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x89PNG")
        imports[str(path)] = {"width": 1920, "height": 1080}
    return imports


def relink_script(plan: RenderPlan, render: Path, **kwargs) -> str:
    kwargs.setdefault("template_path", f"{LOCAL}/templates/gameday.aep")
    kwargs.setdefault("output_path", f"{LOCAL}/out/job-1/test001_final.aep")
    return script_from_render_plan(plan, bundle_dir=BUNDLE, path_mappings=[(LOCAL, str(render))], **kwargs)


@pytest.fixture
def render(tmp_path: Path) -> Path:
    return render_root(tmp_path)


# --------------------------------------------------------------------------------------------
# The script plan (pure Python)


def test_the_plan_collects_what_the_kept_layers_render():
    plan = relink_plan()
    assert [(f.footage_id, f.name, f.bundle_path) for f in plan.files] == [
        (32, "background.png", "footage/32-background.png"), (None, "overlay.png", "footage/2-overlay.png")]


def test_the_script_plan_relinks_each_collected_file_to_its_mapped_bundle_copy():
    plan = relink_plan()
    script_plan = script_plan_from_render_plan(plan, template_path="/t", output_path="/o", bundle_dir=BUNDLE,
                                               path_mappings=[(LOCAL, "Z:\\aea")])
    assert script_plan.relinks == (
        Relink(32, "background.png", "/Users/designer/background.png", "Z:\\aea\\bundle 100%\\footage\\32-background.png"),
        Relink(None, "overlay.png", "C:\\Users\\designer\\overlay.png", "Z:\\aea\\bundle 100%\\footage\\2-overlay.png"),
    )
    literal = plan_literal(script_plan)
    # File paths have % written %25; the recorded path is compared, never given to File.
    assert ('{"id": 32, "name": "background.png", "recorded": "/Users/designer/background.png", '
            '"file": "Z:\\u005Caea\\u005Cbundle 100%25\\u005Cfootage\\u005C32-background.png"}') in literal
    assert '"id": null, "name": "overlay.png", "recorded": "C:\\u005CUsers\\u005Cdesigner\\u005Coverlay.png"' in literal
    current = script_plan_from_render_plan(plan, template_path=None, output_path=None, bundle_dir=BUNDLE,
                                           mode="current")
    assert [r.file_path for r in current.relinks] == [f"{BUNDLE}/footage/32-background.png",
                                                      f"{BUNDLE}/footage/2-overlay.png"]


def test_a_plan_without_collected_files_relinks_nothing():
    plan = dataclasses.replace(relink_plan(), files=())
    script_plan = script_plan_from_render_plan(plan, template_path="/t", output_path="/o", bundle_dir="/b")
    assert script_plan.relinks == ()
    assert '"relinks": []' in plan_literal(script_plan)


def test_relink_values_are_checked():
    Relink(None, "a.png", "", "/b/a.png")
    for bad, message in (({"footage_id": 0}, "footage_id"), ({"footage_id": True}, "footage_id"),
                         ({"footage_id": "32"}, "footage_id"), ({"name": ""}, "name"),
                         ({"name": None}, "name must be a string"), ({"recorded_path": None}, "recorded_path"),
                         ({"file_path": ""}, "file_path"), ({"file_path": 3}, "file_path")):
        with pytest.raises(ScriptError, match=message):
            Relink(**{"footage_id": 32, "name": "a.png", "recorded_path": "/r/a.png", "file_path": "/b/a.png", **bad})
    with pytest.raises(ScriptError, match="two relinks"):
        ScriptPlan(template_path="/t", output_path="/o",
                   relinks=(Relink(32, "a.png", "", "/b/1"), Relink(32, "a.png", "", "/b/2")))
    with pytest.raises(ScriptError, match="unknown relink"):
        ScriptPlan(template_path="/t", output_path="/o", relinks=({"id": 32},))  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Under the stand-in


@needs_node
def test_the_script_relinks_each_footage_item_to_the_bundles_copy(tmp_path, render):
    plan = relink_plan()
    description = stand_in_description(relink_template(), write_relink_bundle(plan, render))
    record = run_script(relink_script(plan, render), description, tmp_path)
    assert_clean_run(record)
    footage = bundle_of(render) / "footage"
    relinked = {r["name"]: r for r in record["relinked"]}
    assert relinked["background.png"] == {"id": 32, "name": "background.png", "file": str(footage / "32-background.png")}
    assert relinked["overlay.png"]["file"] == str(footage / "2-overlay.png")  # found by its recorded path
    assert len(record["relinked"]) == 2
    # The kept layers that use them show the bundle's copies; the items keep their names.
    split = layers_of(record, "Split Screen")
    assert split[6]["source"] == {"name": "background.png", "file": str(footage / "32-background.png")}
    assert split[7]["source"] == {"name": "overlay.png", "file": str(footage / "2-overlay.png")}
    # ...and the plan's operations still happened, after the relinks, in the one undo group.
    assert_texts_match_the_plan(record, plan)
    assert len(record["replaced"]) == 3
    order = [c["call"] for c in record["calls"]]
    assert order.index("beginUndoGroup") < order.index("footage.replace") < order.index("importFile")
    assert max(i for i, call in enumerate(order) if call == "footage.replace") < order.index("importFile")
    assert record["saved"] == [str(output(render))]
    log = read_log(render)
    relinks = [e for e in log.entries if e["step"] == "relink"]
    assert [(e["level"], e["footage"], e["path"]) for e in relinks] == [
        ("ok", "background.png", str(footage / "32-background.png")),
        ("ok", "overlay.png", str(footage / "2-overlay.png"))]
    assert log.failures == () and log.warnings == ()


@needs_node
def test_mode_current_relinks_too(tmp_path, render):
    plan = relink_plan()
    description = stand_in_description(relink_template(), write_relink_bundle(plan, render), project_open=True)
    script = relink_script(plan, render, mode="current", template_path=None, output_path=None,
                           log_path=f"{LOCAL}/work/populate.log")
    record = run_script(script, description, tmp_path)
    assert_clean_run(record)
    assert (record["opened"], record["saved"]) == ([], [])
    footage = bundle_of(render) / "footage"
    assert sorted(r["file"] for r in record["relinked"]) == [str(footage / "2-overlay.png"),
                                                             str(footage / "32-background.png")]
    assert layers_of(record, "Split Screen")[6]["source"]["file"] == str(footage / "32-background.png")
    log = parse_log((render / "work" / "populate.log").read_text(encoding="utf-8"))
    assert log.summary["mode"] == "current" and log.summary["failures"] == 0


@needs_node
def test_a_missing_bundle_copy_throws_naming_it(tmp_path, render):
    plan = relink_plan()
    description = stand_in_description(relink_template(), write_relink_bundle(plan, render))
    (bundle_of(render) / "footage" / "32-background.png").unlink()
    record = run_script(relink_script(plan, render), description, tmp_path, fails=True)
    assert "background.png" in record["stderr"] and "is missing" in record["stderr"]
    assert record["exit_code"] == 1 and record["saved"] == [] and not output(render).exists()
    assert [r["name"] for r in record["relinked"]] == ["overlay.png"]  # the other relink still happened
    assert [(f["step"], f["footage"]) for f in read_log(render).failures] == [("relink", "background.png")]


@needs_node
def test_a_footage_item_the_template_lost_throws_naming_it(tmp_path, render):
    plan = relink_plan()
    changed = relink_template()
    split = changed.composition("Split Screen")
    split = dataclasses.replace(split, layers=tuple(layer for layer in split.layers if layer.index != 6))
    changed = dataclasses.replace(changed, compositions=(changed.compositions[0], split, changed.compositions[2]),
                                  footage=tuple(f for f in changed.footage if f.name != "background.png"))
    description = stand_in_description(changed, write_relink_bundle(plan, render))
    record = run_script(relink_script(plan, render), description, tmp_path, fails=True)
    assert 'footage "background.png" not found' in record["stderr"]
    assert record["saved"] == []
    assert [(f["step"], f["footage"]) for f in read_log(render).failures] == [("relink", "background.png")]


@needs_node
def test_an_item_whose_id_changed_is_found_by_its_name(tmp_path, render):
    plan = relink_plan()
    changed = relink_template()
    description = stand_in_description(changed, write_relink_bundle(plan, render))
    for item in description["footage"]:
        if item["id"] == 32:
            item["id"], item["path"] = 99, "/Volumes/other/background.png"
    for comp in description["compositions"]:
        for layer in comp["layers"]:
            if (layer.get("source") or {}).get("id") == 32:
                layer["source"]["id"] = 99
    record = run_script(relink_script(plan, render), description, tmp_path)
    assert_clean_run(record)
    assert {"id": 99, "name": "background.png",
            "file": str(bundle_of(render) / "footage" / "32-background.png")} in record["relinked"]
    assert [(w["step"], w["found"]) for w in read_log(render).warnings] == [("relink", 99)]


@needs_node
def test_an_id_that_names_another_item_is_not_relinked(tmp_path, render):
    """The id of the plan's footage now names a composition: the footage is found by its name."""
    plan = relink_plan()
    description = stand_in_description(relink_template(), write_relink_bundle(plan, render))
    for item in description["footage"]:
        if item["id"] == 32:
            item["id"] = 98
    for comp in description["compositions"]:
        for layer in comp["layers"]:
            if (layer.get("source") or {}).get("id") == 32:
                layer["source"]["id"] = 98
        if comp["name"] == "Nested Logo":
            comp["id"] = 32
    record = run_script(relink_script(plan, render), description, tmp_path)
    assert_clean_run(record)
    assert 32 not in [r["id"] for r in record["relinked"]]  # the composition was left alone
    assert {"id": 98, "name": "background.png",
            "file": str(bundle_of(render) / "footage" / "32-background.png")} in record["relinked"]
    assert [(w["step"], w["found"]) for w in read_log(render).warnings] == [("relink", 98)]
