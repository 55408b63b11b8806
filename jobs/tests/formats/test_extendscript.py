"""Tests of jobs.formats.extendscript.

Pure-Python tests check escaping, path mapping and planning. The rest run the generated
script under node: acorn parses it as ECMAScript 3 (ExtendScript's dialect) and it runs in a
vm context against the After Effects stand-in of jobs/tests/js (ae_standin.js), built from a
template description. They are skipped when node or jobs/tests/js/node_modules is missing
(``npm ci --prefix jobs/tests/js``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from jobs.formats.descriptions import Composition, Footage, Match, TemplateDocument, TemplateLayer
from jobs.formats.extendscript import (
    ReplaceFootage,
    ScriptError,
    ScriptPlan,
    SetText,
    generate_script,
    js_literal,
    js_string,
    map_path,
    parse_log,
    plan_from_matches,
)

JS_DIR = Path(__file__).resolve().parents[1] / "js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(
    NODE is None or not (JS_DIR / "node_modules" / "acorn").is_dir(),
    reason="needs node and jobs/tests/js/node_modules (run: npm ci --prefix jobs/tests/js)",
)

LOCAL = "/srv/aea"  # this machine's root in the plans; mapped to tmp_path / "render"

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
    "",
]


# --------------------------------------------------------------------------------------------
# Helpers


def run_script(script: str, description: dict, work: Path) -> dict:
    """Run ``script`` under the stand-in built from ``description``; the harness's record."""
    script_file = work / "populate.jsx"
    script_file.write_bytes(script.encode("ascii"))
    description_file = work / "template.json"
    description_file.write_text(json.dumps(description), encoding="utf-8")
    proc = subprocess.run(
        [NODE, str(JS_DIR / "run_script.js"), str(script_file), str(description_file)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=JS_DIR,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def parse_only(source: str, work: Path) -> dict:
    path = work / "snippet.jsx"
    path.write_text(source, encoding="utf-8")
    proc = subprocess.run(
        [NODE, str(JS_DIR / "run_script.js"), "--parse-only", str(path)],
        capture_output=True, text=True, timeout=120, cwd=JS_DIR,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def footage(id_, name, width, height):
    return Footage(id=id_, name=name, path=f"/Users/designer/{name}", width=width, height=height, missing=True)


def template_document() -> TemplateDocument:
    """A template like the real split-screen one, with a nested composition."""
    cutout, cutout2, bg, logo = (
        footage(30, "cutout.png", 652, 1480),
        footage(31, "cutout2.png", 400, 300),
        footage(32, "background.png", 1920, 1080),
        footage(33, "logo.png", 500, 250),
    )
    split = Composition(id=12, name="Split Screen", width=1920, height=1080, duration=10.0, layers=(
        TemplateLayer(1, "player1fullname", "text", text="PLAYER NAME", font="Arial-BoldMT", font_size=48.0,
                      bbox=(100, 200, 600, 260)),
        TemplateLayer(2, "player2fullname", "text", text="PLAYER TWO", font="Futura-Medium", font_size=36.0,
                      bbox=(1100, 200, 1600, 260)),
        TemplateLayer(3, "caption", "text", text="keep me", font="Arial-BoldMT", font_size=20.0),
        TemplateLayer(4, "featuredimage1", "footage", source=cutout),
        TemplateLayer(5, "featuredimage2", "footage", source=cutout2),
        TemplateLayer(6, "background.png", "footage", source=bg),
    ))
    nested = Composition(id=13, name="Nested Logo", width=500, height=500, layers=(
        TemplateLayer(1, "logo", "footage", source=logo),
        TemplateLayer(2, "tagline", "text", text="TAGLINE", font="Futura-Medium", font_size=24.0),
    ))
    main = Composition(id=14, name="Main", width=1920, height=1080, layers=(
        TemplateLayer(1, "Nested Logo", "precomp", source=Footage(13, "Nested Logo", kind="composition")),
        TemplateLayer(2, "Split Screen", "precomp", source=Footage(12, "Split Screen", kind="composition")),
    ))
    return TemplateDocument(source="gameday.aepx", compositions=(main, split, nested),
                            footage=(cutout, cutout2, bg, logo), fonts=("Arial-BoldMT", "Futura-Medium"))


def description(render: Path, images: dict[str, tuple[int, int]], **layer_extras) -> dict:
    """The template description plus the images the stand-in can import (render paths)."""
    data = template_document().to_dict()
    for (comp_name, index), extras in layer_extras.get("extras", {}).items():
        comp = next(c for c in data["compositions"] if c["name"] == comp_name)
        next(layer for layer in comp["layers"] if layer["index"] == index).update(extras)
    data["imports"] = {str(render / rel): {"width": w, "height": h} for rel, (w, h) in images.items()}
    return data


def match(comp, index, name, psd_id, kind="text", fit="fit"):
    return Match(composition=comp, layer_index=index, placeholder=name, psd_layer_id=psd_id,
                 psd_layer=None, confidence=0.9, reason="test", placeholder_type=kind, fit=fit)


APPROVED = [
    match("Split Screen", 1, "player1fullname", 7),
    match("Split Screen", 2, "player2fullname", 8),
    match("Split Screen", 4, "featuredimage1", 10, "footage", "fit"),
    match("Split Screen", 5, "featuredimage2", 11, "footage", "fill"),
    match("Nested Logo", 1, "logo", 12, "footage", "stretch"),
    match("Nested Logo", 2, "tagline", 13),
    match("Split Screen", 6, "background.png", None, "footage"),  # nothing placed: skipped
]
TEXTS = {7: "BEN FORMAN", 8: "JOHN DOE", 13: "GAME DAY"}
IMAGES = {"exports/10.png": (1000, 2000), "exports/11.png": (800, 400), "exports/12.png": (300, 300)}


@pytest.fixture
def render(tmp_path: Path) -> Path:
    """The render machine's root: the template and exported PNGs exist, the output folder not."""
    root = tmp_path / "render"
    (root / "templates").mkdir(parents=True)
    (root / "templates" / "gameday.aep").write_bytes(b"RIFX")
    (root / "exports").mkdir()
    for rel in IMAGES:
        (root / rel).write_bytes(b"\x89PNG")
    return root


def make_plan(render: Path, matches=APPROVED, texts=TEXTS, **kwargs) -> ScriptPlan:
    assets = {10: f"{LOCAL}/exports/10.png", 11: f"{LOCAL}/exports/11.png", 12: f"{LOCAL}/exports/12.png"}
    return plan_from_matches(
        matches,
        template_path=f"{LOCAL}/templates/gameday.aep",
        output_path=f"{LOCAL}/out/job-1/test001_final.aep",
        assets=kwargs.pop("assets", assets),
        texts=texts,
        path_mappings=[(LOCAL, str(render))],
        **kwargs,
    )


def layers_of(record: dict, comp: str) -> dict[int, dict]:
    return {layer["index"]: layer for layer in next(c for c in record["final"] if c["name"] == comp)["layers"]}


def read_log(record: dict, plan: ScriptPlan):
    assert plan.log_path in record["files_written"]
    return parse_log(Path(plan.log_path).read_text(encoding="utf-8"))


def assert_clean_run(record: dict) -> None:
    """Parsed as ES3, no uncaught error, no dialog, no quit, one balanced undo group."""
    assert record["parsed"], record.get("parse_error")
    assert record["uncaught"] is None, record["uncaught"]
    assert record["alerts"] == []
    assert record["quit"] == 0
    assert record["undo_depth"] == 0
    assert [c["call"] for c in record["undo"]] == ["beginUndoGroup", "endUndoGroup"]


# --------------------------------------------------------------------------------------------
# Escaping (pure Python)


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


# --------------------------------------------------------------------------------------------
# Path mapping (pure Python)


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


# --------------------------------------------------------------------------------------------
# Planning (pure Python)


def test_plan_from_matches_keeps_order_maps_paths_and_skips_empty_matches(tmp_path):
    plan = make_plan(tmp_path, add_to_render_queue=True)
    assert plan.template_path == f"{tmp_path}/templates/gameday.aep"
    assert plan.output_path == f"{tmp_path}/out/job-1/test001_final.aep"
    assert plan.log_path == plan.output_path + ".log"
    assert plan.operations == (
        SetText("Split Screen", "player1fullname", 1, "BEN FORMAN"),
        SetText("Split Screen", "player2fullname", 2, "JOHN DOE"),
        ReplaceFootage("Split Screen", "featuredimage1", 4, f"{tmp_path}/exports/10.png", "fit"),
        ReplaceFootage("Split Screen", "featuredimage2", 5, f"{tmp_path}/exports/11.png", "fill"),
        ReplaceFootage("Nested Logo", "logo", 1, f"{tmp_path}/exports/12.png", "stretch"),
        SetText("Nested Logo", "tagline", 2, "GAME DAY"),
    )
    assert plan.render_queue == ("Split Screen", "Nested Logo")


@pytest.mark.parametrize(("add", "expected"), [(False, ()), (["Main", "Main"], ("Main",)), ("Main", ("Main",))])
def test_plan_render_queue_choices(tmp_path, add, expected):
    assert make_plan(tmp_path, add_to_render_queue=add).render_queue == expected


def test_plan_refuses_a_match_without_its_text_or_image(tmp_path):
    with pytest.raises(ScriptError, match="no text given"):
        make_plan(tmp_path, texts={7: "x"})
    with pytest.raises(ScriptError, match="no exported image"):
        make_plan(tmp_path, assets={10: "/srv/aea/exports/10.png"})


def test_plan_refuses_two_matches_for_one_layer_and_bad_fit(tmp_path):
    twice = [match("Split Screen", 1, "player1fullname", 7), match("Split Screen", 1, "player1fullname", 8)]
    with pytest.raises(ScriptError, match="two matches"):
        make_plan(tmp_path, matches=twice)
    with pytest.raises(ScriptError, match="fit must be"):
        make_plan(tmp_path, matches=[match("Split Screen", 4, "featuredimage1", 10, "footage", "zoom")])
    with pytest.raises(ScriptError, match="placeholder type"):
        make_plan(tmp_path, matches=[match("Split Screen", 4, "featuredimage1", 10, "audio")])


def test_generate_script_is_deterministic_ascii_and_its_code_never_varies(tmp_path):
    plain = generate_script(make_plan(tmp_path))
    assert plain == generate_script(make_plan(tmp_path))
    assert plain.isascii()
    hostile = generate_script(make_plan(tmp_path, texts={7: HOSTILE[0], 8: HOSTILE[1], 13: HOSTILE[12]}))
    # Everything after the PLAN literal is the same text whatever the data.
    assert plain.split("\n    };\n", 1)[1] == hostile.split("\n    };\n", 1)[1]
    assert '"); app.quit()' not in hostile and "</script>" not in hostile


# --------------------------------------------------------------------------------------------
# Under node: ES3 parse and the After Effects stand-in


@needs_node
def test_the_es3_check_is_real(tmp_path):
    assert parse_only("var a = [1, 2]; function f(x) { return x; }", tmp_path)["parsed"]
    for es5 in ("let a = 1;", "var f = x => x;", "var s = `t`;", "var o = {a: 1,};", "var int = 1;",
                "var o = {get a() { return 1; }};"):
        assert not parse_only(es5, tmp_path)["parsed"], es5


@needs_node
def test_es5_builtins_are_missing_under_the_stand_in(tmp_path, render):
    record = run_script("[1].indexOf(1); JSON.stringify({});", {"compositions": []}, tmp_path)
    assert "indexOf is not a function" in record["uncaught"]


@needs_node
def test_populates_exactly_the_approved_layers(tmp_path, render):
    plan = make_plan(render)
    record = run_script(generate_script(plan),
                        description(render, IMAGES, extras={("Split Screen", 5): {"scale": [50, 50, 100]}}),
                        tmp_path)
    assert_clean_run(record)
    assert record["suppress_dialogs"] == 1
    assert record["opened"] == [str(render / "templates" / "gameday.aep")]

    split, nested, main = layers_of(record, "Split Screen"), layers_of(record, "Nested Logo"), layers_of(record, "Main")
    # Texts: exactly the approved ones, font and size unchanged; the others untouched.
    assert (split[1]["text"], split[1]["font"], split[1]["font_size"]) == ("BEN FORMAN", "Arial-BoldMT", 48)
    assert (split[2]["text"], split[2]["font"], split[2]["font_size"]) == ("JOHN DOE", "Futura-Medium", 36)
    assert (nested[2]["text"], nested[2]["font"], nested[2]["font_size"]) == ("GAME DAY", "Futura-Medium", 24)
    assert split[3]["text"] == "keep me"
    text_sets = [(c["composition"], c["layer"]) for c in record["calls"] if c["call"] in ("setValue", "setValueAtKey")
                 and c["property"] == "ADBE Text Document"]
    assert sorted(text_sets) == [("Nested Logo", 2), ("Split Screen", 1), ("Split Screen", 2)]

    # Footage: exactly the approved layers, with the imported files and fitted scales.
    exports = render / "exports"
    assert record["imports"] == [str(exports / "10.png"), str(exports / "11.png"), str(exports / "12.png")]
    assert sorted((r["composition"], r["layer"], r["file"]) for r in record["replaced"]) == [
        ("Nested Logo", 1, str(exports / "12.png")),
        ("Split Screen", 4, str(exports / "10.png")),
        ("Split Screen", 5, str(exports / "11.png")),
    ]
    # fit: box 652x1480 at 100 % vs 1000x2000 -> min(65.2, 74) = 65.2 on both axes
    assert split[4]["scale"] == pytest.approx([65.2, 65.2, 100])
    assert split[4]["anchor"] == pytest.approx([500, 1000, 0])  # old centre -> new centre
    # fill: box 400x300 at 50 % (200x150 on screen) vs 800x400 -> max(25, 37.5) = 37.5
    assert split[5]["scale"] == pytest.approx([37.5, 37.5, 100])
    # stretch: box 500x250 vs 300x300 -> 166.67 x 83.33
    assert nested[1]["scale"] == pytest.approx([500 / 3, 250 / 3, 100])
    assert split[6]["source"]["name"] == "background.png" and split[6]["scale"] == [100, 100, 100]
    assert main[1]["source"]["name"] == "Nested Logo"

    # Saved to the mapped output path (folder created), render queue untouched, log next to it.
    assert record["saved"] == [plan.output_path]
    assert record["folders_created"] == [str(render / "out" / "job-1")]
    assert record["render_queue"] == []
    log = read_log(record, plan)
    assert log.failures == () and log.warnings == ()
    assert log.summary == {"level": "summary", "step": "done", "saved": True, "ok": 8, "warnings": 0, "failures": 0}

    order = [c["call"] for c in record["calls"]]
    steps = ["app.open", "beginUndoGroup", "endUndoGroup", "project.save"]
    assert [order.index(step) for step in steps] == sorted(order.index(step) for step in steps)


@needs_node
def test_missing_compositions_and_layers_are_logged_and_the_script_goes_on(tmp_path, render):
    matches = [
        match("No Such Comp", 1, "player1fullname", 7),
        match("Split Screen", 40, "no such layer", 8),
        match("Split Screen", 1, "player1fullname", 13),
    ]
    plan = make_plan(render, matches=matches, add_to_render_queue=["Split Screen", "Ghost"])
    record = run_script(generate_script(plan), description(render, IMAGES), tmp_path)
    assert_clean_run(record)
    assert layers_of(record, "Split Screen")[1]["text"] == "GAME DAY"
    assert record["saved"] == [plan.output_path]
    assert record["render_queue"] == ["Split Screen"]
    log = read_log(record, plan)
    assert [(f["step"], f.get("composition"), f.get("layer")) for f in log.failures] == [
        ("find-composition", "No Such Comp", "player1fullname"),
        ("find-layer", "Split Screen", "no such layer"),
        ("render-queue", "Ghost", None),
    ]
    assert log.summary["saved"] is True and log.summary["failures"] == 3


@needs_node
def test_a_renamed_layer_is_found_by_its_index(tmp_path, render):
    plan = make_plan(render, matches=[match("Split Screen", 2, "renamed since matching", 7)])
    record = run_script(generate_script(plan), description(render, IMAGES), tmp_path)
    assert_clean_run(record)
    assert layers_of(record, "Split Screen")[2]["text"] == "BEN FORMAN"
    warning, = read_log(record, plan).warnings
    assert (warning["step"], warning["found"]) == ("find-layer", "player2fullname")


@needs_node
def test_wrong_layer_kinds_and_missing_images_are_failures(tmp_path, render):
    matches = [
        match("Split Screen", 4, "featuredimage1", 7),  # text into a footage layer
        match("Split Screen", 1, "player1fullname", 10, "footage"),  # image into a text layer
        match("Split Screen", 5, "featuredimage2", 11, "footage"),  # image file absent
    ]
    (render / "exports" / "11.png").unlink()
    plan = make_plan(render, matches=matches)
    record = run_script(generate_script(plan), description(render, IMAGES), tmp_path)
    assert_clean_run(record)
    assert record["replaced"] == [] and record["imports"] == []
    assert [f["message"] for f in read_log(record, plan).failures] == [
        "not a text layer", "not a footage layer", "image not found"]
    assert record["saved"] == [plan.output_path]


@needs_node
def test_adds_compositions_to_the_render_queue_when_asked(tmp_path, render):
    plan = make_plan(render, add_to_render_queue=True)
    record = run_script(generate_script(plan), description(render, IMAGES), tmp_path)
    assert_clean_run(record)
    assert record["render_queue"] == ["Split Screen", "Nested Logo"]
    order = [c["call"] for c in record["calls"]]
    assert order.index("renderQueue.add") < order.index("project.save")


@needs_node
def test_keyframed_text_and_scale_are_changed_at_every_key(tmp_path, render):
    extras = {
        ("Split Screen", 1): {"text_keys": ["A", "B"]},
        ("Split Screen", 4): {"scale_keys": [[100, 100, 100], [200, 200, 100]]},
    }
    plan = make_plan(render, matches=APPROVED[:3])
    record = run_script(generate_script(plan), description(render, IMAGES, extras=extras), tmp_path)
    assert_clean_run(record)
    split = layers_of(record, "Split Screen")
    assert split[1]["text_keys"] == [{"text": "BEN FORMAN", "font": "Arial-BoldMT", "font_size": 48}] * 2
    first, second = split[4]["scale_keys"]
    assert first == pytest.approx([65.2, 65.2, 100]) and second == pytest.approx([130.4, 130.4, 100])


@needs_node
def test_a_missing_template_is_logged_and_nothing_is_saved(tmp_path, render):
    (render / "templates" / "gameday.aep").unlink()
    plan = make_plan(render)
    record = run_script(generate_script(plan), description(render, IMAGES), tmp_path)
    assert record["uncaught"] is None and record["alerts"] == [] and record["saved"] == []
    assert record["undo"] == [] and record["opened"] == []
    log = read_log(record, plan)
    assert [f["step"] for f in log.failures] == ["open"]
    assert log.summary["saved"] is False


@needs_node
def test_runs_on_hosts_without_suppress_dialogs(tmp_path, render):
    plan = make_plan(render)
    data = description(render, IMAGES)
    data["no_suppress_dialogs"] = True
    record = run_script(generate_script(plan), data, tmp_path)
    assert_clean_run(record)
    assert record["suppress_dialogs"] == 0 and record["saved"] == [plan.output_path]


@needs_node
def test_hostile_strings_arrive_byte_identical(tmp_path, render):
    """Hostile texts, composition and layer names and file names are data, never code."""
    comp_name = HOSTILE[0] + " \u05e2\u05d1\u05e8\u05d9\u05ea"
    layers = [{"index": i + 1, "name": f"t{i}\n{HOSTILE[i % 5]}", "type": "text", "text": "old",
               "font": "Arial-BoldMT", "font_size": 30.0} for i in range(len(HOSTILE))]
    file_names = ['a "quote" \'x\' \\ \u00fc \U0001F600.png', "new\nline <script> *\u2028.png"]
    layers += [{"index": len(HOSTILE) + 1 + i, "name": f"img{i} \u0645\u0631\u062d\u0628\u0627", "type": "footage",
                "source": {"id": 90 + i, "name": "old.png", "width": 100, "height": 100}} for i in range(2)]
    data = {"compositions": [{"name": comp_name, "width": 1920, "height": 1080, "layers": layers}],
            "imports": {str(render / "exports" / name): {"width": 200, "height": 100} for name in file_names}}
    for name in file_names:
        (render / "exports" / name).write_bytes(b"\x89PNG")

    matches = [match(comp_name, layer["index"], layer["name"], 100 + layer["index"], layer["type"])
               for layer in layers]
    texts = {100 + i + 1: text for i, text in enumerate(HOSTILE)}
    assets = {100 + len(HOSTILE) + 1 + i: f"{LOCAL}/exports/{name}" for i, name in enumerate(file_names)}
    plan = make_plan(render, matches=matches, texts=texts, assets=assets, add_to_render_queue=True)
    script = generate_script(plan)
    assert script.isascii()

    record = run_script(script, data, tmp_path)
    assert_clean_run(record)
    final = layers_of(record, comp_name)
    for i, text in enumerate(HOSTILE):
        assert final[i + 1]["text"] == text
        assert final[i + 1]["font"] == "Arial-BoldMT"
    assert record["imports"] == [str(render / "exports" / name) for name in file_names]
    assert [final[len(HOSTILE) + 1 + i]["source"]["file"] for i in range(2)] == record["imports"]
    assert record["render_queue"] == [comp_name]
    log = read_log(record, plan)
    assert log.failures == ()
    assert {entry.get("composition") for entry in log.entries if "layer" in entry} == {comp_name}
    text_layers = [e["layer"] for e in log.entries if e["step"] == "set-text"]
    assert text_layers == [layer["name"] for layer in layers[: len(HOSTILE)]]
