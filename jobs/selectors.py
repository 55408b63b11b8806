"""Read queries for the review pages, the dashboard and the API."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Job, JobAsset, JobLog, JobWarning


def job_detail_queryset() -> QuerySet[Job]:
    """Jobs with everything a detail page shows, in a fixed number of queries."""
    return Job.objects.select_related("batch", "stage2_completed_by", "stage3_completed_by").prefetch_related(
        Prefetch("warnings", queryset=JobWarning.objects.select_related("resolved_by").order_by("stage", "id")),
        Prefetch("logs", queryset=JobLog.objects.order_by("-created_at", "-id")),
        Prefetch("assets", queryset=JobAsset.objects.order_by("stage", "kind", "key")),
    )


def job_assets_by_kind(job: Job) -> dict[str, dict[str, JobAsset]]:
    """The job's (prefetched) assets as {kind: {key: asset}}."""
    grouped: dict[str, dict[str, JobAsset]] = {}
    for asset in job.assets.all():
        grouped.setdefault(asset.kind, {})[asset.key] = asset
    return grouped
