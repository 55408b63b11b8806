"""What people do to jobs: review matching, approve previews, sign off, send back, retry.

Each function takes keyword arguments, checks its input, and moves the job through
:func:`jobs.transitions.job_transition` (which checks the state and the user's permission and
writes the audit row). Views, admin actions, API endpoints and commands call these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .attention import sign_off_blockers, sign_off_refusal
from .formats.descriptions import Match, MatchResult, PsdDocument, TemplateDocument
from .learned_mappings import count_applied, learn_from_approved_job, withdraw_job_evidence
from .models import Job, JobAsset, JobWarning, Stage
from .stages.base import replace_open_warnings
from .stages.checks import CHECK_CODES, job_ingest_warnings
from .transitions import BulkResult, Prepared, TransitionError, TransitionNotAllowed, job_transition

FIT_MODES = ("fit", "fill", "stretch")
PlaceholderKey = tuple[str, int]  # (composition, layer index)


class InvalidInput(TransitionError):
    """The request names something that does not exist or cannot be chosen."""

    code = "invalid"


@dataclass(frozen=True)
class MatchChange:
    psd_layer_id: int | None
    fit: str | None = None
    confirm: bool = True


def job_matches(job: Job) -> list[Match]:
    return [Match.from_dict(m) for m in job.matches]


def is_low_confidence(match: Match) -> bool:
    return match.confidence < settings.AEA_MATCH_REVIEW_THRESHOLD and not match.confirmed


def exported_layers(job: Job) -> set[int]:
    """Ids of the PSD layers Stage 1 exported as images (the visible content layers)."""
    keys = JobAsset.objects.filter(job=job, stage=Stage.INGEST, kind="layer").values_list("key", flat=True)
    return {int(key) for key in keys}


def _apply_changes(job: Job, changes: Mapping[PlaceholderKey, MatchChange]) -> tuple[list[Match], list[dict]]:
    """The job's matches with ``changes`` applied, and a list describing what changed."""
    if not changes:
        return job_matches(job), []
    psd = PsdDocument.from_dict(job.psd_description)
    exported = exported_layers(job)
    matches = job_matches(job)
    by_key = {(m.composition, m.layer_index): i for i, m in enumerate(matches)}
    used_elsewhere = {}
    described = []
    for key, change in changes.items():
        if key not in by_key:
            raise InvalidInput(f"Job {job.job_id} has no placeholder at {key[0]} layer {key[1]}.")
        current = matches[by_key[key]]
        if change.fit is not None and change.fit not in FIT_MODES:
            raise InvalidInput(f"Unknown fit mode {change.fit!r}; use one of {', '.join(FIT_MODES)}.")
        layer = None
        if change.psd_layer_id is not None:
            layer = psd.layer(change.psd_layer_id)
            if layer is None:
                raise InvalidInput(f"The PSD of job {job.job_id} has no layer with id {change.psd_layer_id}.")
            if current.placeholder_type == "footage" and layer.id not in exported:
                raise InvalidInput(
                    f"PSD layer {layer.name!r} has no exported image (hidden layers are not exported); "
                    "show it in the PSD and retry Stage 1 to use it."
                )
            if (current.placeholder_type == "text") != (layer.kind == "type"):
                raise InvalidInput(f"PSD layer {layer.name!r} ({layer.kind}) cannot fill {current.placeholder_type} "
                                   f"placeholder {current.placeholder}.")
        updated = replace(current, fit=change.fit or current.fit, confirmed=current.confirmed or change.confirm)
        if change.psd_layer_id != current.psd_layer_id:
            updated = replace(
                updated,
                psd_layer_id=change.psd_layer_id,
                psd_layer=layer.name if layer else None,
                confidence=1.0,
                reason="chosen by a reviewer",
                confirmed=True,
            )
        if updated != current:
            matches[by_key[key]] = updated
            described.append(
                {
                    "composition": key[0],
                    "layer_index": key[1],
                    "placeholder": current.placeholder,
                    "from": current.psd_layer_id,
                    "to": updated.psd_layer_id,
                    "fit": updated.fit,
                    "confirmed": updated.confirmed,
                }
            )
    for m in matches:  # one PSD layer fills at most one placeholder per composition
        if m.psd_layer_id is None:
            continue
        other = used_elsewhere.setdefault((m.composition, m.psd_layer_id), m.placeholder)
        if other != m.placeholder:
            raise InvalidInput(
                f"PSD layer {m.psd_layer} would fill both {other} and {m.placeholder} in {m.composition}."
            )
    return matches, described


