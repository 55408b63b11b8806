"""Benchmark of jobs.formats.motion.render.render_motion (the motion preview, issue 17 item 5).

Builds the still preview benchmark's case (``bench/preview_bench.py``: a 1920x1080, 10 s
composition with 10 placeholders, 6 images and 4 texts, over a background solid, exported
layer PNGs, the render plan) and keyframes 7 of its placeholders the way a reader of a real
template describes them (``TemplateLayer.animation``, the static matrix left out): the hero
image slides in with an ease, the logo scales up, the badge spins, the photo fades in, the
title drops in on a hold-then-linear path, the point text slides, the venue text fades out.
The background image and the solid do not move.

Then renders the motion preview at 480 px wide and 10 fps (100 frames) N times and prints the
median and best wall time, the CPU time and the frames per second achieved, against the 10 s
target; and, once, the WebP encoding time.

    .venv/bin/python bench/motion_bench.py [--runs 3] [--out bench/out/motion.webp]

Exits with status 1 when the median misses the target. Wall time depends on what else the
machine runs (the load average is printed); the cpu column does not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from preview_bench import build_case  # noqa: E402

from jobs.formats.descriptions import AnimatedProperty, Keyframe, LayerAnimation, TemplateLayer  # noqa: E402
from jobs.formats.motion.encode import write_frames  # noqa: E402
from jobs.formats.motion.render import render_motion  # noqa: E402
from jobs.formats.render_plan import build_render_plan  # noqa: E402

TARGET_S = 10.0
FPS = 10.0
WIDTH = 480
EASE = ((0.0, 33.0),)


def _keys(*points, interpolation: str = "linear", ease=None) -> AnimatedProperty:
    """A keyframed property: ``(time, value)`` pairs."""
    keys = tuple(
        Keyframe(time=t, value=tuple(float(v) for v in value), in_interpolation=interpolation,
                 out_interpolation=interpolation, in_ease=ease or (), out_ease=ease or ())
        for t, value in points
    )
    return AnimatedProperty(value=keys[0].value, keyframes=keys)


def _static(*value: float) -> AnimatedProperty:
    return AnimatedProperty(value=tuple(float(v) for v in value))


def animate(layer: TemplateLayer, **keyed: AnimatedProperty) -> TemplateLayer:
    """``layer`` with an animation: its static transform, with ``keyed`` properties keyframed;
    the static placement fields cleared as the reader clears them for an animated layer."""
    anchor = layer.anchor or (0.0, 0.0)
    position = layer.position or (0.0, 0.0)
    scale = layer.scale or (100.0, 100.0)
    props = {
        "anchor": _static(*anchor, 0.0), "position": _static(*position, 0.0), "scale": _static(*scale, 100.0),
        "rotation": _static(layer.rotation or 0.0), "opacity": _static(100.0),
    }
    props.update(keyed)
    return replace(layer, animation=LayerAnimation(**props), matrix=None, animated_transform=True)


def animated_case(root: Path) -> dict:
    """The preview benchmark's case with 7 of its 10 placeholders keyframed."""
    case = build_case(root)
    comp = case["template"].compositions[0]
    layers = {layer.name: layer for layer in comp.layers}
    hero, logo, badge, photo = layers["hero"], layers["logo"], layers["badge"], layers["photo"]
    title, point, venue = layers["title"], layers["player1fullname"], layers["venue"]
    changed = {
        "hero": animate(hero, position=_keys((0.0, (2400.0, 540.0, 0.0)), (2.0, (*hero.position, 0.0)),
                                               interpolation="bezier", ease=EASE)),
        "logo": animate(logo, scale=_keys((0.0, (0.0, 0.0, 100.0)), (1.5, (100.0, 100.0, 100.0)))),
        "badge": animate(badge, rotation=_keys((0.0, (0.0,)), (10.0, (720.0,)))),
        "photo": animate(photo, opacity=_keys((1.0, (0.0,)), (4.0, (100.0,)))),
        "title": animate(title, position=_keys((0.0, (60.0, -200.0, 0.0)), (1.0, (60.0, -200.0, 0.0)),
                                                 (2.5, (*title.position, 0.0)))),
        "player1fullname": animate(point, position=_keys((3.0, (-700.0, 500.0, 0.0)), (5.0, (60.0, 500.0, 0.0)))),
        "venue": animate(venue, opacity=_keys((7.0, (100.0,)), (9.5, (0.0,)))),
    }
    new_layers = tuple(changed.get(layer.name, layer) for layer in comp.layers)
    template = replace(case["template"], compositions=(replace(comp, layers=new_layers),))
    sizes = {p.psd_layer_id: p.image_size for p in case["plan"].footage}
    plan = build_render_plan(template=template, psd=case["psd"], matches=case["matches"], image_sizes=sizes)
    return dict(plan=plan, template=template, psd=case["psd"], matches=case["matches"],
                layer_images=case["layer_images"], font_files=case["font_files"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the frames here (.webp or .mp4)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        case = animated_case(Path(temporary))
        walls, cpus = [], []
        for _ in range(max(1, args.runs)):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = render_motion(fps=FPS, width=WIDTH, **case)
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - start_cpu)
        start = time.perf_counter()
        out = args.out or Path(temporary) / "motion.webp"
        write_frames(result.frames, out, FPS)
        encode = time.perf_counter() - start
    metrics = result.metrics
    median = statistics.median(walls)
    header = (f"{'composition':<18} {'placeholders':>12} {'size':>9} {'frames':>6} {'drawn':>5} {'static':>6} "
              f"{'runs':>4} {'median s':>8} {'best s':>6} {'cpu s':>6} {'fps':>6} {'webp s':>6} {'target':>6} "
              f"{'met':>3}")
    print(header)
    print("-" * len(header))
    print(f"{'Main 1920x1080 10s':<18} {'6 img+4 txt':>12} {metrics['width']}x{metrics['height']:<5} "
          f"{metrics['frames']:>6} {metrics['frames_drawn']:>5} {metrics['static_layers']:>6} {len(walls):>4} "
          f"{median:>8.2f} {min(walls):>6.2f} {statistics.median(cpus):>6.2f} "
          f"{metrics['frames'] / median:>6.1f} {encode:>6.2f} {'< 10 s':>6} {'yes' if median < TARGET_S else 'no':>3}")
    load = os.getloadavg()
    print(f"one core, inline; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores; "
          f"left out: {len(metrics['left_out'])}, text overflow: "
          + (", ".join(f"{o['layer']} ({o['frames']} frames)" for o in metrics["text_overflow"]) or "none"))
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
