"""The placement facts of the template description (jobs.formats.aep): each layer's
layer-to-composition ``matrix``, its own ``anchor`` / ``position`` / ``scale`` / ``rotation``,
``animated_transform``, and the text document's ``justification``, ``text_box``, ``leading`` and
``tracking``.

Oracle: py-aep 0.18.2 (its own transform chain, ``source_point_to_comp``, and its text document
model) on every real file the reader tests use: the After Effects-written fixture
``split-screen.aepx``, the generated projects of ``test_aep`` and the demo templates.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobs import demo
from jobs.formats import aep
from jobs.formats.aep import READER_VERSION, load_chunks, parse_template, read_template, to_rifx
from jobs.formats.aep.geometry import _LayerGeometry, _own_transform
from jobs.formats.aep.items import _CompHeader
from jobs.formats.aep.properties import _Prop
from jobs.formats.aep.text import JUSTIFICATIONS
from jobs.formats.aepx_writer import (
    CompSpec,
    FootageLayerSpec,
    NullLayerSpec,
    TextLayerSpec,
    build_project,
    write_template,
)
from jobs.formats.descriptions import TemplateDocument, TemplateLayer

from .test_aep import GENERATED, _first, _property

py_aep = pytest.importorskip("py_aep", reason="py-aep (test oracle, requirements-dev.txt) is not installed")

# py-aep's ParagraphJustification names, in the order of the COS codes 0-6.
PYAEP_JUSTIFICATIONS = {
    "LEFT_JUSTIFY": "left",
    "RIGHT_JUSTIFY": "right",
    "CENTER_JUSTIFY": "center",
    "FULL_JUSTIFY_LASTLINE_LEFT": "justify_last_left",
    "FULL_JUSTIFY_LASTLINE_RIGHT": "justify_last_right",
    "FULL_JUSTIFY_LASTLINE_CENTER": "justify_last_center",
    "FULL_JUSTIFY_LASTLINE_FULL": "justify_all",
}
PLACEMENT = ("ADBE Anchor Point", "ADBE Position", "ADBE Scale", "ADBE Rotate Z", "ADBE Rotate X", "ADBE Rotate Y")


def _pyaep_project(path: Path, tmp_path: Path):
    """py-aep reads binary projects only: an .aepx goes through its chunk tree to RIFX first."""
    data = path.read_bytes()
    chunks = load_chunks(data)
    oracle = tmp_path / f"oracle-{path.stem}.aep"
    oracle.write_bytes(to_rifx(chunks.root, chunks.xmp) if chunks.format == "aepx" else data)
    return py_aep.parse(str(oracle)).project


def _apply(matrix, x, y):
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def _rect(layer: TemplateLayer):
    """The layer's content rectangle (left, top, width, height) in layer pixels."""
    if layer.type == "text":
        return layer.text_box
    if layer.source is not None and layer.source.width and layer.source.height:
        return (0.0, 0.0, float(layer.source.width), float(layer.source.height))
    return None


def _transform_value(layer, match_name):
    return layer.property("ADBE Transform Group").property(match_name).value


