"""Evaluating a layer's animation at a time (jobs.formats.motion): hold, linear, eased and
spatial-bezier keyframes, roving runs, parenting, and pre-comp time (start, stretch, time
remapping). Known values are worked out by hand in each test; the authored keyframed project
of ``test_aep_animation`` is also checked against py-aep's own evaluator (``value_at_time``).
"""

from __future__ import annotations

import math

import pytest

from jobs.formats.aep import read_template
from jobs.formats.descriptions import AnimatedProperty, Keyframe, LayerAnimation, TemplateLayer
from jobs.formats.motion import cubic_bezier, is_active, layer_matrix, layer_state, property_at, source_time

EASY = ((0.0, 100.0 / 3.0),)  # After Effects' Easy Ease: speed 0, influence 33.33 %


def key(time, *value, kind="linear", out_kind=None, in_ease=(), out_ease=(), **rest) -> Keyframe:
    return Keyframe(
        time=time,
        value=tuple(float(v) for v in value),
        in_interpolation=kind,
        out_interpolation=out_kind or kind,
        in_ease=in_ease,
        out_ease=out_ease,
        **rest,
    )


def prop(*keys, spatial=False, expression=None) -> AnimatedProperty:
    return AnimatedProperty(value=keys[0].value, keyframes=keys, spatial=spatial, expression=expression)


# ============================================================================================
# The speed/influence -> cubic-bezier conversion


def test_easy_ease_is_the_familiar_cubic_bezier():
    assert cubic_bezier(EASY[0], EASY[0], 1.0, 100.0) == pytest.approx((1 / 3, 0.0, 2 / 3, 1.0))


def test_an_ease_at_the_average_speed_is_the_diagonal():
    # 100 units in 2 s: 50/s, influence 25 % -> handles on the diagonal
    assert cubic_bezier((50.0, 25.0), (50.0, 25.0), 2.0, 100.0) == pytest.approx((0.25, 0.25, 0.75, 0.75))


def test_a_fast_start_overshoots_the_unit_square():
    # 200/s out (4x the average) over 40 % -> y1 = 0.4 * 200 * 2 / 100 = 1.6
    assert cubic_bezier((200.0, 40.0), (0.0, 10.0), 2.0, 100.0) == pytest.approx((0.4, 1.6, 0.9, 1.0))
    assert cubic_bezier((1.0, 10.0), (1.0, 10.0), 1.0, 0.0) is None  # no change: no normalised curve


# ============================================================================================
# Hold, linear, eased


def test_hold_keeps_the_value_until_the_next_key():
    opacity = prop(key(1.0, 0, kind="linear", out_kind="hold"), key(2.0, 100))
    assert [property_at(opacity, t)[0] for t in (0.0, 1.0, 1.5, 1.999, 2.0, 3.0)] == [0, 0, 0, 0, 100, 100]


def test_hold_on_the_far_keys_in_side_holds_too():
    value = prop(key(0.0, 10), key(1.0, 20, kind="hold"))
    assert property_at(value, 0.5) == (10.0,)


def test_linear_interpolates_each_dimension():
    scale = prop(key(0.0, 100, 100), key(2.0, 200, 50))
    assert property_at(scale, 0.5) == pytest.approx((125.0, 87.5))
    assert property_at(scale, -1.0) == (100.0, 100.0) and property_at(scale, 9.0) == (200.0, 50.0)


def test_easy_ease_at_a_quarter_is_15_625_percent():
    """With x1 = 1/3, x2 = 2/3 the curve's x(t) is t, so y(1/4) = 3 (3/4)(1/4)^2 + (1/4)^3 = 0.15625."""
    value = prop(key(0.0, 0, kind="bezier", out_ease=EASY), key(1.0, 100, kind="bezier", in_ease=EASY))
    assert property_at(value, 0.25) == pytest.approx((15.625,), abs=1e-9)
    assert property_at(value, 0.5) == pytest.approx((50.0,), abs=1e-9)
    assert property_at(value, 0.75) == pytest.approx((84.375,), abs=1e-9)


def test_bezier_at_the_average_speed_is_linear():
    value = prop(key(0.0, 0, kind="bezier", out_ease=((50.0, 40.0),)), key(2.0, 100, kind="bezier", in_ease=((50.0, 70.0),)))
    for t in (0.1, 0.5, 1.0, 1.7):
        assert property_at(value, t) == pytest.approx((50.0 * t,), abs=1e-9)


