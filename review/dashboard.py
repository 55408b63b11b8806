"""The staff pipeline dashboard: the board, the upload dialog and the job page.

Thin views: parse the request, call a selector or a service, render a template. The board
(``dashboard/_board.html``) is rendered both inside the page and alone, for htmx to poll.
Only staff who may view jobs see any of it; each action needs the permission the admin asks
for (the services check it again).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from batches.models import Batch
from batches.services import batch_choices, batch_upload, batch_upload_pending
from jobs.formats.descriptions import Match, PsdDocument
from jobs.models import Job, Priority, Stage, Status
from jobs.selectors import job_assets_by_kind, job_detail_queryset, job_warning_groups
from jobs.services import approval_open_items, is_low_confidence, job_matches
from jobs.transitions import TransitionError, allowed_actions

from . import selectors
from .actions import perform_job_action
from .views import match_geometry, text_label


def dashboard_view(view):
    """Staff only (else the admin login), and the ``jobs.view_job`` permission (else 403)."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.has_perm("jobs.view_job"):
            raise PermissionDenied("Viewing jobs needs the jobs.view_job permission.")
        return view(request, *args, **kwargs)

    return staff_member_required(checked)


# --- The board ------------------------------------------------------------------------------


def board_context(request) -> dict:
    """What the board shows: statistics, and the filtered stage columns with their cards."""
    filters = selectors.JobFilters.from_query(request.GET)
    stats = selectors.pipeline_stats()
    columns = selectors.board_columns(filters, per_stage=settings.DASHBOARD_CARDS_PER_STAGE, stats=stats)
    return {
        "filters": filters,
        "filter_qs": urlencode(filters.as_query()),
        "stats": stats,
        "columns": columns,
        "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS,
        "Status": Status,
    }


@require_GET
@dashboard_view
def index(request):
    """The dashboard page: filters, statistics, the five stage columns, the upload dialog."""
    context = board_context(request)
    context.update(
        batches=batch_choices(selectors.BATCH_CHOICES),
        priorities=Priority.choices,
        statuses=Status.choices,
    )
    return render(request, "dashboard/index.html", context)


@require_GET
@dashboard_view
def board(request):
    """The board alone, for htmx's periodic refresh."""
    return render(request, "dashboard/_board.html", board_context(request))


# --- Upload ---------------------------------------------------------------------------------


def _uploaded_csv(request) -> tuple[str, bytes] | str:
    """The uploaded CSV's name and bytes, or a sentence saying what is wrong with the upload."""
    upload = request.FILES.get("csv_file")
    if upload is None:
        return "Choose a CSV file first."
    if upload.size > settings.AEA_CSV_MAX_BYTES:
        return f"The file is larger than {settings.AEA_CSV_MAX_BYTES:,} bytes."
    return upload.name or "batch.csv", upload.read()


def _may_upload(request) -> None:
    if not request.user.has_perm("batches.upload_batch"):
        raise PermissionDenied("Uploading batches needs the batches.upload_batch permission.")


@require_POST
@dashboard_view
def upload(request):
    """Store the CSV as a batch and answer at once with its progress: the rows are checked and
    the jobs imported (all or nothing) in the background, then started if the user may start
    jobs. A file that is not a CSV of jobs at all (encoding, header) is refused here."""
    _may_upload(request)
    upload = _uploaded_csv(request)
    if isinstance(upload, str):
        return render(request, "dashboard/_upload_report.html", {"problem": upload})
    name, data = upload
    result = batch_upload(data=data, filename=name, user=request.user,
                          start=request.user.has_perm("jobs.start_job"))
    if not result.ok:
        return render(request, "dashboard/_upload_report.html", {"report": result.report, "name": name})
    return upload_state(request, result.batch.pk)


@require_GET
@dashboard_view
def upload_progress(request, pk: int):
    """The upload's progress, polled by the dialog until the batch is imported (the done view)
    or invalid (its report)."""
    _may_upload(request)
    return upload_state(request, pk)


