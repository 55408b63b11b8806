"""Motion: a template layer's animation (``TemplateLayer.animation``, ``docs/animation.md``)
evaluated at any composition time the way After Effects does, in plain Python.

- :mod:`.evaluate`: property values (hold, linear, bezier temporal ease, spatial bezier
  paths), a layer's transform and matrix through its parents, and the time a pre-comp
  layer shows of its source (start time, stretch, time remapping).
"""

from __future__ import annotations

from .evaluate import (
    LayerState,
    cubic_bezier,
    is_active,
    layer_matrix,
    layer_state,
    property_at,
    source_time,
)

__all__ = ["LayerState", "cubic_bezier", "is_active", "layer_matrix", "layer_state", "property_at", "source_time"]
