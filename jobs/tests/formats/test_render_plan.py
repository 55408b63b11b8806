"""The render plan: composition choice, footage and text placement, JSON round trip."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.formats.descriptions import (
    Composition,
    Footage,
    Match,
    PsdDocument,
    PsdLayer,
    TemplateDocument,
    TemplateLayer,
)
from jobs.formats.render_plan import RenderPlan, build_render_plan, render_composition
from jobs.formats.render_plan.affine import apply, bounds, compose, scaling, translate


def local_matrix(position, anchor, scale=(100.0, 100.0), rotation=0.0):
    """T(position) R S T(-anchor), as After Effects composes a layer's transform."""
    c, s = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
    rs = (c * scale[0] / 100, s * scale[0] / 100, -s * scale[1] / 100, c * scale[1] / 100, 0.0, 0.0)
    return compose(translate(*position), compose(rs, translate(-anchor[0], -anchor[1])))


def footage_layer(index=1, *, size=(400, 300), position=(960.0, 540.0), anchor=(200.0, 150.0),
                  scale=(100.0, 100.0), rotation=0.0, parent=None, name="photo"):
    matrix = local_matrix(position, anchor, scale, rotation)
    if parent is not None:
        matrix = compose(parent, matrix)
    return TemplateLayer(
        index=index, name=name, type="footage", placeholder=True,
        source=Footage(id=10 + index, name=f"{name}.png", width=size[0], height=size[1]),
        matrix=matrix, anchor=anchor, position=position, scale=scale, rotation=rotation,
    )


def comp(*layers, name="Main", size=(1920, 1080), cid=1):
    return Composition(id=cid, name=name, width=size[0], height=size[1], duration=10.0, layers=tuple(layers))


def template(*comps):
    return TemplateDocument(source="t.aepx", compositions=tuple(comps))


PSD = PsdDocument(source="d.psd", width=1920, height=1080, layers=(
    PsdLayer(id=5, name="Photo", kind="pixel", bbox=(0, 0, 800, 800)),
    PsdLayer(id=6, name="NAME", kind="type", text="JORDAN AVERY", bbox=(0, 0, 100, 20)),
    PsdLayer(id=7, name="TEAM", kind="type", text="THUNDER vs ROCKETS", bbox=(0, 40, 100, 60)),
))


def footage_match(fit="fit", layer_index=1, composition="Main"):
    return Match(composition, layer_index, "photo", 5, "Photo", 0.9, "name", "footage", fit)


def plan_for(layer, fit="fit", image=(800, 800)):
    return build_render_plan(template=template(comp(layer)), psd=PSD, matches=[footage_match(fit)],
                             image_sizes={5: image})


def visible_box(placement):
    return bounds(placement.visible)


def test_fit_keeps_the_anchors_relative_place_and_the_whole_image_inside_the_box():
    placement = plan_for(footage_layer()).footage[0]
    assert placement.scale == (37.5, 37.5)  # min(400/800, 300/800) of 100 %
    assert placement.anchor == (400.0, 400.0)  # the centre, as the old anchor was the box's centre
    assert placement.mask is None
    assert visible_box(placement) == pytest.approx((810.0, 390.0, 1110.0, 690.0))  # centred in 760..1160 x 390..690


def test_fit_with_a_top_left_anchor_keeps_the_image_at_the_top_left():
    placement = plan_for(footage_layer(anchor=(0.0, 0.0), position=(760.0, 390.0))).footage[0]
    assert placement.anchor == (0.0, 0.0)
    assert visible_box(placement) == pytest.approx((760.0, 390.0, 1060.0, 690.0))


def test_fill_covers_the_box_and_its_mask_crops_it_to_the_box():
    placement = plan_for(footage_layer(), fit="fill").footage[0]
    assert placement.scale == (50.0, 50.0)
    assert placement.mask == pytest.approx((0.0, 100.0, 800.0, 700.0))
    assert visible_box(placement) == pytest.approx((760.0, 390.0, 1160.0, 690.0))  # exactly the old box


def test_stretch_fills_the_box_exactly():
    placement = plan_for(footage_layer(), fit="stretch", image=(100, 50)).footage[0]
    assert placement.scale == pytest.approx((400.0, 600.0))
    assert visible_box(placement) == pytest.approx((760.0, 390.0, 1160.0, 690.0))


