"""Three things every reader and writer does with files, done one way.

- :func:`resolve_inside`: a path with its symbolic links and ``..`` resolved, when it stays
  inside one of the allowed roots (``Path.resolve`` then ``is_relative_to``; Django's
  ``safe_join`` lets symbolic links escape).
- :func:`atomic_write`: a file written next to its destination and renamed over it, so a
  reader never sees half a file; it gets the process umask's permissions (0644 under the usual
  022), unlike a ``mkstemp`` file (always 0600), so a render node reading a share as another
  user can open it. :func:`atomic_output` is the same for a writer that needs a path (FFmpeg's
  MP4 muxer reopens its file by name to move the index to the front).
- :func:`file_digest`: a file's sha256, read in chunks (``hashlib.file_digest``).

Plain Python, no Django.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

StrPath = str | os.PathLike


def resolved_roots(roots: Iterable[StrPath]) -> tuple[Path, ...]:
    """``roots`` with their own symbolic links resolved (resolve once, test many paths)."""
    return tuple(Path(root).resolve() for root in roots)


def within(resolved: Path, roots: Iterable[Path]) -> bool:
    """``resolved`` (an already resolved path) lies inside one of ``roots`` (already resolved)."""
    return any(resolved.is_relative_to(root) for root in roots)


def resolve_inside(path: StrPath, roots: Iterable[StrPath]) -> Path | None:
    """``path`` resolved, when that lies inside one of ``roots``; None when it escapes them.

    Whether the file exists is the caller's question: a missing file inside a root resolves
    like an existing one.
    """
    resolved = Path(path).resolve()
    return resolved if within(resolved, resolved_roots(roots)) else None


@contextmanager
def atomic_output(path: StrPath) -> Iterator[Path]:
    """A hidden temporary path next to ``path`` to write to; renamed over ``path`` when the block
    ends, removed (and ``path`` left as it was) when it raises."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_write(path: StrPath, content: bytes | Callable[[BinaryIO], object]) -> Path:
    """Write ``content`` (bytes, or a function writing to a binary stream) to ``path`` atomically.

    The bytes go to a uniquely named hidden file in the same folder, which is then renamed over
    ``path``; on any error the temporary file is removed and ``path`` is left as it was. The
    file gets the permissions ``open`` gives (0666 less the umask).
    """
    path = Path(path)
    with atomic_output(path) as temporary, open(temporary, "xb") as stream:
        if isinstance(content, (bytes, bytearray, memoryview)):
            stream.write(content)
        else:
            content(stream)
    return path


def file_digest(path: StrPath, algorithm: str = "sha256") -> str:
    """The hex digest of the file at ``path``."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, algorithm).hexdigest()
