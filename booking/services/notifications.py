"""Telling the people a change to a booking concerns, and only them.

Who (``event_recipient_ids``): the owners of the booked resources (``resource.user``) and the
members they delegated the resource's availability to; whoever booked it; and, when the facility
asks (``Facility.notify_department_desk``), the front desk of the resources' departments (members
whose membership names the department). Never every scheduler of the facility, never the member
who made the change, and only people who are members when the notice is made. A reschedule
concerns the resources and bookers of both the old booking and the new one, and is one notice
with both times.

How: as each member's membership says (``Membership.notify_by``): an unread notice in the app, an
email, or both. An email-only member still gets the notice row, already read: the row is what
makes the email idempotent (one per event and recipient), and it lets them look up what they
were sent without an unread badge for something they chose to read in their mail.
"""

import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from availability import selectors as availability
from booking import selectors
from booking.models import Booking, BookingResource, Notification, Status
from scheduling import selectors as kernel
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

IN_APP = frozenset({"in_app", "both"})
EMAIL = frozenset({"email", "both"})


def event_notifies(event: str) -> bool:
    """Whether ``event`` (a new status, or ``"created"``) tells anyone: only those are queued."""
    return event in EVENT_TITLES


def event_recipient_ids(*, facility, booking_ids: list[int], actor_id: int | None) -> list[int]:
    """The members to tell of a change to the bookings ``booking_ids`` (one booking, or a
    reschedule's old and new), ``actor_id`` (who made it) left out; see the module's docstring.
    ``facility``: the facility or its id (the write paths hold the booking, not always its
    facility's row). One query."""
    rows = BookingResource.objects.filter(facility=facility, booking_id__in=booking_ids)
    owners = rows.filter(resource__user__isnull=False).values("resource__user_id")
    delegates = (
        availability.delegation_list(facility=facility)
        .filter(resource_id__in=rows.values("resource_id"))
        .values("delegate_id")
    )
    bookers = Booking.objects.filter(facility=facility, pk__in=booking_ids).values("booked_by_id")
    departments = rows.filter(resource__department__isnull=False).values("resource__department_id")
    desk = kernel.desk_member_user_ids(facility=facility, department_ids=departments)
    members = kernel.member_user_list(facility=facility).filter(
        Q(pk__in=owners) | Q(pk__in=delegates) | Q(pk__in=bookers) | Q(pk__in=desk)
    )
    if actor_id is not None:
        members = members.exclude(pk=actor_id)
    return list(members.values_list("pk", flat=True))


def event_booking_ids(booking, event: str) -> list[int]:
    """The bookings an event is about: a reschedule (told on the new booking) is about the old too."""
    if event == Status.RESCHEDULED and booking.replaces_id:
        return [booking.pk, booking.replaces_id]
    return [booking.pk]


def notify_booking_event(
    *,
    facility_id: int,
    booking_id: int,
    event: str,
    event_id: str,
    recipient_ids: list[int] | None = None,
    actor_id: int | None = None,
) -> int:
    """Creates the notifications of one event and emails each once, each recipient as their
    membership asks (``notify_by``). ``recipient_ids``: whom the event concerned when it was
    committed (``notify_after_commit`` works them out, and queues nothing for nobody); of them,
    only those still members are told. Without them (a message queued before they were passed)
    they are worked out now, ``actor_id`` left out. Returns how many notifications it created (an
    estimate when runs overlap). Events without a title notify nobody.

    Idempotent, so it may run again or concurrently for one ``event_id`` (a message delivered
    twice, the outbox re-sending it): a unique constraint keeps one notification per event and
    recipient, and each email is claimed first (see ``_email_once``). Raises what sending mail
    raises, after giving that email's claim back, so the task's retry sends it
    (tests/booking/test_notifications.py, tests/booking/test_notification_recipients.py)."""
    if not event_notifies(event):
        return 0
    facility = kernel.facility_get(facility_id=facility_id)
    booking = selectors.booking_detail(facility=facility, booking_id=booking_id)
    if recipient_ids is None:
        recipient_ids = event_recipient_ids(
            facility=facility, booking_ids=event_booking_ids(booking, event), actor_id=actor_id
        )
    notify_by = kernel.member_notify_by(facility=facility, user_ids=recipient_ids)
    if not notify_by:
        return 0
    already = set(
        Notification.objects.filter(facility=facility, event_id=event_id).values_list("recipient_id", flat=True)
    )
    title = EVENT_TITLES[event]
    message = _message(booking, title, facility, event=event)
    now = timezone.now()
    created = [user_id for user_id in sorted(notify_by) if user_id not in already]
    Notification.objects.bulk_create(
        [
            Notification(
                facility=facility,
                recipient_id=user_id,
                booking=booking,
                event=event,
                event_id=uuid.UUID(event_id),
                message=message[:500],
                # Email only: kept as the record of what was sent, with no unread badge.
                read_at=None if notify_by[user_id] in IN_APP else now,
            )
            for user_id in created
        ],
        ignore_conflicts=True,
    )
    emailed = [user_id for user_id, how in notify_by.items() if how in EMAIL]
    _email_once(facility=facility, event_id=event_id, recipient_ids=emailed, title=title, message=message)
    return len(created)


