"""The Stage 3 contact sheet: jobs awaiting preview approval as a grid of their still previews,
filtered like the board, selected and approved (or sent back with one reason) in bulk.

Thin views over :func:`contact_sheet_page` (a fixed number of queries per page: the count, the
page's rows, their preview files) and :mod:`jobs.bulk_moves` (one transaction for the chosen
jobs, reporting exactly what was done and, per job, why one was skipped). Needs the
``jobs.view_job`` and ``jobs.approve_preview`` permissions; the services check again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from batches.services import batch_choices
from jobs.bulk_moves import MAX_BULK_JOBS, jobs_bulk_approve_preview, jobs_bulk_send_back
from jobs.models import JobAsset, Priority, Stage, Status
from jobs.transitions import TransitionError

from . import selectors
from .bulk_report import report
from .dashboard import dashboard_view
from .selectors import CARD_FIELDS, QUEUE_ORDER, JobFilters, id_or_none, open_warning_counts

PER_PAGE = 60
PER_PAGE_CHOICES = (30, 60, 120, 240)
# The still shown per job, best first (Stage 3 stores them: see jobs/stages/preview.py).
STILL_KINDS = ("preview_thumbnail", "preview", "comparison")


@dataclass(frozen=True)
class SheetCard:
    id: int
    job_id: str
    client_name: str
    project_name: str
    priority: str
    batch_id: int
    still: int | None  # the JobAsset to show (served by review:asset), None when none is stored
    warnings_count: int


def still_for_jobs(job_pks: list[int]) -> dict[int, int]:
    """The best still preview asset per job (one query)."""
    rank = {kind: i for i, kind in enumerate(STILL_KINDS)}
    best: dict[int, tuple] = {}
    rows = JobAsset.objects.filter(job_id__in=job_pks, stage=Stage.APPROVE_PREVIEW, kind__in=STILL_KINDS)
    for pk, job_pk, kind, key in rows.values_list("pk", "job_id", "kind", "key"):
        candidate = (rank[kind], key, pk)
        if job_pk not in best or candidate < best[job_pk]:
            best[job_pk] = candidate
    return {job_pk: value[2] for job_pk, value in best.items()}


def contact_sheet_page(filters: JobFilters, *, page: int, per_page: int = PER_PAGE):
    """The page ``page`` of the jobs awaiting preview approval that match ``filters`` (queue
    order), as cards with their stills; the Paginator page (``.object_list`` are the cards)."""
    qs = (selectors.jobs_filtered(replace(filters, status=""))
          .filter(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL).order_by(*QUEUE_ORDER))
    sheet = Paginator(qs.values(*CARD_FIELDS), per_page).get_page(page)
    rows = list(sheet.object_list)
    pks = [row["id"] for row in rows]
    stills, warnings = still_for_jobs(pks), open_warning_counts(pks)
    sheet.object_list = [
        SheetCard(id=r["id"], job_id=r["job_id"], client_name=r["client_name"], project_name=r["project_name"],
                  priority=r["priority"], batch_id=r["batch_id"], still=stills.get(r["id"]),
                  warnings_count=warnings.get(r["id"], 0))
        for r in rows
    ]
    return sheet


def approver_view(view):
    """A dashboard view that also needs ``jobs.approve_preview`` (403 otherwise)."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.has_perm("jobs.approve_preview"):
            raise PermissionDenied("The contact sheet needs the jobs.approve_preview permission.")
        return view(request, *args, **kwargs)

    return dashboard_view(checked)


def _per_page(raw) -> int:
    number = id_or_none(raw)
    return number if number in PER_PAGE_CHOICES else PER_PAGE


@require_GET
@approver_view
def contact_sheet(request):
    filters = JobFilters.from_query(request.GET)
    per_page = _per_page(request.GET.get("per_page"))
    sheet = contact_sheet_page(filters, page=request.GET.get("page") or 1, per_page=per_page)
    query = {**filters.as_query(), **({"per_page": per_page} if per_page != PER_PAGE else {})}
    query.pop("status", None)
    return render(request, "dashboard/contact_sheet.html", {
        "filters": filters,
        "sheet": sheet,
        "cards": sheet.object_list,
        "query": urlencode(query),
        "here": urlencode({**query, "page": sheet.number}),
        "per_page": per_page,
        "per_page_choices": PER_PAGE_CHOICES,
        "batches": batch_choices(selectors.BATCH_CHOICES),
        "priorities": Priority.choices,
    })


def _back(here: str) -> str:
    """The sheet as it was (its filters, page size and page), rebuilt from known parameters only."""
    shown = QueryDict(here)
    query = JobFilters.from_query(shown).as_query()
    query.pop("status", None)
    per_page, page = _per_page(shown.get("per_page")), id_or_none(shown.get("page"))
    if per_page != PER_PAGE:
        query["per_page"] = str(per_page)
    if page and page > 1:
        query["page"] = str(page)
    return reverse("review:contact_sheet") + (f"?{urlencode(query)}" if query else "")


@require_POST
@approver_view
def contact_sheet_action(request):
    """Approve or send back the selected jobs, then show the sheet again (post/redirect/get)."""
    back = _back(request.POST.get("here") or "")
    raw = request.POST.getlist("job")
    pks = [pk for pk in (id_or_none(value) for value in raw) if pk is not None]
    if len(pks) != len(raw):
        messages.error(request, "The selection names something that is not a job; nothing was changed.")
        return redirect(back)
    if len(pks) > MAX_BULK_JOBS:
        messages.error(request, f"At most {MAX_BULK_JOBS} jobs can be chosen at once; nothing was changed.")
        return redirect(back)
    action = request.POST.get("action", "")
    try:
        if action == "approve":
            report(request, jobs_bulk_approve_preview(jobs=pks, user=request.user), "Approved the preview of")
        elif action == "send_back":
            reason = request.POST.get("reason", "")
            if len(reason) > 10_000:
                messages.error(request, "The reason is longer than 10,000 characters: shorten it.")
                return redirect(back)
            report(request, jobs_bulk_send_back(jobs=pks, user=request.user, reason=reason,
                                                stage=Stage.APPROVE_PREVIEW), "Sent back to matching")
        else:
            messages.error(request, "Choose Approve selected or Send back selected.")
    except TransitionError as exc:
        messages.error(request, exc.message)
    return redirect(back)
