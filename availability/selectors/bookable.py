"""What can be booked: slots, day statistics, the search across resources, the check booking
calls before it books, and the bookings a change would strand.

Caps on how many resources of one kind may run at once (``capacity_source``: the nurses on duty
limit an infusion center's chairs) are honoured alike by the check and by the slot listings.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from availability import booking_source, capacity_source, engine
from availability.models import (
    AvailabilityException,
    BookingPolicy,
    Schedule,
)
from availability.selectors import cached
from availability.selectors.configuration import slot_duration_list
from scheduling import ranges
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError, NotFound

DEFAULT_POLICY = engine.Policy()
#: The most local days one slot or statistics query covers (the API asks for fewer).
MAX_QUERY_DAYS = 366
FALLBACK_SLOT_MINUTES = 30
#: Stranding checks look this far ahead for future bookings.
BOOKING_LOOKAHEAD = dt.timedelta(days=3 * 366)
#: A caller that passes ``booked`` to ``bookable_interval_check`` gives the resource's active
#: bookings overlapping [start - BOOKED_CONTEXT, end + BOOKED_CONTEXT]: enough for any window.
BOOKED_CONTEXT = dt.timedelta(days=2)

Slot = engine.Slot


@dataclass(frozen=True)
class BookableWindow:
    """What admits an interval: the window (or extra time) it falls in, and its limits."""

    resource_id: int
    type: str  # "tokens" or "open"
    window_start: dt.datetime
    window_end: dt.datetime
    slot_start: dt.datetime
    slot_end: dt.datetime
    tokens_per_slot: int | None
    daily_patient_limit: int | None
    booked_in_window: int  # units booked in this window that day (its daily limit counts these)
    schedule_id: int | None
    availability_id: int | None
    exception_id: int | None


@dataclass(frozen=True)
class DayStats:
    date: dt.date
    slots: int
    capacity: int
    booked: int
    bookable_slots: int


def slot_list(
    *,
    facility,
    resource_ids: list[int],
    start_date: dt.date,
    end_date: dt.date,
    appointment_type_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[Slot]:
    """The slots of the resources over the facility-local dates ``start_date``..``end_date``
    (inclusive), grouped by resource in the order given, each resource's slots by time. Start
    and end are aware UTC datetimes; ``booked`` and ``remaining`` come from the registered
    booking sources. Runs a fixed number of queries whatever the number of resources.
    Resource ids of another facility are ignored. Dates outside ``scheduling.ranges`` or a range
    over ``MAX_QUERY_DAYS`` are refused (400 naming ``start_date``/``end_date``)."""
    ranges.date_span_check(start_date, end_date, max_days=MAX_QUERY_DAYS)
    resources = list(kernel.resource_list(facility=facility).filter(pk__in=list(resource_ids)))
    order = {rid: index for index, rid in enumerate(resource_ids)}
    resources.sort(key=lambda resource: order.get(resource.pk, 0))
    return _slots(
        facility=facility,
        resources=resources,
        start_date=start_date,
        end_date=end_date,
        appointment_type=_appointment_type(facility, appointment_type_id),
        now=now or timezone.now(),
    )


def slot_search(
    *,
    facility,
    date: dt.date,
    kind: str | None = None,
    department_id: int | None = None,
    appointment_type_id: int | None = None,
    now: dt.datetime | None = None,
    free_only: bool = True,
) -> list[Slot]:
    """The (free, bookable) slots of every active resource matching ``kind`` and
    ``department`` on one local date, earliest first: "the first free chair". A fixed number
    of queries whatever the number of resources. A date outside ``scheduling.ranges`` is refused."""
    ranges.date_check(date, field="date")
    resources = kernel.resource_list(facility=facility).filter(active=True)
    if kind:
        resources = resources.filter(kind=kind)
    if department_id is not None:
        resources = resources.filter(department_id=department_id)
    slots = _slots(
        facility=facility,
        resources=list(resources),
        start_date=date,
        end_date=date,
        appointment_type=_appointment_type(facility, appointment_type_id),
        now=now or timezone.now(),
    )
    if free_only:
        slots = [slot for slot in slots if slot.bookable]
    slots.sort(key=lambda slot: (slot.start, slot.resource_id))
    return slots


def availability_stats(
    *, facility, resource_id: int, start_date: dt.date, end_date: dt.date, now: dt.datetime | None = None
) -> list[DayStats]:
    """Per local day: the slots the weekly pattern and exceptions give (whatever the booking
    horizon), their capacity, the units booked that day, and how many slots can still be booked.
    Bounded like ``slot_list``."""
    ranges.date_span_check(start_date, end_date, max_days=MAX_QUERY_DAYS)
    resource = kernel.resource_get(facility=facility, resource_id=resource_id)
    now = now or timezone.now()
    calendar = engine.Calendar(facility.time_zone)
    start, end = calendar.day_start(start_date), calendar.day_start(end_date + engine.ONE_DAY)
    inputs, bookings = resource_inputs(
        facility=facility, resources=[resource], start=start, end=end, appointment_type=None
    )
    per_day: dict[dt.date, list[int]] = {day: [0, 0, 0, 0] for day in engine.days(start_date, end_date)}
    resource_bookings = bookings.get(resource.pk, [])
    for _, booking_start, _, units, *_ in resource_bookings:
        day = calendar.local_date(booking_start)
        if day in per_day:
            per_day[day][2] += units
    slots = engine.slots_for(
        inputs=inputs[resource.pk],
        calendar=calendar,
        start_date=start_date,
        end_date=end_date,
        now=now,
        bookings=resource_bookings,
        offer_beyond_horizon=True,
    )
    for slot in slots:
        row = per_day.get(calendar.local_date(slot.start))
        if row is not None:
            row[0] += 1
            row[1] += slot.capacity
            row[3] += slot.bookable
    return [DayStats(day, *row) for day, row in per_day.items()]


def bookable_interval_check(
    *,
    facility,
    start: dt.datetime,
    end: dt.datetime,
    resource_id: int | None = None,
    appointment_type_id: int | None = None,
    now: dt.datetime | None = None,
    walk_in: bool = False,
    resource=None,
    appointment_type=None,
    booked: list[booking_source.Interval] | None = None,
) -> BookableWindow:
    """Whether [start, end) can be booked on the resource for the appointment type, now.

    The resource and the type are named by id, or handed over as kernel objects the caller has
    already read (booking passes the resource rows it holds locked, with their availability
    version, and ``booked``: the resource's active bookings within ``BOOKED_CONTEXT`` of the
    interval, read in its transaction). The configuration comes from ``cached`` behind the
    resource's availability version.

    ``walk_in``: a patient who is already here takes the slot that is running now, so the
    interval may have begun (not ended), and the notice period does not apply.

    Returns the window that admits it. Otherwise raises ``ApplicationError`` with code
    ``not_bookable`` (HTTP 409) and ``extra["reason"]`` one of ``in_past``,
    ``outside_availability`` (no window or extra time contains it whole, or a removing
    exception overlaps it), ``appointment_type_not_accepted``, ``not_slot_aligned`` (a token
    window admits exactly one of its slots), ``inside_notice``, ``beyond_horizon``,
    ``daily_limit_reached``, ``capacity_reached``. A daily patient limit belongs to its window:
    it counts the units of the active bookings that start inside that window on that day (which
    must not yet include this one), not those of the resource's other windows. An unknown
    resource is 404; an unknown appointment type or a malformed interval is 400 naming the
    field. Does not look at what else is booked on this resource in the interval: that is
    booking's to guard.

    ``capacity_reached``: a cap from ``capacity_source`` overlapping the interval allows at most
    ``limit`` resources of this kind in use at once, and at some instant of the interval that
    many others are already running (a resource holding any active booking runs; this one does
    not count against itself, and a rescheduled booking, released before booking calls this,
    not at all). ``extra`` adds ``limit``, ``in_use`` and ``at``; the message gives the cap's
    reason and the time in the facility's zone. When a cap applies, this takes the facility and
    kind's advisory lock (``capacity_lock``) before counting, so that in booking's transaction
    two bookings of different resources of the kind cannot both pass
    (tests/booking/test_nurse_cap_seams.py). An emergency (``Kind.EMERGENCY``) never calls this
    check and so is not capped: it displaces and is clinical; the day view shows the overage.
    """
    if resource is None or resource.facility_id != facility.pk:
        resource = kernel.resource_get(facility=facility, resource_id=resource_id)
    if appointment_type is None or appointment_type.facility_id != facility.pk:
        appointment_type = _appointment_type(facility, appointment_type_id)
    if start is None or end is None or timezone.is_naive(start) or timezone.is_naive(end):
        raise ApplicationError("invalid", "Start and end must be aware datetimes.", fields={"start": ["Required."]})
    if end <= start:
        raise ApplicationError("invalid", "The end must be after the start.", fields={"end": ["Must be after start."]})
    now = now or timezone.now()
    if start < now and not (walk_in and end > now):
        _not_bookable("in_past", "The interval starts in the past.", "start")
    calendar = engine.Calendar(facility.time_zone)
    first_day = calendar.local_date(start) - engine.ONE_DAY
    last_day = calendar.local_date(end)
    inputs = cached.resource_configuration(facility=facility, resource=resource, since=calendar.day_start(first_day))
    removing, adding = engine.removals_for(inputs)
    blocks = [
        block
        for block in engine.blocks_for(inputs=inputs, calendar=calendar, start_date=first_day, end_date=last_day)
        if block.start <= start
        and end <= block.end
        and (block.exception_id is not None or not engine.overlapping(adding, start, end))
    ]
    blocked_by = engine.overlapping(removing, start, end)
    if not blocks or blocked_by:
        why = " (an exception removes this time)" if blocked_by else ""
        _not_bookable("outside_availability", f"The resource is not available for the whole interval{why}.", "start")
    # Unlike a slot listing, a check without an appointment type fits only windows taking every type.
    type_id = appointment_type.pk if appointment_type else None
    accepting = [block for block in blocks if not block.appointment_type_ids or type_id in block.appointment_type_ids]
    if not accepting:
        what = f"{appointment_type.name} appointments" if appointment_type else "appointments without a type"
        _not_bookable(
            "appointment_type_not_accepted", f"The window at this time does not take {what}.", "appointment_type"
        )
    block = accepting[0]
    slot_start, slot_end = block.start, block.end
    if block.type == engine.TOKENS:
        step = dt.timedelta(minutes=block.slot_minutes)
        offset = start - block.origin
        if end - start != step or offset % step:
            _not_bookable(
                "not_slot_aligned",
                f"This window books whole {block.slot_minutes}-minute slots starting at "
                f"{block.origin.astimezone(calendar.tz):%H:%M}.",
                "start",
            )
        slot_start, slot_end = start, end
    schedule = block.schedule
    policy = inputs.policy
    notice = schedule.notice_minutes if schedule and schedule.notice_minutes is not None else policy.notice_minutes
    if not walk_in and start < now + dt.timedelta(minutes=notice):
        _not_bookable("inside_notice", f"The resource must be booked at least {notice} minutes ahead.", "start")
    horizon = schedule.horizon_days if schedule and schedule.horizon_days is not None else policy.horizon_days
    if calendar.local_date(start) > calendar.local_date(now) + dt.timedelta(days=horizon):
        _not_bookable("beyond_horizon", f"The resource can be booked at most {horizon} days ahead.", "start")
    booked_in_window = 0
    if block.daily_limit is not None:
        if booked is None:
            booked = booking_source.active_intervals(
                facility=facility, resource_ids=[resource.pk], start=block.start, end=block.end
            )
        booked_in_window = sum(
            interval[3] for interval in booked if interval[0] == resource.pk and block.start <= interval[1] < block.end
        )
        if booked_in_window >= block.daily_limit:
            _not_bookable(
                "daily_limit_reached",
                f"The limit of {block.daily_limit} patients in this window on {calendar.local_date(start):%Y-%m-%d} "
                "is reached.",
                "start",
            )
    _capacity_check(facility=facility, resource=resource, start=start, end=end, calendar=calendar)
    return BookableWindow(
        resource_id=resource.pk,
        type=block.type,
        window_start=block.start,
        window_end=block.end,
        slot_start=slot_start,
        slot_end=slot_end,
        tokens_per_slot=block.tokens,
        daily_patient_limit=block.daily_limit,
        booked_in_window=booked_in_window,
        schedule_id=schedule.id if schedule else None,
        availability_id=block.window_id,
        exception_id=block.exception_id,
    )


def capacity_lock(*, facility, kinds, start: dt.datetime, end: dt.datetime) -> None:
    """Takes the transaction-scoped advisory lock of each of the facility's resource ``kinds``
    that a cap from ``capacity_source`` restricts over [start, end), in kind order; kinds without
    a cap take none.

    Lock order: booking first locks the resource rows it books (``resources_locked_for_booking``;
    a reschedule then the old booking's row), then the patient row, then, inside
    ``bookable_interval_check``, this lock, and last the token slot. A transaction holding this
    lock takes no row lock but its token slot's (of a resource whose row it already holds), so
    nothing waits for a row while holding it; and a booking of resources of several capped kinds
    takes them all here first, in kind order, so two bookings never hold one each and wait for
    the other. An emergency takes none (it is not capped). The lock is released at commit or
    rollback; outside a transaction, at once. Keys: (facility id, a negative hash of the kind),
    the two-int form, clear of the imports' (4242, import id) locks."""
    for kind in sorted(set(kinds)):
        if capacity_source.concurrency_limits(facility=facility, kind=kind, start=start, end=end):
            _lock(facility, kind)


def concurrency_caps(*, facility, kind: str, start: dt.datetime, end: dt.datetime) -> engine.ConcurrencyCaps | None:
    """The caps on ``kind`` over [start, end) with the active bookings of every resource of that
    kind in the facility (whatever the resources asked about), or None when nothing caps it: two
    queries plus the sources when capped, none but the capacity sources' otherwise."""
    limits = capacity_source.concurrency_limits(facility=facility, kind=kind, start=start, end=end)
    if not limits:
        return None
    return _caps_with(facility=facility, kind=kind, limits=limits, start=start, end=end)


def _caps_with(*, facility, kind, limits, start, end) -> engine.ConcurrencyCaps:
    # Every resource of the kind, active or not: a chair taken out of use still runs its bookings.
    ids = list(kernel.resource_list(facility=facility).filter(kind=kind).order_by().values_list("pk", flat=True))
    return engine.ConcurrencyCaps(
        limits, booking_source.active_intervals(facility=facility, resource_ids=ids, start=start, end=end)
    )


def _capacity_check(*, facility, resource, start, end, calendar) -> None:
    limits = capacity_source.concurrency_limits(facility=facility, kind=resource.kind, start=start, end=end)
    if not limits:
        return
    _lock(facility, resource.kind)  # before counting: see capacity_lock
    caps = _caps_with(facility=facility, kind=resource.kind, limits=limits, start=start, end=end)
    breach = caps.breach(resource_id=resource.pk, start=start, end=end)
    if breach is None:
        return
    limit, in_use = breach.limit, breach.in_use
    message = (
        f"From {breach.at.astimezone(calendar.tz):%H:%M} at most {_count_of(limit.limit, resource.kind)} may be in "
        f"use at once ({limit.reason}); {in_use} {'is' if in_use == 1 else 'are'} booked then."
    )
    raise ApplicationError(
        "not_bookable",
        message,
        fields={"start": [message]},
        extra={"reason": "capacity_reached", "limit": limit.limit, "in_use": in_use, "at": breach.at.isoformat()},
        status_code=409,
    )


def _lock(facility, kind: str) -> None:
    # Both keys must fit PostgreSQL's int4: a facility id past it shares a key (never a wrong answer).
    kind_key = -(zlib.crc32(f"capacity:{kind}".encode()) & 0x7FFFFFFF) - 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [facility.pk % 2**31, kind_key])


