"""Reads for placement: the placements made, the center as the engine sees it over the
database (``DatabaseCenter``), and which one-click placements a patient's recent chair bookings
offer the front desk."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from availability import selectors as availability
from booking import selectors as bookings
from infusion import engine
from infusion.models import Placement, RouteCode
from infusion.selectors import capacity
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind
from scheduling.errors import NotFound
from scheduling.parsing import parse_id

OPEN = "open"  # availability's open windows: a chair is booked for any length inside them


def placement_list(*, facility, patient_id: int | None = None) -> QuerySet[Placement]:
    """The facility's placements, newest first, with what the pages show loaded."""
    placements = Placement.objects.filter(facility=facility).select_related(
        "patient", "appointment_type", "chair", "booking", "created_by"
    )
    if patient_id is not None:
        placements = placements.filter(patient_id=patient_id)
    return placements.order_by("-created_at", "-pk")


def placement_get(*, facility, placement_id) -> Placement:
    try:
        return placement_list(facility=facility).get(pk=parse_id(placement_id))
    except (Placement.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Placement") from None


#: A placement's booking in these states no longer holds the patient's place on the route.
_RELEASED = ("cancelled", "denied")


def placement_following(*, facility, booking_id: int, route: str) -> Placement | None:
    """The placement that already follows ``booking_id`` on ``route`` and still holds a chair
    booking (one cancelled or denied frees the booking to be followed again), else None."""
    return (
        placement_list(facility=facility)
        .filter(previous_booking_id=booking_id, route=route, status="placed", booking__isnull=False)
        .exclude(booking__status__in=_RELEASED)
        .first()
    )


def chair_list(*, facility) -> list:
    """The facility's active chairs, by name."""
    return list(kernel.resource_list(facility=facility).filter(kind=ResourceKind.CHAIR, active=True))


# --- the center over the database -----------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """A day's chairs in use: each active chair booking's [start, end), and the nurses' caps."""

    held: list[tuple[dt.datetime, dt.datetime]]
    limits: list  # availability's ConcurrencyLimit: start, end, limit, reason


class DatabaseCenter:
    """The engine's ``Center`` over one facility's database, for one appointment type.

    ``day_load`` is the capacity selector's. ``start_options`` are the starts at which a chair
    that takes the appointment type is free for the minutes asked: availability's slots of the
    day (the free, bookable ones of open windows, run together where they touch), each start
    with the most chairs running at once over its span, this patient included, and the nurses'
    cap there. Both read what booking checks against: the chairs' held time
    (``booking.selectors.held_time``) and the capacity source availability consults
    (``capacity.NurseSupportedChairs``). Each day is read once; ``instant`` turns an option back
    into the aware start it stands for."""

    def __init__(self, *, facility, chairs: list, appointment_type_id: int, now: dt.datetime):
        self.facility = facility
        self.chairs = chairs
        self.appointment_type_id = appointment_type_id
        self.now = now
        self.zone = ZoneInfo(facility.time_zone)
        self._loads: dict[tuple[dt.date, str], engine.DayLoad] = {}
        self._options: dict[tuple[dt.date, int], list[engine.StartOption]] = {}
        self._instants: dict[tuple[dt.date, int, object], dt.datetime] = {}
        self._capped: dict[tuple[dt.date, int], str | None] = {}

    def prefetch(self, *, first: dt.date, last: dt.date, patient_type: str) -> None:
        """Reads the loads of [first, last] at once (the days placement may look at)."""
        for day, load in capacity.day_loads(
            facility=self.facility, first=first, last=last, patient_type=patient_type
        ).items():
            self._loads[(day, patient_type)] = load

    def day_load(self, day: dt.date, patient_type: str) -> engine.DayLoad:
        key = (day, patient_type)
        if key not in self._loads:
            self._loads[key] = capacity.day_load(facility=self.facility, day=day, patient_type=patient_type)
        return self._loads[key]

    def start_options(self, day: dt.date, minutes: int) -> list[engine.StartOption]:
        key = (day, minutes)
        if key not in self._options:
            self._options[key] = self._read_options(day, minutes)
        return self._options[key]

    def no_start_reason(self, day: dt.date, minutes: int) -> str | None:
        return self._capped.get((day, minutes))

    def _capped_reason(self, day: dt.date, slots) -> str | None:
        """Why a day with chairs free of bookings offers no start: the nurses' cap (availability
        lists a capped slot as full). None when the chairs are simply taken."""
        usage = self._usage(day)
        if not usage.limits:
            return None
        held = self._held_by_chair(day)
        for slot in slots:
            if slot.type != OPEN or slot.start < self.now or slot.remaining > 0:
                continue
            if any(start < slot.end and slot.start < end for start, end in held.get(slot.resource_id, ())):
                continue
            tight = [limit for limit in usage.limits if limit.start < slot.end and slot.start < limit.end]
            if tight:
                limit = min(tight, key=lambda limit: limit.limit)
                return f"the nurses on duty support no more chairs when one is free ({limit.reason.rstrip('.')})"
        return None

    def _held_by_chair(self, day: dt.date) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
        start = dt.datetime.combine(day, dt.time.min, tzinfo=self.zone)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=self.zone)
        rows = bookings.held_time(
            facility=self.facility, resource_ids=[chair.pk for chair in self.chairs], start=start, end=end
        )
        held: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        for row in rows:
            held[row.resource_id].append((row.start, row.end))
        return held

    def instant(self, day: dt.date, option: engine.StartOption) -> dt.datetime:
        return self._instants[(day, option.start, option.chair)]

    def _read_options(self, day: dt.date, minutes: int) -> list[engine.StartOption]:
        if not self.chairs:
            return []
        length = dt.timedelta(minutes=minutes)
        slots = availability.slot_list(
            facility=self.facility,
            resource_ids=[chair.pk for chair in self.chairs],
            start_date=day,
            end_date=day,
            appointment_type_id=self.appointment_type_id,
            now=self.now,
        )
        starts: list[tuple[int, dt.datetime]] = []
        for chair_id, runs in _free_runs(slots).items():
            for _, run_end, slot_starts in runs:
                starts += [(chair_id, start) for start in slot_starts if start + length <= run_end]
        if not starts:
            self._capped[(day, minutes)] = self._capped_reason(day, slots)
            return []
        usage = self._usage(day)
        options = []
        for chair_id, start in starts:
            peak, cap = _peak_and_cap(usage, start, start + length)
            local = start.astimezone(self.zone)
            minute = local.hour * 60 + local.minute
            if (day, minute, chair_id) in self._instants:
                continue  # the repeated wall-clock hour of a daylight-saving day: its first
            self._instants[(day, minute, chair_id)] = start
            options.append(engine.StartOption(start=minute, chair=chair_id, peak=peak, cap=cap))
        return options

    def _usage(self, day: dt.date) -> Usage:
        start = dt.datetime.combine(day, dt.time.min, tzinfo=self.zone)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=self.zone)
        chair_ids = [chair.pk for chair in kernel.resource_list(facility=self.facility).filter(kind=ResourceKind.CHAIR)]
        held = [
            (row.start, row.end)
            for row in bookings.held_time(facility=self.facility, resource_ids=chair_ids, start=start, end=end)
        ]
        limits = capacity.NurseSupportedChairs().concurrency_limits(
            facility=self.facility, kind=ResourceKind.CHAIR, start=start, end=end
        )
        return Usage(held=held, limits=list(limits))