def test_equal_values_with_speed_still_bow():
    """After Effects places the handles absolutely: two keys at 50 with a 90/s push out peak
    above 50 (a normalised curve would divide by zero)."""
    value = prop(key(0.0, 50, kind="bezier", out_ease=((90.0, 50.0),)), key(1.0, 50, kind="bezier", in_ease=((0.0, 50.0),)))
    # P = 50, 95, 50, 50 with x handles 0.5, 0.5: at t = 0.5, x = 0.5 and y = 50 + 3 * 0.25 * 0.5 * 45
    assert property_at(value, 0.5) == pytest.approx((50.0 + 3 * 0.25 * 0.5 * 45.0,), abs=1e-9)


def test_eases_are_per_dimension():
    ease_x_only = ((0.0, 100.0 / 3.0), (10.0, 100.0 / 3.0))  # y eases at the average speed
    scale = prop(key(0.0, 0, 0, kind="bezier", out_ease=ease_x_only), key(1.0, 100, 10, kind="bezier", in_ease=ease_x_only))
    assert property_at(scale, 0.25) == pytest.approx((15.625, 2.5), abs=1e-9)


def test_a_linear_side_meeting_an_eased_one_stays_straight_at_its_end():
    value = prop(key(0.0, 0, kind="linear"), key(1.0, 100, kind="bezier", in_ease=EASY))
    early = property_at(value, 0.01)[0]
    assert early == pytest.approx(1.0, rel=0.05)  # leaves at the average speed, 100/s
    arriving = (100.0 - property_at(value, 0.99)[0]) / 0.01
    assert arriving < 5.0  # arrives nearly at rest (the average is 100/s)


def test_ease_speeds_are_per_second_of_the_layer():
    """On a 200 % layer, keys 2 comp seconds apart are 1 layer second apart: 100/s is then
    the average speed, and the curve is a line."""
    value = prop(key(0.0, 0, kind="bezier", out_ease=((100.0, 50.0),)), key(2.0, 100, kind="bezier", in_ease=((100.0, 50.0),)))
    assert property_at(value, 0.5, stretch=200.0) == pytest.approx((25.0,), abs=1e-9)
    assert property_at(value, 0.5, stretch=100.0)[0] > 25.0 + 5


def test_a_layer_played_backwards_interpolates_in_its_own_time():
    """-100 % from 5 s: layer seconds 0 and 1 sit at composition 5 s and 4 s; the ease out of
    the layer's first keyframe still applies at its (later) composition time."""
    value = prop(key(5.0, 0, kind="bezier", out_ease=EASY), key(4.0, 100, kind="bezier", in_ease=EASY))
    assert property_at(value, 4.75, stretch=-100.0, start_time=5.0) == pytest.approx((15.625,), abs=1e-9)
    assert property_at(value, 3.0, stretch=-100.0, start_time=5.0) == (100.0,)
    assert property_at(value, 6.0, stretch=-100.0, start_time=5.0) == (0.0,)


# ============================================================================================
# Spatial


def _arch(kind="linear"):
    """(0,0) -> (100,0) with tangents up: the path is the cubic 0,0 / 0,100 / 100,100 / 100,0."""
    return prop(
        key(0.0, 0, 0, kind=kind, in_tangent=(0.0, 0.0), out_tangent=(0.0, 100.0), out_ease=EASY, in_ease=EASY),
        key(1.0, 100, 0, kind=kind, in_tangent=(0.0, 100.0), out_tangent=(0.0, 0.0), out_ease=EASY, in_ease=EASY),
        spatial=True,
    )


def test_spatial_bezier_midpoint_is_the_arch_top():
    path = _arch()
    assert property_at(path, 0.5) == pytest.approx((50.0, 75.0), abs=1e-6)  # by symmetry, half the arc length
    assert property_at(path, 0.0) == (0.0, 0.0) and property_at(path, 1.0) == (100.0, 0.0)


def test_spatial_linear_moves_at_constant_speed_along_the_arc():
    path = _arch()
    points = [property_at(path, n / 20) for n in range(21)]
    steps = [math.dist(p, q) for p, q in zip(points, points[1:])]
    assert max(steps) - min(steps) < 0.05 * max(steps)
    # the arc is longer than its 100-pixel chord
    assert sum(steps) > 150


def test_spatial_easy_ease_is_slow_at_both_ends():
    path = _arch("bezier")
    assert property_at(path, 0.5) == pytest.approx((50.0, 75.0), abs=1e-6)
    near_start = math.dist(property_at(path, 0.05), (0.0, 0.0))
    assert near_start < math.dist(property_at(_arch(), 0.05), (0.0, 0.0)) / 2


