"""Stage 0: read and validate a producer's batch CSV, without Django.

:func:`parse_batch_csv` takes the file's bytes and returns a :class:`CsvReport`: every error
and warning with its line and column, and the jobs, which are present only when there is no
error at all (the caller writes nothing unless ``report.ok``). It never raises for bad input.
It is plain Python, callable from a worker, a management command or a benchmark.

Rules (``shared/docs/interchange.md``, "Batch CSV (Stage 0)", plus the decisions below):

File
  - At most ``max_csv_bytes``; UTF-8, a UTF-8 byte-order mark is allowed. UTF-16, NUL bytes
    (binary files) and invalid UTF-8 are refused with the byte offset and line of the first
    bad byte; nothing else is checked then.
  - Comma-separated, ``"`` quotes, ``""`` inside quotes for a quote; quoted fields may span
    lines. Line breaks may be LF, CRLF or CR. A line is a physical line of the file (header =
    line 1); an issue about a record names the line where the record starts. A line break
    inside a quoted field is kept as ``\\n``.
  - A header that splits into the required names on ``;`` or a tab (and not on commas) is
    refused: "the file looks semicolon-separated; export it as comma-separated CSV".
  - Blank lines are skipped silently, a row of empty fields (``,,,``) with a warning.
  - At most ``max_rows`` jobs: reading stops at the first row over the limit, which is the
    only error then reported. At most ``max_field_bytes`` per field (UTF-8 bytes).
  - At most ``max_issues`` errors and as many warnings are listed; a last issue says how
    many more there were.

Header
  - Column names are compared without surrounding whitespace and ignoring case.
  - Required: ``job_id``, ``psd_path``, ``aepx_path``, ``output_name``; optional:
    ``client_name``, ``project_name``, ``priority``, ``notes``. A missing required column or
    a repeated column is an error; an unknown or unnamed column is a warning and ignored.
  - There must be at least one job after the header.

Rows (every value has surrounding whitespace removed)
  - Exactly as many fields as the header has columns, and no text after a closing quote; a
    row breaking either is not checked further.
  - ``job_id``: ``[A-Za-z0-9._-]{1,64}``, not only dots (``.``/``..`` would be path
    components downstream); unique in the file (compared exactly, case-sensitive; the error
    names both lines) and not used by an active job (``existing_job_ids``).
  - ``psd_path`` / ``aepx_path``: relative to an input root (roots tried in order, the first
    where the path exists, even as a broken link, wins) or absolute inside one. ``..``
    leading out of the root, an absolute path outside every root, and a path that resolves
    (symbolic links followed) outside every root are errors; so are a missing path, a
    directory or other non-file, a file over ``max_file_bytes``, an unreadable file and a
    resolved path over 1024 characters. The extension must be ``.psd``/
    ``.psb`` (resp. ``.aepx``/``.aep``), any case, and the content (see
    :mod:`jobs.formats.sniff`) must be of that very kind: a PNG named ``.psd`` is "not a
    Photoshop file", a PSB named ``.psd`` is an extension mismatch. Each distinct path is
    resolved, stat'ed and sniffed once. ``JobRow`` carries the resolved absolute path.
  - ``output_name``: a plain file name, at most 255 UTF-8 bytes: no ``/`` or ``\\``, none of
    ``: * ? " < > |`` nor control characters, ending in ``.aep`` or ``.aepx`` (any case;
    nothing is added) with a name before it. A name used by several rows of the batch
    (compared ignoring case, as macOS and Windows do) is a warning naming the first line.
  - ``priority``: ``high``, ``medium`` or ``low``, any case (stored lower-case); empty means
    ``medium``.
  - ``client_name``, ``project_name``: free text, at most 255 characters; ``notes``: free.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

from jobs.formats.sniff import (
    COLUMN_NOUNS,
    EXPECTED_KINDS,
    KIND_NAMES,
    describe_content,
    extensions_for,
    kind_from_extension,
    read_head,
    sniff_bytes,
)

REQUIRED_COLUMNS = ("job_id", "psd_path", "aepx_path", "output_name")
OPTIONAL_COLUMNS = ("client_name", "project_name", "priority", "notes")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
PATH_COLUMNS = ("psd_path", "aepx_path")
PRIORITIES = ("high", "medium", "low")
DEFAULT_PRIORITY = "medium"
OUTPUT_EXTENSIONS = (".aep", ".aepx")
MAX_NAME_CHARS = 255  # client_name, project_name (the database columns' width)
MAX_OUTPUT_NAME_BYTES = 255  # a file name on every common file system
MAX_PATH_CHARS = 1024  # a resolved path (the database columns' width)
PROGRESS_EVERY = 500

JOB_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_BAD_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f:*?"<>|]')
_QUOTED = re.compile(r'"([^"]*+(?:""[^"]*+)*+)"')
_UNQUOTED = re.compile(r"[^,\n]*")
_SEPARATORS = ((";", "semicolon"), ("\t", "tab"))
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
_MB = 1024 * 1024


# --------------------------------------------------------------------------------------------
# Public types


@dataclass(frozen=True)
class CsvLimits:
    """Bounds on what one import reads."""

    max_file_bytes: int = 20 * _MB  # each referenced PSD / template file
    max_rows: int = 50_000  # jobs in one CSV
    max_field_bytes: int = 64 * 1024  # one CSV field, in UTF-8 bytes
    max_csv_bytes: int = 64 * _MB  # the CSV itself
    max_issues: int = 1_000  # errors listed (and, separately, warnings) before summarising


@dataclass(frozen=True)
class JobRow:
    """One valid job of the CSV, ready to be written."""

    line: int
    job_id: str
    psd_path: str  # resolved, absolute
    aepx_path: str  # resolved, absolute
    psd_kind: str  # "psd" or "psb", from the content
    template_kind: str  # "aepx" or "aep", from the content
    output_name: str
    client_name: str = ""
    project_name: str = ""
    priority: str = DEFAULT_PRIORITY
    notes: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CsvIssue:
    """One problem: where (``line`` 1 is the header; ``None`` for the whole file), in which
    column (``None`` for the whole line), what, a stable ``code``, and its severity."""

    line: int | None
    column: str | None
    message: str
    code: str
    severity: str = "error"  # "error" or "warning"

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        where += [f"column {self.column}"] if self.column is not None else []
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class CsvReport:
    """The outcome of validating one CSV. ``rows`` is empty unless ``ok``."""

    rows: list[JobRow] = field(default_factory=list)
    errors: list[CsvIssue] = field(default_factory=list)
    warnings: list[CsvIssue] = field(default_factory=list)
    row_count: int = 0  # data rows read (blank lines not counted)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        """The report as JSON-ready data (without the rows, which become jobs)."""
        return {
            "ok": self.ok,
            "row_count": self.row_count,
            "job_count": len(self.rows),
            "errors": [issue.to_dict() for issue in self.errors],
            "warnings": [issue.to_dict() for issue in self.warnings],
        }


# --------------------------------------------------------------------------------------------
# Entry point


def parse_batch_csv(
    data: bytes,
    *,
    input_roots: Sequence[Path],
    limits: CsvLimits = CsvLimits(),
    existing_job_ids: Callable[[set[str]], set[str]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CsvReport:
    """Validate a batch CSV (see the module docstring for the rules).

    ``existing_job_ids`` is called once, with every well-formed job id of the file, and
    returns those active jobs already use. ``progress(done, total)`` is called as rows are
    validated (every :data:`PROGRESS_EVERY` rows and at the end). Raises ``ValueError`` only
    when ``input_roots`` is empty (a configuration error, not a CSV problem).
    """
    if not input_roots:
        raise ValueError("parse_batch_csv needs at least one input root")
    issues = _Issues(limits.max_issues)
    text = _decode(data, limits, issues)
    if text is None:
        return issues.report([], 0)
    records, stopped = _read_records(text, limits, issues)
    row_count = max(0, len(records) - 1)
    if stopped == "too_many_rows":
        return issues.report([], row_count)
    header = _read_header(records[0], issues) if records else None
    if header is None:
        return issues.report([], row_count)
    if row_count == 0 and stopped is None:
        issues.error(None, None, "the file has a header but no jobs", "no_rows")
    validator = _RowValidator(header, _Roots(input_roots), limits, issues)
    rows = validator.validate_all(records[1:], progress)
    validator.check_existing(existing_job_ids)
    return issues.report(rows, row_count)


# --------------------------------------------------------------------------------------------
# Issues


class _Issues:
    """Collects errors and warnings, listing at most ``cap`` of each."""

    def __init__(self, cap: int):
        self.cap = cap
        self.errors: list[CsvIssue] = []
        self.warnings: list[CsvIssue] = []
        self.unlisted = {"error": 0, "warning": 0}

    def error(self, line: int | None, column: str | None, message: str, code: str) -> None:
        self._add(self.errors, CsvIssue(line, column, message, code, "error"))

    def warning(self, line: int | None, column: str | None, message: str, code: str) -> None:
        self._add(self.warnings, CsvIssue(line, column, message, code, "warning"))

    def _add(self, bucket: list[CsvIssue], issue: CsvIssue) -> None:
        if len(bucket) < self.cap:
            bucket.append(issue)
        else:
            self.unlisted[issue.severity] += 1

    def report(self, rows: list[JobRow], row_count: int) -> CsvReport:
        """The final report: issues in line order, rows only when there is no error."""
        errors = self._sorted(self.errors, "error")
        warnings = self._sorted(self.warnings, "warning")
        return CsvReport(rows=[] if errors else rows, errors=errors, warnings=warnings, row_count=row_count)

    def _sorted(self, bucket: list[CsvIssue], severity: str) -> list[CsvIssue]:
        ordered = sorted(bucket, key=lambda issue: -1 if issue.line is None else issue.line)
        more = self.unlisted[severity]
        if more:
            message = f"… and {more} more {severity}(s) not listed"
            ordered.append(CsvIssue(None, None, message, "too_many_issues", severity))
        return ordered


# --------------------------------------------------------------------------------------------
# Bytes to text


def _decode(data: bytes, limits: CsvLimits, issues: _Issues) -> str | None:
    """The CSV's text with line breaks as ``\\n``, or ``None`` after a file-level error."""
    if len(data) > limits.max_csv_bytes:
        issues.error(
            None, None, f"the file is {_size(len(data))}; the limit is {_size(limits.max_csv_bytes)}", "csv_too_large"
        )
        return None
    if data[:2] in _UTF16_BOMS:
        issues.error(1, None, "the file is UTF-16 text; export it as CSV UTF-8", "not_utf8")
        return None
    nul = data.find(b"\x00")
    if nul >= 0:
        issues.error(
            _line_at(data, nul),
            None,
            f"the file contains a NUL byte (byte offset {nul}): it is a binary file or UTF-16 text, "
            "not a UTF-8 CSV",
            "nul_byte",
        )
        return None
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        issues.error(
            _line_at(data, offset),
            None,
            f"the file is not UTF-8: byte 0x{data[offset]:02X} at byte offset {offset} is invalid; "
            "export it as CSV UTF-8",
            "not_utf8",
        )
        return None
    if not text.strip():
        issues.error(None, None, "the file is empty; expected a header line and jobs", "empty_file")
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _line_at(data: bytes, offset: int) -> int:
    """The 1-based line of byte ``offset``, counting LF, CRLF and lone CR as one break each."""
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


