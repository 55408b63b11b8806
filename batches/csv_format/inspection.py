"""What a located file is: stat'ed (type, size) and sniffed (content kind), once per file."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NamedTuple

from jobs.formats.sniff import describe_content, read_head, sniff_bytes

from .report import _size


class _Inspected(NamedTuple):
    kind: str | None
    description: str = ""
    code: str = ""
    message: str = ""


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
