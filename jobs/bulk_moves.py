"""Moves of many jobs at once: bulk approval at either gate, bulk send-back with one reason.

:func:`jobs_bulk_transition` is the bulk form of :func:`jobs.transitions.job_transition`, with
its guarantees and a handful of queries whatever the number of jobs (not one transaction per
job): in one transaction it locks the named jobs (``select_for_update``, in primary-key order,
so two concurrent bulk moves wait for each other instead of deadlocking; SQLite's IMMEDIATE
transactions serialise writers anyway), reads their state, and decides for each job, *before*
anything moves, whether it is done or skipped and why. The jobs still in the move's source state
are moved by one conditional UPDATE per source state (bumping ``version``; the rows are locked, so
none can change between the read and the UPDATE), their
audit rows (naming the user) written by one INSERT, the warnings of redone stages cleared, and
:data:`jobs.signals.jobs_moved` sent once, so the receivers queue the work, refresh the batches,
record the notifications and webhooks as they do for a single move. Of two concurrent bulk
approvals, the second finds the jobs the first approved no longer awaiting approval and reports
them skipped: each job is approved once.

The result (:class:`jobs.services.BulkResult`; ``jobs_bulk_approve_matching`` moved here from
:mod:`jobs.services`) lists the jobs done and, per job skipped, why.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from .formats import matching
from .formats.descriptions import Match, PsdDocument
from .learned_mappings import CHOSEN, LEARNED
from .models import Job, JobLog, JobWarning, LearnedEvidence, LearnedMapping, Stage, Status
from .services import BulkResult, approval_open_items, is_low_confidence, job_matches
from .signals import jobs_moved
from .stages.checks import CHECK_CODES, job_ingest_warnings
from .transitions import (
    _COMPLETION_FIELDS,
    CLEARED,
    MOVES,
    PermissionRefused,
    Prepared,
    ReasonRequired,
    TransitionError,
    TransitionNotAllowed,
    actor_name,
)

# How many jobs one bulk request may move (a page of the contact sheet is far fewer).
MAX_BULK_JOBS = 2000


def _bulk_result() -> BulkResult:
    return BulkResult(done=[], refused={})


def _pks(jobs: Iterable) -> list[int]:
    pks = []
    for job in jobs:
        pks.append(job.pk if isinstance(job, Job) else int(job))
    return list(dict.fromkeys(pks))


def _state_label(stage: int, status: str) -> str:
    return f"at stage {stage} ({Status(status).label.lower() if status in Status.values else status})"


def jobs_bulk_transition(
    *,
    jobs: Iterable,
    action: str,
    user,
    reason: str = "",
    prepare: Callable[[Job], Prepared] | None = None,
    within: Callable[[list[Job]], None] | None = None,
) -> BulkResult:
    """Apply ``action`` to each of ``jobs`` (instances, primary keys or a queryset) still in
    one of the move's source states; report the others skipped, with why.

    ``prepare(job)`` is called for each job that may move, on the job as it is inside the
    transaction (row locked): it returns the job's own extra fields and audit details, or raises
    a :class:`TransitionError` to skip that job (its message is the reason). ``within(jobs)``
    runs inside the transaction after the move, on the moved jobs fresh from the database.
    Raises :class:`PermissionRefused` or :class:`ReasonRequired` (nothing moved) as
    :func:`job_transition` does.
    """
    try:
        move = MOVES[action]
    except KeyError:
        raise TransitionNotAllowed(f"Unknown action {action!r}.") from None
    reason = (reason or "").strip()
    if move.permission is not None:
        if user is None or not user.is_active or not user.has_perm(move.permission):
            raise PermissionRefused(
                f"{actor_name(user)} lacks the permission {move.permission!r} needed to {move.label.lower()}."
            )
    if move.needs_reason and not reason:
        raise ReasonRequired(f"{move.label} needs a reason.")
    pks = _pks(jobs)
    if len(pks) > MAX_BULK_JOBS:
        raise TransitionNotAllowed(f"At most {MAX_BULK_JOBS} jobs can be moved at once; {len(pks)} were chosen.")
    result = _bulk_result()
    if not pks:
        return result

    with transaction.atomic():
        locked = list(
            Job.objects.select_for_update(of=("self",)).select_related("batch").filter(pk__in=pks).order_by("pk")
        )
        by_pk = {job.pk: job for job in locked}
        groups: dict[tuple, list[Job]] = defaultdict(list)
        own_fields: dict[int, dict] = {}
        own_details: dict[int, dict] = {}
        own_message: dict[int, str] = {}
        for pk in pks:  # the caller's order: the report follows it
            job = by_pk.get(pk)
            if job is None:
                result.refused[str(pk)] = "no such job"
                continue
            if job.archived:
                result.refused[job.job_id] = "archived"
                continue
            state = (job.stage, job.status)
            if state not in move.sources:
                result.refused[job.job_id] = f"{_state_label(*state)}: '{move.label}' is not possible now"
                continue
            if prepare is not None:
                try:
                    prepared = prepare(job)
                except TransitionError as exc:
                    result.refused[job.job_id] = exc.message
                    continue
                own_fields[pk] = dict(prepared.fields)
                own_details[pk] = dict(prepared.details)
                own_message[pk] = prepared.message
            groups[state].append(job)

        now = timezone.now()
        moved: list[Job] = []
        for state, members in groups.items():
            moved.extend(_move_group(move, action, state, members, user=user, reason=reason, now=now,
                                     own_fields=own_fields, own_details=own_details, own_message=own_message))
        result.done = [job.job_id for job in moved]
        if moved and within is not None:
            within(moved)
    return result


def _move_group(move, action, state, members, *, user, reason, now, own_fields, own_details, own_message):
    """Move ``members`` (all in ``state``, rows locked): one UPDATE, per-job fields, audit rows, signal."""
    target = move.target(state)
    pks = [job.pk for job in members]
    values = {"stage": target[0], "status": target[1], "updated_at": now, "version": F("version") + 1}
    if target[0] != state[0]:
        values["stage_entered_at"] = now
    if target[1] != Status.PROCESSING:
        values["lease_expires_at"] = None
    if target[1] == Status.QUEUED and action != "requeue":
        values["attempts"] = 0
    if action == "retry":
        values["retries"] = F("retries") + 1
    if action in _COMPLETION_FIELDS:
        at_field, by_field = _COMPLETION_FIELDS[action]
        values[at_field] = now
        if by_field:
            values[by_field] = user
    for job in members:
        fields = own_fields.setdefault(job.pk, {})
        if move.redo and target[0] < Stage.DEPLOY and "signed_off" in (job.deploy or {}):
            fields.setdefault("deploy", {k: v for k, v in job.deploy.items() if k != "signed_off"})
    # The rows are locked and were read in this transaction, so the guard matches all of them;
    # should it not (a writer that ignored the locks), nothing is applied rather than a guess.
    guard = Job.objects.filter(pk__in=pks, stage=state[0], status=state[1], archived=False)
    if guard.update(**values) != len(pks):
        raise TransitionNotAllowed(f"Jobs were changed by someone else meanwhile; '{move.label}' was not applied.")
    extra = defaultdict(list)
    for job in members:
        for name, value in own_fields.get(job.pk, {}).items():
            setattr(job, name, value)
            extra[name].append(job)
    for name, changed in extra.items():
        Job.objects.bulk_update(changed, [name], batch_size=250)

    cleared = {}
    if move.redo:
        open_warnings = JobWarning.objects.filter(job_id__in=pks, stage__gte=target[0], resolved_at__isnull=True)
        cleared = dict(open_warnings.values_list("job_id").annotate(n=Count("id")).values_list("job_id", "n"))
        if cleared:
            open_warnings.update(resolved_at=now, resolved_by=user, resolution=f"{CLEARED}{target[0]}")
    rows = []
    for job in members:
        details = dict(own_details.get(job.pk, {}))
        if reason:
            details["reason"] = reason
        if cleared.get(job.pk):
            details["warnings_cleared"] = cleared[job.pk]
        message = own_message.get(job.pk) or (f"{move.label}: {reason}" if reason else move.label)
        rows.append({"job_id": job.pk, "message": message, "details": json.dumps(details)})
    JobLog.objects.append_many(rows, constants={
        "stage": state[0], "action": action, "user_id": user.pk if user else None, "actor": actor_name(user),
        "from_stage": state[0], "from_status": state[1], "to_stage": target[0], "to_status": target[1],
        "created_at": now,
    })
    logs = {log.job_id: log for log in JobLog.objects.filter(job_id__in=pks, action=action, created_at=now)}
    fresh = list(Job.objects.select_related("batch").filter(pk__in=pks).order_by("priority_rank", "created_at", "pk"))
    order = {pk: i for i, pk in enumerate(pks)}
    fresh.sort(key=lambda job: order[job.pk])
    jobs_moved.send(sender=Job, jobs=fresh, action=action, user=user, from_state=state, to_state=target, logs=logs)
    return fresh


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
        psd = PsdDocument.from_dict(job.psd_description)
        for match in (Match.from_dict(m) for m in job.matches):
            if match.psd_layer_id is None or not (match.reason == CHOSEN or match.reason.startswith(LEARNED)):
                continue
            layer = psd.layer(match.psd_layer_id)
            if layer is None:
                continue
            learned = matching.learned_mapping_for(match, layer)
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
