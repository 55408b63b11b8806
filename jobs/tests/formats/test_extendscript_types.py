"""The generated script type-checks against Adobe's After Effects DOM declarations.

``types-for-adobe`` (npm, pinned in jobs/tests/js/package.json) declares the After Effects
scripting DOM per version, with ExtendScript's own ES3 library (``shared/JavaScript.d.ts``: no
``JSON``, no ``Array.prototype.indexOf``). A generated script, written to a ``.js`` file next to
a small declarations file that references ``AfterEffects/<newest>/index.d.ts``, is checked with
``tsc --noLib --allowJs --checkJs --noEmit``: zero errors. The runtime's helpers type their
parameters with JSDoc (``@param {AVLayer} layer``), so every DOM call is checked.

The declarations file adds only what the package lacks: ``gAECommandLineRenderer`` (aerender's
command-line renderer global, which the script tests with ``typeof``) and ``Extract`` (a
type-level helper the compiler itself needs for ``for ... in`` loops; no runtime API).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from jobs.formats.extendscript import Relink, ReplaceFootage, ScriptPlan, SetText, generate_script

from .extendscript_support import JS_DIR, NODE

TYPES = JS_DIR / "node_modules" / "types-for-adobe" / "AfterEffects"
TSC = JS_DIR / "node_modules" / "typescript" / "bin" / "tsc"

pytestmark = pytest.mark.skipif(
    NODE is None or not TYPES.is_dir() or not TSC.is_file(),
    reason="needs node, types-for-adobe and typescript in jobs/tests/js/node_modules "
           "(run: npm ci --prefix jobs/tests/js)",
)

EXTRA_DECLARATIONS = """\
/// <reference path="{index}" />
/** aerender's command-line renderer defines it (After Effects' commandLineRenderer.jsx). */
declare var gAECommandLineRenderer: unknown;
/** Needed by the compiler for `for ... in` (the ES3 library of types-for-adobe has no utility types). */
type Extract<T, U> = T extends U ? T : never;
"""


def newest_after_effects() -> Path:
    """``AfterEffects/<newest version>/index.d.ts`` of the installed types-for-adobe."""
    versions = [d for d in TYPES.iterdir() if (d / "index.d.ts").is_file()]
    return max(versions, key=lambda d: tuple(int(part) for part in d.name.split("."))) / "index.d.ts"


def a_script(mode: str = "open") -> str:
    """A script using every operation: text, fit, fill (mask), keyframe rules, relinks."""
    paths = {"template_path": "C:\\jobs\\100%25.aepx", "output_path": "C:\\jobs\\out\\job.aep"} if mode == "open" else {}
    return generate_script(ScriptPlan(
        mode=mode, log_path="C:\\jobs\\out\\job.log", composition="Main", **paths,
        operations=(
            SetText("Main", "title", 1, "GAME DAY"),
            ReplaceFootage("Main", "photo", 2, "C:\\jobs\\assets\\layer-3.png", (800, 400), (0, 0, 400, 300),
                           (2.0, 0.0, 4 / 3, 0.0), "fill", (400.0, 200.0), (37.5, 37.5), (133.3, 0.0, 666.7, 400.0)),
            ReplaceFootage("Main", "logo", 3, "C:\\jobs\\assets\\layer-4.png", (300, 300), (0, 0, 500, 250),
                           (0.6, 0.0, 1.2, 0.0), "fit"),
        ),
        relinks=(
            Relink(32, "bg.png", "/Users/designer/bg.png", "C:\\jobs\\footage\\32-bg.png"),
            Relink(None, "logo.png", "", "C:\\jobs\\footage\\2-logo.png"),
        ),
    ))


def type_check(script: str, work: Path) -> subprocess.CompletedProcess:
    (work / "globals.d.ts").write_text(EXTRA_DECLARATIONS.format(index=newest_after_effects().as_posix()))
    (work / "populate.js").write_text(script, encoding="ascii")
    return subprocess.run(
        [NODE, str(TSC), "--noLib", "--allowJs", "--checkJs", "--noEmit", "globals.d.ts", "populate.js"],
        capture_output=True, text=True, timeout=300, cwd=work,
    )


def test_the_newest_after_effects_declarations_are_used():
    assert newest_after_effects().parent.name == "26.0"  # types-for-adobe 7.2.6; update with the pin


@pytest.mark.parametrize("mode", ["open", "current"])
def test_a_generated_script_type_checks_against_after_effects(tmp_path, mode):
    proc = type_check(a_script(mode), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == ""


@pytest.mark.parametrize(("change", "error"), [
    (("layer.replaceSource(item, true)", "layer.replaceSource(item)"), "TS2554"),  # wrong arity
    (("item.replace(file)", "item.replace(relink.file)"), "TS2345"),  # a path, not a File
    (("project.itemByID(relink.id)", "project.itemByName(relink.id)"), "TS2339"),  # no such method
    (("CloseOptions.DO_NOT_SAVE_CHANGES", "CloseOptions.DONT_SAVE"), "TS2339"),  # no such member
    (("shape.closed = true", "shape.closed = 1"), "TS2322"),  # wrong type
    (("return run();", "[1].indexOf(1); JSON.stringify({}); return run();"), "TS2339"),  # ES5 in ES3
])
def test_the_type_check_catches_what_after_effects_would_refuse(tmp_path, change, error):
    script = a_script()
    assert change[0] in script
    proc = type_check(script.replace(change[0], change[1], 1), tmp_path)
    assert proc.returncode != 0 and error in proc.stdout, proc.stdout