def test_straight_spatial_path_is_linear():
    line = prop(key(0.0, 0, 0, in_tangent=(0.0, 0.0), out_tangent=(0.0, 0.0)), key(2.0, 100, 50, in_tangent=(0.0, 0.0), out_tangent=(0.0, 0.0)), spatial=True)
    assert property_at(line, 0.5) == pytest.approx((25.0, 12.5))


def test_a_roving_key_keeps_one_speed_through_the_run():
    zero = (0.0, 0.0)
    run = prop(
        key(0.0, 0, 0, in_tangent=zero, out_tangent=zero),
        key(0.1, 100, 0, in_tangent=zero, out_tangent=zero, roving=True),  # stored time ignored
        key(2.0, 300, 0, in_tangent=zero, out_tangent=zero),
        spatial=True,
    )
    assert property_at(run, 0.5) == pytest.approx((75.0, 0.0)) and property_at(run, 1.5) == pytest.approx((225.0, 0.0))


# ============================================================================================
# Layers: transform, parenting, expressions


def _animated(**props) -> LayerAnimation:
    still = {name: AnimatedProperty(value=value) for name, value in props.items() if not isinstance(value, AnimatedProperty)}
    moving = {name: value for name, value in props.items() if isinstance(value, AnimatedProperty)}
    defaults = {"anchor": AnimatedProperty(value=(0.0, 0.0, 0.0)), "position": AnimatedProperty(value=(0.0, 0.0, 0.0))}
    return LayerAnimation(**{**defaults, **still, **moving})


def _layer(layer_id, animation, parent_id=None, **rest) -> TemplateLayer:
    return TemplateLayer(index=layer_id, name=f"l{layer_id}", type="solid", id=layer_id, parent_id=parent_id, animation=animation, **rest)


def _apply(matrix, x, y):
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def test_layer_state_defaults_and_expressions():
    animation = _animated(position=(10.0, 20.0, 0.0), rotation=prop(key(0.0, 0), key(1.0, 90), expression="wiggle(2, 5)"))
    state = layer_state(animation, 0.5)
    assert (state.position, state.rotation, state.scale, state.opacity) == ((10.0, 20.0, 0.0), 45.0, (100.0, 100.0, 100.0), 100.0)
    assert state.expressions == ("rotation",)


def test_separated_dimensions_evaluate_on_their_own():
    animation = LayerAnimation(
        separated=True,
        anchor=AnimatedProperty(value=(0.0, 0.0, 0.0)),
        position_x=prop(key(0.0, 0), key(1.0, 100)),
        position_y=AnimatedProperty(value=(300.0,)),
    )
    assert layer_state(animation, 0.25).position == pytest.approx((25.0, 300.0, 0.0))


def test_parenting_composes_the_parents_transform_at_the_same_time():
    parent = _layer(1, _animated(position=(100.0, 100.0, 0.0), rotation=prop(key(0.0, 0), key(1.0, 180))))
    child = _layer(2, _animated(position=(10.0, 0.0, 0.0), scale=(50.0, 50.0, 100.0)), parent_id=1)
    layers = {1: parent, 2: child}
    assert _apply(layer_matrix(child, 0.0, layers), 0, 0) == pytest.approx((110.0, 100.0))
    assert _apply(layer_matrix(child, 0.5, layers), 0, 0) == pytest.approx((100.0, 110.0))  # parent turned 90
    assert _apply(layer_matrix(child, 0.5, layers), 20, 0) == pytest.approx((100.0, 120.0))  # 20 px at 50 %
    assert _apply(layer_matrix(child, 1.0, layers), 0, 0) == pytest.approx((90.0, 100.0))


def test_anchor_point_and_scale_in_the_matrix():
    layer = _layer(1, _animated(anchor=(50.0, 25.0, 0.0), position=(960.0, 540.0, 0.0), scale=prop(key(0.0, 100, 100), key(1.0, 200, 200))))
    assert _apply(layer_matrix(layer, 1.0, {1: layer}), 50, 25) == pytest.approx((960.0, 540.0))
    assert _apply(layer_matrix(layer, 1.0, {1: layer}), 0, 0) == pytest.approx((860.0, 490.0))


def test_matrix_is_none_when_not_derivable():
    unknown = _layer(1, LayerAnimation(anchor=None, position=AnimatedProperty(value=(0.0, 0.0, 0.0))))
    assert layer_matrix(unknown, 0.0, {1: unknown}) is None
    orphan = _layer(2, _animated(), parent_id=99)
    assert layer_matrix(orphan, 0.0, {2: orphan}) is None
    a, b = _layer(1, _animated(), parent_id=2), _layer(2, _animated(), parent_id=1)
    assert layer_matrix(a, 0.0, {1: a, 2: b}) is None  # a cycle
    assert layer_matrix(_layer(3, None), 0.0, {}) is None  # a description stored before animation


