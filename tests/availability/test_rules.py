"""The rules a configuration must meet, each refused with a 400 naming the field, nothing written."""

import datetime as dt

import pytest
from django.test import override_settings

from availability import selectors
from availability.models import Availability, Schedule
from scheduling.errors import ApplicationError
from tests.availability.factories import make_schedule, window


def refused(call, *args, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_windows_overlapping_on_a_shared_weekday_are_refused(facility, user, chair1):
    error = refused(
        make_schedule,
        facility,
        chair1,
        user,
        window(weekdays=[0, 2], start="09:00", end="12:00"),
        window(weekdays=[2, 4], start="11:00", end="13:00"),
    )
    assert error.code == "invalid"
    assert "availabilities[1].start_time" in error.fields
    assert "Wednesday" in error.fields["availabilities[1].start_time"][0]
    assert not Schedule.objects.exists() and not Availability.objects.exists()


def test_touching_windows_and_same_hours_on_other_days_are_fine(facility, user, chair1):
    schedule = make_schedule(
        facility,
        chair1,
        user,
        window(weekdays=[0], start="09:00", end="12:00"),
        window(weekdays=[0], start="12:00", end="13:00", type="open"),
        window(weekdays=[1], start="09:00", end="12:00"),
    )
    assert schedule.availabilities.count() == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": "12:00", "end": "09:00"}, "end_time"),
        ({"start": "09:00", "end": "09:00"}, "end_time"),
        ({"start": "09:00", "end": "10:45", "slot": 30}, "slot_size_minutes"),
        ({"slot": None}, "slot_size_minutes"),
        ({"tokens": None}, "tokens_per_slot"),
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [7]}, "weekdays"),
        ({"weekdays": [1, 1]}, "weekdays"),
    ],
)
def test_malformed_windows_are_refused_naming_the_field(facility, user, chair1, kwargs, field):
    error = refused(make_schedule, facility, chair1, user, window(**kwargs))
    assert f"availabilities[0].{field}" in error.fields, error.fields
    assert not Schedule.objects.exists()


def test_a_window_until_midnight_is_allowed(facility, user, chair1):
    schedule = make_schedule(facility, chair1, user, window(start="20:00", end="00:00", slot=60))
    assert schedule.availabilities.get().end_time == dt.time(0, 0)


@override_settings(AVAILABILITY_MAX_SLOTS_PER_WINDOW=4)
def test_slots_per_window_are_capped(facility, user, chair1):
    make_schedule(facility, chair1, user, window(start="09:00", end="11:00", slot=30))  # 4 slots: fine
    error = refused(
        make_schedule,
        facility,
        chair1,
        user,
        window(start="09:00", end="11:30", slot=30),
        valid_from=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )
    assert "at most 4 slots" in error.fields["availabilities[0].slot_size_minutes"][0]


def test_valid_till_before_valid_from_is_refused(facility, user, chair1):
    error = refused(
        make_schedule,
        facility,
        chair1,
        user,
        valid_from=dt.datetime(2030, 5, 1, tzinfo=dt.UTC),
        valid_till=dt.datetime(2030, 4, 30, tzinfo=dt.UTC),
    )
    assert "valid_till" in error.fields
    assert not Schedule.objects.exists()


def test_two_schedules_of_a_resource_cannot_be_in_force_at_once(facility, user, chair1):
    make_schedule(facility, chair1, user, valid_from=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    error = refused(make_schedule, facility, chair1, user, valid_from=dt.datetime(2031, 1, 1, tzinfo=dt.UTC))
    assert error.code == "schedule_overlap" and error.status_code == 409
    assert Schedule.objects.count() == 1


def test_open_windows_take_no_slot_size(facility, user, chair1):
    bad = window(type="open")
    bad.slot_size_minutes = 15
    error = refused(make_schedule, facility, chair1, user, bad)
    assert "availabilities[0].type" in error.fields


def test_another_facilitys_appointment_type_is_refused(facility, other_facility, user, chair1):
    from tests.factories import AppointmentTypeFactory

    foreign = AppointmentTypeFactory(facility=other_facility)
    error = refused(make_schedule, facility, chair1, user, window(types=[foreign]))
    assert "availabilities[0].appointment_types" in error.fields


def test_every_write_leaves_history_with_the_actor(facility, user, chair1):
    schedule = make_schedule(facility, chair1, user, window())
    assert schedule.history.get().history_user == user
    assert schedule.availabilities.get().history.get().history_user == user
    assert selectors.schedule_get(facility=facility, schedule_id=schedule.pk) == schedule