def check_placement(doc: TemplateDocument, project) -> dict[str, int]:
    """Every layer's new fields against py-aep; returns how many layers each check covered."""
    theirs = {c.name: c for c in project.compositions}
    counts = {"layers": 0, "matrix": 0, "bbox": 0, "text": 0}
    for comp in doc.compositions:
        other = theirs[comp.name]
        assert len(comp.layers) == len(other.layers)
        for ours, layer in zip(comp.layers, other.layers):
            where = f"{comp.name} #{ours.index} {ours.name}"
            assert ours.name == layer.name, where
            counts["layers"] += 1
            group = layer.property("ADBE Transform Group")
            animated = any(
                group.property(name) is not None and group.property(name).is_time_varying for name in PLACEMENT
            )
            assert ours.animated_transform is animated, where
            if ours.type == "audio":
                assert (ours.matrix, ours.anchor, ours.position, ours.scale, ours.rotation) == (None,) * 5, where
                continue
            # The layer's own values, as After Effects' UI (and py-aep) shows them.
            assert ours.anchor == pytest.approx(_transform_value(layer, "ADBE Anchor Point")[:2], abs=1e-6), where
            assert ours.position == pytest.approx(_transform_value(layer, "ADBE Position")[:2], abs=1e-6), where
            assert ours.scale == pytest.approx(_transform_value(layer, "ADBE Scale")[:2], abs=1e-6), where
            assert ours.rotation == pytest.approx(_transform_value(layer, "ADBE Rotate Z"), abs=1e-9), where
            # The matrix: py-aep's transform chain at the in point, on three points of layer space.
            assert ours.matrix is not None, where
            for x, y in ((0.0, 0.0), (100.0, 0.0), (0.0, 100.0), (37.5, -12.25)):
                expected = layer.source_point_to_comp([x, y], time=layer.in_point)
                assert _apply(ours.matrix, x, y) == pytest.approx(tuple(expected), abs=1e-6), where
            counts["matrix"] += 1
            # The matrix on the content rectangle gives the bbox.
            rect = _rect(ours)
            if ours.bbox is not None:
                left, top, width, height = rect
                corners = [_apply(ours.matrix, x, y) for x in (left, left + width) for y in (top, top + height)]
                xs, ys = [p[0] for p in corners], [p[1] for p in corners]
                assert (min(xs), min(ys), max(xs), max(ys)) == pytest.approx(ours.bbox, abs=1.0), where
                counts["bbox"] += 1
            if ours.type == "text":
                document = layer.text.source_text.value
                assert ours.justification == PYAEP_JUSTIFICATIONS[document.justification.name], where
                if document.box_text:
                    assert ours.text_box == pytest.approx((*document.box_text_pos, *document.box_text_size)), where
                else:
                    assert ours.text_box is None and ours.bbox is None, where
                assert ours.leading == pytest.approx(document.leading), where
                assert ours.tracking == pytest.approx(document.tracking), where
                counts["text"] += 1
            else:
                assert (ours.justification, ours.text_box, ours.leading, ours.tracking) == (None,) * 4, where
    return counts


# ============================================================================================
# Real files against py-aep


def test_fixture_placement_agrees_with_pyaep(shared_fixtures, tmp_path):
    path = shared_fixtures / "aepx" / "split-screen.aepx"
    if not path.is_file():
        pytest.skip(f"real After Effects fixture not found at {path}")
    doc = read_template(path)
    counts = check_placement(doc, _pyaep_project(path, tmp_path))
    assert counts == {"layers": 12, "matrix": 12, "bbox": 12, "text": 3}
    title = doc.compositions[0].layer(1)
    assert (title.justification, title.tracking, title.leading) == ("left", 38.0, 72.0)
    assert title.text_box == pytest.approx((-239.13013, -30.47737, 478.26026, 60.95474))
    cutout = doc.composition("test-photoshop-doc").layer(4)
    assert cutout.anchor == (326.0, 740.0) and cutout.position == (841.0, 760.0)  # anchor stored normalised
    assert cutout.matrix == (1.0, 0.0, 0.0, 1.0, 515.0, 20.0)


def test_fixture_binary_twin_has_the_same_placement(shared_fixtures):
    path = shared_fixtures / "aepx" / "split-screen.aepx"
    if not path.is_file():
        pytest.skip(f"real After Effects fixture not found at {path}")
    chunks = load_chunks(path.read_bytes())
    assert parse_template(to_rifx(chunks.root, chunks.xmp)).compositions == read_template(path).compositions


