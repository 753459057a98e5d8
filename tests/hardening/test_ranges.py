"""Dates and ranges a request can ask for are bounded in the services, so the pages and the API
share the rule: from 2000-01-01 to five years ahead, and a bounded number of days per request.
Near year 1 or 9999 nothing overflows, and no request keeps a worker busy."""

import datetime as dt
import time

import pytest

from availability import selectors as availability
from availability.models import AvailabilityException, Schedule
from booking.models import Booking
from scheduling.errors import ApplicationError
from tests.hardening.conftest import api

FAR = ["9999-12-31", "9999-12-25", "0001-01-01", "1999-12-31", "2200-01-01"]


def assert_refused(response, field: str):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert field in response.json()["fields"], response.json()


@pytest.mark.parametrize("day", FAR)
def test_slots_and_stats_refuse_dates_out_of_range(clinic, api_client, day):
    for tail in (f"resources/{clinic.chair.pk}/slots/", f"resources/{clinic.chair.pk}/availability-stats/"):
        assert_refused(api_client.get(api(clinic, tail), {"from": day, "to": day}), "from")


def test_slots_refuse_a_range_ending_out_of_range(clinic, api_client):
    today = dt.date.today().isoformat()
    response = api_client.get(api(clinic, f"resources/{clinic.chair.pk}/slots/"), {"from": today, "to": "9999-12-31"})
    assert_refused(response, "to")


@pytest.mark.parametrize("day", FAR)
def test_the_slot_search_refuses_dates_out_of_range(clinic, api_client, day):
    assert_refused(api_client.get(api(clinic, "slots/"), {"date": day}), "date")


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_availability_selectors_refuse_dates_out_of_range(clinic, day):
    """The rule lives in the selectors, so every page and endpoint over them shares it."""
    far = dt.date.fromisoformat(day)
    with pytest.raises(ApplicationError) as refused:
        availability.slot_list(facility=clinic.facility, resource_ids=[clinic.chair.pk], start_date=far, end_date=far)
    assert refused.value.fields
    with pytest.raises(ApplicationError):
        availability.availability_stats(
            facility=clinic.facility, resource_id=clinic.chair.pk, start_date=far, end_date=far
        )
    with pytest.raises(ApplicationError):
        availability.slot_search(facility=clinic.facility, date=far)


def test_a_slot_query_covers_a_bounded_number_of_days(clinic):
    today = dt.date.today()
    with pytest.raises(ApplicationError) as refused:
        availability.slot_list(
            facility=clinic.facility,
            resource_ids=[clinic.chair.pk],
            start_date=today,
            end_date=today + dt.timedelta(days=availability.MAX_QUERY_DAYS),
        )
    assert refused.value.fields


@pytest.mark.parametrize("day", FAR)
def test_the_day_board_refuses_dates_out_of_range(clinic, browser, day):
    """As with any date the board cannot show, it says why and shows today."""
    response = browser.get(f"/f/{clinic.facility.slug}/bookings/", {"date": day})
    assert response.status_code == 200
    assert "This date is outside" in response.content.decode()
    assert "Showing today." in response.content.decode()


