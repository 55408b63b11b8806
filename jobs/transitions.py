"""The one owner of a job's stage and status.

Many jobs move at once through :func:`jobs_bulk_transition` (the bulk approvals and send-backs
of ``jobs/bulk_moves.py``): the same checks and bookkeeping, one UPDATE and one INSERT of audit
rows for all of them, :data:`jobs.signals.jobs_moved` sent once.

Jobs are born here too (:func:`jobs_create`, at Stage 0 ``pending`` with an "imported" audit
row each). Every move a job can make is an *action* in :data:`MOVES`: where it may start from, where it
goes, who may do it. :func:`job_transition` checks the move, applies it with a conditional
UPDATE (so of two concurrent approvals exactly one wins, on SQLite and PostgreSQL alike),
writes one audit row naming the acting user, and sends :data:`jobs.signals.stage_changed`
inside the same transaction; the receivers schedule background work with
``transaction.on_commit``. Nothing else writes ``Job.stage`` or ``Job.status``.

A move that sends a job back to redo a stage (``Move.redo``: the send-backs to an earlier
stage, the retries and the resubmits with corrected files) clears, in the same transaction, the
open warnings of that stage and every later one: they are resolved ("cleared: job sent back to
stage N", by the acting user) and kept for the record; the stage's work stores again what still
applies.

Archiving and unarchiving are moves too (``Move.archived``: from an active or an archived job):
they keep the stage and status, write the ``archived`` column and their audit row together;
``auto_archive`` is the system's archiving of long-completed jobs (the archive schedule).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from .bulk import insert_many
from .models import Job, JobLog, JobWarning, Stage, Status, priority_rank
from .signals import jobs_moved, stage_changed

State = tuple[int, str]


class TransitionError(Exception):
    """A move that is not allowed now. Nothing was changed."""

    code = "conflict"

    def __init__(self, message: str, *, job_id: str | None = None):
        self.message = message
        self.job_id = job_id
        super().__init__(message)


class TransitionNotAllowed(TransitionError):
    """The job is not in a state this action starts from (e.g. approved twice)."""


class PermissionRefused(TransitionError):
    """The acting user lacks the permission the action needs."""

    code = "forbidden"


class ReasonRequired(TransitionError):
    code = "invalid"


@dataclass(frozen=True)
class Move:
    sources: frozenset[State]
    target: Callable[[State], State]
    permission: str | None = None  # None: a system action (workers), no user needed
    needs_reason: bool = False
    label: str = ""
    # The job goes back to redo its target stage and those after it: their open warnings are
    # cleared (resolved, kept for the record); the stages' work stores what still applies.
    redo: bool = False
    # Only from a job archived (True) or active (False); None: either (jobs/archive.py).
    archived: bool | None = None


# The resolution of a warning a move with ``redo`` cleared (followed by the stage number).
CLEARED = "cleared: job sent back to stage "


def _to(stage: int, status: str) -> Callable[[State], State]:
    return lambda _current: (stage, status)


def _same_stage(status: str) -> Callable[[State], State]:
    return lambda current: (current[0], status)


def _retry_target(current: State) -> State:
    # Stage 2 has no automatic work of its own (matching runs with ingestion).
    stage = current[0]
    return (Stage.INGEST if stage <= Stage.REVIEW_MATCHING else stage, Status.QUEUED)


WORK_STAGES = (Stage.INGEST, Stage.APPROVE_PREVIEW, Stage.DEPLOY)
# Failed or held work, which a person retries or points at corrected files.
HELD_STATES = frozenset({(s, Status.FAILED) for s in WORK_STAGES}
                        | {(s, Status.NEEDS_ATTENTION) for s in Stage if s >= Stage.INGEST})
# Where no background work is waiting or running: a job may be archived from here.
IDLE_STATES = frozenset((s, status) for s in Stage for status in Status
                        if status not in (Status.QUEUED, Status.PROCESSING))
ALL_STATES = frozenset((s, status) for s in Stage for status in Status)

MOVES: dict[str, Move] = {
    # Stage 0 → 1: a staff member starts the batch.
    "start": Move(frozenset({(Stage.VALIDATE, Status.PENDING)}), _to(Stage.INGEST, Status.QUEUED),
                  "jobs.start_job", label="Start processing"),
    # Workers: claim queued work, finish it, fail it; the reaper re-queues expired leases.
    "claim": Move(frozenset((s, Status.QUEUED) for s in WORK_STAGES), _same_stage(Status.PROCESSING),
                  label="Claimed by a worker"),
    "requeue": Move(frozenset((s, Status.PROCESSING) for s in WORK_STAGES), _same_stage(Status.QUEUED),
                    label="Lease expired: queued again"),
    "fail": Move(frozenset((s, Status.PROCESSING) for s in WORK_STAGES), _same_stage(Status.FAILED),
                 label="Failed"),
    "ingested": Move(frozenset({(Stage.INGEST, Status.PROCESSING)}),
                     _to(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), label="Ingested and matched"),
    "preview_ready": Move(frozenset({(Stage.APPROVE_PREVIEW, Status.PROCESSING)}),
                          _same_stage(Status.AWAITING_APPROVAL), label="Script and preview ready"),
    "deployed": Move(frozenset({(Stage.DEPLOY, Status.PROCESSING)}), _same_stage(Status.COMPLETED),
                     label="Deployed"),
    "deploy_blocked": Move(frozenset({(Stage.DEPLOY, Status.PROCESSING)}), _same_stage(Status.NEEDS_ATTENTION),
                           label="Validation found problems"),
    # The render farm: nexrender reported that the job's render failed.
    "render_failed": Move(frozenset({(Stage.DEPLOY, Status.COMPLETED)}), _same_stage(Status.NEEDS_ATTENTION),
                          label="Render failed"),
    # Stage 2: reviewers.
    "update_matching": Move(frozenset({(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)}),
                            _same_stage(Status.AWAITING_REVIEW), "jobs.approve_matching", label="Matching changed"),
    "rerun_matching": Move(frozenset({(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)}),
                           _same_stage(Status.AWAITING_REVIEW), "jobs.approve_matching", label="Matching re-run"),
    "approve_matching": Move(frozenset({(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)}),
                             _to(Stage.APPROVE_PREVIEW, Status.QUEUED), "jobs.approve_matching",
                             label="Matching approved"),
    "send_back_matching": Move(frozenset({(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)}),
                               _same_stage(Status.NEEDS_ATTENTION), "jobs.approve_matching", needs_reason=True,
                               label="Sent back to the producer"),
    # Stage 3: preview approvers.
    "approve_preview": Move(frozenset({(Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL)}),
                            _to(Stage.DEPLOY, Status.QUEUED), "jobs.approve_preview", label="Preview approved"),
    "send_back_preview": Move(frozenset({(Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL)}),
                              _to(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), "jobs.approve_preview",
                              needs_reason=True, label="Sent back to matching", redo=True),
    # Stage 4: deployers.
    "sign_off": Move(frozenset({(Stage.DEPLOY, Status.NEEDS_ATTENTION)}), _same_stage(Status.QUEUED),
                     "jobs.sign_off_deploy", needs_reason=True, label="Warnings signed off"),
    "send_back_to_matching": Move(frozenset({(Stage.DEPLOY, Status.NEEDS_ATTENTION)}),
                                  _to(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), "jobs.sign_off_deploy",
                                  needs_reason=True, label="Sent back to stage 2", redo=True),
    "send_back_to_preview": Move(frozenset({(Stage.DEPLOY, Status.NEEDS_ATTENTION)}),
                                 _to(Stage.APPROVE_PREVIEW, Status.QUEUED), "jobs.sign_off_deploy",
                                 needs_reason=True, label="Sent back to stage 3", redo=True),
    # Any stage: retry failed or held work (Stage 2's from Stage 1: re-ingest).
    "retry": Move(HELD_STATES, _retry_target, "jobs.start_job", label="Retried", redo=True),
    # A producer points a held or failed job at corrected files (jobs/resubmit.py): ingest again.
    "resubmit": Move(HELD_STATES, _to(Stage.INGEST, Status.QUEUED), "jobs.start_job",
                     label="Resubmitted with corrected files", redo=True, archived=False),
    # Archiving keeps the stage and status (jobs/archive.py): out of the board, its job id free.
    "archive": Move(IDLE_STATES, lambda current: current, "jobs.archive_job", label="Archived", archived=False),
    "unarchive": Move(ALL_STATES, lambda current: current, "jobs.archive_job", label="Unarchived", archived=True),
    # The archive schedule (jobs/archive_schedule.py): deployed jobs left alone long enough, by the system.
    "auto_archive": Move(frozenset({(Stage.DEPLOY, Status.COMPLETED)}), lambda current: current,
                         label="Archived by the schedule", archived=False),
}

# Fields stamped when a move completes a stage (the stage it leaves).
_COMPLETION_FIELDS = {
    "ingested": ("stage1_completed_at", None),
    "approve_matching": ("stage2_completed_at", "stage2_completed_by"),
    "approve_preview": ("stage3_completed_at", "stage3_completed_by"),
    "deployed": ("stage4_completed_at", None),
}


def actor_name(user) -> str:
    return user.get_username() if user is not None else "system"


def allowed_actions(job: Job, user=None) -> list[str]:
    """The actions that may start from the job's current state (and that ``user`` may do)."""
    state = (job.stage, job.status)
    return [
        name
        for name, move in MOVES.items()
        if state in move.sources
        and move.archived in (None, job.archived)
        and move.permission is not None
        and (user is None or user.has_perm(move.permission))
    ]


