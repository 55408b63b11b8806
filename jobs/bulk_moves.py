"""Moves of many jobs at once that people make: bulk approval at either gate, bulk send-back
with one reason, each built on :func:`jobs.transitions.jobs_bulk_transition`.

That function (in the module that owns every change of a job's stage and status) is the bulk
form of :func:`jobs.transitions.job_transition`, with its guarantees and a handful of queries
whatever the number of jobs: one transaction locks the named jobs in primary-key order (two
concurrent bulk moves wait for each other instead of deadlocking), decides for each job,
*before* anything moves, whether it is done or skipped and why, moves the rest by one
conditional UPDATE per source state, writes their audit rows (naming the user) by one INSERT,
clears the warnings of redone stages, and sends :data:`jobs.signals.jobs_moved` once, so the
receivers queue the work, refresh the batches, record the notifications and webhooks as for a
single move. Of two concurrent bulk approvals each job is approved once.

Here: the rules of each gate (:func:`jobs_bulk_approve_matching` refuses unconfirmed
low-confidence matches, naming them), the warnings recomputed and the learned-mapping evidence
recorded or withdrawn for all the moved jobs in a few statements. The result
(:class:`jobs.transitions.BulkResult`) lists the jobs done and, per job skipped, why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from .learned_mappings import CHOSEN, LEARNED, taught_mappings
from .models import Job, JobWarning, LearnedEvidence, LearnedMapping, Stage
from .services import approval_open_items, is_low_confidence, job_matches
from .stages.checks import CHECK_CODES, job_ingest_warnings
from .transitions import (  # noqa: F401
    MAX_BULK_JOBS,
    BulkResult,
    Prepared,
    TransitionError,
    TransitionNotAllowed,
    jobs_bulk_transition,
)

# --- The bulk moves people make -------------------------------------------------------------


def low_confidence_refusal(job: Job) -> str | None:
    """Why a bulk approval of matching refuses ``job`` (unconfirmed low-confidence matches, named)."""
    low = [m for m in job_matches(job) if is_low_confidence(m)]
    if not low:
        return None
    names = ", ".join(m.placeholder for m in low[:3]) + ("…" if len(low) > 3 else "")
    return f"{len(low)} low-confidence match(es) to confirm: {names}"


def _recheck_matching_warnings_many(jobs: list[Job]) -> None:
    """Stage 1's findings again for each job's matching as just approved (see
    :func:`jobs.services.recheck_matching_warnings`), in two statements for all the jobs."""
    found = [JobWarning(job=job, stage=Stage.INGEST, **item) for job in jobs for item in job_ingest_warnings(job)]
    JobWarning.objects.filter(job__in=jobs, stage=Stage.INGEST, resolved_at__isnull=True,
                              code__in=list(CHECK_CODES)).delete()
    JobWarning.objects.bulk_create(found, batch_size=500)


def jobs_bulk_approve_matching(*, jobs: Iterable, user) -> BulkResult:
    """Approve the matching of each job with no low-confidence match left unconfirmed (those are
    refused with the placeholders named); the rest of the rule is :func:`job_approve_matching`'s
    with "approve anyway": every match is confirmed, empty placeholders are listed in the audit
    row. Jobs not awaiting matching review are reported skipped with their state."""
    def prepare(job: Job) -> Prepared:
        refusal = low_confidence_refusal(job)
        if refusal:
            raise TransitionNotAllowed(refusal, job_id=job.job_id)
        matches = job_matches(job)
        open_items = approval_open_items(matches)
        approved = [replace(m, confirmed=True) for m in matches]
        return Prepared(fields={"matches": [m.to_dict() for m in approved]},
                        details={"approved_anyway": open_items, "bulk": True} if open_items else {"bulk": True})

    return jobs_bulk_transition(jobs=jobs, action="approve_matching", user=user, prepare=prepare,
                                within=_recheck_matching_warnings_many)


def _teaches(job: Job) -> bool:
    return any(m.get("psd_layer_id") is not None
               and (m.get("reason") == CHOSEN or str(m.get("reason", "")).startswith(LEARNED))
               for m in job.matches or [])


def learn_from_approved_jobs(*, jobs: list[Job], user) -> int:
    """:func:`jobs.learned_mappings.learn_from_approved_job` for many jobs in four statements:
    the patterns their reviewers' choices teach are created where missing (the first job that
    taught one is its source), and each job is recorded as evidence of its patterns. Returns
    how many pieces of evidence were recorded (or were already there)."""
    sources: dict[tuple, Job] = {}
    evidence: set[tuple] = set()
    for job in jobs:
        for learned in taught_mappings(job):
            key = (job.template_sha256, learned.composition, learned.placeholder, learned.pattern, learned.kind)
            sources.setdefault(key, job)
            evidence.add((key, job.pk))
    if not evidence:
        return 0
    LearnedMapping.objects.bulk_create(
        [LearnedMapping(template_sha256=k[0], composition=k[1], placeholder=k[2], psd_name_pattern=k[3], psd_kind=k[4],
                        created_by=user, source_job=job) for k, job in sources.items()],
        ignore_conflicts=True, batch_size=500,
    )
    fields = ("template_sha256", "composition", "placeholder", "psd_name_pattern", "psd_kind")
    rows = LearnedMapping.objects.filter(template_sha256__in={k[0] for k in sources}).values_list("pk", *fields)
    mapping_of = {tuple(row[1:]): row[0] for row in rows}
    LearnedEvidence.objects.bulk_create(
        [LearnedEvidence(mapping_id=mapping_of[key], job_id=pk, approved_by=user) for key, pk in sorted(evidence)],
        ignore_conflicts=True, batch_size=500,
    )
    return len(evidence)


def jobs_bulk_approve_preview(*, jobs: Iterable, user) -> BulkResult:
    """Approve the preview of each job awaiting preview approval and queue Stage 4; each one's
    reviewers' choices become learned-mapping evidence, as :func:`job_approve_preview` does
    (:func:`learn_from_approved_jobs`)."""

    def within(moved: list[Job]) -> None:
        learn_from_approved_jobs(jobs=[job for job in moved if _teaches(job)], user=user)

    return jobs_bulk_transition(jobs=jobs, action="approve_preview", user=user,
                                prepare=lambda job: Prepared(fields={}, details={"bulk": True}), within=within)


BULK_SEND_BACK = {Stage.REVIEW_MATCHING: "send_back_matching", Stage.APPROVE_PREVIEW: "send_back_preview"}


def jobs_bulk_send_back(*, jobs: Iterable, user, reason: str, stage: int) -> BulkResult:
    """Send back, with one reason, each job waiting at the gate ``stage`` (2: to the producer;
    3: to matching, withdrawing what its approval taught the matcher)."""
    action = BULK_SEND_BACK.get(stage)
    if action is None:
        raise TransitionNotAllowed(f"Jobs can be sent back in bulk from stage 2 or 3, not {stage}.")

    def within(moved: list[Job]) -> None:
        if stage >= Stage.APPROVE_PREVIEW:
            LearnedEvidence.objects.filter(job__in=moved).delete()

    return jobs_bulk_transition(jobs=jobs, action=action, user=user, reason=reason,
                                prepare=lambda job: Prepared(fields={}, details={"bulk": True}), within=within)
