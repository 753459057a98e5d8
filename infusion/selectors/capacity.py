"""The infusion center's capacity: its configuration (settings, patient types, weekday mix,
routes), each day's capacity per patient type, the nurses on duty, the chairs they support hour
by hour, and what the day's chair bookings use of it. Every selector takes the facility.

A facility without rows of its own reads the study's defaults (``infusion.defaults``) as unsaved
rows; nothing here writes (``infusion.services.configuration.infusion_defaults_ensure`` does).

The nurses on duty on a day, first source that has any (``nurses_on_duty``):
1. the NurseShift rows a published roster wrote for that day;
2. else the rows a manager entered for it;
3. else the imported nurse capacity of that day (analytics' facts: ``nurses_available`` over the
   chair day of analytics' settings; its ``max_chairs_supported`` caps the chairs as well);
4. else, on an open weekday, the settings' ``default_nurses`` over the chair day;
5. else nobody is known, and nothing is capped.
A day with nurses known caps the chairs at floor(nurses × chairs_per_nurse) while they are on
duty, and at 0 outside every shift: no nurse, no chair (``chair_limits``).

Reads over a range of days cost the same few queries as one day (``usage_between``)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from analytics import selectors as analytics
from availability import services as availability
from booking import selectors as booking
from infusion import defaults, engine
from infusion.models import (
    InfusionSettings,
    NurseShift,
    NurseSource,
    PatientType,
    PlacementRoute,
    RouteCode,
    WeekdayMix,
)
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind
from scheduling.errors import NotFound
from scheduling.parsing import id_or_none

MISC = "MISC"  # an unmapped chair booking's type, as analytics counts it

ROSTER, MANUAL, IMPORTED, DEFAULT = "roster", "manual", "imported", "default"
SOURCE_LABELS = {
    ROSTER: "published roster",
    MANUAL: "entered by a manager",
    IMPORTED: "imported nurse capacity",
    DEFAULT: "the center's usual staffing",
}


# --- configuration -----------------------------------------------------------------------------


def settings_for(*, facility) -> InfusionSettings:
    """The facility's infusion settings, or the defaults (unsaved) while it has none."""
    return InfusionSettings.objects.filter(facility=facility).first() or InfusionSettings(facility=facility)


def _default_patient_types(facility) -> list[PatientType]:
    shares = defaults.default_shares()
    return [
        PatientType(
            facility=facility,
            code=t.code,
            name=t.name,
            regimen_category=t.regimen_category,
            chair_minutes=t.chair_minutes,
            share_percent=shares[t.code],
            treatments=dict(t.treatments),
            active=True,
            position=index,
        )
        for index, t in enumerate(defaults.PATIENT_TYPES)
    ]


def patient_type_list(*, facility, active_only: bool = False) -> list[PatientType]:
    """The facility's patient types by position (the study's five, unsaved, while it has none)."""
    types = list(PatientType.objects.filter(facility=facility).order_by("position", "code"))
    if not types:
        types = _default_patient_types(facility)
    return [t for t in types if t.active or not active_only]


def patient_type_get(*, facility, code: str) -> PatientType:
    """One patient type by code (any case); 404 if the facility has no such type."""
    wanted = (code or "").strip().upper()
    for patient_type in patient_type_list(facility=facility):
        if patient_type.code == wanted:
            return patient_type
    raise NotFound("Patient type")


def weekday_mix(*, facility, types: list[PatientType] | None = None) -> dict[int, dict[str, Decimal]]:
    """{weekday: {type code: percent}}: the facility's rows, or the study's table while the
    facility has no patient types of its own. A weekday missing here uses the types' shares."""
    types = patient_type_list(facility=facility) if types is None else types
    if types and types[0].pk is None:
        return {
            weekday: {code: values[weekday] for code, values in defaults.WEEKDAY_MIX.items()} for weekday in range(5)
        }
    mix: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = WeekdayMix.objects.filter(facility=facility).values_list("weekday", "patient_type__code", "percent")
    for weekday, code, percent in rows:
        mix[weekday][code] = percent
    return dict(mix)


def _default_route(code: str) -> defaults.RouteDefault:
    return next(route for route in defaults.ROUTES if route.code == code)


