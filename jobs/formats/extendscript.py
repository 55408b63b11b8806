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

This module is plain Python: no Django import.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Union

from jobs.formats.descriptions import Match

FIT_MODES = ("fit", "fill", "stretch")
DEFAULT_UNDO_GROUP = "aeautomation: populate template"
LOG_SUFFIX = ".log"

PathMapping = tuple[str, str]  # (local_prefix, remote_prefix)


class ScriptError(ValueError):
    """The plan cannot be turned into a safe script (bad value, missing asset, ...)."""


# --------------------------------------------------------------------------------------------
# The plan


@dataclass(frozen=True)
class SetText:
    """Set the Source Text of layer ``layer_name`` (index ``layer_index``) in ``composition``."""

    composition: str
    layer_name: str
    layer_index: int
    text: str

    def __post_init__(self) -> None:
        _check_target(self.composition, self.layer_name, self.layer_index)
        _check_str("text", self.text)


@dataclass(frozen=True)
class ReplaceFootage:
    """Replace a footage layer's source with the image at ``file_path`` (a render-machine path)."""

    composition: str
    layer_name: str
    layer_index: int
    file_path: str
    fit: str = "fit"

    def __post_init__(self) -> None:
        _check_target(self.composition, self.layer_name, self.layer_index)
        _check_str("file_path", self.file_path)
        if not self.file_path:
            raise ScriptError("file_path must not be empty")
        if self.fit not in FIT_MODES:
            raise ScriptError(f"fit must be one of {', '.join(FIT_MODES)}, not {self.fit!r}")


Operation = Union[SetText, ReplaceFootage]


@dataclass(frozen=True)
class ScriptPlan:
    """Everything the generated script does; all paths are as the render machine sees them."""

    template_path: str
    output_path: str
    log_path: str
    operations: tuple[Operation, ...] = ()
    render_queue: tuple[str, ...] = ()  # composition names to add to the render queue
    undo_group: str = DEFAULT_UNDO_GROUP

    def __post_init__(self) -> None:
        for name in ("template_path", "output_path", "log_path", "undo_group"):
            _check_str(name, getattr(self, name))
            if not getattr(self, name):
                raise ScriptError(f"{name} must not be empty")
        object.__setattr__(self, "operations", tuple(self.operations))
        object.__setattr__(self, "render_queue", tuple(self.render_queue))
        for op in self.operations:
            if not isinstance(op, (SetText, ReplaceFootage)):
                raise ScriptError(f"unknown operation {op!r}")
        for name in self.render_queue:
            _check_str("render queue composition", name)


def _check_str(what: str, value: object) -> None:
    if not isinstance(value, str):
        raise ScriptError(f"{what} must be a string, not {type(value).__name__}")


def _check_target(composition: str, layer_name: str, layer_index: int) -> None:
    _check_str("composition", composition)
    _check_str("layer_name", layer_name)
    if isinstance(layer_index, bool) or not isinstance(layer_index, int) or layer_index < 1:
        raise ScriptError(f"layer_index must be a positive integer, not {layer_index!r}")


# --------------------------------------------------------------------------------------------
# Path mapping


def _separator(prefix: str) -> str:
    """The separator of the path style ``prefix`` is written in: Windows or POSIX."""
    is_windows = "\\" in prefix or (len(prefix) >= 2 and prefix[1] == ":" and prefix[0].isalpha())
    return "\\" if is_windows else "/"


def _trim(prefix: str) -> str:
    """``prefix`` without trailing separators ("/" stays "", "C:\\" becomes "C:")."""
    return prefix.rstrip("/\\")


def _under(path: str, local: str) -> str | None:
    """The part of ``path`` below the prefix ``local`` (at a separator boundary), else None."""
    sep = _separator(local)
    base = _trim(local)
    if path == base or (base and path == base + sep):
        return ""
    if path.startswith(base + sep):
        return path[len(base) + 1 :]
    return None


