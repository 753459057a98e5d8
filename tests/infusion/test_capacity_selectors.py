"""The infusion center's capacity as placement and the day view read it: each day's capacity
per patient type, the nurses on duty and where they come from, the chairs they support hour by
hour (availability's cap), and what the day's chair bookings use of it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.models import AnalyticsSettings
from booking import services as booking
from booking.models import Status
from infusion import engine
from infusion.models import InfusionSettings, PatientType, WeekdayMix
from infusion.selectors import capacity
from infusion.services import configuration
from tests.infusion.factories import next_monday

pytestmark = pytest.mark.django_db


def week(monday: dt.date) -> list[dt.date]:
    return [monday + dt.timedelta(days=n) for n in range(7)]


# --- capacity per type ---------------------------------------------------------------------------


def test_a_facility_without_rows_reads_the_studys_defaults(facility):
    types = capacity.patient_type_list(facility=facility)
    assert [t.code for t in types] == ["INF", "CMO-SHORT", "CMO-LONG", "FUP", "MISC"]
    assert sum(t.share_percent for t in types) == Decimal("100.00")
    assert capacity.route_for(facility=facility, code="next_cycle") == engine.Route("next_cycle", 30, (0, -1, 1, -2, 2))
    assert capacity.route_for(facility=facility, code="bad_blood") == engine.Route("bad_blood", 1, (0, 1), False)
    assert capacity.settings_for(facility=facility).pk is None


def test_a_week_of_type_capacity_adds_up_to_the_weekly_capacity(facility, user):
    configuration.settings_update(facility=facility, actor=user, weekly_capacity=62)
    monday = next_monday()
    days = [capacity.type_capacity(facility=facility, day=day) for day in week(monday)]
    totals = [sum(day.values()) for day in days]
    assert totals == [13, 13, 12, 12, 12, 0, 0]  # the first weekdays take the remainder
    assert days[5] == dict.fromkeys(["INF", "CMO-SHORT", "CMO-LONG", "FUP", "MISC"], 0)
    # Monday by the study's mix: 31.25 % INF, 25 % CMO-SHORT, 8.75 % CMO-LONG, 20.63 % FUP, 14.38 % MISC of 13.
    assert days[0] == {"INF": 4, "CMO-SHORT": 3, "CMO-LONG": 1, "FUP": 3, "MISC": 2}


def test_a_weekday_without_mix_uses_the_types_shares_and_inactive_types_get_nothing(facility, user):
    configuration.settings_update(facility=facility, actor=user, weekly_capacity=60, open_weekdays=[0, 1, 2, 3, 4, 5])
    configuration.patient_type_update(facility=facility, actor=user, code="MISC", active=False)
    saturday = next_monday() + dt.timedelta(days=5)
    by_type = capacity.type_capacity(facility=facility, day=saturday)
    assert sum(by_type.values()) == 10 and "MISC" not in by_type
    # INF 24.64, CMO-SHORT 24.88, CMO-LONG 6.43, FUP 24.76 of 10, by largest remainder.
    assert by_type == {"INF": 3, "CMO-SHORT": 3, "CMO-LONG": 1, "FUP": 3}
    assert WeekdayMix.objects.filter(facility=facility, weekday=5).count() == 0


# --- nurses on duty ------------------------------------------------------------------------------


def test_the_nurses_come_from_the_roster_then_a_manager_then_imports_then_the_default(center):
    facility, day = center.facility, next_monday()
    assert capacity.nurses_on_duty(facility=facility, day=day) == []
    InfusionSettings.objects.create(facility=facility, default_nurses=2)
    AnalyticsSettings.objects.create(facility=facility, chair_day_start=dt.time(7, 30), chair_day_end=dt.time(17, 0))
    (duty,) = capacity.nurses_on_duty(facility=facility, day=day)
    assert (duty.start, duty.end, duty.nurses, duty.source) == (dt.time(7, 30), dt.time(17), 2, "default")
    assert capacity.nurses_on_duty(facility=facility, day=day + dt.timedelta(days=5)) == []  # closed Saturday

    center.nurse_capacity(day, nurses=4, max_chairs=10)
    (duty,) = capacity.nurses_on_duty(facility=facility, day=day)
    assert (duty.nurses, duty.source, duty.max_chairs, duty.label) == (4, "imported", 10, "imported nurse capacity")

    center.shift(day, "08:00", "12:00", 3)
    center.shift(day, "12:00", "16:00", 2)
    duties = capacity.nurses_on_duty(facility=facility, day=day)
    assert [(d.start, d.nurses, d.source) for d in duties] == [(dt.time(8), 3, "manual"), (dt.time(12), 2, "manual")]

    center.shift(day, "09:00", "17:00", 5, source="roster")
    duties = capacity.nurses_on_duty(facility=facility, day=day)
    assert [(d.start, d.end, d.nurses, d.source) for d in duties] == [(dt.time(9), dt.time(17), 5, "roster")]


def test_chairs_are_capped_by_nurses_times_the_ratio_and_at_zero_outside_every_shift(center):
    facility, day = center.facility, next_monday()
    InfusionSettings.objects.create(facility=facility, chairs_per_nurse=Decimal("2.5"))
    center.shift(day, "08:00", "14:00", 3)
    center.shift(day, "12:00", "18:00", 1)
    limits = capacity.chair_limits(facility=facility, day=day)
    spans = [(f"{limit.start:%H:%M}", f"{limit.end:%H:%M}", limit.limit) for limit in limits]
    # 3 × 2.5 = 7.5 → 7; 4 × 2.5 = 10; 1 × 2.5 = 2.5 → 2.
    assert spans == [
        ("00:00", "08:00", 0),
        ("08:00", "12:00", 7),
        ("12:00", "14:00", 10),
        ("14:00", "18:00", 2),
        ("18:00", "00:00", 0),
    ]
    assert limits[-1].end == center.at(day + dt.timedelta(days=1), "00:00")
    assert "No nurse is on duty" in limits[0].reason
    assert limits[1].reason == "3 nurses on duty (entered by a manager) × 2.5 chairs each: at most 7 chairs at once."


def test_the_imported_max_chairs_supported_caps_too(center):
    facility, day = center.facility, next_monday()
    InfusionSettings.objects.create(facility=facility, chairs_per_nurse=Decimal("3"))
    center.nurse_capacity(day, nurses=4, max_chairs=9)
    limits = capacity.chair_limits(facility=facility, day=day)
    assert [(f"{x.start:%H:%M}", f"{x.end:%H:%M}", x.limit) for x in limits] == [
        ("00:00", "08:00", 0),
        ("08:00", "18:00", 9),  # analytics' default chair day; 4 × 3 = 12, but the file says 9
        ("18:00", "00:00", 0),
    ]
    assert "imported nurse capacity supports 9" in limits[1].reason


def test_availability_reads_the_caps_for_chairs_only_clipped_to_what_it_asks(center):
    facility, day = center.facility, next_monday()
    center.shift(day, "08:00", "16:00", 2)
    source = capacity.NurseSupportedChairs()
    asked = (center.at(day, "10:00"), center.at(day + dt.timedelta(days=1), "10:00"))
    limits = source.concurrency_limits(facility=facility, kind="chair", start=asked[0], end=asked[1])
    assert [(x.start, x.end, x.limit) for x in limits] == [
        (asked[0], center.at(day, "16:00"), 6),
        (center.at(day, "16:00"), center.at(day + dt.timedelta(days=1), "00:00"), 0),
    ]  # Tuesday has no nurse data: not capped
    assert all(x.start.utcoffset() is not None for x in limits)
    assert all(a.end <= b.start for a, b in zip(limits, limits[1:], strict=False))
    assert "2 nurses on duty (entered by a manager) × 3 chairs each" in limits[0].reason
    assert source.concurrency_limits(facility=facility, kind="theatre", start=asked[0], end=asked[1]) == []


# --- what the day's bookings use ----------------------------------------------------------------------


def test_day_usage_counts_active_chair_bookings_by_mapped_type(center):
    facility, day = center.facility, next_monday()
    center.book(day, "09:00", "10:00", code="INF")
    center.book(day, "09:00", "11:00", code="CMO-SHORT")
    center.book(day, "10:00", "11:00", appointment_type=center.unmapped)  # no mapping: MISC
    cancelled = center.book(day, "13:00", "14:00", code="FUP")
    booking.booking_transition(
        facility=facility,
        actor=center.admin,
        booking_id=cancelled.pk,
        to_status=Status.CANCELLED,
        reason="Patient unwell",
    )
    center.book(day + dt.timedelta(days=1), "09:00", "10:00", code="INF")  # another day

    usage = capacity.day_usage(facility=facility, day=day)
    assert usage.counts == {"INF": 1, "CMO-SHORT": 1, "CMO-LONG": 0, "FUP": 0, "MISC": 1}
    assert usage.booked_minutes == 240 and usage.placed == 3 and usage.chairs == 6
    assert usage.supported_minutes == 0 and usage.limits == []  # no nurse data: no cap
    hours = {slot.label: slot.in_use for slot in usage.profile}
    assert hours["08:00–09:00"] == 0 and hours["09:00–10:00"] == 2 and hours["10:00–11:00"] == 2
    assert hours["13:00–14:00"] == 0 and not usage.over_slots


def test_day_usage_flags_the_hours_over_what_the_nurses_support(center):
    facility, day = center.facility, next_monday()
    for _ in range(3):
        center.book(day, "09:00", "11:00", code="CMO-SHORT")
    # The nurses on duty are known once the day is booked: one nurse, three chairs, from 10:00.
    center.shift(day, "10:00", "18:00", 1)
    InfusionSettings.objects.create(facility=facility, chairs_per_nurse=Decimal("2"))
    usage = capacity.day_usage(facility=facility, day=day)
    by_hour = {slot.label: (slot.in_use, slot.supported, slot.over) for slot in usage.profile}
    assert by_hour["09:00–10:00"] == (3, 0, True)  # no nurse before 10:00
    assert by_hour["10:00–11:00"] == (3, 2, True)
    assert by_hour["11:00–12:00"] == (0, 2, False)
    assert usage.supported_minutes == 2 * 8 * 60  # 10:00–18:00 of the 08:00–18:00 chair day
    assert usage.nurses_source == "entered by a manager"
    load = capacity.day_load(facility=facility, day=day, patient_type="cmo-short")
    assert load == engine.DayLoad(day, True, 3, 3, 360, 960)


def test_day_usage_reads_the_same_number_of_queries_whatever_the_bookings(center):
    facility, day = center.facility, next_monday()
    center.book(day, "09:00", "10:00")
    with CaptureQueriesContext(connection) as one:
        capacity.usage_between(facility=facility, first=day, last=day + dt.timedelta(days=6))
    for hour in range(10, 16):
        center.book(day + dt.timedelta(days=hour % 3), f"{hour}:00", f"{hour + 1}:00")
    center.shift(day, "08:00", "18:00", 3)
    with CaptureQueriesContext(connection) as many:
        capacity.usage_between(facility=facility, first=day, last=day + dt.timedelta(days=6))
    assert len(many) <= len(one) + 1  # the nurse capacity is read only for days without shifts
    assert len(many) <= 12


def test_everything_is_of_the_facility_asked(center, other_facility):
    day = next_monday()
    center.book(day, "09:00", "10:00")
    center.shift(day, "08:00", "18:00", 3)
    PatientType.objects.create(facility=center.facility, code="RAD", name="Radiology")
    usage = capacity.day_usage(facility=other_facility, day=day)
    assert usage.placed == 0 and usage.duties == [] and usage.chairs == 0
    assert "RAD" not in capacity.type_capacity(facility=other_facility, day=day)
