from django.conf import settings
from django.db import models


class Batch(models.Model):
    """One uploaded CSV: the file as it was, who uploaded it, and its validation report.

    An upload (dashboard, API) stores the file and answers at once with a batch that is
    ``validating``; a background task (``batches.tasks.import_uploaded_batch``) checks the rows,
    counting them in ``rows_validated`` of ``row_count``, then creates every job in one
    transaction (``importing`` → ``imported``) or none (``invalid``, the report kept). A file
    that is not a CSV of jobs at all (encoding, header) is refused by the upload itself and
    writes nothing; so does an invalid CSV given to ``import_batch``.

    ``import_state`` is the batch's own life up to its jobs; ``status`` is derived from its jobs
    once it has them (an invalid or validating batch has none: its ``status`` stays ``imported``
    and means nothing yet; ``state_label`` is what lists show).
    """

    class ImportState(models.TextChoices):
        VALIDATING = "validating", "Validating"  # the rows are being checked in the background
        IMPORTING = "importing", "Importing"  # valid: the jobs are being written (one transaction)
        IMPORTED = "imported", "Imported"  # the jobs exist
        INVALID = "invalid", "Invalid"  # no job was written; ``report`` lists every error

    IMPORT_PENDING = (ImportState.VALIDATING, ImportState.IMPORTING)

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
    import_state = models.CharField(
        max_length=12, choices=ImportState.choices, default=ImportState.IMPORTED, db_index=True,
        help_text="Validating and importing run in the background after an upload; invalid imported no job.",
    )
    rows_validated = models.PositiveIntegerField(default=0, help_text="Rows checked so far (of row_count).")
    start_when_imported = models.BooleanField(
        default=False, help_text="Start processing, as the uploader, once the jobs are imported.")
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
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

    @property
    def state_label(self) -> str:
        """What a list shows: the import state until the jobs exist, then the derived status."""
        if self.import_state != self.ImportState.IMPORTED:
            return self.get_import_state_display()
        return self.get_status_display()

    def __str__(self):
        return f"Batch {self.pk} ({self.name})"
