"""The queue's actions on an entry: call next, start, complete, skip, recall, left, transfer,
the staff's moves and VIP, each with the booking move that goes with it."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from booking import selectors as bookings
from booking import services as booking_services
from live_queue import selectors
from live_queue.models import EntryStatus, QueueEntry
from live_queue.services.common import enqueue, place_get, save
from scheduling.errors import ApplicationError

# Entry status → statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    EntryStatus.WAITING: frozenset({EntryStatus.CALLED, EntryStatus.LEFT, EntryStatus.TRANSFERRED}),
    EntryStatus.CALLED: frozenset(
        {EntryStatus.IN_PROGRESS, EntryStatus.SKIPPED, EntryStatus.LEFT, EntryStatus.TRANSFERRED}
    ),
    EntryStatus.SKIPPED: frozenset({EntryStatus.WAITING, EntryStatus.LEFT}),
    EntryStatus.IN_PROGRESS: frozenset({EntryStatus.COMPLETED, EntryStatus.TRANSFERRED}),
    EntryStatus.COMPLETED: frozenset(),
    EntryStatus.LEFT: frozenset(),
    EntryStatus.TRANSFERRED: frozenset(),
}


def call_next(*, facility, actor, queue_id: int, counter: str = "", now: dt.datetime | None = None) -> QueueEntry:
    """Calls the first waiting entry in score order that nobody else is calling at this instant
    (SELECT … FOR UPDATE SKIP LOCKED). 409 ``queue_empty`` when no one is waiting."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        queue = selectors.queue_get(facility=facility, queue_id=queue_id)
        if queue.day != now.astimezone(ZoneInfo(facility.time_zone)).date():
            raise ApplicationError("queue_closed", "Only today's queues call patients.", status_code=409)
        for entry, _parts in selectors.queue_in_order(facility=facility, queue_id=queue.pk, now=now):
            locked = (
                QueueEntry.objects.select_for_update(skip_locked=True)
                .filter(pk=entry.pk, status=EntryStatus.WAITING)
                .first()
            )
            if locked is None:
                continue  # another desk is calling this patient right now
            locked.counter = counter[:100]
            locked.called_by = actor
            _move(locked, EntryStatus.CALLED, actor=actor, now=now)
            return locked
    raise ApplicationError("queue_empty", "Nobody is waiting in this queue.", status_code=409)


def entry_start(*, facility, actor, entry_id: int, now: dt.datetime | None = None) -> QueueEntry:
    """The patient is with the clinician: records the actual start on the entry and the booking."""
    return _act(facility, actor, entry_id, EntryStatus.IN_PROGRESS, booking_status="in_progress", now=now)


def entry_complete(*, facility, actor, entry_id: int, now: dt.datetime | None = None) -> QueueEntry:
    """Care given: records the actual end and completes the booking."""
    return _act(facility, actor, entry_id, EntryStatus.COMPLETED, booking_status="completed", now=now)


def entry_skip(*, facility, actor, entry_id: int, now: dt.datetime | None = None) -> QueueEntry:
    """Called but not there: set aside until recalled (still in the queue, so not checked in
    anywhere else that day)."""
    return _act(facility, actor, entry_id, EntryStatus.SKIPPED, now=now)


def entry_recall(*, facility, actor, entry_id: int, now: dt.datetime | None = None) -> QueueEntry:
    """A skipped patient is back: waiting again, in their original place."""
    return _act(facility, actor, entry_id, EntryStatus.WAITING, now=now)


def entry_left(*, facility, actor, entry_id: int, now: dt.datetime | None = None) -> QueueEntry:
    """Left without being seen: the entry closes and the booking is cancelled (the only way a
    checked-in booking is cancelled)."""
    return _act(facility, actor, entry_id, EntryStatus.LEFT, booking_status="cancelled", now=now)


