"""The JSON API under ``/api/`` (django-ninja; the OpenAPI document is at ``/api/openapi.json``).

Thin endpoints: authenticate (bearer token or session of an active staff user, see
:mod:`review.api_auth`), check the permission the admin asks for, parse, call a service or a
selector, and shape the answer. The acting user is always the authenticated one: a ``user_id``
in a body is not read.

Errors are ``{"message": …, "code": …}``: 400 ``invalid``, 401 ``unauthenticated``, 403
``forbidden``, 404 ``not_found``, 405 ``method_not_allowed``, 409 ``conflict`` (a move that is
not possible now), 413 ``too_large`` (a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``) and 500
``server_error`` (logged; the answer never carries the exception's text); ``ErrorOut`` in
:mod:`review.api_schemas` documents each code. The handlers below shape what the endpoints
raise; ``aeautomation.middleware`` shapes what is refused before them (NUL characters, Django's
limits) and any error page Django makes under ``/api/``.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.core import signals
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from django.utils.log import log_response
from ninja import File, NinjaAPI, Query, Schema
from ninja import Status as HttpStatus
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile
from pydantic import Field

from aeautomation.middleware import API_ERROR_CODES, API_ERROR_MESSAGES
from batches.models import Batch
from batches.services import batch_start, batch_state_counts, batch_upload
from jobs.models import Job, Stage
from jobs.selectors import LOG_PAGE_MAX, LOG_PAGE_SIZE, BadLogCursor, job_detail_queryset, job_log_page
from jobs.services import (
    MatchChange,
    job_approve_matching,
    job_approve_preview,
    job_retry,
    job_send_back,
    job_sign_off,
)
from jobs.transitions import TransitionError

from . import queue_pages, selectors
from .api_auth import BearerTokenAuth, CsrfRefused, SessionCsrfAuth, is_api_user, needs, user_for_token
from .api_bulk import router as bulk_router
from .api_held import router as held_router
from .api_schemas import (
    ApproveMatchingIn,
    ApprovePreviewIn,
    BatchOut,
    BatchStartedOut,
    BatchUploadedOut,
    ErrorOut,
    InvalidCsvOut,
    JobActionOut,
    JobOut,
    JobPageOut,
    LogPageOut,
    MatchingApprovedOut,
    PreprocessingStatusOut,
    SendBackIn,
    SignOffIn,
    StatsOut,
)

TRANSITION_STATUS = {"conflict": 409, "forbidden": 403, "invalid": 400}
# The middleware's table of error codes (405 stays the middleware's: no endpoint raises it).
HTTP_CODES = {**{k: v for k, v in API_ERROR_CODES.items() if k != 405}, 500: "server_error"}
UNAUTHENTICATED = (
    "Authentication required: log in as staff, or send 'Authorization: Bearer <token>' of a staff user "
    "(manage.py create_api_token)."
)
SERVER_ERROR = API_ERROR_MESSAGES[500]


def _authenticated_user(request):
    """The staff user of a bearer token or of the session (no CSRF needed: used for GETs only)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return user_for_token(header[7:])
    user = getattr(request, "user", None)
    return user if is_api_user(user) else None


