"""The entry point, :func:`parse_batch_csv`: decode, read the header, validate the rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .decoding import _decode, _read_header, _read_records
from .paths import _Roots
from .report import CsvLimits, CsvReport, _Issues
from .rows import _RowValidator


def parse_batch_csv(
    data: bytes,
    *,
    input_roots: Sequence[Path],
    limits: CsvLimits = CsvLimits(),  # noqa: B008  (a frozen dataclass: immutable)
    existing_job_ids: Callable[[set[str]], set[str]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CsvReport:
    """Validate a batch CSV (see :mod:`batches.csv_format` for the rules).

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
