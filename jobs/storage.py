"""Content-addressed file storage on Django's Storage API: a file's bytes are stored once.

``cas/ab/cdef….png`` holds the file whose sha256 is ``abcdef…``. :class:`ContentAddressedStorage`
(the ``default`` storage in ``STORAGES``) is a ``FileSystemStorage`` under ``MEDIA_ROOT`` whose
names are keys: saving under a name that exists writes nothing (the bytes are the same), and a
new file is written next to its place and renamed into it, so a reader never sees half a file
and two workers storing the same bytes at once both succeed. Files get the process umask's
permissions (``FILE_UPLOAD_PERMISSIONS = None``): 0644 under the usual 022, readable by a render
node that mounts the share as another user.

:func:`store_bytes` and :func:`store_file` are the one way to store a stage's output; both
return ``(name, sha256, size)``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from .formats.files import atomic_write, file_digest


class ContentAddressedStorage(FileSystemStorage):
    """A ``FileSystemStorage`` whose names are content keys: never renamed, never rewritten."""

    def get_available_name(self, name, max_length=None):
        # The name is the content's key: the same name holds the same bytes.
        return super().get_available_name(name, max_length) if not self.exists(name) else name

    def _save(self, name, content):
        full_path = Path(self.path(name))
        if full_path.exists():
            return name
        full_path.parent.mkdir(parents=True, exist_ok=True)

        atomic_write(full_path, lambda stream: _copy_chunks(content, stream))
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        return Path(os.path.relpath(full_path, self.location)).as_posix()


def _copy_chunks(content: File, stream) -> None:
    for chunk in content.chunks():
        stream.write(chunk)


def cas_name(sha256: str, suffix: str) -> str:
    return f"cas/{sha256[:2]}/{sha256[2:]}{suffix.lower()}"


def store_bytes(data: bytes, suffix: str) -> tuple[str, str, int]:
    """Store ``data``; return (its name under MEDIA_ROOT, sha256, size)."""
    sha = hashlib.sha256(data).hexdigest()
    return default_storage.save(cas_name(sha, suffix), ContentFile(data)), sha, len(data)


def store_file(path: str | os.PathLike) -> tuple[str, str, int]:
    """Store a copy of the file at ``path``; return (its name under MEDIA_ROOT, sha256, size)."""
    path = Path(path)
    sha = file_digest(path)
    with open(path, "rb") as stream:
        name = default_storage.save(cas_name(sha, path.suffix), File(stream))
    return name, sha, path.stat().st_size


def media_path(name: str) -> Path:
    """The file system path of a stored file (for readers that need one: Pillow, bundles)."""
    return Path(default_storage.path(name))