def entry_transfer(
    *,
    facility,
    actor,
    entry_id: int,
    resource_id: int | None = None,
    department_id: int | None = None,
    now: dt.datetime | None = None,
) -> QueueEntry:
    """Moves a patient to another queue of today (triage → doctor): the old entry closes as
    ``transferred`` before a new one, with a token of the new queue, keeps the arrival time,
    priority and VIP flag (so the patient still has one open entry). Returns the new entry.
    Locks: the entry row, then the target queue's row."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        entry = selectors.entry_get(facility=facility, entry_id=entry_id, for_update=True)
        place = place_get(facility=facility, resource_id=resource_id, department_id=department_id)
        if place.is_of(entry.queue):
            raise ApplicationError(
                "invalid", "The patient is already in this queue.", fields={"queue": ["Same queue."]}
            )
        _move(entry, EntryStatus.TRANSFERRED, actor=actor, now=now)
        return enqueue(
            facility=facility,
            day=entry.queue.day,
            place=place,
            encounter=entry.encounter,
            actor=actor,
            priority=entry.priority,
            is_vip=entry.is_vip,
            vip_reason=entry.vip_reason,
            appointment_at=entry.appointment_at,
            arrived_at=entry.arrived_at,
            now=now,
            transferred_from=entry,
        )


def entry_move(*, facility, actor, entry_id: int, minutes: int) -> QueueEntry:
    """A staff move: negative ``minutes`` bump the patient up, positive send them back. Kept in
    history; bounded to a day either way."""
    if not -24 * 60 <= minutes <= 24 * 60 or minutes == 0:
        raise ApplicationError(
            "invalid", "Move by 1 to 1440 minutes either way.", fields={"minutes": ["Out of range."]}
        )
    with transaction.atomic(durable=True):
        entry = selectors.entry_get(facility=facility, entry_id=entry_id, for_update=True)
        _require_waiting(entry)
        entry.manual_minutes = max(-24 * 60, min(24 * 60, entry.manual_minutes + minutes))
        return save(entry, actor)


def entry_set_vip(*, facility, actor, entry_id: int, reason: str) -> QueueEntry:
    """Raises a patient as VIP, with the reason on record."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError("invalid", "Say why the patient is raised.", fields={"reason": ["Required."]})
    with transaction.atomic(durable=True):
        entry = selectors.entry_get(facility=facility, entry_id=entry_id, for_update=True)
        _require_waiting(entry)
        entry.is_vip, entry.vip_reason = True, reason[:300]
        return save(entry, actor)


def entry_clear_vip(*, facility, actor, entry_id: int) -> QueueEntry:
    """Takes a VIP raise back (the undo of ``entry_set_vip``, or of a booking marked VIP): the
    patient is ordered as before it. Only while they wait; the raise and its reason stay in the
    entry's history."""
    with transaction.atomic(durable=True):
        entry = selectors.entry_get(facility=facility, entry_id=entry_id, for_update=True)
        _require_waiting(entry)
        entry.is_vip, entry.vip_reason = False, ""
        return save(entry, actor)


# --- inside the transaction ----------------------------------------------------------------


def _act(facility, actor, entry_id, to_status, *, booking_status: str | None = None, now=None) -> QueueEntry:
    """Moves the entry and, if it has one, its booking. Locks: the entry row, then the booking's."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        entry = selectors.entry_get(facility=facility, entry_id=entry_id, for_update=True)
        _move(entry, to_status, actor=actor, now=now)
        booking_id = entry.encounter.booking_id
        if booking_status and booking_id is not None:
            booking = bookings.booking_get(facility=facility, booking_id=booking_id, for_update=True)
            if bookings.transition_allowed(booking=booking, to_status=booking_status):
                booking_services.booking_transition(
                    facility=facility,
                    actor=actor,
                    booking_id=booking.pk,
                    to_status=booking_status,
                    now=now,
                    from_queue=True,
                    locked_booking=booking,
                )
        return entry


def _move(entry: QueueEntry, to_status: str, *, actor, now) -> None:
    if to_status not in TRANSITIONS[entry.status]:
        raise ApplicationError(
            "invalid_transition",
            f"A patient who is {EntryStatus(entry.status).label.lower()} "
            f"cannot become {EntryStatus(to_status).label.lower()}.",
            extra={"from": entry.status, "to": to_status, "allowed": sorted(TRANSITIONS[entry.status])},
            status_code=409,
        )
    entry.status = to_status
    if to_status == EntryStatus.CALLED:
        entry.called_at = now
    elif to_status == EntryStatus.IN_PROGRESS:
        entry.started_at = now
    elif to_status in (EntryStatus.COMPLETED, EntryStatus.LEFT, EntryStatus.TRANSFERRED):
        entry.ended_at = now
    save(entry, actor)


def _require_waiting(entry: QueueEntry) -> None:
    if entry.status != EntryStatus.WAITING:
        raise ApplicationError(
            "invalid_transition", "Only a waiting patient can be moved in the queue.", status_code=409
        )
