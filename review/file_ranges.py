"""Byte ranges of stored files (RFC 9110 §14): what a browser's ``<video>`` asks for to seek.

One range is answered: ``bytes=a-b``, ``bytes=a-`` and ``bytes=-n`` give 206 Partial Content with
its ``Content-Range``; a range that starts past the end (or a zero-length suffix) gives 416 with
``Content-Range: bytes */size``. Several ranges, another unit or a malformed header are ignored:
the whole file is sent (200), as the RFC allows. ``If-Range`` is honoured by sending the whole
file: these answers carry no validator (ETag, Last-Modified) it could match.
"""

from __future__ import annotations

import re

from django.http import FileResponse, HttpResponse

_SPEC = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
UNSATISFIABLE = "unsatisfiable"


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """The one byte range ``header`` asks of a ``size``-byte file as (first, last), inclusive;
    ``UNSATISFIABLE``; or None: answer with the whole file (no header, several ranges, another
    unit, malformed)."""
    if not header:
        return None
    found = _SPEC.match(header)
    if found is None:  # several ranges (a comma), another unit, garbage
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # the last n bytes
        count = int(last)
        if count == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - count), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:  # invalid: ignored, like any malformed range
        return None
    if start >= size:
        return UNSATISFIABLE
    return start, min(end, size - 1)


class _Slice:
    """``length`` bytes of an open file from ``start``: a file-like object FileResponse streams
    (read and close only, so it neither measures it nor hands it to sendfile whole)."""

    def __init__(self, handle, start: int, length: int):
        handle.seek(start)
        self.handle, self.left = handle, length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        data = self.handle.read(self.left if size is None or size < 0 else min(size, self.left))
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()


def _size(handle) -> int:
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(0)
    return size


def ranged_file_response(request, handle, *, filename: str, content_type: str) -> HttpResponse:
    """The open file ``handle`` as the request's Range asks: 206 with the range, 416, or 200 whole.
    Every answer says ``Accept-Ranges: bytes``."""
    size = _size(handle)
    wanted = None if request.headers.get("If-Range") else parse_range(request.headers.get("Range"), size)
    if wanted == UNSATISFIABLE:
        handle.close()
        response = HttpResponse(status=416, content_type="text/plain; charset=utf-8")
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        response = FileResponse(handle, filename=filename, content_type=content_type)
    else:
        first, last = wanted
        response = FileResponse(_Slice(handle, first, last - first + 1), status=206, filename=filename,
                                content_type=content_type)
        response["Content-Length"] = str(last - first + 1)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response