def upload_state(request, pk: int):
    batch = get_object_or_404(Batch, pk=pk)
    if batch_upload_pending(batch):
        return render(request, "dashboard/_upload_progress.html", {"batch": batch})
    if batch.import_state == Batch.ImportState.INVALID:
        return render(request, "dashboard/_upload_report.html", {"report": batch.report, "name": batch.name})
    # The page's batch filter is replaced out of band (it lists the new batch), keeping the
    # batch the page is filtered by (htmx sends the page's address).
    page_query = QueryDict(urlsplit(request.headers.get("HX-Current-URL", "")).query)
    started = batch.jobs.exclude(stage=Stage.VALIDATE, status=Status.PENDING).count() if batch.started_at else None
    response = render(request, "dashboard/_upload_done.html", {
        "batch": batch, "report": batch.report, "started": started,
        "batches": batch_choices(selectors.BATCH_CHOICES),
        "filters": selectors.JobFilters.from_query(page_query),
    })
    response["HX-Trigger"] = "board-refresh"
    return response


# --- One job --------------------------------------------------------------------------------


def match_rows(job: Job, assets: dict) -> list[dict]:
    """The job's matches with their layer thumbnails and low-confidence flags."""
    thumbs = assets.get("layer_thumbnail", {})
    psd_layers = {layer.id: layer for layer in PsdDocument.from_dict(job.psd_description or {"layers": []}).layers}
    rows = []
    for data in job.matches or []:
        match = Match.from_dict(data)
        layer = psd_layers.get(match.psd_layer_id) if match.psd_layer_id is not None else None
        if layer is not None and layer.kind == "type":  # the text reads better than a 256x18 strip
            rows.append({"match": match, "low": is_low_confidence(match), "thumb": None, "text": text_label(layer)})
            continue
        thumb = thumbs.get(str(match.psd_layer_id)) if match.psd_layer_id is not None else None
        rows.append({"match": match, "low": is_low_confidence(match), "thumb": thumb, "text": ""})
    return rows


def preview_facts(job: Job) -> dict:
    """The preview's plain (number or text) facts, e.g. its main composition, for one line."""
    preview = job.preview or {}
    facts = {"main composition": preview.get("main_composition")}
    facts.update((key.replace("_", " "), value) for key, value in (preview.get("metrics") or {}).items()
                 if isinstance(value, (int, float, str)) and not isinstance(value, bool))
    return {key: value for key, value in facts.items() if value not in (None, "")}


def image_assets(job: Job) -> list:
    """The job's PNG files (thumbnails first), for the files section."""
    pngs = [asset for asset in job.assets.all() if asset.file.name.lower().endswith(".png")]
    return sorted(pngs, key=lambda a: (a.stage, "thumbnail" not in a.kind, a.kind, a.key))


@require_GET
@dashboard_view
def job_detail(request, pk: int):
    """A job's fields, warnings, audit log, files, matches, preview and deploy state, and its actions."""
    job = get_object_or_404(job_detail_queryset(), pk=pk)
    assets = job_assets_by_kind(job)
    rows = match_rows(job, assets)
    context = {
        "job": job,
        "actions": set(allowed_actions(job, request.user)),
        "can_start": (job.stage, job.status) == (Stage.VALIDATE, Status.PENDING)
        and request.user.has_perm("jobs.start_job"),
        "rows": rows,
        "low_count": sum(1 for row in rows if row["low"]),
        "geometry": match_geometry(job) if rows else None,
        "open_items": approval_open_items(job_matches(job)),
        "warning_groups": job_warning_groups(job),
        "previews": sorted(assets.get("preview", {}).values(), key=lambda a: a.key),
        "comparison": assets.get("comparison", {}).get(""),
        "flattened": assets.get("flattened_thumbnail", {}).get("") or assets.get("flattened", {}).get(""),
        "preview_facts": preview_facts(job),
        "images": image_assets(job),
        "other_assets": [a for a in job.assets.all() if not a.file.name.lower().endswith(".png")],
        "review_url": reverse("admin:jobs_job_review", args=[job.pk]),
        "working": job.status in (Status.QUEUED, Status.PROCESSING),
        "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS,
        "Stage": Stage,
        "Status": Status,
    }
    return render(request, "dashboard/job.html", context)


@require_POST
@dashboard_view
def job_action(request, pk: int):
    """Approve, send back, sign off, retry or start, then show the job again (post/redirect/get)."""
    job = get_object_or_404(Job, pk=pk)
    try:
        messages.success(request, perform_job_action(job=job, user=request.user, post=request.POST))
    except TransitionError as exc:
        messages.error(request, exc.message)
    return redirect("review:dashboard_job", pk=job.pk)
