"""The JSON API's request and response shapes (django-ninja schemas → the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import ValidationError as PydanticValidationError
from pydantic import WrapValidator
from pydantic_core import PydanticCustomError

from jobs.models import Stage, Status
from jobs.selectors import LOG_PAGE_SIZE, newest_logs

FitMode = Literal["fit", "fill", "stretch"]
WorkState = Literal["done", "queued", "processing", "failed", "not_started"]


# The ``code`` of every error answer, by HTTP status (``aeautomation.middleware.API_ERROR_CODES``
# and ``review.api.HTTP_CODES`` answer with these; programs branch on the code, people read the message).
ERROR_CODES = {
    "invalid": "400: the request is not valid (a bad path, query or body value; the message names it)",
    "unauthenticated": "401: no session of an active staff user and no valid bearer token",
    "forbidden": "403: the user lacks the permission (or a session POST lacks its CSRF token)",
    "not_found": "404: no such job, batch or API endpoint",
    "method_not_allowed": "405: the endpoint does not take this HTTP method (see the Allow header)",
    "conflict": "409: the job is not in a state this action starts from (e.g. approved twice)",
    "too_large": "413: the body is over DATA_UPLOAD_MAX_MEMORY_SIZE",
    "server_error": "500: an unexpected error, logged; the message never carries its details",
}
ErrorCode = Literal[
    "invalid", "unauthenticated", "forbidden", "not_found", "method_not_allowed", "conflict", "too_large",
    "server_error",
]
# The stages a job at Stage 4 can be sent back to (jobs.services.SEND_BACK_ACTIONS).
SendBackStage = Literal[2, 3]
TO_STAGE_PROBLEM = (
    "must be 2 (matching) or 3 (preview), the stages a job at stage 4 can be sent back to; "
    "leave it out (or null) for a job at stage 2 or 3."
)


class ErrorOut(Schema):
    """Every error: a sentence for people and a stable code for programs."""

    message: str = Field(..., description="What is wrong, in a sentence; never a traceback or a database message.")
    code: ErrorCode = Field(..., description="; ".join(f"`{code}` ({why})" for code, why in ERROR_CODES.items()))


class InvalidCsvOut(ErrorOut):
    report: dict[str, Any] = Field(..., description="The validation report: errors and warnings with line and column.")


# --- Requests ---------------------------------------------------------------------------------


class MatchOverride(Schema):
    """Put a PSD layer (or nothing: null) into one placeholder, and confirm it."""

    composition: str
    layer_index: int = Field(..., ge=1)
    psd_layer_id: int | None
    fit: FitMode | None = None


class ApproveMatchingIn(Schema):
    matches: list[MatchOverride] = Field(default_factory=list, description="Overrides of the proposed mapping.")


class ApprovePreviewIn(Schema):
    approval_notes: str = Field("", max_length=10_000)


def _send_back_stage(value, handler):
    """``to_stage`` as its Literal validates it, with one message for every refused value."""
    try:
        return handler(value)
    except PydanticValidationError:
        raise PydanticCustomError("to_stage", TO_STAGE_PROBLEM) from None


class SendBackIn(Schema):
    reason: str = Field(..., max_length=10_000)
    to_stage: Annotated[SendBackStage | None, WrapValidator(_send_back_stage)] = Field(
        None, description="From Stage 4 only: 2 (matching) or 3 (preview); leave it out for a job at stage 2 or 3.")


class SignOffIn(Schema):
    reason: str = Field(..., max_length=10_000)


# --- Responses --------------------------------------------------------------------------------


class AssetOut(Schema):
    id: int
    stage: int
    kind: str
    key: str
    size: int
    sha256: str
    metadata: dict[str, Any]
    url: str = Field(..., description="Staff-only download (session).")

    @staticmethod
    def resolve_url(asset) -> str:
        return reverse("review:asset", args=[asset.pk])


class WarningOut(Schema):
    id: int
    stage: int
    severity: str
    code: str
    message: str
    details: dict[str, Any]
    created_at: datetime
    resolved_at: datetime | None
    resolution: str


class LogOut(Schema):
    id: int
    stage: int
    action: str
    actor: str
    from_stage: int | None
    from_status: str
    to_stage: int | None
    to_status: str
    message: str
    details: dict[str, Any]
    created_at: datetime


class LogPageOut(Schema):
    """One page of a job's audit log, newest first."""

    job_id: str
    results: list[LogOut]
    next: str | None = Field(None, description="The 'before' of the next (older) page; null on the last page.")


class JobSummaryOut(Schema):
    """A job in a list: where it is and how urgent."""

    id: int
    job_id: str
    batch_id: int
    client_name: str
    project_name: str
    priority: str
    stage: int
    status: str
    stage_entered_at: datetime
    warnings_count: int = Field(..., description="Unresolved warnings.")
    archived: bool = Field(False, description="Archived (listed only with archived=include or only).")


class SendBackOut(Schema):
    """The send-back that put the job where it is (jobs/attention.py)."""

    action: str
    by: str
    at: datetime
    from_stage: int
    to_stage: int
    reason: str


class BlockerOut(Schema):
    """An open error a sign-off cannot accept, with what to do instead."""

    code: str
    stage: int
    count: int
    message: str
    fix: str


