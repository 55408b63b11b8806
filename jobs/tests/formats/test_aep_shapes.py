"""Shape layers' contents in the template description (jobs.formats.aep.shapes): groups with
their transform, rectangles, ellipses, paths, fills and strokes, static and keyframed, and what
is left undecoded; the still painter (jobs.formats.preview.shapes) and the motion preview
drawing them.

Oracle: py-aep 0.18.2. No real file in ../shared/fixtures holds a shape layer, so the project
is authored with py-aep (:func:`author`: its shape writer follows After Effects 2026) and every
decoded value is compared with py-aep's, property by property; the .aepx twin must read the same.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jobs.formats import aep
from jobs.formats.aep import load_chunks, parse_template, read_template
from jobs.formats.aepx_writer import CompSpec, SolidLayerSpec, write_template
from jobs.formats.animated import AnimatedProperty, Keyframe
from jobs.formats.descriptions import TemplateDocument, TemplateLayer
from jobs.formats.motion.render import render_motion
from jobs.formats.render_plan import build_render_plan
from jobs.formats.shapes import LayerShapes, ShapeItem, ShapePath, ShapeTransform

from . import preview_cases as cases

py_aep = pytest.importorskip("py_aep", reason="py-aep (test oracle, requirements-dev.txt) is not installed")

LEAVES = {  # our field -> py-aep match name, per item kind
    "rect": {"size": "ADBE Vector Rect Size", "position": "ADBE Vector Rect Position",
             "roundness": "ADBE Vector Rect Roundness"},
    "ellipse": {"size": "ADBE Vector Ellipse Size", "position": "ADBE Vector Ellipse Position"},
    "fill": {"color": "ADBE Vector Fill Color", "opacity": "ADBE Vector Fill Opacity"},
    "stroke": {"color": "ADBE Vector Stroke Color", "opacity": "ADBE Vector Stroke Opacity",
               "width": "ADBE Vector Stroke Width"},
}
TRANSFORM = {"anchor": "ADBE Vector Anchor", "position": "ADBE Vector Position", "scale": "ADBE Vector Scale",
             "rotation": "ADBE Vector Rotation", "opacity": "ADBE Vector Group Opacity"}
KINDS = {"ADBE Vector Group": "group", "ADBE Vector Shape - Rect": "rect", "ADBE Vector Shape - Ellipse": "ellipse",
         "ADBE Vector Shape - Group": "path", "ADBE Vector Graphic - Fill": "fill",
         "ADBE Vector Graphic - Stroke": "stroke"}


def author(path: Path) -> Path:
    base = path.with_name("base-" + path.name)
    write_template(base, compositions=[CompSpec(name="Main", width=400, height=300, fps=30, duration=4.0,
                                                layers=[SolidLayerSpec(name="bg", width=10, height=10)])])
    project = py_aep.parse(str(base)).project
    layer = project.compositions[0].add_shape()
    layer.property("ADBE Transform Group").property("ADBE Position").value = [100.0, 50.0, 0.0]
    root = layer.property("ADBE Root Vectors Group")
    group = root.add_property("ADBE Vector Group")
    contents = group.property("ADBE Vectors Group")
    rect = contents.add_property("ADBE Vector Shape - Rect")
    rect.property("ADBE Vector Rect Size").value = [80.0, 40.0]
    rect.property("ADBE Vector Rect Position").value = [10.0, 5.0]
    rect.property("ADBE Vector Rect Roundness").value = 4.0
    fill = contents.add_property("ADBE Vector Graphic - Fill")
    fill.property("ADBE Vector Fill Color").value = [0.0, 0.5, 1.0, 1.0]
    fill.property("ADBE Vector Fill Opacity").value = 50.0
    outline = contents.add_property("ADBE Vector Shape - Group")
    outline.property("ADBE Vector Shape").value = py_aep.Shape(
        [[0, 0], [50, 0], [50, 50]], [[0, 0], [0, 0], [-10, 5]], [[0, 0], [10, 0], [0, 0]], closed=False)
    stroke = contents.add_property("ADBE Vector Graphic - Stroke")
    stroke.property("ADBE Vector Stroke Width").value = 6.0
    stroke.property("ADBE Vector Stroke Color").value = [0.25, 0.0, 0.75, 1.0]
    contents.add_property("ADBE Vector Filter - Trim")
    transform = group.property("ADBE Vector Transform Group")
    transform.property("ADBE Vector Position").value = [20.0, 30.0]
    transform.property("ADBE Vector Rotation").value = 15.0
    transform.property("ADBE Vector Scale").value = [50.0, 200.0]
    transform.property("ADBE Vector Group Opacity").value = 80.0
    skewed = root.add_property("ADBE Vector Group")
    skewed.name = "Skewed"
    skewed.property("ADBE Vector Transform Group").property("ADBE Vector Skew").value = 10.0
    ellipse = root.add_property("ADBE Vector Shape - Ellipse")  # top level, keyframed
    size = ellipse.property("ADBE Vector Ellipse Size")
    size.set_value_at_time(0.0, [10.0, 10.0])
    size.set_value_at_time(2.0, [110.0, 60.0])
    root.add_property("ADBE Vector Graphic - Stroke")  # defaults throughout
    off = root.add_property("ADBE Vector Graphic - Fill")
    off.enabled = False
    root.add_property("ADBE Vector Filter - Repeater")
    project.save(path)
    return path


@pytest.fixture(scope="module")
def authored(tmp_path_factory) -> Path:
    return author(tmp_path_factory.mktemp("shapes") / "shapes.aep")


def _shape_layer(doc: TemplateDocument) -> TemplateLayer:
    return next(layer for layer in doc.compositions[0].layers if layer.type == "shape")


def _vector(value) -> tuple[float, ...]:
    return tuple(float(v) for v in value) if isinstance(value, (list, tuple)) else (float(value),)


def _check_prop(ours: AnimatedProperty, prop, where: str, counts: dict) -> None:
    assert ours is not None, where
    assert len(ours.keyframes) == len(prop.keyframes), where
    if not prop.keyframes:
        assert ours.value == pytest.approx(_vector(prop.value), abs=1e-6), where
        counts["static"] += 1
        return
    for mine, theirs in zip(ours.keyframes, prop.keyframes, strict=True):
        assert mine.time == pytest.approx(theirs.time, abs=1e-6), where
        assert mine.value == pytest.approx(_vector(theirs.value), abs=1e-6), where
        counts["keyframes"] += 1


def _check_items(items, group, where: str, counts: dict, left_out: list) -> None:
    decoded = iter(items)
    for prop in group.properties:
        kind = KINDS.get(prop.match_name)
        if prop.match_name in ("ADBE Vector Blend Mode", "ADBE Vector Materials Group"):
            continue
        if kind is None:
            left_out.append(f"{prop.name} ({prop.match_name})")
            continue
        item = next(decoded)
        here = f"{where}/{prop.name}"
        assert (item.kind, item.name, item.enabled) == (kind, prop.name, prop.enabled), here
        counts["items"] += 1
        if kind == "group":
            _check_items(item.items, prop.property("ADBE Vectors Group"), here, counts, left_out)
            transform = prop.property("ADBE Vector Transform Group")
            for name, match_name in TRANSFORM.items():
                _check_prop(getattr(item.transform, name), transform.property(match_name), f"{here}/{name}", counts)
        elif kind == "path":
            shape = prop.property("ADBE Vector Shape").value
            assert item.path.closed == shape.closed, here
            for name in ("vertices", "in_tangents", "out_tangents"):
                ours = [v for point in getattr(item.path, name) for v in point]
                expected = [v for point in getattr(shape, name) for v in point]
                assert ours == pytest.approx(expected, abs=1e-4), f"{here}/{name}"
            counts["paths"] += 1
        else:
            for name, match_name in LEAVES[kind].items():
                _check_prop(getattr(item, name), prop.property(match_name), f"{here}/{name}", counts)
    assert next(decoded, None) is None, where


def test_authored_shapes_agree_with_pyaep(authored):
    layer = _shape_layer(read_template(authored))
    theirs = next(x for x in py_aep.parse(str(authored)).project.compositions[0].layers if x.name == layer.name)
    counts = {"items": 0, "static": 0, "keyframes": 0, "paths": 0}
    left_out: list[str] = []
    _check_items(layer.shapes.items, theirs.property("ADBE Root Vectors Group"), layer.name, counts, left_out)
    assert tuple(n for n in layer.shapes.left_out if "skew" not in n) == tuple(
        sorted(left_out, key=lambda n: "Repeater" in n))
    assert counts == {"items": 9, "static": 24, "keyframes": 2, "paths": 1}


def test_authored_shapes_read_as_after_effects_shows_them(authored):
    shapes = _shape_layer(read_template(authored)).shapes
    group, skewed, ellipse, stroke, off = shapes.items
    rect, fill, path, _ = group.items
    assert (rect.size.value, rect.position.value, rect.roundness.value) == ((80.0, 40.0), (10.0, 5.0), (4.0,))
    assert (fill.color.value, fill.opacity.value) == ((0.0, 0.5, 1.0, 1.0), (50.0,))  # stored ARGB 0-255
    assert path.path.closed is False and len(path.path.vertices) == 3
    assert (group.transform.scale.value, group.transform.opacity.value) == ((50.0, 200.0), (80.0,))
    assert [k.value for k in ellipse.size.keyframes] == [(10.0, 10.0), (110.0, 60.0)]
    assert (stroke.color.value, stroke.width.value) == ((1.0, 1.0, 1.0, 1.0), (2.0,))  # defaults
    assert off.kind == "fill" and off.enabled is False
    assert skewed.kind == "group" and skewed.items == ()
    assert shapes.left_out == ("Trim Paths 1 (ADBE Vector Filter - Trim)", "Skewed skew (ADBE Vector Skew)",
                               "Repeater 1 (ADBE Vector Filter - Repeater)")


def test_authored_aepx_twin_reads_the_same(authored):
    chunks = load_chunks(authored.read_bytes())
    from jobs.formats.aepx_writer import to_aepx

    twin = parse_template(to_aepx(chunks.root, chunks.xmp), source="twin.aepx")
    assert _shape_layer(twin).shapes == _shape_layer(read_template(authored)).shapes


def test_shapes_round_trip_through_json_and_old_descriptions_have_none(authored):
    doc = read_template(authored)
    assert TemplateDocument.from_dict(doc.to_dict()) == doc
    old = _shape_layer(doc).to_dict()
    del old["shapes"]
    assert TemplateLayer.from_dict(old).shapes is None
    assert aep.READER_VERSION == "aep-reader/5"


def test_other_layers_have_no_shapes(authored):
    assert [layer.shapes for layer in read_template(authored).compositions[0].layers if layer.type != "shape"] == [None]


# ============================================================================================
# The painter


def static(*value: float) -> AnimatedProperty:
    return AnimatedProperty(value=tuple(float(v) for v in value))


def shape_layer(items, position=(0.0, 0.0), left_out=()) -> TemplateLayer:
    return TemplateLayer(index=2, name="shape", type="shape", in_point=0.0, out_point=10.0,
                         matrix=(1.0, 0.0, 0.0, 1.0, *position), shapes=LayerShapes(tuple(items), tuple(left_out)))


RED = ShapeItem(kind="fill", name="Fill 1", color=static(1, 0, 0, 1), opacity=static(100))


def _frame(tmp_path, layer):
    """The still preview of a composition holding ``layer`` under a small matched photo in the
    top-left corner (the preview draws the compositions the plan fills)."""
    photo = cases.footage_layer(1, "photo", (10, 10), (5.0, 5.0))
    image = cases.png(tmp_path / "photo.png", (10, 10), (255, 255, 255, 255))
    result = cases.one_image(tmp_path, cases.composition([photo, layer], duration=10.0), image)
    return cases.pixels(result), result


def test_a_red_rectangle_is_drawn_where_it_is(tmp_path):
    rect = ShapeItem(kind="rect", name="Rect", size=static(80, 40), position=static(0, 0), roundness=static(0))
    frame, result = _frame(tmp_path, shape_layer([rect, RED], position=(100.0, 50.0)))
    assert cases.colour_bounds(frame, (255, 0, 0)) == pytest.approx((60, 30, 141, 71), abs=1)
    assert cases.at(frame, 100, 50) == (255, 0, 0) and cases.at(frame, 50, 50) == (0, 0, 0)
    assert result.metrics["compositions"][0]["shapes"] == [{"index": 2, "name": "shape", "not_drawn": []}]


def test_an_ellipse_through_a_group_transform(tmp_path):
    ellipse = ShapeItem(kind="ellipse", name="Ellipse", size=static(100, 50), position=static(0, 0))
    moved = ShapeTransform(position=static(200, 150), scale=static(100, 200), rotation=static(90))
    group = ShapeItem(kind="group", name="Group", items=(ellipse, RED), transform=moved)
    frame, _ = _frame(tmp_path, shape_layer([group]))
    left, top, right, bottom = cases.colour_bounds(frame, (255, 0, 0))
    # 100 x 50, scaled to 100 x 100 then turned 90 degrees about the group origin: a circle at (200, 150)
    assert (left, top, right, bottom) == pytest.approx((150, 100, 251, 201), abs=2)
    assert cases.at(frame, 152, 102) == (0, 0, 0)  # a circle, not its box


def test_a_stroked_open_path_and_what_is_not_drawn(tmp_path):
    path = ShapeItem(kind="path", name="Path", path=ShapePath(((50, 100), (350, 100)), ((0, 0), (0, 0)),
                                                               ((0, 0), (0, 0)), closed=False))
    stroke = ShapeItem(kind="stroke", name="Stroke", color=static(0, 1, 0, 1), opacity=static(100), width=static(10))
    frame, result = _frame(tmp_path, shape_layer([path, stroke, RED], left_out=["Trim Paths 1 (ADBE Vector Filter - Trim)"]))
    left, top, right, bottom = cases.colour_bounds(frame, (0, 255, 0))
    assert (left, right) == pytest.approx((50, 351), abs=2) and (top, bottom) == pytest.approx((95, 105), abs=1)
    assert cases.colour_bounds(frame, (255, 0, 0)) is None  # an open two-point path has no area
    assert result.metrics["compositions"][0]["shapes"][0]["not_drawn"] == ["Trim Paths 1 (ADBE Vector Filter - Trim)"]


def test_the_last_item_is_painted_first(tmp_path):
    rect = ShapeItem(kind="rect", name="Rect", size=static(100, 100), position=static(200, 150))
    blue = ShapeItem(kind="fill", name="Blue", color=static(0, 0, 1, 1), opacity=static(100))
    frame, _ = _frame(tmp_path, shape_layer([rect, RED, blue]))
    assert cases.at(frame, 200, 150) == (255, 0, 0)  # the first fill is on top


# ============================================================================================
# The motion preview


def test_motion_preview_evaluates_shape_keyframes(tmp_path):
    grow = AnimatedProperty(value=(10.0, 10.0), keyframes=(Keyframe(time=0.0, value=(10.0, 10.0)),
                                                           Keyframe(time=2.0, value=(210.0, 110.0))))
    rect = ShapeItem(kind="rect", name="Rect", size=grow, position=static(0, 0))
    layer = shape_layer([rect, RED], position=(200.0, 150.0))
    comp = cases.composition([layer], duration=2.0)
    template = TemplateDocument(source="t.aepx", compositions=(comp,))
    psd = cases.documents([comp])[1]
    plan = build_render_plan(template=template, psd=psd, matches=[], image_sizes={})
    result = render_motion(plan=plan, template=template, psd=psd, fps=10.0)
    first, middle = (np.asarray(result.frames[n].convert("RGB")) for n in (0, 10))
    assert cases.colour_bounds(first, (255, 0, 0)) == pytest.approx((195, 145, 206, 156), abs=1)
    assert cases.colour_bounds(middle, (255, 0, 0)) == pytest.approx((145, 120, 256, 181), abs=1)
    assert result.metrics["left_out"] == [] and result.metrics["approximated"] == []
