"""Stage 0: read and validate a producer's batch CSV, without Django.

:func:`parse_batch_csv` takes the file's bytes and returns a :class:`CsvReport`: every error
and warning with its line and column, and the jobs, which are present only when there is no
error at all (the caller writes nothing unless ``report.ok``). It never raises for bad input.
It is plain Python, callable from a worker, a management command or a benchmark.

Rules (``docs/interchange.md``, "Batch CSV (Stage 0)", plus the decisions below):

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

Modules (each imports only the ones above it)
  - :mod:`.fields`: the column names and the rules on one value (job id, output name).
  - :mod:`.report`: :class:`CsvLimits`, :class:`CsvIssue`, :class:`JobRow`, :class:`CsvReport`
    and the issue collector.
  - :mod:`.decoding`: bytes to text to records, and the header (encoding, separator).
  - :mod:`.paths`: where a CSV path leads among the input roots.
  - :mod:`.inspection`: what a located file is (stat, sniff).
  - :mod:`.rows`: data records checked column by column into :class:`JobRow` objects.
  - :mod:`.parse`: :func:`parse_batch_csv`, and :func:`check_batch_csv_file` (size, encoding
    and header only: what an upload answers at once, before the rows are checked in the
    background).
"""

from .fields import (
    DEFAULT_PRIORITY,
    JOB_ID_RE,
    KNOWN_COLUMNS,
    MAX_NAME_CHARS,
    MAX_OUTPUT_NAME_BYTES,
    OPTIONAL_COLUMNS,
    OUTPUT_EXTENSIONS,
    PRIORITIES,
    REQUIRED_COLUMNS,
    output_name_problem,
)
from .parse import check_batch_csv_file, parse_batch_csv
from .paths import MAX_PATH_CHARS
from .report import CsvIssue, CsvLimits, CsvReport, JobRow
from .rows import PROGRESS_EVERY, check_file_path

__all__ = [
    "output_name_problem",
    "DEFAULT_PRIORITY",
    "JOB_ID_RE",
    "KNOWN_COLUMNS",
    "MAX_NAME_CHARS",
    "MAX_OUTPUT_NAME_BYTES",
    "MAX_PATH_CHARS",
    "OPTIONAL_COLUMNS",
    "OUTPUT_EXTENSIONS",
    "PRIORITIES",
    "PROGRESS_EVERY",
    "REQUIRED_COLUMNS",
    "CsvIssue",
    "CsvLimits",
    "CsvReport",
    "JobRow",
    "check_batch_csv_file",
    "check_file_path",
    "parse_batch_csv",
]
