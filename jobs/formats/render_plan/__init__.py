"""The render plan: one computation of what renders, translated by every renderer.

What a person approves is what renders: the preview, the After Effects script, the aerender
commands and the nexrender job are each a translation of the :class:`RenderPlan` that
:func:`build_render_plan` computes once per job from the template description, the PSD
description and the approved matches. None of them computes placement on its own.

- :mod:`.affine`: layer transforms as 2D affine maps;
- :mod:`.model`: the plan's dataclasses (JSON with ``to_dict``/``from_dict``);
- :mod:`.composition`: the render composition (top-level, showing the placeholders);
- :mod:`.footage`: where a replacement image lands (anchor, scale, mask, corners);
- :mod:`.text`: where replacement text lands, in the template's style;
- :mod:`.collect`: the template and the footage it renders, collected into the bundle;
- :mod:`.build`: :func:`build_render_plan`.

Plain Python: no Django import.
"""

from .build import build_render_plan, bundle_image
from .collect import collect_files, template_bundle_path
from .composition import nested_compositions, render_composition, shown_placeholders
from .footage import anchor_map, new_scale, place_footage, source_box
from .model import PLAN_VERSION, CollectedFile, FootagePlacement, PlanNote, RenderPlan, TextPlacement
from .text import justification, place_text

__all__ = [
    "PLAN_VERSION",
    "CollectedFile",
    "FootagePlacement",
    "PlanNote",
    "RenderPlan",
    "TextPlacement",
    "anchor_map",
    "build_render_plan",
    "bundle_image",
    "collect_files",
    "justification",
    "nested_compositions",
    "new_scale",
    "place_footage",
    "place_text",
    "render_composition",
    "shown_placeholders",
    "source_box",
    "template_bundle_path",
]
