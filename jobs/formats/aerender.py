"""Build ``aerender`` command lines (argv lists, never shell strings).

The flags are those of After Effects' command-line renderer (``aerender -help``; Adobe's
"Automated rendering and network rendering" page):

- ``-project path``: the project to open;
- ``-comp name``: the composition to render (queued if not in the render queue yet). Without
  ``-comp`` aerender renders the whole render queue and IGNORES ``-RStemplate``,
  ``-OMtemplate``, ``-output``, ``-s``, ``-e`` and ``-i`` (it prints a warning), so this module
  refuses those options without a composition instead of letting them vanish;
- ``-RStemplate name``, ``-OMtemplate name``: render-settings and output-module templates;
- ``-output path``, ``-log path``, ``-s frame``, ``-e frame``, ``-i increment``;
- ``-v ERRORS|ERRORS_AND_PROGRESS``, ``-close DO_NOT_SAVE_CHANGES|SAVE_CHANGES|DO_NOT_CLOSE``,
  ``-reuse``, ``-continueOnMissingFootage``;
- rarer ones (``-sound ON|OFF``, ``-mem_usage cache_percent max_percent``,
  ``-mfr ON|OFF max_cpu_percent``, ``-rqindex n``) go through ``extra``.

``-r script.jsx`` (run a script after opening the project, before rendering) is NOT a stock
aerender flag: it is added by nexrender's patched ``Scripts/Startup/commandLineRenderer.jsx``
(``nexrender-patch``), which reads the file and ``eval``s it. Use it only on render machines
with that patch installed (nexrender installs it on first run).

aerender's own parser strips one pair of enclosing double quotes from every value, so a value
that starts and ends with ``"`` would reach After Effects changed; such values are refused.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence
from os import PathLike

VERBOSE_FLAGS = ("ERRORS", "ERRORS_AND_PROGRESS")
CLOSE_FLAGS = ("DO_NOT_SAVE_CHANGES", "SAVE_CHANGES", "DO_NOT_CLOSE")


def _value(what: str, value: str | PathLike) -> str:
    """A flag's value as aerender will receive it, or ValueError if it would be altered."""
    text = str(value)
    if not text:
        raise ValueError(f"{what} must not be empty")
    if "\x00" in text:
        raise ValueError(f"{what} must not contain NUL")
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        raise ValueError(f"{what} {text!r}: aerender would strip its enclosing quotes")
    return text


def _frame(what: str, value: int | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative integer, not {value!r}")
    return str(value)


def _choice(what: str, value: str | None, choices: Sequence[str]) -> str | None:
    if value is not None and value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _pairs(options: Sequence[tuple[str, str | None]]) -> list[str]:
    """Flag/value pairs for the options that are set, in the given order."""
    argv: list[str] = []
    for flag, value in options:
        if value is not None:
            argv += [flag, value]
    return argv


def _check_frames(start: int | None, end: int | None, increment: int | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValueError(f"start_frame {start} is after end_frame {end}")
    if increment is not None and not 1 <= increment <= 100:
        raise ValueError("increment must be between 1 and 100")


def aerender_command(
    *,
    aerender_path: str | PathLike,
    project_path: str | PathLike | None,
    composition: str | None = None,
    output_path: str | PathLike | None = None,
    render_settings: str | None = None,
    output_module: str | None = None,
    script_path: str | PathLike | None = None,
    log_path: str | PathLike | None = None,
    start_frame: int | None = None,
    end_frame: int | None = None,
    increment: int | None = None,
    verbose: str | None = None,
    close: str | None = None,
    reuse: bool = False,
    continue_on_missing_footage: bool = False,
    extra: Sequence[str] = (),
) -> list[str]:
    """The argv that renders ``composition`` of ``project_path`` with aerender.

    Options left at None are not passed (aerender then uses what the project defines). With
    ``script_path`` the argv carries ``-r script`` (nexrender's patched renderer: see the module
    docstring); ``project_path`` may then be None when the script opens the project itself.
    ``extra`` is appended verbatim (strings only). Paths are used as given: map them to the
    render machine first (``jobs.formats.extendscript.map_path``).
    """
    comp_only = {
        "output_path": output_path,
        "render_settings": render_settings,
        "output_module": output_module,
        "start_frame": start_frame,
        "end_frame": end_frame,
        "increment": increment,
    }
    given = [name for name, value in comp_only.items() if value is not None]
    if composition is None and given:
        raise ValueError(f"{', '.join(given)} need a composition: aerender ignores them without -comp")
    if project_path is None and script_path is None:
        raise ValueError("project_path is required unless a script opens the project")
    _check_frames(start_frame, end_frame, increment)
    if any(not isinstance(arg, str) for arg in extra):
        raise ValueError("extra arguments must be strings")

    argv = [_value("aerender_path", aerender_path)]
    argv += _pairs([
        ("-project", None if project_path is None else _value("project_path", project_path)),
        ("-r", None if script_path is None else _value("script_path", script_path)),
        ("-comp", None if composition is None else _value("composition", composition)),
        ("-RStemplate", None if render_settings is None else _value("render_settings", render_settings)),
        ("-OMtemplate", None if output_module is None else _value("output_module", output_module)),
        ("-output", None if output_path is None else _value("output_path", output_path)),
        ("-s", _frame("start_frame", start_frame)),
        ("-e", _frame("end_frame", end_frame)),
        ("-i", _frame("increment", increment)),
        ("-log", None if log_path is None else _value("log_path", log_path)),
        ("-v", _choice("verbose", verbose, VERBOSE_FLAGS)),
        ("-close", _choice("close", close, CLOSE_FLAGS)),
    ])
    if reuse:
        argv.append("-reuse")
    if continue_on_missing_footage:
        argv.append("-continueOnMissingFootage")
    return argv + list(extra)


def aerender_script_command(
    *,
    aerender_path: str | PathLike,
    script_path: str | PathLike,
    project_path: str | PathLike | None = None,
    log_path: str | PathLike | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """The argv that runs ``script_path`` with ``aerender -r`` (nexrender-patched aerender).

    Without ``-comp`` aerender renders the whole render queue after the script (whatever the
    template had queued): pass a composition to :func:`aerender_command` instead where
    anything renders (jobs.formats.handoff does).
    """
    return aerender_command(
        aerender_path=aerender_path,
        project_path=project_path,
        script_path=script_path,
        log_path=log_path,
        extra=extra,
    )


def shell_quote(argv: Sequence[str], *, windows: bool = False) -> str:
    """``argv`` as one line for display or copy-paste: POSIX shell quoting, or cmd.exe rules.

    For display only: run the argv list itself (``subprocess.run(argv)``), never this string.
    """
    parts = [str(arg) for arg in argv]
    return subprocess.list2cmdline(parts) if windows else shlex.join(parts)
