from django.conf import settings
from django.db import models


class Batch(models.Model):
    """One uploaded CSV: the file as it was, who uploaded it, and its validation report.

    A batch exists only for a CSV that validated: an invalid CSV writes nothing.
    """

    class Status(models.TextChoices):
        """Derived from the batch's jobs by :func:`batches.services.batch_refresh_status`."""

        IMPORTED = "imported", "Imported"  # no job started yet
        PROCESSING = "processing", "Processing"  # some job queued or processing (automatic work)
        WAITING = "waiting", "Waiting for people"  # no automatic work left; some job waits for a person
        DONE = "done", "Done"  # every job completed
        DONE_WITH_FAILURES = "done_with_failures", "Done with failures"  # all finished, some failed/archived

    FINISHED = (Status.DONE, Status.DONE_WITH_FAILURES)

    name = models.CharField(max_length=255, help_text="The uploaded file's name.")
    csv_file = models.FileField(upload_to="batches/%Y/%m/", max_length=500)
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    job_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True, help_text="The validation report.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IMPORTED)
    finished_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When the batch became done (or done with failures); cleared when a job is retried or sent back.",
    )
    deploy_target = models.CharField(
        max_length=20, blank=True, choices=[("folder", "Folder"), ("nexrender", "nexrender server")],
        help_text="Overrides AEA_DEPLOY_TARGET for this batch's jobs.",
    )
    webhook_url = models.URLField(blank=True, help_text="Receives a signed JSON POST on each stage change.")
    # When a worker last claimed one of this batch's jobs (any stage): within a priority, the
    # batch served least recently goes next (jobs/runner.py), so batches take turns.
    last_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "batches"
        permissions = [("upload_batch", "Can upload and start batches")]

    def __str__(self):
        return f"Batch {self.pk} ({self.name})"