_PLURALS = {"equipment": ("item of equipment", "items of equipment")}


def _count_of(count: int, kind: str) -> str:
    one, many = _PLURALS.get(kind, (kind, f"{kind}s"))
    return f"{count} {one if count == 1 else many}"


def stranded_bookings(*, facility, resource, now: dt.datetime | None = None) -> list[booking_source.Interval]:
    """The resource's future active bookings that its availability (as the database now holds
    it, in the caller's transaction) no longer covers."""
    now = now or timezone.now()
    intervals = [
        interval
        for interval in booking_source.active_intervals(
            facility=facility, resource_ids=[resource.pk], start=now, end=now + BOOKING_LOOKAHEAD
        )
        if interval[1] >= now
    ]
    if not intervals:
        return []
    start = min(interval[1] for interval in intervals) - engine.ONE_DAY
    end = max(interval[2] for interval in intervals) + engine.ONE_DAY
    inputs, _ = resource_inputs(
        facility=facility, resources=[resource], start=start, end=end, appointment_type=None, book=False
    )
    return engine.uncovered(
        inputs=inputs[resource.pk], calendar=engine.Calendar(facility.time_zone), intervals=intervals
    )


# --- loading ------------------------------------------------------------------------------


def _slots(*, facility, resources, start_date, end_date, appointment_type, now) -> list[Slot]:
    if not resources:
        return []
    calendar = engine.Calendar(facility.time_zone)
    start, end = calendar.day_start(start_date), calendar.day_start(end_date + engine.ONE_DAY)
    inputs, bookings = resource_inputs(
        facility=facility, resources=resources, start=start, end=end, appointment_type=appointment_type
    )
    type_id = appointment_type.pk if appointment_type else None
    slots: list[Slot] = []
    for resource in resources:
        slots += engine.slots_for(
            inputs=inputs[resource.pk],
            calendar=calendar,
            start_date=start_date,
            end_date=end_date,
            now=now,
            appointment_type_id=type_id,
            bookings=bookings.get(resource.pk, ()),
        )
    _apply_caps(facility=facility, resources=resources, slots=slots, start=start, end=end)
    return slots


