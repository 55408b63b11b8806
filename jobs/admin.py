from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from batches.csv_format import output_name_problem

from .models import (
    Job,
    JobAsset,
    JobLog,
    JobWarning,
    LearnedEvidence,
    LearnedMapping,
    ParsedFile,
    Stage,
    Status,
    priority_rank,
)
from .selectors import job_log_page


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class JobWarningInline(ReadOnlyInline):
    model = JobWarning
    fields = ("stage", "severity", "code", "message", "resolved_by", "resolved_at")
    readonly_fields = fields


#: Audit log entries the job's change page shows (the rest: the log's list, filtered by job).
ADMIN_LOG_ENTRIES = 20


def asset_file_link(asset) -> str:
    """A link to an asset through the permission-checked file view (MEDIA_ROOT is not served);
    a PNG shows as a thumbnail."""
    if not asset.file:
        return "—"
    url = reverse("review:asset", args=[asset.pk])
    if asset.file.name.endswith(".png"):
        return format_html('<a href="{0}"><img src="{0}" style="max-height:48px" alt=""></a>', url)
    return format_html('<a href="{}">{}</a>', url, asset.file.name.rsplit("/", 1)[-1])


class JobAssetInline(ReadOnlyInline):
    model = JobAsset
    fields = ("stage", "kind", "key", "preview", "size", "sha256")
    readonly_fields = fields

    @admin.display(description="file")
    def preview(self, asset):
        return asset_file_link(asset)


#: The columns a batch CSV gives a job (editable in the admin only before Stage 1). ``archived``
#: is not one: archiving is an audited move (jobs/archive.py), the job list's actions.
CSV_FIELDS = ("output_name", "client_name", "project_name", "priority", "notes")


class JobForm(forms.ModelForm):
    """The Job change form: the CSV fields checked by the importer's own rules."""

    class Meta:
        model = Job
        fields = "__all__"

    def clean_output_name(self):
        value = self.cleaned_data["output_name"]
        problem = output_name_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean_client_name(self):
        return self._one_line("client_name")

    def clean_project_name(self):
        return self._one_line("project_name")

    def _one_line(self, name):
        value = self.cleaned_data[name]
        if any(ch in value for ch in "\r\n\x00"):
            raise forms.ValidationError("must be one line of text")
        return value


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("job_id", "client_name", "project_name", "priority", "stage", "status", "batch", "updated_at")
    list_filter = ("stage", "status", "archived", "priority", "batch", "client_name")
    search_fields = ("job_id", "client_name", "project_name")
    list_select_related = ("batch",)
    date_hierarchy = "created_at"
    # The audit log is not an inline (a year of retries is thousands of rows): the newest
    # entries, and a link to the log's list filtered by the job (audit_log below).
    inlines = [JobWarningInline, JobAssetInline]
    # The stage machine owns stage and status; nothing here edits them.
    readonly_fields = (
        "batch", "line", "job_id", "psd_path", "aepx_path", "stage", "status", "stage_entered_at",
        "stage1_completed_at", "stage2_completed_at", "stage2_completed_by", "stage3_completed_at",
        "stage3_completed_by", "stage4_completed_at", "attempts", "retries", "lease_expires_at", "last_error",
        "psd_sha256", "template_sha256", "psd_description", "template_description", "matches",
        "preview", "validation", "deploy", "created_at", "updated_at", "archived", "audit_log",
    )
    fieldsets = (
        (None, {"fields": ("job_id", "batch", "line", "stage", "status", "last_error")}),
        ("From the CSV", {"fields": ("psd_path", "aepx_path", "output_name", "client_name", "project_name",
                                     "priority", "notes", "archived")}),
        ("Progress", {"classes": ("collapse",), "fields": (
            "stage_entered_at", "stage1_completed_at", "stage2_completed_at", "stage2_completed_by",
            "stage3_completed_at", "stage3_completed_by", "stage4_completed_at", "attempts", "retries",
            "lease_expires_at",
            "created_at", "updated_at")}),
        ("Descriptions", {"classes": ("collapse",), "fields": (
            "psd_sha256", "template_sha256", "psd_description", "template_description", "matches", "preview",
            "validation", "deploy")}),
        ("Audit log", {"fields": ("audit_log",)}),
    )

    @admin.display(description="newest entries")
    def audit_log(self, job):
        """The job's newest audit log entries (one indexed query) and a link to all of them."""
        if job.pk is None:
            return "—"
        page = job_log_page(job, limit=ADMIN_LOG_ENTRIES)
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((f"{log.created_at:%Y-%m-%d %H:%M:%S}", log.stage, log.action, log.actor,
              f"{log.from_status} → {log.to_status}" if log.to_status else "", log.message)
             for log in page.entries),
        )
        link = reverse("admin:jobs_joblog_changelist") + f"?job__id__exact={job.pk}"
        more = "All of its entries" if page.next_cursor else "As a list"
        return format_html(
            '<table data-testid="audit-log"><thead><tr><th>When</th><th>Stage</th><th>Action</th><th>Who</th>'
            "<th>Move</th><th>Message</th></tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}" data-testid="job-log-list">{}</a></p>',
            rows or mark_safe('<tr><td colspan="6">No entries.</td></tr>'), link, more,
        )

    def has_add_permission(self, request):
        return False  # jobs come from a batch CSV

    def get_readonly_fields(self, request, obj=None):
        """The CSV's fields are editable only while the job waits at Stage 0: after that the
        stages have used them (the output name is in the script and the commands)."""
        fields = tuple(self.readonly_fields)
        if obj is not None and (obj.stage, obj.status) != (Stage.VALIDATE, Status.PENDING):
            fields += tuple(f for f in CSV_FIELDS if f not in fields)
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs.setdefault("form", JobForm)
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        """Write only the fields this form changed (and may change): the stage machine owns the
        rest of the row, which a whole-row save from a page opened minutes ago would undo."""
        if not change:
            return super().save_model(request, obj, form, change)
        editable = [name for name in form.changed_data if name not in self.get_readonly_fields(request, obj)]
        if editable:
            if "priority" in editable:
                obj.priority_rank = priority_rank(obj.priority)
                editable.append("priority_rank")
            obj.save(update_fields=[*editable, "updated_at"])


