"""Generate the ExtendScript (.jsx) that populates an After Effects template.

The generated script is self-contained, pure ASCII and ES3 (ExtendScript's dialect: no
``let``/``const``, arrow functions, template literals, ``JSON`` or ES5 array methods). Run by
After Effects (File > Scripts, ``AfterFX -r``) or by ``aerender -r`` (nexrender's patched
command-line renderer), it:

1. suppresses dialogs where the host has ``app.beginSuppressDialogs`` and never calls
   ``alert()``;
2. opens the template (``app.open(new File(path))``) and begins ONE undo group;
3. for every operation finds the composition by name among all ``CompItem``s of the project
   (nested compositions included) and the layer by name (falling back to the matched index),
   logging a failure and going on when either is missing;
4. sets a text layer's Source Text through its existing ``TextDocument`` (font and style stay),
   or imports a PNG, replaces the footage layer's source and fits it into the placeholder's box
   (``fit`` = contain, ``fill`` = cover, ``stretch``) by setting Scale (and moving the Anchor
   Point to the same relative spot of the new image);
5. optionally adds compositions to the render queue, ends the undo group, saves the project
   as the output file, and writes a JSON-lines log next to it (``<output>.log``).

Injection safety: every string that came from a CSV, a PSD or a template is written into ONE
data literal (``var PLAN = {...}``) with every character outside printable ASCII, and every
quote, backslash, ``<``, ``>`` and ``&``, escaped as ``\\uXXXX``. The code after the literal is
fixed text that never changes with the data. Lone surrogates cannot be encoded and are
rejected with :class:`ScriptError`.

The package, one module per step (each imports its siblings directly, never this package):

- :mod:`.plan`: the plan dataclasses (:class:`ScriptPlan`, :class:`SetText`,
  :class:`ReplaceFootage`), their checks and :class:`ScriptError`;
- :mod:`.paths`: :func:`map_path`, local paths to the render machine's;
- :mod:`.from_matches`: :func:`plan_from_matches`, approved matches to a plan;
- :mod:`.escape`: :func:`js_string` and :func:`js_literal`, data to ES3 literals;
- :mod:`.runtime`: the fixed JavaScript after the data literal;
- :mod:`.script`: :func:`plan_literal` and :func:`generate_script`;
- :mod:`.log`: :func:`parse_log` and :class:`ScriptLog`, the script's log read back.

This package is plain Python: no Django import.
"""

from .escape import js_literal, js_string
from .from_matches import plan_from_matches
from .log import ScriptLog, parse_log
from .paths import PathMapping, map_path
from .plan import (
    DEFAULT_UNDO_GROUP,
    FIT_MODES,
    LOG_SUFFIX,
    Operation,
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
    "Operation",
    "PathMapping",
    "ReplaceFootage",
    "ScriptError",
    "ScriptLog",
    "ScriptPlan",
    "SetText",
    "generate_script",
    "js_literal",
    "js_string",
    "map_path",
    "parse_log",
    "plan_from_matches",
    "plan_literal",
]
