"""Admin set-up of the review app: django-q2's admin is for superusers only.

Its Schedule admin lets a user run any importable function on the workers, and its task
lists show task arguments (engineering notes).
"""

from django.contrib import admin
from django_q import admin as q_admin
from django_q import models as q_models


class SuperuserOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


for model, model_admin in (
    (q_models.Schedule, q_admin.ScheduleAdmin),
    (q_models.Success, q_admin.TaskAdmin),
    (q_models.Failure, q_admin.FailAdmin),
    (q_models.OrmQ, q_admin.QueueAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (SuperuserOnly, model_admin), {}))
