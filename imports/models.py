"""Uploaded files, their per-row problems, and the names a facility's files give its chairs
and suites. Other apps reach them through imports.services and imports.selectors only."""

from django.conf import settings
from django.db import models

from imports.formats import Kind
from scheduling.history import audit_history


class Status(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    VALIDATING = "validating", "Validating"
    NEEDS_MAPPING = "needs_mapping", "Unknown chairs or suites to resolve"
    INVALID = "invalid", "Has errors; nothing loaded"
    LOADING = "loading", "Loading"
    LOADED = "loaded", "Loaded"
    REJECTED = "rejected", "Rejected: the file cannot be read"
    FAILED = "failed", "Failed"


# A worker is (or should be) working on these; anything else waits for a person or is done.
ACTIVE = (Status.QUEUED, Status.VALIDATING, Status.LOADING)
DONE = (Status.LOADED, Status.REJECTED, Status.FAILED)


class Import(models.Model):
    """One uploaded file. The raw bytes stay in storage (``stored_name``) untouched; the
    counters are the live progress of the task working on it."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    original_name = models.CharField(max_length=255, help_text="The uploader's file name, without any path.")
    stored_name = models.CharField(max_length=255, unique=True, help_text="Generated name in the imports storage.")
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    load_valid_rows = models.BooleanField(
        default=False, help_text="Load the valid rows even when others have errors (they are left out)."
    )
    message = models.TextField(blank=True, help_text="Why the file was rejected or failed, or what is awaited.")
    rejection_code = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    bytes_read = models.BigIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    rows_loaded = models.PositiveIntegerField(default=0)
    rows_inserted = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_left_out = models.PositiveIntegerField(default=0)
    unknown_resources = models.JSONField(
        default=list, blank=True, help_text="Chairs or suites the file names that the facility does not know."
    )
    history = audit_history(
        excluded_fields=["heartbeat_at", "bytes_read", "rows_read", "rows_valid", "error_count", "warning_count"]
    )

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            # The same bytes twice in one facility are one import (recognised at upload; this
            # is the guard when two uploads race).
            models.UniqueConstraint(fields=["facility", "sha256"], name="import_unique_bytes"),
        ]
        indexes = [models.Index(fields=["facility", "-uploaded_at"]), models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name} (#{self.pk})"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def progress_percent(self) -> int:
        if self.status in DONE or self.status in (Status.INVALID, Status.NEEDS_MAPPING):
            return 100
        if not self.size_bytes:
            return 0
        return min(99, int(100 * self.bytes_read / self.size_bytes))


class Severity(models.TextChoices):
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"


class ImportProblem(models.Model):
    """One problem found in a file: the line, column, value and reason. Bulk data of its import
    (no history of its own): rewritten whenever the import is validated again."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    import_file = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField(null=True, blank=True, help_text="Line in the file; the header is line 1.")
    column = models.CharField(max_length=200, blank=True)
    value = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    severity = models.CharField(max_length=10, choices=Severity.choices)

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["import_file", "severity", "row"])]

    def __str__(self) -> str:
        return f"Line {self.row}, {self.column}: {self.message}"


class ResourceMapping(models.Model):
    """A name a facility's files give one of its chairs or suites ("OR 1" for "Theatre 1"),
    so every later file with that name finds it."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, help_text="The resource kind: chair or theatre.")
    name = models.CharField(max_length=200, help_text="The name as files write it.")
    resource = models.ForeignKey("scheduling.SchedulableResource", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_history()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                "facility", "kind", models.functions.Lower("name"), name="resource_mapping_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.resource_id}"
