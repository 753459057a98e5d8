"""The OpenAPI schema says what the server does: the errors each operation answers with and their
shape, the limits of its input, bodies that refuse unknown fields, wall-clock times that validate,
and the status a success really has."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.availability.factories import chair, make_schedule, window

SAFE = {"get", "head", "options"}


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(openapi):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def resolve(openapi, node: dict) -> dict:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = openapi["components"][kind][name]
    return node


def test_every_operation_documents_the_errors_it_can_answer_with(openapi):
    missing = []
    for path, method, operation in operations(openapi):
        # Every operation but signing in (which takes a password, not credentials) reads a token.
        expected = set() if path == "/api/v1/auth/token/" else {"401"}
        if "{facility_slug}" in path:
            expected |= {"403", "404"}
        if method not in SAFE:
            expected |= {"400"}
            if "{facility_slug}" in path:
                expected |= {"409"}
        if "requestBody" in operation:
            expected |= {"400", "415"}
        if any(p["in"] == "query" for p in operation.get("parameters", [])):
            expected |= {"400"}
        if not expected <= set(operation["responses"]):
            missing.append((method.upper(), path, sorted(expected - set(operation["responses"]))))
    assert missing == []


def test_every_error_response_has_the_error_shape_of_the_handler(openapi, api_client, facility):
    error = openapi["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "detail", "fields"}
    for _path, _method, operation in operations(openapi):
        for status, response in operation["responses"].items():
            if status >= "400":
                body = resolve(openapi, response)["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/Error"}

    # What the handler sends for a 404 and a 400 has exactly those keys.
    not_found = api_client.get(f"/api/v1/facilities/{facility.slug}/patients/999999/").json()
    refused = api_client.post(f"/api/v1/facilities/{facility.slug}/departments/", {}, format="json").json()
    assert set(not_found) == set(refused) == {"code", "detail", "fields"}
    assert refused["code"] == "invalid" and set(refused["fields"]) == {"code", "name"}


def test_bodies_that_refuse_unknown_fields_say_so(openapi, api_client, facility):
    department = resolve(openapi, {"$ref": "#/components/schemas/DepartmentInputRequest"})
    assert department["additionalProperties"] is False
    window_in_schedule = resolve(openapi, {"$ref": "#/components/schemas/WindowInputRequest"})
    assert window_in_schedule["additionalProperties"] is False

    response = api_client.post(
        f"/api/v1/facilities/{facility.slug}/departments/",
        {"code": "onc", "name": "Oncology", "colour": "teal"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"colour": ["Unknown field."]}


def test_page_and_page_size_carry_the_limits_the_paginator_applies(openapi):
    parameters = {
        p["name"]: p["schema"]
        for p in openapi["paths"]["/api/v1/facilities/{facility_slug}/patients/"]["get"]["parameters"]
    }
    assert parameters["page"]["minimum"] == 1
    assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 200}


def test_wall_clock_times_are_described_as_they_are_sent(openapi, api_client, facility, user):
    output = resolve(openapi, {"$ref": "#/components/schemas/AvailabilityOutput"})["properties"]
    start_time = output["start_time"]
    assert "format" not in start_time  # OpenAPI's `time` format demands an offset a wall clock has not
    schedule = make_schedule(facility, chair(facility), user, window(start="09:00", end="12:30"))

    sent = api_client.get(f"/api/v1/facilities/{facility.slug}/schedules/{schedule.pk}/").json()

    times = [sent["availabilities"][0]["start_time"], sent["availabilities"][0]["end_time"]]
    assert times == ["09:00:00", "12:30:00"]
    assert all(re.fullmatch(start_time["pattern"].strip("^$"), value) for value in times)


def test_removing_a_window_answers_200_with_the_schedule_as_documented(openapi, api_client, facility, user):
    path = "/api/v1/facilities/{facility_slug}/schedules/{schedule_pk}/availabilities/{id}/"
    documented = openapi["paths"][path]["delete"]["responses"]
    assert "204" not in documented
    assert documented["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ScheduleOutput"}
    schedule = make_schedule(
        facility, chair(facility), user, window(weekdays=[0], start="09:00"), window(weekdays=[1], start="09:00")
    )
    removed = schedule.availabilities.order_by("pk").last()

    response = api_client.delete(
        f"/api/v1/facilities/{facility.slug}/schedules/{schedule.pk}/availabilities/{removed.pk}/"
    )

    assert response.status_code == 200
    assert [w["weekdays"] for w in response.json()["availabilities"]] == [[0]]


def test_a_window_limit_documents_the_largest_number_the_server_keeps(openapi, api_client, facility, user):
    limit = resolve(openapi, {"$ref": "#/components/schemas/WindowChangeRequest"})["properties"]["daily_patient_limit"]
    schedule = make_schedule(facility, chair(facility), user, window(weekdays=[0], start="09:00"))
    url = f"/api/v1/facilities/{facility.slug}/schedules/{schedule.pk}/availabilities/"
    body = {"weekdays": [1], "start_time": "09:00", "end_time": "10:00", "type": "open"}

    too_many = api_client.post(url, {**body, "daily_patient_limit": limit["maximum"] + 1}, format="json")
    most = api_client.post(url, {**body, "daily_patient_limit": limit["maximum"]}, format="json")

    assert too_many.status_code == 400 and set(too_many.json()["fields"]) == {"daily_patient_limit"}
    assert most.status_code == 201, most.json()