def _apply_caps(*, facility, resources, slots: list[Slot], start, end) -> None:
    """A slot that a cap would refuse (``capacity_reached``) has nothing left to book: not
    bookable, nothing remaining, as a full slot. The caps and bookings of each kind are read once
    for the whole range."""
    kind_of = {resource.pk: resource.kind for resource in resources}
    for kind in sorted(set(kind_of.values())):
        caps = concurrency_caps(facility=facility, kind=kind, start=start, end=end)
        if caps is None:
            continue
        for slot in slots:
            if (
                kind_of[slot.resource_id] == kind
                and slot.remaining > 0
                and caps.breach(resource_id=slot.resource_id, start=slot.start, end=slot.end) is not None
            ):
                slot.bookable = False
                slot.remaining = 0


def resource_inputs(*, facility, resources, start, end, appointment_type, book: bool = True):
    """Configuration of all ``resources`` touching [start, end) as engine inputs, and their
    active bookings there: six queries plus the booking sources, whatever the count."""
    ids = [resource.pk for resource in resources]
    schedule_rows = list(
        Schedule.objects.filter(facility=facility, resource_id__in=ids, valid_from__lt=end)
        .filter(Q(valid_till__isnull=True) | Q(valid_till__gt=start))
        .values_list("id", "resource_id", "valid_from", "valid_till", "booking_horizon_days", "booking_notice_minutes")
    )
    windows_by_schedule = cached.windows_by_schedule(facility=facility, schedule_ids=[row[0] for row in schedule_rows])
    inputs = {resource.pk: engine.ResourceInputs(resource.pk) for resource in resources}
    for schedule_id, resource_id, valid_from, valid_till, horizon, notice in schedule_rows:
        inputs[resource_id].schedules.append(
            engine.ScheduleSpec(
                schedule_id,
                resource_id,
                valid_from,
                valid_till,
                tuple(windows_by_schedule.get(schedule_id, ())),
                horizon,
                notice,
            )
        )
    for exception in cached.exception_specs(
        AvailabilityException.objects.filter(facility=facility, resource_id__in=ids, start__lt=end, end__gt=start)
    ):
        inputs[exception.resource_id].exceptions.append(exception)
    policies = {
        row[0]: row[1:]
        for row in BookingPolicy.objects.filter(facility=facility, resource_id__in=ids).values_list(
            "resource_id", "booking_horizon_days", "booking_notice_minutes", "default_slot_minutes"
        )
    }
    by_type, by_department = _durations(facility)
    for resource in resources:
        horizon, notice, default_minutes = policies.get(
            resource.pk, (DEFAULT_POLICY.horizon_days, DEFAULT_POLICY.notice_minutes, None)
        )
        inputs[resource.pk].policy = engine.Policy(
            horizon,
            notice,
            open_slot_minutes(
                appointment_type=appointment_type,
                department_id=resource.department_id,
                resource_default=default_minutes,
                by_type=by_type,
                by_department=by_department,
            ),
        )
    bookings: dict[int, list] = defaultdict(list)
    if book:
        for interval in booking_source.active_intervals(facility=facility, resource_ids=ids, start=start, end=end):
            bookings[interval[0]].append(interval)
        for intervals in bookings.values():
            intervals.sort(key=lambda interval: interval[1])
    return inputs, bookings


