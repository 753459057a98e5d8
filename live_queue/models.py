"""The day of care: encounters (made only at check-in), one queue per resource or department per
day, and the entries waiting in it with their token numbers.

``Queue`` is derived state and keeps no history: it is made on first use and its only moving
part, ``last_token``, is a counter each check-in bumps. The audit of the day of care is on the
encounters and queue entries, whose every change (and deletion) is kept.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from scheduling.history import audit_history


class Priority(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    EMERGENCY = "emergency", "Emergency"


class EntryStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    CALLED = "called", "Called"
    IN_PROGRESS = "in_progress", "With the clinician"
    COMPLETED = "completed", "Completed"
    SKIPPED = "skipped", "Skipped (not there when called)"
    LEFT = "left", "Left without being seen"
    TRANSFERRED = "transferred", "Transferred to another queue"


# A patient in one of these is in a queue: a skipped patient was not there when called but may
# be recalled to their place, so they still hold it.
OPEN_STATUSES = (EntryStatus.WAITING, EntryStatus.CALLED, EntryStatus.IN_PROGRESS, EntryStatus.SKIPPED)


class Queue(models.Model):
    """The queue of one resource or one department on one local day, made on first use.
    ``last_token`` hands out token numbers: incremented in the check-in transaction, so a failed
    check-in leaves no gap. Derived state: no history (see the module's docstring)."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(help_text="The facility-local date.")
    resource = models.ForeignKey(
        "scheduling.SchedulableResource", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "scheduling.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    last_token = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resource__isnull=True, department__isnull=False)
                | Q(resource__isnull=False, department__isnull=True),
                name="queue_of_resource_or_department",
            ),
            models.UniqueConstraint(
                fields=["facility", "day", "resource"],
                condition=Q(resource__isnull=False),
                name="queue_one_per_resource_day",
            ),
            models.UniqueConstraint(
                fields=["facility", "day", "department"],
                condition=Q(department__isnull=False),
                name="queue_one_per_department_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.day:%Y-%m-%d}"


class Encounter(models.Model):
    """A patient's visit, from check-in on. Never created before the patient is here."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("scheduling.Patient", on_delete=models.PROTECT, related_name="+")
    booking = models.OneToOneField(
        "booking.Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="encounter"
    )
    appointment_type = models.ForeignKey(
        "scheduling.AppointmentType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_in_at = models.DateTimeField()
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = audit_history()

    class Meta:
        ordering = ["-checked_in_at"]
        indexes = [models.Index(fields=["facility", "checked_in_at"], name="encounter_checked_in")]

    def __str__(self) -> str:
        return f"Encounter #{self.pk} of patient #{self.patient_id}"


class QueueEntry(models.Model):
    """A patient waiting in (or called from) one queue. The times feed waiting- and service-time
    analytics; the score is computed by ``live_queue.scoring``, never stored.

    ``patient`` and ``day`` repeat the encounter's patient and the queue's day so the database
    can hold one open entry per patient per facility day (``queue_entry_one_open_per_patient_day``;
    a transfer closes the old entry first)."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="entries")
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="entries")
    patient = models.ForeignKey("scheduling.Patient", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(help_text="The facility-local date: the queue's day.")
    token_number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=EntryStatus.choices, default=EntryStatus.WAITING)
    priority = models.CharField(max_length=12, choices=Priority.choices, default=Priority.ROUTINE)
    is_vip = models.BooleanField(default=False)
    vip_reason = models.CharField(max_length=300, blank=True, default="")
    appointment_at = models.DateTimeField(null=True, blank=True, help_text="The booked start, if booked.")
    arrived_at = models.DateTimeField(help_text="Check-in time (kept across transfers).")
    manual_minutes = models.IntegerField(default=0, help_text="Staff moves: negative bumps up, positive sends back.")
    counter = models.CharField(max_length=100, blank=True, default="", help_text="Where to go when called.")
    transferred_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="transferred_to"
    )
    checked_in_at = models.DateTimeField()
    called_at = models.DateTimeField(null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    history = audit_history()

    class Meta:
        ordering = ["queue_id", "token_number"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "token_number"], name="queue_entry_unique_token"),
            models.UniqueConstraint(
                fields=["facility", "patient", "day"],
                condition=Q(status__in=OPEN_STATUSES),
                name="queue_entry_one_open_per_patient_day",
            ),
            models.CheckConstraint(
                condition=Q(manual_minutes__gte=-24 * 60) & Q(manual_minutes__lte=24 * 60),
                name="queue_entry_manual_within_a_day",
            ),
        ]
        indexes = [models.Index(fields=["queue", "status"], name="queue_entry_status")]

    def __str__(self) -> str:
        return f"Token {self.token_number} in {self.queue}"
