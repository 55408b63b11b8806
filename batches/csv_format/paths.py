"""Where a CSV path leads among the input roots: ``..`` and symbolic-link escapes, missing paths."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from jobs.formats.files import resolved_roots, within

MAX_PATH_CHARS = 1024  # a resolved path (the database columns' width)


class _Located(NamedTuple):
    path: Path | None
    code: str = ""
    message: str = ""


class _Roots:
    """The input roots, and where a CSV path leads among them (each path resolved once)."""

    def __init__(self, roots: Sequence[Path]):
        self.given = [Path(root) for root in roots]
        self.resolved = resolved_roots(self.given)
        self._cache: dict[str, _Located] = {}

    def locate(self, value: str) -> _Located:
        """The resolved file ``value`` names, or why it cannot be used."""
        found = self._cache.get(value)
        if found is None:
            found = self._cache[value] = self._locate(value)
        return found

    def _locate(self, value: str) -> _Located:
        try:
            if os.path.isabs(value):
                return self._locate_absolute(Path(value))
            return self._locate_relative(value)
        except RuntimeError:
            return _Located(None, "unresolvable", "the path cannot be resolved: a symbolic link loop")
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            return _Located(None, "unresolvable", f"the path cannot be resolved: {reason}")

    def _locate_relative(self, value: str) -> _Located:
        normal = os.path.normpath(value)
        if normal == ".." or normal.startswith(".." + os.sep):
            return _Located(None, "path_escape", "'..' leads outside the input root")
        for root in self.given:
            candidate = Path(root, value)
            if os.path.lexists(candidate):
                return self._contained(candidate.resolve(), missing="the path is a broken symbolic link")
        # the roots' own paths are the server's business, not the uploader's
        where = "the input root" if len(self.given) == 1 else f"any of the {len(self.given)} input roots"
        hint = " (use / between folders)" if "\\" in value else ""
        return _Located(None, "missing", f"not found in {where}{hint}")

    def _locate_absolute(self, path: Path) -> _Located:
        resolved = path.resolve()
        if within(resolved, self.resolved):
            broken = os.path.lexists(path)
            return self._contained(resolved, missing="the path is a broken symbolic link" if broken else "not found")
        if self._lexically_inside(Path(os.path.normpath(path))):
            return _Located(None, "symlink_escape", "the path resolves outside the input roots (a symbolic link)")
        if ".." in path.parts and self._lexically_inside(Path(*path.parts[: path.parts.index("..")])):
            return _Located(None, "path_escape", "'..' leads outside the input root")
        return _Located(None, "outside_roots", "the absolute path is outside the input roots")

    def _contained(self, resolved: Path, *, missing: str) -> _Located:
        """``resolved`` if it lies inside a root and exists; ``missing`` says why it may not."""
        if not within(resolved, self.resolved):
            return _Located(None, "symlink_escape", "the path resolves outside the input roots (a symbolic link)")
        if not resolved.exists():
            return _Located(None, "missing", missing)
        if len(str(resolved)) > MAX_PATH_CHARS:
            return _Located(None, "path_too_long", f"the resolved path is longer than {MAX_PATH_CHARS} characters")
        return _Located(resolved)

    def _lexically_inside(self, path: Path) -> bool:
        """Whether the unresolved ``path`` is written inside a root, as given or resolved: the
        same containment test as for resolved paths, asked of the path's text (for the message)."""
        return within(path, (*self.given, *self.resolved))
