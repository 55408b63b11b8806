"""What a held job needs from a person: why it was sent back, and the errors a sign-off cannot
accept with what to do about each.

Reads only (the pages, the admin and the API show them; :func:`jobs.services.job_sign_off`
refuses a job with :func:`sign_off_blockers`).

- :func:`latest_send_back`: the last send-back's who, when, from which stage and why, while the
  job is still where it put it (moves since then kept the stage and status: a saved matching,
  an archive); ``None`` once the job moved on.
- :func:`sign_off_blockers`: the job's open errors, one per code, each with the fix
  :data:`ERROR_FIXES` gives for it (``docs/warnings.md``, "What to do about an error"). A
  sign-off accepts warnings; an error blocks the deploy whoever signs it off, so the job must
  be sent back, resubmitted with corrected files, or retried instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from .models import Job, JobLog, JobWarning
from .warning_codes import CODES, ERROR

SEND_BACK_MOVES = ("send_back_matching", "send_back_preview", "send_back_to_matching", "send_back_to_preview")

SEND_BACK = "send it back to stage 2 (matching) or 3 (preview)"
RESUBMIT = "correct the file and resubmit the job with it (the same job id, Stage 1 again)"

#: What to do about each error a Stage 4 job can hold (and any stage's failure).
ERROR_FIXES: dict[str, str] = {
    "stage_failed": "Read the last error: correct or replace the file it names and resubmit the job, or retry it "
                    "once the cause is gone.",
    # Stage 3's (they stay open until the job is sent back or resubmitted)
    "placeholder_missing": "Send it back to stage 2 and choose the matches again, or correct the template and "
                           "resubmit the job with it.",
    "image_missing": "Show the layer in the PSD (hidden layers are not exported) and resubmit the job with it, or "
                     "send it back to stage 2 and choose another layer.",
    "missing_image": "Send it back to stage 3 to prepare the files again; if it stays, resubmit the job.",
    "image_unreadable": "Correct the layer in the PSD and resubmit the job with it.",
    "unknown_psd_layer": "Send it back to stage 2 and choose the matches again.",
    "unknown_placeholder": "Send it back to stage 2 and choose the matches again.",
    "unknown_composition": "Send it back to stage 2 and choose the matches again.",
    "not_in_plan": "Send it back to stage 2: fill the placeholder another way or leave it empty (the plan's notes "
                   "say why it could not be filled).",
    "nothing_to_preview": "Send it back to stage 2 and match a placeholder of a composition that renders.",
    "empty_box": "Correct the template's paragraph box and resubmit the job with the template, or send it back to "
                 "stage 2 and choose another layer.",
    # Stage 4's
    "footage-missing": "Put the missing footage in an input root, or " + RESUBMIT.replace("the file", "the template")
                       + "; or send it back to stage 2 and fill the layer with a match.",
    "font-missing": "Install the font on the render machines and list it in AEA_FONTS, then retry; or "
                    + RESUBMIT.replace("the file", "the PSD or template") + " using a font they have.",
    "render-comp-missing": "Correct the template's render composition and resubmit the job with the template.",
    "match-target-missing": "Send it back to stage 2 and choose the matches again.",
    "layer-named-like-comp": "Rename the layer in the template (no composition's name) and resubmit the job with "
                             "the template.",
    "duplicate-target-names": "Give the template's targeted layers distinct names and resubmit the job with the "
                              "template.",
    "low-confidence-unconfirmed": "Send it back to stage 2 to confirm or change the match.",
    "unsafe-name": "Rename the PSD layer to a safe file name and resubmit the job with the PSD (an unsafe output "
                   "name needs a new batch row).",
    "footage-no-extension": "Send it back to stage 3 to prepare the files again; if it stays, correct the PSD and "
                            "resubmit the job with it.",
    "replacement-missing": "Send it back to stage 3 to prepare the files again.",
    "file-limits": "Use a smaller image in the PSD and resubmit the job with it.",
    "text-overflow": "Shorten the text in the PSD and resubmit the job with it, or send it back to stage 2 to "
                     "choose another layer.",
    "upscale": "Use a larger image in the PSD and resubmit the job with it, or send it back to stage 2 and "
               "choose another layer or fit.",
    "render_failed": "Retry: the render is submitted again.",
}
DEFAULT_FIX = f"Fix the cause, then {SEND_BACK}, {RESUBMIT}, or retry."


def error_codes() -> list[str]:
    """Every code stored (in some case) as an error."""
    return [code for code, entry in CODES.items() if ERROR in entry.severities]


def fixes_table() -> str:
    """The table of ``docs/warnings.md``'s "What to do about an error"."""
    lines = ["| code | what to do |", "|---|---|"]
    lines += [f"| `{code}` | {ERROR_FIXES.get(code, DEFAULT_FIX)} |" for code in error_codes()]
    return "\n".join(lines)


@dataclass(frozen=True)
class SendBack:
    action: str
    actor: str
    at: datetime
    from_stage: int
    to_stage: int
    reason: str

    def to_dict(self) -> dict:
        return {"action": self.action, "by": self.actor, "at": self.at, "from_stage": self.from_stage,
                "to_stage": self.to_stage, "reason": self.reason}


def latest_send_back(job: Job) -> SendBack | None:
    """The send-back that put the job where it is, if every move since kept its stage and status.

    One query however long the log: the newest entry that is a send-back or a move elsewhere
    (read backwards along the job's (job, created_at, id) index, usually a few rows)."""
    moved_elsewhere = Q(to_stage__isnull=False) & ~Q(to_stage=job.stage, to_status=job.status)
    log = (JobLog.objects.filter(Q(action__in=SEND_BACK_MOVES) | moved_elsewhere, job_id=job.pk)
           .order_by("-created_at", "-id").first())
    if log is None or log.action not in SEND_BACK_MOVES:
        return None
    if log.to_stage is not None and (log.to_stage, log.to_status) != (job.stage, job.status):
        return None  # the send-back itself put the job elsewhere than it is now
    reason = (log.details or {}).get("reason") or log.message
    return SendBack(log.action, log.actor, log.created_at, log.from_stage, log.to_stage, reason)


@dataclass(frozen=True)
class Blocker:
    code: str
    stage: int
    count: int
    message: str  # the first warning's
    fix: str


def sign_off_blockers(job: Job) -> list[Blocker]:
    """The job's open errors, one per code (in the order stored), with what to do about each."""
    prefetched = getattr(job, "_prefetched_objects_cache", {}).get("warnings")
    if prefetched is not None:
        warnings = [w for w in prefetched if w.resolved_at is None and w.severity == ERROR]
    else:
        warnings = list(JobWarning.objects.filter(job_id=job.pk, resolved_at__isnull=True, severity=ERROR)
                        .order_by("stage", "id"))
    by_code: dict[str, list[JobWarning]] = {}
    for warning in warnings:
        by_code.setdefault(warning.code, []).append(warning)
    return [Blocker(code, found[0].stage, len(found), found[0].message, ERROR_FIXES.get(code, DEFAULT_FIX))
            for code, found in by_code.items()]


def sign_off_refusal(job: Job, blockers: list[Blocker]) -> str:
    """The sentence refusing a sign-off of ``job``: its errors and what to do instead."""
    listed = "; ".join(f"{b.code}{f' ×{b.count}' if b.count > 1 else ''}: {b.fix}" for b in blockers)
    return (f"Job {job.job_id} has {sum(b.count for b in blockers)} error(s), which a sign-off cannot accept "
            f"(it accepts warnings only). Instead: {listed}")
