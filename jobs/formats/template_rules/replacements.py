"""Rules on names and replacement files: the output name and replacement file names must be
safe file names on every render node, and each replacement file must exist, have an
extension and stay within the size, dimension and pixel limits."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from ..limits import Limits
from .job import Job, Probe, location_fields
from .model import Finding

# nexrender's own test for a footage name that carries an extension.
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_FORBIDDEN_CHARACTERS = frozenset(':*?"<>|')
_RESERVED_WINDOWS_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {f"LPT{i}" for i in range(1, 10)}
)
MAX_NAME_BYTES = 255


def name_problems(name: str) -> list[str]:
    """Why ``name`` is unsafe as a file name on a macOS, Windows or Linux render node
    (empty when it is safe)."""
    problems = []
    if not name:
        return ["it is empty"]
    if "/" in name or "\\" in name:
        problems.append("it contains a path separator")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        problems.append("it contains a control character")
    forbidden = sorted({ch for ch in name if ch in _FORBIDDEN_CHARACTERS})
    if forbidden:
        problems.append(f"it contains {' '.join(forbidden)}")
    if name.startswith("."):
        problems.append("it starts with a dot (hidden file)")
    if name.endswith((" ", ".")):
        problems.append("it ends with a space or a dot (Windows drops them)")
    if name.split(".")[0].rstrip(" ").upper() in _RESERVED_WINDOWS_NAMES:
        problems.append(f"{name.split('.')[0].rstrip(' ').upper()} is a reserved Windows name")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        problems.append(f"it is longer than {MAX_NAME_BYTES} bytes")
    return problems


def unsafe_name(job: Job) -> Iterator[Finding]:
    """The output name or a replacement file's name is unsafe as a file name on a render node:
    path separators, control characters, ``: * ? " < > |``, a leading dot, a trailing space
    or dot, a reserved Windows name (CON, PRN, AUX, NUL, COM1-9, LPT1-9), over 255 bytes."""
    if job.ctx.output_name is not None:
        problems = name_problems(job.ctx.output_name)
        if problems:
            yield Finding(
                "unsafe-name",
                "error",
                f"Output name {job.ctx.output_name!r} is unsafe: {'; '.join(problems)}.",
                details={"name": job.ctx.output_name, "problems": problems},
            )
    for key, value in job.replacements.items():
        name = Path(value).name
        problems = name_problems(name)
        if problems:
            yield Finding(
                "unsafe-name",
                "error",
                f"Replacement file name {name!r} for layer {key[1]} in {key[0]!r} is unsafe: {'; '.join(problems)}.",
                details={"name": name, "path": value, "problems": problems},
                **location_fields(key[0], job.layer(key), key[1]),
            )


def footage_no_extension(job: Job) -> Iterator[Finding]:
    """Footage is replaced by a file without a file extension: After Effects picks the
    importer by extension, and nexrender needs one to address footage by layer name."""
    for key, value in job.replacements.items():
        name = Path(value).name
        if not _EXTENSION.search(name):
            yield Finding(
                "footage-no-extension",
                "error",
                f"Replacement file {name!r} for layer {key[1]} in {key[0]!r} has no file extension.",
                details={"path": value},
                **location_fields(key[0], job.layer(key), key[1]),
            )


def replacement_missing(job: Job) -> Iterator[Finding]:
    """A replacement file does not exist or is not a regular file."""
    for key in job.replacements:
        path = job.replacement_path(key)
        if not path.is_file():
            yield Finding(
                "replacement-missing",
                "error",
                f"Replacement file {str(path)!r} for layer {key[1]} in {key[0]!r} does not exist.",
                details={"path": str(path)},
                **location_fields(key[0], job.layer(key), key[1]),
            )


def file_limits(job: Job) -> Iterator[Finding]:
    """A replacement file is larger than the byte limit, or its image is wider or taller than
    the dimension limit or holds more pixels than the pixel limit."""
    limits = job.ctx.limits
    for key in job.replacements:
        path = job.replacement_path(key)
        if not path.is_file():
            continue
        problems = _limit_problems(path, job.probe(path), limits)
        if problems:
            yield Finding(
                "file-limits",
                "error",
                f"Replacement file {path.name!r} for layer {key[1]} in {key[0]!r} is over the limits: "
                f"{'; '.join(problems)}.",
                details={"path": str(path), "problems": problems},
                **location_fields(key[0], job.layer(key), key[1]),
            )


def _limit_problems(path: Path, probe: Probe, limits: Limits) -> list[str]:
    problems = []
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        problems.append(f"{size} bytes (limit {limits.max_file_bytes})")
    if probe.too_many_pixels:
        problems.append(f"more than {limits.max_pixels} pixels")
    if probe.size is not None:
        width, height = probe.size
        if max(width, height) > limits.max_dimension:
            problems.append(f"{width}x{height} pixels (limit {limits.max_dimension} a side)")
        if width * height > limits.max_pixels:
            problems.append(f"{width * height} pixels (limit {limits.max_pixels})")
    return problems
