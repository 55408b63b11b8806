"""What a person can do to a job from a page, in one table: the admin review page and the
dashboard's job page both post ``action=<name>`` here.

Each entry parses the posted form, calls its service (which checks the state and the user's
permission and writes the audit row) and returns the sentence to show. A refused move raises
:class:`~jobs.transitions.TransitionError` (bad form data: :class:`~jobs.services.InvalidInput`,
naming the field and the value), which the page shows as an error message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import QueryDict

from batches.services import batch_start
from jobs.models import Job
from jobs.services import (
    SEND_BACK_ACTIONS,
    InvalidInput,
    MatchChange,
    job_approve_matching,
    job_approve_preview,
    job_matches,
    job_rerun_matching,
    job_retry,
    job_send_back,
    job_sign_off,
    job_update_matching,
)

from . import held_actions

# The longest reason or note a form may give (as the API's SendBackIn, SignOffIn and ApprovePreviewIn).
MAX_TEXT = 10_000
# The stages a job at Stage 4 can be sent back to, as the form's ``to_stage`` names them.
SEND_BACK_STAGES = {str(to_stage): to_stage for _stage, to_stage in SEND_BACK_ACTIONS if to_stage is not None}
NUL = "\x00"
LAYER_ID = re.compile(r"-?[0-9]{1,18}")  # ASCII digits only (str.isdigit() also takes "٢" and "²")


def _shown(raw: str, limit: int = 40) -> str:
    """A posted value, quoted and cut short, to name it in a message."""
    return repr(raw if len(raw) <= limit else raw[:limit] + "…")


def _refuse_bad_fields(post: QueryDict) -> None:
    """Refuse a NUL character in any field (PostgreSQL text cannot hold one; the request guard
    refuses it in urlencoded forms, this in multipart ones too) and over-long text."""
    for name, values in post.lists():
        if NUL in name or any(NUL in value for value in values):
            shown = name.replace(NUL, "")
            raise InvalidInput(f"The form field {shown!r} holds a NUL character (%00), which is never valid: "
                               "remove it.")
    for name in ("reason", "notes"):
        if len(post.get(name, "")) > MAX_TEXT:
            raise InvalidInput(f"The {name} is longer than {MAX_TEXT:,} characters: shorten it.")


def _layer_id(match, raw: str) -> int | None:
    """The PSD layer id chosen for ``match`` (None: the "none" option, the placeholder left empty)."""
    raw = raw.strip()
    if raw == "":
        return None
    if not LAYER_ID.fullmatch(raw):
        raise InvalidInput(f"The PSD layer chosen for {match.composition} placeholder {match.placeholder} must be "
                           f"a layer id (a whole number) or none, not {_shown(raw)}.")
    return int(raw)


def changes_from_post(job: Job, post: QueryDict) -> dict:
    """The matching editor's changes (``m<i>_layer``, ``m<i>_fit``, ``m<i>_confirm`` per row);
    none when the form has no editor (the dashboard's approve button). A layer that is not a
    number is refused (InvalidInput), never read as "none"."""
    changes = {}
    for i, match in enumerate(job_matches(job)):
        raw = post.get(f"m{i}_layer")
        if raw is None:
            continue
        layer_id = _layer_id(match, raw)
        fit = post.get(f"m{i}_fit") or None
        confirm = post.get(f"m{i}_confirm") == "on"
        if layer_id != match.psd_layer_id or (fit and fit != match.fit) or (confirm and not match.confirmed):
            changes[(match.composition, match.layer_index)] = MatchChange(layer_id, fit, confirm)
    return changes


def _to_stage(post: QueryDict) -> int | None:
    """The stage a job at Stage 4 goes back to (None when the form has no choice: stages 2 and 3)."""
    raw = (post.get("to_stage") or "").strip()
    if raw == "":
        return None
    if raw not in SEND_BACK_STAGES:
        allowed = " or ".join(sorted(SEND_BACK_STAGES))
        raise InvalidInput(f"The stage to send the job back to must be {allowed}, not {_shown(raw)}.")
    return SEND_BACK_STAGES[raw]


def _save(job, user, post):
    job_update_matching(job=job, user=user, changes=changes_from_post(job, post))
    return "Matching saved."


def _approve_matching(job, user, post):
    job_approve_matching(job=job, user=user, changes=changes_from_post(job, post))
    return "Matching approved: the script and preview are being prepared."


def _approve_matching_anyway(job, user, post):
    # Offered where low-confidence matches or empty placeholders remain (the page names them);
    # a plain approval of such a job is refused with their names.
    job_approve_matching(job=job, user=user, changes=changes_from_post(job, post), approve_anyway=True)
    return "Matching approved as it stands: the script and preview are being prepared."


def _rerun_matching(job, user, post):
    job_rerun_matching(job=job, user=user)
    return "Matching re-run."


def _send_back(job, user, post):
    job_send_back(job=job, user=user, reason=post.get("reason", ""), to_stage=_to_stage(post))
    return "Sent back."


def _approve_preview(job, user, post):
    job_approve_preview(job=job, user=user, notes=post.get("notes", "").strip())
    return "Preview approved: the job is being validated and deployed."


def _sign_off(job, user, post):
    job_sign_off(job=job, user=user, reason=post.get("reason", ""))
    return "Warnings signed off: the job is being deployed."


def _retry(job, user, post):
    job_retry(job=job, user=user)
    return "Queued again."


def _start_batch(job, user, post):
    started = batch_start(batch=job.batch, user=user)
    return f"Started {started.started} job(s) of batch {job.batch_id}."


JOB_ACTIONS: dict[str, Callable[[Job, object, QueryDict], str]] = {
    "save": _save,
    "approve_matching": _approve_matching,
    "approve_anyway": _approve_matching_anyway,
    "rerun_matching": _rerun_matching,
    "send_back": _send_back,
    "approve_preview": _approve_preview,
    "sign_off": _sign_off,
    "retry": _retry,
    "start_batch": _start_batch,
}


JOB_ACTIONS.update(held_actions.PAGE_ACTIONS)
# Actions that also read uploaded files (``files``: the request's FILES).
FILE_ACTIONS = held_actions.FILE_ACTIONS


def perform_job_action(*, job: Job, user, post: QueryDict, files=None) -> str:
    """Run the posted ``action`` on ``job`` as ``user``; the sentence to show on success."""
    _refuse_bad_fields(post)
    action = post.get("action", "")
    if action in FILE_ACTIONS:
        return FILE_ACTIONS[action](job, user, post, files or {})
    try:
        run = JOB_ACTIONS[action]
    except KeyError:
        raise InvalidInput(f"Unknown action {_shown(action)}.") from None
    return run(job, user, post)
