"""Property tests of the slot engine (pure, no database): across zones with daylight saving, no
offered slot overlaps a removing exception or lies outside its schedule's validity, slots never
overlap, and the count is the window length divided by the slot size minus what exceptions
remove."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from availability import engine

UTC = dt.UTC
ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
# Days around the 2030 transitions of those zones, so many examples cross one.
ANCHORS = [dt.date(2030, 3, 10), dt.date(2030, 3, 31), dt.date(2030, 4, 7), dt.date(2030, 10, 6), dt.date(2030, 10, 27)]
NOW = dt.datetime(2029, 12, 1, tzinfo=UTC)
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def windows(draw):
    """Up to four windows on disjoint hours of the day (so none overlap on a shared weekday)."""
    hours = sorted(draw(st.sets(st.integers(0, 24), min_size=2, max_size=8)))
    result = []
    for index, (start, end) in enumerate(zip(hours[::2], hours[1::2], strict=False)):
        slot = draw(st.sampled_from([10, 15, 20, 30, 60]))
        tokens = draw(st.booleans())
        result.append(
            engine.WindowSpec(
                id=index + 1,
                weekdays=frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
                start_minute=start * 60,
                end_minute=end * 60,
                type=engine.TOKENS if tokens else engine.OPEN,
                slot_minutes=slot if tokens else None,
                tokens=draw(st.integers(1, 4)) if tokens else None,
            )
        )
    return result


@st.composite
def scenarios(draw, *, whole_validity=False):
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    first = draw(st.sampled_from(ANCHORS)) + dt.timedelta(days=draw(st.integers(-3, 2)))
    last = first + dt.timedelta(days=draw(st.integers(0, 6)))
    range_start = dt.datetime.combine(first, dt.time(), tzinfo=zone).astimezone(UTC)
    span_minutes = (last - first).days * 1440 + 1440

    def instant():
        return range_start + dt.timedelta(minutes=draw(st.integers(0, span_minutes // 5)) * 5)

    if whole_validity:
        valid_from, valid_till = range_start - dt.timedelta(days=2), None
    else:
        valid_from = instant()
        valid_till = instant() if draw(st.booleans()) else None
        if valid_till is not None and valid_till < valid_from:
            valid_from, valid_till = valid_till, valid_from
    removing = []
    for index in range(draw(st.integers(0, 4))):
        start = instant()
        removing.append(
            engine.ExceptionSpec(
                id=100 + index,
                resource_id=1,
                is_available=False,
                start=start,
                end=start + dt.timedelta(minutes=draw(st.integers(1, 600))),
            )
        )
    schedule = engine.ScheduleSpec(1, 1, valid_from, valid_till, tuple(draw(windows())))
    inputs = engine.ResourceInputs(1, [schedule], removing, engine.Policy(horizon_days=730, open_slot_minutes=30))
    return zone, first, last, inputs


def compute(zone, first, last, inputs):
    return engine.slots_for(inputs=inputs, calendar=engine.Calendar(zone), start_date=first, end_date=last, now=NOW)


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_slot_overlaps_a_removing_exception_or_leaves_the_validity(scenario):
    zone, first, last, inputs = scenario
    schedule = inputs.schedules[0]
    slots = compute(zone, first, last, inputs)
    for slot in slots:
        assert not any(e.start < slot.end and slot.start < e.end for e in inputs.exceptions)
        assert schedule.valid_from <= slot.start
        assert schedule.valid_till is None or slot.end <= schedule.valid_till
        assert slot.bookable and slot.remaining == slot.capacity
    for before, after in zip(slots, slots[1:], strict=False):
        assert before.end <= after.start  # in order, never overlapping


@PROPERTY_SETTINGS
@given(scenarios(whole_validity=True))
def test_slot_count_is_length_over_size_minus_what_exceptions_remove(scenario):
    zone, first, last, inputs = scenario
    windows = inputs.schedules[0].windows
    slots = compute(zone, first, last, inputs)
    expected = 0
    day = first
    while day <= last:
        for window in windows:
            if day.weekday() not in window.weekdays:
                continue
            start, end = _real(day, window.start_minute, zone), _real(day, window.end_minute, zone)
            size = dt.timedelta(minutes=window.slot_minutes or 30)
            grid = [(start + k * size, start + (k + 1) * size) for k in range(int((end - start) / size))]
            removed = [g for g in grid if any(e.start < g[1] and g[0] < e.end for e in inputs.exceptions)]
            expected += len(grid) - len(removed)
        day += dt.timedelta(days=1)
    assert len(slots) == expected


def _real(day: dt.date, minute: int, zone: ZoneInfo) -> dt.datetime:
    """An independent wall-clock → UTC: scan the day's real minutes for the first reading ≥ minute."""
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    candidate = naive.replace(tzinfo=zone).astimezone(UTC)
    if candidate.astimezone(zone).replace(tzinfo=None) == naive:
        return candidate
    probe = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    while probe.astimezone(zone).replace(tzinfo=None) < naive:
        probe += dt.timedelta(minutes=1)
    return probe


def test_first_instant_lands_on_the_jump_in_a_gap():
    new_york = ZoneInfo("America/New_York")
    jump = engine.first_instant(dt.date(2030, 3, 10), 150, new_york)  # 02:30 does not exist
    assert jump == dt.datetime(2030, 3, 10, 7, 0, tzinfo=UTC)  # 03:00 EDT
    assert jump.astimezone(new_york).strftime("%H:%M") == "03:00"
