"""The slot engine: pure computation from plain values (no database), so the selectors, the
property tests and the benchmark all exercise the same code.

Wall clock and daylight saving: a weekly window from ``start`` to ``end`` on a day covers the
real time from the *first instant at which the facility's clock reads ``start``* to the first
instant at which it reads ``end``. So

- on a spring-forward day a wall-clock time that does not exist maps to the moment the clock
  jumps: a 02:00–03:00 window in New York on that day is empty (no slot, no non-existent
  instant), and a 01:00–04:00 window is two real hours long;
- on a fall-back day an ambiguous time means its first occurrence: a 00:00–03:00 window in
  London is four real hours long.

Slots are laid on the real timeline from the window's start in steps of the slot size, so every
slot is exactly ``slot size`` long in real time and slots never overlap; their wall-clock labels
follow the clock (on a fall-back night two slots may both read 01:00, an hour apart).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)
TOKENS = "tokens"
OPEN = "open"
FAR_FUTURE = dt.datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class WindowSpec:
    id: int
    weekdays: frozenset[int]
    start_minute: int  # minutes after local midnight
    end_minute: int  # 1..1440; 1440 is midnight at the end of the day
    type: str
    slot_minutes: int | None = None
    tokens: int | None = None
    appointment_type_ids: frozenset[int] = frozenset()  # empty: every type
    daily_limit: int | None = None


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    id: int
    resource_id: int
    valid_from: dt.datetime
    valid_till: dt.datetime | None
    windows: tuple[WindowSpec, ...]
    horizon_days: int | None = None
    notice_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class ExceptionSpec:
    id: int
    resource_id: int
    is_available: bool
    start: dt.datetime
    end: dt.datetime
    type: str = OPEN
    slot_minutes: int | None = None
    tokens: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Block:
    """A concrete stretch of availability: one window on one day, or one extra-time exception,
    clipped to its schedule's validity. Token slots are laid from ``origin``."""

    resource_id: int
    origin: dt.datetime
    start: dt.datetime
    end: dt.datetime
    type: str
    slot_minutes: int | None
    tokens: int | None
    appointment_type_ids: frozenset[int]
    daily_limit: int | None
    local_date: dt.date | None  # None for exceptions, which may span days
    schedule: ScheduleSpec | None = None
    window_id: int | None = None
    exception_id: int | None = None

    def accepts(self, appointment_type_id: int | None) -> bool:
        return (
            appointment_type_id is None
            or not self.appointment_type_ids
            or (appointment_type_id in self.appointment_type_ids)
        )


@dataclass(slots=True)
class Slot:
    resource_id: int
    start: dt.datetime
    end: dt.datetime
    type: str
    capacity: int
    booked: int
    remaining: int
    bookable: bool
    availability_id: int | None = None
    exception_id: int | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """Effective booking rules of a resource (schedule values override these)."""

    horizon_days: int = 90
    notice_minutes: int = 0
    open_slot_minutes: int = 30


@dataclass
class ResourceInputs:
    resource_id: int
    schedules: list[ScheduleSpec] = field(default_factory=list)
    exceptions: list[ExceptionSpec] = field(default_factory=list)
    policy: Policy = field(default_factory=Policy)


class Calendar:
    """Wall clock ↔ UTC for one zone, cached per day. On a day without a transition the
    conversion is one addition; only transition days take the careful path."""

    def __init__(self, tz: ZoneInfo | str) -> None:
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._days: dict[dt.date, tuple[dt.datetime, bool]] = {}

    def _day(self, day: dt.date) -> tuple[dt.datetime, bool]:
        cached = self._days.get(day)
        if cached is None:
            first = first_instant(day, 0, self.tz)
            following = first_instant(day + ONE_DAY, 0, self.tz)
            midnight_exists = first.astimezone(self.tz).time() == dt.time()
            cached = (first, midnight_exists and following - first == ONE_DAY)
            self._days[day] = cached
        return cached

    def instant(self, day: dt.date, minute: int) -> dt.datetime:
        """The first instant on ``day`` at which the clock reads ``minute`` (or later, if that
        time is skipped). ``minute`` 1440 is the start of the next day."""
        first, regular = self._day(day)
        if regular:
            return first + dt.timedelta(minutes=minute)
        return first_instant(day, minute, self.tz)

    def day_start(self, day: dt.date) -> dt.datetime:
        return self._day(day)[0]

    def local_date(self, instant: dt.datetime) -> dt.date:
        return instant.astimezone(self.tz).date()


