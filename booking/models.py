"""Bookings, the resources they hold, token slots and the tokens taken from them.

No double booking is a database invariant here, not a convention:
- ``BookingResource`` carries an exclusion constraint: two rows that hold the same resource
  never have overlapping time ranges, unless both are tokens of the same token slot. A token
  booking holds its slot's time through a ``BookingResource`` row too (``token_slot`` set), so
  exclusive bookings, emergencies and tokens of one resource are all kept apart by the same
  constraint, whatever the application code or Redis does;
- ``Booking`` carries one per patient: a patient is never in two places at once;
- ``TokenSlot`` keeps ``0 <= allocated <= capacity`` by a check constraint, and is unique per
  resource and start, so no duplicate slot can appear.
Redis locks in front of these only serialise the validation and give clean errors.
"""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce

from scheduling.history import audit_history


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Kind(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    WALK_IN = "walk_in", "Walk-in"
    EMERGENCY = "emergency", "Emergency"


class Priority(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    EMERGENCY = "emergency", "Emergency"


class Status(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    SCHEDULED = "scheduled", "Scheduled"
    CHECKED_IN = "checked_in", "Checked in"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No show"
    RESCHEDULED = "rescheduled", "Rescheduled"
    NEEDS_RESCHEDULE = "needs_reschedule", "Needs reschedule"


class Booking(models.Model):
    """One appointment of one patient. It holds its time through ``BookingResource`` rows
    (exclusive resources) or one ``TokenBooking`` (a token from a shared slot)."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("scheduling.Patient", on_delete=models.PROTECT, related_name="+")
    appointment_type = models.ForeignKey("scheduling.AppointmentType", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SCHEDULED)
    priority = models.CharField(max_length=12, choices=Priority.choices, default=Priority.ROUTINE)
    is_vip = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    holds_time = models.BooleanField(default=True, help_text="Set by the life cycle: does this status keep its time?")
    start = models.DateTimeField()
    end = models.DateTimeField()
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(max_length=2000, blank=True, default="")
    cancel_reason = models.CharField(
        max_length=500, blank=True, default="", help_text="Why it was cancelled: required of staff who cancel."
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text="The booking this one replaced when it was rescheduled.",
    )
    status_changed_at = models.DateTimeField()
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when CareSlot itself made the change (the nightly no-show sweep).",
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_history()

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_end_after_start"),
            ExclusionConstraint(
                name="booking_patient_not_double_booked",
                expressions=[
                    ("patient", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", models.Value("[)")), RangeOperators.OVERLAPS),
                ],
                condition=Q(holds_time=True),
                violation_error_code="patient_double_booked",
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "start"], name="booking_facility_start"),
            models.Index(fields=["facility", "patient", "start"], name="booking_patient_start"),
            models.Index(fields=["facility", "status", "start"], name="booking_status_start"),
        ]

    def __str__(self) -> str:
        # Stored in UTC and shown without a facility to hand (admin lists, history): say so.
        return f"Booking #{self.pk} ({self.status}) {self.start.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"

    @property
    def token_booking(self) -> "TokenBooking | None":
        """The token this booking holds a place with, if it was booked into a token slot."""
        try:
            return self.token
        except TokenBooking.DoesNotExist:
            return None


class BookingResource(models.Model):
    """A resource held by a booking, for its own part of the booking's time (a surgeon may join
    a theatre booking for part of it), or the token slot a token booking holds a place in."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="resources")
    resource = models.ForeignKey("scheduling.SchedulableResource", on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    holds_time = models.BooleanField(default=True)
    role = models.CharField(
        max_length=40,
        blank=True,
        default="",
        db_default="",
        help_text="The need of the appointment type this resource fills (Surgeon, Anaesthetist…); "
        "empty for a type without needs.",
    )
    token_slot = models.ForeignKey(
        "TokenSlot",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set for a token booking: rows of one token slot share its time.",
    )
    history = audit_history()

    class Meta:
        ordering = ["start", "resource_id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_resource_end_after_start"),
            models.UniqueConstraint(fields=["booking", "resource"], name="booking_resource_once_per_booking"),
            # Rows overlap only if they share a group: the token slot's id for its tokens; for an
            # exclusive row, minus its booking's id (a group of its own, since a booking holds a
            # resource once).
            ExclusionConstraint(
                name="booking_resource_no_overlap",
                expressions=[
                    ("resource", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", Value("[)")), RangeOperators.OVERLAPS),
                    (
                        Coalesce(F("token_slot"), -F("booking"), output_field=models.BigIntegerField()),
                        RangeOperators.NOT_EQUAL,
                    ),
                ],
                condition=Q(holds_time=True),
                violation_error_code="slot_taken",
            ),
        ]
        indexes = [models.Index(fields=["facility", "resource", "start"], name="booking_resource_start")]

    def __str__(self) -> str:
        return f"Resource #{self.resource_id} for booking #{self.booking_id}"


class TokenSlot(models.Model):
    """A slot of a tokens window, made the first time someone books into it.

    Derived state, so it keeps no history of its own: ``allocated`` counts the slot's held
    tokens and ``capacity`` is the window's tokens per slot when the last token was taken
    (availability is the authority on it). Each token booking that moves them is audited."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    resource = models.ForeignKey("scheduling.SchedulableResource", on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    allocated = models.IntegerField(default=0)

    class Meta:
        ordering = ["start", "resource_id"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "start"], name="token_slot_unique_per_resource_start"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=F("capacity")), name="token_slot_within_capacity"
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="token_slot_end_after_start"),
        ]

    def __str__(self) -> str:
        return (
            f"Token slot {self.start.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC of resource #{self.resource_id} "
            f"({self.allocated}/{self.capacity})"
        )


class TokenBooking(models.Model):
    """A token taken from a slot. Patient, status and who booked live on its ``Booking``, so token
    appointments share the life cycle, check-in and queue of every other booking."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    slot = models.ForeignKey(TokenSlot, on_delete=models.PROTECT, related_name="token_bookings")
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="token")
    holds_time = models.BooleanField(default=True)
    history = audit_history()

    class Meta:
        ordering = ["slot_id", "id"]

    def __str__(self) -> str:
        return f"Token of booking #{self.booking_id} in slot #{self.slot_id}"


class Notification(models.Model):
    """An in-app notice of a change to a booking (or, without a booking, of another change that
    concerns the member, such as a shift swap of their roster), for one member; emailed too.

    Derived state, so it keeps no history: it is made from a booking event that is itself
    audited, and ``read_at`` / ``emailed_at`` record the only changes it ever sees."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    event = models.CharField(max_length=30)
    event_id = models.UUIDField(help_text="One change; makes sending idempotent.")
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event_id", "recipient"], name="notification_once_per_event_recipient")
        ]
        indexes = [models.Index(fields=["facility", "recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.event} for {self.recipient}: {self.message}"


class PatientMessage(models.Model):
    """What a patient was told about a change to their booking (moved because of leave,
    cancelled), and by which channel. Written by ``services.patient_message_send``; a backend
    (``CARESLOT_PATIENT_MESSAGE_BACKEND``) delivers it after the commit and stamps ``sent_at``.

    No SMS gateway is wired in this version: the default backend only logs the message, so
    ``sent_at`` means "handed to the backend", and the desk works from the phone call list.

    Derived state, so it keeps no history: it is written once from an audited booking change,
    and ``sent_at`` is the only thing that ever changes on it."""

    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        PHONE_CALL_LIST = "phone_call_list", "Phone call list"

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("scheduling.Patient", on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="patient_messages")
    text = models.CharField(max_length=1000)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Empty until the backend has taken it.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["facility", "booking"], name="patient_message_booking")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to patient #{self.patient_id}: {self.text[:60]}"
