"""Learned mappings: what approved work taught the matcher, per template and placeholder.

A reviewer's choice of a PSD layer for a placeholder is learned when the job's preview is
approved (the person who saw the result accepted it), not on the Stage 2 click; a send-back
from Stage 3 or 4 withdraws what that job taught. Each :class:`~jobs.models.LearnedMapping`
(a name pattern and kind for a placeholder) holds its evidence, the approved jobs that chose
it; the matcher takes them as :class:`~jobs.formats.matching.LearnedPattern` values whose
confidence grows with the agreeing approvals and falls with the conflicting ones.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, Q

from .formats import matching
from .formats.descriptions import Match, PsdDocument
from .models import Job, LearnedEvidence, LearnedMapping

CHOSEN = "chosen by a reviewer"
LEARNED = "learned from "  # the reason of a match a learned pattern decided


def learned_patterns(*, template_sha256: str) -> list[matching.LearnedPattern]:
    """The active learned patterns of a template with their evidence, as the matcher takes them."""
    rows = list(
        LearnedMapping.objects.filter(template_sha256=template_sha256)
        .annotate(approvals=Count("evidence"))
        .values_list("composition", "placeholder", "psd_name_pattern", "psd_kind", "active", "approvals")
    )
    per_placeholder: dict[tuple[str, str], int] = defaultdict(int)  # a retired pattern's evidence is discarded
    for comp, placeholder, _pattern, _kind, active, approvals in rows:
        if active:
            per_placeholder[(comp, placeholder)] += approvals
    return [
        matching.LearnedPattern(composition=c, placeholder=p, pattern=n, kind=k, approvals=a,
                                conflicts=per_placeholder[(c, p)] - a)
        for c, p, n, k, active, a in rows
        if active and a > 0
    ]


def taught_mappings(job: Job):
    """What the job's approval teaches: the learned mapping of each placeholder whose PSD layer a
    reviewer chose (or whose learned match the job kept) and that its PSD still has."""
    psd = PsdDocument.from_dict(job.psd_description)
    for match in (Match.from_dict(m) for m in job.matches):
        if match.psd_layer_id is None or not (match.reason == CHOSEN or match.reason.startswith(LEARNED)):
            continue
        layer = psd.layer(match.psd_layer_id)
        if layer is not None:
            yield matching.learned_mapping_for(match, layer)


def learn_from_approved_job(*, job: Job, user) -> list[LearnedMapping]:
    """Record, for the job's template, each placeholder whose PSD layer a reviewer chose (or
    whose learned match the job kept), as evidence from this job: its preview was just approved,
    so a person saw the result and accepted it. Safe to repeat."""
    taught = []
    for learned in taught_mappings(job):
        mapping, _ = LearnedMapping.objects.get_or_create(
            template_sha256=job.template_sha256, composition=learned.composition,
            placeholder=learned.placeholder, psd_name_pattern=learned.pattern, psd_kind=learned.kind,
            defaults={"created_by": user, "source_job": job},
        )
        LearnedEvidence.objects.get_or_create(mapping=mapping, job=job, defaults={"approved_by": user})
        taught.append(mapping)
    return taught


def withdraw_job_evidence(*, job: Job) -> int:
    """Forget what ``job`` taught (it was sent back after its preview was approved)."""
    deleted, _ = LearnedEvidence.objects.filter(job=job).delete()
    return deleted


def count_applied(*, template_sha256: str, matches: list[Match]) -> None:
    """Count how often each learned mapping decided a match (shown in the admin)."""
    applied = [(m.composition, m.placeholder, matching.name_pattern(m.psd_layer or ""))
               for m in matches if m.reason.startswith(LEARNED) and m.psd_layer]
    if not applied:
        return
    wanted = Q()
    for composition, placeholder, pattern in applied:
        wanted |= Q(composition=composition, placeholder=placeholder, psd_name_pattern=pattern)
    LearnedMapping.objects.filter(wanted, template_sha256=template_sha256, active=True).update(
        times_applied=F("times_applied") + 1
    )
