"""What a validation returns (:class:`CsvReport` and its parts) and how issues are collected."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .fields import DEFAULT_PRIORITY

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


def _size(n: int) -> str:
    if n >= _MB:
        return f"{n / _MB:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"
