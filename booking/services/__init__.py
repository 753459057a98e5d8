"""The booking services: the only code that writes bookings, token slots and notifications."""

from booking.services.appointments import booking_create, booking_reschedule, walk_in_create
from booking.services.leave import leave_affected_bookings, leave_apply, leave_proposals
from booking.services.notifications import (
    notification_mark_all_read,
    notification_mark_read,
    notify_booking_event,
)
from booking.services.patient_messages import patient_message_send
from booking.services.requests import BookingRequest, ResourceRequest
from booking.services.transitions import booking_transition, bookings_mark_no_show

__all__ = [
    "BookingRequest",
    "ResourceRequest",
    "booking_create",
    "booking_reschedule",
    "booking_transition",
    "bookings_mark_no_show",
    "leave_affected_bookings",
    "leave_apply",
    "leave_proposals",
    "notification_mark_all_read",
    "notification_mark_read",
    "notify_booking_event",
    "patient_message_send",
    "walk_in_create",
]