@pytest.mark.parametrize("day", ["9999-12-27", "9999-12-20", "0001-01-01", "1999-12-27"])
def test_the_preview_refuses_dates_out_of_range(clinic, browser, day):
    url = f"/f/{clinic.facility.slug}/availability/resources/{clinic.chair.pk}/preview/"
    response = browser.get(url, {"from": day}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    # The resource page that carries the preview shows this week's instead.
    assert (
        browser.get(f"/f/{clinic.facility.slug}/availability/resources/{clinic.chair.pk}/", {"from": day}).status_code
        == 200
    )


@pytest.mark.parametrize("day", FAR)
def test_the_booking_form_refuses_dates_out_of_range(clinic, browser, day):
    base = f"/f/{clinic.facility.slug}/bookings/"
    assert browser.get(base + "new/", {"date": day, "resource": clinic.chair.pk}).status_code == 200
    picker = browser.get(base + "slots/", {"date": day, "resource": clinic.chair.pk})
    assert picker.status_code in (200, 400)
    assert 'name="slot"' not in picker.content.decode()
    slot = f"{day}T10:00:00+00:00/{day}T10:30:00+00:00"
    posted = browser.post(
        base + "new/",
        {
            "patient": clinic.patients[0].pk,
            "appointment_type": clinic.visit.pk,
            "resource": clinic.chair.pk,
            "date": day,
            "slot": slot,
        },
    )
    assert posted.status_code == 400
    assert "This date is outside" in posted.content.decode()
    assert not Booking.objects.exists()


def test_a_booking_years_ahead_is_refused(clinic, api_client):
    body = {**clinic.body("10:00"), "start": "2200-01-01T10:00:00+00:00"}
    response = api_client.post(clinic.url(), body, format="json")
    assert_refused(response, "start")
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("is_available", [True, False])
def test_an_exception_to_year_9999_is_refused_at_once(clinic, api_client, is_available):
    body = {
        "resource": clinic.theatre.pk,
        "start": clinic.at("21:00").isoformat(),
        "end": "9999-12-31T23:00:00+00:00",
        "reason": "Extra list",
        "is_available": is_available,
    }
    began = time.monotonic()
    response = api_client.post(api(clinic, "exceptions/"), body, format="json")
    assert time.monotonic() - began < 2
    assert_refused(response, "end")
    assert not AvailabilityException.objects.exists()


def test_an_exception_spans_a_bounded_number_of_days(clinic, api_client):
    body = {
        "resource": clinic.theatre.pk,
        "start": clinic.at("21:00").isoformat(),
        "end": clinic.at("21:00", days_ahead=800).isoformat(),
        "reason": "Sabbatical",
    }
    assert_refused(api_client.post(api(clinic, "exceptions/"), body, format="json"), "end")


@pytest.mark.parametrize(
    ("field", "value"),
    [("end", "9999-12-31T00:00:00+00:00"), ("start", "1999-01-01T00:00:00+00:00")],
)
def test_a_schedule_is_valid_within_the_scheduling_span(clinic, api_client, field, value):
    body = {"resource": clinic.theatre.pk, "start": clinic.at("00:00", days_ahead=400).isoformat(), field: value}
    before = Schedule.objects.count()
    assert_refused(api_client.post(api(clinic, "schedules/"), body, format="json"), field)
    assert Schedule.objects.count() == before


def test_closing_a_schedule_in_year_9999_is_refused(clinic, api_client):
    url = api(clinic, f"schedules/{clinic.theatre_schedule.pk}/close/")
    assert_refused(api_client.post(url, {"end": "9999-12-31T00:00:00+00:00"}, format="json"), "end")
    clinic.theatre_schedule.refresh_from_db()
    assert clinic.theatre_schedule.valid_till is None


@pytest.mark.parametrize(
    ("page", "form"),
    [
        ("schedules/", {"valid_from": "9999-12-31"}),
        ("schedules/", {"valid_from": "0001-01-01"}),
        ("schedules/", {"valid_from": dt.date.today().isoformat(), "last_day": "9999-12-31"}),
        ("exceptions/", {"is_available": "1", "start": "0001-01-01T00:00", "end": "0001-01-01T04:00"}),
        ("exceptions/", {"is_available": "0", "start": "9999-12-31T20:00", "end": "9999-12-31T23:59"}),
        ("exceptions/", {"is_available": "1", "start": "2030-01-01T20:00", "end": "9999-12-31T23:59"}),
    ],
)
def test_the_availability_forms_refuse_dates_out_of_range(clinic, browser, page, form):
    """In a zone east of UTC (whose year 1 begins in UTC's year 0) as well as at year 9999."""
    clinic.facility.time_zone = "Asia/Kolkata"
    clinic.facility.save()
    schedules, exceptions = Schedule.objects.count(), AvailabilityException.objects.count()
    url = f"/f/{clinic.facility.slug}/availability/resources/{clinic.theatre.pk}/{page}"
    response = browser.post(url, {"reason": "Extra list", "type": "open", **form})
    assert response.status_code == 400
    assert (Schedule.objects.count(), AvailabilityException.objects.count()) == (schedules, exceptions)


def test_closing_a_schedule_on_the_page_in_year_9999_is_refused(clinic, browser):
    url = (
        f"/f/{clinic.facility.slug}/availability/resources/{clinic.theatre.pk}/"
        f"schedules/{clinic.theatre_schedule.pk}/close/"
    )
    assert browser.post(url, {"last_day": "9999-12-31"}).status_code == 400
    clinic.theatre_schedule.refresh_from_db()
    assert clinic.theatre_schedule.valid_till is None