# --------------------------------------------------------------------------------------------
# Text to records


class _Record(NamedTuple):
    line: int  # where the record starts
    fields: list[str]
    stray: tuple[int, ...] = ()  # indexes of quoted fields followed by stray text


class _UnclosedQuote(Exception):
    def __init__(self, line: int, index: int):
        self.line = line
        self.index = index


def _split_records(text: str) -> Iterator[_Record]:
    """The records of ``text`` (line breaks already ``\\n``), lazily."""
    pos, line, end_of_text = 0, 1, len(text)
    while pos < end_of_text:
        end = text.find("\n", pos)
        if end < 0:
            end = end_of_text
        if text.find('"', pos, end) < 0:
            yield _Record(line, text[pos:end].split(","))
            pos, line = end + 1, line + 1
        else:
            record, pos, line = _split_quoted_record(text, pos, line)
            yield record


def _split_quoted_record(text: str, pos: int, line: int) -> tuple[_Record, int, int]:
    """Read one record containing quotes; return it, the next position and the next line."""
    start_line, fields, stray = line, [], []
    while True:
        if text.startswith('"', pos):
            match = _QUOTED.match(text, pos)
            if match is None:
                raise _UnclosedQuote(line, len(fields))
            raw = match.group(1)
            line += raw.count("\n")
            value, pos = raw.replace('""', '"'), match.end()
            if pos < len(text) and text[pos] not in ",\n":
                tail = _UNQUOTED.match(text, pos)
                stray.append(len(fields))
                value, pos = value + tail.group(), tail.end()
        else:
            match = _UNQUOTED.match(text, pos)
            value, pos = match.group(), match.end()
        fields.append(value)
        if pos >= len(text):
            return _Record(start_line, fields, tuple(stray)), pos, line
        separator, pos = text[pos], pos + 1
        if separator == "\n":
            return _Record(start_line, fields, tuple(stray)), pos, line + 1


