"""What a client types is read strictly, the same way on every endpoint: impossible dates and
times, offsets out of range, naive times, odd digits and odd bodies are refused with 400 naming
the field (or 404 for a path id), never a server error, and nothing is written."""

import json

import pytest
from django.test import override_settings

from availability.models import AvailabilityException, Schedule
from booking.models import Booking
from tests.hardening.conftest import api, future_day

BAD_INSTANTS = {
    "no 30 February": "2026-02-30T10:00:00+00:00",
    "hour 24": "{day}T24:00:00+00:00",
    "minute 60": "{day}T14:60:00+00:00",
    "offset hours 25": "{day}T10:00:00+25:00",
    "offset minutes 60": "{day}T10:00:00+00:60",
    "offset beyond PostgreSQL": "{day}T10:00:00+15:30",
    "superscript digit": "{day}T1²:00:00+00:00",
    "year 0": "0000-01-01T10:00:00+00:00",
    "year 1 east of UTC": "0001-01-01T00:00:00+01:00",
    "naive": "{day}T10:00:00",
}


def bad(value: str) -> str:
    return value.format(day=future_day().isoformat())


def assert_refused(response, field: str, status: int = 400):
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert field in body["fields"], body


@pytest.mark.parametrize("value", BAD_INSTANTS.values(), ids=BAD_INSTANTS.keys())
def test_a_booking_with_an_impossible_start_is_refused(clinic, api_client, value):
    response = api_client.post(clinic.url(), {**clinic.body("10:00"), "start": bad(value)}, format="json")
    assert_refused(response, "start")
    assert not Booking.objects.exists()


@pytest.mark.parametrize("value", BAD_INSTANTS.values(), ids=BAD_INSTANTS.keys())
def test_a_reschedule_to_an_impossible_time_is_refused(clinic, api_client, booking, value):
    response = api_client.post(clinic.url(f"bookings/{booking.pk}/reschedule/"), {"start": bad(value)}, format="json")
    assert_refused(response, "start")
    assert Booking.objects.count() == 1


def test_an_offset_is_read_exactly(clinic, api_client):
    body = {**clinic.body("10:00"), "start": clinic.at("10:00").isoformat()}
    response = api_client.post(clinic.url(), body, format="json")
    assert response.status_code == 201, response.json()
    assert Booking.objects.get().start == clinic.at("10:00")


@pytest.mark.parametrize("value", BAD_INSTANTS.values(), ids=BAD_INSTANTS.keys())
def test_a_schedule_with_an_impossible_start_is_refused(clinic, api_client, value):
    body = {"resource": clinic.theatre.pk, "start": bad(value)}
    before = Schedule.objects.count()
    assert_refused(api_client.post(api(clinic, "schedules/"), body, format="json"), "start")
    assert Schedule.objects.count() == before


@pytest.mark.parametrize("value", BAD_INSTANTS.values(), ids=BAD_INSTANTS.keys())
def test_an_exception_with_an_impossible_end_is_refused(clinic, api_client, value):
    body = {"resource": clinic.chair.pk, "start": clinic.at("10:00").isoformat(), "end": bad(value), "reason": "Leave"}
    assert_refused(api_client.post(api(clinic, "exceptions/"), body, format="json"), "end")
    assert not AvailabilityException.objects.exists()


INSTANT_FILTERS = [("schedules/", "in_force_at")]
DATE_FILTERS = [
    ("bookings/", "from"),
    ("bookings/", "to"),
    ("exceptions/", "from"),
    ("exceptions/", "to"),
    ("queues/", "date"),
]
ID_FILTERS = [
    ("bookings/", "resource"),
    ("bookings/", "patient"),
    ("bookings/", "token_slot"),
    ("exceptions/", "resource"),
    ("schedules/", "resource"),
    ("delegations/", "resource"),
    ("resources/", "department"),
]


@pytest.mark.parametrize("value", BAD_INSTANTS.values(), ids=BAD_INSTANTS.keys())
def test_a_list_filter_with_an_impossible_instant_is_refused(clinic, api_client, value):
    for tail, param in INSTANT_FILTERS:
        assert_refused(api_client.get(api(clinic, tail), {param: bad(value)}), param)


@pytest.mark.parametrize(
    "value", ["2026-02-30", "2026-13-01", "0001-01-01", "9999-12-31", "2026-1-1", "²⁰²⁶-01-01", "%00"]
)
def test_a_date_filter_with_an_impossible_or_far_date_is_refused(clinic, api_client, value):
    for tail, param in DATE_FILTERS:
        assert_refused(api_client.get(api(clinic, tail), {param: value}), param)


@pytest.mark.parametrize("value", ["²", "٣", "1.5", "1.0", "-1", "99999999999999999999", "1e3", "%00"])
def test_an_id_filter_takes_ascii_digits_only(clinic, api_client, value):
    for tail, param in ID_FILTERS:
        assert_refused(api_client.get(api(clinic, tail), {param: value}), param)


@pytest.mark.parametrize("value", ["1.5", "²", "٣", "99999999999999999999", "-1", "0x1"])
@pytest.mark.parametrize(
    "tail", ["bookings/{}/", "patients/{}/", "schedules/{}/", "exceptions/{}/", "queues/{}/", "bookings/{}/history/"]
)
def test_a_path_id_that_is_not_an_id_is_not_found(clinic, api_client, browser, value, tail):
    for client in (api_client, browser):
        response = client.get(api(clinic, tail.format(value)))
        assert response.status_code == 404, (tail, value, response.status_code)


@pytest.mark.parametrize("value", [1.5, "1.5", "²", True, "1e3", 2**64])
def test_an_id_in_a_body_is_a_whole_number(clinic, api_client, value):
    response = api_client.post(clinic.url(), {**clinic.body("10:00"), "appointment_type": value}, format="json")
    assert_refused(response, "appointment_type")
    response = api_client.post(clinic.url(), {**clinic.body("10:00"), "patient": value}, format="json")
    assert_refused(response, "patient")
    assert not Booking.objects.exists()


def test_deeply_nested_json_is_a_bad_request(clinic, api_client):
    body = "[" * 100_000 + "]" * 100_000
    response = api_client.post(clinic.url(), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    "url",
    [
        "/f/{slug}/patients/?q=%00",
        "/f/{slug}/resources/?q=%00",
        "/f/{slug}/bookings/patients/?q=a%00b",
        "/f/{slug}/queue/patients/?q=%00",
        "/f/{slug}/bookings/patients/pick/?patient=%C2%B2",
        "/f/{slug}/bookings/patients/pick/?patient=%00",
        "/api/v1/facilities/{slug}/patients/?q=%00",
        "/api/v1/facilities/{slug}/patients/?mrn=%00",
        "/api/v1/facilities/{slug}/resources/?q=%00",
        "/api/v1/facilities/{slug}/departments/?q=%00",
        "/api/v1/facilities/{slug}/departments/?code=%00",
        "/api/v1/facilities/{slug}/appointment-types/?code=%00",
    ],
)
def test_a_nul_byte_in_a_search_is_no_server_error(clinic, browser, url):
    response = browser.get(url.format(slug=clinic.facility.slug))
    assert response.status_code in (200, 400, 404), response.status_code


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_limit_answers_the_json_error(clinic, api_client):
    body = json.dumps({**clinic.body("10:00"), "note": "x" * 5000})
    response = api_client.post(clinic.url(), body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "request_too_large"
    assert not Booking.objects.exists()


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=5)
def test_too_many_query_parameters_answer_the_json_error(clinic, api_client):
    response = api_client.get(clinic.url() + "?" + "&".join(f"p{n}=1" for n in range(20)))
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