def login_required_json(view):
    """Refuse anonymous requests with the API's 401 answer (for the schema and the docs)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if _authenticated_user(request) is None:
            return JsonResponse({"message": UNAUTHENTICATED, "code": "unauthenticated"}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="aeautomation API",
    version="1",
    description=(
        "The production pipeline: upload batches, follow jobs through stages 0-4, approve and send back. "
        "Authenticate with `Authorization: Bearer <token>` (python manage.py create_api_token USER) or the "
        "dashboard's session (with the CSRF token on POST)."
    ),
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionCsrfAuth()],
    docs_decorator=login_required_json,
)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
ACTION_ERRORS = {**ERRORS, 409: ErrorOut}

# Who may call what: the permissions the admin asks for (checked before the body is read).
VIEW_JOBS = needs("jobs.view_job")
VIEW_BATCHES = needs("batches.view_batch")
UPLOAD = needs("batches.upload_batch")
START = needs("jobs.start_job")
APPROVE_MATCHING = needs("jobs.approve_matching")
APPROVE_PREVIEW = needs("jobs.approve_preview")
SIGN_OFF = needs("jobs.sign_off_deploy")
# Sending back needs the permission of the job's stage; the service checks which.
SEND_BACK = needs("jobs.approve_matching", "jobs.approve_preview", "jobs.sign_off_deploy")


# --- Errors ---------------------------------------------------------------------------------


def error(request, status: int, message: str, **extra):
    """The API's error answer."""
    return api.create_response(request, {"message": message, "code": HTTP_CODES[status], **extra}, status=status)


@api.exception_handler(TransitionError)
def on_transition_error(request, exc: TransitionError):
    return error(request, TRANSITION_STATUS.get(exc.code, 409), exc.message)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error(request, 401, UNAUTHENTICATED)


@api.exception_handler(CsrfRefused)
def on_csrf_refused(request, exc):
    return error(request, 403, str(exc))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return error(request, 403, str(exc) or "You do not have permission to do this.")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, 404, str(exc) or "Not found.")


