from django.contrib import admin, messages

from jobs.transitions import PermissionRefused

from .models import Batch
from .services import batch_start


@admin.action(description="Start processing the selected batches", permissions=["start"])
def start_processing(modeladmin, request, queryset):
    for batch in queryset:
        try:
            result = batch_start(batch=batch, user=request.user)
        except PermissionRefused as exc:
            modeladmin.message_user(request, str(exc), messages.ERROR)
            return
        modeladmin.message_user(
            request,
            f"{batch}: queued {result.started} job(s) for ingestion"
            + (f"; {result.skipped} were not pending." if result.skipped else "."),
            messages.SUCCESS if result.started else messages.WARNING,
        )


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "status", "job_count", "warning_count", "uploaded_by", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "sha256")
    readonly_fields = ("name", "csv_file", "sha256", "uploaded_by", "created_at", "started_at", "row_count",
                       "job_count", "warning_count", "report", "status")
    actions = [start_processing]

    def has_add_permission(self, request):
        return False  # batches come from an upload or import_batch

    def has_start_permission(self, request):
        return request.user.has_perm("jobs.start_job")