def recheck_matching_warnings(job: Job) -> None:
    """Stage 1's findings again for the job's matching as just stored (inside the move that
    stored it): a layer the matching now replaces is no longer reported on (its missing
    footage included), one it no longer replaces is."""
    replace_open_warnings(job, Stage.INGEST, job_ingest_warnings(job), codes=CHECK_CODES)


def job_update_matching(*, job: Job, user, changes: Mapping[PlaceholderKey, MatchChange]) -> Job:
    """Save a reviewer's changes to the matching (Stage 2), without approving.

    The changes are applied to the matches as they are inside the move's transaction (the
    job's row locked), so two reviewers saving at once, or a save and an approval, lose
    nothing: the later one builds on the earlier one's result.
    """
    _matches, described = _apply_changes(job, changes)  # refuse bad input before locking
    if not described:
        return job

    def prepare(fresh: Job) -> Prepared:
        matches, now_described = _apply_changes(fresh, changes)
        return Prepared(
            fields={"matches": [m.to_dict() for m in matches]},
            details={"changes": now_described},
            message=f"Changed {len(now_described)} match(es)",
        )

    return job_transition(job=job, action="update_matching", user=user, prepare=prepare,
                          within=recheck_matching_warnings)


class ApprovalNeedsConfirmation(TransitionError):
    """Approving would accept matches nobody looked at: the caller must say "approve anyway"."""

    code = "confirm"

    def __init__(self, message: str, *, open_items: list[str], job_id: str | None = None):
        super().__init__(message, job_id=job_id)
        self.open_items = open_items


def approval_open_items(matches: Iterable[Match]) -> list[str]:
    """What an approval of ``matches`` accepts unseen: low-confidence matches no reviewer
    confirmed, and placeholders left empty (each as a sentence naming it)."""
    items = []
    for m in matches:
        if m.psd_layer_id is None and not m.confirmed:
            items.append(f"{m.placeholder} ({m.composition}) stays empty")
        elif is_low_confidence(m):
            items.append(f"{m.placeholder} ({m.composition}) → {m.psd_layer} at confidence {m.confidence:.2f}")
    return items


def job_approve_matching(
    *, job: Job, user, changes: Mapping[PlaceholderKey, MatchChange] | None = None, approve_anyway: bool = False
) -> Job:
    """Approve the matching (with optional last changes) and queue Stage 3.

    The approval confirms every match it approves (an empty placeholder included: accepted as
    empty): a person looked at the matching and accepted it, so Stage 4 never asks again.
    Where low-confidence matches or empty placeholders remain, the approval must say
    ``approve_anyway`` (else :class:`ApprovalNeedsConfirmation` names them); the audit row
    lists them. What the reviewer chose is learned only once the preview is approved
    (:func:`job_approve_preview`).
    """
    _apply_changes(job, changes or {})  # refuse bad input before locking

    def prepare(fresh: Job) -> Prepared:
        # Inside the move's transaction, its row locked, after its permission and state checks:
        # the matches approved are the ones saved last (a concurrent save is not lost), and a
        # refusal here rolls the move back, so a user who may not approve hears that first.
        matches, described = _apply_changes(fresh, changes or {})
        open_items = approval_open_items(matches)
        if open_items and not approve_anyway:
            raise ApprovalNeedsConfirmation(
                f"Approving {job.job_id} would accept {len(open_items)} item(s) nobody confirmed: "
                + "; ".join(open_items) + ". Confirm them, or approve anyway.",
                open_items=open_items, job_id=job.job_id,
            )
        approved = [replace(m, confirmed=True) for m in matches]  # filled, or accepted as empty
        details = {"changes": described} if described else {}
        if open_items:
            details["approved_anyway"] = open_items
        return Prepared(fields={"matches": [m.to_dict() for m in approved]}, details=details)

    return job_transition(job=job, action="approve_matching", user=user, prepare=prepare,
                          within=recheck_matching_warnings)


