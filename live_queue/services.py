"""The day of care: check-in, the queue's actions, and the booking moves that go with them.

Each entry point owns one transaction. Token numbers come from the queue row, locked and
incremented in the check-in's own transaction, so concurrent check-ins get distinct numbers and
a failed check-in leaves no gap. "Call next" locks the entry it calls with SKIP LOCKED, so two
staff pressing it at once call two different patients.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from booking import selectors as bookings
from booking import services as booking_services
from live_queue import selectors
from live_queue.models import Encounter, EntryStatus, Priority, Queue, QueueEntry
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError
from scheduling.permissions import Action, role_allows

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


def check_in(
    *,
    facility,
    actor,
    actor_role: str,
    booking_id: int | None = None,
    patient_id: int | None = None,
    resource_id: int | None = None,
    department_id: int | None = None,
    appointment_type_id: int | None = None,
    priority: str | None = None,
    now: dt.datetime | None = None,
) -> QueueEntry:
    """Checks a patient in: creates the Encounter (never earlier) and a queue entry with the next
    token of today's queue of the resource or department (made on first use), and moves the
    booking, if any, to ``checked_in``.

    With ``booking_id`` the queue is the booking's first resource unless ``department_id`` names
    a department queue; the booking must be today's. Without one (a walk-in who has no booking)
    ``patient_id`` and a resource or department are needed. Errors: 404 unknown ids, 400
    ``invalid``, 403 if ``priority`` is emergency and the role may not book emergencies (it puts
    the patient ahead of everyone), 409 ``not_today`` or ``invalid_transition`` (already checked
    in, cancelled…). Locks: the booking row, then the queue row."""
    now = now or timezone.now()
    if priority == Priority.EMERGENCY and not role_allows(actor_role, Action.BOOKING_EMERGENCY):
        raise ApplicationError(
            "permission_denied", f"The role '{actor_role}' may not check patients in as emergencies."
        )
    today = now.astimezone(ZoneInfo(facility.time_zone)).date()
    with transaction.atomic(durable=True):
        booking = None
        if booking_id is not None:
            booking = bookings.booking_detail(facility=facility, booking_id=booking_id)
            if booking.start.astimezone(ZoneInfo(facility.time_zone)).date() != today:
                raise ApplicationError(
                    "not_today",
                    "Only today's bookings can be checked in.",
                    fields={"booking": ["Not today."]},
                    status_code=409,
                )
            booking = booking_services.booking_transition(
                facility=facility, actor=actor, booking_id=booking.pk, to_status="checked_in", now=now
            )
            booking = bookings.booking_detail(facility=facility, booking_id=booking.pk)
            patient_id = booking.patient_id
            appointment_type_id = booking.appointment_type_id
            if resource_id is None and department_id is None:
                resource_id = _booking_resource_id(booking)
        elif patient_id is None:
            raise ApplicationError("invalid", "Name the booking, or the patient.", fields={"patient": ["Required."]})
        if (resource_id is None) == (department_id is None):
            raise ApplicationError(
                "invalid",
                "Name one resource or one department for the queue.",
                fields={"resource": ["One of resource or department."]},
            )
        patient = kernel.patient_get(facility=facility, patient_id=patient_id)
        appointment_type = (
            kernel.appointment_type_get(facility=facility, appointment_type_id=appointment_type_id)
            if appointment_type_id
            else None
        )
        queue = _queue_locked(facility=facility, day=today, resource_id=resource_id, department_id=department_id)
        encounter = Encounter(
            facility=facility,
            patient=patient,
            booking=booking,
            appointment_type=appointment_type,
            checked_in_at=now,
            checked_in_by=actor,
        )
        _save(encounter, actor)
        return _enqueue(
            queue=queue,
            encounter=encounter,
            actor=actor,
            priority=priority or (booking.priority if booking else Priority.ROUTINE),
            is_vip=bool(booking and booking.is_vip),
            vip_reason="Marked VIP when booked" if booking and booking.is_vip else "",
            appointment_at=booking.start if booking else None,
            arrived_at=now,
            now=now,
        )


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
    """Called but not there: set aside until recalled."""
    return _act(facility, actor, entry_id, EntryStatus.SKIPPED, now=now)


def entry_recall(*, facility, actor, entry_id: int, now: dt.datetime | None = None) -> QueueEntry:
    """A skipped patient is back: waiting again, in their original place."""
    return _act(facility, actor, entry_id, EntryStatus.WAITING, now=now)


def entry_left(*, facility, actor, entry_id: int, now: dt.datetime | None = None) -> QueueEntry:
    """Left without being seen: the entry closes and the booking is cancelled."""
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
    ``transferred`` and a new one, with a token of the new queue, keeps the arrival time,
    priority and VIP flag. Returns the new entry."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        entry = selectors.entry_get(facility=facility, entry_id=entry_id, for_update=True)
        target = _queue_locked(
            facility=facility, day=entry.queue.day, resource_id=resource_id, department_id=department_id
        )
        if target.pk == entry.queue_id:
            raise ApplicationError(
                "invalid", "The patient is already in this queue.", fields={"queue": ["Same queue."]}
            )
        _move(entry, EntryStatus.TRANSFERRED, actor=actor, now=now)
        return _enqueue(
            queue=target,
            encounter=entry.encounter,
            actor=actor,
            priority=entry.priority,
            is_vip=entry.is_vip,
            appointment_at=entry.appointment_at,
            arrived_at=entry.arrived_at,
            now=now,
            transferred_from=entry,
            vip_reason=entry.vip_reason,
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
        return _save(entry, actor)


def entry_set_vip(*, facility, actor, entry_id: int, reason: str) -> QueueEntry:
    """Raises a patient as VIP, with the reason on record."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError("invalid", "Say why the patient is raised.", fields={"reason": ["Required."]})
    with transaction.atomic(durable=True):
        entry = selectors.entry_get(facility=facility, entry_id=entry_id, for_update=True)
        _require_waiting(entry)
        entry.is_vip, entry.vip_reason = True, reason[:300]
        return _save(entry, actor)