@dataclass(frozen=True)
class Prepared:
    """What ``job_transition``'s ``prepare`` computed from the locked job."""

    fields: dict
    details: dict = field(default_factory=dict)
    message: str = ""


def _checked_move(action: str, user, reason: str) -> tuple[Move, str]:
    """The move ``action`` names and its stripped reason, once ``user`` may make it (else a
    :class:`TransitionError`, nothing changed): the checks a single and a bulk move share."""
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
    return move, reason


_CHECKED_FIELDS = ("job_id", "stage", "status", "attempts", "version", "archived")  # what a move checks


def job_transition(
    *,
    job: Job | int,
    action: str,
    user=None,
    reason: str = "",
    message: str = "",
    details: dict | None = None,
    fields: dict | None = None,
    within: Callable[[Job], None] | None = None,
    prepare: Callable[[Job], Prepared] | None = None,
) -> Job:
    """Apply ``action`` to ``job`` (an instance or a primary key) and return the fresh job.

    ``fields`` are extra Job columns written by the same UPDATE; ``prepare(job)`` computes
    more of them (and the audit row's details and message) from the job as it is inside the
    transaction (the row the move locked, read once), so a change built on the job's current
    data (its matches) cannot be lost to a concurrent move; ``within(job)`` runs inside the
    transaction after the move (to store a stage's results atomically with it). Every move
    checks and bumps the job's ``version``. Raises a :class:`TransitionError` and changes
    nothing when the move is not allowed now, the user lacks the permission, or a required
    reason is missing. The returned job carries the move's audit row as ``move_log``.
    """
    move, reason = _checked_move(action, user, reason)
    pk = job.pk if isinstance(job, Job) else job

    with transaction.atomic():
        locked = Job.objects.select_for_update().filter(pk=pk)
        if prepare is not None:  # the whole row, locked: prepare builds on it (one read, not two)
            row = locked.first()
            current = None if row is None else {name: getattr(row, name) for name in _CHECKED_FIELDS}
        else:
            current = locked.values(*_CHECKED_FIELDS).first()
        if current is None:
            raise TransitionNotAllowed(f"Job {pk} does not exist.")
        state = (current["stage"], current["status"])
        if move.archived is not None and current["archived"] != move.archived:
            raise TransitionNotAllowed(
                f"Job {current['job_id']} is {'already archived' if current['archived'] else 'not archived'}; "
                f"'{move.label}' is not possible now.",
                job_id=current["job_id"],
            )
        if state not in move.sources:
            raise TransitionNotAllowed(
                f"Job {current['job_id']} is at stage {state[0]} ({state[1]}); "
                f"'{move.label}' is not possible now.",
                job_id=current["job_id"],
            )
        target = move.target(state)
        now = timezone.now()
        extra = dict(fields or {})
        if prepare is not None:
            prepared = prepare(row)
            extra.update(prepared.fields)
            details = {**(details or {}), **prepared.details} or None
            message = prepared.message or message
        values = {"stage": target[0], "status": target[1], "updated_at": now,
                  "version": F("version") + 1, **extra}
        if target[0] != state[0]:
            values["stage_entered_at"] = now
        if action == "claim":
            values["attempts"] = F("attempts") + 1
            values["lease_expires_at"] = now + timedelta(seconds=settings.AEA_LEASE_SECONDS)
        elif target[1] != Status.PROCESSING:
            values["lease_expires_at"] = None
        if target[1] == Status.QUEUED and action not in ("requeue",):
            values["attempts"] = 0  # new work, fresh attempt budget
        if action == "retry":
            values["retries"] = F("retries") + 1
        if move.redo and target[0] < Stage.DEPLOY and "deploy" not in values:
            # The matching or the preview is redone: a sign-off of Stage 4's findings was given
            # for what is no longer there, so it does not carry over to what the job becomes.
            deploy = Job.objects.filter(pk=pk).values_list("deploy", flat=True).first() or {}
            if "signed_off" in deploy:
                values["deploy"] = {k: v for k, v in deploy.items() if k != "signed_off"}
        if action in _COMPLETION_FIELDS:
            at_field, by_field = _COMPLETION_FIELDS[action]
            values[at_field] = now
            if by_field:
                values[by_field] = user
        # The conditional UPDATE is the guard: a concurrent move (even one that keeps the stage
        # and status, like a saved matching) bumped the version, so it touches no row.
        guard = Job.objects.filter(pk=pk, stage=state[0], status=state[1], version=current["version"])
        if not guard.update(**values):
            raise TransitionNotAllowed(
                f"Job {current['job_id']} was changed by someone else; '{move.label}' was not applied.",
                job_id=current["job_id"],
            )
        fresh = Job.objects.select_related("batch").get(pk=pk)
        log_details = dict(details or {})
        if reason:
            log_details["reason"] = reason
        if move.redo:
            cleared = _clear_warnings(pk, from_stage=target[0], user=user, now=now)
            if cleared:
                log_details["warnings_cleared"] = cleared
        log = JobLog.objects.create(
            job=fresh,
            stage=state[0],
            action=action,
            user=user,
            actor=actor_name(user),
            from_stage=state[0],
            from_status=state[1],
            to_stage=target[0],
            to_status=target[1],
            message=message or (f"{move.label}: {reason}" if reason else move.label),
            details=log_details,
        )
        fresh.move_log = log
        if within is not None:
            within(fresh)
        stage_changed.send(
            sender=Job, job=fresh, action=action, user=user, from_state=state, to_state=target, log=log
        )
    return fresh