# ============================================================================================
# Pre-comp time


def test_precomp_time_follows_start_and_stretch():
    precomp = _layer(1, LayerAnimation(start_time=2.0, stretch=200.0))
    assert source_time(precomp, 6.0) == pytest.approx(2.0)
    assert source_time(precomp, 2.0) == 0.0
    backwards = _layer(2, LayerAnimation(start_time=5.0, stretch=-100.0))
    assert source_time(backwards, 4.0) == pytest.approx(1.0)


def test_precomp_time_remapping_wins_over_start_and_stretch():
    remap = prop(key(1.0, 0), key(3.0, 4), key(6.0, 5))
    precomp = _layer(1, LayerAnimation(start_time=1.0, stretch=150.0, time_remap=remap))
    assert [source_time(precomp, t) for t in (0.0, 2.0, 4.5, 9.0)] == pytest.approx([0.0, 2.0, 4.5, 5.0])
    frozen = _layer(2, LayerAnimation(time_remap=AnimatedProperty(value=(3.5,))))
    assert source_time(frozen, 7.0) == 3.5


def test_is_active_between_in_and_out():
    layer = TemplateLayer(index=1, name="x", type="solid", in_point=1.0, out_point=2.0)
    assert [is_active(layer, t) for t in (0.5, 1.0, 1.99, 2.0)] == [False, True, True, False]
    assert not is_active(TemplateLayer(index=1, name="x", type="solid", enabled=False, out_point=9.0), 1.0)


# ============================================================================================
# Against py-aep's evaluator, on the authored keyframed project


MATCH = {"anchor": "ADBE Anchor Point", "position": "ADBE Position", "position_x": "ADBE Position_0", "scale": "ADBE Scale", "rotation": "ADBE Rotate Z", "opacity": "ADBE Opacity"}


def test_evaluation_agrees_with_pyaep_on_the_authored_project(tmp_path):
    py_aep = pytest.importorskip("py_aep", reason="py-aep (test oracle, requirements-dev.txt) is not installed")
    from .test_aep_animation import author

    path = author(tmp_path / "keyframed.aep")
    doc, project = read_template(path), py_aep.parse(str(path)).project
    checked = 0
    for comp, theirs in zip(doc.compositions, project.compositions, strict=True):
        for ours, layer in zip(comp.layers, theirs.layers, strict=True):
            animation = ours.animation
            group = layer.property("ADBE Transform Group")
            for name, match_name in MATCH.items():
                mine = getattr(animation, name)
                if mine is None or not mine.keyframes:
                    continue
                # a motion path's arc length is sampled here, fitted by After Effects' model there
                tolerance = 0.02 if mine.spatial else 1e-6
                for n in range(41):
                    t = n * 0.075
                    expected = group.property(match_name).value_at_time(t)
                    expected = expected if isinstance(expected, list) else [expected]
                    assert property_at(mine, t, stretch=animation.stretch, start_time=animation.start_time) == pytest.approx(tuple(expected), abs=tolerance), f"{ours.name} {name} {t}"
                checked += 1
            if animation.time_remap is not None:
                remap = layer.property("ADBE Time Remapping")
                for n in range(100):
                    assert source_time(ours, n / 10) == pytest.approx(remap.value_at_time(n / 10), abs=1e-9)
                checked += 1
    assert checked == 9


# ============================================================================================
# Static layers: the evaluated matrix is the description's


def _same_matrices(doc) -> int:
    checked = 0
    for comp in doc.compositions:
        by_id = {layer.id: layer for layer in comp.layers}
        for layer in comp.layers:
            if layer.matrix is None:
                continue
            assert layer_matrix(layer, layer.in_point, by_id) == pytest.approx(layer.matrix, abs=1e-9), layer.name
            checked += 1
    return checked


def test_static_layers_evaluate_to_the_description_matrix(shared_fixtures, tmp_path):
    from jobs.formats.aepx_writer import write_template

    from .test_aep import GENERATED

    fixture = shared_fixtures / "aepx" / "split-screen.aepx"
    if not fixture.is_file():
        pytest.skip(f"real After Effects fixture not found at {fixture}")
    assert _same_matrices(read_template(fixture)) == 12
    path = tmp_path / "generated.aep"
    write_template(path, compositions=GENERATED)
    assert _same_matrices(read_template(path)) == 11