def _read_records(text: str, limits: CsvLimits, issues: _Issues) -> tuple[list[_Record], str | None]:
    """The header and data records, skipping blank lines and empty rows.

    Returns ``(records, stopped)``: ``stopped`` is ``None`` when the whole text was read,
    ``"too_many_rows"`` when reading stopped at the row limit (the only error reported then)
    and ``"unclosed_quote"`` when a quote swallowed the rest of the file (the records before
    it are returned).
    """
    records: list[_Record] = []
    try:
        for record in _split_records(text):
            if len(record.fields) == 1 and not record.fields[0].strip():
                continue
            if records and not any(value.strip() for value in record.fields):
                issues.warning(record.line, None, "empty row ignored", "empty_row")
                continue
            if len(records) > limits.max_rows:
                issues.error(
                    record.line,
                    None,
                    f"the file has more than {limits.max_rows} jobs; split it into several batches",
                    "too_many_rows",
                )
                return records, "too_many_rows"
            records.append(record)
    except _UnclosedQuote as exc:
        column = _column_label(records[0].fields, exc.index) if records else None
        issues.error(
            exc.line, column, "a quoted field is never closed: the rest of the file is inside it", "unclosed_quote"
        )
        return records, "unclosed_quote"
    return records, None


# --------------------------------------------------------------------------------------------
# Header


