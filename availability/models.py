"""Schedules, weekly availabilities and exceptions. Only this app's services and selectors may import
this module (an import-linter contract holds it): CEP-7 makes availability a service.

Times: ``Schedule`` validity and ``AvailabilityException`` ranges are instants (stored in UTC);
an ``Availability`` window is wall-clock ``time`` in the facility's zone, applied day by day.
Rows of a schedule that has been in force are never rewritten: a change closes the schedule
(``valid_till``) and starts a new version, so past configurations stay readable.
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func, Q

from scheduling.history import audit_history


class WindowType(models.TextChoices):
    TOKENS = "tokens", "Tokens (fixed slots, several patients per slot)"
    OPEN = "open", "Open (free-form bookings of any length that fits)"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Schedule(models.Model):
    """One configuration of a resource's availability, in force over [valid_from, valid_till).
    At most one schedule of a resource is in force at any instant (exclusion constraint)."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    resource = models.ForeignKey("scheduling.SchedulableResource", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, blank=True, default="")
    valid_from = models.DateTimeField()
    valid_till = models.DateTimeField(null=True, blank=True, help_text="Exclusive end; empty means open-ended.")
    booking_horizon_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(730)], help_text="Overrides the resource's horizon."
    )
    booking_notice_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(60 * 24 * 60)], help_text="Overrides the resource's."
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_versions",
        help_text="The version this schedule replaced from its valid_from.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_history()

    class Meta:
        ordering = ["resource_id", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_till__isnull=True) | Q(valid_till__gte=models.F("valid_from")),
                name="schedule_valid_till_not_before_valid_from",
            ),
            ExclusionConstraint(
                name="schedule_no_overlap_per_resource",
                expressions=[
                    ("resource", RangeOperators.EQUAL),
                    (TsTzRange("valid_from", "valid_till", models.Value("[)")), RangeOperators.OVERLAPS),
                ],
            ),
        ]
        indexes = [models.Index(fields=["facility", "resource", "valid_from"], name="schedule_resource_from")]

    def __str__(self) -> str:
        return f"Schedule #{self.pk} of resource #{self.resource_id}"


class Availability(models.Model):
    """A recurring weekly window: on each of ``weekdays`` (0 = Monday … 6 = Sunday) from
    ``start_time`` to ``end_time`` wall-clock in the facility's zone. ``end_time`` 00:00 means
    midnight at the end of the day."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    schedule = models.ForeignKey(Schedule, on_delete=models.PROTECT, related_name="availabilities")
    name = models.CharField(max_length=200, blank=True, default="")
    weekdays = ArrayField(models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)]), size=7)
    start_time = models.TimeField()
    end_time = models.TimeField()
    type = models.CharField(max_length=10, choices=WindowType.choices)
    slot_size_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    tokens_per_slot = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    appointment_types = models.ManyToManyField(
        "scheduling.AppointmentType", blank=True, related_name="+", help_text="Empty: every type."
    )
    daily_patient_limit = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    history = audit_history(m2m_fields=[appointment_types])

    class Meta:
        ordering = ["schedule_id", "start_time", "id"]
        verbose_name_plural = "availabilities"
        constraints = [
            models.CheckConstraint(
                condition=Q(type="open") | Q(slot_size_minutes__isnull=False, tokens_per_slot__isnull=False),
                name="availability_tokens_need_slot_size_and_tokens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.start_time:%H:%M}–{self.end_time:%H:%M} on {self.weekdays}"


class AvailabilityException(models.Model):
    """A range of time that is removed from a resource's availability (leave, a meeting) or,
    with ``is_available``, added outside its weekly pattern (a compensating Saturday)."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    resource = models.ForeignKey("scheduling.SchedulableResource", on_delete=models.PROTECT, related_name="+")
    is_available = models.BooleanField(default=False, help_text="True adds time; false removes it.")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=300)
    type = models.CharField(max_length=10, choices=WindowType.choices, default=WindowType.OPEN)
    slot_size_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    tokens_per_slot = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_history()

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="exception_end_after_start"),
        ]
        indexes = [models.Index(fields=["facility", "resource", "start"], name="exception_resource_start")]

    def __str__(self) -> str:
        return f"{'Extra time' if self.is_available else 'Unavailable'} {self.start:%Y-%m-%d %H:%M}: {self.reason}"


class BookingPolicy(models.Model):
    """A resource's booking rules: how many days ahead it can be booked, how late before a slot,
    and the default slot length of its open windows. A schedule may override the first two."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    resource = models.OneToOneField("scheduling.SchedulableResource", on_delete=models.PROTECT, related_name="+")
    booking_horizon_days = models.PositiveIntegerField(default=90, validators=[MaxValueValidator(730)])
    booking_notice_minutes = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(60 * 24 * 60)])
    default_slot_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
        help_text="Empty: the appointment type's default length.",
    )
    history = audit_history()

    class Meta:
        verbose_name_plural = "booking policies"

    def __str__(self) -> str:
        return f"Booking policy of resource #{self.resource_id}"


class SlotDuration(models.Model):
    """The length of the slots offered in open windows for one appointment type or one
    department, over the resource's default (``BookingPolicy.default_slot_minutes``)."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    appointment_type = models.ForeignKey(
        "scheduling.AppointmentType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "scheduling.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes = models.PositiveIntegerField(validators=[MinValueValidator(5), MaxValueValidator(24 * 60)])
    history = audit_history()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(appointment_type__isnull=True, department__isnull=False)
                | Q(appointment_type__isnull=False, department__isnull=True),
                name="slot_duration_for_type_or_department",
            ),
            models.UniqueConstraint(
                fields=["facility", "appointment_type"],
                condition=Q(appointment_type__isnull=False),
                name="slot_duration_unique_type",
            ),
            models.UniqueConstraint(
                fields=["facility", "department"],
                condition=Q(department__isnull=False),
                name="slot_duration_unique_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min for {self.appointment_type or self.department}"


class ScheduleDelegation(models.Model):
    """The owner of a resource lets a named member manage its availability, until revoked."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.PROTECT, related_name="+")
    resource = models.ForeignKey("scheduling.SchedulableResource", on_delete=models.PROTECT, related_name="+")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    history = audit_history()

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "delegate"],
                condition=Q(revoked_at__isnull=True),
                name="delegation_one_active_per_delegate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegate} manages resource #{self.resource_id}"
