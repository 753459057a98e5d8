"""Leave that would strand bookings: list the bookings in its span, move or cancel each (the
patient told), then apply the leave — only if, under the resource's lock, none is left in it.

Booking calls availability here, never the other way round: the leave itself is written by
``availability.services.exception_create``, moves by ``booking_reschedule`` and cancellations
by ``booking_transition``. Each move and cancellation commits on its own (``booking_reschedule``
owns a durable transaction), so a leave that cannot be applied in the end still leaves the
bookings already moved where they went, each with its patient told.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from availability import selectors as availability
from availability import services as availability_services
from booking import selectors
from booking.lifecycle import HOLDING
from booking.models import Booking, Status
from booking.services.appointments import booking_reschedule
from booking.services.locks import resource_locks
from booking.services.patient_messages import patient_message_send
from booking.services.requests import ResourceRequest, rows_in_need_order
from booking.services.transitions import booking_transition
from scheduling import ranges
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError
from scheduling.permissions import Action, role_allows

MOVE = "move"  # the next free slot of the same resource after the leave
MOVE_OTHER = "move_other"  # the next free slot of another active resource of the same kind
CANCEL = "cancel"
ACTIONS = (MOVE, MOVE_OTHER, CANCEL)
#: How far past the leave (or the booking, on another resource) a new slot is looked for.
SEARCH_DAYS = 28
#: Slots tried per booking before a move is given up (each try is one booking attempt).
MAX_TRIES = 30
#: A slot taken meanwhile, or one the patient cannot take: try the next one.
_TRY_NEXT = {"slot_taken", "slot_full", "not_bookable", "patient_double_booked", "resource_busy"}


@dataclass(frozen=True)
class Decision:
    action: str
    reason: str = ""


@dataclass(frozen=True)
class Proposal:
    """Where a move would take a booking now (the slot may be gone by the time it is applied)."""

    resource_id: int
    resource_name: str
    start: dt.datetime
    end: dt.datetime


@dataclass
class LeaveOutcome:
    """What ``leave_apply`` did. ``exception`` is the leave when applied; otherwise ``waiting``
    lists the active bookings still in its span (arrived meanwhile, or not moved), and nothing of
    the leave was written."""

    exception: object | None = None
    moved: list[tuple[Booking, Booking]] = field(default_factory=list)
    cancelled: list[Booking] = field(default_factory=list)
    failed: list[tuple[Booking, str]] = field(default_factory=list)
    waiting: list[Booking] = field(default_factory=list)


def leave_affected_bookings(
    *, facility, resource_id: int, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> list[Booking]:
    """The bookings that hold the resource's time in [start, end) and have not begun (those a
    leave there would strand, as availability's stranding check counts them), by start, with
    patient, type and resources loaded."""
    now = now or timezone.now()
    rows = selectors.held_time(facility=facility, resource_ids=[resource_id], start=start, end=end)
    ids = {row.booking_id for row in rows if row.start >= now}
    if not ids:
        return []
    return list(
        selectors.booking_list(facility=facility, statuses=[s.value for s in HOLDING])
        .filter(pk__in=ids)
        .order_by("start", "pk")
    )


def leave_proposals(
    *, facility, booking: Booking, resource_id: int, leave_end: dt.datetime, now: dt.datetime | None = None
) -> dict[str, Proposal | None]:
    """For the leave page: the first free slot a move would try, on the same resource after the
    leave (``MOVE``) and on another resource of its kind (``MOVE_OTHER``); None where there is none."""
    now = now or timezone.now()
    resource = kernel.resource_get(facility=facility, resource_id=resource_id)
    return {
        action: next(_candidates(facility, booking, resource, leave_end, now, action), None)
        for action in (MOVE, MOVE_OTHER)
    }


def leave_apply(
    *,
    facility,
    actor,
    actor_role: str,
    resource_id: int,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    decisions: dict[int, Decision],
    now: dt.datetime | None = None,
) -> LeaveOutcome:
    """Moves or cancels the bookings in the leave's span as ``decisions`` says (booking id →
    ``Decision``; a cancellation needs its reason), tells each patient, then adds the leave.

    ``MOVE`` takes the first free slot of the same resource after the leave, falling back to
    another resource of its kind; ``MOVE_OTHER`` the first free slot of another active resource
    of the same kind from the booking's own time. A booking whose move or cancellation fails is
    reported in ``failed`` and stays in the span.

    The leave is written only if no active booking is left in its span: the Redis lock of the
    resource, then its row FOR UPDATE (booking_create's order; the row lock is the one
    availability takes to add an exception, so a booking in flight either commits before the
    check and is listed in ``waiting``, or waits and then finds the leave). Otherwise nothing of
    the leave is written and ``waiting`` lists the bookings still there
    (tests/booking/test_leave.py). Errors: ``permission_denied`` when the actor may not manage
    the resource's availability or bookings; 400 ``invalid`` for the leave's own fields, before
    any booking is touched; the errors of ``exception_create``."""
    now = now or timezone.now()
    resource = kernel.resource_get(facility=facility, resource_id=resource_id)
    if availability.management_reason(facility=facility, user=actor, resource=resource) is None:
        raise ApplicationError("permission_denied", f"You may not manage the availability of {resource.name}.")
    if not role_allows(actor_role, Action.BOOKING_MANAGE):
        raise ApplicationError("permission_denied", f"The role '{actor_role}' may not move or cancel bookings.")
    _check_leave(start, end, reason, now)
    outcome = LeaveOutcome()
    for booking in leave_affected_bookings(facility=facility, resource_id=resource.pk, start=start, end=end, now=now):
        decision = decisions.get(booking.pk)
        if decision is None:
            continue
        try:
            if decision.action == CANCEL:
                outcome.cancelled.append(_cancel(facility, actor, booking, decision.reason, now))
            else:
                moved = _move(facility, actor, actor_role, booking, resource, end, now, decision)
                outcome.moved.append((booking, moved))
        except ApplicationError as error:
            outcome.failed.append((booking, error.message))
    with resource_locks([resource.pk]), transaction.atomic(durable=True):
        kernel.resource_get(facility=facility, resource_id=resource.pk, for_update=True)
        outcome.waiting = leave_affected_bookings(
            facility=facility, resource_id=resource.pk, start=start, end=end, now=now
        )
        if outcome.waiting:
            return outcome
        outcome.exception = availability_services.exception_create(
            facility=facility, actor=actor, resource_id=resource.pk, start=start, end=end, reason=reason
        )
    return outcome


def _check_leave(start, end, reason, now) -> None:
    """The leave's own fields, checked before any booking moves (exception_create checks again)."""
    ranges.instant_check(start, field="start")
    ranges.instant_check(end, field="end")
    if not (reason or "").strip():
        raise ApplicationError("invalid", "Say why (leave, a meeting…).", fields={"reason": ["Required."]})
    if end <= start or end <= now:
        raise ApplicationError(
            "invalid", "The leave must end after it starts, in the future.", fields={"end": ["Invalid end."]}
        )


