"""Check-in, and its undo when it was a mistake."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils import timezone

from booking import selectors as bookings
from booking import services as booking_services
from live_queue import selectors
from live_queue.models import Encounter, EntryStatus, Priority, QueueEntry
from live_queue.services.common import Place, enqueue, place_get, save
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError, NotFound, constraint_name
from scheduling.history import audited_delete
from scheduling.permissions import Action, role_allows, roles_allowed

OPEN_ENTRY_CONSTRAINT = "queue_entry_one_open_per_patient_day"
# A check-in can be taken back until care starts; a skipped patient was called but never seen.
UNDOABLE = frozenset({EntryStatus.WAITING, EntryStatus.CALLED, EntryStatus.SKIPPED})


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

    With ``booking_id`` the queue is the booking's first resource unless a resource or
    department is named; the booking must be today's. Without one (a walk-in who has no
    booking) ``patient_id`` and a resource or department are needed.

    Errors: 404 unknown ids; 400 ``invalid``; 403 ``permission_denied`` if the entry would be an
    emergency (named by ``priority`` or by the booking; it puts the patient ahead of everyone)
    and neither the actor's role allows ``booking.emergency`` nor, for an emergency booking, the
    role its ``booked_by`` holds here now; 409 ``not_today`` or ``invalid_transition`` from the
    booking's move (another day, already checked in, cancelled…); 409 ``already_queued`` if the
    patient already has an open entry today in any queue of the facility. An error leaves
    nothing written (tests/live_queue/test_check_in_integrity.py; under concurrency,
    test_concurrency.py::test_ten_simultaneous_walk_ins_of_one_patient_queue_them_once).

    Locks: the booking row, then the queue row. Cost: 9 queries for a booked patient, whether
    or not the queue exists yet (test_a_booking_check_in_stays_within_its_query_budget)."""
    now = now or timezone.now()
    if booking_id is None and patient_id is None:
        raise ApplicationError("invalid", "Name the booking, or the patient.", fields={"patient": ["Required."]})
    today = now.astimezone(ZoneInfo(facility.time_zone)).date()
    try:
        with transaction.atomic(durable=True):
            booking = None
            if booking_id is not None:
                booking = _booking_locked(facility=facility, booking_id=booking_id)
                patient_id = booking.patient_id
            priority = priority or (booking.priority if booking else Priority.ROUTINE)
            if priority == Priority.EMERGENCY:
                _require_emergency_right(facility=facility, actor_role=actor_role, booking=booking)
            if booking is not None:
                booking_services.booking_transition(
                    facility=facility,
                    actor=actor,
                    booking_id=booking.pk,
                    to_status="checked_in",
                    now=now,
                    from_queue=True,
                    locked_booking=booking,
                )
                patient, appointment_type = booking.patient, booking.appointment_type
                place = _booking_place(
                    facility=facility, booking=booking, resource_id=resource_id, department_id=department_id
                )
            else:
                patient = kernel.patient_get(facility=facility, patient_id=patient_id)
                appointment_type = (
                    kernel.appointment_type_get(facility=facility, appointment_type_id=appointment_type_id)
                    if appointment_type_id
                    else None
                )
                place = place_get(facility=facility, resource_id=resource_id, department_id=department_id)
            encounter = Encounter(
                facility=facility,
                patient=patient,
                booking=booking,
                appointment_type=appointment_type,
                checked_in_at=now,
                checked_in_by=actor,
            )
            save(encounter, actor)
            return enqueue(
                facility=facility,
                day=today,
                place=place,
                encounter=encounter,
                actor=actor,
                priority=priority,
                is_vip=bool(booking and booking.is_vip),
                vip_reason="Marked VIP when booked" if booking and booking.is_vip else "",
                appointment_at=booking.start if booking else None,
                arrived_at=now,
                now=now,
            )
    except IntegrityError as exc:
        # Caught out here, once the whole check-in has rolled back: no savepoint is needed.
        if constraint_name(exc) != OPEN_ENTRY_CONSTRAINT:
            raise
        raise _already_queued(facility=facility, patient_id=patient_id, day=today) from None


@dataclass(frozen=True)
class UndoneCheckIn:
    """What an undone check-in was: the entry (now deleted), its patient and booking."""

    entry_id: int
    token_number: int
    queue_id: int
    patient: object
    booking_id: int | None
    booking_status: str | None


