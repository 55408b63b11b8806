"""The hand-off to a render machine: the command lines that run a job's bundle, quoted for the
render machine's platform, and the README that says how to run it.

The commands are translations of the render plan (its composition) and of the bundle's layout;
they place nothing. Two ways to run a bundle:

- **Stock After Effects**: ``AfterFX -r populate.jsx`` (Windows) or AppleScript's
  ``DoScriptFile`` (macOS) opens the bundle's template, fills it and saves the populated
  project; then ``aerender -project <populated> -comp <render composition>`` renders it
  (stock ``aerender`` has no ``-r``).
- **nexrender's patched aerender** (nexrender patches After Effects' ``commandLineRenderer.jsx``
  on a render node's first job, adding ``-r``): one command opens the template, runs
  ``populate-current.jsx`` on the open project and renders the composition; nexrender itself
  does the same from ``nexrender.json``.

Plain Python: no Django import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .aerender import aerender_command, shell_quote

PLATFORMS = ("windows", "macos")
POPULATE_SCRIPT = "populate.jsx"
POPULATE_CURRENT_SCRIPT = "populate-current.jsx"


def render_platform(setting: str, aerender_path: str) -> str:
    """``windows`` or ``macos``: the setting when given, else what the aerender path looks like."""
    value = (setting or "").strip().lower()
    if value in ("win", "windows"):
        return "windows"
    if value in ("mac", "macos", "osx", "darwin"):
        return "macos"
    if value:
        raise ValueError(f"AEA_RENDER_PLATFORM must be windows or macos, not {setting!r}")
    path = aerender_path or ""
    if "\\" in path or path.lower().endswith(".exe") or re.match(r"^[A-Za-z]:", path):
        return "windows"
    return "macos"


def afterfx_path(aerender_path: str, platform: str) -> str:
    """After Effects' own executable next to ``aerender`` (Windows), for ``AfterFX -r``."""
    if platform != "windows":
        return "AfterFX"
    sep = "\\" if "\\" in aerender_path else "/"
    folder = aerender_path.rsplit(sep, 1)[0] if sep in aerender_path else ""
    return f"{folder}{sep}AfterFX.exe" if folder else "AfterFX.exe"


@dataclass(frozen=True)
class RenderPaths:
    """The bundle's files as the render machine sees them (mapped paths)."""

    template: str
    populate_script: str
    populate_current_script: str
    project: str  # the populated project the stock flow saves
    render_output: str


def render_commands(
    *,
    paths: RenderPaths,
    composition: str | None,
    platform: str,
    aerender_path: str,
    render_settings: str | None,
    output_module: str | None,
    after_effects_app: str = "Adobe After Effects 2025",
) -> dict:
    """Each command as an argv list and as a display line quoted for ``platform``."""
    windows = platform == "windows"
    if windows:
        populate = [afterfx_path(aerender_path, platform), "-r", paths.populate_script]
    else:
        populate = ["osascript", "-e",
                    f'tell application "{after_effects_app}" to DoScriptFile "{paths.populate_script}"']
    commands: dict = {"platform": platform, "populate": populate}
    if composition:
        render = aerender_command(
            aerender_path=aerender_path, project_path=paths.project, composition=composition,
            output_path=paths.render_output, render_settings=render_settings, output_module=output_module,
        )
        patched = aerender_command(
            aerender_path=aerender_path, project_path=paths.template, script_path=paths.populate_current_script,
            composition=composition, output_path=paths.render_output, render_settings=render_settings,
            output_module=output_module,
        )
        commands.update(render=render, populate_and_render=patched)
    for name in ("populate", "render", "populate_and_render"):
        if name in commands:
            commands[f"{name}_display"] = shell_quote(commands[name], windows=windows)
    return commands


def bundle_readme(
    *,
    job_id: str,
    composition: str | None,
    commands: Mapping,
    approvals: Sequence[Mapping],
    delivery: str | None,
) -> str:
    """The bundle's README.txt: what it holds, who approved it, how to run it."""
    lines = [
        f"aeautomation deploy bundle for job {job_id}",
        "",
        f"Renders composition: {composition or '(none: the template has no composition)'}",
        "The preview that was approved: preview.png (design beside it: comparison.png).",
        "manifest.json lists every file with its sha256; render_plan.json is what the preview,",
        "the scripts and nexrender.json were all made from.",
        "",
        "Approved by:",
    ]
    for approval in approvals:
        note = f": {approval['notes']}" if approval.get("notes") else ""
        lines.append(f"  stage {approval['stage']} ({approval['what']}) by {approval['by']} at {approval['at']}{note}")
    if not approvals:
        lines.append("  (no approvals recorded)")
    lines += [
        "",
        "The template and the footage it renders are in template/ and footage/ (collected like",
        "After Effects' Collect Files); the scripts point the project at them, so the bundle can",
        "be copied to any render machine whose paths the deployment maps (AEA_PATH_MAPPINGS).",
        "",
        "1. On a stock After Effects install (aerender has no -r option):",
        "   populate and save the project with After Effects itself, then render it:",
        f"     {commands.get('populate_display', '')}",
        f"     {commands.get('render_display', '')}",
        "",
        "2. With nexrender's patched aerender (nexrender adds -r to commandLineRenderer.jsx on a",
        "   render node's first job), one command populates the open project and renders it:",
        f"     {commands.get('populate_and_render_display', '')}",
        "",
        "3. With nexrender: submit nexrender.json to a nexrender server (POST /api/v1/jobs) or run",
        "   it with nexrender-cli --file nexrender.json. It runs populate-current.jsx on nexrender's",
        "   copy of the template, renders the composition and copies the render to",
        f"   {delivery or 'the delivery folder'} before cleaning up.",
        "",
        "A script that fails (a layer the plan names is missing, an image is missing, the project",
        "did not save) throws at the end: After Effects reports the error and aerender exits",
        "non-zero, so a render never silently uses the unpopulated template. Each run writes a",
        "JSON-lines log next to its output.",
        "",
    ]
    return "\n".join(lines)
