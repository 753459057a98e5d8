"""Changes that would leave future active bookings outside availability are refused with a
clear error that counts them, and leave nothing written. The bookings come from a registered
booking source, never from booking's tables."""

import datetime as dt

import pytest
from django.utils import timezone

from availability import services
from availability.models import Availability, AvailabilityException, Schedule
from scheduling.errors import ApplicationError
from tests.availability.factories import local, make_schedule, next_weekday, window


@pytest.fixture
def booked_monday(facility, user, chair1, bookings):
    """Chair 1 open Mondays 09–12 and Tuesdays 09-10, with two bookings next Monday."""
    schedule = make_schedule(
        facility,
        chair1,
        user,
        window(weekdays=[0], start="09:00", end="12:00"),
        window(weekdays=[1], start="09:00", end="10:00"),
    )
    monday = next_weekday(0)
    bookings.add(chair1, local(facility, monday, "09:00"), local(facility, monday, "09:30"))
    bookings.add(chair1, local(facility, monday, "11:00"), local(facility, monday, "11:30"))
    return schedule, monday


def assert_refused(call, count, **kwargs):
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    error = caught.value
    assert error.code == "would_strand_bookings" and error.status_code == 409
    assert error.extra["stranded_bookings"] == count
    assert f"{count} future booking(s)" in error.message
    return error


def test_removing_a_window_with_bookings_is_refused(facility, user, booked_monday):
    schedule, _ = booked_monday
    monday_window = schedule.availabilities.get(weekdays=[0])
    assert_refused(
        services.availability_remove,
        2,
        facility=facility,
        actor=user,
        schedule_id=schedule.pk,
        availability_id=monday_window.pk,
    )
    assert Schedule.objects.count() == 1 and Availability.objects.count() == 2
    schedule.refresh_from_db()
    assert schedule.valid_till is None


def test_removing_an_unbooked_window_is_fine(facility, user, booked_monday):
    schedule, _ = booked_monday
    tuesday = schedule.availabilities.get(weekdays=[1])
    in_force = services.availability_remove(
        facility=facility, actor=user, schedule_id=schedule.pk, availability_id=tuesday.pk
    )
    assert [list(w.weekdays) for w in in_force.availabilities.all()] == [[0]]
    assert not Availability.objects.filter(schedule=in_force, weekdays=[1]).exists()


def test_shrinking_a_window_is_refused_for_the_bookings_it_drops(facility, user, booked_monday):
    schedule, _ = booked_monday
    monday_window = schedule.availabilities.get(weekdays=[0])
    assert_refused(
        services.availability_update,
        1,
        facility=facility,
        actor=user,
        schedule_id=schedule.pk,
        availability_id=monday_window.pk,
        window=window(weekdays=[0], start="09:00", end="10:00"),
    )
    assert Schedule.objects.count() == 1


def test_closing_the_schedule_before_the_bookings_is_refused(facility, user, booked_monday):
    schedule, _ = booked_monday
    assert_refused(
        services.schedule_close, 2, facility=facility, actor=user, schedule_id=schedule.pk, valid_till=timezone.now()
    )
    schedule.refresh_from_db()
    assert schedule.valid_till is None


def test_closing_between_the_bookings_counts_only_those_after(facility, user, booked_monday):
    schedule, monday = booked_monday
    assert_refused(
        services.schedule_close,
        1,
        facility=facility,
        actor=user,
        schedule_id=schedule.pk,
        valid_till=local(facility, monday, "10:00"),
    )


def test_a_removing_exception_over_bookings_is_refused(facility, user, chair1, booked_monday):
    _, monday = booked_monday
    assert_refused(
        services.exception_create,
        1,
        facility=facility,
        actor=user,
        resource_id=chair1.pk,
        start=local(facility, monday, "10:45"),
        end=local(facility, monday, "13:00"),
        reason="Team meeting",
    )
    assert not AvailabilityException.objects.exists()


def test_removing_extra_time_that_holds_a_booking_is_refused(facility, user, chair1, bookings):
    saturday = next_weekday(5)
    extra = services.exception_create(
        facility=facility,
        actor=user,
        resource_id=chair1.pk,
        start=local(facility, saturday, "09:00"),
        end=local(facility, saturday, "12:00"),
        reason="Compensating Saturday",
        is_available=True,
    )
    bookings.add(chair1, local(facility, saturday, "10:00"), local(facility, saturday, "11:00"))
    assert_refused(services.exception_remove, 1, facility=facility, actor=user, exception_id=extra.pk)
    assert AvailabilityException.objects.filter(pk=extra.pk).exists()


def test_past_bookings_do_not_count(facility, user, chair1, bookings):
    schedule = make_schedule(
        facility, chair1, user, window(weekdays=list(range(7)), start="00:00", end="00:00", slot=60)
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    bookings.add(chair1, local(facility, yesterday, "09:00"), local(facility, yesterday, "10:00"))
    before = timezone.now()
    closed = services.schedule_close(facility=facility, actor=user, schedule_id=schedule.pk, valid_till=before)
    assert closed.valid_till is not None and before <= closed.valid_till <= timezone.now()
    schedule.refresh_from_db()
    assert schedule.valid_till == closed.valid_till