# --- inside the transaction ----------------------------------------------------------------


def _act(facility, actor, entry_id, to_status, *, booking_status: str | None = None, now=None) -> QueueEntry:
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        entry = selectors.entry_get(facility=facility, entry_id=entry_id, for_update=True)
        _move(entry, to_status, actor=actor, now=now)
        booking = entry.encounter.booking
        if booking_status and booking is not None:
            booking = bookings.booking_get(facility=facility, booking_id=booking.pk)
            if bookings.transition_allowed(booking=booking, to_status=booking_status):
                booking_services.booking_transition(
                    facility=facility, actor=actor, booking_id=booking.pk, to_status=booking_status, now=now
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
    _save(entry, actor)


def _require_waiting(entry: QueueEntry) -> None:
    if entry.status != EntryStatus.WAITING:
        raise ApplicationError(
            "invalid_transition", "Only a waiting patient can be moved in the queue.", status_code=409
        )


def _enqueue(
    *,
    queue: Queue,
    encounter,
    actor,
    priority,
    is_vip,
    appointment_at,
    arrived_at,
    now,
    transferred_from=None,
    vip_reason: str = "",
):
    queue.last_token += 1
    queue._history_user = actor
    queue.save(update_fields=["last_token"])
    entry = QueueEntry(
        facility_id=queue.facility_id,
        queue=queue,
        encounter=encounter,
        token_number=queue.last_token,
        priority=priority,
        is_vip=is_vip,
        vip_reason=vip_reason,
        appointment_at=appointment_at,
        arrived_at=arrived_at,
        checked_in_at=now,
        transferred_from=transferred_from,
    )
    return _save(entry, actor)


def _queue_locked(*, facility, day: dt.date, resource_id: int | None, department_id: int | None) -> Queue:
    """Today's queue of the resource or department, made on first use, locked for this transaction."""
    if resource_id is not None:
        resource = kernel.resource_get(facility=facility, resource_id=resource_id)
        lookup, name = {"resource_id": resource.pk}, resource.name
    elif department_id is not None:
        department = kernel.department_get(facility=facility, department_id=department_id)
        lookup, name = {"department_id": department.pk}, department.name
    else:
        raise ApplicationError("invalid", "Name a resource or a department.", fields={"resource": ["Required."]})
    Queue.objects.bulk_create([Queue(facility=facility, day=day, name=name, **lookup)], ignore_conflicts=True)
    return Queue.objects.select_for_update().get(facility=facility, day=day, **lookup)


def _booking_resource_id(booking) -> int:
    rows = sorted(booking.resources.all(), key=lambda row: (row.start, row.resource_id))
    if rows:
        return rows[0].resource_id
    return booking.token.slot.resource_id


def _save(instance, actor):
    instance._history_user = actor
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""
        if constraint == "queue_entry_one_open_per_encounter":
            raise ApplicationError("already_queued", "The patient is already in a queue.", status_code=409) from None
        raise
    return instance
