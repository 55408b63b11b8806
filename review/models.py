"""Models of the review app: per-user API tokens for scripts.

A token is shown once, when it is made; the database keeps only its SHA-256 and a short
visible prefix that tells tokens apart in the admin. See :mod:`review.api_auth`.
"""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A user's API token, sent as ``Authorization: Bearer <token>``. Revoked tokens are refused."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for (a script, a machine).")
    prefix = models.CharField(max_length=12, help_text="The token's first characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the token.")
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self):
        label = self.name or "token"
        return f"{label} ({self.prefix}…) of {self.user}"
