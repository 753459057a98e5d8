"""Reads of bookings, token slots and notifications. Every function takes the facility."""

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from booking.lifecycle import HOLDING, can_move
from booking.models import Booking, BookingResource, Notification, TokenBooking
from scheduling.errors import NotFound


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
    exclusively or through a token), one patient, or some statuses."""
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
    return bookings.select_related("patient", "appointment_type", "booked_by", "token__slot").prefetch_related(
        Prefetch("resources", queryset=BookingResource.objects.select_related("resource"))
    )


def booking_get(*, facility, booking_id, for_update: bool = False) -> Booking:
    bookings = Booking.objects.filter(facility=facility)
    if for_update:
        bookings = bookings.select_for_update(of=("self",))
    try:
        return bookings.get(pk=int(booking_id))
    except (Booking.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Booking") from None


def booking_detail(*, facility, booking_id) -> Booking:
    """One booking with its patient, type, resources and token loaded for display."""
    try:
        return booking_list(facility=facility).get(pk=int(booking_id))
    except (Booking.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Booking") from None


def transition_allowed(*, booking: Booking, to_status: str) -> bool:
    """Whether the life cycle lets ``booking`` move to ``to_status`` now."""
    return can_move(booking.status, to_status)


def bookings_to_mark_no_show(*, facility, start: dt.datetime, end: dt.datetime) -> QuerySet[Booking]:
    """Bookings starting in [start, end) that nobody checked in."""
    return Booking.objects.filter(
        facility=facility, start__gte=start, start__lt=end, status__in=["scheduled", "approved"]
    ).order_by("start", "id")


def patient_overlapping_bookings(*, facility, patient_id: int, start, end) -> QuerySet[Booking]:
    return Booking.objects.filter(
        facility=facility, patient_id=patient_id, holds_time=True, start__lt=end, end__gt=start
    )


def patient_future_booking_count(*, facility, patient_id: int, now: dt.datetime) -> int:
    return Booking.objects.filter(
        facility=facility, patient_id=patient_id, start__gte=now, status__in=[s.value for s in HOLDING]
    ).count()


def token_booking_list(*, facility, resource_id: int | None = None, start=None, end=None) -> QuerySet[TokenBooking]:
    tokens = TokenBooking.objects.filter(facility=facility).select_related("slot", "booking", "booking__patient")
    if resource_id is not None:
        tokens = tokens.filter(slot__resource_id=resource_id)
    if start is not None:
        tokens = tokens.filter(slot__end__gt=start)
    if end is not None:
        tokens = tokens.filter(slot__start__lt=end)
    return tokens.order_by("slot__start", "id")


def notification_list(*, facility, recipient, unread_only: bool = False) -> QuerySet[Notification]:
    notices = Notification.objects.filter(facility=facility, recipient=recipient).select_related("booking")
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    return notices.order_by("-created_at", "-id")


def notification_unread_count(*, facility, recipient) -> int:
    return Notification.objects.filter(facility=facility, recipient=recipient, read_at__isnull=True).count()


class ActiveBookings:
    """What availability is told is booked (registered in BookingConfig.ready): every
    time-holding exclusive booking of a resource, and every held token, one unit each."""

    def active_intervals(self, *, facility, resource_ids: list[int], start, end) -> list[tuple]:
        exclusive = BookingResource.objects.filter(
            facility=facility, resource_id__in=resource_ids, holds_time=True, start__lt=end, end__gt=start
        ).values_list("resource_id", "start", "end")
        tokens = TokenBooking.objects.filter(
            facility=facility,
            slot__resource_id__in=resource_ids,
            holds_time=True,
            slot__start__lt=end,
            slot__end__gt=start,
        ).values_list("slot__resource_id", "slot__start", "slot__end")
        return [(rid, s, e, 1) for rid, s, e in exclusive] + [(rid, s, e, 1) for rid, s, e in tokens]


def holding_resource_rows(*, facility, resource_ids: list[int], start, end, for_update: bool = False):
    """Exclusive bookings holding any of the resources in [start, end)."""
    rows = BookingResource.objects.filter(
        facility=facility, resource_id__in=resource_ids, holds_time=True, start__lt=end, end__gt=start
    )
    return rows.select_for_update() if for_update else rows


def holding_tokens(*, facility, resource_ids: list[int], start, end, for_update: bool = False):
    tokens = TokenBooking.objects.filter(
        facility=facility, slot__resource_id__in=resource_ids, holds_time=True, slot__start__lt=end, slot__end__gt=start
    )
    return tokens.select_for_update(of=("self",)) if for_update else tokens
