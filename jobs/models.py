"""The job and what hangs off it: warnings, the audit log and the files each stage makes.

Only :mod:`jobs.transitions` changes a job's ``stage`` and ``status``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .bulk import insert_many


class Stage(models.IntegerChoices):
    VALIDATE = 0, "0 · Validate"
    INGEST = 1, "1 · Ingest"
    REVIEW_MATCHING = 2, "2 · Review matching"
    APPROVE_PREVIEW = 3, "3 · Approve preview"
    DEPLOY = 4, "4 · Validate and deploy"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    AWAITING_REVIEW = "awaiting_review", "Awaiting review"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class Priority(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


PRIORITY_RANK = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}


def priority_rank(priority: str) -> int:
    """The sort key of a priority (high first); an unknown one sorts as medium."""
    return PRIORITY_RANK.get(priority, PRIORITY_RANK[Priority.MEDIUM])


class Job(models.Model):
    # Indexed by job_batch_state (batch, status, archived), which serves its lookups too.
    batch = models.ForeignKey("batches.Batch", on_delete=models.PROTECT, related_name="jobs", db_index=False)
    line = models.PositiveIntegerField(help_text="The CSV line this job came from.")

    # The CSV fields.
    job_id = models.CharField(max_length=64)
    psd_path = models.CharField(max_length=1024)
    aepx_path = models.CharField("template path", max_length=1024)
    output_name = models.CharField(max_length=255)
    client_name = models.CharField(max_length=255, blank=True)
    project_name = models.CharField(max_length=255, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    priority_rank = models.PositiveSmallIntegerField(default=1, editable=False)
    notes = models.TextField(blank=True)
    archived = models.BooleanField(default=False)

    # Where it is. Written by jobs.transitions only.
    stage = models.PositiveSmallIntegerField(choices=Stage.choices, default=Stage.VALIDATE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    stage_entered_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(
        default=0, editable=False, help_text="Moves applied so far; each move checks it (no lost updates)."
    )

    stage1_completed_at = models.DateTimeField(null=True, blank=True)
    stage2_completed_at = models.DateTimeField(null=True, blank=True)
    stage2_completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage3_completed_at = models.DateTimeField(null=True, blank=True)
    stage3_completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage4_completed_at = models.DateTimeField(null=True, blank=True)

    # Background work: a claim takes a lease; the reaper re-queues expired leases.
    attempts = models.PositiveIntegerField(default=0, help_text="Claims of the current stage's work.")
    retries = models.PositiveIntegerField(default=0, help_text="Times a person retried this job.")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    # What the stages found.
    psd_sha256 = models.CharField(max_length=64, blank=True)
    template_sha256 = models.CharField(max_length=64, blank=True)
    psd_description = models.JSONField(default=dict, blank=True)
    template_description = models.JSONField(default=dict, blank=True)
    matches = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    validation = models.JSONField(default=dict, blank=True)
    deploy = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority_rank", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job_id"], condition=models.Q(archived=False), name="unique_active_job_id"
            ),
            models.CheckConstraint(condition=models.Q(stage__gte=0, stage__lte=4), name="job_stage_0_4"),
        ]
        indexes = [
            models.Index(fields=["stage", "status"]),
            models.Index(fields=["priority_rank", "created_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["client_name"]),
            models.Index(fields=["status", "lease_expires_at"]),
            # A batch's jobs, and its status's count of them by state, from the index alone.
            models.Index(fields=["batch", "status", "archived"], name="job_batch_state"),
            # The dashboard's columns and counts: active jobs only, in queue order.
            models.Index(fields=["stage", "status"], condition=models.Q(archived=False), name="job_active_state"),
            models.Index(fields=["stage", "priority_rank", "created_at", "id"], condition=models.Q(archived=False),
                         name="job_active_queue"),
            # The archive schedule's chunks (jobs/archive_schedule.py): completed active jobs, oldest change first
            # (stage and status lead, so that SQLite's planner prefers it to job_active_state and needs no sort).
            models.Index(fields=["stage", "status", "updated_at", "id"], name="job_archivable",
                         condition=models.Q(archived=False, stage=4, status="completed")),
        ]
        permissions = [
            ("start_job", "Can start and retry jobs"),
            ("approve_matching", "Can review and approve matching (stage 2)"),
            ("approve_preview", "Can approve previews (stage 3)"),
            ("sign_off_deploy", "Can sign off deploy warnings (stage 4)"),
            ("archive_job", "Can archive and unarchive jobs"),
        ]

    def __str__(self):
        return self.job_id

    def save(self, *args, **kwargs):
        self.priority_rank = priority_rank(self.priority)
        super().save(*args, **kwargs)


class JobWarning(models.Model):
    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="warnings")
    stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    code = models.CharField(max_length=64)
    message = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["stage", "-severity", "id"]
        indexes = [models.Index(fields=["job", "stage"])]

    def __str__(self):
        return f"{self.job_id}: {self.code}"


APPEND_ONLY = "The audit log is append-only."


class AuditLogQuerySet(models.QuerySet):
    """Rows of the audit log are added, never changed or removed (a job's deletion, which
    Django's collector carries out below this API, takes its rows with it)."""

    def update(self, **kwargs):
        raise ValidationError(APPEND_ONLY)

    def delete(self):
        raise ValidationError(APPEND_ONLY)

    def append_many(self, rows: list[dict], *, constants: dict) -> None:
        """Add ``rows`` (column values; ``constants`` the same for all) with one statement."""
        if any("id" in row or "pk" in row for row in rows):
            raise ValidationError(APPEND_ONLY)
        insert_many(self.model, rows, constants=constants, using=self.db)


class JobLog(models.Model):
    """The audit log: append-only, one row per action, with the acting user or "system"."""

    objects = AuditLogQuerySet.as_manager()

    # No index of its own: joblog_job_order (job, created_at, id) starts with it and serves the
    # foreign key's lookups and cascades; one index fewer to write with every audit row.
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="logs", db_index=False)
    stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    action = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(max_length=150, help_text='The username, or "system".')
    from_stage = models.PositiveSmallIntegerField(null=True, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_stage = models.PositiveSmallIntegerField(null=True, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        # A job's log newest first, in pages (jobs.selectors.job_log_page): the keyset's order.
        indexes = [models.Index(fields=["job", "created_at", "id"], name="joblog_job_order")]

    def __str__(self):
        return f"{self.job_id} {self.action} by {self.actor}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(APPEND_ONLY)


class JobAsset(models.Model):
    """A file a stage made for a job. Files are content-addressed: shared by jobs, stored once."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="assets")
    stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    kind = models.CharField(max_length=32)  # layer, layer_thumbnail, flattened, script, preview, …
    key = models.CharField(max_length=255, blank=True, help_text="Tells assets of one kind apart.")
    file = models.FileField(max_length=500)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stage", "kind", "key"]
        constraints = [
            models.UniqueConstraint(fields=["job", "stage", "kind", "key"], name="unique_job_asset")
        ]

    def __str__(self):
        return f"{self.job_id} {self.kind} {self.key}"


class ParsedFile(models.Model):
    """The content-addressed cache: a PSD or template parsed (and exported) once per content.

    Keyed by the file's sha256 and the reader's version; ``files`` lists the exported assets as
    stored under MEDIA_ROOT (content-addressed paths).
    """

    sha256 = models.CharField(max_length=64)
    reader = models.CharField(max_length=32)
    reader_version = models.CharField(max_length=32)
    description = models.JSONField()
    files = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sha256", "reader", "reader_version"], name="unique_parsed_file")
        ]

    def __str__(self):
        return f"{self.reader} {self.sha256[:12]}"


class LearnedMapping(models.Model):
    """A pattern approved work taught: on this template, this placeholder takes a layer like that.

    Keyed by the template's content hash, the placeholder and the PSD side (a name pattern,
    digits generalised, and a layer kind), so the next job on the same template with a
    similarly named layer gets the same match. What it knows is its :class:`LearnedEvidence`:
    the jobs whose preview was approved with that choice (a send-back withdraws a job's). A
    reviewer may retire a pattern (``active``).
    """

    template_sha256 = models.CharField(max_length=64)
    composition = models.CharField(max_length=255)
    placeholder = models.CharField(max_length=255)
    psd_name_pattern = models.CharField(max_length=255)
    psd_kind = models.CharField(max_length=32)
    active = models.BooleanField(default=True, help_text="Retired patterns teach the matcher nothing.")
    times_applied = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["template_sha256", "composition", "placeholder", "psd_name_pattern", "psd_kind"],
                name="unique_learned_pattern",
            )
        ]
        indexes = [models.Index(fields=["template_sha256", "active"])]

    def __str__(self):
        return f"{self.composition}/{self.placeholder} ← {self.psd_name_pattern} ({self.psd_kind})"


class LearnedEvidence(models.Model):
    """One approved job that chose a learned pattern's layer for its placeholder."""

    mapping = models.ForeignKey(LearnedMapping, on_delete=models.CASCADE, related_name="evidence")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="learned_evidence")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mapping", "job"], name="unique_learned_evidence")]

    def __str__(self):
        return f"{self.mapping} ← {self.job_id}"


class JobStateCount(models.Model):
    """Jobs per (stage, status, archived), kept by triggers on the jobs' table (:mod:`jobs.counts`):
    a state's jobs are the sum of its rows' ``n``. Never written from Python."""

    stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    archived = models.BooleanField()
    n = models.BigIntegerField(help_text="Jobs in or out (PostgreSQL: one row per statement and state).")

    class Meta:
        managed = False  # created by migration 0012 with its triggers; left alone by flushes
        db_table = "jobs_jobstatecount"

    def __str__(self):
        return f"{self.stage}/{self.status}{' archived' if self.archived else ''}: {self.n:+d}"