def route_list(*, facility) -> list[PlacementRoute]:
    """The five routes in the order of ``RouteCode``: the facility's rows, a default (unsaved)
    for a route it has not saved."""
    saved = {route.code: route for route in PlacementRoute.objects.filter(facility=facility)}
    routes = []
    for code in RouteCode.values:
        if code in saved:
            routes.append(saved[code])
            continue
        default = _default_route(code)
        routes.append(
            PlacementRoute(
                facility=facility,
                code=code,
                target_days=default.target_days,
                offsets=list(default.offsets),
                search_further=default.search_further,
                description=default.description,
            )
        )
    return routes


def route_get(*, facility, code: str) -> PlacementRoute:
    """One route row by code; 404 for a code that is not a route."""
    for route in route_list(facility=facility):
        if route.code == code:
            return route
    raise NotFound("Route")


def route_for(*, facility, code: str) -> engine.Route:
    """The route as placement reads it (``engine.Route``); 404 for an unknown code."""
    route = route_get(facility=facility, code=code)
    return engine.Route(
        code=route.code,
        target_days=route.target_days,
        offsets=tuple(route.offsets),
        search_further=route.search_further,
    )


@dataclass(frozen=True)
class Configuration:
    """What the capacity reads need of the configuration, read once."""

    settings: InfusionSettings
    types: list[PatientType]
    mix: dict[int, dict[str, Decimal]]

    @property
    def active_types(self) -> list[PatientType]:
        return [t for t in self.types if t.active]

    def is_open(self, day: dt.date) -> bool:
        return day.weekday() in self.settings.weekdays


def configuration(*, facility) -> Configuration:
    types = patient_type_list(facility=facility)
    return Configuration(settings_for(facility=facility), types, weekday_mix(facility=facility, types=types))


# --- capacity per patient type -------------------------------------------------------------------


def day_capacity(config: Configuration, day: dt.date) -> int:
    """Patients the center schedules on ``day``: the weekly capacity spread evenly over the open
    weekdays, the first ones taking the remainder, so a week adds up to the weekly capacity."""
    weekdays = config.settings.weekdays
    if day.weekday() not in weekdays:
        return 0
    per_day = engine.largest_remainder(config.settings.weekly_capacity, [1] * len(weekdays))
    return per_day[weekdays.index(day.weekday())]


def capacity_by_type(config: Configuration, day: dt.date) -> dict[str, int]:
    """The day's capacity split over the active types by that weekday's mix (largest remainder:
    the types add up to the day's capacity); a weekday without mix rows uses the types' shares."""
    types = config.active_types
    total = day_capacity(config, day)
    mix = config.mix.get(day.weekday(), {})
    weights = [mix.get(t.code, 0) for t in types]
    if not any(w > 0 for w in weights):
        weights = [t.share_percent for t in types]
    return {t.code: n for t, n in zip(types, engine.largest_remainder(total, weights), strict=True)}


def type_capacity(*, facility, day: dt.date) -> dict[str, int]:
    """{patient type code: patients of that type ``day`` takes} for the active types; a closed
    day is all 0 (see ``capacity_by_type``)."""
    return capacity_by_type(configuration(facility=facility), day)


# --- the nurses on duty and the chairs they support ------------------------------------------------


def nurse_shift_list(*, facility, first: dt.date | None = None, last: dt.date | None = None):
    """The NurseShift rows (entered or published) of the local days [first, last], by day and start."""
    shifts = NurseShift.objects.filter(facility=facility).order_by("date", "start_time", "pk")
    if first is not None:
        shifts = shifts.filter(date__gte=first)
    if last is not None:
        shifts = shifts.filter(date__lte=last)
    return shifts


def nurse_shift_get(*, facility, shift_id) -> NurseShift:
    shift = nurse_shift_list(facility=facility).filter(pk=id_or_none(shift_id)).first()
    if shift is None:
        raise NotFound("Nurse shift")
    return shift