@pytest.mark.parametrize("fmt", ["aep", "aepx"])
def test_generated_placement_agrees_with_pyaep(fmt, tmp_path):
    path = tmp_path / f"generated.{fmt}"
    write_template(path, compositions=GENERATED)
    doc = read_template(path)
    counts = check_placement(doc, _pyaep_project(path, tmp_path))
    # 12 layers; the sound-only one has no placement; point text has a matrix but no bbox.
    assert counts == {"layers": 12, "matrix": 11, "bbox": 10, "text": 2}
    main = doc.compositions[0]
    turned, pinned, child = main.layer(8), main.layer(9), main.layer(7)
    assert turned.rotation == 90.0 and turned.matrix == (0.0, 1.0, -1.0, 0.0, 1010.0, 440.0)
    assert pinned.scale == (200.0, 200.0) and pinned.anchor == (0.0, 0.0)
    assert child.position == (200.0, 200.0)  # in the parent's pixels
    assert child.matrix == (0.5, 0.0, 0.0, 0.5, 175.0, 175.0)  # through the 50 % null
    assert main.layer(2).justification == "center"  # the writer's default for point text
    assert main.layer(1).justification == "left"  # and for box text


@pytest.mark.parametrize("all_caps", [False, True])
def test_demo_template_placement_agrees_with_pyaep(all_caps, tmp_path):
    path = demo.write_template_file(tmp_path / "gameday-card.aepx", all_caps=all_caps)
    doc = read_template(path)
    counts = check_placement(doc, _pyaep_project(path, tmp_path))
    assert counts == {"layers": 6, "matrix": 6, "bbox": 3, "text": 3}
    name = doc.compositions[0].layer(1)
    assert (name.matrix, name.text_box, name.justification) == ((1.0, 0.0, 0.0, 1.0, 360.0, 1215.0), None, "center")


def test_written_justification_reads_back(tmp_path):
    """Every paragraph justification the writer takes, on point and box text, in both readers."""
    layers = []
    for name in JUSTIFICATIONS:
        layers.append(TextLayerSpec(name=f"point {name}", text="A\nB", justification=name, position=(100, 100)))
        layers.append(TextLayerSpec(name=f"box {name}", text="A B", justification=name, box=(300, 80)))
    path = tmp_path / "justified.aepx"
    write_template(path, compositions=[CompSpec(name="C", layers=layers)])
    doc = read_template(path)
    got = {layer.name: layer.justification for layer in doc.compositions[0].layers}
    assert got == {f"{kind} {name}": name for name in JUSTIFICATIONS for kind in ("point", "box")}
    assert check_placement(doc, _pyaep_project(path, tmp_path))["text"] == 2 * len(JUSTIFICATIONS)
    with pytest.raises(ValueError, match="unknown justification"):
        write_template(tmp_path / "bad.aepx", compositions=[CompSpec(name="C", layers=[TextLayerSpec(text="x", justification="middle")])])


# ============================================================================================
# What is not derivable


def _animate(layr, *path):
    """Set the "animated" byte of a transform property's tdb4 (as After Effects does for keyframes)."""
    tdb4 = _property(layr, "ADBE Transform Group", *path).find("tdb4")
    tdb4.data = tdb4.data[:68] + b"\x01" + tdb4.data[69:]