@admin.register(JobWarning)
class JobWarningAdmin(admin.ModelAdmin):
    list_display = ("job", "stage", "severity", "code", "message", "resolved_at")
    list_filter = ("stage", "severity", "code")
    search_fields = ("job__job_id", "code", "message")
    list_select_related = ("job",)
    readonly_fields = ("job", "stage", "severity", "code", "message", "details", "created_at")


@admin.register(JobLog)
class JobLogAdmin(admin.ModelAdmin):
    """The audit log, read-only for everyone; a job's entries with ``?job__id__exact=<pk>`` (the
    job's change page links there), newest first.

    Millions of rows: the filters make no query of their own (no distinct values of a column,
    no date hierarchy's distinct years), and a filtered list counts its own rows only."""

    list_display = ("created_at", "job", "stage", "action", "actor", "from_status", "to_status", "message")
    list_filter = ("stage", ("created_at", admin.DateFieldListFilter))
    search_fields = ("job__job_id", "actor", "action", "message")
    list_select_related = ("job",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JobAsset)
class JobAssetAdmin(admin.ModelAdmin):
    list_display = ("job", "stage", "kind", "key", "size", "sha256")
    list_filter = ("stage", "kind")
    search_fields = ("job__job_id", "sha256")
    list_select_related = ("job",)
    fields = ("job", "stage", "kind", "key", "file_link", "size", "sha256", "metadata", "created_at")
    readonly_fields = fields

    @admin.display(description="file")
    def file_link(self, asset):
        return asset_file_link(asset)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ParsedFile)
class ParsedFileAdmin(admin.ModelAdmin):
    list_display = ("reader", "reader_version", "sha256", "created_at")
    list_filter = ("reader",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LearnedEvidenceInline(ReadOnlyInline):
    model = LearnedEvidence
    fields = ("job", "approved_by", "created_at")
    readonly_fields = fields
    verbose_name_plural = "Evidence: jobs whose approved preview chose this layer"


@admin.action(description="Retire the selected learned mappings (the matcher stops using them)")
def retire_learned_mappings(modeladmin, request, queryset):
    count = queryset.filter(active=True).update(active=False)
    for mapping in queryset:
        modeladmin.log_change(request, mapping, "Retired")
    modeladmin.message_user(request, f"Retired {count} learned mapping(s).")


@admin.register(LearnedMapping)
class LearnedMappingAdmin(admin.ModelAdmin):
    """What approved work taught the matcher: each pattern with its evidence; retire one."""

    list_display = ("composition", "placeholder", "psd_name_pattern", "psd_kind", "approvals", "active",
                    "times_applied", "updated_at")
    list_filter = ("active", "psd_kind")
    search_fields = ("composition", "placeholder", "psd_name_pattern", "template_sha256")
    actions = [retire_learned_mappings]
    inlines = [LearnedEvidenceInline]
    readonly_fields = ("template_sha256", "composition", "placeholder", "psd_name_pattern", "psd_kind",
                       "times_applied", "created_by", "source_job", "created_at", "updated_at")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(approval_count=Count("evidence"))

    @admin.display(description="approved jobs", ordering="approval_count")
    def approvals(self, mapping):
        return mapping.approval_count
