"""The admin of API tokens: list, name and revoke them; a token's value is never shown.

Registered when ``review/admin.py`` imports this module (``from . import admin_tokens``).
Tokens are made with ``manage.py create_api_token``, which prints the value once.
"""

from django.contrib import admin, messages
from django.utils import timezone

from .api_auth import api_token_revoke
from .models import ApiToken


@admin.action(description="Revoke the selected tokens")
def revoke_tokens(modeladmin, request, queryset):
    count = 0
    for token in queryset.filter(revoked=False):
        api_token_revoke(token=token)
        count += 1
    modeladmin.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "user", "created", "last_used", "revoked")
    list_filter = ("revoked",)
    search_fields = ("prefix", "name", "user__username")
    list_select_related = ("user",)
    actions = [revoke_tokens]
    fields = ("user", "name", "prefix", "created", "last_used", "revoked", "revoked_at")
    readonly_fields = ("user", "prefix", "created", "last_used", "revoked_at")

    def has_add_permission(self, request):
        return False  # manage.py create_api_token makes them, and shows the value once

    def get_readonly_fields(self, request, obj=None):
        # Revoking is for good: a revoked token cannot be brought back (make a new one).
        return self.readonly_fields + (("revoked",) if obj is not None and obj.revoked else ())

    def save_model(self, request, obj, form, change):
        if obj.revoked and obj.revoked_at is None:
            obj.revoked_at = timezone.now()
        super().save_model(request, obj, form, change)