class JobOut(Schema):
    """One job with everything its stages found."""

    id: int
    job_id: str
    batch_id: int
    line: int
    stage: int
    stage_label: str
    status: str
    status_label: str
    client_name: str
    project_name: str
    priority: str
    output_name: str
    notes: str
    psd_path: str
    aepx_path: str
    stage_entered_at: datetime
    created_at: datetime
    updated_at: datetime
    attempts: int
    last_error: str
    matches: list[dict[str, Any]]
    preview: dict[str, Any]
    validation: dict[str, Any]
    deploy: dict[str, Any]
    warnings: list[WarningOut]
    logs: list[LogOut] = Field(
        ..., description=f"The newest {LOG_PAGE_SIZE} audit log entries, newest first; the older ones: "
                         "GET /api/job/<job_id>/logs?before=<logs_next>.")
    logs_next: str | None = Field(
        None, description="The cursor of the older entries (the 'before' of /api/job/<job_id>/logs); "
                          "null when 'logs' holds the whole log.")
    assets: list[AssetOut]
    allowed_actions: list[str] = Field(..., description="What the calling user may do to the job now.")
    archived: bool
    send_back: SendBackOut | None = Field(
        None, description="The latest send-back (who, when, from which stage, why), while the job is where it put it.")
    sign_off_blockers: list[BlockerOut] = Field(
        [], description="At Stage 4: the open errors a sign-off cannot accept, each with what to do instead.")

    @staticmethod
    def resolve_stage_label(job) -> str:
        return Stage(job.stage).label

    @staticmethod
    def resolve_status_label(job) -> str:
        return Status(job.status).label

    @staticmethod
    def resolve_logs(job) -> list:
        return newest_logs(job).entries

    @staticmethod
    def resolve_logs_next(job) -> str | None:
        return newest_logs(job).next_cursor

    @staticmethod
    def resolve_allowed_actions(job, context) -> list[str]:
        from jobs.transitions import allowed_actions

        actions = allowed_actions(job, context["request"].auth)
        return [a for a in actions if a != "sign_off"] if JobOut.resolve_sign_off_blockers(job) else actions

    @staticmethod
    def resolve_send_back(job) -> dict | None:
        from jobs.attention import latest_send_back

        found = latest_send_back(job)
        return found.to_dict() if found else None

    @staticmethod
    def resolve_sign_off_blockers(job) -> list[dict]:
        from jobs.attention import sign_off_blockers

        if (job.stage, job.status) != (Stage.DEPLOY, Status.NEEDS_ATTENTION):
            return []
        return [vars(b) for b in sign_off_blockers(job)]


class JobPageOut(Schema):
    stage: int
    count: int = Field(..., description="Jobs in the list: exact when count_exact, else at least this many "
                                        "(filtered counts stop at 10,000, a search's at 5,000).")
    count_exact: bool = Field(True, description="False when count stopped at its cap.")
    page: int | None = Field(..., description="This page's number; null when reached by a cursor.")
    page_size: int
    pages: int = Field(..., description="Pages of count jobs (of the capped count when count_exact is false).")
    next: str | None = Field(None, description="The cursor of the next page (pass it as cursor=); null on the "
                                               "last page.")
    results: list[JobSummaryOut]


class BatchStartedOut(Schema):
    batch_id: int
    started: int
    skipped: int


class BatchOut(Schema):
    id: int
    name: str
    sha256: str
    status: str = Field(..., description="Derived from the jobs: imported, processing, waiting (for people), "
                                         "done or done_with_failures; means nothing until import_state is "
                                         "imported (a batch without jobs is 'imported').")
    import_state: str = Field(
        "imported", description="An upload's background work: validating (rows_validated of row_count), importing "
                                "(valid; the jobs are being written), imported (the jobs exist) or invalid (no job; "
                                "report.errors has every error with its line and column).")
    rows_validated: int = Field(0, description="Rows checked so far, of row_count, while validating.")
    imported_at: datetime | None = Field(None, description="When the jobs were imported.")
    uploaded_by: str | None
    created_at: datetime
    started_at: datetime | None
    row_count: int
    job_count: int
    warning_count: int
    report: dict[str, Any]
    jobs_by_stage: dict[int, int]
    jobs_by_status: dict[str, int]
    finished_at: datetime | None = Field(
        None, description="When the batch became done or done_with_failures; null while it is not.")
    jobs_by_state: dict[str, int] = Field(
        default_factory=dict,
        description="Jobs per state class: not_started, automatic (queued/processing), waiting (for a person), "
                    "completed, failed (failed or archived).")


class BatchUploadedOut(BatchOut):
    """The upload's answer (202): the batch as ``GET /api/batch/<id>`` shows it, still validating."""

    batch_id: int = Field(..., description="The batch's id (the same as id).")


class StageStatOut(Schema):
    stage: int
    label: str
    count: int
    median_seconds: float | None = Field(..., description="Median time recent jobs spent in the stage.")


class StatsOut(Schema):
    total: int
    stages: list[StageStatOut]
    by_status: dict[str, int]
    waiting_for_human: int
    failed: int
    completed_today: int
    median_sample_size: int
    generated_at: datetime


class PreprocessingStatusOut(Schema):
    job_id: str
    stage: int
    state: WorkState
    job_stage: int
    job_status: str
    last_error: str
    assets: list[AssetOut]


class JobActionOut(Schema):
    """A job after an action: where it is now."""

    job_id: str
    stage: int
    status: str


class JobHeldActionOut(JobActionOut):
    """A job after a resubmit, an archive or an unarchive."""

    id: int
    archived: bool
    psd_path: str
    aepx_path: str


class ArchiveIn(Schema):
    reason: str = Field("", max_length=10_000)


class MatchingApprovedOut(JobActionOut):
    """A job after its matching was approved, and what the approval accepted unconfirmed."""

    approved_anyway: list[str] = Field(
        default_factory=list,
        description="Low-confidence matches no reviewer confirmed and placeholders left empty, "
        "accepted by this approval (each named); empty when there were none.",
    )