def test_keyframed_transform_gives_no_matrix():
    root, xmp = build_project(
        [
            CompSpec(
                name="C",
                layers=[
                    NullLayerSpec(name="rig", position=(10, 10), scale=(50, 50)),
                    FootageLayerSpec(name="child", path="/m/a.png", width=10, height=10, parent="rig", position=(5, 5)),
                    FootageLayerSpec(name="still", path="/m/b.png", width=10, height=10, position=(5, 5)),
                ],
            )
        ]
    )
    _animate(_first(root, "Layr"), "ADBE Position")
    rig, child, still = parse_template(aep.to_rifx(root, xmp), source="k.aep").compositions[0].layers
    assert (rig.matrix, rig.bbox, rig.position, rig.animated_transform) == (None, None, None, True)
    assert (rig.anchor, rig.scale, rig.rotation) == ((0.0, 0.0), (50.0, 50.0), 0.0)  # the static ones stay
    assert (child.matrix, child.bbox, child.animated_transform) == (None, None, True)  # through its parent
    assert (child.position, child.anchor) == ((5.0, 5.0), (5.0, 5.0))
    assert still.animated_transform is False and still.matrix == (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def test_expression_driven_transform_gives_no_matrix():
    root, xmp = build_project([CompSpec(name="C", layers=[FootageLayerSpec(name="s", path="/m/a.png", width=10, height=10, scale=(50, 50))])])
    scale = _property(_first(root, "Layr"), "ADBE Transform Group", "ADBE Scale")
    scale.children.append(aep.Chunk("Utf8", aep.LEAF, b"[100, 100] * time"))
    layer = parse_template(aep.to_rifx(root, xmp)).compositions[0].layers[0]
    assert (layer.matrix, layer.scale, layer.animated_transform) == (None, None, True)
    assert layer.position == (960.0, 540.0) and layer.anchor == (5.0, 5.0)


def test_unknown_source_size_gives_no_anchor_or_matrix(tmp_path):
    """The default anchor is the source centre: without the source's size it is not known."""
    path = tmp_path / "unsized.aepx"
    write_template(path, compositions=[CompSpec(name="C", layers=[FootageLayerSpec(name="x", path="/m/x.mov", width=0, height=0)])])
    layer = read_template(path).compositions[0].layers[0]
    assert (layer.type, layer.anchor, layer.matrix, layer.bbox) == ("footage", None, None, None)
    assert (layer.position, layer.scale, layer.rotation, layer.animated_transform) == ((960.0, 540.0), (100.0, 100.0), 0.0, False)


def test_separated_position_dimensions():
    comp = _CompHeader(width=100, height=50, frame_rate=30.0, duration=10.0, bg_color=(0.0, 0.0, 0.0), renderer=None)
    props = {"separated": _Prop(()), "ADBE Position_0": _Prop((10.0,)), "ADBE Position_1": _Prop((20.0,))}
    own = _own_transform(_LayerGeometry(id=1, parent_id=None, size=(4.0, 4.0), transform=props, default_anchor=(2.0, 2.0), normalized_anchor=True), comp)
    assert (own.position, own.anchor, own.scale, own.rotation) == ((10.0, 20.0), (2.0, 2.0), (100.0, 100.0), 0.0)
    props["ADBE Position_1"] = _Prop(None)  # keyframed
    assert _own_transform(_LayerGeometry(id=1, parent_id=None, size=None, transform=props), comp).position is None


# ============================================================================================
# The description


def test_new_fields_round_trip_through_json(tmp_path):
    path = tmp_path / "generated.aepx"
    write_template(path, compositions=GENERATED)
    doc = read_template(path)
    data = json.loads(json.dumps(doc.to_dict()))
    title = data["compositions"][0]["layers"][0]
    assert title["matrix"] == [1.0, 0.0, 0.0, 1.0, 960.0, 200.0]
    assert (title["anchor"], title["position"], title["scale"], title["rotation"]) == ([0.0, 0.0], [960.0, 200.0], [100.0, 100.0], 0.0)
    assert (title["justification"], title["text_box"], title["animated_transform"]) == ("left", [-400.0, -100.0, 800.0, 200.0], False)
    audio = data["compositions"][0]["layers"][3]
    assert (audio["matrix"], audio["anchor"], audio["position"], audio["scale"], audio["rotation"]) == (None,) * 5
    assert TemplateDocument.from_dict(data).compositions == doc.compositions


def test_old_descriptions_still_load():
    old = {"index": 1, "name": "t", "type": "text", "bbox": [0, 0, 10, 10], "text": "x"}
    layer = TemplateLayer.from_dict(old)
    assert (layer.matrix, layer.anchor, layer.position, layer.scale, layer.rotation) == (None,) * 5
    assert (layer.animated_transform, layer.justification, layer.text_box) == (False, None, None)
    with pytest.raises(ValueError):
        TemplateLayer.from_dict({**old, "matrix": [1, 0, 0, 1]})


def test_reader_version_was_bumped_for_the_new_fields():
    assert READER_VERSION != "aep-reader/1"
