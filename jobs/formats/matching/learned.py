"""Learned patterns: a reviewer's earlier choice of a PSD layer for a placeholder, as the
matcher applies it to later PSDs of the same template (by the layer's name pattern and kind).

``LearnedPattern`` is the plain value; the Django model that stores them is
``jobs.models.LearnedMapping``.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobs.formats.descriptions import Match, PsdLayer

from .names import name_pattern


@dataclass(frozen=True)
class LearnedPattern:
    """A reviewer's earlier choice: in ``composition``, ``placeholder`` took a PSD layer whose
    name has ``pattern`` (see ``name_pattern``) and whose kind is ``kind``."""

    composition: str
    placeholder: str
    pattern: str
    kind: str

    def to_dict(self) -> dict:
        return {
            "composition": self.composition,
            "placeholder": self.placeholder,
            "pattern": self.pattern,
            "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, data: dict) -> LearnedPattern:
        return cls(
            composition=str(data["composition"]),
            placeholder=str(data["placeholder"]),
            pattern=str(data["pattern"]),
            kind=str(data["kind"]),
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