def minute_of_day(value: dt.time, *, end: bool = False) -> int:
    """Minutes after midnight; as an end, 00:00 is midnight at the end of the day (1440)."""
    minutes = value.hour * 60 + value.minute
    return 24 * 60 if end and minutes == 0 else minutes


def first_instant(day: dt.date, minute: int, tz: ZoneInfo) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    utc = naive.replace(tzinfo=tz).astimezone(UTC)  # fold=0: the first of two ambiguous instants
    if utc.astimezone(tz).replace(tzinfo=None) == naive:
        return utc
    # ``naive`` falls in a gap: find the jump, between the two readings of the gap.
    low = int(naive.replace(tzinfo=tz, fold=1).astimezone(UTC).timestamp())
    high = int(utc.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if dt.datetime.fromtimestamp(middle, tz).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return dt.datetime.fromtimestamp(high, UTC)


def days(start_date: dt.date, end_date: dt.date) -> Iterable[dt.date]:
    day = start_date
    while day <= end_date:
        yield day
        day += ONE_DAY


def blocks_for(
    *,
    inputs: ResourceInputs,
    calendar: Calendar,
    start_date: dt.date,
    end_date: dt.date,
) -> list[Block]:
    """Every block of availability of one resource over the local dates, sorted by start.
    Weekly windows are clipped to their schedule's validity; extra-time exceptions are blocks
    of their own. Removing exceptions are not applied here (see ``slots_for``)."""
    range_start = calendar.day_start(start_date)
    range_end = calendar.day_start(end_date + ONE_DAY)
    blocks: list[Block] = []
    for schedule in inputs.schedules:
        till = schedule.valid_till
        for day in days(start_date, end_date):
            weekday = day.weekday()
            for window in schedule.windows:
                if weekday not in window.weekdays:
                    continue
                origin = calendar.instant(day, window.start_minute)
                end = calendar.instant(day, window.end_minute)
                start = max(origin, schedule.valid_from)
                if till is not None and till < end:
                    end = till
                if start >= end:
                    continue
                blocks.append(
                    Block(
                        inputs.resource_id,
                        origin,
                        start,
                        end,
                        window.type,
                        window.slot_minutes,
                        window.tokens,
                        window.appointment_type_ids,
                        window.daily_limit,
                        day,
                        schedule,
                        window.id,
                    )
                )
    for exception in inputs.exceptions:
        if not exception.is_available or exception.end <= range_start or exception.start >= range_end:
            continue
        blocks.append(
            Block(
                inputs.resource_id,
                exception.start,
                max(exception.start, range_start),
                min(exception.end, range_end),
                exception.type,
                exception.slot_minutes,
                exception.tokens,
                frozenset(),
                None,
                None,
                exception_id=exception.id,
            )
        )
    blocks.sort(key=lambda block: block.start)
    return blocks


def removals_for(inputs: ResourceInputs) -> tuple[list[tuple[dt.datetime, dt.datetime]], list[tuple]]:
    """(removing exceptions, extra-time exceptions) as sorted (start, end) pairs. Weekly time
    covered by extra time is governed by the exception, so it is removed from weekly blocks."""
    removing = sorted((e.start, e.end) for e in inputs.exceptions if not e.is_available)
    adding = sorted((e.start, e.end) for e in inputs.exceptions if e.is_available)
    return removing, adding


def overlapping(intervals: Sequence[tuple[dt.datetime, dt.datetime]], start, end) -> list:
    return [(s, e) for s, e in intervals if s < end and e > start]


def slots_for(
    *,
    inputs: ResourceInputs,
    calendar: Calendar,
    start_date: dt.date,
    end_date: dt.date,
    now: dt.datetime,
    appointment_type_id: int | None = None,
    bookings: Sequence[tuple[int, dt.datetime, dt.datetime, int]] = (),
    offer_beyond_horizon: bool = False,
) -> list[Slot]:
    """The slots of one resource over the local dates ``start_date``..``end_date``, in order.

    Token windows give slots of their slot size with ``tokens`` capacity; open windows are
    offered as slots of the policy's open-slot length with capacity 1. A slot overlapping a
    removing exception is dropped; a slot after the booking horizon is not offered; a slot that
    starts in the past, inside the notice period, on a day whose patient limit is reached, or
    with nothing remaining is offered with ``bookable`` false. ``bookings`` are the active
    booking intervals of this resource: (resource_id, start, end, units[, shared]). With
    ``offer_beyond_horizon`` slots past the horizon are kept (capacity statistics).
    """
    policy = inputs.policy
    removing, adding = removals_for(inputs)
    # A daily limit counts the units booked inside its window that day: prefix sums by start.
    by_start = sorted((booking[1], booking[3]) for booking in bookings)
    starts = [start for start, _ in by_start]
    units_before = [0]
    for _, units in by_start:
        units_before.append(units_before[-1] + units)
    horizon_cache: dict[int, dt.datetime] = {}
    today = calendar.local_date(now)
    slots: list[Slot] = []
    for block in blocks_for(inputs=inputs, calendar=calendar, start_date=start_date, end_date=end_date):
        if not block.accepts(appointment_type_id):
            continue
        schedule = block.schedule
        horizon_days = (
            schedule.horizon_days if schedule is not None and schedule.horizon_days is not None else policy.horizon_days
        )
        horizon_end = FAR_FUTURE if offer_beyond_horizon else horizon_cache.get(horizon_days)
        if horizon_end is None:
            horizon_end = horizon_cache[horizon_days] = calendar.day_start(today + dt.timedelta(days=horizon_days + 1))
        if block.start >= horizon_end:
            continue
        notice = (
            schedule.notice_minutes
            if schedule is not None and schedule.notice_minutes is not None
            else policy.notice_minutes
        )
        earliest = now + dt.timedelta(minutes=notice)
        limit_reached = block.daily_limit is not None and (
            units_before[bisect.bisect_left(starts, block.end)] - units_before[bisect.bisect_left(starts, block.start)]
            >= block.daily_limit
        )
        if block.type == TOKENS:
            step_minutes, capacity = block.slot_minutes, block.tokens
        else:
            step_minutes, capacity = policy.open_slot_minutes, 1
        step = dt.timedelta(minutes=step_minutes)
        step_seconds = step_minutes * 60
        skip = int((block.start - block.origin).total_seconds())
        start = block.origin + dt.timedelta(seconds=-(-skip // step_seconds) * step_seconds)
        end_limit = min(block.end, horizon_end)
        cut = overlapping(removing, block.start, block.end)
        if block.exception_id is None:
            cut += overlapping(adding, block.start, block.end)
        window_id, exception_id, resource_id, kind = block.window_id, block.exception_id, block.resource_id, block.type
        base_bookable = not limit_reached
        while True:
            end = start + step
            if end > block.end or start >= end_limit:
                break
            if cut and any(s < end and e > start for s, e in cut):
                start = end
                continue
            slots.append(
                Slot(
                    resource_id,
                    start,
                    end,
                    kind,
                    capacity,
                    0,
                    capacity,
                    base_bookable and start >= earliest,
                    window_id,
                    exception_id,
                )
            )
            start = end
    if adding:
        # Extra-time blocks may sit inside a weekly block's span: restore the order by time.
        slots.sort(key=lambda slot: slot.start)
    if bookings:
        _overlay(slots, bookings)
    return slots


def _overlay(slots: list[Slot], bookings: Sequence[tuple[int, dt.datetime, dt.datetime, int]]) -> None:
    """Adds each booking's units to the slots it overlaps. Slots of one resource never overlap,
    so their ends are sorted and a bisect finds the first one a booking touches."""
    ends = [slot.end for slot in slots]
    for _, start, end, units, *_ in bookings:
        index = bisect.bisect_right(ends, start)
        while index < len(slots) and slots[index].start < end:
            slot = slots[index]
            slot.booked += units
            slot.remaining = max(0, slot.capacity - slot.booked)
            if slot.remaining == 0:
                slot.bookable = False
            index += 1


def uncovered(
    *,
    inputs: ResourceInputs,
    calendar: Calendar,
    intervals: Sequence[tuple],
) -> list[tuple]:
    """The booked intervals that a configuration would strand: those that overlap a removing
    exception or that no block of availability contains whole, and, for tokens (intervals whose
    optional fifth element ``shared`` is true), those whose block is not a tokens block with
    exactly this slot on its grid, and those beyond the block's tokens per slot. An exclusive
    booking only needs to be contained (an emergency may hold time in a tokens window)."""
    if not intervals:
        return []
    first = min(calendar.local_date(interval[1]) for interval in intervals) - ONE_DAY
    last = max(calendar.local_date(interval[2]) for interval in intervals) + ONE_DAY
    blocks = blocks_for(inputs=inputs, calendar=calendar, start_date=first, end_date=last)
    removing, adding = removals_for(inputs)
    stranded = []
    tokens_held: dict[tuple[dt.datetime, dt.datetime], int] = defaultdict(int)
    for interval in sorted(intervals, key=lambda interval: interval[1]):
        _, start, end, units, *rest = interval
        shared = bool(rest and rest[0])
        block = None
        if not overlapping(removing, start, end):
            block = next(
                (
                    block
                    for block in blocks
                    if block.start <= start
                    and end <= block.end
                    and (block.exception_id is not None or not overlapping(adding, start, end))
                ),
                None,
            )
        if block is None or (shared and not _holds_a_slot_of(block, start, end)):
            stranded.append(interval)
        elif shared:
            tokens_held[(start, end)] += units
            if tokens_held[(start, end)] > block.tokens:
                stranded.append(interval)
    return stranded


def _holds_a_slot_of(block: Block, start: dt.datetime, end: dt.datetime) -> bool:
    if block.type != TOKENS or not block.slot_minutes:
        return False
    step = dt.timedelta(minutes=block.slot_minutes)
    return end - start == step and (start - block.origin) % step == dt.timedelta(0)


# --- concurrency caps: how many resources of one kind may run at once ------------------------


@dataclass(frozen=True, slots=True)
class CapBreach:
    """Where booking one more resource would exceed a cap: the first instant of the interval at
    which it would, the cap (a ``ConcurrencyLimit``), and how many others are in use then."""

    at: dt.datetime
    limit: object
    in_use: int


class ConcurrencyCaps:
    """The caps on one kind of resource and the resources of that kind in use, over a span.

    ``limits``: objects with ``start``, ``end`` and ``limit`` that do not overlap one another.
    ``intervals``: the active bookings of every resource of the kind, (resource_id, start, end,
    ...). A resource is in use while any booking of it runs, counted once however many it holds
    (the tokens of one chair, or back-to-back bookings, are one chair running). Built once per
    span; each ``breach`` is then a few bisections."""

    def __init__(self, limits: Sequence, intervals: Iterable[tuple]) -> None:
        self.limits = sorted(limits, key=lambda limit: limit.start)
        self._limit_ends = [limit.end for limit in self.limits]
        spans: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        for resource_id, start, end, *_ in intervals:
            spans[resource_id].append((start, end))
        self._own = {resource_id: _merged(pairs) for resource_id, pairs in spans.items()}
        change: dict[dt.datetime, int] = defaultdict(int)
        for pairs in self._own.values():
            for start, end in pairs:
                change[start] += 1
                change[end] -= 1
        self._times = sorted(change)
        self._peaks: dict[int, int] = {}
        self._counts: list[int] = []  # in use on [times[i], times[i + 1])
        running = 0
        for instant in self._times:
            running += change[instant]
            self._counts.append(running)

    def _peak(self, index: int) -> int:
        """The most resources in use at any instant of the cap at ``index``."""
        peak = self._peaks.get(index)
        if peak is None:
            limit = self.limits[index]
            low = bisect.bisect_right(self._times, limit.start)
            high = bisect.bisect_left(self._times, limit.end)
            peak = max([self.in_use(limit.start), *self._counts[low:high]])
            self._peaks[index] = peak
        return peak

    def in_use(self, instant: dt.datetime, *, excluding: int | None = None) -> int:
        """Resources in use at ``instant``, ``excluding`` not counted."""
        index = bisect.bisect_right(self._times, instant) - 1
        count = self._counts[index] if index >= 0 else 0
        own = self._own.get(excluding)
        if own is not None:
            position = bisect.bisect_right(own, (instant, FAR_FUTURE)) - 1
            if position >= 0 and own[position][1] > instant:
                count -= 1
        return count

    def breach(self, *, resource_id: int, start: dt.datetime, end: dt.datetime) -> CapBreach | None:
        """The first instant of [start, end) at which ``resource_id`` running too would put more
        resources in use than a cap allows (the resource's own bookings do not count twice), or
        None."""
        own = self._own.get(resource_id, [])
        for index in range(bisect.bisect_right(self._limit_ends, start), len(self.limits)):
            limit = self.limits[index]
            if limit.start >= end:
                break
            low, high = max(start, limit.start), min(end, limit.end)
            if low >= high or self._peak(index) < limit.limit:
                continue  # not even the busiest instant of this cap is full: one more fits
            # The count can only change where some resource's use starts or ends.
            instants = {low}
            instants.update(self._times[bisect.bisect_right(self._times, low) : bisect.bisect_left(self._times, high)])
            position = max(0, bisect.bisect_right(own, (low, FAR_FUTURE)) - 1)
            while position < len(own) and own[position][0] < high:
                instants.update(edge for edge in own[position] if low < edge < high)
                position += 1
            for instant in sorted(instants):
                in_use = self.in_use(instant, excluding=resource_id)
                if in_use + 1 > limit.limit:
                    return CapBreach(instant, limit, in_use)
        return None


def _merged(pairs: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(pairs):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]