def notify_members(*, facility, recipient_ids: list[int], title: str, message: str, event_id: str) -> int:
    """Tells ``recipient_ids`` (those still members) of a change that is not a booking's (a shift
    swap of their roster, from rostering), each as their membership asks (``notify_by``), in the
    same notices and emails as a booking's. Idempotent per ``event_id`` and recipient, like
    ``notify_booking_event``. Returns how many notifications it created."""
    notify_by = kernel.member_notify_by(facility=facility, user_ids=recipient_ids)
    if not notify_by:
        return 0
    already = set(
        Notification.objects.filter(facility=facility, event_id=event_id).values_list("recipient_id", flat=True)
    )
    now = timezone.now()
    created = [user_id for user_id in sorted(notify_by) if user_id not in already]
    Notification.objects.bulk_create(
        [
            Notification(
                facility=facility,
                recipient_id=user_id,
                booking=None,
                event=title[:30],
                event_id=uuid.UUID(event_id),
                message=message[:500],
                read_at=None if notify_by[user_id] in IN_APP else now,
            )
            for user_id in created
        ],
        ignore_conflicts=True,
    )
    emailed = [user_id for user_id, how in notify_by.items() if how in EMAIL]
    _email_once(facility=facility, event_id=event_id, recipient_ids=emailed, title=title, message=message)
    return len(created)


def _email_once(*, facility, event_id: str, recipient_ids: list[int], title: str, message: str) -> None:
    """Emails each notification of the event to ``recipient_ids`` that has not been emailed, to
    recipients with an address. Each is claimed before sending by setting ``emailed_at`` where it
    is still empty (one conditional UPDATE: of runs at once, exactly one wins); a failed send
    clears it again. A process killed between claim and send loses that one email rather than
    risk sending twice."""
    if not recipient_ids:
        return
    waiting = (
        Notification.objects.filter(
            facility=facility, event_id=event_id, recipient_id__in=recipient_ids, emailed_at__isnull=True
        )
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


def _message(booking, title: str, facility, *, event: str) -> str:
    zone = _tz(facility)
    places = ", ".join(row.resource.name for row in booking.resources.all())  # a token's slot has its row too
    who = f"{booking.patient.name} ({booking.patient.mrn}) — {booking.appointment_type.name}"
    if event == Status.RESCHEDULED and booking.replaces_id:
        before = booking.replaces.start
        return f"{title}: {who}, from {_short(before, zone)} to {_short(booking.start, zone)} with {places}."
    local = timezone.localtime(booking.start, timezone=zone)
    return f"{title}: {who}, {local:%a} {local.day} {local:%b %Y %H:%M} with {places}."


def _short(instant, zone: ZoneInfo) -> str:
    """``Mon 7 Dec 09:00``: the day and time at the desk, as a reschedule states both."""
    local = timezone.localtime(instant, timezone=zone)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _tz(facility) -> ZoneInfo:
    return ZoneInfo(facility.time_zone)