@dataclass(frozen=True)
class _Header:
    labels: tuple[str, ...]  # each field's column name as written (or "#n" when unnamed)
    index: dict[str, int]  # known column -> field index (first occurrence)


def _read_header(record: _Record, issues: _Issues) -> _Header | None:
    """Check the header; ``None`` when the file cannot be read at all (wrong separator)."""
    separator = _other_separator(record.fields)
    if separator is not None:
        issues.error(
            record.line,
            None,
            f"the file looks {separator}-separated; export it as comma-separated CSV",
            "wrong_separator",
        )
        return None
    labels = tuple(_column_label(record.fields, i) for i in range(len(record.fields)))
    for i in record.stray:
        issues.error(record.line, labels[i], "text after a closing quote; quote the whole name", "bad_quoting")
    index: dict[str, int] = {}
    seen: dict[str, int] = {}
    for i, raw in enumerate(record.fields):
        name = raw.strip().lower()
        if not name:
            message = f"column {i + 1} has no name; its values are ignored"
            issues.warning(record.line, labels[i], message, "unnamed_column")
        elif name in seen:
            issues.error(
                record.line,
                labels[i],
                f"column '{labels[i]}' appears twice (columns {seen[name] + 1} and {i + 1})",
                "duplicate_column",
            )
        elif name not in KNOWN_COLUMNS:
            issues.warning(record.line, labels[i], f"unknown column '{labels[i]}' is ignored", "unknown_column")
        else:
            index[name] = i
        seen.setdefault(name, i)
    hint = "" if index else f" (line {record.line} must be the header: {','.join(REQUIRED_COLUMNS)},…)"
    for name in REQUIRED_COLUMNS:
        if name not in index:
            issues.error(record.line, name, f"required column '{name}' is missing{hint}", "missing_column")
    return _Header(labels, index)


def _column_label(header_fields: list[str], i: int) -> str:
    """How issues name field ``i``: its header name (known names in lower case), or ``#n``
    (1-based) when it has none."""
    name = header_fields[i].strip() if i < len(header_fields) else ""
    if name.lower() in KNOWN_COLUMNS:
        return name.lower()
    return name or f"#{i + 1}"


def _other_separator(fields: list[str]) -> str | None:
    """``"semicolon"`` or ``"tab"`` when the header reads better split on that separator."""
    raw = ",".join(fields)
    on_commas = _known_names(fields)
    for char, name in _SEPARATORS:
        if char in raw:
            found = _known_names(raw.split(char))
            if len(found) >= 2 and len(found) > len(on_commas):
                return name
    return None


def _known_names(parts: list[str]) -> set[str]:
    return {part.strip().strip('"').strip().lower() for part in parts} & set(KNOWN_COLUMNS)