def test_flips_rotation_and_parents_go_through_the_matrix():
    parent = local_matrix((100.0, 50.0), (0.0, 0.0), (200.0, 200.0))
    layer = footage_layer(scale=(-100.0, 100.0), rotation=90.0, parent=parent)
    placement = plan_for(layer, fit="stretch", image=(400, 300)).footage[0]
    assert placement.scale == pytest.approx((-100.0, 100.0))
    # Same size as the source, so the image lands exactly where the source's rectangle was.
    old = bounds(apply(layer.matrix, p) for p in ((0, 0), (400, 0), (400, 300), (0, 300)))
    assert visible_box(placement) == pytest.approx(old)


def test_an_animated_placeholder_is_said_to_be_not_derivable():
    layer = TemplateLayer(index=1, name="photo", type="footage", placeholder=True,
                          source=Footage(id=3, name="p.png", width=400, height=300), animated_transform=True)
    plan = plan_for(layer)
    assert plan.footage[0].matrix is None and plan.footage[0].visible is None
    assert plan.footage[0].anchor_map == pytest.approx((2.0, 0.0, 800 / 300, 0.0))
    assert [n.code for n in plan.notes] == ["placement_not_derivable"]


@settings(max_examples=60, deadline=None)
@given(
    size=st.tuples(st.integers(10, 2000), st.integers(10, 2000)),
    image=st.tuples(st.integers(1, 3000), st.integers(1, 3000)),
    anchor_at=st.tuples(st.floats(0, 1), st.floats(0, 1)),  # where the anchor sits in the box
    scale=st.tuples(st.sampled_from([-150.0, -100.0, 25.0, 100.0, 250.0]),
                    st.sampled_from([-100.0, 50.0, 100.0, 180.0])),
    rotation=st.sampled_from([0.0, 30.0, -90.0, 180.0]),
    fit=st.sampled_from(["fit", "fill", "stretch"]),
)
def test_the_image_always_lands_inside_or_exactly_on_the_old_box(size, image, anchor_at, scale, rotation, fit):
    # (The image is scaled about the anchor's relative place, as After Effects scales a layer
    # about its anchor: with the anchor inside the box, it stays inside the box.)
    anchor = (anchor_at[0] * size[0], anchor_at[1] * size[1])
    layer = footage_layer(size=size, anchor=anchor, scale=scale, rotation=rotation)
    placement = plan_for(layer, fit=fit, image=image).footage[0]
    # In the layer's unrotated frame the old box, seen through the new transform, holds the image.
    to_old = compose(scaling(placement.scale[0] / scale[0], placement.scale[1] / scale[1]),
                     translate(-placement.anchor[0], -placement.anchor[1]))
    region = placement.mask or (0.0, 0.0, float(image[0]), float(image[1]))
    left, top, right, bottom = bounds(apply(compose(translate(*anchor), to_old), p) for p in
                                      ((region[0], region[1]), (region[2], region[3])))
    tolerance = 1e-6 * max(size + image)
    assert left >= -tolerance and top >= -tolerance
    assert right <= size[0] + tolerance and bottom <= size[1] + tolerance
    if fit in ("fill", "stretch"):  # the box is covered exactly
        assert (left, top, right, bottom) == pytest.approx((0, 0, size[0], size[1]), abs=tolerance * 10)


def text_layer(index, name, *, text_box=None, justification="center", matrix=(1.0, 0, 0, 1.0, 100.0, 200.0)):
    return TemplateLayer(index=index, name=name, type="text", placeholder=True, text=name, font="Oswald-Bold",
                         font_size=72.0, matrix=matrix, anchor=(0.0, 0.0), position=(100.0, 200.0),
                         scale=(100.0, 100.0), rotation=0.0, justification=justification, text_box=text_box)


