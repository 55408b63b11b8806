"""The batch CSV's columns and the rules on one value (see :mod:`batches.csv_format`)."""

from __future__ import annotations

import os
import re

REQUIRED_COLUMNS = ("job_id", "psd_path", "aepx_path", "output_name")
OPTIONAL_COLUMNS = ("client_name", "project_name", "priority", "notes")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
PRIORITIES = ("high", "medium", "low")
DEFAULT_PRIORITY = "medium"
OUTPUT_EXTENSIONS = (".aep", ".aepx")
MAX_NAME_CHARS = 255  # client_name, project_name (the database columns' width)
MAX_OUTPUT_NAME_BYTES = 255  # a file name on every common file system

JOB_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_BAD_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f:*?"<>|]')


# --------------------------------------------------------------------------------------------
# One value


def _job_id_problem(value: str) -> str:
    if len(value) > 64:
        return f"job_id is {len(value)} characters long; at most 64"
    if not value.strip("."):
        return f"job_id '{value}' must not consist of dots only"
    return f"job_id '{_show(value)}' may contain only letters A-Z a-z, digits, '.', '_' and '-'"


def _output_name_problem(value: str) -> str | None:
    """Why ``value`` is not a usable project file name, or ``None``."""
    if "/" in value or "\\" in value:
        return f"output_name '{_show(value)}' must be a plain file name, without folders"
    bad = _BAD_NAME_CHARS.search(value)
    if bad:
        return f"output_name '{_show(value)}' contains {bad.group()!r}, which a file name cannot hold"
    stem, ext = os.path.splitext(value)
    if ext.lower() not in OUTPUT_EXTENSIONS:
        return f"output_name '{_show(value)}' must end with .aep or .aepx"
    if not stem.strip(" ."):
        return f"output_name '{_show(value)}' needs a name before the extension"
    if len(value.encode("utf-8")) > MAX_OUTPUT_NAME_BYTES:
        return f"output_name is longer than {MAX_OUTPUT_NAME_BYTES} bytes"
    return None


def output_name_problem(value: str) -> str | None:
    """Why ``value`` is not a usable project file name, or ``None`` (the importer's rule, for
    every other place that takes an output name)."""
    return _output_name_problem(value)


def _show(value: str, limit: int = 120) -> str:
    """``value`` for a message: cut short, control characters escaped (``\\n``)."""
    short = value if len(value) <= limit else value[: limit - 1] + "…"
    return "".join(ch if ch >= " " and ch != "\x7f" else repr(ch)[1:-1] for ch in short)
