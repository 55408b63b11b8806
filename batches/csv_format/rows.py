"""Data records checked against the header, column by column, into :class:`JobRow` objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from jobs.formats.sniff import COLUMN_NOUNS, EXPECTED_KINDS, KIND_NAMES, extensions_for, kind_from_extension

from .decoding import _Header, _Record
from .fields import (
    DEFAULT_PRIORITY,
    JOB_ID_RE,
    MAX_NAME_CHARS,
    PRIORITIES,
    REQUIRED_COLUMNS,
    _job_id_problem,
    _output_name_problem,
    _show,
)
from .inspection import _Files
from .paths import _Roots
from .report import CsvLimits, JobRow, _Issues, _size

PROGRESS_EVERY = 500


class _PathCheck(NamedTuple):
    path: str = ""  # resolved, when usable
    kind: str = ""
    code: str = ""  # why not, when not
    message: str = ""


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
        return check_path(column, value, self.roots, self.files)

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


def check_path(column: str, value: str, roots: _Roots, files: _Files) -> _PathCheck:
    """Extension, location, file type and size, then content, for one distinct value of a path
    column (``psd_path`` or ``aepx_path``); the one check of a job's file path, at import and
    when a job is pointed at another file (:func:`check_file_path`)."""
    shown = f"'{_show(value)}'"
    declared = kind_from_extension(value)
    if declared not in EXPECTED_KINDS[column]:
        allowed = " or ".join(extensions_for(column))
        return _PathCheck(code="bad_extension", message=f"{shown} must end with {allowed}")
    located = roots.locate(value)
    if located.path is None:
        return _PathCheck(code=located.code, message=f"{shown}: {located.message}")
    inspected = files.inspect(located.path)
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


def check_file_path(column: str, value: str, *, input_roots, max_file_bytes: int) -> _PathCheck:
    """:func:`check_path` of one value against ``input_roots`` (``path`` resolved, or ``code``
    and ``message`` saying why it cannot be used)."""
    return check_path(column, value, _Roots(input_roots), _Files(max_file_bytes))


def _label(labels: tuple[str, ...], i: int) -> str:
    return labels[i] if i < len(labels) else f"#{i + 1}"
