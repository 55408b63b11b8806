"""The ``.jsx`` for a plan: the ``PLAN`` data literal followed by the fixed runtime.

``PLAN`` holds (field names are what the runtime reads; types in :mod:`.runtime_core`):

- ``mode`` ("open" or "current"), ``template``, ``output``, ``log`` (paths or null),
  ``composition`` (the one that renders, or null), ``undoGroup``;
- ``texts``: ``{composition, layer, index, text}`` per text placeholder;
- ``footage``: ``{composition, layer, index, file, imageSize, fit, box, anchorMap, anchor,
  scale, mask, pixelAspect, checkSize}`` per footage placeholder, the plan's values;
- ``relinks``: ``{id, name, recorded, file}`` per footage file collected into the bundle (``id``
  the template's footage item id or null, ``recorded`` the path the template recorded, compared
  with the item's file and never given to ``File``, ``file`` the bundle's copy).

Every path in ``PLAN`` (template, output, log, images, relinked files) is written with ``%`` as ``%25``
(:func:`~.paths.extendscript_file_path`) because ExtendScript decodes ``%XX`` in the paths
given to ``new File(...)``; the runtime passes them to ``File`` and nowhere else.

Plain Python: no Django import.
"""

from __future__ import annotations

from .escape import js_literal, js_string
from .paths import extendscript_file_path
from .plan import Relink, ReplaceFootage, ScriptPlan, SetText
from .runtime import HEADER, RUNTIME


def _path(value: str | None) -> str | None:
    return extendscript_file_path(value) if value is not None else None


def _list(value) -> list | None:
    return list(value) if value is not None else None


def _target(op: SetText | ReplaceFootage) -> dict:
    return {"composition": op.composition, "layer": op.layer_name, "index": op.layer_index}


def _text_data(op: SetText) -> dict:
    return {**_target(op), "text": op.text}


def _footage_data(op: ReplaceFootage) -> dict:
    return {
        **_target(op),
        "file": extendscript_file_path(op.file_path),
        "imageSize": list(op.image_size),
        "fit": op.fit,
        "box": list(op.box),
        "anchorMap": list(op.anchor_map),
        "anchor": _list(op.anchor),
        "scale": _list(op.scale),
        "mask": _list(op.mask),
        "pixelAspect": op.pixel_aspect,
        "checkSize": op.check_size,
    }


def _relink_data(relink: Relink) -> dict:
    return {
        "id": relink.footage_id,
        "name": relink.name,
        "recorded": relink.recorded_path,
        "file": extendscript_file_path(relink.file_path),
    }


def _array(name: str, items: list[dict]) -> str:
    if not items:
        return f"    {js_string(name)}: []"
    body = ",\n".join(f"        {js_literal(item)}" for item in items)
    return f"    {js_string(name)}: [\n{body}\n    ]"


def plan_literal(plan: ScriptPlan) -> str:
    """The ``PLAN`` object literal, one operation per line."""
    head = {
        "mode": plan.mode,
        "template": _path(plan.template_path),
        "output": _path(plan.output_path),
        "log": _path(plan.log_path),
        "composition": plan.composition,
        "undoGroup": plan.undo_group,
    }
    lines = [f"    {js_string(key)}: {js_literal(value)}," for key, value in head.items()]
    lines.append(_array("texts", [_text_data(op) for op in plan.texts]) + ",")
    lines.append(_array("footage", [_footage_data(op) for op in plan.footage]) + ",")
    lines.append(_array("relinks", [_relink_data(relink) for relink in plan.relinks]))
    return "{\n" + "\n".join(lines) + "\n}"


def generate_script(plan: ScriptPlan) -> str:
    """The complete ``.jsx`` for ``plan``: pure ASCII, ES3, deterministic for a given plan."""
    literal = plan_literal(plan).replace("\n", "\n    ")
    script = f"{HEADER}(function () {{\n    /** @type {{Plan}} */\n    var PLAN = {literal};\n{RUNTIME}}}());\n"
    script.encode("ascii")  # cannot fail: every data character went through js_string
    return script
