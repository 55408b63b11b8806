"""Paths for the render machine: :func:`map_path` (this machine's path to the render
machine's, Windows or POSIX style) and :func:`extendscript_file_path` (a path as ExtendScript's
``File`` must be given it).

Plain Python: no Django import.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike

PathMapping = tuple[str, str]  # (local_prefix, remote_prefix)


def _separator(prefix: str) -> str:
    """The separator of the path style ``prefix`` is written in: Windows or POSIX."""
    is_windows = "\\" in prefix or (len(prefix) >= 2 and prefix[1] == ":" and prefix[0].isalpha())
    return "\\" if is_windows else "/"


def _trim(prefix: str) -> str:
    """``prefix`` without trailing separators ("/" stays "", "C:\\" becomes "C:")."""
    return prefix.rstrip("/\\")


def _under(path: str, local: str) -> str | None:
    """The part of ``path`` below the prefix ``local`` (at a separator boundary), else None."""
    sep = _separator(local)
    base = _trim(local)
    if path == base or (base and path == base + sep):
        return ""
    if path.startswith(base + sep):
        return path[len(base) + 1 :]
    return None


def map_path(path: str | PathLike, mappings: Sequence[PathMapping]) -> str:
    """Map a path on this machine to the render machine's path.

    ``mappings`` is a list of ``(local_prefix, remote_prefix)`` pairs; the longest local prefix
    that contains ``path`` (at a separator boundary: ``/srv/in`` holds ``/srv/in/a.png`` but not
    ``/srv/input/a.png``) wins, and the rest of the path is re-joined with the remote prefix's
    separator (``Z:\\jobs`` gives backslashes, ``/Volumes/jobs`` slashes). A path no prefix
    contains is returned unchanged (same machine, or no mapping configured).
    """
    path = str(path)
    best: tuple[int, str, str, str] | None = None
    for local, remote in mappings:
        local = str(local)
        rest = _under(path, local)
        if rest is not None and (best is None or len(_trim(local)) > best[0]):
            best = (len(_trim(local)), rest, _separator(local), str(remote))
    if best is None:
        return path
    _, rest, local_sep, remote = best
    if not rest:
        return remote
    remote_sep = _separator(remote)
    parts = [part for part in rest.split(local_sep) if part]
    return _trim(remote) + remote_sep + remote_sep.join(parts)


def extendscript_file_path(path: str) -> str:
    """``path`` as ``new File(...)`` must be given it: ``%`` written ``%25``.

    ExtendScript treats a ``File`` path as a URI and decodes every ``%XX`` in it, so a file named
    ``100%25.aepx`` would be looked for as ``100%.aepx`` (and ``a%20b.png`` as ``a b.png``).
    Escaping the ``%`` itself is enough: the decoded path is then exactly ``path``. The generator
    applies this to every path it writes into the script's ``PLAN`` (template, output, log,
    images), never to any other string.
    """
    return path.replace("%", "%25")