def map_path(path: str | PathLike, mappings: Sequence[PathMapping]) -> str:
    """Map a path on this machine to the render machine's path.

    ``mappings`` is a list of ``(local_prefix, remote_prefix)`` pairs; the longest local prefix
    that contains ``path`` (at a separator boundary: ``/srv/in`` holds ``/srv/in/a.png`` but not
    ``/srv/input/a.png``) wins, and the rest of the path is re-joined with the remote prefix's
    separator (``Z:\\jobs`` gives backslashes, ``/Volumes/jobs`` slashes). A path no prefix
    contains is returned unchanged (same machine, or no mapping configured).
    """
    path = str(path)
    best: tuple[int, str, str, str] | None = None
    for local, remote in mappings:
        local = str(local)
        rest = _under(path, local)
        if rest is not None and (best is None or len(_trim(local)) > best[0]):
            best = (len(_trim(local)), rest, _separator(local), str(remote))
    if best is None:
        return path
    _, rest, local_sep, remote = best
    if not rest:
        return remote
    remote_sep = _separator(remote)
    parts = [part for part in rest.split(local_sep) if part]
    return _trim(remote) + remote_sep + remote_sep.join(parts)


# --------------------------------------------------------------------------------------------
# Building a plan from matches


def _render_queue(add: bool | Sequence[str], operations: Sequence[Operation]) -> tuple[str, ...]:
    """Composition names for the render queue: the touched ones (True), given names, or none."""
    if isinstance(add, bool):
        names = [op.composition for op in operations] if add else []
    elif isinstance(add, str):
        names = [add]
    else:
        names = list(add)
    return tuple(dict.fromkeys(names))


def _operation(
    match: Match, assets: Mapping[int, str | PathLike], texts: Mapping[int, str], mappings
) -> Operation:
    """The operation one approved match asks for."""
    where = f"{match.composition!r} / {match.placeholder!r} (PSD layer {match.psd_layer_id})"
    if match.placeholder_type == "text":
        if match.psd_layer_id not in texts:
            raise ScriptError(f"no text given for {where}")
        return SetText(match.composition, match.placeholder, match.layer_index, texts[match.psd_layer_id])
    if match.placeholder_type == "footage":
        if match.psd_layer_id not in assets:
            raise ScriptError(f"no exported image given for {where}")
        path = map_path(assets[match.psd_layer_id], mappings)
        return ReplaceFootage(match.composition, match.placeholder, match.layer_index, path, match.fit)
    raise ScriptError(f"unknown placeholder type {match.placeholder_type!r} for {where}")


def plan_from_matches(
    matches: Sequence[Match],
    *,
    template_path: str | PathLike,
    output_path: str | PathLike,
    assets: Mapping[int, str | PathLike],
    texts: Mapping[int, str],
    path_mappings: Sequence[PathMapping] = (),
    add_to_render_queue: bool | Sequence[str] = False,
    log_path: str | PathLike | None = None,
    undo_group: str = DEFAULT_UNDO_GROUP,
) -> ScriptPlan:
    """Turn approved matches into a :class:`ScriptPlan`.

    ``matches`` are the approved ones (the caller filters by review state); a match without a
    PSD layer (``psd_layer_id is None``) places nothing and is skipped. ``texts`` maps a PSD
    layer id to the text for a text placeholder, ``assets`` maps it to the exported PNG (a local
    path) for a footage placeholder; a missing entry, an unknown placeholder type or two
    matches for one layer raise :class:`ScriptError` rather than being dropped silently.

    Every path (template, output, log, images) goes through :func:`map_path`. The log defaults to
    ``<output>.log``. ``add_to_render_queue``: ``True`` queues every composition the plan
    touches, a sequence of names queues those, ``False`` nothing. Order follows ``matches``.
    """
    operations: list[Operation] = []
    seen: set[tuple[str, str, int]] = set()
    for match in matches:
        if match.psd_layer_id is None:
            continue
        op = _operation(match, assets, texts, path_mappings)
        key = (op.composition, op.layer_name, op.layer_index)
        if key in seen:
            raise ScriptError(f"two matches target {op.composition!r} / {op.layer_name!r}")
        seen.add(key)
        operations.append(op)
    output = map_path(output_path, path_mappings)
    log = map_path(log_path, path_mappings) if log_path is not None else output + LOG_SUFFIX
    return ScriptPlan(
        template_path=map_path(template_path, path_mappings),
        output_path=output,
        log_path=log,
        operations=tuple(operations),
        render_queue=_render_queue(add_to_render_queue, operations),
        undo_group=undo_group,
    )