def _free_runs(slots) -> dict[int, list[tuple[dt.datetime, dt.datetime, list[dt.datetime]]]]:
    """Per chair, its free bookable open slots run together where one ends as the next begins:
    (run start, run end, the slot starts inside it)."""
    runs: dict[int, list[tuple[dt.datetime, dt.datetime, list[dt.datetime]]]] = defaultdict(list)
    for slot in sorted(slots, key=lambda slot: (slot.resource_id, slot.start)):
        if slot.type != OPEN or not slot.bookable or slot.remaining <= 0:
            continue
        chair_runs = runs[slot.resource_id]
        if chair_runs and chair_runs[-1][1] == slot.start:
            run_start, _, starts = chair_runs[-1]
            chair_runs[-1] = (run_start, slot.end, [*starts, slot.start])
        else:
            chair_runs.append((slot.start, slot.end, [slot.start]))
    return runs


def _peak_and_cap(usage: Usage, start: dt.datetime, end: dt.datetime) -> tuple[int, int | None]:
    """The chairs running at once over [start, end) with this one, and the cap it is held to:
    over each stretch the nurses' limit covers, its peak against its limit; the tightest
    stretch answers (the whole span's peak and no cap where no limit covers it)."""
    worst: tuple[float, int, int | None] | None = None
    for limit in usage.limits:
        lo, hi = max(start, limit.start), min(end, limit.end)
        if lo >= hi:
            continue
        peak = _peak(usage.held, lo, hi) + 1
        ratio = peak / limit.limit if limit.limit > 0 else float("inf")
        if worst is None or ratio > worst[0]:
            worst = (ratio, peak, limit.limit)
    if worst is None:
        return _peak(usage.held, start, end) + 1, None
    return worst[1], worst[2]


