"""Admin of the review app: the job review page and actions; django-q2's admin for superusers only.

Its Schedule admin lets a user run any importable function on the workers, and its task
lists show task arguments (engineering notes).
"""

import re

from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html
from django_q import admin as q_admin
from django_q import models as q_models

from jobs.admin import JobAdmin
from jobs.archive import job_archive, job_unarchive
from jobs.bulk_moves import jobs_bulk_approve_matching, jobs_bulk_approve_preview
from jobs.models import Job, Stage, Status
from jobs.services import BulkResult, jobs_retry
from jobs.transitions import TransitionError

from . import admin_tokens, views  # noqa: F401  (admin_tokens registers ApiToken)
from .bulk_report import report
from .held_actions import held_context


class SuperuserOnly:
    """Superusers only, and no more than django-q2's own admin allows them (its task lists
    are read-only: nobody adds a Success or a Failure by hand)."""

    @staticmethod
    def _superuser(request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request)

    def has_add_permission(self, request, *args):
        return self._superuser(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._superuser(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request) and super().has_delete_permission(request, obj)


for model, model_admin in (
    (q_models.Schedule, q_admin.ScheduleAdmin),
    (q_models.Success, q_admin.TaskAdmin),
    (q_models.Failure, q_admin.FailAdmin),
    (q_models.OrmQ, q_admin.QueueAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (SuperuserOnly, model_admin), {}))


# --- Jobs: the review page and the reviewers' actions ---------------------------------------





def _report(modeladmin, request, result, verb):
    if result.done:
        modeladmin.message_user(request, f"{verb} {len(result.done)} job(s): {', '.join(result.done[:10])}",
                                messages.SUCCESS)
    for job_id, why in list(result.refused.items())[:20]:
        modeladmin.message_user(request, f"{job_id}: {why}", messages.WARNING)


@admin.action(description="Approve matching of the selected jobs", permissions=["approve_matching"])
def approve_matching(modeladmin, request, queryset):
    """Approves only jobs with no low-confidence match left unconfirmed; reports the rest (each
    job's state read inside the approval, before anything moved)."""
    _bulk(modeladmin, request, jobs_bulk_approve_matching, queryset, "Approved matching of")


@admin.action(description="Approve preview of the selected jobs", permissions=["approve_preview"])
def approve_preview(modeladmin, request, queryset):
    _bulk(modeladmin, request, jobs_bulk_approve_preview, queryset, "Approved the preview of")


def _bulk(modeladmin, request, service, queryset, verb):
    try:
        result = service(jobs=queryset.values_list("pk", flat=True), user=request.user)
    except TransitionError as exc:
        modeladmin.message_user(request, exc.message, messages.ERROR)
        return
    report(request, result, verb)  # what was done, and what was skipped grouped by why


@admin.action(description="Retry the selected jobs", permissions=["start"])
def retry(modeladmin, request, queryset):
    try:
        result = jobs_retry(jobs=queryset, user=request.user)
    except TransitionError as exc:
        modeladmin.message_user(request, exc.message, messages.ERROR)
        return
    _report(modeladmin, request, result, "Queued again")


def _each(modeladmin, request, queryset, service, verb):
    result = BulkResult(done=[], refused={})
    for job in queryset:
        try:
            service(job=job, user=request.user)
            result.done.append(job.job_id)
        except TransitionError as exc:
            result.refused[job.job_id] = exc.message
    _report(modeladmin, request, result, verb)


@admin.action(description="Archive the selected jobs (off the dashboard, job ids free; audited)",
              permissions=["archive"])
def archive(modeladmin, request, queryset):
    _each(modeladmin, request, queryset.filter(archived=False), job_archive, "Archived")


@admin.action(description="Unarchive the selected jobs (audited)", permissions=["archive"])
def unarchive(modeladmin, request, queryset):
    _each(modeladmin, request, queryset.filter(archived=True), job_unarchive, "Unarchived")


class ReviewJobAdmin(JobAdmin):
    actions = [approve_matching, approve_preview, retry, archive, unarchive]
    list_display = ("job_id", "review_link") + JobAdmin.list_display[1:]

    @admin.display(description="review")
    def review_link(self, job):
        waiting = (job.stage, job.status) in (
            (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW),
            (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL),
            (Stage.DEPLOY, Status.NEEDS_ATTENTION),
        )
        url = reverse("admin:jobs_job_review", args=[job.pk])
        return format_html('<a href="{}">{}</a>', url, "Review ▸" if waiting else "Open")

    def get_urls(self):
        custom = [
            path("<int:object_id>/review/", self.admin_site.admin_view(self.review_view), name="jobs_job_review"),
        ]
        return custom + super().get_urls()

    def review_view(self, request, object_id):
        return views.review_job(request, object_id, self)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        # ASCII digits only (str.isdigit() takes "²" and "٢", which the <int:> URL refuses);
        # anything else is the admin's own "does not exist".
        if re.fullmatch(r"[0-9]{1,18}", str(object_id)):
            extra_context["review_url"] = reverse("admin:jobs_job_review", args=[object_id])
            job = Job.objects.filter(pk=object_id).first()
            if job is not None:  # the send-back's reason and the errors, at the top (no forms here)
                extra_context.update(job=job, actions=set(), **held_context(job, set()))
        return super().change_view(request, object_id, form_url, extra_context)

    def has_approve_matching_permission(self, request):
        return request.user.has_perm("jobs.approve_matching")

    def has_approve_preview_permission(self, request):
        return request.user.has_perm("jobs.approve_preview")

    def has_start_permission(self, request):
        return request.user.has_perm("jobs.start_job")

    def has_archive_permission(self, request):
        return request.user.has_perm("jobs.archive_job")


admin.site.unregister(Job)
admin.site.register(Job, ReviewJobAdmin)
