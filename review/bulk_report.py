"""What a bulk move did, told to the person who asked (the contact sheet, the admin's actions)."""

from __future__ import annotations

from django.contrib import messages

SHOWN_IDS = 12  # job ids named in one message line before "and N more"


def report(request, result, verb: str) -> None:
    """Tell exactly what a bulk move did and, grouped by reason, what it skipped."""
    def named(ids: list[str]) -> str:
        more = len(ids) - SHOWN_IDS
        return ", ".join(ids[:SHOWN_IDS]) + (f" and {more} more" if more > 0 else "")

    if result.done:
        messages.success(request, f"{verb} {len(result.done)} job(s): {named(result.done)}.")
    by_reason: dict[str, list[str]] = {}
    for job_id, why in result.refused.items():
        by_reason.setdefault(why, []).append(job_id)
    for why, ids in by_reason.items():
        messages.warning(request, f"Skipped {len(ids)} job(s) ({why}): {named(ids)}.")
    if not result.done and not result.refused:
        messages.info(request, "Nothing was selected.")
