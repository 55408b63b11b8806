"""A small keyframed template description for the motion-preview tests: a 960x540, 3 s
composition in which only the first second moves (a title slides in, a box slides across,
a badge fades in), with a camera (left out), a shape (drawn approximately) and a static
background solid. Built from the description dataclasses, as the reader returns them for an
animated layer (``matrix`` None, ``animated_transform``)."""

from __future__ import annotations

import json
from pathlib import Path

from jobs.formats.descriptions import (
    AnimatedProperty,
    Composition,
    Footage,
    Keyframe,
    LayerAnimation,
    TemplateDocument,
    TemplateLayer,
)

SIZE = (960, 540)
DURATION = 3.0
MOVING_UNTIL = 1.0  # seconds: nothing changes after this


def keys(*points) -> AnimatedProperty:
    """A linear keyframed property from ``(time, value)`` pairs."""
    frames = tuple(Keyframe(time=t, value=tuple(float(v) for v in value)) for t, value in points)
    return AnimatedProperty(value=frames[0].value, keyframes=frames)


def static(*value: float) -> AnimatedProperty:
    return AnimatedProperty(value=tuple(float(v) for v in value))


def animation(*, anchor=(0.0, 0.0), position=None, scale=(100.0, 100.0), opacity=None, **keyed) -> LayerAnimation:
    props = {
        "anchor": static(*anchor, 0.0),
        "position": position if isinstance(position, AnimatedProperty) else static(*(position or (0, 0)), 0.0),
        "scale": static(*scale, 100.0),
        "rotation": static(0.0),
        "opacity": opacity if isinstance(opacity, AnimatedProperty) else static(100.0),
    }
    props.update(keyed)
    return LayerAnimation(**props)


def template() -> TemplateDocument:
    width, height = SIZE
    solid = Footage(id=1, name="bg", kind="solid", width=width, height=height, color=(0.2, 0.3, 0.4))
    box = Footage(id=2, name="box", kind="solid", width=120, height=120, color=(0.9, 0.2, 0.1))
    badge = Footage(id=3, name="badge", kind="solid", width=100, height=100, color=(1.0, 1.0, 0.0))
    layers = (
        TemplateLayer(
            index=1, name="title", type="text", text="A TITLE FAR TOO LONG FOR ITS LITTLE BOX", font_size=40.0,
            in_point=0.0, out_point=DURATION, placeholder=False, animated_transform=True,
            text_box=(0.0, 0.0, 200.0, 50.0),
            animation=animation(position=keys((0.0, (-300.0, 40.0, 0.0)), (MOVING_UNTIL, (40.0, 40.0, 0.0)))),
        ),
        TemplateLayer(
            index=2, name="box", type="solid", source=box, in_point=0.0, out_point=DURATION, placeholder=False,
            animated_transform=True,
            animation=animation(anchor=(60.0, 60.0),
                                position=keys((0.0, (100.0, 300.0, 0.0)), (MOVING_UNTIL, (800.0, 300.0, 0.0)))),
        ),
        TemplateLayer(
            index=3, name="badge", type="solid", source=badge, in_point=0.0, out_point=DURATION, placeholder=False,
            animated_transform=True,
            animation=animation(anchor=(50.0, 50.0), position=(850.0, 100.0),
                                opacity=keys((0.0, (0.0,)), (MOVING_UNTIL, (100.0,)))),
        ),
        TemplateLayer(index=4, name="Camera 1", type="camera", in_point=0.0, out_point=DURATION, placeholder=False),
        TemplateLayer(index=5, name="blob", type="shape", bbox=(400, 400, 520, 500), in_point=0.0,
                      out_point=DURATION, placeholder=False, matrix=(1.0, 0.0, 0.0, 1.0, 0.0, 0.0)),
        TemplateLayer(index=6, name="bg", type="solid", source=solid, bbox=(0, 0, width, height), in_point=0.0,
                      out_point=DURATION, placeholder=False,
                      matrix=(1.0, 0.0, 0.0, 1.0, 0.0, 0.0)),
    )
    comp = Composition(id=10, name="Main", width=width, height=height, frame_rate=30.0, duration=DURATION,
                       layers=layers)
    return TemplateDocument(source="motion.aepx", compositions=(comp,))


def write_template(path: Path) -> Path:
    path.write_text(json.dumps(template().to_dict()))
    return path
