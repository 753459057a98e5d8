"""Creating and rescheduling bookings (the life cycle's other moves are in ``transitions``).

Every entry point here takes the Redis locks of the resources involved (see ``locks``), then
opens one durable transaction in which it re-reads and locks the rows it changes. The database
has the last word: an exclusion constraint on each held resource's time, one on each patient's
time, and a check constraint on each token slot's count.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from availability import selectors as availability
from booking import selectors
from booking.lifecycle import can_move
from booking.models import Booking, BookingResource, Kind, Priority, Status, TokenBooking, TokenSlot
from booking.services.locks import resource_locks
from booking.services.requests import (
    BookingRequest,
    ResourceRequest,
    in_need_order,
    need_roles,
    resource_needs_check,
    same_resources,
    validated_intervals,
    walk_in_needs_check,
)
from booking.services.transitions import facility_zone, invalid_transition, move, notify_after_commit
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind
from scheduling.errors import ApplicationError, NotFound, constraint_name
from scheduling.history import audited_bulk_create, audited_save
from scheduling.permissions import Action, role_allows

LOCATION_KINDS = frozenset({ResourceKind.THEATRE, ResourceKind.ROOM})

# Constraint → (code, field, message) for a write that lost a race the locks did not prevent.
_CONFLICTS = {
    "booking_resource_no_overlap": ("slot_taken", "start", "This time of the resource has just been booked."),
    "booking_patient_not_double_booked": (
        "patient_double_booked",
        "patient",
        "The patient already has a booking at this time.",
    ),
    "token_slot_within_capacity": ("slot_full", "start", "Every token of this slot has been taken."),
}


def booking_create(*, facility, actor, actor_role: str, request: BookingRequest, now: dt.datetime | None = None):
    """Books ``request`` and returns the new Booking.

    Errors: 400 ``invalid`` (shape: times, resources), 403 ``permission_denied`` (a theatre or
    room without ``booking.book_location``; an emergency, or emergency priority, without
    ``booking.emergency``), 404 for unknown ids, 409 ``resource_busy`` (lock not obtained),
    ``not_bookable`` (availability says no), ``slot_taken``, ``slot_full``,
    ``patient_double_booked``, ``too_many_future_bookings``, and for an emergency
    ``patient_in_care`` / ``patient_checked_in`` (it would displace a patient who is here).
    Locks: Redis locks of every requested resource; in the transaction, in this order, the
    resource rows (FOR NO KEY UPDATE, ascending id: see ``kernel.resources_locked_for_booking``),
    the patient row, the bookings an emergency displaces, the advisory lock of each capped
    resource kind (``availability.capacity_lock``, in kind order; not for an emergency), the
    token slot if any. The resource row lock is what makes the availability check and the daily
    limit hold against concurrent bookings and availability changes with Redis down
    (tests/booking/test_seams.py); the kind's advisory lock does the same for a cap on how many
    resources of a kind run at once, across different resources (tests/booking/test_nurse_cap_seams.py).
    """
    now = now or timezone.now()
    intervals = validated_intervals(request)
    with resource_locks([r.resource_id for r in request.resources]), transaction.atomic(durable=True):
        return _insert(
            facility=facility, actor=actor, actor_role=actor_role, request=request, intervals=intervals, now=now
        )


def walk_in_create(
    *,
    facility,
    actor,
    actor_role: str,
    patient_id: int,
    resource_id: int,
    appointment_type_id: int,
    priority: str = Priority.ROUTINE,
    note: str = "",
    now: dt.datetime | None = None,
):
    """Books a patient who has just arrived into the current or next slot of the resource that
    still has room today. 409 ``no_free_slot`` if none is left today; 400 ``invalid`` naming
    ``appointment_type`` for a type that needs a team (several resources), and the resource must
    fit a type's one need (``resource_needs_check``). A priority the role may not give is 403
    before anything else: whether a slot is left must not decide which answer a desk gets."""
    if priority == Priority.EMERGENCY and not role_allows(actor_role, Action.BOOKING_EMERGENCY):
        raise ApplicationError("permission_denied", f"The role '{actor_role}' may not book emergencies.")
    now = now or timezone.now()
    today = timezone.localdate(now, timezone=facility_zone(facility))
    slots = availability.slot_list(
        facility=facility,
        resource_ids=[resource_id],
        start_date=today,
        end_date=today,
        appointment_type_id=appointment_type_id,
        now=now,
    )
    walk_in_needs_check(
        appointment_type=kernel.appointment_type_get(facility=facility, appointment_type_id=appointment_type_id)
    )
    for slot in slots:
        if slot.end <= now or slot.remaining <= 0:
            continue
        request = BookingRequest(
            patient_id=patient_id,
            appointment_type_id=appointment_type_id,
            start=slot.start,
            end=slot.end,
            resources=(ResourceRequest(resource_id),),
            kind=Kind.WALK_IN,
            priority=priority,
            note=note,
        )
        try:
            return booking_create(facility=facility, actor=actor, actor_role=actor_role, request=request, now=now)
        except ApplicationError as error:
            # Taken since the listing was read: try the next slot. Anything else (the daily
            # limit, the patient, permissions) would fail every slot alike.
            if error.code not in {"slot_taken", "slot_full"}:
                raise
    raise ApplicationError("no_free_slot", "No slot of this resource has room left today.", status_code=409)


def booking_reschedule(
    *,
    facility,
    actor,
    actor_role: str,
    booking_id,
    start: dt.datetime,
    end: dt.datetime,
    resources: tuple[ResourceRequest, ...] | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Moves a booking to a new time (and, optionally, resources) in one transaction: the old
    booking becomes ``rescheduled`` and the new one, linked by ``replaces``, takes its place. If
    the new time cannot be booked, nothing changes. Locks the resources of both (Redis, then the
    rows), then the old booking's row; errors as ``booking_create``, and 409
    ``invalid_transition`` for a booking that can no longer move."""
    now = now or timezone.now()
    held = selectors.booking_resource_rows(facility=facility, booking_id=booking_id)
    involved = sorted({row.resource_id for row in held} | {r.resource_id for r in resources or ()})
    with resource_locks(involved), transaction.atomic(durable=True):
        locked = kernel.resources_locked_for_booking(facility=facility, resource_ids=involved)
        old = selectors.booking_get(facility=facility, booking_id=booking_id, for_update=True)
        if not can_move(old.status, Status.RESCHEDULED):
            raise invalid_transition(old.status, Status.RESCHEDULED)
        request = BookingRequest(
            patient_id=old.patient_id,
            appointment_type_id=old.appointment_type_id,
            start=start,
            end=end,
            resources=resources
            or in_need_order(
                old.appointment_type.resource_needs,
                same_resources(old, held, new_start=start, new_end=end),
                {resource.pk: resource.kind for resource in locked},
                {row.resource_id: row.role for row in held},
            ),
            kind=old.kind,
            priority=old.priority,
            is_vip=old.is_vip,
            note=old.note,
        )
        intervals = validated_intervals(request)
        move(old, Status.RESCHEDULED, actor=actor, now=now)
        new = _insert(
            facility=facility,
            actor=actor,
            actor_role=actor_role,
            request=request,
            intervals=intervals,
            now=now,
            replaces=old,
            locked=locked,
        )
        notify_after_commit(new, event=Status.RESCHEDULED)  # one notice, with the old time and the new
        return new


