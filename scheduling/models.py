"""The shared kernel: the tenant, memberships, patients, departments, appointment types and
the schedulable resources that availability and booking hang off."""

import uuid
import zoneinfo

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower, Upper

from scheduling.history import audit_history


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone.")


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic administrator"
    MANAGER = "manager", "Nurse manager"
    SCHEDULER = "scheduler", "Front desk / scheduler"
    CLINICIAN = "clinician", "Clinician (resource owner)"
    ANALYST = "analyst", "Analyst (read-only analytics)"


class ResourceKind(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    NURSE = "nurse", "Nurse"
    CHAIR = "chair", "Chair"
    ROOM = "room", "Room"
    THEATRE = "theatre", "Theatre"
    EQUIPMENT = "equipment", "Equipment"


class Facility(models.Model):
    """The tenant: a hospital or clinic. Every other row belongs to exactly one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    notify_department_desk = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Tell the front desk of a booking's department about its changes (members whose membership "
        "names that department), besides the resource's owner, their delegates and whoever booked.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_history()

    class Meta:
        verbose_name_plural = "facilities"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NotifyBy(models.TextChoices):
    IN_APP = "in_app", "In the app only"
    EMAIL = "email", "By email only"
    BOTH = "both", "In the app and by email"


class Membership(models.Model):
    """A user's role in one facility; a user may hold different roles in different facilities."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        "Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="desk_members",
        help_text="The department whose front desk this member is (for notifications, when the facility asks).",
    )
    notify_by = models.CharField(
        max_length=10,
        choices=NotifyBy.choices,
        default=NotifyBy.BOTH,
        db_default=NotifyBy.BOTH,
        help_text="How this member hears of changes to bookings that concern them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_history()

    class Meta:
        ordering = ["facility__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["facility", "user"], name="membership_unique_user_facility")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.facility}"


class Department(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="departments")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    history = audit_history()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["facility", "code"], name="department_unique_code")]

    def __str__(self) -> str:
        return self.name


MAX_RESOURCE_NEEDS = 6


def validate_resource_needs(value) -> None:
    """``[{"role": "Surgeon", "kinds": ["practitioner"]}, …]``: what a booking of the type holds,
    one resource per need, in this order (the first is the one the booking is made on)."""
    if not isinstance(value, list) or len(value) > MAX_RESOURCE_NEEDS:
        raise ValidationError(f"A list of at most {MAX_RESOURCE_NEEDS} needs.")
    kinds = set(ResourceKind.values)
    for index, need in enumerate(value):
        if not isinstance(need, dict) or set(need) != {"role", "kinds"}:
            raise ValidationError(f"Need {index + 1}: an object with exactly 'role' and 'kinds'.")
        if not isinstance(need["role"], str) or not 0 < len(need["role"].strip()) <= 40:
            raise ValidationError(f"Need {index + 1}: 'role' is a name of 1 to 40 characters.")
        if not isinstance(need["kinds"], list) or not need["kinds"] or not set(need["kinds"]) <= kinds:
            raise ValidationError(f"Need {index + 1}: 'kinds' lists resource kinds among {sorted(kinds)}.")


class AppointmentType(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="appointment_types")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=200)
    default_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(24 * 60)])
    active = models.BooleanField(default=True)
    resource_needs = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_resource_needs],
        help_text='What a booking of this type holds, one resource per need in order, e.g. [{"role": "Theatre", '
        '"kinds": ["theatre"]}, {"role": "Surgeon", "kinds": ["practitioner"]}]. Empty: one resource of any kind.',
    )
    history = audit_history()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "code"], name="appointment_type_unique_code"),
            models.CheckConstraint(
                condition=models.Q(default_minutes__gte=1, default_minutes__lte=24 * 60),
                name="appointment_type_minutes_in_a_day",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# A patient's phone as the desk types it; the form and the API say the same thing when it is not.
PHONE_PATTERN = r"^[0-9 +()-]{0,30}$"
PHONE_FORMAT = "Digits, spaces, + ( ) -; up to 30 characters, e.g. +44 20 7946 0000."
PHONE_ERROR = f"Enter the phone as {PHONE_FORMAT[0].lower()}{PHONE_FORMAT[1:]}"


class Patient(models.Model):
    """A patient of one facility. Every patient in this project is fictitious."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=30, help_text="Medical record number, unique in the facility.")
    name = models.CharField(max_length=200)
    date_of_birth = models.DateField()
    phone = models.CharField(max_length=30, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_history()

    class Meta:
        ordering = ["name", "mrn"]
        # One MRN per facility whatever its case: "abc-1" and "ABC-1" are the same record number.
        constraints = [models.UniqueConstraint(Upper("mrn"), "facility", name="patient_unique_mrn")]
        indexes = [models.Index(Lower("name"), "facility", name="patient_name_lower")]

    def __str__(self) -> str:
        return f"{self.name} ({self.mrn})"


class SchedulableResource(models.Model):
    """Anything that can be booked: a person (linked to their user) or a place or device."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="resources")
    kind = models.CharField(max_length=20, choices=ResourceKind.choices)
    name = models.CharField(max_length=200)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="resources"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
        help_text="The person this resource stands for (practitioners and nurses).",
    )
    active = models.BooleanField(default=True)
    availability_version = models.PositiveBigIntegerField(
        default=0,
        editable=False,
        help_text="Bumped by the availability services in the transaction of every change to this resource's "
        "availability: bookings read it under the resource lock and key their cached configuration by it.",
    )
    history = audit_history(excluded_fields=["availability_version"])

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["facility", "kind", "name"], name="resource_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Comment(models.Model):
    """A note any member with access may attach to any object of their facility."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="comments")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_history()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["facility", "content_type", "object_id"], name="comment_target")]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.content_type.model} #{self.object_id}"


class OutboxMessage(models.Model):
    """A Celery task that could not be published after the transaction that asked for it had
    committed, kept until ``scheduling.drain_outbox`` (every minute, from beat) publishes it.

    Delivery bookkeeping, not domain state: it has no history and no facility (the task's own
    arguments name the facility), and sent rows are deleted after a week. Written and read only
    by ``scheduling/outbox.py``."""

    task = models.CharField(max_length=200, help_text="The registered Celery task name.")
    kwargs = models.JSONField(default=dict, help_text="The task's keyword arguments.")
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Publishes the drain has tried and failed.")
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["created_at", "id"], condition=models.Q(sent_at__isnull=True), name="outbox_pending")
        ]

    def __str__(self) -> str:
        return f"{self.task} ({'sent' if self.sent_at else 'pending'})"
