"""A schedule in force is never rewritten: a change closes it and starts a new version, so the
past configuration stays readable; a schedule not yet in force is edited in place."""

import datetime as dt

from django.utils import timezone

from availability import selectors, services
from availability.models import Schedule
from tests.availability.factories import make_schedule, window


def test_editing_a_window_of_a_schedule_in_force_versions_it(facility, user, chair1):
    old = make_schedule(
        facility, chair1, user, window(start="09:00", end="12:00"), window(weekdays=[5], start="10:00", end="11:00")
    )
    edited = old.availabilities.get(start_time=dt.time(9))
    before = timezone.now()
    new, row = services.availability_update(
        facility=facility,
        actor=user,
        schedule_id=old.pk,
        availability_id=edited.pk,
        window=window(start="08:00", end="12:00"),
    )
    old.refresh_from_db()
    assert new.pk != old.pk and new.previous_id == old.pk
    assert before <= old.valid_till == new.valid_from <= timezone.now()
    assert new.valid_till is None
    # The past configuration is intact; the new one has the edit and the untouched window.
    assert sorted(w.start_time for w in old.availabilities.all()) == [dt.time(9), dt.time(10)]
    assert sorted(w.start_time for w in new.availabilities.all()) == [dt.time(8), dt.time(10)]
    assert row.start_time == dt.time(8) and row.schedule_id == new.pk
    assert old.history.first().history_user == user


def test_adding_and_removing_windows_version_the_schedule(facility, user, chair1):
    first = make_schedule(facility, chair1, user, window(weekdays=[0]))
    second, added = services.availability_add(
        facility=facility, actor=user, schedule_id=first.pk, window=window(weekdays=[1])
    )
    third = services.availability_remove(facility=facility, actor=user, schedule_id=second.pk, availability_id=added.pk)
    assert [s.pk for s in Schedule.objects.order_by("valid_from", "id")] == [first.pk, second.pk, third.pk]
    assert [len(s.availabilities.all()) for s in (first, second, third)] == [1, 2, 1]
    assert selectors.schedule_current(facility=facility, resource_id=chair1.pk) == third


def test_a_schedule_not_yet_in_force_is_edited_in_place(facility, user, chair1):
    future = make_schedule(
        facility, chair1, user, window(weekdays=[0]), valid_from=timezone.now() + dt.timedelta(days=30)
    )
    same, added = services.availability_add(
        facility=facility, actor=user, schedule_id=future.pk, window=window(weekdays=[3])
    )
    assert same.pk == future.pk and Schedule.objects.count() == 1
    assert same.availabilities.count() == 2
    edited, row = services.availability_update(
        facility=facility, actor=user, schedule_id=future.pk, availability_id=added.pk, window=window(weekdays=[4])
    )
    assert edited.pk == future.pk and row.pk == added.pk and row.weekdays == [4]
    assert [h.history_type for h in row.history.order_by("history_id")] == ["+", "~"]


def test_replace_with_a_later_effective_date_closes_the_old_one_there(facility, user, chair1):
    old = make_schedule(facility, chair1, user, window())
    switch = timezone.now() + dt.timedelta(days=14)
    new = services.schedule_replace(
        facility=facility,
        actor=user,
        schedule_id=old.pk,
        availabilities=[window(start="13:00", end="17:00")],
        effective_from=switch,
        booking_horizon_days=30,
    )
    old.refresh_from_db()
    assert old.valid_till == switch == new.valid_from
    assert new.booking_horizon_days == 30 and old.booking_horizon_days is None
    assert [w.start_time for w in new.availabilities.all()] == [dt.time(13)]


def test_a_change_cannot_take_effect_in_the_past(facility, user, chair1):
    old = make_schedule(facility, chair1, user, window())
    try:
        services.schedule_replace(
            facility=facility,
            actor=user,
            schedule_id=old.pk,
            availabilities=[],
            effective_from=timezone.now() - dt.timedelta(days=1),
        )
    except Exception as error:  # noqa: BLE001
        assert "effective_from" in error.fields
    else:
        raise AssertionError("a change in the past was accepted")
    assert Schedule.objects.count() == 1


def test_close_sets_valid_till_and_refuses_extending_or_the_past(facility, user, chair1):
    schedule = make_schedule(facility, chair1, user, window())
    till = timezone.now() + dt.timedelta(days=10)
    closed = services.schedule_close(facility=facility, actor=user, schedule_id=schedule.pk, valid_till=till)
    assert closed.valid_till == till
    for bad in (till + dt.timedelta(days=1), timezone.now() - dt.timedelta(days=1)):
        try:
            services.schedule_close(facility=facility, actor=user, schedule_id=schedule.pk, valid_till=bad)
        except Exception as error:  # noqa: BLE001
            assert "valid_till" in error.fields
        else:
            raise AssertionError(bad)
    schedule.refresh_from_db()
    assert schedule.valid_till == till