# --- inside the transaction ----------------------------------------------------------------


def _insert(
    *, facility, actor, actor_role, request: BookingRequest, intervals, now, replaces=None, locked=None
) -> Booking:
    """Checks and writes one booking inside the caller's transaction (see ``booking_create`` for
    the locks and errors). ``locked``: the resource rows the caller already holds locked."""
    emergency = request.kind == Kind.EMERGENCY
    if (emergency or request.priority == Priority.EMERGENCY) and not role_allows(actor_role, Action.BOOKING_EMERGENCY):
        raise ApplicationError("permission_denied", f"The role '{actor_role}' may not book emergencies.")
    if locked is None:
        locked = kernel.resources_locked_for_booking(facility=facility, resource_ids=list(intervals))
    resources = {resource.pk: resource for resource in locked if resource.pk in intervals}
    _check_resources(resources, intervals, actor_role)
    try:
        patient = selectors.patient_for_booking(
            facility=facility, patient_id=request.patient_id, start=request.start, end=request.end, now=now
        )
    except NotFound:
        raise ApplicationError("invalid", "Unknown patient.", fields={"patient": ["Patient not found."]}) from None
    if patient.overlapping:
        raise ApplicationError(
            "patient_double_booked",
            "The patient already has a booking at this time.",
            fields={"patient": ["Already booked at this time."]},
            status_code=409,
        )
    if request.start >= now and patient.future_bookings >= settings.BOOKING_MAX_FUTURE_PER_PATIENT:
        raise ApplicationError(
            "too_many_future_bookings",
            f"The patient already holds {settings.BOOKING_MAX_FUTURE_PER_PATIENT} future bookings.",
            fields={"patient": ["Too many future bookings."]},
            status_code=409,
        )
    appointment_type = kernel.appointment_type_get(facility=facility, appointment_type_id=request.appointment_type_id)
    resource_needs_check(
        appointment_type=appointment_type,
        resource_ids=[wanted.resource_id for wanted in request.resources],
        kind_of={pk: resource.kind for pk, resource in resources.items()},
    )
    roles = need_roles(appointment_type.resource_needs, request.resources)
    held = selectors.held_time(
        facility=facility,
        resource_ids=list(intervals),
        start=request.start - availability.BOOKED_CONTEXT,
        end=request.end + availability.BOOKED_CONTEXT,
    )
    token_window = None
    displaced = []
    if emergency:
        displaced = _displace(facility=facility, intervals=intervals, held=held, actor=actor, now=now)
    else:
        kinds = {resource.kind for resource in resources.values()}
        if len(kinds) > 1:
            # Each check locks its own kind's cap; several kinds are locked first, in one order.
            availability.capacity_lock(
                facility=facility,
                kinds=kinds,
                start=min(start for start, _ in intervals.values()),
                end=max(end for _, end in intervals.values()),
            )
        for resource_id, (start, end) in intervals.items():
            window = availability.bookable_interval_check(
                facility=facility,
                resource=resources[resource_id],
                appointment_type=appointment_type,
                start=start,
                end=end,
                now=now,
                walk_in=request.kind == Kind.WALK_IN,
                booked=[selectors.as_interval(row) for row in held if row.resource_id == resource_id],
            )
            if window.type == "tokens":
                token_window = window
        if token_window is not None and len(intervals) > 1:
            raise ApplicationError(
                "invalid",
                "A token slot is booked for one resource at a time.",
                fields={"resources": ["Book token slots one resource at a time."]},
            )
        # The friendly form of the exclusion constraint: is any of this time held already? A
        # token may share its slot's time with the slot's other tokens, nothing else.
        if any(_clashes(row, intervals, token_window) for row in held):
            raise ApplicationError(
                "slot_taken",
                "This time of the resource is already booked.",
                fields={"start": ["Already booked."]},
                status_code=409,
            )

    booking = Booking(
        facility=facility,
        patient=patient,
        appointment_type=appointment_type,
        kind=request.kind,
        priority=Priority.EMERGENCY if emergency else request.priority,
        is_vip=request.is_vip,
        status=Status.REQUESTED if request.requested else Status.SCHEDULED,
        holds_time=True,
        start=request.start,
        end=request.end,
        booked_by=actor,
        note=request.note,
        replaces=replaces,
        status_changed_at=now,
        status_changed_by=actor,
    )
    # No savepoint: a constraint violation aborts the whole booking, which is what we want.
    try:
        audited_save(booking, actor=actor)
        slot_id = _take_token(facility=facility, window=token_window) if token_window is not None else None
        audited_bulk_create(
            BookingResource,
            [
                BookingResource(
                    facility=facility,
                    booking=booking,
                    resource_id=rid,
                    start=s,
                    end=e,
                    token_slot_id=slot_id,
                    role=roles.get(rid, ""),
                )
                for rid, (s, e) in sorted(intervals.items())
            ],
            actor=actor,
        )
        if slot_id is not None:
            audited_save(TokenBooking(facility=facility, slot_id=slot_id, booking=booking), actor=actor)
    except IntegrityError as exc:
        raise _conflict(exc) from None
    if replaces is None:  # a reschedule is told as such by booking_reschedule, not as a new booking
        notify_after_commit(booking, event="created")
    for other in displaced:
        notify_after_commit(other, event=Status.NEEDS_RESCHEDULE)
    return booking


