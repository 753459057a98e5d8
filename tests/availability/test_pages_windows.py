"""Availability pages a clinician understands (issue 12): a window covering several weekdays says
so, and can be edited or removed on one day or all (removal confirmed first); an "all day"
exception; time off over bookings lists them to move or cancel before the leave is added; one
<h1> per page."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from availability import services
from availability.models import AvailabilityException, Schedule
from booking.models import Booking, PatientMessage, Status
from scheduling.errors import ApplicationError
from tests.availability.factories import local, make_schedule, next_weekday, window
from tests.booking.conftest import build_clinic
from tests.booking.test_seams import book


def page(facility, name, **kwargs):
    return reverse(f"availability:{name}", kwargs={"facility_slug": facility.slug, **kwargs})


def h1_count(response) -> int:
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


@pytest.fixture
def mon_wed_fri(client, facility, clinician, doctor, user):
    schedule = make_schedule(facility, doctor, user, window(weekdays=[0, 2, 4], start="09:00", end="12:00"))
    client.force_login(clinician)
    return schedule


def window_url(facility, doctor, schedule, name, day=None):
    row = schedule.availabilities.get()
    url = page(facility, name, resource_id=doctor.pk, schedule_id=schedule.pk, window_id=row.pk)
    return f"{url}?day={day}" if day is not None else url


def current_windows():
    schedule = Schedule.objects.get(valid_till__isnull=True)
    return sorted((w.weekdays, w.start_time, w.end_time) for w in schedule.availabilities.all())


@pytest.mark.django_db
def test_the_grid_says_which_days_a_window_covers_and_links_each_day(client, facility, doctor, mon_wed_fri):
    response = client.get(page(facility, "resource", resource_id=doctor.pk))
    body = response.content.decode()
    assert response.status_code == 200 and h1_count(response) == 1
    assert body.count("This window covers Mon, Wed, Fri") == 3
    assert window_url(facility, doctor, mon_wed_fri, "window_remove", day=2) in body
    assert window_url(facility, doctor, mon_wed_fri, "window_edit", day=4) in body


@pytest.mark.django_db
def test_removing_only_wednesday_asks_first_and_keeps_monday_and_friday(client, facility, doctor, mon_wed_fri):
    confirm = client.get(window_url(facility, doctor, mon_wed_fri, "window_remove", day=2))
    body = confirm.content.decode()
    assert confirm.status_code == 200 and h1_count(confirm) == 1
    assert "this window covers Mon, Wed, Fri" in body and "Remove Wednesday only" in body
    assert re.search(r'value="2"[^>]*checked', body)  # the day clicked on is chosen
    assert Schedule.objects.count() == 1  # asking removed nothing
    response = client.post(window_url(facility, doctor, mon_wed_fri, "window_remove"), {"scope": "2"})
    assert response.status_code == 302
    assert current_windows() == [([0, 4], dt.time(9), dt.time(12))]
    old = Schedule.objects.get(pk=mon_wed_fri.pk)
    assert old.valid_till is not None and old.availabilities.get().weekdays == [0, 2, 4]  # the past is kept


@pytest.mark.django_db
def test_removing_all_days_removes_the_window(client, facility, doctor, mon_wed_fri):
    response = client.post(window_url(facility, doctor, mon_wed_fri, "window_remove"), {"scope": "all"})
    assert response.status_code == 302 and current_windows() == []


@pytest.mark.django_db
def test_editing_only_wednesday_splits_it_into_its_own_window(client, facility, doctor, mon_wed_fri):
    form = client.get(window_url(facility, doctor, mon_wed_fri, "window_edit", day=2))
    assert form.status_code == 200 and h1_count(form) == 1
    assert "this window covers Mon, Wed, Fri" in form.content.decode()
    response = client.post(
        window_url(facility, doctor, mon_wed_fri, "window_edit"),
        {"scope": "2", "start_time": "13:00", "end_time": "15:00", "type": "open"},
    )
    assert response.status_code == 302
    assert current_windows() == [([0, 4], dt.time(9), dt.time(12)), ([2], dt.time(13), dt.time(15))]


@pytest.mark.django_db
def test_editing_all_days_keeps_one_window(client, facility, doctor, mon_wed_fri):
    response = client.post(
        window_url(facility, doctor, mon_wed_fri, "window_edit"),
        {"scope": "all", "weekdays": ["0", "2", "4"], "start_time": "08:00", "end_time": "12:00", "type": "open"},
    )
    assert response.status_code == 302 and current_windows() == [([0, 2, 4], dt.time(8), dt.time(12))]


@pytest.mark.django_db
def test_a_day_the_window_does_not_cover_is_refused_by_the_service(facility, doctor, user):
    schedule = make_schedule(facility, doctor, user, window(weekdays=[0, 2], start="09:00", end="12:00"))
    with pytest.raises(ApplicationError) as refused:
        services.availability_remove_days(
            facility=facility,
            actor=user,
            schedule_id=schedule.pk,
            availability_id=schedule.availabilities.get().pk,
            weekdays=[3],
        )
    assert "weekdays" in refused.value.fields


@pytest.mark.django_db
def test_a_schedule_not_yet_in_force_is_split_in_place(facility, doctor, user):
    starts = dt.datetime.combine(next_weekday(0, weeks_ahead=2), dt.time(0), tzinfo=dt.UTC)
    schedule = make_schedule(facility, doctor, user, window(weekdays=[0, 2]), valid_from=starts)
    target = schedule.availabilities.get()
    updated, split = services.availability_update_days(
        facility=facility,
        actor=user,
        schedule_id=schedule.pk,
        availability_id=target.pk,
        weekdays=[2],
        window=window(weekdays=[], start="14:00", end="16:00", type="open"),
    )
    assert updated.pk == schedule.pk and Schedule.objects.count() == 1
    assert split.weekdays == [2] and split.start_time == dt.time(14)
    assert sorted(w.weekdays for w in updated.availabilities.all()) == [[0], [2]]


@pytest.mark.django_db
def test_an_all_day_exception_covers_whole_local_days(client, facility, doctor, mon_wed_fri):
    first = next_weekday(0)
    response = client.post(
        page(facility, "exception_add", resource_id=doctor.pk),
        {
            "is_available": "0",
            "all_day": "on",
            "first_day": first.isoformat(),
            "last_day": (first + dt.timedelta(days=2)).isoformat(),
            "reason": "Conference",
            "type": "open",
        },
    )
    assert response.status_code == 302
    exception = AvailabilityException.objects.get()
    assert exception.start == local(facility, first, "00:00")
    assert exception.end == local(facility, first + dt.timedelta(days=3), "00:00")


@pytest.mark.django_db
def test_an_exception_without_times_nor_all_day_names_the_fields(client, facility, doctor, mon_wed_fri):
    response = client.post(
        page(facility, "exception_add", resource_id=doctor.pk), {"is_available": "0", "reason": "x", "type": "open"}
    )
    assert response.status_code == 400 and "tick “All day”" in response.content.decode()
    assert not AvailabilityException.objects.exists()


# --- leave over bookings -------------------------------------------------------------------


def hidden_leave(listing) -> dict:
    """The leave the listing page carries to the next step (start, end, reason)."""
    return dict(re.findall(r'<input type="hidden" name="(start|end|reason)" value="([^"]*)"', listing.content.decode()))


@pytest.fixture
def clinic(facility, user):
    return build_clinic(facility, user)


@pytest.fixture
def desk_day(client, clinic):
    """Two bookings of the chair two days ahead; the clinic's administrator signed in."""
    first = book(clinic, clinic.at("10:00"), clinic.at("10:30"), patient=clinic.patients[0])
    second = book(clinic, clinic.at("14:00"), clinic.at("14:30"), patient=clinic.patients[1])
    client.force_login(clinic.admin)
    return first, second


