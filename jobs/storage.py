"""Content-addressed file storage under MEDIA_ROOT: a file's bytes are stored once.

``cas/ab/cdef….png`` holds the file whose sha256 is ``abcdef…``; storing the same bytes again
returns the same name and writes nothing. Writes go to a temporary file renamed into place,
so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

CHUNK = 1024 * 1024


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def cas_name(sha256: str, suffix: str) -> str:
    return f"cas/{sha256[:2]}/{sha256[2:]}{suffix.lower()}"


def store_file(path: str | os.PathLike) -> tuple[str, str, int]:
    """Store a copy of ``path``; return (name relative to MEDIA_ROOT, sha256, size)."""
    path = Path(path)
    sha = sha256_file(path)
    name = cas_name(sha, path.suffix)
    store_bytes_at(name, path.read_bytes())
    return name, sha, path.stat().st_size


def store_bytes(data: bytes, suffix: str) -> tuple[str, str, int]:
    sha = hashlib.sha256(data).hexdigest()
    name = cas_name(sha, suffix)
    store_bytes_at(name, data)
    return name, sha, len(data)


def store_bytes_at(name: str, data: bytes) -> None:
    target = Path(settings.MEDIA_ROOT) / name
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def media_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name
