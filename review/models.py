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


class DigestState(models.Model):
    """When a person was last sent an email digest (:mod:`review.notifications`).

    The row is the per-person lock of the digests: a run sends a person's digest only if its
    conditional UPDATE moved ``last_sent_at`` from the value it read, so of two runs at once
    one sends, and nobody gets two within ``AEA_DIGEST_MINUTES``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="digest_state"
    )
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "digest state"

    def __str__(self):
        return f"digests of {self.user} (last {self.last_sent_at or 'never'})"


class Notification(models.Model):
    """A job that arrived in one of a person's queues and that no digest has told yet.

    Written inside the move's transaction (by the ``stage_changed`` receiver), taken by the
    digest task (``claimed_at``) and deleted once its digest went out.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="+")
    queue = models.CharField(max_length=20, help_text="The queue the job arrived in (review.notifications.QUEUES).")
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a digest run took it (a run that died leaves it to be taken again)."
    )

    class Meta:
        indexes = [models.Index(fields=["user", "claimed_at"])]

    def __str__(self):
        return f"{self.job} in {self.queue} for {self.user}"