# --------------------------------------------------------------------------------------------
# Escaping: data becomes ES3 literals, never code

# Printable ASCII that may stand for itself inside a double-quoted literal. Quotes and the
# backslash would end or alter the literal; <, > and & are escaped too so that the text stays
# inert even if someone pastes the script into an HTML or XML context.
_VERBATIM = frozenset(chr(c) for c in range(0x20, 0x7F)) - set("\"'\\<>&")


def js_string(value: str) -> str:
    """``value`` as a double-quoted, pure-ASCII ES3 string literal.

    Characters outside printable ASCII (and ``" ' \\ < > &``) become ``\\uXXXX``; characters
    above U+FFFF become their UTF-16 surrogate pair, which is how ExtendScript stores them.
    A lone surrogate has no meaning in UTF-16 text and raises :class:`ScriptError`.
    """
    _check_str("value", value)
    out = ['"']
    for char in value:
        if char in _VERBATIM:
            out.append(char)
            continue
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise ScriptError(f"lone surrogate U+{code:04X} in {value[:40]!r}")
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
        else:
            out.append(f"\\u{code:04X}")
    out.append('"')
    return "".join(out)


def js_literal(value: object) -> str:
    """An ES3 literal for None, bool, int, finite float, str, list/tuple or dict (str keys)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ScriptError(f"number {value!r} has no ES3 literal")
        return repr(value)
    if isinstance(value, str):
        return js_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(js_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            _check_str("object key", key)
            items.append(f"{js_string(key)}: {js_literal(item)}")
        return "{" + ", ".join(items) + "}"
    raise ScriptError(f"cannot write {type(value).__name__} into a script")


# --------------------------------------------------------------------------------------------
# The script


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


_HEADER = """\
// Populates an After Effects template. Generated by aeautomation; do not edit.
// ExtendScript (ES3). All data is in PLAN; the code after it is fixed and never varies.
"""

# The fixed part of the script. It reads PLAN and nothing else; it must stay ES3 (checked by
# the tests with acorn, ecmaVersion 3). Log entries are JSON objects, one per line.
_RUNTIME = r"""
    var LOG = [];
    var COUNTS = {ok: 0, warning: 0, failure: 0};
    var IMPORTED = [];

    function hex4(code) {
        var h = code.toString(16).toUpperCase();
        while (h.length < 4) {
            h = "0" + h;
        }
        return h;
    }

    function quote(text) {
        var s = String(text);
        var out = "\"";
        var i, c;
        for (i = 0; i < s.length; i++) {
            c = s.charCodeAt(i);
            if (c >= 32 && c < 127 && c !== 34 && c !== 92) {
                out += s.charAt(i);
            } else {
                out += "\\u" + hex4(c);
            }
        }
        return out + "\"";
    }

    function isArray(value) {
        return Object.prototype.toString.call(value) === "[object Array]";
    }

    function serialise(value) {
        var parts = [];
        var i, key;
        if (value === null || value === undefined) {
            return "null";
        }
        if (typeof value === "number") {
            return isFinite(value) ? String(value) : "null";
        }
        if (typeof value === "boolean") {
            return value ? "true" : "false";
        }
        if (typeof value === "string") {
            return quote(value);
        }
        if (isArray(value)) {
            for (i = 0; i < value.length; i++) {
                parts.push(serialise(value[i]));
            }
            return "[" + parts.join(",") + "]";
        }
        for (key in value) {
            if (Object.prototype.hasOwnProperty.call(value, key)) {
                parts.push(quote(key) + ":" + serialise(value[key]));
            }
        }
        return "{" + parts.join(",") + "}";
    }

    function describeError(error) {
        try {
            if (error && error.message) {
                return String(error.message);
            }
            return String(error);
        } catch (e) {
            return "unknown error";
        }
    }

    function record(level, step, op, message, extra) {
        var entry = {level: level, step: step, message: message};
        var key;
        if (op) {
            entry.composition = op.composition;
            entry.layer = op.layer;
            entry.index = op.index;
        }
        if (extra) {
            for (key in extra) {
                if (Object.prototype.hasOwnProperty.call(extra, key)) {
                    entry[key] = extra[key];
                }
            }
        }
        LOG.push(serialise(entry));
        if (COUNTS.hasOwnProperty(level)) {
            COUNTS[level] += 1;
        }
    }

    function beginSuppressDialogs() {
        try {
            if (app.beginSuppressDialogs) {
                app.beginSuppressDialogs();
                return true;
            }
        } catch (e) {
            record("warning", "suppress-dialogs", null, describeError(e));
        }
        return false;
    }

    function endSuppressDialogs() {
        try {
            app.endSuppressDialogs(false);
        } catch (e) {
            record("warning", "suppress-dialogs", null, describeError(e));
        }
    }

    function openTemplate() {
        var file = new File(PLAN.template);
        var project;
        if (!file.exists) {
            record("failure", "open", null, "template not found", {path: PLAN.template});
            return null;
        }
        project = app.open(file);
        if (!project) {
            record("failure", "open", null, "template did not open", {path: PLAN.template});
            return null;
        }
        record("ok", "open", null, "template opened", {path: PLAN.template});
        return project;
    }

    function compositionsNamed(project, name) {
        var found = [];
        var i, item;
        for (i = 1; i <= project.numItems; i++) {
            item = project.item(i);
            if (item instanceof CompItem && item.name === name) {
                found.push(item);
            }
        }
        return found;
    }

    function findComposition(project, op) {
        var found = compositionsNamed(project, op.composition);
        if (found.length === 0) {
            record("failure", "find-composition", op, "composition not found");
            return null;
        }
        if (found.length > 1) {
            record("warning", "find-composition", op, "several compositions have this name; using the first");
        }
        return found[0];
    }

    function findLayer(comp, op) {
        var named = [];
        var i, layer;
        for (i = 1; i <= comp.numLayers; i++) {
            layer = comp.layer(i);
            if (layer.name === op.layer) {
                named.push(layer);
            }
        }
        if (named.length === 1) {
            return named[0];
        }
        if (named.length > 1) {
            for (i = 0; i < named.length; i++) {
                if (named[i].index === op.index) {
                    return named[i];
                }
            }
            record("warning", "find-layer", op, "several layers have this name; using the first");
            return named[0];
        }
        if (op.index >= 1 && op.index <= comp.numLayers) {
            layer = comp.layer(op.index);
            record("warning", "find-layer", op, "no layer has this name; using the layer at the index",
                {found: layer.name});
            return layer;
        }
        record("failure", "find-layer", op, "layer not found");
        return null;
    }

    function updateProperty(prop, change) {
        var k;
        if (prop.numKeys > 0) {
            for (k = 1; k <= prop.numKeys; k++) {
                prop.setValueAtKey(k, change(prop.keyValue(k)));
            }
        } else {
            prop.setValue(change(prop.value));
        }
        return prop.numKeys;
    }

    function setText(op, layer) {
        var group = layer.property("ADBE Text Properties");
        var prop = group ? group.property("ADBE Text Document") : null;
        var keys;
        if (!prop) {
            record("failure", "set-text", op, "not a text layer", {found: layer.name});
            return;
        }
        if (prop.expressionEnabled) {
            record("warning", "set-text", op, "Source Text has an expression, which may override the text");
        }
        keys = updateProperty(prop, function (doc) {
            doc.text = op.text;
            return doc;
        });
        record("ok", "set-text", op, "text set", {keyframes: keys});
    }

    function placeholderBox(layer) {
        var rect = null;
        try {
            rect = layer.sourceRectAtTime(layer.inPoint, false);
        } catch (e) {
            rect = null;
        }
        if (rect && rect.width > 0 && rect.height > 0) {
            return {left: rect.left || 0, top: rect.top || 0, width: rect.width, height: rect.height};
        }
        if (layer.source && layer.source.width > 0 && layer.source.height > 0) {
            return {left: 0, top: 0, width: layer.source.width, height: layer.source.height};
        }
        return null;
    }

    function fittedScale(scale, box, image, fit) {
        var sx = scale[0] < 0 ? -1 : 1;
        var sy = scale[1] < 0 ? -1 : 1;
        var kx = box.width * Math.abs(scale[0]) / image.width;
        var ky = box.height * Math.abs(scale[1]) / image.height;
        var result;
        if (fit === "fit") {
            kx = ky = Math.min(kx, ky);
        } else if (fit === "fill") {
            kx = ky = Math.max(kx, ky);
        }
        result = [sx * kx, sy * ky];
        if (scale.length > 2) {
            result.push(scale[2]);
        }
        return result;
    }

    function movedAnchor(anchor, box, image) {
        var result = [
            (anchor[0] - box.left) / box.width * image.width,
            (anchor[1] - box.top) / box.height * image.height
        ];
        if (anchor.length > 2) {
            result.push(anchor[2]);
        }
        return result;
    }

    function importImage(project, path) {
        var i, item;
        for (i = 0; i < IMPORTED.length; i++) {
            if (IMPORTED[i].path === path) {
                return IMPORTED[i].item;
            }
        }
        item = project.importFile(new ImportOptions(new File(path)));
        IMPORTED.push({path: path, item: item});
        return item;
    }

    function replaceFootage(op, project, layer) {
        var file = new File(op.file);
        var transform, box, item, scale;
        if (!layer.source) {
            record("failure", "replace-footage", op, "not a footage layer", {found: layer.name});
            return;
        }
        if (!file.exists) {
            record("failure", "replace-footage", op, "image not found", {file: op.file});
            return;
        }
        box = placeholderBox(layer);
        if (!box) {
            record("failure", "replace-footage", op, "cannot measure the placeholder");
            return;
        }
        item = importImage(project, op.file);
        if (!item || !(item.width > 0) || !(item.height > 0)) {
            record("failure", "replace-footage", op, "imported image has no size", {file: op.file});
            return;
        }
        layer.replaceSource(item, false);
        transform = layer.property("ADBE Transform Group");
        updateProperty(transform.property("ADBE Anchor Point"), function (anchor) {
            return movedAnchor(anchor, box, item);
        });
        updateProperty(transform.property("ADBE Scale"), function (value) {
            return fittedScale(value, box, item, op.fit);
        });
        scale = transform.property("ADBE Scale").value;
        record("ok", "replace-footage", op, "footage replaced", {file: op.file, fit: op.fit, scale: scale});
    }

    function applyOperation(project, op) {
        var comp = findComposition(project, op);
        var layer;
        if (!comp) {
            return;
        }
        layer = findLayer(comp, op);
        if (!layer) {
            return;
        }
        if (op.kind === "text") {
            setText(op, layer);
        } else if (op.kind === "footage") {
            replaceFootage(op, project, layer);
        } else {
            record("failure", "apply", op, "unknown operation");
        }
    }

    function applyOperations(project) {
        var i;
        for (i = 0; i < PLAN.operations.length; i++) {
            try {
                applyOperation(project, PLAN.operations[i]);
            } catch (e) {
                record("failure", "apply", PLAN.operations[i], describeError(e));
            }
        }
    }

    function queueRenders(project) {
        var i, name, found;
        for (i = 0; i < PLAN.renderQueue.length; i++) {
            name = PLAN.renderQueue[i];
            try {
                found = compositionsNamed(project, name);
                if (found.length === 0) {
                    record("failure", "render-queue", null, "composition not found", {composition: name});
                } else {
                    project.renderQueue.items.add(found[0]);
                    record("ok", "render-queue", null, "added to the render queue", {composition: name});
                }
            } catch (e) {
                record("failure", "render-queue", null, describeError(e), {composition: name});
            }
        }
    }

    function ensureFolder(file) {
        var folder = file.parent;
        if (folder && !folder.exists && !folder.create()) {
            return false;
        }
        return true;
    }

    function saveProject(project) {
        var file = new File(PLAN.output);
        try {
            if (!ensureFolder(file)) {
                record("failure", "save", null, "cannot create the output folder", {path: PLAN.output});
                return false;
            }
            if (project.save(file) === false) {
                record("failure", "save", null, "project not saved", {path: PLAN.output});
                return false;
            }
        } catch (e) {
            record("failure", "save", null, describeError(e), {path: PLAN.output});
            return false;
        }
        record("ok", "save", null, "project saved", {path: PLAN.output});
        return true;
    }

    function writeLog() {
        var file = new File(PLAN.log);
        try {
            ensureFolder(file);
            file.encoding = "UTF-8";
            if (!file.open("w")) {
                return false;
            }
            file.write(LOG.join("\n") + "\n");
            file.close();
            return true;
        } catch (e) {
            return false;
        }
    }

    function run() {
        var suppressed = beginSuppressDialogs();
        var undoOpen = false;
        var saved = false;
        var project;
        try {
            project = openTemplate();
            if (project) {
                app.beginUndoGroup(PLAN.undoGroup);
                undoOpen = true;
                applyOperations(project);
                queueRenders(project);
                app.endUndoGroup();
                undoOpen = false;
                saved = saveProject(project);
            }
        } catch (e) {
            record("failure", "script", null, describeError(e));
        }
        if (undoOpen) {
            try {
                app.endUndoGroup();
            } catch (e2) {
                record("warning", "undo", null, describeError(e2));
            }
        }
        LOG.push(serialise({level: "summary", step: "done", saved: saved, ok: COUNTS.ok,
            warnings: COUNTS.warning, failures: COUNTS.failure}));
        writeLog();
        if (suppressed) {
            endSuppressDialogs();
        }
        return saved;
    }

    return run();