@dataclass(frozen=True)
class OnDuty:
    """Nurses on duty from ``start`` to ``end`` (local wall-clock times) on a day, and where that
    is known from (``source``: roster, manual, imported or default; ``label`` in words).
    ``max_chairs``: the imported capacity's own cap; ``shift_id``: the NurseShift row, if one."""

    start: dt.time
    end: dt.time
    nurses: int
    source: str
    label: str
    max_chairs: int | None = None
    shift_id: int | None = None
    note: str = ""


def _dates(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def duties_between(*, facility, first: dt.date, last: dt.date, settings: InfusionSettings | None = None):
    """{day: [OnDuty, …]} for each local day of [first, last] (see the module's docstring for
    the order of the sources); at most four queries whatever the number of days."""
    settings = settings or settings_for(facility=facility)
    shifts: dict[dt.date, dict[str, list[NurseShift]]] = defaultdict(lambda: defaultdict(list))
    for shift in NurseShift.objects.filter(facility=facility, date__range=(first, last)).order_by("start_time", "pk"):
        shifts[shift.date][shift.source].append(shift)
    days = _dates(first, last)
    without = [day for day in days if day not in shifts]
    facts = {}
    if without:
        rows = analytics.nurse_capacity_list(facility=facility, first=min(without), last=max(without))
        facts = {row.date: row for row in rows}
    chair_day = None
    if facts or (without and settings.default_nurses is not None):
        chair_settings = analytics.settings_for(facility_id=facility.pk)
        chair_day = (chair_settings.chair_day_start, chair_settings.chair_day_end)
    duties: dict[dt.date, list[OnDuty]] = {}
    for day in days:
        if day in shifts:
            source = ROSTER if shifts[day].get(NurseSource.ROSTER) else MANUAL
            duties[day] = [
                OnDuty(s.start_time, s.end_time, s.nurses, source, SOURCE_LABELS[source], None, s.pk, s.note)
                for s in shifts[day][source]
            ]
        elif day in facts:
            fact = facts[day]
            duties[day] = [
                OnDuty(*chair_day, fact.nurses_available, IMPORTED, SOURCE_LABELS[IMPORTED], fact.max_chairs_supported)
            ]
        elif settings.default_nurses is not None and day.weekday() in settings.weekdays:
            duties[day] = [OnDuty(*chair_day, settings.default_nurses, DEFAULT, SOURCE_LABELS[DEFAULT])]
        else:
            duties[day] = []
    return duties


def nurses_on_duty(*, facility, day: dt.date) -> list[OnDuty]:
    """The nurses on duty on the local ``day``, each span with its source (module docstring);
    empty when nothing is known (no cap)."""
    return duties_between(facility=facility, first=day, last=day)[day]


@dataclass(frozen=True)
class ChairLimit:
    """At most ``limit`` chairs at once over [start, end) (aware, in the facility's zone)."""

    start: dt.datetime
    end: dt.datetime
    limit: int
    nurses: int
    label: str  # the source of the day's nurses, in words
    ratio: Decimal
    max_chairs: int | None = None

    @property
    def reason(self) -> str:
        if self.nurses == 0:
            return (
                f"No nurse is on duty from {self.start:%H:%M} to {self.end:%H:%M} ({self.label}): "
                "no chair can run without a nurse."
            )
        ratio = f"{self.ratio.normalize():f}"
        nurses = f"{self.nurses} nurse{'s' if self.nurses != 1 else ''}"
        text = f"{nurses} on duty ({self.label}) × {ratio} chairs each: at most {self.limit} chairs at once"
        if self.max_chairs is not None and self.limit == self.max_chairs:
            text += f" (the imported nurse capacity supports {self.max_chairs})"
        return f"{text}."


def _local(day: dt.date, clock: dt.time, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, clock, tzinfo=zone)


def _day_limits(day: dt.date, duties: list[OnDuty], ratio: Decimal, zone: ZoneInfo) -> list[ChairLimit]:
    if not duties:
        return []
    midnight, next_midnight = _local(day, dt.time.min, zone), _local(day + dt.timedelta(days=1), dt.time.min, zone)
    spans = [(_local(day, d.start, zone), _local(day, d.end, zone), d) for d in duties]
    points = sorted({midnight, next_midnight, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    label = duties[0].label
    limits: list[ChairLimit] = []
    for start, end in zip(points, points[1:], strict=False):
        if end <= start:
            continue
        covering = [d for s, e, d in spans if s <= start and e >= end]
        nurses = sum(d.nurses for d in covering)
        caps = [d.max_chairs for d in covering if d.max_chairs is not None]
        limit = math.floor(nurses * ratio)
        max_chairs = min(caps) if caps else None
        if max_chairs is not None:
            limit = min(limit, max_chairs)
        if limits and limits[-1].end == start and (limits[-1].limit, limits[-1].nurses) == (limit, nurses):
            previous = limits.pop()
            start = previous.start
        limits.append(ChairLimit(start, end, limit, nurses, label, ratio, max_chairs))
    return limits


def limits_between(*, facility, first: dt.date, last: dt.date, settings: InfusionSettings | None = None, duties=None):
    """{day: [ChairLimit, …]} for each local day of [first, last]: on a day with nurses known,
    consecutive spans covering the whole day (cap 0 where no shift covers); else none."""
    settings = settings or settings_for(facility=facility)
    duties = duties or duties_between(facility=facility, first=first, last=last, settings=settings)
    zone = ZoneInfo(facility.time_zone)
    ratio = settings.chairs_per_nurse
    return {day: _day_limits(day, duties[day], ratio, zone) for day in _dates(first, last)}


def chair_limits(*, facility, day: dt.date) -> list[ChairLimit]:
    """The chairs the nurses support on the local ``day``, span by span: floor(nurses on duty ×
    chairs per nurse), at most the imported ``max_chairs_supported``, and 0 outside every shift on
    a day with nurses known. Empty: nothing known, nothing capped."""
    return limits_between(facility=facility, first=day, last=day)[day]


class NurseSupportedChairs:
    """Availability's capacity source for chairs: the nurses on duty × the facility's ratio
    (``chair_limits``), registered by ``InfusionConfig.ready``. Other kinds are not capped."""

    def concurrency_limits(self, *, facility, kind, start, end) -> list[availability.ConcurrencyLimit]:
        if kind != ResourceKind.CHAIR or end <= start:
            return []
        zone = ZoneInfo(facility.time_zone)
        first = start.astimezone(zone).date()
        last = (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
        by_day = limits_between(facility=facility, first=first, last=last)
        return [
            availability.ConcurrencyLimit(
                start=max(limit.start, start), end=min(limit.end, end), limit=limit.limit, reason=limit.reason
            )
            for day in _dates(first, last)
            for limit in by_day[day]
            if limit.start < end and limit.end > start
        ]


# --- what the day's chair bookings use ------------------------------------------------------------


@dataclass(frozen=True)
class SlotUse:
    """One slot of a day's profile (an hour): the most chairs running at once in it, and the
    fewest the nurses support in it (None: no cap known)."""

    start: dt.datetime
    end: dt.datetime
    in_use: int
    supported: int | None

    @property
    def over(self) -> bool:
        return self.supported is not None and self.in_use > self.supported

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class DayUsage:
    """One local day of the infusion center: its capacity and placed patients by type, the chair
    minutes booked and supported, the nurses on duty and their limits, and the hour profile."""

    day: dt.date
    open: bool
    chairs: int  # active chairs of the facility
    capacity: dict[str, int]
    counts: dict[str, int]  # active chair bookings starting this day, by patient type
    booked_minutes: int
    supported_minutes: int  # Σ cap × minutes over the chair day; 0: no cap known
    duties: list[OnDuty]
    limits: list[ChairLimit]
    profile: list[SlotUse]

    @property
    def placed(self) -> int:
        return sum(self.counts.values())

    @property
    def total_capacity(self) -> int:
        return sum(self.capacity.values())

    @property
    def peak(self) -> int:
        return max((slot.in_use for slot in self.profile), default=0)

    @property
    def over_slots(self) -> list[SlotUse]:
        return [slot for slot in self.profile if slot.over]

    @property
    def load(self) -> float | None:
        """Booked ÷ supported chair minutes (None without a cap)."""
        return self.booked_minutes / self.supported_minutes if self.supported_minutes else None

    @property
    def nurses_source(self) -> str:
        return self.duties[0].label if self.duties else ""


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, round((end - start).total_seconds() / 60))


def _peak(intervals: list[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime) -> int:
    events = []
    for a, b in intervals:
        a, b = max(a, start), min(b, end)
        if a < b:
            events += [(a, 1), (b, -1)]
    running = peak = 0
    for _, step in sorted(events):  # an end sorts before a start at the same instant
        running += step
        peak = max(peak, running)
    return peak


def _profile(day, zone, chair_day, intervals, limits) -> list[SlotUse]:
    """Hour slots over the chair day, widened to whole hours covering the day's bookings."""
    first_hour, last_hour = chair_day[0].hour, chair_day[1].hour + (1 if chair_day[1].minute else 0)
    midnight = _local(day, dt.time.min, zone)
    next_midnight = _local(day + dt.timedelta(days=1), dt.time.min, zone)
    for a, b in intervals:
        a, b = max(a, midnight).astimezone(zone), min(b, next_midnight).astimezone(zone)
        if a < b:
            first_hour = min(first_hour, a.hour)
            last_hour = max(last_hour, 24 if b == next_midnight else b.hour + (1 if b.minute or b.second else 0))
    slots = []
    for hour in range(first_hour, last_hour):
        start = _local(day, dt.time(hour), zone)
        end = next_midnight if hour == 23 else _local(day, dt.time(hour + 1), zone)
        caps = [limit.limit for limit in limits if limit.start < end and limit.end > start]
        slots.append(SlotUse(start, end, _peak(intervals, start, end), min(caps) if caps else None))
    return slots


def usage_between(*, facility, first: dt.date, last: dt.date) -> dict[dt.date, DayUsage]:
    """``DayUsage`` of each local day of [first, last], in a fixed number of queries (about ten)
    whatever the days and bookings (tests/infusion/test_capacity_selectors.py). A booking's
    patient type is its appointment type's analytics mapping (unmapped or blank: MISC); it counts
    on the day it starts; its chairs' held time makes the profile (a chair booking over midnight
    is in both days' profiles)."""
    config = configuration(facility=facility)
    zone = ZoneInfo(facility.time_zone)
    duties = duties_between(facility=facility, first=first, last=last, settings=config.settings)
    limits = limits_between(facility=facility, first=first, last=last, settings=config.settings, duties=duties)
    chair_settings = analytics.settings_for(facility_id=facility.pk)
    chair_day = (chair_settings.chair_day_start, chair_settings.chair_day_end)
    chairs = list(kernel.resource_list(facility=facility).filter(kind=ResourceKind.CHAIR).values_list("pk", "active"))
    start = _local(first, dt.time.min, zone)
    end = _local(last + dt.timedelta(days=1), dt.time.min, zone)
    held = booking.held_time(facility=facility, resource_ids=[pk for pk, _ in chairs], start=start, end=end)
    holding = {row.booking_id for row in held}
    types_of = {m.appointment_type_id: (m.patient_type or MISC) for m in analytics.mapping_list(facility=facility)}
    starts: dict[int, tuple[dt.date, str]] = {}
    if holding:
        for row in booking.bookings_for_facts(
            facility=facility, start=start, end=end, resource_kinds=[ResourceKind.CHAIR]
        ):
            if row["booking_id"] in holding:
                kind = types_of.get(row["appointment_type_id"], MISC)
                starts[row["booking_id"]] = (row["start"].astimezone(zone).date(), kind)
    counts: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    booked: dict[dt.date, int] = defaultdict(int)
    for day, kind in starts.values():
        counts[day][kind] += 1
    for row in held:
        if row.booking_id in starts:
            booked[starts[row.booking_id][0]] += _minutes(row.start, row.end)
    usage = {}
    active_chairs = sum(1 for _, active in chairs if active)
    for day in _dates(first, last):
        day_start, day_end = _local(day, chair_day[0], zone), _local(day, chair_day[1], zone)
        supported = sum(
            limit.limit * _minutes(max(limit.start, day_start), min(limit.end, day_end))
            for limit in limits[day]
            if limit.start < day_end and limit.end > day_start
        )
        midnight, next_midnight = _local(day, dt.time.min, zone), _local(day + dt.timedelta(days=1), dt.time.min, zone)
        intervals = [(row.start, row.end) for row in held if row.start < next_midnight and row.end > midnight]
        capacity = capacity_by_type(config, day)
        usage[day] = DayUsage(
            day=day,
            open=config.is_open(day),
            chairs=active_chairs,
            capacity=capacity,
            counts={**dict.fromkeys(capacity, 0), **counts.get(day, {})},
            booked_minutes=booked.get(day, 0),
            supported_minutes=supported,
            duties=duties[day],
            limits=limits[day],
            profile=_profile(day, zone, chair_day, intervals, limits[day]),
        )
    return usage


def day_usage(*, facility, day: dt.date) -> DayUsage:
    """The local ``day`` as the day view shows it (``usage_between`` of one day)."""
    return usage_between(facility=facility, first=day, last=day)[day]


def day_load(*, facility, day: dt.date, patient_type: str) -> engine.DayLoad:
    """The day as placement sees it for one patient type (``engine.DayLoad``)."""
    return day_loads(facility=facility, first=day, last=day, patient_type=patient_type)[day]


def day_loads(*, facility, first: dt.date, last: dt.date, patient_type: str) -> dict[dt.date, engine.DayLoad]:
    """``day_load`` of each day of [first, last], read together."""
    code = (patient_type or "").strip().upper()
    return {
        day: engine.DayLoad(
            day=day,
            open=usage.open,
            type_capacity=usage.capacity.get(code, 0),
            type_count=usage.counts.get(code, 0),
            booked_minutes=usage.booked_minutes,
            supported_minutes=usage.supported_minutes,
        )
        for day, usage in usage_between(facility=facility, first=first, last=last).items()
    }


# --- recent changes of the configuration ----------------------------------------------------------

HISTORY_MODELS = {
    "settings": InfusionSettings,
    "patient_types": PatientType,
    "weekday_mix": WeekdayMix,
    "routes": PlacementRoute,
    "nurse_shifts": NurseShift,
}
_KINDS = {"+": "created", "~": "changed", "-": "deleted"}


def _describe(what: str, record, type_codes: dict[int, str]) -> str:
    if what == "settings":
        return "Settings"
    if what == "patient_types":
        return f"Patient type {record.code}"
    if what == "weekday_mix":
        code = type_codes.get(record.patient_type_id, "a removed type")
        return f"{code} on {defaults.WEEKDAY_NAMES[record.weekday]}: {record.percent} %"
    if what == "routes":
        return f"Route {RouteCode(record.code).label if record.code in RouteCode.values else record.code}"
    return (
        f"{record.nurses} nurse{'s' if record.nurses != 1 else ''} on {record.date:%a %d %b %Y} "
        f"{record.start_time:%H:%M}–{record.end_time:%H:%M} ({SOURCE_LABELS.get(record.source, record.source)})"
    )


def change_list(*, facility, what: str, limit: int = 10) -> list[dict]:
    """The latest ``limit`` changes of one part of the configuration (``HISTORY_MODELS``), newest
    first: who (``user``, None for the system), ``when``, ``kind`` (created, changed, deleted),
    ``object`` in words and ``changes`` (field, old, new) against the row's previous version."""
    model = HISTORY_MODELS[what]
    records = list(
        model.history.filter(facility_id=facility.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    type_codes = {}
    if what == "weekday_mix" and records:
        ids = {record.patient_type_id for record in records}
        type_codes = dict(PatientType.objects.filter(facility=facility, pk__in=ids).values_list("pk", "code"))
    entries = []
    for record in records:
        changes = []
        previous = record.prev_record if record.history_type == "~" else None
        if previous is not None:
            delta = record.diff_against(previous)
            changes = [{"field": c.field, "old": c.old, "new": c.new} for c in delta.changes]
        entries.append(
            {
                "user": record.history_user.get_username() if record.history_user else None,
                "when": record.history_date,
                "kind": _KINDS[record.history_type],
                "object": _describe(what, record, type_codes),
                "changes": changes,
            }
        )
    return entries
