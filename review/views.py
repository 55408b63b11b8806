"""Review pages (in the admin) and the one way stored files are served: to active staff with
the permission, by session or bearer token (never ``/media/``). Thin: parse, call a service, render."""

from __future__ import annotations

import mimetypes
import re
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from batches.models import Batch
from jobs.formats.descriptions import PsdDocument, TemplateDocument
from jobs.models import Job, JobAsset, Stage, Status
from jobs.selectors import job_assets_by_kind, job_detail_queryset, job_warning_groups, shown_log_page
from jobs.services import FIT_MODES, approval_open_items, is_low_confidence, job_matches
from jobs.transitions import TransitionError, allowed_actions

from . import gate_queue
from .actions import perform_job_action
from .api_auth import is_api_user, user_for_token
from .file_ranges import ranged_file_response
from .held_actions import held_context
from .motion import motion_context


def _file_user(request):
    """Who asks for a file: the bearer token's user when the request carries one (a script),
    else the session's (the admin and the dashboard). Only active staff count."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return user_for_token(header[7:]), True
    user = getattr(request, "user", None)
    return (user if is_api_user(user) else None), False


def _serve(request, perm: str, field, download_name: str):
    """A stored file to an active staff user holding ``perm``: the session's (else the admin's
    log-in page) or the bearer token's (else 401 JSON). 404 for a user without the permission:
    designs are clients' property, so their existence is not confirmed either."""
    user, by_token = _file_user(request)
    if user is None:
        if by_token:
            return JsonResponse({"message": "Unknown, revoked or non-staff token.", "code": "unauthenticated"},
                                status=401, headers={"WWW-Authenticate": "Bearer"})
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not user.has_perm(perm):
        raise Http404
    if not field:  # a row without a file (never stored, or cleared)
        raise Http404("This record has no file.")
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer on disk.") from None
    content_type = mimetypes.guess_type(download_name)[0] or "application/octet-stream"
    # Byte ranges: a <video> seeks (the frame scrubber) by asking for parts of the file.
    response = ranged_file_response(request, handle, filename=download_name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"  # content-addressed: a name never changes bytes
    return response


def download_name(job_id: str, *parts: str, ext: str) -> str:
    """A file's name for the person who downloads it, e.g. ``JOB-001_preview_Main.png``."""
    stem = "_".join(p for p in (job_id, *parts) if p)
    stem = re.sub(r"[^\w.-]+", "-", stem).strip("-.") or "file"
    return f"{stem[:120]}{ext}"


def asset_file(request, pk: int):
    """A job's file (layer PNG, preview, script, bundle…) to staff who may view jobs."""
    asset = get_object_or_404(JobAsset.objects.select_related("job"), pk=pk)
    ext = PurePosixPath(asset.file.name).suffix.lower()
    return _serve(request, "jobs.view_job", asset.file, download_name(asset.job.job_id, asset.kind, asset.key, ext=ext))


def batch_csv(request, pk: int):
    """A batch's CSV as uploaded, to staff who may view batches."""
    batch = get_object_or_404(Batch, pk=pk)
    name = PurePosixPath(batch.name or "batch.csv")
    return _serve(request, "batches.view_batch", batch.csv_file,
                  download_name(f"batch-{batch.pk}", name.stem, ext=name.suffix.lower() or ".csv"))


def text_label(layer, limit: int = 60) -> str:
    """A type layer's text (truncated), font and size, e.g. '“Avery Jones” · Oswald-Bold · 48 pt'."""
    text = " ".join((layer.text or "").split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    parts = [f"“{text}”" if text else "(no text)"]
    if layer.font:
        parts.append(layer.font)
    if layer.font_size:
        parts.append(f"{layer.font_size:g} pt")
    return " · ".join(parts)


def layer_label(layer) -> str:
    """A PSD layer's option label: its path and kind, and for a type layer its text, font and size."""
    label = f"{layer.path or layer.name} ({layer.kind}{'' if layer.visible else ', hidden'})"
    return f"{label}: {text_label(layer)}" if layer.kind == "type" else label


def match_geometry(job: Job) -> dict:
    """The boxes the matching views draw (for ``json_script``): the PSD's size and layer boxes,
    and each composition's size and layer boxes (composition pixels; None when not recorded)."""
    psd = PsdDocument.from_dict(job.psd_description or {"layers": []})
    template = TemplateDocument.from_dict(job.template_description or {})
    return {
        "psd": {
            "width": psd.width,
            "height": psd.height,
            "layers": {str(layer.id): {"name": layer.name, "bbox": list(layer.bbox) if layer.bbox else None}
                       for layer in psd.layers},
        },
        "compositions": {
            comp.name: {
                "width": comp.width,
                "height": comp.height,
                "layers": [{"index": layer.index, "name": layer.name, "placeholder": layer.placeholder,
                            "bbox": list(layer.bbox) if layer.bbox else None} for layer in comp.layers],
            }
            for comp in template.compositions
        },
    }


def _match_rows(job: Job, assets: dict) -> list[dict]:
    psd = PsdDocument.from_dict(job.psd_description or {"layers": []})
    by_id = {layer.id: layer for layer in psd.layers}
    thumbs = assets.get("layer_thumbnail", {})
    layers = [layer for layer in psd.layers if layer.kind not in ("group", "adjustment")] or list(psd.layers)
    rows = []
    for i, match in enumerate(job_matches(job)):
        wanted_text = match.placeholder_type == "text"
        options = [
            {
                "id": layer.id,
                "label": layer_label(layer),
                "text": text_label(layer) if layer.kind == "type" else "",
                "thumb": thumbs[str(layer.id)].pk if str(layer.id) in thumbs and layer.kind != "type" else None,
                "selected": layer.id == match.psd_layer_id,
            }
            for layer in layers
            if layer.id == match.psd_layer_id
            or ((layer.kind == "type") == wanted_text and (wanted_text or str(layer.id) in thumbs))
        ]
        chosen = by_id.get(match.psd_layer_id)
        is_type = chosen is not None and chosen.kind == "type"
        rows.append({"i": i, "match": match, "options": options, "low": is_low_confidence(match),
                     "text": text_label(chosen) if is_type else "",
                     "thumb": thumbs[str(match.psd_layer_id)].pk
                     if str(match.psd_layer_id) in thumbs and not is_type else None})
    return rows


def _read_text(asset: JobAsset | None, limit: int = 200_000) -> str:
    if asset is None or not asset.file:
        return ""
    try:
        with asset.file.open("rb") as fh:
            return fh.read(limit).decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def review_job(request, object_id, model_admin):
    """The review page of one job: matching (Stage 2), preview (Stage 3), findings (Stage 4)."""
    job = get_object_or_404(job_detail_queryset(), pk=object_id)
    if not model_admin.has_view_permission(request, job):
        raise Http404
    if request.method == "POST":
        try:
            messages.success(request, perform_job_action(job=job, user=request.user, post=request.POST,
                                                         files=request.FILES))
        except TransitionError as exc:
            messages.error(request, exc.message)
        else:
            if gate_queue.wants_next(request):  # "approve and next"
                return gate_queue.redirect_to_next(request, job, url_name="admin:jobs_job_review",
                                                   fallback=gate_queue.admin_list_url(job))
        return redirect(request.path)
    assets = job_assets_by_kind(job)
    actions = set(allowed_actions(job, request.user))
    previews = sorted(assets.get("preview", {}).values(), key=lambda a: a.key)
    comparison = assets.get("comparison", {}).get("")
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Review {job.job_id}",
        "job": job,
        "actions": actions,
        "rows": _match_rows(job, assets) if job.stage == Stage.REVIEW_MATCHING else [],
        "fit_modes": FIT_MODES,
        "previews": previews,
        "comparison": comparison,
        **motion_context(job, assets, has_still=bool(previews or comparison)),
        "script": assets.get("script", {}).get(""),
        "script_text": _read_text(assets.get("script", {}).get("")),
        "flattened": assets.get("flattened", {}).get(""),
        "design": assets.get("flattened_thumbnail", {}).get("") or assets.get("flattened", {}).get(""),
        "geometry": match_geometry(job) if job.stage == Stage.REVIEW_MATCHING else None,
        "Stage": Stage,
        "Status": Status,
        "can_edit_matching": "approve_matching" in actions,
        "open_items": approval_open_items(job_matches(job)) if "approve_matching" in actions else [],
        "warning_groups": job_warning_groups(job),
        "log_page": shown_log_page(job, request.GET.get("log_before")),
        "log_changelist_url": f"{reverse('admin:jobs_joblog_changelist')}?job__id__exact={job.pk}",
        "gate_nav": gate_queue.gate_nav(job, "admin:jobs_job_review", user=request.user),
        **held_context(job, actions),
    }
    return TemplateResponse(request, "admin/jobs/job/review.html", context)