def job_rerun_matching(*, job: Job, user) -> Job:
    """Run the matcher again on the stored descriptions (with the latest learned mappings)."""
    from .stages.ingest import run_matcher  # psd-tools, SciPy: loaded when first needed

    psd = PsdDocument.from_dict(job.psd_description)
    template = TemplateDocument.from_dict(job.template_description)
    result: MatchResult = run_matcher(psd, template, job.template_sha256, exported_layers(job))

    def within(fresh: Job) -> None:
        count_applied(template_sha256=job.template_sha256, matches=result.matches)
        recheck_matching_warnings(fresh)

    return job_transition(
        job=job,
        action="rerun_matching",
        user=user,
        fields={"matches": result.to_dict()["matches"]},
        within=within,
        message=f"Matching re-run: {sum(m.psd_layer_id is not None for m in result.matches)} of "
        f"{len(result.matches)} placeholders matched",
    )


SEND_BACK_ACTIONS = {
    (Stage.REVIEW_MATCHING, None): "send_back_matching",
    (Stage.APPROVE_PREVIEW, None): "send_back_preview",
    (Stage.DEPLOY, Stage.REVIEW_MATCHING): "send_back_to_matching",
    (Stage.DEPLOY, Stage.APPROVE_PREVIEW): "send_back_to_preview",
}


def job_send_back(*, job: Job, user, reason: str, to_stage: int | None = None) -> Job:
    """Send a job back with a required reason: from Stage 2 to the producer, from Stage 3 to
    matching, from Stage 4 to stage 2 or 3 (``to_stage``)."""
    stage = Job.objects.values_list("stage", flat=True).get(pk=job.pk)
    action = SEND_BACK_ACTIONS.get((stage, to_stage if stage == Stage.DEPLOY else None))
    if action is None:
        raise InvalidInput(
            f"Job {job.job_id} is at stage {stage}; it cannot be sent back"
            + (f" to stage {to_stage}." if to_stage is not None else ".")
        )
    # A job sent back after its preview: what its approval taught the matcher is withdrawn.
    withdraw = (lambda fresh: withdraw_job_evidence(job=fresh)) if stage >= Stage.APPROVE_PREVIEW else None
    return job_transition(job=job, action=action, user=user, reason=reason, within=withdraw)


def job_approve_preview(*, job: Job, user, notes: str = "") -> Job:
    """Approve the preview and queue Stage 4. The reviewers' choices in this job's matching
    become evidence for the template's learned mappings (the result was seen and accepted)."""
    return job_transition(
        job=job, action="approve_preview", user=user, details={"notes": notes} if notes else None,
        message=f"Preview approved: {notes}" if notes else "",
        within=lambda fresh: learn_from_approved_job(job=fresh, user=user),
    )


def job_sign_off(*, job: Job, user, reason: str) -> Job:
    """Accept Stage 4's warnings with a reason; the job is validated and deployed again. Refused
    (nothing changed) while the job has open errors: the sentence says what to do instead."""

    def resolve(fresh: Job) -> None:
        JobWarning.objects.filter(job=fresh, stage=Stage.DEPLOY, resolved_at__isnull=True).update(
            resolved_by=user, resolved_at=timezone.now(), resolution=reason
        )

    def refuse_errors(fresh: Job) -> Prepared:
        # A sign-off accepts warnings; errors block the deploy whoever accepts them (jobs/attention.py).
        blockers = sign_off_blockers(fresh)
        if blockers:
            raise TransitionNotAllowed(sign_off_refusal(fresh, blockers), job_id=fresh.job_id)
        return Prepared(fields={})

    deploy = dict(Job.objects.values_list("deploy", flat=True).get(pk=job.pk) or {})
    deploy["signed_off"] = {"by": user.get_username() if user else None, "reason": reason.strip()}
    return job_transition(job=job, action="sign_off", user=user, reason=reason, fields={"deploy": deploy},
                          within=resolve, prepare=refuse_errors)


def job_retry(*, job: Job, user) -> Job:
    return job_transition(job=job, action="retry", user=user)


@transaction.atomic
def jobs_retry(*, jobs: Iterable[Job], user) -> BulkResult:
    result = BulkResult(done=[], refused={})
    for job in jobs:
        try:
            job_retry(job=job, user=user)
            result.done.append(job.job_id)
        except TransitionError as exc:
            result.refused[job.job_id] = exc.message
    return result

