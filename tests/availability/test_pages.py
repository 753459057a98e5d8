"""The availability pages: a clinician's weekly grid, adding, editing and removing windows and
exceptions, the four-week preview; staff with rights reach any resource, others read."""

import datetime as dt

import pytest
from django.urls import reverse

from availability.models import AvailabilityException, Schedule
from scheduling.models import Role
from tests.availability.factories import local, make_schedule, next_weekday, window


def page(facility, name, **kwargs):
    return reverse(f"availability:{name}", kwargs={"facility_slug": facility.slug, **kwargs})


@pytest.fixture
def doctor_page(client, facility, clinician, doctor, user):
    schedule = make_schedule(facility, doctor, user, window(weekdays=[0, 2], start="09:00", end="12:00"))
    client.force_login(clinician)
    return schedule


def test_the_nav_links_to_the_availability_home(client, facility, clinician, doctor):
    client.force_login(clinician)
    response = client.get(page(facility, "home"))
    assert response.status_code == 200
    assert page(facility, "home").encode() in response.content
    assert b"Dr Roopak" in response.content and b"you manage" in response.content


def test_the_clinician_sees_their_weekly_grid_with_forms(client, facility, doctor, doctor_page):
    response = client.get(page(facility, "resource", resource_id=doctor.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("09:00–12:00") == 2  # Monday and Wednesday columns
    assert "your own availability" in body and "Add a window" in body and "Add an exception" in body


def test_adding_a_window_through_the_page_versions_the_schedule(client, facility, doctor, doctor_page):
    url = page(facility, "window_add", resource_id=doctor.pk, schedule_id=doctor_page.pk)
    form = {
        "weekdays": ["4"],
        "start_time": "14:00",
        "end_time": "16:00",
        "type": "tokens",
        "slot_size_minutes": "20",
        "tokens_per_slot": "3",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    current = Schedule.objects.get(valid_till__isnull=True)
    assert current.previous_id == doctor_page.pk and current.availabilities.count() == 2
    overlapping = client.post(
        page(facility, "window_add", resource_id=doctor.pk, schedule_id=current.pk),
        {**form, "start_time": "15:00", "end_time": "17:00"},
    )
    assert overlapping.status_code == 400
    assert "Overlaps another window on Friday" in overlapping.content.decode()
    ragged = client.post(
        page(facility, "window_add", resource_id=doctor.pk, schedule_id=current.pk),
        {**form, "weekdays": ["5"], "end_time": "14:50"},
    )
    assert ragged.status_code == 400 and "not a multiple of 20" in ragged.content.decode()


def test_editing_and_removing_a_window(client, facility, doctor, doctor_page):
    window_ = doctor_page.availabilities.get()
    edit = page(facility, "window_edit", resource_id=doctor.pk, schedule_id=doctor_page.pk, window_id=window_.pk)
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"weekdays": ["0"], "start_time": "08:00", "end_time": "12:00", "type": "open"})
    assert response.status_code == 302
    current = Schedule.objects.get(valid_till__isnull=True)
    changed = current.availabilities.get()
    assert changed.start_time == dt.time(8) and changed.type == "open"
    remove = page(facility, "window_remove", resource_id=doctor.pk, schedule_id=current.pk, window_id=changed.pk)
    assert client.post(remove).status_code == 302
    assert not Schedule.objects.get(valid_till__isnull=True).availabilities.exists()


def test_adding_and_removing_an_exception(client, facility, doctor, doctor_page):
    monday = next_weekday(0)
    response = client.post(
        page(facility, "exception_add", resource_id=doctor.pk),
        {
            "is_available": "0",
            "start": f"{monday}T09:00",
            "end": f"{monday}T10:00",
            "reason": "Dentist",
            "type": "open",
        },
    )
    assert response.status_code == 302
    exception = AvailabilityException.objects.get()
    assert exception.start == local(facility, monday, "09:00")  # entered in the facility's zone
    assert (
        client.post(page(facility, "exception_remove", resource_id=doctor.pk, exception_id=exception.pk)).status_code
        == 302
    )
    assert not AvailabilityException.objects.exists()


def test_a_refused_exception_says_why(client, facility, doctor, doctor_page, bookings):
    monday = next_weekday(0)
    bookings.add(doctor, local(facility, monday, "09:00"), local(facility, monday, "09:30"))
    response = client.post(
        page(facility, "exception_add", resource_id=doctor.pk),
        {"is_available": "0", "start": f"{monday}T08:00", "end": f"{monday}T13:00", "reason": "Leave", "type": "open"},
    )
    assert response.status_code == 409
    assert "1 future booking(s)" in response.content.decode()
    assert not AvailabilityException.objects.exists()


def test_the_preview_shows_four_weeks_of_bookable_times(client, facility, doctor, doctor_page):
    monday = next_weekday(0)
    response = client.get(
        page(facility, "preview", resource_id=doctor.pk), {"from": monday.isoformat()}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<tr>") == 4 + 1  # header + four weeks
    assert f'data-date="{monday.isoformat()}"' in body
    assert "6 of 6 bookable" in body and ">09:00<" in body


def test_the_preview_is_part_of_the_page_and_its_arrows_work_without_script(client, facility, doctor, doctor_page):
    monday = next_weekday(0)
    resource_page = page(facility, "resource", resource_id=doctor.pk)
    body = client.get(resource_page, {"from": monday.isoformat()}).content.decode()
    assert f'data-date="{monday.isoformat()}"' in body and "6 of 6 bookable" in body
    assert f'href="{resource_page}?from=' in body  # the arrows open the page, not a bare fragment
    # The fragment's address opened in a tab of its own leads to the page showing those weeks.
    response = client.get(page(facility, "preview", resource_id=doctor.pk), {"from": monday.isoformat()})
    assert response.status_code == 302
    assert response["Location"] == f"{resource_page}?from={monday.isoformat()}#preview"
    # A date outside the calendar shows this week rather than failing the page.
    assert client.get(resource_page, {"from": "1800-01-01"}).status_code == 200


def test_a_scheduler_reads_but_cannot_change(client, facility, make_member, doctor, doctor_page):
    client.force_login(make_member(facility, Role.SCHEDULER))
    response = client.get(page(facility, "resource", resource_id=doctor.pk))
    assert response.status_code == 200 and "read only" in response.content.decode()
    assert "Add a window" not in response.content.decode()
    url = page(facility, "window_add", resource_id=doctor.pk, schedule_id=doctor_page.pk)
    form = {"weekdays": ["4"], "start_time": "14:00", "end_time": "16:00", "type": "open"}
    assert client.post(url, form).status_code == 403
    assert Schedule.objects.count() == 1


def test_a_manager_reaches_any_resource_and_creates_a_schedule(client, facility, make_member, chair1):
    client.force_login(make_member(facility, Role.MANAGER))
    response = client.post(
        page(facility, "schedule_create", resource_id=chair1.pk), {"valid_from": "2030-01-01", "name": "Winter"}
    )
    assert response.status_code == 302
    schedule = Schedule.objects.get(resource_id=chair1.pk)
    assert schedule.valid_from == local(facility, dt.date(2030, 1, 1), "00:00")


def test_another_facilitys_resource_is_404(client, facility, other_facility, clinician):
    from tests.availability.factories import chair

    client.force_login(clinician)
    assert client.get(page(facility, "resource", resource_id=chair(other_facility).pk)).status_code == 404
    assert client.get(page(other_facility, "home")).status_code == 404


def test_delegating_from_the_page(client, facility, doctor, doctor_page, make_member):
    make_member(facility, Role.SCHEDULER, username="front-desk")
    response = client.post(page(facility, "delegation_grant", resource_id=doctor.pk), {"delegate": "front-desk"})
    assert response.status_code == 302
    body = client.get(page(facility, "resource", resource_id=doctor.pk)).content.decode()
    assert "front-desk" in body and "revoke" in body
    # Revoking asks first, naming whom it concerns.
    assert "<summary>revoke</summary>" in body and "Yes, front-desk no longer manages it" in body
