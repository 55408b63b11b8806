"""Reading back the JSON-lines log a generated script writes next to its output.

Plain Python: no Django import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class ScriptLog:
    """The log a generated script wrote: one JSON object per line, a summary line last."""

    entries: tuple[dict, ...]

    @property
    def failures(self) -> tuple[dict, ...]:
        """Steps that did not happen (missing composition or layer, wrong layer kind, ...)."""
        return tuple(e for e in self.entries if e.get("level") == "failure")

    @property
    def warnings(self) -> tuple[dict, ...]:
        """Steps done with a caveat (layer found by index, duplicate names, expressions)."""
        return tuple(e for e in self.entries if e.get("level") == "warning")

    @property
    def summary(self) -> dict | None:
        """The closing summary, or None when the script stopped before writing it."""
        last = self.entries[-1] if self.entries else None
        return last if last is not None and last.get("level") == "summary" else None


def parse_log(text: str) -> ScriptLog:
    """Read a script log; a line that is not a JSON object is kept as an ``unparsed`` entry."""
    entries = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        entries.append(entry if isinstance(entry, dict) else {"level": "unparsed", "message": line})
    return ScriptLog(tuple(entries))
