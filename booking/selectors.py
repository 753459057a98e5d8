"""Reads of bookings, token slots and notifications. Every function takes the facility."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from booking.lifecycle import HOLDING, can_move
from booking.models import Booking, BookingResource, Notification, TokenBooking
from scheduling import selectors as kernel
from scheduling.errors import NotFound
from scheduling.parsing import parse_id


def booking_list(
    *,
    facility,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    resource_id: int | None = None,
    patient_id: int | None = None,
    statuses: list[str] | None = None,
) -> QuerySet[Booking]:
    """Bookings of the facility overlapping [start, end), optionally of one resource (held
    exclusively or through a token), one patient, or some statuses; each with
    ``rescheduled_to_id``, the booking that replaced it (or None)."""
    bookings = Booking.objects.filter(facility=facility)
    if start is not None:
        bookings = bookings.filter(end__gt=start)
    if end is not None:
        bookings = bookings.filter(start__lt=end)
    if resource_id is not None:
        bookings = bookings.filter(
            Exists(BookingResource.objects.filter(booking=OuterRef("pk"), resource_id=resource_id))
            | Exists(TokenBooking.objects.filter(booking=OuterRef("pk"), slot__resource_id=resource_id))
        )
    if patient_id is not None:
        bookings = bookings.filter(patient_id=patient_id)
    if statuses:
        bookings = bookings.filter(status__in=statuses)
    replacement = Booking.objects.filter(replaces=OuterRef("pk")).values("pk")[:1]
    return (
        bookings.select_related("patient", "appointment_type", "booked_by", "token__slot")
        .prefetch_related(Prefetch("resources", queryset=BookingResource.objects.select_related("resource")))
        .annotate(rescheduled_to_id=Subquery(replacement))
    )


def booking_get(*, facility, booking_id, for_update: bool = False) -> Booking:
    bookings = Booking.objects.filter(facility=facility)
    if for_update:
        bookings = bookings.select_for_update(of=("self",))
    try:
        return bookings.get(pk=parse_id(booking_id))
    except (Booking.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Booking") from None


def booking_detail(*, facility, booking_id) -> Booking:
    """One booking with its patient, type, resources and token loaded for display."""
    try:
        return booking_list(facility=facility).get(pk=parse_id(booking_id))
    except (Booking.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Booking") from None


def booking_resource_rows(*, facility, booking_id) -> list[BookingResource]:
    """The resource rows of one booking (token rows included), by start; empty for an unknown id."""
    try:
        booking_id = int(booking_id)
    except (TypeError, ValueError):
        return []
    if not 0 < booking_id < 2**63:
        return []
    return list(
        BookingResource.objects.filter(facility=facility, booking_id=booking_id).order_by("start", "resource_id")
    )


def transition_allowed(*, booking: Booking, to_status: str) -> bool:
    """Whether the life cycle lets ``booking`` move to ``to_status`` now."""
    return can_move(booking.status, to_status)


def bookings_to_mark_no_show(*, facility, start: dt.datetime, end: dt.datetime) -> QuerySet[Booking]:
    """Bookings starting in [start, end) that nobody checked in."""
    return Booking.objects.filter(
        facility=facility, start__gte=start, start__lt=end, status__in=["scheduled", "approved"]
    ).order_by("start", "id")


def patient_for_booking(*, facility, patient_id, start, end, now: dt.datetime):
    """The patient row, locked FOR UPDATE for the caller's transaction (so two bookings of one
    patient are checked in turn), annotated in the same query with ``overlapping`` (a booking
    of theirs holds time in [start, end)) and ``future_bookings`` (how many time-holding
    bookings they have from ``now`` on). 404 for another facility's patient."""
    mine = Booking.objects.filter(facility=facility, patient_id=OuterRef("pk"), holds_time=True)
    future = (
        mine.filter(start__gte=now, status__in=[s.value for s in HOLDING])
        .order_by()
        .values("patient_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    patients = (
        kernel.patient_list(facility=facility)
        .select_for_update(of=("self",))
        .annotate(
            overlapping=Exists(mine.filter(start__lt=end, end__gt=start)),
            future_bookings=Coalesce(Subquery(future), 0),
        )
    )
    try:
        return patients.get(pk=parse_id(patient_id))
    except (patients.model.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Patient") from None


def notification_list(*, facility, recipient, unread_only: bool = False) -> QuerySet[Notification]:
    notices = Notification.objects.filter(facility=facility, recipient=recipient).select_related("booking")
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    return notices.order_by("-created_at", "-id")


def notification_unread_count(*, facility, recipient) -> int:
    return Notification.objects.filter(facility=facility, recipient=recipient, read_at__isnull=True).count()


class ActiveBookings:
    """What availability is told is booked (registered in BookingConfig.ready): every
    time-holding ``BookingResource`` row, one unit each; token rows say they are ``shared``."""

    def active_intervals(self, *, facility, resource_ids: list[int], start, end) -> list[tuple]:
        return [
            as_interval(row) for row in held_time(facility=facility, resource_ids=resource_ids, start=start, end=end)
        ]

    def any_booking(self, *, facility, resource_id: int, start, end) -> bool:
        return resource_ever_booked(facility=facility, resource_id=resource_id, start=start, end=end)


def resource_ever_booked(*, facility, resource_id: int, start: dt.datetime, end: dt.datetime | None) -> bool:
    """Whether any booking, in any status, has held or holds the resource over [start, end)
    (``end`` None: open-ended)."""
    rows = BookingResource.objects.filter(facility=facility, resource_id=resource_id, end__gt=start)
    if end is not None:
        rows = rows.filter(start__lt=end)
    return rows.exists()


@dataclass(frozen=True, slots=True)
class HeldTime:
    """One resource's time held by one booking: exclusively, or as a token of ``token_slot_id``."""

    booking_id: int
    resource_id: int
    start: dt.datetime
    end: dt.datetime
    token_slot_id: int | None


def held_time(*, facility, resource_ids: list[int], start, end) -> list[HeldTime]:
    """The time-holding rows of the resources overlapping [start, end), in one query."""
    rows = BookingResource.objects.filter(
        facility=facility, resource_id__in=list(resource_ids), holds_time=True, start__lt=end, end__gt=start
    ).values_list("booking_id", "resource_id", "start", "end", "token_slot_id")
    return [HeldTime(*row) for row in rows]


def as_interval(held: HeldTime) -> tuple:
    """The shape availability reads: (resource_id, start, end, units, shared)."""
    return (held.resource_id, held.start, held.end, 1, held.token_slot_id is not None)


def bookings_for_facts(*, facility, start: dt.datetime, end: dt.datetime, resource_kinds: list[str]) -> list[dict]:
    """One row per (booking, resource of ``resource_kinds``) for the bookings starting in
    [start, end): what analytics turns into facts of the day of care. Each row: ``booking_id``,
    ``status``, ``start``, ``end``, ``actual_start``, ``actual_end``, ``appointment_type_id``,
    ``appointment_type_code``, ``appointment_type_name``, ``resource_id``, ``resource_name``,
    ``resource_kind``."""
    return list(
        Booking.objects.filter(
            facility=facility,
            start__gte=start,
            start__lt=end,
            resources__resource__kind__in=resource_kinds,
        )
        .order_by("start", "pk", "resources__resource_id")
        .values(
            "status",
            "start",
            "end",
            "actual_start",
            "actual_end",
            "appointment_type_id",
            booking_id=F("pk"),
            appointment_type_code=F("appointment_type__code"),
            appointment_type_name=F("appointment_type__name"),
            resource_id=F("resources__resource_id"),
            resource_name=F("resources__resource__name"),
            resource_kind=F("resources__resource__kind"),
        )
    )