def _clear_warnings(pk: int, *, from_stage: int, user, now) -> int:
    """Resolve the job's open warnings of ``from_stage`` and later (the stages to be redone);
    return how many."""
    return JobWarning.objects.filter(job_id=pk, stage__gte=from_stage, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=user, resolution=f"{CLEARED}{from_stage}"
    )



# --- Many jobs at once (the bulk form of job_transition) ------------------------------------


@dataclass
class BulkResult:
    """What a bulk move did: the job ids moved, and per job id skipped, why."""

    done: list[str]
    refused: dict[str, str]


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
    fields: dict | None = None,
) -> BulkResult:
    """Apply ``action`` to each of ``jobs`` (instances, primary keys or a queryset) still in
    one of the move's source states; report the others skipped, with why.

    ``prepare(job)`` is called for each job that may move, on the job as it is inside the
    transaction (row locked): it returns the job's own extra fields and audit details, or raises
    a :class:`TransitionError` to skip that job (its message is the reason). ``within(jobs)``
    runs inside the transaction after the move, on the moved jobs fresh from the database.
    ``fields`` are extra Job columns, the same for every job, written by the move's UPDATE.
    Raises :class:`PermissionRefused` or :class:`ReasonRequired` (nothing moved) as
    :func:`job_transition` does.
    """
    move, reason = _checked_move(action, user, reason)
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
            moved.extend(_move_group(move, action, state, members, user=user, reason=reason, now=now, fields=fields,
                                     own_fields=own_fields, own_details=own_details, own_message=own_message))
        result.done = [job.job_id for job in moved]
        if moved and within is not None:
            within(moved)
    return result


