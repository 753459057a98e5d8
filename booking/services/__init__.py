"""The booking services: the only code that writes bookings, token slots and notifications."""

from booking.services.appointments import booking_create, booking_reschedule, walk_in_create
from booking.services.notifications import (
    notification_mark_all_read,
    notification_mark_read,
    notify_booking_event,
)
from booking.services.requests import BookingRequest, ResourceRequest
from booking.services.transitions import booking_transition, bookings_mark_no_show

__all__ = [
    "BookingRequest",
    "ResourceRequest",
    "booking_create",
    "booking_reschedule",
    "booking_transition",
    "bookings_mark_no_show",
    "notification_mark_all_read",
    "notification_mark_read",
    "notify_booking_event",
    "walk_in_create",
]
