"""The ``.jsx`` for a plan: the ``PLAN`` data literal followed by the fixed runtime.

Plain Python: no Django import.
"""

from __future__ import annotations

from .escape import js_literal, js_string
from .plan import Operation, ScriptPlan, SetText
from .runtime import _HEADER, _RUNTIME


def _operation_data(op: Operation) -> dict:
    """The PLAN entry of one operation (field names are what the fixed code reads)."""
    data = {"composition": op.composition, "layer": op.layer_name, "index": op.layer_index}
    if isinstance(op, SetText):
        return {"kind": "text", **data, "text": op.text}
    return {"kind": "footage", **data, "file": op.file_path, "fit": op.fit}


def plan_literal(plan: ScriptPlan) -> str:
    """The ``PLAN`` object literal, one operation per line."""
    head = {
        "template": plan.template_path,
        "output": plan.output_path,
        "log": plan.log_path,
        "undoGroup": plan.undo_group,
        "renderQueue": list(plan.render_queue),
    }
    lines = [f"    {js_string(key)}: {js_literal(value)}," for key, value in head.items()]
    ops = [f"        {js_literal(_operation_data(op))}" for op in plan.operations]
    body = ",\n".join(ops)
    lines.append(f'    "operations": [\n{body}\n    ]' if ops else '    "operations": []')
    return "{\n" + "\n".join(lines) + "\n}"


def generate_script(plan: ScriptPlan) -> str:
    """The complete ``.jsx`` for ``plan``: pure ASCII, ES3, deterministic for a given plan."""
    literal = plan_literal(plan).replace("\n", "\n    ")
    script = f"{_HEADER}(function () {{\n    var PLAN = {literal};\n{_RUNTIME}}}());\n"
    script.encode("ascii")  # cannot fail: every data character went through js_string
    return script