def _move_group(move, action, state, members, *, user, reason, now, fields, own_fields, own_details, own_message):
    """Move ``members`` (all in ``state``, rows locked): one UPDATE, per-job fields, audit rows, signal."""
    target = move.target(state)
    pks = [job.pk for job in members]
    values = {**(fields or {}), "stage": target[0], "status": target[1], "updated_at": now,
              "version": F("version") + 1}
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


# Fields of a new job, as the batch CSV gives them.
NEW_JOB_FIELDS = (
    "line", "job_id", "psd_path", "aepx_path", "output_name", "client_name", "project_name", "priority", "notes",
)


def jobs_create(*, batch_id: int, rows: Sequence[dict], source: str, user=None) -> dict[str, int]:
    """Create a job for each of ``rows`` (dicts of :data:`NEW_JOB_FIELDS`) in batch
    ``batch_id``, at Stage 0 ``pending``, each with its "imported" audit row naming ``user``.

    One INSERT per table whatever the number of rows; the caller's transaction makes it all or
    nothing (the unique constraint on active job ids refuses the whole import when another
    took one of its ids meanwhile). Returns the new jobs' primary keys by job id.
    """
    now = timezone.now()
    state = {"stage": Stage.VALIDATE, "status": Status.PENDING}
    insert_many(
        Job,
        [{**{name: row[name] for name in NEW_JOB_FIELDS}, "batch_id": batch_id,
          "priority_rank": priority_rank(row["priority"])} for row in rows],
        constants={**state, "stage_entered_at": now, "created_at": now, "updated_at": now},
    )
    ids = dict(Job.objects.filter(batch_id=batch_id).values_list("job_id", "pk"))
    JobLog.objects.append_many(
        [
            {"job_id": ids[row["job_id"]], "message": f"Imported from {source}, line {row['line']}",
             "details": json.dumps({"batch": batch_id, "line": row["line"]})}
            for row in rows
        ],
        constants={"stage": Stage.VALIDATE, "action": "imported", "user_id": user.pk if user else None,
                   "actor": actor_name(user), "to_stage": state["stage"], "to_status": state["status"],
                   "created_at": now},
    )
    return ids