def _durations(facility) -> tuple[dict[int, int], dict[int, int]]:
    by_type: dict[int, int] = {}
    by_department: dict[int, int] = {}
    for type_id, department_id, minutes in slot_duration_list(facility=facility).values_list(
        "appointment_type_id", "department_id", "minutes"
    ):
        if type_id is not None:
            by_type[type_id] = minutes
        else:
            by_department[department_id] = minutes
    return by_type, by_department


def open_slot_minutes(*, appointment_type, department_id, resource_default, by_type: dict, by_department: dict) -> int:
    """Length of the slots offered in open windows: the appointment type's slot duration, else
    the department's, else the resource's default, else the appointment type's own default
    length, else 30 minutes."""
    if appointment_type is not None and appointment_type.pk in by_type:
        return by_type[appointment_type.pk]
    if department_id in by_department:
        return by_department[department_id]
    if resource_default:
        return resource_default
    if appointment_type is not None:
        return appointment_type.default_minutes
    return FALLBACK_SLOT_MINUTES


def _appointment_type(facility, appointment_type_id):
    if appointment_type_id is None:
        return None
    try:
        return kernel.appointment_type_get(facility=facility, appointment_type_id=appointment_type_id)
    except NotFound:
        raise ApplicationError(
            "invalid", "Unknown appointment type.", fields={"appointment_type": ["Appointment type not found."]}
        ) from None


def _not_bookable(reason: str, message: str, field: str):
    raise ApplicationError(
        "not_bookable", message, fields={field: [message]}, extra={"reason": reason}, status_code=409
    )
