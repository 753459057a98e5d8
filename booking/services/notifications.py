"""Telling people about changes to bookings: an in-app notification for each resource owner
and each scheduler of the facility, and an email to those with an address."""

import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from booking import selectors
from booking.models import Notification, Status
from scheduling import selectors as kernel
from scheduling.choices import Role
from scheduling.errors import ApplicationError

EVENT_TITLES = {
    "created": "New booking",
    Status.CANCELLED: "Booking cancelled",
    Status.RESCHEDULED: "Booking rescheduled",
    Status.NEEDS_RESCHEDULE: "Booking displaced by an emergency — needs rescheduling",
    Status.APPROVED: "Booking request approved",
    Status.DENIED: "Booking request denied",
    Status.NO_SHOW: "Patient did not attend",
}


def notify_booking_event(*, facility_id: int, booking_id: int, event: str, event_id: str) -> int:
    """Creates the notifications of one event (idempotent per ``event_id`` and recipient) and
    emails them. Returns how many were new. Events without a title notify nobody."""
    if event not in EVENT_TITLES:
        return 0
    facility = kernel.facility_get(facility_id=facility_id)
    booking = selectors.booking_detail(facility=facility, booking_id=booking_id)
    resources = [row.resource for row in booking.resources.all()]
    if booking.token_booking:
        resources.append(kernel.resource_get(facility=facility, resource_id=booking.token.slot.resource_id))
    owners = {resource.user_id for resource in resources if resource.user_id}
    schedulers = kernel.member_user_list(facility=facility, roles=[Role.SCHEDULER])
    owners_here = kernel.member_user_list(facility=facility).filter(pk__in=owners)
    already = set(
        Notification.objects.filter(facility=facility, event_id=event_id).values_list("recipient_id", flat=True)
    )
    recipients = [user for user in (schedulers | owners_here).distinct() if user.pk not in already]
    title = EVENT_TITLES[event]
    message = _message(booking, title, facility, places=[resource.name for resource in resources])
    Notification.objects.bulk_create(
        [
            Notification(
                facility=facility,
                recipient=user,
                booking=booking,
                event=event,
                event_id=uuid.UUID(event_id),
                message=message[:500],
            )
            for user in recipients
        ],
        ignore_conflicts=True,
    )
    emailed = [user.email for user in recipients if user.email]
    for address in emailed:
        send_mail(title, message, settings.DEFAULT_FROM_EMAIL, [address])
    if emailed:
        Notification.objects.filter(facility=facility, event_id=event_id, recipient__email__in=emailed).update(
            emailed_at=timezone.now()
        )
    return len(recipients)


def notification_mark_read(*, facility, recipient, notification_id) -> Notification:
    notice = selectors.notification_list(facility=facility, recipient=recipient).filter(pk=notification_id).first()
    if notice is None:
        raise ApplicationError("not_found", "Notification not found.")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice._history_user = recipient
        notice.save(update_fields=["read_at"])
    return notice


def notification_mark_all_read(*, facility, recipient) -> int:
    return selectors.notification_list(facility=facility, recipient=recipient, unread_only=True).update(
        read_at=timezone.now()
    )


def _message(booking, title: str, facility, *, places: list[str]) -> str:
    local = timezone.localtime(booking.start, timezone=_tz(facility))
    return (
        f"{title}: {booking.patient.name} ({booking.patient.mrn}) — {booking.appointment_type.name}, "
        f"{local:%a %d %b %Y %H:%M} with {', '.join(places)}."
    )


def _tz(facility) -> ZoneInfo:
    return ZoneInfo(facility.time_zone)
