"""Read queries for the review pages, the dashboard and the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from .models import Job, JobAsset, JobLog, JobWarning, Stage
from .warning_codes import SEVERITY_RANK, meaning_of


def job_detail_queryset(*, include_resolved_warnings: bool = False) -> QuerySet[Job]:
    """Jobs with everything a detail page shows, in a fixed number of queries.

    ``job.warnings.all()`` holds the open warnings only, unless ``include_resolved_warnings``
    (signed off, relinked, cleared by a send-back: the record, which the admin's warning list
    shows)."""
    warnings = JobWarning.objects.select_related("resolved_by").order_by("stage", "id")
    if not include_resolved_warnings:
        warnings = warnings.filter(resolved_at__isnull=True)
    return Job.objects.select_related("batch", "stage2_completed_by", "stage3_completed_by").prefetch_related(
        Prefetch("warnings", queryset=warnings),
        Prefetch("logs", queryset=JobLog.objects.order_by("-created_at", "-id")),
        Prefetch("assets", queryset=JobAsset.objects.order_by("stage", "kind", "key")),
    )


def job_assets_by_kind(job: Job) -> dict[str, dict[str, JobAsset]]:
    """The job's (prefetched) assets as {kind: {key: asset}}."""
    grouped: dict[str, dict[str, JobAsset]] = {}
    for asset in job.assets.all():
        grouped.setdefault(asset.kind, {})[asset.key] = asset
    return grouped


@dataclass
class WarningGroup:
    """The warnings of one stage with one code and severity: shown once, with a count."""

    stage: int
    code: str
    severity: str
    meaning: str  # what the code means (jobs/warning_codes.py, docs/warnings.md)
    warnings: list[JobWarning] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.warnings)

    @property
    def message(self) -> str:
        """The representative message: the first one's."""
        return self.warnings[0].message

    @property
    def messages(self) -> list[str]:
        """Each warning's message, in the order they were stored (for a details list)."""
        return [w.message for w in self.warnings]

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label if self.stage in Stage.values else str(self.stage)

    @property
    def resolved(self) -> bool:
        return all(w.resolved_at is not None for w in self.warnings)


def _job_warnings(job: Job, include_resolved: bool) -> Iterable[JobWarning]:
    prefetched = getattr(job, "_prefetched_objects_cache", {}).get("warnings")
    if prefetched is not None and not include_resolved:  # job_detail_queryset(): no query
        return prefetched
    rows = JobWarning.objects.filter(job=job).select_related("resolved_by").order_by("stage", "id")
    return rows if include_resolved else rows.filter(resolved_at__isnull=True)


def job_warning_groups(job: Job, *, stage: int | None = None, include_resolved: bool = False,
                       min_severity: str | None = None) -> list[WarningGroup]:
    """The job's warnings grouped by stage, code and severity, errors first (then warnings,
    then information), each severity by stage, then in the order first stored.

    Open warnings only, unless ``include_resolved``; ``stage`` keeps one stage's;
    ``min_severity`` ("warning": errors and warnings) leaves out the less serious. On a job from
    :func:`job_detail_queryset` this makes no query of its own.
    """
    limit = SEVERITY_RANK.get(min_severity or "info", len(SEVERITY_RANK))
    groups: dict[tuple[int, str, str], WarningGroup] = {}
    for warning in _job_warnings(job, include_resolved):
        if warning.resolved_at is not None and not include_resolved:
            continue
        if (stage is not None and warning.stage != stage) or SEVERITY_RANK.get(warning.severity, 0) > limit:
            continue
        key = (warning.stage, warning.code, warning.severity)
        if key not in groups:
            meaning = meaning_of(warning.code, warning.severity).replace("`", "")  # plain text for pages
            groups[key] = WarningGroup(warning.stage, warning.code, warning.severity, meaning)
        groups[key].warnings.append(warning)
    ordered = sorted(enumerate(groups.values()),
                     key=lambda item: (SEVERITY_RANK.get(item[1].severity, 0), item[1].stage, item[0]))
    return [group for _, group in ordered]