def _check_resources(resources: dict, intervals: dict, actor_role: str) -> None:
    missing = sorted(set(intervals) - set(resources))
    if missing:
        raise ApplicationError(
            "invalid", "Unknown resource.", fields={"resources": [f"Resource {missing[0]} not found."]}
        )
    inactive = [r.name for r in resources.values() if not r.active]
    if inactive:
        raise ApplicationError("invalid", f"{inactive[0]} is not in use.", fields={"resources": ["Inactive resource."]})
    if any(r.kind in LOCATION_KINDS for r in resources.values()) and not role_allows(
        actor_role, Action.BOOKING_LOCATION
    ):
        raise ApplicationError("permission_denied", f"The role '{actor_role}' may not book theatres or rooms.")


def _clashes(row, intervals, token_window) -> bool:
    start, end = intervals[row.resource_id]
    if not (row.start < end and start < row.end):
        return False
    same_slot = token_window is not None and row.token_slot_id is not None and (row.start, row.end) == (start, end)
    return not same_slot


_TAKE_TOKEN = """
    INSERT INTO {table} (facility_id, resource_id, start, "end", capacity, allocated)
    VALUES (%s, %s, %s, %s, %s, 1)
    ON CONFLICT (resource_id, start) DO UPDATE
        SET allocated = {table}.allocated + 1, capacity = EXCLUDED.capacity, "end" = EXCLUDED."end"
        WHERE {table}.allocated < EXCLUDED.capacity
          AND ({table}.allocated = 0 OR {table}."end" = EXCLUDED."end")
    RETURNING id
"""


