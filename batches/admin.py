from django.contrib import admin, messages
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from jobs.transitions import PermissionRefused, TransitionNotAllowed

from .models import Batch
from .services import STATE_CLASSES, batch_start, state_class_counts_aggregate


@admin.action(description="Start processing the selected batches", permissions=["start"])
def start_processing(modeladmin, request, queryset):
    for batch in queryset:
        try:
            result = batch_start(batch=batch, user=request.user)
        except PermissionRefused as exc:
            modeladmin.message_user(request, str(exc), messages.ERROR)
            return
        except TransitionNotAllowed as exc:  # still validating or importing, or invalid
            modeladmin.message_user(request, exc.message, messages.WARNING)
            continue
        modeladmin.message_user(
            request,
            f"{batch}: queued {result.started} job(s) for ingestion"
            + (f"; {result.skipped} were not pending." if result.skipped else "."),
            messages.SUCCESS if result.started else messages.WARNING,
        )


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "state", "finished_at", "job_count", "job_states", "warning_count",
                    "uploaded_by", "created_at")
    list_filter = ("import_state", "status")
    search_fields = ("name", "sha256")
    exclude = ("csv_file",)  # shown as csv_link
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default, today
    readonly_fields = ("name", "csv_link", "sha256", "uploaded_by", "created_at", "started_at", "row_count",
                       "job_count", "warning_count", "report", "import_state", "rows_validated", "imported_at",
                       "start_when_imported", "status", "finished_at", "job_states")
    actions = [start_processing]

    def get_queryset(self, request):
        # The jobs per state class, counted by the list's one query.
        return super().get_queryset(request).annotate(**state_class_counts_aggregate("jobs__"))

    @admin.display(description="Status", ordering="status")
    def state(self, batch):
        """The import state until the jobs exist (validating with its progress, importing,
        invalid), then the status derived from them."""
        if batch.import_state == Batch.ImportState.VALIDATING and batch.row_count:
            return f"Validating ({batch.rows_validated:,} of {batch.row_count:,} rows)"
        return batch.state_label

    @admin.display(description="Jobs by state")
    def job_states(self, batch):
        labels = {"not_started": "not started", "automatic": "processing", "waiting": "waiting",
                  "completed": "completed", "failed": "failed"}
        parts = [f"{getattr(batch, f'jobs_{cls}', 0)} {labels[cls]}" for cls in STATE_CLASSES
                 if getattr(batch, f"jobs_{cls}", 0)]
        return ", ".join(parts) or "no jobs"

    def has_add_permission(self, request):
        return False  # batches come from an upload or import_batch

    @admin.display(description="CSV file")
    def csv_link(self, batch):
        # Through the permission-checked file view: MEDIA_ROOT is not served as is.
        return format_html('<a href="{}">{}</a>', reverse("review:batch_csv", args=[batch.pk]), batch.name)

    def has_start_permission(self, request):
        return request.user.has_perm("jobs.start_job")
