"""Slots: wall clock in the facility's zone across daylight-saving changes, notice, horizon,
exceptions, what is booked, daily limits, appointment types and slot durations."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from availability import selectors, services
from tests.availability.factories import local, make_schedule, window
from tests.factories import AppointmentTypeFactory, FacilityFactory, ResourceFactory

UTC = dt.UTC
NEW_YEAR_2030 = dt.datetime(2030, 1, 1, tzinfo=UTC)


def slots(facility, resource, day, end=None, **kwargs):
    kwargs.setdefault("now", NEW_YEAR_2030)
    return selectors.slot_list(
        facility=facility, resource_ids=[resource.pk], start_date=day, end_date=end or day, **kwargs
    )


def wall(slot, facility):
    return slot.start.astimezone(ZoneInfo(facility.time_zone)).strftime("%H:%M")


# --- daylight saving ----------------------------------------------------------------------


@pytest.fixture
def london_sunday(facility, user, chair1):
    assert facility.time_zone == "Europe/London"
    make_schedule(
        facility,
        chair1,
        user,
        window(weekdays=[6], start="00:00", end="03:00", slot=30),
        window(weekdays=[6], start="09:00", end="11:00", slot=30),
        booking_horizon_days=730,
    )
    return chair1


def test_a_daytime_window_keeps_its_wall_clock_across_the_change(facility, london_sunday):
    summer = [s for s in slots(facility, london_sunday, dt.date(2030, 10, 20)) if wall(s, facility) >= "09:00"]
    winter = [s for s in slots(facility, london_sunday, dt.date(2030, 10, 27)) if wall(s, facility) >= "09:00"]
    assert (
        [wall(s, facility) for s in summer]
        == [wall(s, facility) for s in winter]
        == ["09:00", "09:30", "10:00", "10:30"]
    )
    assert summer[0].start == dt.datetime(2030, 10, 20, 8, 0, tzinfo=UTC)  # BST, UTC+1
    assert winter[0].start == dt.datetime(2030, 10, 27, 9, 0, tzinfo=UTC)  # GMT


def test_spring_forward_night_window_skips_the_missing_hour(facility, london_sunday):
    night = [s for s in slots(facility, london_sunday, dt.date(2030, 3, 31)) if s.start.hour < 5]
    # Clocks go from 01:00 GMT to 02:00 BST: 00:00–03:00 wall clock is two real hours.
    assert [wall(s, facility) for s in night] == ["00:00", "00:30", "02:00", "02:30"]
    assert [s.start for s in night] == [
        dt.datetime(2030, 3, 31, 0, 0, tzinfo=UTC),
        dt.datetime(2030, 3, 31, 0, 30, tzinfo=UTC),
        dt.datetime(2030, 3, 31, 1, 0, tzinfo=UTC),
        dt.datetime(2030, 3, 31, 1, 30, tzinfo=UTC),
    ]
    assert all(s.end - s.start == dt.timedelta(minutes=30) for s in night)


def test_fall_back_night_window_offers_the_repeated_hour_once_per_real_half_hour(facility, london_sunday):
    night = [s for s in slots(facility, london_sunday, dt.date(2030, 10, 27)) if wall(s, facility) < "05:00"]
    # 00:00 BST (23:00 UTC the day before) to 03:00 GMT: four real hours, 01:00–02:00 read twice.
    assert [wall(s, facility) for s in night] == [
        "00:00",
        "00:30",
        "01:00",
        "01:30",
        "01:00",
        "01:30",
        "02:00",
        "02:30",
    ]
    assert night[0].start == dt.datetime(2030, 10, 26, 23, 0, tzinfo=UTC)
    assert [b.start - a.start for a, b in zip(night, night[1:], strict=False)] == [dt.timedelta(minutes=30)] * 7


def test_a_window_inside_the_skipped_hour_yields_nothing_on_that_day(db, make_member):
    new_york = FacilityFactory(time_zone="America/New_York")
    admin = make_member(new_york)
    resource = ResourceFactory(facility=new_york)
    make_schedule(new_york, resource, admin, window(weekdays=[6], start="02:00", end="03:00"), booking_horizon_days=730)
    assert slots(new_york, resource, dt.date(2030, 3, 10)) == []  # clocks jump 02:00 → 03:00
    week_later = slots(new_york, resource, dt.date(2030, 3, 17))
    assert [s.start for s in week_later] == [
        dt.datetime(2030, 3, 17, 6, 0, tzinfo=UTC),
        dt.datetime(2030, 3, 17, 6, 30, tzinfo=UTC),
    ]


# --- when a slot is offered and bookable --------------------------------------------------


def test_past_slots_and_slots_inside_the_notice_are_not_bookable(facility, user, chair1):
    make_schedule(facility, chair1, user, window(weekdays=[0], start="09:00", end="12:00"), booking_notice_minutes=60)
    monday = dt.date(2030, 1, 7)
    now = local(facility, monday, "09:40")
    result = slots(facility, chair1, monday, now=now)
    assert [(wall(s, facility), s.bookable) for s in result] == [
        ("09:00", False),
        ("09:30", False),
        ("10:00", False),
        ("10:30", False),
        ("11:00", True),
        ("11:30", True),
    ]


def test_slots_past_the_horizon_are_not_offered(facility, user, chair1):
    make_schedule(facility, chair1, user, window(weekdays=[0], start="09:00", end="10:00"))
    services.booking_policy_set(
        facility=facility, actor=user, resource_id=chair1.pk, booking_horizon_days=7, booking_notice_minutes=0
    )
    now = local(facility, dt.date(2030, 1, 7), "08:00")
    result = slots(facility, chair1, dt.date(2030, 1, 7), dt.date(2030, 1, 28), now=now)
    assert sorted({s.start.date() for s in result}) == [dt.date(2030, 1, 7), dt.date(2030, 1, 14)]


def test_slots_lie_within_the_schedules_validity(facility, user, chair1):
    make_schedule(
        facility,
        chair1,
        user,
        window(weekdays=[0], start="09:00", end="12:00"),
        valid_from=local(facility, dt.date(2030, 1, 7), "10:10"),
        valid_till=local(facility, dt.date(2030, 1, 14), "11:00"),
    )
    first, second = slots(facility, chair1, dt.date(2030, 1, 7)), slots(facility, chair1, dt.date(2030, 1, 14))
    assert [wall(s, facility) for s in first] == ["10:30", "11:00", "11:30"]
    assert [wall(s, facility) for s in second] == ["09:00", "09:30", "10:00", "10:30"]


def test_extra_time_adds_bookable_slots(facility, user, chair1):
    make_schedule(facility, chair1, user, window(weekdays=[0]), booking_horizon_days=730)
    saturday = dt.date(2030, 6, 1)
    services.exception_create(
        facility=facility,
        actor=user,
        resource_id=chair1.pk,
        start=local(facility, saturday, "10:00"),
        end=local(facility, saturday, "11:00"),
        reason="Compensating Saturday",
        is_available=True,
        type="tokens",
        slot_size_minutes=30,
        tokens_per_slot=2,
    )
    services.booking_policy_set(
        facility=facility, actor=user, resource_id=chair1.pk, booking_horizon_days=730, booking_notice_minutes=0
    )
    result = slots(facility, chair1, saturday)
    assert [(wall(s, facility), s.capacity, s.bookable, s.exception_id is not None) for s in result] == [
        ("10:00", 2, True, True),
        ("10:30", 2, True, True),
    ]


def test_extra_time_may_not_overlap_the_weekly_pattern(facility, user, chair1):
    from scheduling.errors import ApplicationError

    make_schedule(facility, chair1, user, window(weekdays=[0], start="09:00", end="12:00"))
    monday = dt.date(2030, 1, 7)
    with pytest.raises(ApplicationError) as caught:
        services.exception_create(
            facility=facility,
            actor=user,
            resource_id=chair1.pk,
            start=local(facility, monday, "11:00"),
            end=local(facility, monday, "13:00"),
            reason="More",
            is_available=True,
        )
    assert "start" in caught.value.fields


def test_a_removing_exception_removes_exactly_the_overlapping_slots(facility, user, chair1):
    make_schedule(facility, chair1, user, window(weekdays=[0], start="09:00", end="12:00"))
    monday = dt.date(2030, 1, 7)
    services.exception_create(
        facility=facility,
        actor=user,
        resource_id=chair1.pk,
        start=local(facility, monday, "10:15"),
        end=local(facility, monday, "10:45"),
        reason="Meeting",
    )
    assert [wall(s, facility) for s in slots(facility, chair1, monday)] == ["09:00", "09:30", "11:00", "11:30"]


def test_booked_and_remaining_come_from_the_booking_source(facility, user, chair1, bookings):
    make_schedule(facility, chair1, user, window(weekdays=[0], start="09:00", end="10:00", tokens=3))
    monday = dt.date(2030, 1, 7)
    bookings.add(chair1, local(facility, monday, "09:00"), local(facility, monday, "09:30"), units=2)
    bookings.add(chair1, local(facility, monday, "09:30"), local(facility, monday, "10:00"), units=3)
    result = slots(facility, chair1, monday)
    assert [(s.capacity, s.booked, s.remaining, s.bookable) for s in result] == [(3, 2, 1, True), (3, 3, 0, False)]


def test_a_reached_daily_limit_makes_that_days_slots_unbookable(facility, user, chair1, bookings):
    make_schedule(facility, chair1, user, window(weekdays=[0], start="09:00", end="11:00", tokens=5, limit=2))
    monday, next_monday = dt.date(2030, 1, 7), dt.date(2030, 1, 14)
    bookings.add(chair1, local(facility, monday, "09:00"), local(facility, monday, "09:30"), units=2)
    assert not any(s.bookable for s in slots(facility, chair1, monday))
    assert all(s.bookable for s in slots(facility, chair1, next_monday))


def test_windows_accept_only_their_appointment_types(facility, user, chair1):
    follow_up = AppointmentTypeFactory(facility=facility, code="fu", name="Follow-up")
    new = AppointmentTypeFactory(facility=facility, code="new", name="New patient")
    make_schedule(
        facility,
        chair1,
        user,
        window(weekdays=[3], start="09:00", end="10:00", types=[follow_up]),
        window(weekdays=[3], start="10:00", end="11:00"),
    )
    thursday = dt.date(2030, 1, 10)
    assert len(slots(facility, chair1, thursday)) == 4
    assert len(slots(facility, chair1, thursday, appointment_type_id=follow_up.pk)) == 4
    assert [wall(s, facility) for s in slots(facility, chair1, thursday, appointment_type_id=new.pk)] == [
        "10:00",
        "10:30",
    ]


def test_open_slot_length_by_type_then_department_then_resource_then_type_default(facility, user, chair1):
    kind = AppointmentTypeFactory(facility=facility, default_minutes=20)
    make_schedule(facility, chair1, user, window(weekdays=[0], start="09:00", end="11:00", type="open"))
    monday = dt.date(2030, 1, 7)

    def starts():
        return [wall(s, facility) for s in slots(facility, chair1, monday, appointment_type_id=kind.pk)]

    assert starts() == ["09:00", "09:20", "09:40", "10:00", "10:20", "10:40"]
    services.booking_policy_set(
        facility=facility,
        actor=user,
        resource_id=chair1.pk,
        booking_horizon_days=90,
        booking_notice_minutes=0,
        default_slot_minutes=30,
    )
    assert starts() == ["09:00", "09:30", "10:00", "10:30"]
    services.slot_duration_set(facility=facility, actor=user, minutes=40, department_id=chair1.department_id)
    assert starts() == ["09:00", "09:40", "10:20"]
    services.slot_duration_set(facility=facility, actor=user, minutes=60, appointment_type_id=kind.pk)
    assert starts() == ["09:00", "10:00"]
    assert all(s.capacity == 1 and s.type == "open" for s in slots(facility, chair1, monday))


def test_an_open_slot_overlapping_a_booking_has_nothing_remaining(facility, user, chair1, bookings):
    make_schedule(facility, chair1, user, window(weekdays=[0], start="09:00", end="11:00", type="open"))
    monday = dt.date(2030, 1, 7)
    bookings.add(chair1, local(facility, monday, "09:10"), local(facility, monday, "09:40"))
    result = slots(facility, chair1, monday)
    assert [(wall(s, facility), s.remaining) for s in result] == [
        ("09:00", 0),
        ("09:30", 0),
        ("10:00", 1),
        ("10:30", 1),
    ]


def test_stats_count_slots_capacity_and_booked_per_day(facility, user, chair1, bookings):
    make_schedule(facility, chair1, user, window(weekdays=[0], start="09:00", end="10:00", tokens=4))
    monday = dt.date(2030, 1, 7)
    bookings.add(chair1, local(facility, monday, "09:00"), local(facility, monday, "09:30"), units=3)
    days = selectors.availability_stats(
        facility=facility,
        resource_id=chair1.pk,
        start_date=monday,
        end_date=monday + dt.timedelta(days=1),
        now=NEW_YEAR_2030,
    )
    assert [(d.date, d.slots, d.capacity, d.booked, d.bookable_slots) for d in days] == [
        (monday, 2, 8, 3, 2),
        (monday + dt.timedelta(days=1), 0, 0, 0, 0),
    ]
