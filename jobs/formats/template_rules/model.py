"""The template rules' data: findings, fixes, the validation context and report.

A rule reads a :class:`ValidationContext` (through :class:`~.job.Job`) and yields
:class:`Finding` objects; a finding may carry a :class:`Fix`. :func:`~.registry.validate` gathers
them into a :class:`ValidationReport`, with the rules that lacked their input as
:class:`SkippedRule` (a rule raises :class:`RuleSkipped` to say so).

Severities: ``error`` blocks the deploy; ``warning`` needs a sign-off with a reason; ``info``
is shown and needs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..descriptions import Footage, Match, PsdDocument, TemplateDocument
from ..limits import DEFAULT_LIMITS, Limits

SEVERITIES = ("error", "warning", "info")
DEFAULT_REVIEW_THRESHOLD = 0.6  # the settings' AEA_MATCH_REVIEW_THRESHOLD default
DEFAULT_SCAN_LIMIT = 20_000  # files looked at per validation when searching for relinks

Key = tuple[str, int]  # (composition name, layer index)


@dataclass(frozen=True)
class Fix:
    """An automatic correction. ``kind`` is ``relink``: point footage item ``footage_id`` /
    ``footage_name`` from ``old_path`` to ``new_path``. ``safe`` fixes may be applied without
    a person (:func:`apply_fixes`)."""

    kind: str
    footage_id: int | None
    footage_name: str
    old_path: str | None
    new_path: str
    safe: bool = True

    @property
    def description(self) -> str:
        return f"Relink footage {self.footage_name!r} from {self.old_path!r} to {self.new_path!r}."

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "footage_id": self.footage_id,
            "footage_name": self.footage_name,
            "old_path": self.old_path,
            "new_path": self.new_path,
            "safe": self.safe,
            "description": self.description,
        }


@dataclass(frozen=True)
class Finding:
    """One problem: ``message`` is one sentence naming the composition, layer, file or font."""

    rule: str
    severity: str
    message: str
    composition: str | None = None
    layer_index: int | None = None
    layer: str | None = None
    details: dict = field(default_factory=dict)
    fix: Fix | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "composition": self.composition,
            "layer_index": self.layer_index,
            "layer": self.layer,
            "details": self.details,
            "fix": self.fix.to_dict() if self.fix is not None else None,
        }


@dataclass(frozen=True)
class SkippedRule:
    """A rule that did not run, and why."""

    rule: str
    reason: str

    def to_dict(self) -> dict:
        return {"rule": self.rule, "reason": self.reason}


@dataclass(frozen=True)
class ValidationContext:
    """Everything the rules look at.

    ``render_compositions`` defaults (None) to the compositions that hold matched placeholders
    or replacement files, in match order. ``replacement_files`` maps ``(composition,
    layer_index)`` to the file that will replace that footage layer's source; a relative path
    is looked up in each input root in turn. ``render_fonts`` holds the PostScript names
    installed on the render machines (None: not checked). ``preview_metrics`` is
    :attr:`jobs.formats.preview.PreviewResult.metrics` (may be empty).
    """

    template: TemplateDocument
    psd: PsdDocument
    matches: Sequence[Match] = ()
    preview_metrics: Mapping = field(default_factory=dict)
    # Footage the populate script relinks (recorded path -> where the bundle holds the file):
    # the render plan's collected files found by name elsewhere than recorded.
    relinked_footage: Mapping[str, str] = field(default_factory=dict)
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD
    render_fonts: frozenset[str] | None = None
    input_roots: Sequence[Path] = ()
    render_compositions: Sequence[str] | None = None
    replacement_files: Mapping[Key, str] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS
    output_name: str | None = None
    scan_limit: int = DEFAULT_SCAN_LIMIT


@dataclass(frozen=True)
class ValidationReport:
    """The findings, most severe first, and the rules that were skipped."""

    findings: tuple[Finding, ...]
    skipped: tuple[SkippedRule, ...] = ()

    def _of(self, severity: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return self._of("error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return self._of("warning")

    @property
    def infos(self) -> tuple[Finding, ...]:
        return self._of("info")

    @property
    def ok(self) -> bool:
        """No errors: the job may deploy (warnings still need a sign-off)."""
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "counts": {s: len(self._of(s)) for s in SEVERITIES},
            "findings": [f.to_dict() for f in self.findings],
            "skipped": [s.to_dict() for s in self.skipped],
        }


@dataclass(frozen=True)
class AppliedFix:
    """A fix :func:`apply_fixes` accepted, with the footage item before and after it."""

    fix: Fix
    before: Footage
    after: Footage

    def to_dict(self) -> dict:
        return {"fix": self.fix.to_dict(), "before": self.before.to_dict(), "after": self.after.to_dict()}


class RuleSkipped(Exception):
    """Raised by a rule whose input is absent; the message is the reason."""

