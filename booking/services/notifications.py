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


def event_notifies(event: str) -> bool:
    """Whether ``event`` (a new status, or ``"created"``) tells anyone: only those are queued."""
    return event in EVENT_TITLES


def notify_booking_event(*, facility_id: int, booking_id: int, event: str, event_id: str) -> int:
    """Creates the notifications of one event and emails each once. Returns how many
    notifications it created (an estimate when runs overlap). Events without a title notify
    nobody.

    Idempotent, so it may run again or concurrently for one ``event_id`` (a message delivered
    twice, the outbox re-sending it): a unique constraint keeps one notification per event and
    recipient, and each email is claimed first (see ``_email_once``). Raises what sending mail
    raises, after giving that email's claim back, so the task's retry sends it
    (tests/booking/test_notifications.py)."""
    if not event_notifies(event):
        return 0
    facility = kernel.facility_get(facility_id=facility_id)
    booking = selectors.booking_detail(facility=facility, booking_id=booking_id)
    resources = [row.resource for row in booking.resources.all()]  # a token's slot has its row too
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
    _email_once(facility=facility, event_id=event_id, title=title, message=message)
    return len(recipients)


def _email_once(*, facility, event_id: str, title: str, message: str) -> None:
    """Emails each notification of the event that has not been emailed, to recipients with an
    address. Each is claimed before sending by setting ``emailed_at`` where it is still empty (one
    conditional UPDATE: of runs at once, exactly one wins); a failed send clears it again. A
    process killed between claim and send loses that one email rather than risk sending twice."""
    waiting = (
        Notification.objects.filter(facility=facility, event_id=event_id, emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("pk")
    )
    for notice in waiting:
        claim = Notification.objects.filter(pk=notice.pk, emailed_at__isnull=True)
        if not claim.update(emailed_at=timezone.now()):
            continue  # another run has it
        try:
            send_mail(title, message, settings.DEFAULT_FROM_EMAIL, [notice.recipient.email])
        except Exception:
            Notification.objects.filter(pk=notice.pk).update(emailed_at=None)
            raise


def notification_mark_read(*, facility, recipient, notification_id) -> Notification:
    notice = selectors.notification_list(facility=facility, recipient=recipient).filter(pk=notification_id).first()
    if notice is None:
        raise ApplicationError("not_found", "Notification not found.")
    if notice.read_at is None:
        notice.read_at = timezone.now()
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