def test_text_takes_the_templates_style_and_place_not_the_psds():
    layers = (text_layer(1, "player", text_box=(-250.0, -40.0, 500.0, 80.0)),
              text_layer(2, "matchup", justification="justify_last_right"))
    matches = [Match("Main", 1, "player", 7, "TEAM", 0.9, "name", "text"),  # swapped by a reviewer
               Match("Main", 2, "matchup", 6, "NAME", 0.9, "name", "text")]
    plan = build_render_plan(template=template(comp(*layers)), psd=PSD, matches=matches, image_sizes={})
    player, matchup = plan.texts
    assert (player.text, player.font, player.font_size) == ("THUNDER vs ROCKETS", "Oswald-Bold", 72.0)
    assert player.box == pytest.approx((-150.0, 160.0, 350.0, 240.0)) and player.origin is None
    assert matchup.text == "JORDAN AVERY" and matchup.origin == pytest.approx((100.0, 200.0))
    assert matchup.justification == "right"


def test_text_whose_place_cannot_be_derived_is_noted():
    layer = text_layer(1, "player", matrix=None)
    plan = build_render_plan(template=template(comp(layer)), psd=PSD,
                             matches=[Match("Main", 1, "player", 6, "NAME", 0.9, "name", "text")], image_sizes={})
    assert plan.texts[0].box is None and plan.texts[0].origin is None
    assert "text_position_unknown" in {n.code for n in plan.notes}


def test_the_render_composition_is_top_level_and_shows_the_placeholders_through_precomps():
    inner = comp(footage_layer(1), footage_layer(2, name="logo"), name="Cards", cid=2)
    precomp_layer = TemplateLayer(index=1, name="Cards", type="precomp",
                                  source=Footage(id=2, name="Cards", kind="composition"))
    main = comp(precomp_layer, footage_layer(2, name="bg"), name="Main", cid=1)
    other = comp(footage_layer(1, name="photo"), name="Alt", cid=3)
    doc = template(inner, other, main)
    filled = {("Cards", 1), ("Cards", 2), ("Alt", 1)}
    # Cards holds the most filled placeholders, but it is a layer of Main: Main renders them.
    assert render_composition(doc, filled).name == "Main"
    assert render_composition(doc, {("Alt", 1)}).name == "Alt"
    assert render_composition(doc, set()).name == "Alt"  # the first top-level composition


def test_missing_layers_and_images_are_errors_in_the_plan():
    plan = build_render_plan(template=template(comp(footage_layer())), psd=PSD,
                             matches=[footage_match(layer_index=9), footage_match()], image_sizes={})
    assert [(n.code, n.severity) for n in plan.notes] == [("placeholder_missing", "error"), ("image_missing", "error")]
    assert plan.footage == ()


def test_the_plan_round_trips_through_json():
    import json

    plan = plan_for(footage_layer(), fit="fill")
    again = RenderPlan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again == plan


def test_the_template_and_the_footage_it_renders_are_collected_with_safe_relinks(tmp_path):
    from jobs.formats.template_rules import footage_locator

    root = tmp_path / "in"
    (root / "elsewhere").mkdir(parents=True)
    (root / "bg.png").write_bytes(b"bg")
    (root / "elsewhere" / "cutout.png").write_bytes(b"cut")  # not where the template says
    kept_bg = TemplateLayer(index=2, name="bg", type="footage",
                            source=Footage(id=21, name="bg.png", path=str(root / "bg.png"), width=10, height=10))
    moved = TemplateLayer(index=3, name="cutout", type="footage",
                          source=Footage(id=22, name="cutout.png", path="/Users/designer/cutout.png", missing=True))
    lost = TemplateLayer(index=4, name="lost", type="footage",
                         source=Footage(id=23, name="lost.png", path="/Users/designer/lost.png", missing=True))
    doc = template(comp(footage_layer(), kept_bg, moved, lost))
    locate = footage_locator(doc, [root], limit=1000)
    plan = build_render_plan(template=doc, psd=PSD, matches=[footage_match()], image_sizes={5: (800, 800)},
                             template_path=str(root / "My Template.aepx"), locate=locate)
    assert plan.template_file == "template/template-My_Template.aepx"
    by_id = {f.footage_id: f for f in plan.files}
    assert set(by_id) == {21, 22}  # the replaced photo's own source (id 11) is not needed
    assert (by_id[21].local_path, by_id[21].relinked) == (str((root / "bg.png").resolve()), False)
    assert by_id[22].relinked and by_id[22].local_path.endswith("elsewhere/cutout.png")
    assert by_id[22].bundle_path == "footage/22-cutout.png"
    assert "footage_not_collected" in {n.code for n in plan.notes}  # lost.png is nowhere
