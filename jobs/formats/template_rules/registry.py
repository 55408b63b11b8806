"""The rule registry and :func:`validate`, which runs every rule on one job.

:data:`RULES` lists the rules of every family in the order :func:`validate` runs them; that
order is also the tie-break of the report's sort (after severity), so a new rule goes where
its findings should appear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .compositions import (
    all_caps_text,
    duplicate_target_names,
    layer_named_like_comp,
    low_confidence_unconfirmed,
    match_target_missing,
    placeholder_unfilled,
    render_comp_missing,
    renderer_not_classic,
)
from .fit import aspect_mismatch, text_overflow, upscale
from .fonts import font_missing
from .footage import footage_missing, layered_footage_left
from .job import Job
from .model import SEVERITIES, Finding, RuleSkipped, SkippedRule, ValidationContext, ValidationReport
from .replacements import file_limits, footage_no_extension, replacement_missing, unsafe_name


@dataclass(frozen=True)
class Rule:
    """A named check; ``check`` yields findings for one job."""

    id: str
    check: Callable[[Job], Iterable[Finding]]

    @property
    def description(self) -> str:
        return (self.check.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")


# Every rule, in the order validate() runs them.
RULES: list[Rule] = [
    # Files and fonts
    Rule("footage-missing", footage_missing),
    Rule("font-missing", font_missing),
    Rule("layered-footage-left", layered_footage_left),
    # Compositions, layers and matches
    Rule("render-comp-missing", render_comp_missing),
    Rule("match-target-missing", match_target_missing),
    Rule("layer-named-like-comp", layer_named_like_comp),
    Rule("duplicate-target-names", duplicate_target_names),
    Rule("placeholder-unfilled", placeholder_unfilled),
    Rule("low-confidence-unconfirmed", low_confidence_unconfirmed),
    Rule("all-caps-text", all_caps_text),
    Rule("renderer-not-classic", renderer_not_classic),
    # Names and replacement files
    Rule("unsafe-name", unsafe_name),
    Rule("footage-no-extension", footage_no_extension),
    Rule("replacement-missing", replacement_missing),
    Rule("file-limits", file_limits),
    # How the content fits
    Rule("text-overflow", text_overflow),
    Rule("upscale", upscale),
    Rule("aspect-mismatch", aspect_mismatch),
]

_RULE_ORDER = {rule.id: i for i, rule in enumerate(RULES)}


def validate(ctx: ValidationContext) -> ValidationReport:
    """Run every rule in :data:`RULES` on one job; findings come most severe first, then in
    rule order, composition and layer index."""
    job = Job(ctx)
    findings: list[Finding] = []
    skipped: list[SkippedRule] = []
    for rule in RULES:
        try:
            findings.extend(rule.check(job))
        except RuleSkipped as reason:
            skipped.append(SkippedRule(rule.id, str(reason)))
    findings.sort(
        key=lambda f: (
            SEVERITIES.index(f.severity),
            _RULE_ORDER[f.rule],
            f.composition or "",
            f.layer_index if f.layer_index is not None else -1,
        )
    )
    return ValidationReport(tuple(findings), tuple(skipped))
