"""Learned patterns: a reviewer's earlier choice of a PSD layer for a placeholder, as the
matcher applies it to later PSDs of the same template (by the layer's name pattern and kind).

``LearnedPattern`` is the plain value; the Django model that stores them is
``jobs.models.LearnedMapping``.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobs.formats.descriptions import Match, PsdLayer

from .names import name_pattern


def learned_confidence(approvals: int, conflicts: int = 0) -> float:
    """How sure a learned pattern is: ``approvals`` approved jobs chose it, ``conflicts``
    approved jobs chose another layer for the same placeholder.

    One approval is not certainty: 1 - 0.5 ** approvals (0.5, 0.75, 0.875, ...), times the share
    of the evidence that agrees. One approved job alone stays below the usual review threshold
    (0.6), so a reviewer looks again; two agreeing ones pass it.
    """
    if approvals <= 0:
        return 0.0
    return round((1.0 - 0.5 ** approvals) * approvals / (approvals + max(0, conflicts)), 3)


@dataclass(frozen=True)
class LearnedPattern:
    """A reviewer's earlier choice: in ``composition``, ``placeholder`` took a PSD layer whose
    name has ``pattern`` (see ``name_pattern``) and whose kind is ``kind``; ``approvals`` jobs
    whose preview was approved chose it, ``conflicts`` chose another layer there."""

    composition: str
    placeholder: str
    pattern: str
    kind: str
    approvals: int = 1
    conflicts: int = 0

    @property
    def confidence(self) -> float:
        return learned_confidence(self.approvals, self.conflicts)

    @property
    def evidence(self) -> str:
        """The reason a learned match gives, naming its evidence."""
        jobs = f"{self.approvals} approved job{'s' if self.approvals != 1 else ''}"
        text = f"learned from {jobs}"
        if self.conflicts:
            text += f" ({self.conflicts} approved job{'s' if self.conflicts != 1 else ''} chose another layer)"
        return text

    def to_dict(self) -> dict:
        return {
            "composition": self.composition,
            "placeholder": self.placeholder,
            "pattern": self.pattern,
            "kind": self.kind,
            "approvals": self.approvals,
            "conflicts": self.conflicts,
        }

    @classmethod
    def from_dict(cls, data: dict) -> LearnedPattern:
        return cls(
            composition=str(data["composition"]),
            placeholder=str(data["placeholder"]),
            pattern=str(data["pattern"]),
            kind=str(data["kind"]),
            approvals=int(data.get("approvals", 1)),
            conflicts=int(data.get("conflicts", 0)),
        )

    def fits(self, composition: str, placeholder: str, layer: PsdLayer) -> bool:
        """Whether this mapping applies to ``layer`` for that composition's placeholder."""
        return (
            self.composition == composition
            and self.placeholder == placeholder
            and self.kind == layer.kind
            and self.pattern == name_pattern(layer.name)
        )


def learned_mapping_for(match_placeholder: Match, psd_layer: PsdLayer) -> LearnedPattern:
    """The mapping to remember when a reviewer gives ``psd_layer`` to a placeholder.

    ``match_placeholder`` is the placeholder's ``Match`` (its composition and placeholder name
    are used, whatever layer it held before).
    """
    return LearnedPattern(
        composition=match_placeholder.composition,
        placeholder=match_placeholder.placeholder,
        pattern=name_pattern(psd_layer.name),
        kind=psd_layer.kind,
    )
