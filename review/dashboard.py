"""The staff pipeline dashboard: the board, the upload dialog and the job page.

Thin views: parse the request, call a selector or a service, render a template. The board
(``dashboard/_board.html``) is rendered both inside the page and alone, for htmx to poll.
Only staff who may view jobs see any of it; each action needs the permission the admin asks
for (the services check it again).

Polls are conditional. The board and the job page carry an ETag of what they show
(``data-etag``); ``dashboard.js`` sends it back as ``If-None-Match`` and htmx swaps nothing on
a 304. When nothing changed, the board's poll costs one query beyond authentication
(:func:`review.selectors.board_marker`) and the job page's one (:func:`~review.selectors.job_marker`).
An ETag covers the change marker, the filters, the user and the minute (cards show ages, the
statistics "completed today": an idle board is rendered again once a minute).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from batches.models import Batch
from batches.services import batch_choices, batch_upload, batch_upload_pending
from jobs.formats.descriptions import Match, PsdDocument
from jobs.models import Job, Priority, Stage, Status
from jobs.selectors import job_assets_by_kind, job_detail_queryset, job_warning_groups, shown_log_page
from jobs.services import approval_open_items, is_low_confidence, job_matches
from jobs.transitions import TransitionError, allowed_actions

from . import gate_queue, selectors
from .actions import perform_job_action
from .held_actions import held_context
from .motion import motion_context
from .views import match_geometry, text_label


def dashboard_view(view):
    """Staff only (else the admin login), and the ``jobs.view_job`` permission (else 403)."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.has_perm("jobs.view_job"):
            raise PermissionDenied("Viewing jobs needs the jobs.view_job permission.")
        return view(request, *args, **kwargs)

    return staff_member_required(checked)


# --- Conditional answers ------------------------------------------------------------------

# For this long after the newest audit row, board polls are answered in full even when the
# marker is unchanged (see BoardMarker.settling: a transaction that commits late).
SETTLE_SECONDS = 10
# An ETag holds for at most this long: ages on the cards and "completed today" move with the
# clock, so an idle board is rendered again once a period (ages read in whole minutes).
ETAG_PERIOD_SECONDS = 60


def etag_of(*parts, now: datetime) -> str:
    """A strong ETag (quoted) of ``parts`` and the current period (minute)."""
    period = int(now.timestamp() // ETAG_PERIOD_SECONDS)
    return '"' + hashlib.sha256(repr((parts, period)).encode()).hexdigest()[:32] + '"'


def not_modified(request, etag: str) -> HttpResponse | None:
    """A 304 when the request's If-None-Match names ``etag``, for htmx requests only (a page
    the browser loads itself is always whole: it may carry messages)."""
    if not request.headers.get("HX-Request"):
        return None
    answer = get_conditional_response(request, etag=etag)
    return validated(answer, etag) if answer is not None else None


def validated(response: HttpResponse, etag: str) -> HttpResponse:
    """``response`` with its ETag, revalidated at every use and kept by no shared cache."""
    response.headers["ETag"] = etag
    patch_cache_control(response, no_cache=True, private=True)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- The board ------------------------------------------------------------------------------


def board_etag(request, filters: selectors.JobFilters, marker: selectors.BoardMarker, now: datetime) -> str:
    """The ETag of the board this user sees with these filters, given the change marker."""
    return etag_of("board", marker.key(), sorted(filters.as_query().items()), request.user.pk,
                   settings.DASHBOARD_CARDS_PER_STAGE, settings.DASHBOARD_REFRESH_SECONDS, now=now)


def board_context(request, *, etag: str) -> dict:
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
        "etag": etag,
        "Status": Status,
    }


@require_GET
@dashboard_view
def index(request):
    """The dashboard page: filters, statistics, the five stage columns, the upload dialog."""
    now = timezone.now()
    etag = board_etag(request, selectors.JobFilters.from_query(request.GET), selectors.board_marker(), now)
    context = board_context(request, etag=etag)
    context.update(
        batches=batch_choices(selectors.BATCH_CHOICES),
        priorities=Priority.choices,
        statuses=Status.choices,
    )
    return render(request, "dashboard/index.html", context)


@require_GET
@dashboard_view
def board(request):
    """The board alone, for htmx's periodic refresh: 304 when nothing it shows changed.

    The marker is read before the board, so a change made meanwhile is at worst shown once
    more, never missed.
    """
    now = timezone.now()
    marker = selectors.board_marker()
    etag = board_etag(request, selectors.JobFilters.from_query(request.GET), marker, now)
    if not marker.settling(now, SETTLE_SECONDS) and (answer := not_modified(request, etag)):
        return answer
    return validated(render(request, "dashboard/_board.html", board_context(request, etag=etag)), etag)


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
    """A job's fields, warnings, audit log, files, matches, preview and deploy state, and its
    actions. The page refreshes itself while the job's work runs: 304 when nothing changed."""
    marker = selectors.job_marker(pk)
    etag = etag_of("job", marker, request.user.pk, settings.DASHBOARD_REFRESH_SECONDS, now=timezone.now())
    if marker is not None and (answer := not_modified(request, etag)):
        return answer
    job = get_object_or_404(job_detail_queryset(), pk=pk)
    assets = job_assets_by_kind(job)
    rows = match_rows(job, assets)
    actions = set(allowed_actions(job, request.user))
    previews = sorted(assets.get("preview", {}).values(), key=lambda a: a.key)
    comparison = assets.get("comparison", {}).get("")
    context = {
        "job": job,
        "actions": actions,
        **held_context(job, actions),
        "can_start": (job.stage, job.status) == (Stage.VALIDATE, Status.PENDING)
        and request.user.has_perm("jobs.start_job"),
        "rows": rows,
        "low_count": sum(1 for row in rows if row["low"]),
        "geometry": match_geometry(job) if rows else None,
        "open_items": approval_open_items(job_matches(job)),
        "warning_groups": job_warning_groups(job),
        "log_page": shown_log_page(job, request.GET.get("log_before")),
        "previews": previews,
        "comparison": comparison,
        **motion_context(job, assets, has_still=bool(previews or comparison)),
        "flattened": assets.get("flattened_thumbnail", {}).get("") or assets.get("flattened", {}).get(""),
        "preview_facts": preview_facts(job),
        "images": image_assets(job),
        "other_assets": [a for a in job.assets.all() if not a.file.name.lower().endswith(".png")],
        "review_url": reverse("admin:jobs_job_review", args=[job.pk]),
        "working": job.status in (Status.QUEUED, Status.PROCESSING),
        "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS,
        "etag": etag,
        "Stage": Stage,
        "Status": Status,
        "gate_nav": gate_queue.gate_nav(job, "review:dashboard_job", user=request.user),
    }
    response = render(request, "dashboard/job.html", context)
    return validated(response, etag) if request.headers.get("HX-Request") else response


@require_POST
@dashboard_view
def job_action(request, pk: int):
    """Approve, send back, sign off, retry or start, then show the job again (post/redirect/get)."""
    job = get_object_or_404(Job, pk=pk)
    try:
        messages.success(request, perform_job_action(job=job, user=request.user, post=request.POST,
                                                     files=request.FILES))
    except TransitionError as exc:
        messages.error(request, exc.message)
    else:
        if gate_queue.wants_next(request):  # "approve and next"
            return gate_queue.redirect_to_next(request, job, url_name="review:dashboard_job",
                                               fallback=gate_queue.dashboard_list_url(job))
    return redirect("review:dashboard_job", pk=job.pk)