# --------------------------------------------------------------------------------------------
# Paths


class _PathCheck(NamedTuple):
    path: str = ""  # resolved, when usable
    kind: str = ""
    code: str = ""  # why not, when not
    message: str = ""


class _Located(NamedTuple):
    path: Path | None
    code: str = ""
    message: str = ""


class _Inspected(NamedTuple):
    kind: str | None
    description: str = ""
    code: str = ""
    message: str = ""


class _Roots:
    """The input roots, and where a CSV path leads among them (each path resolved once)."""

    def __init__(self, roots: Sequence[Path]):
        self.given = [Path(root) for root in roots]
        self.resolved = [root.resolve() for root in self.given]
        self._cache: dict[str, _Located] = {}

    def locate(self, value: str) -> _Located:
        """The resolved file ``value`` names, or why it cannot be used."""
        found = self._cache.get(value)
        if found is None:
            found = self._cache[value] = self._locate(value)
        return found

    def _locate(self, value: str) -> _Located:
        try:
            if os.path.isabs(value):
                return self._locate_absolute(Path(value))
            return self._locate_relative(value)
        except RuntimeError:
            return _Located(None, "unresolvable", "the path cannot be resolved: a symbolic link loop")
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            return _Located(None, "unresolvable", f"the path cannot be resolved: {reason}")

    def _locate_relative(self, value: str) -> _Located:
        normal = os.path.normpath(value)
        if normal == ".." or normal.startswith(".." + os.sep):
            return _Located(None, "path_escape", "'..' leads outside the input root")
        for root in self.given:
            candidate = Path(root, value)
            if os.path.lexists(candidate):
                return self._contained(candidate.resolve(), missing="the path is a broken symbolic link")
        roots = ", ".join(str(root) for root in self.given)
        hint = " (use / between folders)" if "\\" in value else ""
        return _Located(None, "missing", f"not found in any input root ({roots}){hint}")

    def _locate_absolute(self, path: Path) -> _Located:
        resolved = path.resolve()
        if self._inside(resolved):
            broken = os.path.lexists(path)
            return self._contained(resolved, missing="the path is a broken symbolic link" if broken else "not found")
        if self._lexically_inside(Path(os.path.normpath(path))):
            return _Located(None, "symlink_escape", "the path resolves outside the input roots (a symbolic link)")
        if ".." in path.parts and self._lexically_inside(Path(*path.parts[: path.parts.index("..")])):
            return _Located(None, "path_escape", "'..' leads outside the input root")
        return _Located(None, "outside_roots", "the absolute path is outside the input roots")

    def _contained(self, resolved: Path, *, missing: str) -> _Located:
        """``resolved`` if it lies inside a root and exists; ``missing`` says why it may not."""
        if not self._inside(resolved):
            return _Located(None, "symlink_escape", "the path resolves outside the input roots (a symbolic link)")
        if not resolved.exists():
            return _Located(None, "missing", missing)
        if len(str(resolved)) > MAX_PATH_CHARS:
            return _Located(None, "path_too_long", f"the resolved path is longer than {MAX_PATH_CHARS} characters")
        return _Located(resolved)

    def _inside(self, resolved: Path) -> bool:
        return any(resolved.is_relative_to(root) for root in self.resolved)

    def _lexically_inside(self, path: Path) -> bool:
        return any(path.is_relative_to(root) for root in self.given + self.resolved)


class _Files:
    """What each resolved file is (stat'ed and sniffed once)."""

    def __init__(self, max_file_bytes: int):
        self.max_file_bytes = max_file_bytes
        self._cache: dict[Path, _Inspected] = {}

    def inspect(self, path: Path) -> _Inspected:
        found = self._cache.get(path)
        if found is None:
            found = self._cache[path] = self._inspect(path)
        return found

    def _inspect(self, path: Path) -> _Inspected:
        try:
            info = os.stat(path)
            if stat.S_ISDIR(info.st_mode):
                return _Inspected(None, code="is_directory", message="a directory, not a file")
            if not stat.S_ISREG(info.st_mode):
                return _Inspected(None, code="not_a_file", message="not a regular file")
            if info.st_size > self.max_file_bytes:
                return _Inspected(
                    None,
                    code="file_too_large",
                    message=f"the file is {_size(info.st_size)}; the limit is {_size(self.max_file_bytes)}",
                )
            head = read_head(path)
        except OSError as exc:
            return _Inspected(None, code="unreadable", message=f"the file cannot be read ({exc.strerror or exc})")
        if head is None:
            return _Inspected(None, code="not_a_file", message="not a regular file")
        return _Inspected(sniff_bytes(head), describe_content(head))


