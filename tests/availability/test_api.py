"""The availability API: schedules with nested windows, exceptions, slots, statistics and the
search across resources; 400 naming the field, another facility's objects 404 (URL) or 400 (body)."""

import datetime as dt

import pytest

from availability.models import Availability, AvailabilityException, Schedule
from tests.availability.factories import chair, local, make_schedule, next_weekday, window
from tests.factories import AppointmentTypeFactory, DepartmentFactory


def base(facility):
    return f"/api/v1/facilities/{facility.slug}"


WINDOW = {
    "weekdays": [0, 2],
    "start_time": "09:00",
    "end_time": "12:00",
    "type": "tokens",
    "slot_size_minutes": 30,
    "tokens_per_slot": 2,
}


@pytest.fixture
def schedule(facility, user, chair1):
    return make_schedule(facility, chair1, user, window(weekdays=[0], start="09:00", end="12:00"))


def test_create_list_and_retrieve_a_schedule_with_windows(api_client, facility, chair1):
    follow_up = AppointmentTypeFactory(facility=facility)
    body = {
        "resource": chair1.pk,
        "start": "2030-01-01T00:00:00Z",
        "booking_notice_minutes": 60,
        "availabilities": [
            WINDOW,
            {
                **WINDOW,
                "weekdays": [3],
                "type": "open",
                "slot_size_minutes": None,
                "tokens_per_slot": None,
                "appointment_types": [follow_up.pk],
                "daily_patient_limit": 20,
            },
        ],
    }
    response = api_client.post(f"{base(facility)}/schedules/", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["end"] is None and created["booking_notice_minutes"] == 60
    assert [w["type"] for w in created["availabilities"]] == ["tokens", "open"]
    assert created["availabilities"][1]["appointment_types"] == [follow_up.pk]
    listed = api_client.get(f"{base(facility)}/schedules/", {"resource": chair1.pk}).json()
    assert [s["id"] for s in listed["results"]] == [created["id"]]
    assert api_client.get(f"{base(facility)}/schedules/{created['id']}/").json() == created


def test_bad_windows_are_400_naming_the_field_and_write_nothing(api_client, facility, chair1):
    body = {
        "resource": chair1.pk,
        "start": "2030-01-01T00:00:00Z",
        "availabilities": [WINDOW, {**WINDOW, "start_time": "11:00", "end_time": "13:00"}],
    }
    response = api_client.post(f"{base(facility)}/schedules/", body, format="json")
    assert response.status_code == 400
    assert "availabilities[1].start_time" in response.json()["fields"]
    unknown = api_client.post(f"{base(facility)}/schedules/", {**body, "colour": "red"}, format="json")
    assert unknown.status_code == 400 and "colour" in unknown.json()["fields"]
    assert not Schedule.objects.exists()


def test_another_facilitys_ids_in_a_body_are_400_and_in_a_url_404(
    api_client, facility, other_facility, user, make_member
):
    foreign_chair = chair(other_facility)
    response = api_client.post(
        f"{base(facility)}/schedules/",
        {"resource": foreign_chair.pk, "start": "2030-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 400 and "resource" in response.json()["fields"]
    foreign = make_schedule(other_facility, foreign_chair, make_member(other_facility), window())
    for response in [
        api_client.get(f"{base(facility)}/schedules/{foreign.pk}/"),
        api_client.put(f"{base(facility)}/schedules/{foreign.pk}/", {"availabilities": []}, format="json"),
        api_client.post(
            f"{base(facility)}/schedules/{foreign.pk}/close/", {"end": "2040-01-01T00:00:00Z"}, format="json"
        ),
        api_client.get(f"{base(facility)}/schedules/{foreign.pk}/availabilities/"),
        api_client.post(f"{base(facility)}/schedules/{foreign.pk}/availabilities/", WINDOW, format="json"),
        api_client.get(
            f"{base(facility)}/resources/{foreign_chair.pk}/slots/", {"from": "2030-01-01", "to": "2030-01-02"}
        ),
        api_client.get(f"{base(other_facility)}/schedules/"),
    ]:
        assert response.status_code == 404, response.content
    assert Schedule.objects.filter(facility=other_facility).get().valid_till is None


def test_update_is_a_new_version_and_close_ends_it(api_client, facility, schedule):
    response = api_client.put(f"{base(facility)}/schedules/{schedule.pk}/", {"availabilities": [WINDOW]}, format="json")
    assert response.status_code == 200, response.json()
    new = response.json()
    assert new["id"] != schedule.pk and new["previous"] == schedule.pk
    schedule.refresh_from_db()
    assert schedule.valid_till is not None
    till = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    closed = api_client.post(f"{base(facility)}/schedules/{new['id']}/close/", {"end": till}, format="json")
    assert closed.status_code == 200 and closed.json()["end"] is not None
    history = api_client.get(f"{base(facility)}/schedules/{new['id']}/history/").json()["results"]
    assert [h["history_type"] for h in history] == ["changed", "created"]
    assert history[0]["history_user"] == "alice-admin"


def test_nested_windows_add_edit_remove(api_client, facility, schedule):
    url = f"{base(facility)}/schedules/{schedule.pk}/availabilities/"
    added = api_client.post(url, {**WINDOW, "weekdays": [4]}, format="json")
    assert added.status_code == 201, added.json()
    version = added.json()["schedule"]
    assert len(version["availabilities"]) == 2
    window_id = added.json()["availability"]["id"]
    edited = api_client.put(
        f"{base(facility)}/schedules/{version['id']}/availabilities/{window_id}/",
        {**WINDOW, "weekdays": [5]},
        format="json",
    )
    assert edited.status_code == 200, edited.json()
    assert edited.json()["availability"]["weekdays"] == [5]
    latest = edited.json()["schedule"]
    removed = api_client.delete(
        f"{base(facility)}/schedules/{latest['id']}/availabilities/{edited.json()['availability']['id']}/"
    )
    assert removed.status_code == 200 and len(removed.json()["availabilities"]) == 1
    overlapping = api_client.post(
        f"{base(facility)}/schedules/{removed.json()['id']}/availabilities/",
        {**WINDOW, "weekdays": [0], "start_time": "11:00", "end_time": "13:00"},
        format="json",
    )
    assert overlapping.status_code == 400 and "start_time" in overlapping.json()["fields"]


def test_exceptions_list_create_delete(api_client, facility, chair1, schedule):
    monday = next_weekday(0)
    body = {
        "resource": chair1.pk,
        "start": local(facility, monday, "09:00").isoformat(),
        "end": local(facility, monday, "10:00").isoformat(),
        "reason": "Dentist",
    }
    created = api_client.post(f"{base(facility)}/exceptions/", body, format="json")
    assert created.status_code == 201, created.json()
    assert api_client.get(f"{base(facility)}/exceptions/", {"resource": chair1.pk}).json()["count"] == 1
    no_reason = api_client.post(f"{base(facility)}/exceptions/", {**body, "reason": ""}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    backwards = api_client.post(f"{base(facility)}/exceptions/", {**body, "end": body["start"]}, format="json")
    assert backwards.status_code == 400 and "end" in backwards.json()["fields"]
    assert api_client.delete(f"{base(facility)}/exceptions/{created.json()['id']}/").status_code == 204
    assert not AvailabilityException.objects.exists()


def test_removing_exception_over_bookings_is_409_counting_them(api_client, facility, chair1, schedule, bookings):
    monday = next_weekday(0)
    bookings.add(chair1, local(facility, monday, "09:00"), local(facility, monday, "09:30"))
    body = {
        "resource": chair1.pk,
        "start": local(facility, monday, "08:00").isoformat(),
        "end": local(facility, monday, "13:00").isoformat(),
        "reason": "Leave",
    }
    response = api_client.post(f"{base(facility)}/exceptions/", body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "would_strand_bookings" and response.json()["stranded_bookings"] == 1


def test_resource_slots_and_stats(api_client, facility, chair1, schedule, bookings):
    monday = next_weekday(0)
    bookings.add(chair1, local(facility, monday, "09:00"), local(facility, monday, "09:30"))
    response = api_client.get(
        f"{base(facility)}/resources/{chair1.pk}/slots/", {"from": monday.isoformat(), "to": monday.isoformat()}
    )
    assert response.status_code == 200, response.json()
    rows = response.json()
    assert len(rows) == 6
    assert rows[0]["booked"] == 1 and rows[0]["remaining"] == 0 and rows[0]["bookable"] is False
    assert rows[1]["bookable"] is True and rows[1]["local_start"].startswith(f"{monday.isoformat()}T09:30")
    stats = api_client.get(
        f"{base(facility)}/resources/{chair1.pk}/availability-stats/",
        {"from": monday.isoformat(), "to": monday.isoformat()},
    )
    assert stats.json() == [{"date": monday.isoformat(), "slots": 6, "capacity": 6, "booked": 1, "bookable_slots": 5}]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2030-01-01"}, "from"),
        ({"from": "2030-01-05", "to": "2030-01-01"}, "to"),
        ({"from": "2030-01-01", "to": "2030-03-10"}, "to"),
        ({"from": "yesterday", "to": "2030-01-01"}, "from"),
        ({"from": "2030-01-01", "to": "2030-01-01", "appointment_type": 999999}, "appointment_type"),
    ],
)
def test_slot_queries_are_bounded_and_validated(api_client, facility, chair1, params, field):
    response = api_client.get(f"{base(facility)}/resources/{chair1.pk}/slots/", params)
    assert response.status_code == 400 and field in response.json()["fields"], response.json()


def test_search_finds_the_first_free_chair(api_client, facility, user, bookings):
    oncology = DepartmentFactory(facility=facility)
    first, second, elsewhere = (
        chair(facility, department=oncology),
        chair(facility, department=oncology),
        chair(facility),
    )
    make_schedule(facility, first, user, window(weekdays=[0], start="10:00", end="11:00", slot=60))
    make_schedule(facility, second, user, window(weekdays=[0], start="09:00", end="11:00", slot=60))
    make_schedule(facility, elsewhere, user, window(weekdays=[0], start="08:00", end="09:00", slot=60))
    monday = next_weekday(0)
    bookings.add(second, local(facility, monday, "09:00"), local(facility, monday, "10:00"))
    response = api_client.get(
        f"{base(facility)}/slots/", {"kind": "chair", "date": monday.isoformat(), "department": oncology.pk}
    )
    assert response.status_code == 200, response.json()
    rows = response.json()
    assert [(r["resource"], r["local_start"][11:16]) for r in rows] == [(first.pk, "10:00"), (second.pk, "10:00")]
    assert rows[0]["resource_name"] == first.name
    everywhere = api_client.get(f"{base(facility)}/slots/", {"kind": "chair", "date": monday.isoformat()}).json()
    assert everywhere[0]["resource"] == elsewhere.pk
    assert (
        api_client.get(f"{base(facility)}/slots/", {"kind": "spaceship", "date": monday.isoformat()}).status_code == 400
    )


def test_booking_policy_and_slot_durations(api_client, facility, chair1):
    url = f"{base(facility)}/resources/{chair1.pk}/booking-policy/"
    assert api_client.get(url).json() == {
        "booking_horizon_days": 90,
        "booking_notice_minutes": 0,
        "default_slot_minutes": None,
    }
    put = api_client.put(url, {"booking_horizon_days": 14, "booking_notice_minutes": 120}, format="json")
    assert put.status_code == 200 and api_client.get(url).json()["booking_horizon_days"] == 14
    kind = AppointmentTypeFactory(facility=facility)
    created = api_client.post(
        f"{base(facility)}/slot-durations/", {"appointment_type": kind.pk, "minutes": 45}, format="json"
    )
    assert created.status_code == 201, created.json()
    both = api_client.post(
        f"{base(facility)}/slot-durations/",
        {"appointment_type": kind.pk, "department": chair1.department_id, "minutes": 45},
        format="json",
    )
    assert both.status_code == 400
    assert api_client.delete(f"{base(facility)}/slot-durations/{created.json()['id']}/").status_code == 204


def test_every_endpoint_is_in_the_openapi_schema(api_client):
    paths = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    prefix = "/api/v1/facilities/{facility_slug}/"
    for path in [
        "schedules/",
        "schedules/{id}/",
        "schedules/{id}/close/",
        "schedules/{schedule_pk}/availabilities/",
        "schedules/{schedule_pk}/availabilities/{id}/",
        "exceptions/",
        "exceptions/{id}/",
        "resources/{resource_id}/slots/",
        "resources/{resource_id}/availability-stats/",
        "resources/{resource_id}/booking-policy/",
        "slots/",
        "slot-durations/",
        "delegations/",
        "delegations/{id}/revoke/",
    ]:
        assert prefix + path in paths, path
    assert Availability.objects.count() == 0
