"""Moving a booking along its life cycle (``booking.lifecycle``): the status, its stamps, the
time it holds, and the notification of the change once committed."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from booking import selectors
from booking.lifecycle import HOLDING, QUEUE_ONLY, STAMPS, TRANSITIONS, can_move
from booking.models import Booking, BookingResource, Status, TokenBooking, TokenSlot
from booking.services.notifications import event_booking_ids, event_notifies, event_recipient_ids
from scheduling.errors import ApplicationError
from scheduling.history import audited_bulk_update, audited_save
from scheduling.outbox import enqueue_on_commit


def booking_transition(
    *,
    facility,
    actor,
    booking_id,
    to_status: str,
    now: dt.datetime | None = None,
    from_queue: bool = False,
    locked_booking: Booking | None = None,
    reason: str = "",
) -> Booking:
    """Moves a booking along the life cycle (``booking.lifecycle.TRANSITIONS``), stamping time
    and actor; leaving a time-holding status frees the resources and the token.

    Cancelling needs a ``reason`` (400 ``invalid`` naming ``reason``, before anything else is
    checked), kept as the booking's ``cancel_reason`` and in its history; the queue's cancel
    (the patient left without being seen) says so itself.

    Errors, all 409: ``invalid_transition`` for a move the table does not allow; ``too_early``
    for a no-show before the appointment has begun; ``not_today`` for a check-in on another
    day than the booking's own in the facility's zone; ``checked_in`` for a move of a checked-in
    booking that only the live queue makes (``lifecycle.QUEUE_ONLY``: cancel, undo the
    check-in) when the caller is not the queue (``from_queue``), since the queue entry must
    move with it (tests/live_queue/test_undo_and_cancel.py).

    Locks the booking row, unless the caller passes it as ``locked_booking``: this booking, of
    this facility, already read with ``select_for_update`` in the caller's own transaction,
    which the caller ends on any error raised here, so no savepoint is taken (it would cost
    every check-in a SAVEPOINT/RELEASE pair). Joins the caller's transaction if there is one."""
    now = now or timezone.now()
    reason = " ".join((reason or "").split())
    if to_status == Status.CANCELLED and not reason:
        if not from_queue:
            message = "Say why the booking is cancelled."
            raise ApplicationError("invalid", message, fields={"reason": [message]})
        reason = LEFT_WITHOUT_BEING_SEEN
    # Not durable: the day-of-care services move a booking in the same transaction as the
    # encounter and queue entry they write. It takes no Redis lock, only the row lock.
    with transaction.atomic(savepoint=locked_booking is None):
        booking = locked_booking or selectors.booking_get(facility=facility, booking_id=booking_id, for_update=True)
        allowed = can_move(booking.status, to_status)
        if to_status == Status.NO_SHOW and now < booking.start and allowed:
            raise ApplicationError(
                "too_early", "A patient can be marked absent only once the appointment has begun.", status_code=409
            )
        if allowed and (booking.status, to_status) in QUEUE_ONLY and not from_queue:
            raise _queue_only(to_status)
        if to_status == Status.CHECKED_IN and allowed and not _same_local_day(booking.start, now, facility):
            raise ApplicationError(
                "not_today",
                "Only today's bookings can be checked in.",
                fields={"booking": ["Not today."]},
                status_code=409,
            )
        if booking.status == Status.CHECKED_IN and to_status == Status.SCHEDULED:
            booking.checked_in_at = None  # the check-in was a mistake: it never happened
        if to_status == Status.CANCELLED and allowed:
            booking.cancel_reason = reason[: Booking._meta.get_field("cancel_reason").max_length]
        move(booking, to_status, actor=actor, now=now)
        notify_after_commit(booking, event=to_status)
    return booking


LEFT_WITHOUT_BEING_SEEN = "Left the queue without being seen."


def _queue_only(to_status: str) -> ApplicationError:
    if to_status == Status.CANCELLED:
        message = (
            "This patient is checked in: cancel in the queue with “Left” (left without being seen), "
            "or use “Undo check-in” there if the check-in was a mistake."
        )
    else:
        message = "This patient is checked in: only the queue's “Undo check-in” takes the check-in back."
    return ApplicationError("checked_in", message, status_code=409)


def _same_local_day(one: dt.datetime, other: dt.datetime, facility) -> bool:
    zone = facility_zone(facility)
    return one.astimezone(zone).date() == other.astimezone(zone).date()


