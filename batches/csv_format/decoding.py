"""Bytes to text to records, and the header: encoding, line breaks, quoting and the separator."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from .fields import KNOWN_COLUMNS, REQUIRED_COLUMNS
from .report import CsvLimits, _Issues, _size

_QUOTED = re.compile(r'"([^"]*+(?:""[^"]*+)*+)"')
_UNQUOTED = re.compile(r"[^,\n]*")
_SEPARATORS = ((";", "semicolon"), ("\t", "tab"))
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"


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
