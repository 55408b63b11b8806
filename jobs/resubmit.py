"""Resubmit a held or failed job with corrected files: the way out of "sent back to the producer".

A producer (``jobs.start_job``) points the job at another PSD and/or template, by a path inside
the input roots or by uploading a replacement, and the job goes back to Stage 1 (queued) with
the same job id: the move ``resubmit`` of :mod:`jobs.transitions`, which clears the open
warnings of every stage (they are redone) and writes the audit row with the old and new paths.

A path is checked exactly as a batch CSV's (:func:`batches.csv_format.check_file_path`: inside
the input roots, no ``..`` or symbolic-link escape, the column's extension, a readable regular
file within ``AEA_MAX_FILE_BYTES`` whose content is what its name says). An upload is refused
over ``AEA_MAX_FILE_BYTES`` or without the right extension before anything is written, stored
under ``AEA_UPLOAD_ROOT/<job id>/`` (an input root of its own) with a fresh name, then checked
like a path (its content sniffed); it is removed again when the check or the move refuses.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from batches.csv_format import check_file_path
from jobs.formats.files import resolved_roots, within
from jobs.formats.sniff import COLUMN_NOUNS, extensions_for

from .learned_mappings import withdraw_job_evidence
from .models import Job, Stage
from .transitions import MOVES, PermissionRefused, TransitionError, TransitionNotAllowed, actor_name, job_transition

COLUMNS = ("psd_path", "aepx_path")
LABELS = {"psd_path": "PSD", "aepx_path": "template"}
MAX_REASON = 10_000  # as the pages' and the API's other reasons


class ResubmitRefused(TransitionError):
    """A path or upload that cannot be used (nothing was changed, nothing kept)."""

    code = "invalid"


def upload_root() -> Path:
    """Where uploads go; refused (a sentence) when it is not inside the input roots."""
    root = Path(settings.AEA_UPLOAD_ROOT).resolve()
    if not within(root, resolved_roots(settings.INPUT_ROOTS)):
        raise ResubmitRefused("Uploading files is switched off here: the upload folder (AEA_UPLOAD_ROOT) is not "
                              "inside the input roots. Put the file in an input root and give its path instead.")
    return root


def _store_upload(job: Job, column: str, upload) -> Path:
    """Write ``upload`` under the upload root's folder for the job; its path (not yet checked)."""
    name = Path(upload.name or "").name
    ext = Path(name).suffix.lower()
    allowed = extensions_for(column)
    if ext not in allowed:
        raise ResubmitRefused(f"The uploaded {LABELS[column]} {name!r} must end with {' or '.join(allowed)}.")
    if upload.size > settings.AEA_MAX_FILE_BYTES:
        raise ResubmitRefused(f"The uploaded {LABELS[column]} {name!r} is {upload.size:,} bytes; the limit is "
                              f"{settings.AEA_MAX_FILE_BYTES:,}.")
    if not upload.size:
        raise ResubmitRefused(f"The uploaded {LABELS[column]} {name!r} is empty.")
    folder = upload_root() / job.job_id  # job ids are [A-Za-z0-9._-], never only dots
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "-", Path(name).stem).strip("-.")[:80] or column
    target = folder / f"{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}-{stem}{ext}"
    written = 0
    with open(target, "xb") as out:
        for chunk in upload.chunks():
            written += len(chunk)
            if written > settings.AEA_MAX_FILE_BYTES:  # a size that lied
                out.close()
                target.unlink(missing_ok=True)
                raise ResubmitRefused(f"The uploaded {LABELS[column]} {name!r} is over the limit of "
                                      f"{settings.AEA_MAX_FILE_BYTES:,} bytes.")
            out.write(chunk)
    return target


def _checked(column: str, value: str) -> str:
    check = check_file_path(column, value, input_roots=settings.INPUT_ROOTS,
                            max_file_bytes=settings.AEA_MAX_FILE_BYTES)
    if check.code:
        raise ResubmitRefused(f"The {LABELS[column]} path {check.message} ({COLUMN_NOUNS[column]} is needed).")
    return check.path


