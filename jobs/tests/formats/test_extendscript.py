"""Tests of jobs.formats.extendscript: the script as a translation of the render plan.

Pure-Python tests check escaping, paths and the script plan. The rest run the generated script
under node: acorn parses it as ECMAScript 3 (ExtendScript's dialect) and it runs in a vm
context against the After Effects stand-in of jobs/tests/js (ae_standin.js), built from a
template description. They are skipped when node or jobs/tests/js/node_modules is missing
(``npm ci --prefix jobs/tests/js``). Where each replaced layer lands is checked against the
plan in test_extendscript_geometry.py; the type check against Adobe's declarations is in
test_extendscript_types.py.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from jobs.formats.descriptions import Composition, Footage, TemplateDocument
from jobs.formats.extendscript import (
    ReplaceFootage,
    ScriptError,
    ScriptPlan,
    SetText,
    extendscript_file_path,
    generate_script,
    js_literal,
    js_string,
    map_path,
    plan_literal,
    script_plan_from_render_plan,
)
from jobs.formats.render_plan import anchor_map, new_scale

from .extendscript_support import (
    APPROVED,
    LOCAL,
    assert_clean_run,
    assert_texts_match_the_plan,
    description_for,
    footage_item,
    footage_layer,
    layers_of,
    make_plan,
    match,
    needs_node,
    output,
    parse_only,
    plan_for,
    read_log,
    render_root,
    run_script,
    script_for,
    template_document,
    text_layer,
)

HOSTILE = [
    '"); app.quit(); //',
    "'); app.quit(); //",
    "\\",
    "back\\slash \\\\ \\u0041 \\x41",
    "line1\nline2",
    "cr\rcrlf\r\n",
    "tab\there",
    "nul\x00byte",
    "ls\u2028ps\u2029end",
    "emoji \U0001F600\U0001F44D\U0001F3FD family \U0001F468\u200D\U0001F469\u200D\U0001F467",
    "RTL \u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
    "\u05e2\u05d1\u05e8\u05d9\u05ea \u202ebidi override\u202c",
    "</script><script>app.quit()</script>",
    "*/ app.quit(); /*",
    "<!-- x --> & &amp;",
    "${app.quit()} `tick`",
    "\u0085NEL \ufeffBOM \uffff \x7fDEL \x1b[31m",
    "100% %41 %25",
    "",
]


@pytest.fixture
def render(tmp_path: Path) -> Path:
    return render_root(tmp_path)


# --------------------------------------------------------------------------------------------
# Escaping and paths (pure Python)


@pytest.mark.parametrize("text", HOSTILE)
def test_js_string_is_ascii_and_decodes_to_the_same_text(text):
    literal = js_string(text)
    assert literal.isascii()
    assert all(0x20 <= ord(c) < 0x7F for c in literal)
    for dangerous in ('"', "'", "\\", "<", ">", "&"):
        assert dangerous not in literal[1:-1].replace("\\u", "")
    # JSON shares JS's string escapes: decoding the literal as JSON gives the text back.
    assert json.loads(literal) == text


def test_js_string_writes_astral_characters_as_surrogate_pairs():
    assert js_string("\U0001F600") == '"\\uD83D\\uDE00"'


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "\udc80"])
def test_js_string_rejects_lone_surrogates(bad):
    with pytest.raises(ScriptError, match="lone surrogate"):
        js_string(bad)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), object(), {1: "x"}, b"bytes"])
def test_js_literal_refuses_values_without_an_es3_literal(bad):
    with pytest.raises(ScriptError):
        js_literal(bad)


def test_js_literal_writes_nested_values():
    assert js_literal({"a": [1, 2.5, None, True, "x"]}) == '{"a": [1, 2.5, null, true, "x"]}'


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/srv/aea/exports/a b.png", "Z:\\jobs\\exports\\a b.png"),
        ("/srv/aea/exports/deep/x.png", "Z:\\jobs\\exports\\deep\\x.png"),
        ("/srv/aea/out/o.aep", "/Volumes/out/o.aep"),  # longer prefix wins
        ("/srv/aeaX/o.aep", "/srv/aeaX/o.aep"),  # not at a separator boundary: unmapped
        ("/elsewhere/o.aep", "/elsewhere/o.aep"),  # no prefix: unchanged
        ("/srv/aea", "Z:\\jobs\\"),  # the prefix itself: the remote prefix as configured
    ],
)
def test_map_path(path, expected):
    mappings = [("/srv/aea/", "Z:\\jobs\\"), ("/srv/aea/out", "/Volumes/out")]
    assert map_path(path, mappings) == expected


def test_map_path_from_the_root_and_to_a_drive_root():
    assert map_path("/a/b.png", [("/", "D:\\")]) == "D:\\a\\b.png"
    assert map_path(Path("/a/b.png"), []) == "/a/b.png"


def test_file_paths_escape_the_percent_sign_and_nothing_else():
    assert extendscript_file_path("C:\\jobs\\100%.png") == "C:\\jobs\\100%25.png"
    assert extendscript_file_path("/t/100%25.aepx") == "/t/100%2525.aepx"
    assert extendscript_file_path("/a b/\u00fc.png") == "/a b/\u00fc.png"


# --------------------------------------------------------------------------------------------
# The script plan (pure Python)


def test_the_script_plan_holds_the_render_plans_values_with_mapped_paths(tmp_path):
    plan = make_plan()
    script_plan = script_plan_from_render_plan(
        plan, template_path=f"{LOCAL}/templates/gameday.aep", output_path=f"{LOCAL}/out/o.aep",
        bundle_dir=f"{LOCAL}/bundle", path_mappings=[(LOCAL, "Z:\\aea")])
    assert (script_plan.mode, script_plan.template_path, script_plan.output_path, script_plan.log_path) == (
        "open", "Z:\\aea\\templates\\gameday.aep", "Z:\\aea\\out\\o.aep", "Z:\\aea\\out\\o.aep.log")
    assert script_plan.composition == plan.composition == "Main"
    assert script_plan.texts == tuple(SetText(p.composition, p.layer_name, p.layer_index, p.text) for p in plan.texts)
    for op, placement in zip(script_plan.footage, plan.footage, strict=True):
        assert op.file_path == f"Z:\\aea\\bundle\\assets\\layer-{placement.psd_layer_id}.png"
        assert (op.image_size, op.fit, op.box, op.anchor_map, op.anchor, op.scale, op.pixel_aspect) == (
            placement.image_size, placement.fit, placement.box, placement.anchor_map, placement.anchor,
            placement.scale, placement.pixel_aspect)
        assert op.mask == (placement.mask if placement.fit == "fill" else None)
        assert op.check_size
    assert [op.mask is not None for op in script_plan.footage] == [False, True, False]


def test_mode_current_needs_no_template_or_output_and_writes_no_log_by_default():
    plan = make_plan()
    current = script_plan_from_render_plan(plan, template_path=None, output_path=None, bundle_dir="/b", mode="current")
    assert (current.template_path, current.output_path, current.log_path) == (None, None, None)
    logged = script_plan_from_render_plan(plan, template_path=None, output_path=None, bundle_dir="/b",
                                          mode="current", log_path="/w/populate.log")
    assert logged.log_path == "/w/populate.log"
    with pytest.raises(ScriptError, match="needs template_path and output_path"):
        script_plan_from_render_plan(plan, template_path=None, output_path=None, bundle_dir="/b")
    with pytest.raises(ScriptError, match="mode must be"):
        script_plan_from_render_plan(plan, template_path="/t", output_path="/o", bundle_dir="/b", mode="render")


def test_a_placeholder_of_unknown_size_is_not_size_checked():
    template = template_document()
    split = template.composition("Split Screen")
    unknown = dataclasses.replace(split.layer(4), source=Footage(30, "cutout.png", kind="file"))
    split = dataclasses.replace(split, layers=tuple(unknown if layer.index == 4 else layer for layer in split.layers))
    template = dataclasses.replace(template, compositions=(template.compositions[0], split, template.compositions[2]))
    plan = make_plan(template, matches=APPROVED[2:3])
    op, = script_plan_from_render_plan(plan, template_path="/t", output_path="/o", bundle_dir="/b").footage
    assert not op.check_size and op.box == (0.0, 0.0, 1000.0, 2000.0)


def test_plan_values_are_checked():
    base = dict(composition="C", layer_name="f", layer_index=1, file_path="/a.png", image_size=(10, 10),
                box=(0, 0, 5, 5), anchor_map=(2, 0, 2, 0))
    ReplaceFootage(**base)
    for bad, message in (({"fit": "zoom"}, "fit must be"), ({"image_size": (0, 10)}, "image_size"),
                         ({"box": (0, 0, 0, 5)}, "is empty"), ({"anchor": (float("nan"), 1)}, "finite"),
                         ({"anchor_map": (0, 0, 1, 0)}, "not invertible"), ({"layer_index": 0}, "layer_index"),
                         ({"pixel_aspect": 0}, "pixel_aspect"), ({"file_path": ""}, "file_path")):
        with pytest.raises(ScriptError, match=message):
            ReplaceFootage(**{**base, **bad})
    with pytest.raises(ScriptError, match="two operations"):
        ScriptPlan(template_path="/t", output_path="/o", operations=(SetText("C", "t", 1, "a"), SetText("C", "t", 1, "b")))


def test_generate_script_is_deterministic_ascii_and_its_code_never_varies(render):
    plain = script_for(make_plan(), render)
    assert plain == script_for(make_plan(), render)
    assert plain.isascii()
    hostile = script_for(make_plan(texts={7: HOSTILE[0], 8: HOSTILE[1], 13: HOSTILE[12]}), render)
    # Everything after the PLAN literal is the same text whatever the data.
    assert plain.split("\n    };\n", 1)[1] == hostile.split("\n    };\n", 1)[1]
    assert '"); app.quit()' not in hostile and "</script>" not in hostile
    for removed in ("renderQueue", "beginSuppressDialogs", "gAECommandLineRenderer", "exitCode"):
        assert (removed in plain) == (removed != "renderQueue"), removed


def test_the_plan_literal_escapes_percent_in_paths_but_not_in_texts():
    plan = ScriptPlan(template_path="/t/100%25.aepx", output_path="/o/100%.aep", operations=(
        SetText("C", "t", 1, "100%"),
        ReplaceFootage("C", "f", 2, "/b/100%.png", (10, 10), (0, 0, 10, 10), (1, 0, 1, 0))))
    literal = plan_literal(plan)
    assert '"/t/100%2525.aepx"' in literal and '"/o/100%25.aep"' in literal and '"/o/100%25.aep.log"' not in literal
    assert '"/b/100%25.png"' in literal and '"text": "100%"' in literal


# --------------------------------------------------------------------------------------------
# Under node: ES3 parse and the After Effects stand-in


@needs_node
def test_the_es3_check_is_real(tmp_path):
    assert parse_only("var a = [1, 2]; function f(x) { return x; }", tmp_path)["parsed"]
    for es5 in ("let a = 1;", "var f = x => x;", "var s = `t`;", "var o = {a: 1,};", "var int = 1;",
                "var o = {get a() { return 1; }};"):
        assert not parse_only(es5, tmp_path)["parsed"], es5


@needs_node
def test_es5_builtins_are_missing_under_the_stand_in_and_a_throw_exits_non_zero(tmp_path):
    record = run_script("[1].indexOf(1); JSON.stringify({});", {"compositions": []}, tmp_path, fails=True)
    assert "indexOf is not a function" in record["uncaught"]
    assert "indexOf is not a function" in record["stderr"]


@needs_node
def test_populates_exactly_the_planned_layers(tmp_path, render):
    plan = make_plan()
    record = run_script(script_for(plan, render), description_for(plan, render, dirty_project=True), tmp_path)
    assert_clean_run(record)
    # AfterFX: the unsaved project is closed without saving (no prompt), then the template opens.
    assert record["closed"] == ["DO_NOT_SAVE_CHANGES"]
    assert record["opened"] == [str(render / "templates" / "gameday.aep")]
    assert (record["suppress_dialogs"], record["end_suppress_dialogs"]) == (1, 1)

    assert_texts_match_the_plan(record, plan)
    split, nested, main = layers_of(record, "Split Screen"), layers_of(record, "Nested Logo"), layers_of(record, "Main")
    assert (split[1]["text"], split[1]["font"], split[1]["font_size"]) == ("BEN FORMAN", "Arial-BoldMT", 48)
    assert (nested[2]["text"], nested[2]["font"], nested[2]["font_size"]) == ("GAME DAY", "Futura-Medium", 24)
    assert split[3]["text"] == "keep me"

    bundle = render / "bundle" / "assets"
    assert record["imports"] == [str(bundle / f"layer-{i}.png") for i in (10, 11, 12)]
    assert sorted((r["composition"], r["layer"], r["file"], r["fix_expressions"]) for r in record["replaced"]) == [
        ("Nested Logo", 1, str(bundle / "layer-12.png"), True),
        ("Split Screen", 4, str(bundle / "layer-10.png"), True),
        ("Split Screen", 5, str(bundle / "layer-11.png"), True),
    ]
    # The plan's anchors and scales, set as they are (z kept).
    for placement in plan.footage:
        layer = layers_of(record, placement.composition)[placement.layer_index]
        assert layer["anchor"] == pytest.approx([*placement.anchor, 0])
        assert layer["scale"] == pytest.approx([*placement.scale, 100])
    # fit: box 652x1480 at 50 % vs 1000x2000 -> min(32.6, 37) = 32.6; fill: max(25, 37.5) with a mask
    assert split[4]["scale"] == pytest.approx([32.6, 32.6, 100]) and split[4]["masks"] == []
    fill = plan.footage[1]
    assert split[5]["scale"] == pytest.approx([37.5, 37.5, 100])
    left, top, right, bottom = fill.mask
    mask, = split[5]["masks"]
    assert [v for vertex in mask for v in vertex] == pytest.approx([left, top, right, top, right, bottom, left, bottom])
    assert nested[1]["scale"] == pytest.approx([500 / 3, 250 / 3, 100]) and nested[1]["masks"] == []
    assert split[6]["source"]["name"] == "background.png" and split[6]["scale"] == [100, 100, 100]
    assert main[1]["source"]["name"] == "Nested Logo"

    assert record["saved"] == [str(output(render))] and output(render).is_file()
    assert record["render_queue"] == []
    log = read_log(render)
    assert log.failures == () and log.warnings == ()
    assert log.summary == {"level": "summary", "step": "done", "mode": "open", "saved": True, "ok": 9,
                           "warnings": 0, "failures": 0}
    order = [c["call"] for c in record["calls"]]
    steps = ["project.close", "app.open", "beginUndoGroup", "endUndoGroup", "project.save"]
    assert [order.index(step) for step in steps] == sorted(order.index(step) for step in steps)



@needs_node
def test_paths_with_percent_signs_reach_after_effects_unchanged(tmp_path, render):
    template = render / "templates" / "100%25.aepx"
    template.write_bytes(b"<AfterEffectsProject/>")
    plan = make_plan(matches=APPROVED[2:3])
    plan = dataclasses.replace(plan, footage=(dataclasses.replace(plan.footage[0], image="assets/100%.png"),))
    script = script_for(plan, render, template_path=f"{LOCAL}/templates/100%25.aepx",
                        output_path=f"{LOCAL}/out/job-1/100%.aep")
    record = run_script(script, description_for(plan, render), tmp_path)
    assert_clean_run(record)
    assert record["opened"] == [str(template)]
    assert record["imports"] == [str(render / "bundle" / "assets" / "100%.png")]
    assert record["saved"] == [str(render / "out" / "job-1" / "100%.aep")]
    assert (render / "out" / "job-1" / "100%.aep.log").is_file()


@needs_node
def test_keyframed_text_anchor_and_scale_are_changed_by_the_plans_rules(tmp_path, render):
    """An animated placeholder: the plan has no static anchor or scale, so each key is changed by
    the plan's rules (the same functions as the plan's: anchor_map and new_scale)."""
    template = template_document()
    split = template.composition("Split Screen")
    animated = dataclasses.replace(split.layer(5), anchor=None, scale=None, matrix=None, animated_transform=True)
    split = dataclasses.replace(split, layers=tuple(animated if layer.index == 5 else layer for layer in split.layers))
    template = dataclasses.replace(template, compositions=(template.compositions[0], split, template.compositions[2]))
    plan = make_plan(template, matches=[APPROVED[0], APPROVED[3]])
    placement = plan.footage[0]
    assert placement.anchor is None and placement.scale is None and placement.mask is None
    anchor_keys, scale_keys = [[200, 150], [0, 300]], [[50, 50], [-100, 200]]
    data = description_for(plan, render, template)
    layers = {layer["index"]: layer for layer in data["compositions"][1]["layers"]}
    layers[1]["text_keys"] = ["A", "B"]
    layers[5].update(anchor_keys=anchor_keys, scale_keys=scale_keys)
    record = run_script(script_for(plan, render), data, tmp_path)
    assert_clean_run(record)
    split_state = layers_of(record, "Split Screen")
    assert split_state[1]["text_keys"] == [{"text": "BEN FORMAN", "font": "Arial-BoldMT", "font_size": 48}] * 2
    m = anchor_map(placement.box, placement.image_size)
    assert m == placement.anchor_map
    assert split_state[5]["anchor_keys"] == [pytest.approx([x * m[0] + m[1], y * m[2] + m[3], 0]) for x, y in anchor_keys]
    assert split_state[5]["scale_keys"] == [
        pytest.approx([*new_scale(tuple(s), placement.box, placement.image_size, "fill"), 100]) for s in scale_keys]
    assert [w["message"] for w in read_log(render).warnings] == [
        "the plan has no mask for this fill (animated template?): the image may spill"]


@needs_node
def test_the_fill_mask_is_added_after_every_other_change(tmp_path, render):
    """The stand-in invalidates earlier property references when a mask is added, as After
    Effects may: the script must not touch them afterwards (this run would throw)."""
    plan = make_plan(matches=APPROVED[3:4])
    record = run_script(script_for(plan, render), description_for(plan, render), tmp_path)
    assert_clean_run(record)
    calls = [c["call"] for c in record["calls"]]
    assert calls.index("addProperty") > max(i for i, c in enumerate(calls) if c == "setValue" and
                                           record["calls"][i]["property"] in ("ADBE Anchor Point", "ADBE Scale"))
    stale = run_script(
        "var l = app.project.item(3).layer(1); var s = l.property('ADBE Transform Group').property('ADBE Scale');"
        "l.property('ADBE Mask Parade').addProperty('ADBE Mask Atom'); s.setValue([1, 1, 1]);",
        {"project_open": True, "compositions": [{"name": "C", "width": 10, "height": 10, "layers": [
            {"index": 1, "name": "f", "type": "footage", "source": {"id": 1, "name": "a", "width": 4, "height": 4}}]}]},
        tmp_path / "stale", fails=True)
    assert "Object is invalid" in stale["stderr"]


@needs_node
def test_hostile_strings_arrive_byte_identical(tmp_path, render):
    """Hostile texts, composition and layer names and file names are data, never code."""
    comp_name = HOSTILE[0] + " \u05e2\u05d1\u05e8\u05d9\u05ea"
    layers = [text_layer(i + 1, f"t{i}\n{HOSTILE[i % 5]}", "old", "Arial-BoldMT", 30.0) for i in range(len(HOSTILE))]
    source = footage_item(90, 'a "quote" \'x\' \\ \u00fc \U0001F600 100%.png', 100, 100)
    layers.append(footage_layer(len(HOSTILE) + 1, "img \u0645\u0631\u062d\u0628\u0627 </script>", source))
    template = TemplateDocument(source="t.aepx", compositions=(
        Composition(id=1, name=comp_name, width=1920, height=1080, layers=tuple(layers)),), footage=(source,))
    matches = [match(comp_name, layer.index, layer.name, 100 + layer.index, layer.type) for layer in layers]
    texts = {100 + i + 1: text for i, text in enumerate(HOSTILE)}
    plan = plan_for(template, matches, texts, {100 + len(layers): (200, 100)})
    script = script_for(plan, render)
    assert script.isascii()
    record = run_script(script, description_for(plan, render, template), tmp_path)
    assert_clean_run(record)
    final = layers_of(record, comp_name)
    for i, text in enumerate(HOSTILE):
        assert (final[i + 1]["text"], final[i + 1]["font"]) == (text, "Arial-BoldMT")
    assert final[len(layers)]["source"]["file"] == record["imports"][0]
    log = read_log(render)
    assert log.failures == ()
    assert {entry.get("composition") for entry in log.entries if "layer" in entry} == {comp_name}
    assert [e["layer"] for e in log.entries if e["step"] == "set-text"] == [layer.name for layer in layers[:-1]]


def test_generate_script_of_a_hand_made_plan_has_no_render_queue(tmp_path):
    script = generate_script(ScriptPlan(template_path="/t.aep", output_path="/o.aep"))
    assert '"texts": []' in script and '"footage": []' in script and "renderQueue" not in script
