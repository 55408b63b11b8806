"""Learned mappings: reviewers' corrections, remembered per template and placeholder."""

from __future__ import annotations

from django.db.models import F

from .formats import matching
from .formats.descriptions import Match, PsdDocument
from .models import Job, LearnedMapping


def learned_mappings(*, template_sha256: str) -> list[matching.LearnedMapping]:
    """The active learned mappings of a template, as the matcher takes them."""
    rows = LearnedMapping.objects.filter(template_sha256=template_sha256, active=True).values_list(
        "composition", "placeholder", "psd_name_pattern", "psd_kind"
    )
    return [
        matching.LearnedMapping(composition=c, placeholder=p, pattern=n, kind=k) for c, p, n, k in rows
    ]


def remember_corrections(*, job: Job, before: list[Match], after: list[Match], user) -> list[LearnedMapping]:
    """Remember each placeholder whose PSD layer the reviewer changed, for the job's template."""
    psd = PsdDocument.from_dict(job.psd_description)
    old = {(m.composition, m.layer_index): m.psd_layer_id for m in before}
    saved = []
    for match in after:
        if match.psd_layer_id is None or old.get((match.composition, match.layer_index)) == match.psd_layer_id:
            continue
        layer = psd.layer(match.psd_layer_id)
        if layer is None:
            continue
        learned = matching.learned_mapping_for(match, layer)
        row, _ = LearnedMapping.objects.update_or_create(
            template_sha256=job.template_sha256,
            composition=learned.composition,
            placeholder=learned.placeholder,
            defaults={
                "psd_name_pattern": learned.pattern,
                "psd_kind": learned.kind,
                "active": True,
                "created_by": user,
                "source_job": job,
            },
        )
        saved.append(row)
    return saved


def count_applied(*, template_sha256: str, matches: list[Match]) -> None:
    """Count how often each learned mapping decided a match (shown in the admin)."""
    applied = [(m.composition, m.placeholder) for m in matches if m.reason.startswith("learned")]
    for composition, placeholder in applied:
        LearnedMapping.objects.filter(
            template_sha256=template_sha256, composition=composition, placeholder=placeholder
        ).update(times_applied=F("times_applied") + 1)