"""


def generate_script(plan: ScriptPlan) -> str:
    """The complete ``.jsx`` for ``plan``: pure ASCII, ES3, deterministic for a given plan."""
    literal = plan_literal(plan).replace("\n", "\n    ")
    script = f"{_HEADER}(function () {{\n    var PLAN = {literal};\n{_RUNTIME}}}());\n"
    script.encode("ascii")  # cannot fail: every data character went through js_string
    return script


# --------------------------------------------------------------------------------------------
# Reading the log back


@dataclass(frozen=True)
class ScriptLog:
    """The log a generated script wrote: one JSON object per line, a summary line last."""

    entries: tuple[dict, ...]

    @property
    def failures(self) -> tuple[dict, ...]:
        """Steps that did not happen (missing composition or layer, wrong layer kind, ...)."""
        return tuple(e for e in self.entries if e.get("level") == "failure")

    @property
    def warnings(self) -> tuple[dict, ...]:
        """Steps done with a caveat (layer found by index, duplicate names, expressions)."""
        return tuple(e for e in self.entries if e.get("level") == "warning")

    @property
    def summary(self) -> dict | None:
        """The closing summary, or None when the script stopped before writing it."""
        last = self.entries[-1] if self.entries else None
        return last if last is not None and last.get("level") == "summary" else None


def parse_log(text: str) -> ScriptLog:
    """Read a script log; a line that is not a JSON object is kept as an ``unparsed`` entry."""
    entries = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        entries.append(entry if isinstance(entry, dict) else {"level": "unparsed", "message": line})
    return ScriptLog(tuple(entries))