def check_in_undo(*, facility, actor, entry_id: int, now: dt.datetime | None = None) -> UndoneCheckIn:
    """Takes back a mistaken check-in: deletes the queue entry and its encounter (their history
    keeps the deleted rows and who deleted them) and moves the booking, if any, back from
    ``checked_in`` to ``scheduled`` with its check-in time cleared. A walk-in's entry and
    encounter just go. The token number is not handed out again.

    Only while the patient waits, is called or is skipped, and only for the entry the check-in
    made (not one a transfer made). Errors: 404 unknown entry; 409 ``invalid_transition``
    otherwise (tests/live_queue/test_undo_and_cancel.py). Locks: the entry row, then the
    booking row (the order of the queue's other actions)."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        entry = selectors.entry_get(facility=facility, entry_id=entry_id, for_update=True)
        _require_undoable(entry)
        encounter = entry.encounter
        booking = (
            bookings.booking_get(facility=facility, booking_id=encounter.booking_id, for_update=True)
            if encounter.booking_id is not None
            else None
        )
        undone = UndoneCheckIn(
            entry_id=entry.pk,
            token_number=entry.token_number,
            queue_id=entry.queue_id,
            patient=encounter.patient,
            booking_id=encounter.booking_id,
            booking_status="scheduled" if booking is not None else None,
        )
        audited_delete(entry, actor=actor)
        audited_delete(encounter, actor=actor)
        if booking is not None:
            booking_services.booking_transition(
                facility=facility,
                actor=actor,
                booking_id=booking.pk,
                to_status="scheduled",
                now=now,
                from_queue=True,
                locked_booking=booking,
            )
        return undone


# --- inside the transaction ----------------------------------------------------------------


def _booking_locked(*, facility, booking_id):
    """The booking with its patient, type, resources and token, its row locked: two queries,
    and nothing of it read again."""
    try:
        return bookings.booking_list(facility=facility).select_for_update(of=("self",)).get(pk=int(booking_id))
    except (ObjectDoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Booking") from None


def _booking_place(*, facility, booking, resource_id: int | None, department_id: int | None) -> Place:
    """The named resource or department, else the booking's first resource (or its token's)."""
    if resource_id is not None or department_id is not None:
        return place_get(facility=facility, resource_id=resource_id, department_id=department_id)
    rows = sorted(booking.resources.all(), key=lambda row: (row.start, row.resource_id))
    if rows:
        return Place(resource_id=rows[0].resource_id, department_id=None, name=rows[0].resource.name)
    return place_get(facility=facility, resource_id=booking.token.slot.resource_id)


def _require_emergency_right(*, facility, actor_role: str, booking) -> None:
    """An emergency entry goes ahead of everyone. The actor's role must allow emergencies, or
    the booking must be an emergency booked by someone whose role here allows them now (the
    desk checks in the emergency a clinician booked)."""
    if role_allows(actor_role, Action.BOOKING_EMERGENCY):
        return
    if booking is None:
        raise ApplicationError(
            "permission_denied", f"The role '{actor_role}' may not check patients in as emergencies."
        )
    if booking.priority == Priority.EMERGENCY:
        allowed = kernel.member_user_list(facility=facility, roles=roles_allowed(Action.BOOKING_EMERGENCY))
        if allowed.filter(pk=booking.booked_by_id).exists():
            return
    raise ApplicationError(
        "permission_denied",
        f"The role '{actor_role}' may not check patients in as emergencies, and no one who may book "
        "emergencies here booked this one as an emergency.",
    )


def _already_queued(*, facility, patient_id: int, day: dt.date) -> ApplicationError:
    entry = selectors.patient_open_entry(facility=facility, patient_id=patient_id, day=day)
    patient = entry.patient if entry else kernel.patient_get(facility=facility, patient_id=patient_id)
    where = f"the queue of {entry.queue.name} as token {entry.token_number}" if entry else "a queue"
    return ApplicationError(
        "already_queued",
        f"{patient.name} ({patient.mrn}) is already in {where} today: transfer them from there "
        "instead of checking them in again.",
        extra={"patient": patient.pk, "entry": entry.pk if entry else None},
        status_code=409,
    )


def _require_undoable(entry: QueueEntry) -> None:
    if entry.status in (EntryStatus.IN_PROGRESS, EntryStatus.COMPLETED):
        reason = "care has started"
    elif entry.status not in UNDOABLE:
        reason = f"the patient is {EntryStatus(entry.status).label.lower()}"
    elif entry.transferred_from_id is not None:
        reason = "the patient came by transfer from another queue (mark them left if they are not here)"
    else:
        return
    raise ApplicationError(
        "invalid_transition",
        f"Token {entry.token_number}'s check-in cannot be undone: {reason}.",
        extra={"from": entry.status, "allowed_from": sorted(UNDOABLE)},
        status_code=409,
    )