def _peak(held: list[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime) -> int:
    """The most of ``held`` overlapping any instant of [start, end)."""
    events = []
    for held_start, held_end in held:
        lo, hi = max(start, held_start), min(end, held_end)
        if lo < hi:
            events += [(lo, 1), (hi, -1)]
    running = peak = 0
    for _, step in sorted(events, key=lambda event: (event[0], event[1])):
        running += step
        peak = max(peak, running)
    return peak


# --- the front desk's one-click placements --------------------------------------------------------

#: How far back the patient page offers to place from a chair booking.
RECENT_DAYS = 45

ROUTE_BUTTONS = {
    RouteCode.NEXT_CYCLE: "Place the next cycle",
    RouteCode.NO_SHOW: "Rebook after no-show",
    RouteCode.CANCELLATION: "Rebook after cancellation",
    RouteCode.BAD_BLOOD: "Bad blood: return within 2 days",
}
_BY_STATUS = {"completed": RouteCode.NEXT_CYCLE, "no_show": RouteCode.NO_SHOW, "cancelled": RouteCode.CANCELLATION}
_TODAYS_VISIT = {"checked_in", "in_progress", "completed"}


@dataclass(frozen=True)
class PlacementAction:
    booking: object
    route: str
    label: str


def placement_actions(*, facility, patient_id: int, now: dt.datetime) -> list[PlacementAction]:
    """The one-click placements the patient's chair bookings of the last ``RECENT_DAYS`` (and
    today) offer, latest booking first: a completed one → the next cycle; a no-show → rebook
    after it; a cancelled one → rebook after it; today's visit (checked in, in progress or
    completed) → bad blood, back within two days."""
    zone = ZoneInfo(facility.time_zone)
    today = now.astimezone(zone).date()
    since = dt.datetime.combine(today - dt.timedelta(days=RECENT_DAYS), dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    recent = bookings.booking_list(facility=facility, patient_id=patient_id, start=since, end=until).order_by(
        "-start", "-pk"
    )
    actions = []
    for booking in recent:
        if not any(row.resource.kind == ResourceKind.CHAIR for row in booking.resources.all()):
            continue
        routes = [_BY_STATUS.get(booking.status)]
        if booking.status in _TODAYS_VISIT and booking.start.astimezone(zone).date() == today:
            routes.append(RouteCode.BAD_BLOOD)
        # A booking already followed on a route offers it no more: a second click would book twice.
        actions += [
            PlacementAction(booking, route, ROUTE_BUTTONS[route])
            for route in routes
            if route is not None and placement_following(facility=facility, booking_id=booking.pk, route=route) is None
        ]
    return actions
