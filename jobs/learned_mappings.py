"""Learned mappings: the placeholders whose PSD layer a reviewer chose, remembered per template.

A :class:`~jobs.models.LearnedMapping` row says "on this template, this placeholder takes a
layer named like that"; the matcher takes them as
:class:`~jobs.formats.matching.LearnedPattern` values.
"""

from __future__ import annotations

from django.db.models import F

from .formats import matching
from .formats.descriptions import Match, PsdDocument
from .models import Job, LearnedMapping


def learned_patterns(*, template_sha256: str) -> list[matching.LearnedPattern]:
    """The active learned mappings of a template, as the matcher takes them."""
    rows = LearnedMapping.objects.filter(template_sha256=template_sha256, active=True).values_list(
        "composition", "placeholder", "psd_name_pattern", "psd_kind"
    )
    return [matching.LearnedPattern(composition=c, placeholder=p, pattern=n, kind=k) for c, p, n, k in rows]


def remember_choices(*, job: Job, chosen: list[Match], user) -> list[LearnedMapping]:
    """Remember, for the job's template, the PSD layer a reviewer chose for each of ``chosen``."""
    psd = PsdDocument.from_dict(job.psd_description)
    saved = []
    for match in chosen:
        if match.psd_layer_id is None:
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
