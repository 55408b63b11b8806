"""The authentication backend: Django's ModelBackend, with a user's permissions read in one query.

Django's own backend reads a user's permissions in two queries (the user's own, then its
groups'), the first time a request asks ``has_perm``; every API request asks it once. This one
asks the database once for both sets (two subqueries of one SELECT) and caches the result on
the user as Django does (``_perm_cache``), so what a user may do is exactly what
:class:`django.contrib.auth.backends.ModelBackend` answers.
"""

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class ModelBackend(DjangoModelBackend):
    """:class:`django.contrib.auth.backends.ModelBackend`, its permissions in one query."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                perms = Permission.objects.all()
            else:
                own = Permission.objects.filter(user=user_obj).values("pk")
                grouped = Permission.objects.filter(group__user=user_obj).values("pk")
                perms = Permission.objects.filter(Q(pk__in=own) | Q(pk__in=grouped))
            rows = perms.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