def _cancel(facility, actor, booking, reason, now) -> Booking:
    cancelled = booking_transition(
        facility=facility, actor=actor, booking_id=booking.pk, to_status=Status.CANCELLED, reason=reason, now=now
    )
    when = _local(booking.start, facility)
    with transaction.atomic():
        patient_message_send(
            facility=facility,
            booking=cancelled,
            text=f"Your {booking.appointment_type.name} appointment on {_told(when)} is cancelled: "
            f"{_sentence(cancelled.cancel_reason)} Please call us to book a new time.",
        )
    return cancelled


def _move(facility, actor, actor_role, booking, resource, leave_end, now, decision) -> Booking:
    actions = [MOVE, MOVE_OTHER] if decision.action == MOVE else [MOVE_OTHER]
    tries = 0
    for action in actions:
        for proposal in _candidates(facility, booking, resource, leave_end, now, action):
            tries += 1
            if tries > MAX_TRIES:
                break
            try:
                moved = booking_reschedule(
                    facility=facility,
                    actor=actor,
                    actor_role=actor_role,
                    booking_id=booking.pk,
                    start=proposal.start,
                    end=proposal.end,
                    resources=_resources_after_move(booking, resource.pk, proposal),
                    now=now,
                )
            except ApplicationError as error:
                if error.code in _TRY_NEXT:
                    continue
                raise
            when = _local(booking.start, facility)
            new_when = _local(moved.start, facility)
            with transaction.atomic():
                patient_message_send(
                    facility=facility,
                    booking=selectors.booking_detail(facility=facility, booking_id=moved.pk),
                    text=f"Your {booking.appointment_type.name} appointment on {_told(when)} has moved "
                    f"to {_told(new_when)} with {proposal.resource_name}.",
                )
            return moved
    raise ApplicationError(
        "no_free_slot",
        f"No free slot found within {SEARCH_DAYS} days to move the booking of {booking.patient.name} to.",
        status_code=409,
    )


