"""Applying the report's safe fixes: :func:`apply_fixes` picks those that still apply to a
template and :func:`relinked` returns the corrected description. Pure data: nothing is
written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ..descriptions import Footage, TemplateDocument
from .job import footage_key
from .model import AppliedFix, Fix, ValidationReport


def apply_fixes(report: ValidationReport, template: TemplateDocument) -> list[AppliedFix]:
    """The report's safe fixes that still apply to ``template``: the footage item exists with
    the recorded old path and the new file exists. Pure data: nothing is written; pass the
    result to :func:`relinked` for the corrected description."""
    applied: list[AppliedFix] = []
    for finding in report.findings:
        fix = finding.fix
        if fix is None or not fix.safe or fix.kind != "relink":
            continue
        footage = _footage_for(template, fix)
        if footage is None or not Path(fix.new_path).is_file():
            continue
        if any(a.before == footage for a in applied):
            continue
        applied.append(AppliedFix(fix, footage, replace(footage, path=fix.new_path, missing=False)))
    return applied


def _footage_for(template: TemplateDocument, fix: Fix) -> Footage | None:
    candidates = list(template.footage) + [
        layer.source for comp in template.compositions for layer in comp.layers if layer.source is not None
    ]
    for footage in candidates:
        same = footage.id == fix.footage_id if fix.footage_id is not None else footage.name == fix.footage_name
        if same and footage.path == fix.old_path:
            return footage
    return None


def relinked(template: TemplateDocument, applied: Sequence[AppliedFix]) -> TemplateDocument:
    """A copy of ``template`` with the applied fixes' footage items replaced, in the project's
    footage list and in every layer's source."""
    swap = {footage_key(a.before): a.after for a in applied}

    def new(footage: Footage | None) -> Footage | None:
        return swap.get(footage_key(footage), footage) if footage is not None else None

    compositions = tuple(
        replace(comp, layers=tuple(replace(layer, source=new(layer.source)) for layer in comp.layers))
        for comp in template.compositions
    )
    return replace(template, compositions=compositions, footage=tuple(new(f) for f in template.footage))