def _take_token(*, facility, window) -> int:
    """Takes one token of the window's slot in one statement and returns the slot's id: makes
    the slot on first use, and sets its capacity to the window's tokens per slot, since
    availability is the authority on it (a new schedule version may raise or lower it). The
    slot row stays locked until commit. 409 ``slot_full`` when no token is left."""
    table = connection.ops.quote_name(TokenSlot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            _TAKE_TOKEN.format(table=table),
            [facility.pk, window.resource_id, window.slot_start, window.slot_end, window.tokens_per_slot],
        )
        row = cursor.fetchone()
    if row is None:
        raise ApplicationError(
            "slot_full",
            "Every token of this slot has been taken.",
            fields={"start": ["No token left."]},
            status_code=409,
        )
    return row[0]


def _displace(*, facility, intervals, held, actor, now) -> list[Booking]:
    """Moves every routine booking and token overlapping the emergency to ``needs_reschedule``.
    A patient who is already here is not displaced: 409 ``patient_checked_in`` or, once care
    has begun, ``patient_in_care``; another emergency keeps its time (``slot_taken``)."""
    booking_ids = sorted(
        {
            row.booking_id
            for row in held
            if row.start < intervals[row.resource_id][1] and intervals[row.resource_id][0] < row.end
        }
    )
    displaced = []
    for booking_id in booking_ids:
        other = selectors.booking_get(facility=facility, booking_id=booking_id, for_update=True)
        if other.priority == Priority.EMERGENCY or other.status == Status.COMPLETED:
            why = "Another emergency holds" if other.priority == Priority.EMERGENCY else "A completed visit used"
            raise ApplicationError(
                "slot_taken", f"{why} this time.", fields={"start": [f"{why} this time."]}, status_code=409
            )
        if other.status in _HERE:
            code, message = _HERE[other.status]
            raise ApplicationError(
                code, message, fields={"start": [message]}, extra={"booking": other.pk}, status_code=409
            )
        move(other, Status.NEEDS_RESCHEDULE, actor=actor, now=now)
        displaced.append(other)
    return displaced


_HERE = {
    Status.IN_PROGRESS: ("patient_in_care", "A patient is being cared for on this resource now; it cannot be taken."),
    Status.CHECKED_IN: (
        "patient_checked_in",
        "A checked-in patient holds this time; see them first, or move them in the queue, before an emergency.",
    ),
}


def _conflict(exc: IntegrityError) -> ApplicationError:
    constraint = constraint_name(exc)
    code, field, message = _CONFLICTS.get(
        constraint, ("conflict", "non_field_errors", "This conflicts with another booking.")
    )
    return ApplicationError(code, message, fields={field: [message]}, extra={"constraint": constraint}, status_code=409)