# --------------------------------------------------------------------------------------------
# Rows


class _RowValidator:
    """Checks data records against the header, collecting issues and valid rows."""

    def __init__(self, header: _Header, roots: _Roots, limits: CsvLimits, issues: _Issues):
        self.header = header
        self.roots = roots
        self.files = _Files(limits.max_file_bytes)
        self.limits = limits
        self.issues = issues
        self.id_lines: dict[str, int] = {}  # job id -> first line
        self.output_lines: dict[str, int] = {}  # output name (folded) -> first line
        self.lines_by_id: list[tuple[int, str]] = []  # every well-formed job id, with its line
        self._path_cache: dict[tuple[str, str], _PathCheck] = {}

    # -- driving

    def validate_all(self, records: list[_Record], progress: Callable[[int, int], None] | None) -> list[JobRow]:
        total = len(records)
        rows: list[JobRow] = []
        if progress:
            progress(0, total)
        for done, record in enumerate(records, 1):
            row = self.validate(record)
            if row is not None:
                rows.append(row)
            if progress and (done % PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        return rows

    def check_existing(self, existing_job_ids: Callable[[set[str]], set[str]] | None) -> None:
        """Ask once which job ids active jobs already use; an error on each line using one."""
        if existing_job_ids is None or not self.lines_by_id:
            return
        taken = existing_job_ids({job_id for _, job_id in self.lines_by_id})
        for line, job_id in self.lines_by_id:
            if job_id in taken:
                message = f"job_id '{job_id}' is already used by an active job"
                self.issues.error(line, "job_id", message, "job_id_exists")

    # -- one record

    def validate(self, record: _Record) -> JobRow | None:
        """The record as a :class:`JobRow`, or ``None`` when it has an error (reported)."""
        errors_before = len(self.issues.errors) + self.issues.unlisted["error"]
        oversized = self._check_structure(record)
        if oversized is None:
            return None
        values = {
            name: record.fields[i].strip()
            for name, i in self.header.index.items()
            if i not in oversized
        }
        line = record.line
        job_id = self._job_id(line, values.get("job_id"))
        psd = self._path(line, "psd_path", values.get("psd_path"))
        template = self._path(line, "aepx_path", values.get("aepx_path"))
        output_name = self._output_name(line, values.get("output_name"))
        priority = self._priority(line, values.get("priority", ""))
        client_name = self._short_text(line, "client_name", values.get("client_name", ""))
        project_name = self._short_text(line, "project_name", values.get("project_name", ""))
        if len(self.issues.errors) + self.issues.unlisted["error"] > errors_before:
            return None
        if any(name not in values for name in REQUIRED_COLUMNS):
            return None  # a required column is missing from the header (reported there)
        return JobRow(
            line=line,
            job_id=job_id,
            psd_path=psd[0],
            aepx_path=template[0],
            psd_kind=psd[1],
            template_kind=template[1],
            output_name=output_name,
            client_name=client_name,
            project_name=project_name,
            priority=priority,
            notes=values.get("notes", ""),
        )

    def _check_structure(self, record: _Record) -> set[int] | None:
        """Field sizes, stray quotes and the field count; the indexes of oversized fields, or
        ``None`` when the record cannot be read against the header."""
        labels = self.header.labels
        limit = self.limits.max_field_bytes
        oversized = set()
        for i, value in enumerate(record.fields):
            if len(value) > limit // 4 and len(value.encode("utf-8")) > limit:
                oversized.add(i)
                self.issues.error(
                    record.line,
                    _label(labels, i),
                    f"the value is {_size(len(value.encode('utf-8')))}; the limit is {_size(limit)}",
                    "field_too_large",
                )
        for i in record.stray:
            self.issues.error(
                record.line,
                _label(labels, i),
                "text after a closing quote; quote the whole value",
                "bad_quoting",
            )
        expected, got = len(labels), len(record.fields)
        if got > expected:
            self.issues.error(
                record.line,
                _label(labels, expected),
                f"the row has {got} fields but the header has {expected} columns (an unquoted comma?)",
                "extra_fields",
            )
            return None
        if got < expected:
            self.issues.error(
                record.line,
                _label(labels, got),
                f"the row has {got} fields but the header has {expected} columns",
                "missing_fields",
            )
            return None
        return None if record.stray else oversized

    # -- columns

    def _required(self, line: int, column: str, value: str | None) -> bool:
        """Whether there is a value to check (an empty one is reported)."""
        if value is None:
            return False  # column missing from the header, or the field was oversized
        if not value:
            self.issues.error(line, column, f"{column} is required", "required")
            return False
        return True

    def _job_id(self, line: int, value: str | None) -> str:
        if not self._required(line, "job_id", value):
            return ""
        if not JOB_ID_RE.fullmatch(value) or not value.strip("."):
            self.issues.error(line, "job_id", _job_id_problem(value), "invalid_job_id")
            return value
        first = self.id_lines.setdefault(value, line)
        if first != line:
            self.issues.error(
                line, "job_id", f"duplicate job_id '{value}': also on line {first}", "duplicate_job_id"
            )
        self.lines_by_id.append((line, value))
        return value

    def _path(self, line: int, column: str, value: str | None) -> tuple[str, str]:
        """``(resolved path, kind)``; ``("", "")`` after reporting a problem."""
        if not self._required(line, column, value):
            return "", ""
        key = (column, value)
        check = self._path_cache.get(key)
        if check is None:
            check = self._path_cache[key] = self._check_path(column, value)
        if check.code:
            self.issues.error(line, column, check.message, check.code)
        return check.path, check.kind

    def _check_path(self, column: str, value: str) -> _PathCheck:
        """Extension, location, file type and size, then content, for one distinct value."""
        shown = f"'{_show(value)}'"
        declared = kind_from_extension(value)
        if declared not in EXPECTED_KINDS[column]:
            allowed = " or ".join(extensions_for(column))
            return _PathCheck(code="bad_extension", message=f"{shown} must end with {allowed}")
        located = self.roots.locate(value)
        if located.path is None:
            return _PathCheck(code=located.code, message=f"{shown}: {located.message}")
        inspected = self.files.inspect(located.path)
        if inspected.code:
            return _PathCheck(code=inspected.code, message=f"{shown}: {inspected.message}")
        kind = inspected.kind
        if kind not in EXPECTED_KINDS[column]:
            return _PathCheck(
                code="wrong_content",
                message=f"{shown} is not {COLUMN_NOUNS[column]}: its content is {inspected.description}",
            )
        if kind != declared:
            return _PathCheck(
                code="extension_mismatch",
                message=f"{shown} is named like {KIND_NAMES[declared]} but its content is {KIND_NAMES[kind]}; "
                f"give it the .{kind} extension",
            )
        return _PathCheck(str(located.path), kind)

    def _output_name(self, line: int, value: str | None) -> str:
        if not self._required(line, "output_name", value):
            return ""
        problem = _output_name_problem(value)
        if problem:
            self.issues.error(line, "output_name", problem, "invalid_output_name")
            return value
        first = self.output_lines.setdefault(value.casefold(), line)
        if first != line:
            self.issues.warning(
                line,
                "output_name",
                f"output_name '{value}' is also used on line {first}; the projects may overwrite each other",
                "duplicate_output_name",
            )
        return value

    def _priority(self, line: int, value: str) -> str:
        priority = value.lower() or DEFAULT_PRIORITY
        if priority not in PRIORITIES:
            self.issues.error(
                line, "priority", f"unknown priority '{_show(value)}'; use high, medium or low", "invalid_priority"
            )
        return priority

    def _short_text(self, line: int, column: str, value: str) -> str:
        if len(value) > MAX_NAME_CHARS:
            self.issues.error(
                line, column, f"{column} is {len(value)} characters; at most {MAX_NAME_CHARS}", "too_long"
            )
        return value


# --------------------------------------------------------------------------------------------
# Small helpers


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


def _label(labels: tuple[str, ...], i: int) -> str:
    return labels[i] if i < len(labels) else f"#{i + 1}"


def _show(value: str, limit: int = 120) -> str:
    """``value`` for a message: cut short, control characters escaped (``\\n``)."""
    short = value if len(value) <= limit else value[: limit - 1] + "…"
    return "".join(ch if ch >= " " and ch != "\x7f" else repr(ch)[1:-1] for ch in short)


def _size(n: int) -> str:
    if n >= _MB:
        return f"{n / _MB:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"