def move(booking: Booking, to_status: str, *, actor, now) -> None:
    """Moves the booking to ``to_status``, stamping it. Leaving a time-holding status frees its
    resources and its token. Completing it ends its hold at the actual end: the patient is free
    again, and each resource keeps only the time the visit used (a token keeps its place in the
    slot's count)."""
    target = Status(to_status)
    if not can_move(booking.status, target):
        raise invalid_transition(booking.status, target)
    was_holding = booking.holds_time
    booking.status = target
    booking.holds_time = target in HOLDING
    booking.status_changed_at = now
    booking.status_changed_by = actor
    if target in STAMPS:
        setattr(booking, STAMPS[target], now)
    audited_save(booking, actor=actor)
    if target == Status.COMPLETED:
        _hold_until(booking, now, actor=actor)
    elif was_holding and not booking.holds_time:
        rows = list(BookingResource.objects.filter(booking=booking, holds_time=True))
        for row in rows:
            row.holds_time = False
        audited_bulk_update(BookingResource, rows, ["holds_time"], actor=actor)
        if any(row.token_slot_id for row in rows):
            token = TokenBooking.objects.select_for_update().get(booking=booking, holds_time=True)
            token.holds_time = False
            audited_save(token, actor=actor, update_fields=["holds_time"])
            TokenSlot.objects.filter(pk=token.slot_id).update(allocated=F("allocated") - 1)


def _hold_until(booking: Booking, end: dt.datetime, *, actor) -> None:
    """Trims the booking's held resource time to end at ``end``; a part not yet begun is freed."""
    rows = list(BookingResource.objects.filter(booking=booking, holds_time=True, end__gt=end))
    for row in rows:
        if row.start < end:
            row.end = end
        else:
            row.holds_time = False
    audited_bulk_update(BookingResource, rows, ["end", "holds_time"], actor=actor)


def invalid_transition(current, target) -> ApplicationError:
    allowed = sorted(s.value for s in TRANSITIONS[Status(current)])
    return ApplicationError(
        "invalid_transition",
        f"A booking that is {Status(current).label.lower()} cannot become {Status(target).label.lower()}.",
        extra={"from": str(current), "to": str(target), "allowed": allowed},
        status_code=409,
    )


def notify_after_commit(booking: Booking, *, event: str) -> None:
    """Queues the notification of ``event`` for after the commit, to the members it concerns
    (``notifications.event_recipient_ids``), worked out now, inside the transaction, so that an
    event that concerns nobody (or only the member who made the change, who is the booking's
    ``status_changed_by`` at this point) queues no task at all. A reschedule is told once, on the
    new booking, with the old time (tests/booking/test_notification_recipients.py)."""
    from booking.tasks import notify_booking_event  # the task module imports these services

    if not event_notifies(event):
        return
    actor_id = booking.status_changed_by_id
    recipient_ids = event_recipient_ids(
        facility=booking.facility_id, booking_ids=event_booking_ids(booking, event), actor_id=actor_id
    )
    if recipient_ids:
        enqueue_on_commit(
            notify_booking_event,
            facility_id=booking.facility_id,
            booking_id=booking.pk,
            event=str(event),
            event_id=str(uuid.uuid4()),
            recipient_ids=recipient_ids,
            actor_id=actor_id,
        )


def facility_zone(facility) -> ZoneInfo:
    return ZoneInfo(facility.time_zone)


def bookings_mark_no_show(*, facility, day: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Marks ``no_show`` every booking of the facility-local ``day`` (default: yesterday there)
    that was never checked in — the sweep Celery beat runs every hour, so each facility is swept
    soon after its own midnight; staff mark one by one with ``booking_transition``. Idempotent.
    Returns how many it marked. The change is CareSlot's own, so it has no actor."""
    now = now or timezone.now()
    zone = facility_zone(facility)
    day = day or (now.astimezone(zone).date() - dt.timedelta(days=1))
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    marked = 0
    for booking_id in selectors.bookings_to_mark_no_show(facility=facility, start=start, end=end).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            booking = selectors.booking_get(facility=facility, booking_id=booking_id, for_update=True)
            if can_move(booking.status, Status.NO_SHOW):
                move(booking, Status.NO_SHOW, actor=None, now=now)
                notify_after_commit(booking, event=Status.NO_SHOW)
                marked += 1
    return marked
