"""Generate the ExtendScript (.jsx) that populates an After Effects template from a render plan.

The script is a translation of a :class:`~jobs.formats.render_plan.RenderPlan`, as the preview
is: what a person approves is what renders. The script computes no placement of its own: it
sets the texts, and each footage layer's source, Anchor Point, Scale and fill mask, to the
plan's values, and checks that the template is the one the plan was read from. Only keyframed
Anchor Point or Scale values, which the plan cannot list, are changed key by key by the plan's
own rules (:mod:`.runtime_layers`).

Before any of that, each footage file the plan collected into the bundle is relinked: the
template's footage item is pointed at the bundle's copy (:mod:`.runtime_project`).

Entry point: :func:`script_from_render_plan` (``mode="open"``: close the current project, open
the template, populate, save as the output, the aerender folder flow; ``mode="current"``:
populate ``app.project`` and save nothing, for nexrender).

The generated script is self-contained, pure ASCII and ES3 (ExtendScript's dialect: no
``let``/``const``, arrow functions, template literals, ``JSON`` or ES5 array methods), never
calls ``alert()``, adds nothing to the render queue, writes a JSON-lines log (``<output>.log``
by default) and, when anything failed, sets ``app.exitCode = 1`` and throws an ``Error``
naming the failures (:mod:`.runtime_project`).

Injection safety: every string that came from a CSV, a PSD or a template is written into ONE
data literal (``var PLAN = {...}``) with every character outside printable ASCII, and every
quote, backslash, ``<``, ``>`` and ``&``, escaped as ``\\uXXXX``. The code after the literal is
fixed text that never changes with the data. Lone surrogates cannot be encoded and are
rejected with :class:`ScriptError`. Paths in ``PLAN`` have ``%`` written ``%25``
(:func:`extendscript_file_path`): ExtendScript decodes ``%XX`` in ``File`` paths.

The package, one module per step (each imports its siblings directly, never this package):

- :mod:`.plan`: :class:`ScriptPlan`, :class:`SetText`, :class:`ReplaceFootage`,
  :class:`Relink`, their checks and :class:`ScriptError`;
- :mod:`.paths`: :func:`map_path` (local paths to the render machine's) and
  :func:`extendscript_file_path`;
- :mod:`.from_plan`: :func:`script_plan_from_render_plan` and :func:`script_from_render_plan`;
- :mod:`.escape`: :func:`js_string` and :func:`js_literal`, data to ES3 literals;
- :mod:`.runtime` (:mod:`.runtime_core`, :mod:`.runtime_layers`, :mod:`.runtime_project`):
  the fixed JavaScript after the data literal;
- :mod:`.script`: :func:`plan_literal` and :func:`generate_script`;
- :mod:`.log`: :func:`parse_log` and :class:`ScriptLog`, the script's log read back.

This package is plain Python: no Django import.
"""

from .escape import js_literal, js_string
from .from_plan import script_from_render_plan, script_plan_from_render_plan
from .log import ScriptLog, parse_log
from .paths import PathMapping, extendscript_file_path, map_path
from .plan import (
    DEFAULT_UNDO_GROUP,
    FIT_MODES,
    LOG_SUFFIX,
    MODES,
    Operation,
    Relink,
    ReplaceFootage,
    ScriptError,
    ScriptPlan,
    SetText,
)
from .script import generate_script, plan_literal

__all__ = [
    "DEFAULT_UNDO_GROUP",
    "FIT_MODES",
    "LOG_SUFFIX",
    "MODES",
    "Operation",
    "PathMapping",
    "Relink",
    "ReplaceFootage",
    "ScriptError",
    "ScriptLog",
    "ScriptPlan",
    "SetText",
    "extendscript_file_path",
    "generate_script",
    "js_literal",
    "js_string",
    "map_path",
    "parse_log",
    "plan_literal",
    "script_from_render_plan",
    "script_plan_from_render_plan",
]