def _candidates(facility, booking, resource, leave_end, now, action) -> Iterator[Proposal]:
    """Free slots a move may try, earliest first."""
    length = booking.end - booking.start
    token = booking.token_booking is not None
    if action == MOVE:
        resources = [resource]
        after = max(leave_end, now)
    else:
        resources = list(
            kernel.resource_list(facility=facility).filter(active=True, kind=resource.kind).exclude(pk=resource.pk)
        )
        after = max(booking.start, now)
    if not resources:
        return
    names = {r.pk: r.name for r in resources}
    first_day = _local(after, facility).date()
    # The move releases the booking before it books the new time (booking_reschedule): its own
    # time is free to it, and it does not count against a cap on chairs running at once.
    with selectors.own_time_free(booking_id=booking.pk):
        slots = availability.slot_list(
            facility=facility,
            resource_ids=[r.pk for r in resources],
            start_date=first_day,
            end_date=first_day + dt.timedelta(days=SEARCH_DAYS),
            appointment_type_id=booking.appointment_type_id,
            now=now,
        )
    for slot in sorted(slots, key=lambda s: (s.start, s.resource_id)):
        if slot.start < after or not slot.bookable or slot.remaining <= 0:
            continue
        end = slot.end if token else slot.start + length
        yield Proposal(slot.resource_id, names[slot.resource_id], slot.start, end)


def _resources_after_move(booking, leaving_id: int, proposal: Proposal) -> tuple[ResourceRequest, ...]:
    """The booking's resources at the new time, the one on leave swapped for the proposal's;
    a team member keeps its offset and length within the booking. In the order of the type's
    needs, each member in the role it was booked for (the service gives roles by position)."""
    rows = rows_in_need_order(booking)
    if booking.token_booking is not None or proposal.end - proposal.start != booking.end - booking.start:
        return tuple(
            ResourceRequest(proposal.resource_id if row.resource_id == leaving_id else row.resource_id) for row in rows
        )
    shift = proposal.start - booking.start
    return tuple(
        ResourceRequest(
            proposal.resource_id if row.resource_id == leaving_id else row.resource_id,
            row.start + shift,
            row.end + shift,
        )
        for row in rows
    )


def _local(instant: dt.datetime, facility) -> dt.datetime:
    return instant.astimezone(ZoneInfo(facility.time_zone))


def _told(local: dt.datetime) -> str:
    """A day and time as a patient reads it, written as CareSlot's pages write days: 'Tue 8 Dec 2026 at 10:00'."""
    return f"{local:%a} {local.day} {local:%b %Y} at {local:%H:%M}"


def _sentence(reason: str) -> str:
    """The clerk's reason as a sentence of its own, so that what follows it does not run on."""
    reason = reason.strip()
    return reason if reason.endswith((".", "!", "?")) else f"{reason}."
