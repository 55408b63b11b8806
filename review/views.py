"""Review pages (in the admin) and the staff-only asset view. Thin: parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from jobs.formats.descriptions import PsdDocument, TemplateDocument
from jobs.models import Job, JobAsset, Stage, Status
from jobs.selectors import job_assets_by_kind, job_detail_queryset
from jobs.services import FIT_MODES, approval_open_items, is_low_confidence, job_matches
from jobs.transitions import TransitionError, allowed_actions

from .actions import perform_job_action


@staff_member_required
def asset_file(request, pk: int):
    """Serve a job's file to staff who may view jobs (designs are clients' property)."""
    if not request.user.has_perm("jobs.view_job"):
        raise Http404
    asset = get_object_or_404(JobAsset, pk=pk)
    try:
        return FileResponse(asset.file.open("rb"), filename=asset.file.name.rsplit("/", 1)[-1])
    except FileNotFoundError:
        raise Http404("The file is no longer on disk.") from None


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
    if asset is None:
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
            messages.success(request, perform_job_action(job=job, user=request.user, post=request.POST))
        except TransitionError as exc:
            messages.error(request, exc.message)
        return redirect(request.path)
    assets = job_assets_by_kind(job)
    actions = set(allowed_actions(job, request.user))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Review {job.job_id}",
        "job": job,
        "actions": actions,
        "rows": _match_rows(job, assets) if job.stage == Stage.REVIEW_MATCHING else [],
        "fit_modes": FIT_MODES,
        "previews": sorted(assets.get("preview", {}).values(), key=lambda a: a.key),
        "comparison": assets.get("comparison", {}).get(""),
        "script": assets.get("script", {}).get(""),
        "script_text": _read_text(assets.get("script", {}).get("")),
        "flattened": assets.get("flattened", {}).get(""),
        "design": assets.get("flattened_thumbnail", {}).get("") or assets.get("flattened", {}).get(""),
        "geometry": match_geometry(job) if job.stage == Stage.REVIEW_MATCHING else None,
        "Stage": Stage,
        "Status": Status,
        "can_edit_matching": "approve_matching" in actions,
        "open_items": approval_open_items(job_matches(job)) if "approve_matching" in actions else [],
    }
    return TemplateResponse(request, "admin/jobs/job/review.html", context)