def leave_body(clinic, **extra):
    day = clinic.at("10:00").date()
    return {
        "is_available": "0",
        "all_day": "on",
        "first_day": day.isoformat(),
        "reason": "Chair repair",
        "type": "open",
        **extra,
    }


@pytest.mark.django_db
def test_time_off_over_bookings_lists_them_instead_of_refusing(client, clinic, desk_day):
    first, second = desk_day
    response = client.post(page(clinic.facility, "exception_add", resource_id=clinic.chair.pk), leave_body(clinic))
    body = response.content.decode()
    assert response.status_code == 200 and h1_count(response) == 1
    assert "holds 2 bookings" in body
    for booking in desk_day:
        url = reverse("booking:detail", kwargs={"facility_slug": clinic.facility.slug, "booking_id": booking.pk})
        assert f'href="{url}"' in body and booking.patient.name in body
    assert "Move to the next free slot after the leave" in body and "Cancel" in body
    assert not AvailabilityException.objects.exists()  # nothing applied yet


@pytest.mark.django_db
def test_moving_one_and_cancelling_the_other_applies_the_leave(
    client, clinic, desk_day, django_capture_on_commit_callbacks
):
    first, second = desk_day
    listing = client.post(page(clinic.facility, "exception_add", resource_id=clinic.chair.pk), leave_body(clinic))
    hidden = dict(
        re.findall(r'<input type="hidden" name="(start|end|reason)" value="([^"]*)"', listing.content.decode())
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page(clinic.facility, "leave_apply", resource_id=clinic.chair.pk),
            {
                **hidden,
                "booking": [first.pk, second.pk],
                f"action-{first.pk}": "move",
                f"action-{second.pk}": "cancel",
                f"reason-{second.pk}": "Chair out of order",
            },
        )
    assert response.status_code == 302
    exception = AvailabilityException.objects.get()
    assert (exception.start, exception.end) == (clinic.at("00:00"), clinic.at("00:00", days_ahead=3))
    assert Booking.objects.get(pk=first.pk).status == Status.RESCHEDULED
    assert Booking.objects.get(replaces=first).start == clinic.at("08:00", days_ahead=3)
    assert Booking.objects.get(pk=second.pk).status == Status.CANCELLED
    assert PatientMessage.objects.filter(sent_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_a_booking_made_while_deciding_is_listed_and_the_leave_waits(client, clinic, desk_day):
    first, second = desk_day
    listing = client.post(page(clinic.facility, "exception_add", resource_id=clinic.chair.pk), leave_body(clinic))
    hidden = dict(
        re.findall(r'<input type="hidden" name="(start|end|reason)" value="([^"]*)"', listing.content.decode())
    )
    arrived = book(clinic, clinic.at("16:00"), clinic.at("16:30"), patient=clinic.patients[2])
    response = client.post(
        page(clinic.facility, "leave_apply", resource_id=clinic.chair.pk),
        {**hidden, "booking": [first.pk, second.pk], "all": "cancel", "all_reason": "Chair repair"},
    )
    body = response.content.decode()
    assert response.status_code == 409 and "holds 1 booking" in body and arrived.patient.name in body
    assert not AvailabilityException.objects.exists()
    assert Booking.objects.get(pk=arrived.pk).status == Status.SCHEDULED


@pytest.mark.django_db
def test_someone_who_reads_only_gets_no_list_of_patients(client, clinic, desk_day, make_member):
    from scheduling.models import Role

    reader = make_member(clinic.facility, Role.SCHEDULER, username="desk-reader")
    client.force_login(reader)
    response = client.post(page(clinic.facility, "exception_add", resource_id=clinic.chair.pk), leave_body(clinic))
    assert response.status_code == 403 and clinic.patients[0].name not in response.content.decode()


@pytest.mark.django_db
def test_the_home_page_has_one_h1(client, facility, clinician, doctor):
    client.force_login(clinician)
    response = client.get(page(facility, "home"))
    assert response.status_code == 200 and h1_count(response) == 1