@api.exception_handler(ValidationError)
def on_invalid(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    message = f"Invalid input: {where}: {first.get('msg', 'invalid value')}" if where else "Invalid input."
    return error(request, 400, message, errors=exc.errors)


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request, exc: MultiPartParserError):
    return error(request, 400, f"The request body is not valid multipart form data: {exc}")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    status = exc.status_code if exc.status_code in HTTP_CODES else 400
    return error(request, status, exc.message)


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request, exc: SuspiciousOperation):
    """Django's limits met while an endpoint reads the request (a multipart upload, mostly)."""
    if isinstance(exc, RequestDataTooBig):
        response = error(request, 413, f"The request's form fields (files aside) are larger than the "
                                       f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes the API accepts.")
    elif isinstance(exc, TooManyFieldsSent):
        response = error(request, 400, f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields.")
    elif isinstance(exc, TooManyFilesSent):
        response = error(request, 400, f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files.")
    else:
        response = error(request, 400, "The request is not valid.")
    # Logged where Django logs these (django.security.<name>), as it would without this handler.
    log_response(str(exc), exception=exc, request=request, response=response, level="error",
                 logger=logging.getLogger(f"django.security.{exc.__class__.__name__}"))
    return response


@api.exception_handler(Exception)
def on_unhandled(request, exc: Exception):
    """Any other error: reported as Django reports one (the ``got_request_exception`` signal,
    the ``django.request`` log with the traceback) and answered with a generic 500, since
    the exception's text may hold database or file details.

    django-ninja's own handler for ``Exception`` re-raises (or, with DEBUG, answers the
    traceback as text)."""
    signals.got_request_exception.send(sender=None, request=request)
    response = error(request, 500, SERVER_ERROR)
    log_response("%s: %s", "Internal Server Error", request.path, response=response, request=request, exception=exc)
    return response


# --- Helpers --------------------------------------------------------------------------------


def get_job(job_id: str, queryset=None) -> Job:
    """The active job with this CSV job id, or 404."""
    job = selectors.active_job_by_job_id(job_id, queryset)
    if job is None:
        raise Http404(f"No job {job_id!r}.")
    return job


def action_result(job: Job) -> dict:
    return {"job_id": job.job_id, "stage": job.stage, "status": job.status}


def card_rows(cards) -> list[dict]:
    return [
        {"id": c.id, "job_id": c.job_id, "batch_id": c.batch_id, "client_name": c.client_name,
         "project_name": c.project_name, "priority": c.priority, "stage": c.stage, "status": c.status,
         "stage_entered_at": c.stage_entered_at, "warnings_count": c.warnings_count, "archived": c.archived}
        for c in cards
    ]


# --- Batches --------------------------------------------------------------------------------


@api.post("/batch/upload", response={202: BatchUploadedOut, 400: InvalidCsvOut, 401: ErrorOut, 403: ErrorOut},
          auth=UPLOAD, tags=["batches"])
def upload_batch(request, csv_file: File[UploadedFile]):
    """Store a CSV as a batch and answer at once (202) with it, ``import_state`` ``validating``:
    its rows are checked and its jobs imported (all or nothing) in the background; follow
    ``GET /api/batch/<id>`` until ``import_state`` is ``imported`` (or ``invalid``, with every
    error's line and column in ``report``). A file that is not a CSV of jobs at all (encoding,
    header) is refused at once: 400 with the report, nothing written."""
    if csv_file.size > settings.AEA_CSV_MAX_BYTES:
        return error(request, 400, f"The CSV is larger than {settings.AEA_CSV_MAX_BYTES} bytes.",
                     report={"ok": False, "errors": [], "warnings": []})
    result = batch_upload(data=csv_file.read(), filename=csv_file.name or "batch.csv", user=request.auth)
    if not result.ok:
        errors = result.report.errors
        return error(request, 400, f"The CSV has {len(errors)} error(s); first: {errors[0]}",
                     report=result.report.to_dict())
    batch = Batch.objects.select_related("uploaded_by").get(pk=result.batch.pk)
    return HttpStatus(202, {**batch_out(batch), "batch_id": batch.pk})


@api.post("/batch/{int:batch_id}/start-processing", response={200: BatchStartedOut, **ERRORS}, auth=START,
          tags=["batches"])
def start_batch(request, batch_id: int):
    """Queue every pending job of the batch for ingestion (Stage 1)."""
    batch = get_object_or_404(Batch, pk=batch_id)
    result = batch_start(batch=batch, user=request.auth)
    return {"batch_id": batch.pk, "started": result.started, "skipped": result.skipped}


@api.get("/batch/{int:batch_id}", response={200: BatchOut, **ERRORS}, auth=VIEW_BATCHES, tags=["batches"])
def get_batch(request, batch_id: int):
    """A batch, its derived status, its validation report and its jobs counted per stage, status
    and state class."""
    return batch_out(get_object_or_404(Batch.objects.select_related("uploaded_by"), pk=batch_id))


def batch_out(batch: Batch) -> dict:
    by_stage, by_status = selectors.batch_job_counts(batch)
    return {
        "id": batch.pk, "name": batch.name, "sha256": batch.sha256, "status": batch.status,
        "import_state": batch.import_state, "rows_validated": batch.rows_validated,
        "imported_at": batch.imported_at,
        "uploaded_by": batch.uploaded_by.get_username() if batch.uploaded_by else None,
        "created_at": batch.created_at, "started_at": batch.started_at, "row_count": batch.row_count,
        "job_count": batch.job_count, "warning_count": batch.warning_count, "report": batch.report,
        "jobs_by_stage": by_stage, "jobs_by_status": by_status,
        "finished_at": batch.finished_at, "jobs_by_state": batch_state_counts(batch.pk),
    }


# --- Reading jobs ---------------------------------------------------------------------------


@api.get("/dashboard/stats", response={200: StatsOut, **ERRORS}, auth=VIEW_JOBS, tags=["jobs"])
def dashboard_stats(request):
    """Jobs per stage and status, waiting for a person, failed, completed today, medians per stage."""
    stats = selectors.pipeline_stats()
    return {
        "total": stats.total,
        "stages": [
            {"stage": stage, "label": Stage(stage).label, "count": stats.by_stage[stage],
             "median_seconds": stats.median_seconds[stage]}
            for stage in Stage.values
        ],
        "by_status": stats.by_status,
        "waiting_for_human": stats.waiting_for_human,
        "failed": stats.failed,
        "completed_today": stats.completed_today,
        "median_sample_size": stats.median_sample_size,
        "generated_at": stats.generated_at,
    }


class StageListQuery(Schema):
    """Paging and the dashboard's filters."""

    page: int = Field(1, ge=1, description=f"The page, while page × page_size is at most {queue_pages.MAX_OFFSET}; "
                                           "deeper, follow `next` (cursor).")
    page_size: int = Field(50, ge=1, le=settings.API_MAX_PAGE_SIZE)
    cursor: str = Field("", max_length=200,
                        description="The `next` of the previous page: the page after it (then `page` is not read). "
                                    "Each next page costs the same however deep it is.")
    q: str = ""
    batch: int | None = Field(None, ge=1, le=selectors.MAX_ID, description="Only the jobs of this batch (its id).")
    priority: str = ""
    status: str = ""
    client: str = ""
    archived: str = Field("", pattern="^(include|only)?$",
                          description="'include': archived jobs too; 'only': archived jobs only; "
                                          "empty (the default): active jobs only.")


@api.get("/jobs/stage/{int:stage}", response={200: JobPageOut, **ERRORS}, auth=VIEW_JOBS, tags=["jobs"])
def jobs_in_stage(request, stage: int, params: Query[StageListQuery]):
    """One page of the stage's jobs, by priority then age: the first (or ``page``), or the one
    after ``cursor`` (the previous page's ``next``; null on the last page). ``count`` is exact
    unless a search or a batch, priority or client filter is on: then it stops at 10,000 (a
    search's at 5,000; ``count_exact`` false)."""
    if stage not in Stage.values:
        return error(request, 400, f"Stage {stage} does not exist: stages are 0 to 4.")
    cursor = None
    if params.cursor:
        try:
            cursor = queue_pages.QueueCursor.decode(params.cursor, stage=stage)
        except queue_pages.BadCursor as exc:
            return error(request, 400, f"Invalid cursor: {exc}")
    elif (params.page - 1) * params.page_size >= queue_pages.MAX_OFFSET:
        return error(request, 400, f"Page {params.page} is too deep: page numbers reach the first "
                                   f"{queue_pages.MAX_OFFSET} jobs; follow each page's 'next' (cursor=) instead.")
    filters = selectors.JobFilters.from_query(params.dict())
    page = queue_pages.jobs_in_stage_page(stage=stage, filters=filters, page=params.page, page_size=params.page_size,
                                          cursor=cursor)
    return {"stage": stage, "count": page.count, "count_exact": page.count_exact, "page": page.page,
            "page_size": page.page_size, "pages": page.pages, "next": page.next_cursor,
            "results": card_rows(page.results)}


@api.get("/job/{job_id}", response={200: JobOut, **ERRORS}, auth=VIEW_JOBS, tags=["jobs"])
def get_job_detail(request, job_id: str):
    """One job (by its CSV job id) with its warnings, audit log, files and what each stage found."""
    return get_job(job_id, job_detail_queryset())


class LogPageQuery(Schema):
    before: str = Field("", max_length=64, description="A previous page's 'next' (or the job's 'logs_next'); "
                                                       "empty: the newest entries.")
    limit: int = Field(LOG_PAGE_SIZE, ge=1, le=LOG_PAGE_MAX)


@api.get("/job/{job_id}/logs", response={200: LogPageOut, **ERRORS}, auth=VIEW_JOBS, tags=["jobs"])
def job_logs(request, job_id: str, params: Query[LogPageQuery]):
    """A page of the job's audit log, newest first: ``before`` is the cursor the previous page
    (or the job's ``logs_next``) gave. Pages never repeat or skip an entry."""
    job = get_job(job_id)
    try:
        page = job_log_page(job, before=params.before or None, limit=params.limit)
    except BadLogCursor as exc:
        return error(request, 400, str(exc))
    return {"job_id": job.job_id, "results": page.entries, "next": page.next_cursor}


@api.get("/job/{job_id}/preprocessing-status/{int:stage}", response={200: PreprocessingStatusOut, **ERRORS},
         auth=VIEW_JOBS, tags=["jobs"])
def preprocessing_status(request, job_id: str, stage: int):
    """Whether the stage's background work for the job is done, queued, processing or failed."""
    if stage not in Stage.values:
        return error(request, 400, f"Stage {stage} does not exist: stages are 0 to 4.")
    job = get_job(job_id)
    return {
        "job_id": job.job_id, "stage": stage, "state": selectors.stage_work_state(job, stage),
        "job_stage": job.stage, "job_status": job.status, "last_error": job.last_error,
        "assets": selectors.stage_assets(job, stage),
    }


# --- Acting on jobs -------------------------------------------------------------------------


def _match_changes(payload: ApproveMatchingIn | None) -> dict:
    """The overrides as the service takes them; 400 when a placeholder is named twice."""
    changes = {}
    for override in payload.matches if payload else []:
        key = (override.composition, override.layer_index)
        if key in changes:
            raise HttpError(400, f"{override.composition} layer {override.layer_index} is named twice.")
        changes[key] = MatchChange(override.psd_layer_id, override.fit, True)
    return changes


@api.post("/job/{job_id}/approve-stage2", response={200: MatchingApprovedOut, **ACTION_ERRORS},
          auth=APPROVE_MATCHING, tags=["actions"])
def approve_stage2(request, job_id: str, payload: ApproveMatchingIn | None = None):
    """Approve the matching (optionally overriding placeholders) and queue the preview.

    The approval confirms every match it approves; low-confidence matches nobody confirmed and
    empty placeholders are approved too and listed in ``approved_anyway``."""
    job = job_approve_matching(job=get_job(job_id), user=request.auth, changes=_match_changes(payload),
                               approve_anyway=True)
    return {**action_result(job), "approved_anyway": job.move_log.details.get("approved_anyway", [])}


@api.post("/job/{job_id}/approve-stage3", response={200: JobActionOut, **ACTION_ERRORS}, auth=APPROVE_PREVIEW,
          tags=["actions"])
def approve_stage3(request, job_id: str, payload: ApprovePreviewIn | None = None):
    """Approve the preview (with optional notes) and queue validation and deploy."""
    notes = payload.approval_notes.strip() if payload else ""
    return action_result(job_approve_preview(job=get_job(job_id), user=request.auth, notes=notes))


@api.post("/job/{job_id}/send-back", response={200: JobActionOut, **ACTION_ERRORS}, auth=SEND_BACK, tags=["actions"])
def send_back(request, job_id: str, payload: SendBackIn):
    """Send the job back with a reason (Stage 2 → producer, 3 → matching, 4 → stage 2 or 3)."""
    job = job_send_back(job=get_job(job_id), user=request.auth, reason=payload.reason, to_stage=payload.to_stage)
    return action_result(job)


@api.post("/job/{job_id}/sign-off", response={200: JobActionOut, **ACTION_ERRORS}, auth=SIGN_OFF, tags=["actions"])
def sign_off(request, job_id: str, payload: SignOffIn):
    """Accept Stage 4's warnings with a reason; the job is validated and deployed again."""
    return action_result(job_sign_off(job=get_job(job_id), user=request.auth, reason=payload.reason))


@api.post("/job/{job_id}/retry", response={200: JobActionOut, **ACTION_ERRORS}, auth=START, tags=["actions"])
def retry(request, job_id: str):
    """Queue failed or held work again."""
    return action_result(job_retry(job=get_job(job_id), user=request.auth))


api.add_router("/jobs/bulk", bulk_router)  # bulk approvals and send-backs: review/api_bulk.py
# Resubmit, archive, unarchive (review/api_held.py).
api.add_router("", held_router)
