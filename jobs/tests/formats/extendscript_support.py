"""Helpers of the ExtendScript tests: running a script under the After Effects stand-in
(jobs/tests/js), template layers with a real transform, render plans and their images, and a
hand-made template like the real split-screen one (with a nested composition) with its plan.

Plain Python (the format tests run with ``-p no:django``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from jobs.formats.descriptions import (
    Composition,
    Footage,
    Match,
    PsdDocument,
    PsdLayer,
    TemplateDocument,
    TemplateLayer,
)
from jobs.formats.extendscript import parse_log, script_from_render_plan
from jobs.formats.render_plan import RenderPlan, build_render_plan
from jobs.formats.render_plan.affine import Affine, bounds, compose, scaling, translate

JS_DIR = Path(__file__).resolve().parents[1] / "js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(
    NODE is None or not (JS_DIR / "node_modules" / "acorn").is_dir(),
    reason="needs node and jobs/tests/js/node_modules (run: npm ci --prefix jobs/tests/js)",
)


# --------------------------------------------------------------------------------------------
# Running scripts


def run_script(script: str, description: dict, work: Path, *, fails: bool = False) -> dict:
    """Run ``script`` under the stand-in built from ``description``; the harness's record.

    ``fails``: the script must throw (run_script.js exits 1 with "Error executing script: ..."
    on stderr); the record then carries ``stderr``.
    """
    work.mkdir(parents=True, exist_ok=True)
    script_file = work / "populate.jsx"
    script_file.write_bytes(script.encode("ascii"))
    description_file = work / "template.json"
    description_file.write_text(json.dumps(description), encoding="utf-8")
    proc = subprocess.run(
        [NODE, str(JS_DIR / "run_script.js"), str(script_file), str(description_file)],
        capture_output=True, text=True, timeout=120, cwd=JS_DIR,
    )
    if fails:
        assert proc.returncode == 1, (proc.returncode, proc.stderr)
        assert proc.stderr.startswith("Error executing script: "), proc.stderr
    else:
        assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    record["stderr"] = proc.stderr
    return record


def parse_only(source: str, work: Path) -> dict:
    path = work / "snippet.jsx"
    path.write_text(source, encoding="utf-8")
    proc = subprocess.run(
        [NODE, str(JS_DIR / "run_script.js"), "--parse-only", str(path)],
        capture_output=True, text=True, timeout=120, cwd=JS_DIR,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def assert_clean_run(record: dict) -> None:
    """Parsed as ES3, nothing thrown, no dialog, no quit, one balanced undo group, exit code 0."""
    assert record["parsed"], record.get("parse_error")
    assert record["uncaught"] is None, record["uncaught"]
    assert record["alerts"] == []
    assert record["quit"] == 0
    assert record["exit_code"] == 0
    assert record["undo_depth"] == 0
    assert [c["call"] for c in record["undo"]] == ["beginUndoGroup", "endUndoGroup"]


def layers_of(record: dict, comp: str) -> dict[int, dict]:
    return {layer["index"]: layer for layer in next(c for c in record["final"] if c["name"] == comp)["layers"]}


# --------------------------------------------------------------------------------------------
# Template layers with a transform


def local_matrix(anchor, position, scale, rotation: float = 0.0) -> Affine:
    """T(position) . R(rotation) . S(scale / 100) . T(-anchor), as After Effects composes it."""
    r = math.radians(rotation)
    rotate: Affine = (math.cos(r), math.sin(r), -math.sin(r), math.cos(r), 0.0, 0.0)
    m = compose(scaling(scale[0] / 100, scale[1] / 100), translate(-anchor[0], -anchor[1]))
    return compose(translate(position[0], position[1]), compose(rotate, m))


def placed_layer(index: int, name: str, type_: str, *, anchor=(0.0, 0.0), position=(0.0, 0.0), scale=(100.0, 100.0),
                 rotation: float = 0.0, parent: Affine | None = None, parent_id: int | None = None,
                 **fields) -> TemplateLayer:
    """A template layer whose ``matrix`` is its own transform after ``parent`` (the parents' map)."""
    own = local_matrix(anchor, position, scale, rotation)
    matrix = compose(parent, own) if parent is not None else own
    return TemplateLayer(index, name, type_, anchor=tuple(anchor), position=tuple(position), scale=tuple(scale),
                         rotation=rotation, matrix=matrix, parent_id=parent_id, id=fields.pop("id", 100 + index),
                         **fields)


def footage_layer(index: int, name: str, source: Footage, **transform) -> TemplateLayer:
    transform.setdefault("anchor", (source.width / 2, source.height / 2))
    return placed_layer(index, name, "footage", source=source, **transform)


def text_layer(index: int, name: str, text: str, font: str, size: float, **transform) -> TemplateLayer:
    return placed_layer(index, name, "text", text=text, font=font, font_size=size, **transform)


def footage_item(id_: int, name: str, width: int, height: int) -> Footage:
    return Footage(id=id_, name=name, path=f"/Users/designer/{name}", width=width, height=height, missing=True)


# --------------------------------------------------------------------------------------------
# Plans and their images


def match(comp: str, index: int, name: str, psd_id: int | None, kind: str = "text", fit: str = "fit") -> Match:
    return Match(composition=comp, layer_index=index, placeholder=name, psd_layer_id=psd_id, psd_layer=None,
                 confidence=0.9, reason="test", placeholder_type=kind, fit=fit)


def psd_of(texts: Mapping[int, str], images: Mapping[int, tuple[int, int]]) -> PsdDocument:
    layers = [PsdLayer(id=i, name=f"text {i}", kind="type", text=t) for i, t in texts.items()]
    layers += [PsdLayer(id=i, name=f"image {i}", kind="pixel", bbox=(0, 0, w, h)) for i, (w, h) in images.items()]
    return PsdDocument(source="test.psd", width=2000, height=2000, layers=tuple(layers))


def plan_for(template: TemplateDocument, matches: Sequence[Match], texts: Mapping[int, str] = {},
             images: Mapping[int, tuple[int, int]] = {}) -> RenderPlan:
    return build_render_plan(template=template, psd=psd_of(texts, images), matches=matches, image_sizes=images)


def write_bundle(plan: RenderPlan, bundle: Path) -> dict[str, dict]:
    """Write the plan's images into ``bundle``; the stand-in's ``imports`` for them."""
    imports = {}
    for placement in plan.footage:
        path = bundle / placement.image
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x89PNG")
        imports[str(path)] = {"width": placement.image_size[0], "height": placement.image_size[1]}
    return imports


def stand_in_description(template: TemplateDocument, imports: Mapping[str, dict], **switches) -> dict:
    data = template.to_dict()
    data["imports"] = dict(imports)
    data.update(switches)
    return data


def planned_box(placement) -> tuple[float, float, float, float]:
    """The bounds of the plan's ``visible`` corners, composition pixels."""
    return bounds(placement.visible)


def assert_boxes_match_the_plan(record: dict, plan: RenderPlan, tolerance: float = 1.0) -> None:
    """Each replaced layer's box under the stand-in equals the bounds of the plan's ``visible``."""
    boxes = {(f["composition"], f["index"]): f["box"] for f in record["footage"]}
    assert set(boxes) == {(p.composition, p.layer_index) for p in plan.footage}
    for placement in plan.footage:
        assert placement.visible is not None, placement
        got = boxes[(placement.composition, placement.layer_index)]
        assert got is not None, placement.layer_name
        assert got == pytest.approx(planned_box(placement), abs=tolerance), placement.layer_name


def assert_texts_match_the_plan(record: dict, plan: RenderPlan) -> None:
    texts = {(t["composition"], t["index"]): (t["text"], t["font"]) for t in record["texts"]}
    assert texts == {(p.composition, p.layer_index): (p.text, p.font) for p in plan.texts}


LOCAL = "/srv/aea"  # this machine's root in the hand-made plans; mapped to tmp_path / "render"


# --------------------------------------------------------------------------------------------
# A template like the real split-screen one, with a nested composition


def template_document() -> TemplateDocument:
    cutout, cutout2, bg, logo = (
        footage_item(30, "cutout.png", 652, 1480),
        footage_item(31, "cutout2.png", 400, 300),
        footage_item(32, "background.png", 1920, 1080),
        footage_item(33, "logo.png", 500, 250),
    )
    split = Composition(id=12, name="Split Screen", width=1920, height=1080, duration=10.0, layers=(
        text_layer(1, "player1fullname", "PLAYER NAME", "Arial-BoldMT", 48.0, position=(100, 250)),
        text_layer(2, "player2fullname", "PLAYER TWO", "Futura-Medium", 36.0, position=(1100, 250)),
        text_layer(3, "caption", "keep me", "Arial-BoldMT", 20.0, position=(960, 1000)),
        footage_layer(4, "featuredimage1", cutout, position=(480, 540), scale=(50, 50)),
        footage_layer(5, "featuredimage2", cutout2, position=(1440, 540), scale=(50, 50)),
        footage_layer(6, "background.png", bg, position=(960, 540)),
    ))
    nested = Composition(id=13, name="Nested Logo", width=500, height=500, layers=(
        footage_layer(1, "logo", logo, position=(250, 250)),
        text_layer(2, "tagline", "TAGLINE", "Futura-Medium", 24.0, position=(250, 450)),
    ))
    main = Composition(id=14, name="Main", width=1920, height=1080, layers=(
        footage_layer(1, "Nested Logo", Footage(13, "Nested Logo", kind="composition", width=500, height=500),
                      position=(1700, 200)),
        footage_layer(2, "Split Screen", Footage(12, "Split Screen", kind="composition", width=1920, height=1080),
                      position=(960, 540)),
    ))
    main = dataclasses.replace(main, layers=tuple(dataclasses.replace(layer, type="precomp") for layer in main.layers))
    return TemplateDocument(source="gameday.aepx", compositions=(main, split, nested),
                            footage=(cutout, cutout2, bg, logo), fonts=("Arial-BoldMT", "Futura-Medium"))


APPROVED = [
    match("Split Screen", 1, "player1fullname", 7),
    match("Split Screen", 2, "player2fullname", 8),
    match("Split Screen", 4, "featuredimage1", 10, "footage", "fit"),
    match("Split Screen", 5, "featuredimage2", 11, "footage", "fill"),
    match("Nested Logo", 1, "logo", 12, "footage", "stretch"),
    match("Nested Logo", 2, "tagline", 13),
    match("Split Screen", 6, "background.png", None, "footage"),  # nothing placed
]
TEXTS = {7: "BEN FORMAN", 8: "JOHN DOE", 13: "GAME DAY"}
IMAGES = {10: (1000, 2000), 11: (800, 400), 12: (300, 300)}


def make_plan(template: TemplateDocument | None = None, matches=APPROVED, texts=TEXTS, images=IMAGES):
    return plan_for(template or template_document(), matches, texts, images)


def render_root(tmp_path: Path) -> Path:
    """The render machine's root: the template exists, the bundle and output folders not yet."""
    root = tmp_path / "render"
    (root / "templates").mkdir(parents=True)
    (root / "templates" / "gameday.aep").write_bytes(b"RIFX")
    return root


def script_for(plan, render: Path, **kwargs) -> str:
    """The plan's script with this machine's LOCAL paths mapped to ``render``."""
    kwargs.setdefault("template_path", f"{LOCAL}/templates/gameday.aep")
    kwargs.setdefault("output_path", f"{LOCAL}/out/job-1/test001_final.aep")
    return script_from_render_plan(plan, bundle_dir=f"{LOCAL}/bundle", path_mappings=[(LOCAL, str(render))], **kwargs)


def description_for(plan, render: Path, template: TemplateDocument | None = None, **switches) -> dict:
    """The stand-in's template description, with the plan's images written into the bundle."""
    imports = write_bundle(plan, render / "bundle")
    return stand_in_description(template or template_document(), imports, **switches)


def output(render: Path) -> Path:
    return render / "out" / "job-1" / "test001_final.aep"


def read_log(render: Path):
    return parse_log(Path(str(output(render)) + ".log").read_text(encoding="utf-8"))