def job_resubmit(
    *,
    job: Job,
    user,
    psd_path: str | None = None,
    aepx_path: str | None = None,
    uploads: Mapping[str, object] | None = None,
    reason: str = "",
) -> Job:
    """Point ``job`` at corrected files and queue Stage 1 again (keeping its job id).

    ``psd_path``/``aepx_path``: a path inside the input roots (None or blank: keep the job's);
    ``uploads``: {"psd_path" | "aepx_path": an uploaded file}, which wins over the path given
    for the same column. At least one file must change. Raises :class:`ResubmitRefused` (a
    path or an upload), :class:`~jobs.transitions.PermissionRefused` or
    :class:`~jobs.transitions.TransitionNotAllowed`; then nothing changed and no upload is kept.
    """
    move = MOVES["resubmit"]
    if user is None or not user.is_active or not user.has_perm(move.permission):
        raise PermissionRefused(f"{actor_name(user)} lacks the permission {move.permission!r} needed to resubmit a "
                                "job with corrected files.")
    for name, text in (("psd_path", psd_path), ("aepx_path", aepx_path), ("reason", reason)):
        if text and "\x00" in text:
            raise ResubmitRefused(f"The {name} holds a NUL character (%00), which is never valid: remove it.")
    if len(reason or "") > MAX_REASON:
        raise ResubmitRefused(f"The reason is longer than {MAX_REASON:,} characters: shorten it.")
    fresh = Job.objects.get(pk=job.pk)
    if (fresh.stage, fresh.status) not in move.sources or fresh.archived:
        raise TransitionNotAllowed(
            f"Job {fresh.job_id} is at stage {fresh.stage} ({fresh.get_status_display().lower()}"
            f"{', archived' if fresh.archived else ''}): only a job that failed, needs attention or was sent back "
            "can be resubmitted with corrected files.", job_id=fresh.job_id)
    given = {"psd_path": psd_path, "aepx_path": aepx_path}
    stored: list[Path] = []
    try:
        chosen: dict[str, str] = {}
        for column in COLUMNS:
            upload = (uploads or {}).get(column)
            if upload is not None:
                path = _store_upload(fresh, column, upload)
                stored.append(path)
                chosen[column] = _checked(column, str(path))
            else:
                value = (given[column] or "").strip()
                chosen[column] = _checked(column, value) if value else _checked(column, getattr(fresh, column))
        changes = {column: {"from": getattr(fresh, column), "to": chosen[column]}
                   for column in COLUMNS if chosen[column] != getattr(fresh, column)}
        if not changes:
            raise ResubmitRefused(
                f"Job {fresh.job_id} already uses these files: give the path of a corrected PSD or template, or upload "
                "one. (If you corrected the file in place, use Retry.)")
        uploaded = [LABELS[c] for c in COLUMNS if (uploads or {}).get(c) is not None]
        details = {"paths": changes, **({"uploaded": uploaded} if uploaded else {})}
        message = "Resubmitted with " + " and ".join(
            f"{LABELS[c]} {changes[c]['to']}" + (" (uploaded)" if LABELS[c] in uploaded else "") for c in changes)
        # After an approved preview, what the job taught the matcher no longer holds (new files).
        withdraw = (lambda moved: withdraw_job_evidence(job=moved)) if fresh.stage >= Stage.APPROVE_PREVIEW else None
        return job_transition(
            job=fresh, action="resubmit", user=user, reason=reason,
            fields={**{c: chosen[c] for c in changes}, "last_error": ""},
            details=details, message=message + (f": {reason.strip()}" if reason.strip() else ""), within=withdraw,
        )
    except BaseException:
        for path in stored:
            try:
                os.unlink(path)
            except OSError:
                pass
        raise
