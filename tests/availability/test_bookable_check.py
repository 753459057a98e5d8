"""``bookable_interval_check``: what booking calls before it books. Each refusal names its reason."""

import datetime as dt

import pytest

from availability import selectors, services
from scheduling.errors import ApplicationError
from tests.availability.factories import local, make_schedule, window
from tests.factories import AppointmentTypeFactory

MONDAY = dt.date(2030, 1, 7)
NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def follow_up(facility):
    return AppointmentTypeFactory(facility=facility, code="fu", name="Follow-up")


@pytest.fixture
def configured(facility, user, chair1, follow_up):
    """Mondays: tokens 09–11 (30 min × 2, at most 3 patients a day), open 13–17 for follow-ups."""
    make_schedule(
        facility,
        chair1,
        user,
        window(weekdays=[0], start="09:00", end="11:00", tokens=2, limit=3),
        window(weekdays=[0], start="13:00", end="17:00", type="open", types=[follow_up]),
        booking_notice_minutes=120,
        booking_horizon_days=30,
    )
    return chair1


def check(facility, resource, start, end, appointment_type=None, now=NOW):
    return selectors.bookable_interval_check(
        facility=facility,
        resource_id=resource.pk,
        appointment_type_id=appointment_type.pk if appointment_type else None,
        start=local(facility, MONDAY, start) if isinstance(start, str) else start,
        end=local(facility, MONDAY, end) if isinstance(end, str) else end,
        now=now,
    )


def reason(*args, **kwargs) -> str:
    with pytest.raises(ApplicationError) as caught:
        check(*args, **kwargs)
    assert caught.value.code == "not_bookable" and caught.value.status_code == 409
    assert caught.value.message
    return caught.value.extra["reason"]


def test_one_token_slot_is_bookable(facility, configured):
    window_ = check(facility, configured, "09:30", "10:00")
    assert window_.type == "tokens" and window_.tokens_per_slot == 2 and window_.daily_patient_limit == 3
    assert window_.slot_start == local(facility, MONDAY, "09:30")
    assert window_.availability_id is not None and window_.schedule_id is not None


def test_an_open_window_takes_any_length_that_fits(facility, configured, follow_up):
    window_ = check(facility, configured, "13:10", "15:35", follow_up)
    assert window_.type == "open" and window_.window_end == local(facility, MONDAY, "17:00")


def test_refusals(facility, configured, follow_up, user, chair1, bookings):
    assert reason(facility, configured, "09:15", "09:45") == "not_slot_aligned"
    assert reason(facility, configured, "09:00", "10:00") == "not_slot_aligned"
    assert reason(facility, configured, "11:00", "11:30") == "outside_availability"
    assert reason(facility, configured, "16:30", "17:30", follow_up) == "outside_availability"
    assert reason(facility, configured, "13:00", "13:30") == "appointment_type_not_accepted"
    assert reason(facility, configured, "09:00", "09:30", now=local(facility, MONDAY, "09:10")) == "in_past"
    assert reason(facility, configured, "10:00", "10:30", now=local(facility, MONDAY, "08:30")) == "inside_notice"
    assert reason(facility, configured, "09:00", "09:30", now=NOW - dt.timedelta(days=30)) == "beyond_horizon"
    services.exception_create(
        facility=facility,
        actor=user,
        resource_id=chair1.pk,
        start=local(facility, MONDAY, "14:00"),
        end=local(facility, MONDAY, "14:30"),
        reason="Teaching",
    )
    assert reason(facility, configured, "13:30", "14:15", follow_up) == "outside_availability"


def test_the_daily_limit_counts_existing_bookings_only(facility, configured, bookings):
    bookings.add(configured, local(facility, MONDAY, "09:00"), local(facility, MONDAY, "09:30"), units=2)
    assert check(facility, configured, "10:00", "10:30").booked_in_window == 2  # the third patient is fine
    bookings.add(configured, local(facility, MONDAY, "10:00"), local(facility, MONDAY, "10:30"))
    assert reason(facility, configured, "10:30", "11:00") == "daily_limit_reached"


def test_bad_arguments_are_400_naming_the_field(facility, configured, other_facility):
    foreign = AppointmentTypeFactory(facility=other_facility)
    with pytest.raises(ApplicationError) as caught:
        check(facility, configured, "09:00", "09:30", foreign)
    assert caught.value.status_code == 400 and "appointment_type" in caught.value.fields
    with pytest.raises(ApplicationError) as caught:
        check(facility, configured, "09:30", "09:00")
    assert caught.value.status_code == 400 and "end" in caught.value.fields


def test_another_facilitys_resource_is_not_found(facility, other_facility, user):
    from tests.availability.factories import chair

    foreign = chair(other_facility)
    with pytest.raises(ApplicationError) as caught:
        check(facility, foreign, "09:00", "09:30")
    assert caught.value.code == "not_found"
