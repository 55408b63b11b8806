"""The entry points: :func:`parse_batch_csv` (decode, read the header, validate the rows) and
:func:`check_batch_csv_file` (the file as a whole only: quick enough to answer an upload with)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .decoding import _decode, _read_header, _read_records, _split_records, _UnclosedQuote
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


def check_batch_csv_file(data: bytes, *, limits: CsvLimits = CsvLimits()) -> CsvReport:  # noqa: B008
    """Only what makes the whole file unreadable as a batch: its size, its encoding and its
    header (separator, missing or repeated columns). Milliseconds for a file of 50,000 rows:
    nothing past the header is read. The report has no rows and no warnings; when it is ``ok``
    the file still needs :func:`parse_batch_csv`, which checks all of it again."""
    issues = _Issues(limits.max_issues)
    text = _decode(data, limits, issues)
    if text is None:
        return issues.report([], 0)
    try:
        header = next((record for record in _split_records(text)
                       if not (len(record.fields) == 1 and not record.fields[0].strip())), None)
    except _UnclosedQuote as exc:
        issues.error(exc.line, None, "a quoted field is never closed: the rest of the file is inside it",
                     "unclosed_quote")
        return issues.report([], 0)
    if header is not None:
        _read_header(header, issues)
    return CsvReport(errors=issues.report([], 0).errors)
