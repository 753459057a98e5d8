"""One naming rule for periods (README, "The API"): an object's own period is ``start``/``end``
(instants); a list or a read asked for a range of days takes ``from``/``to`` (facility-local
dates, both included), and a single day is ``date``."""

import datetime as dt

import yaml
from django.core.management import call_command

from scheduling.models import ResourceKind
from tests.api_consistency.conftest import book
from tests.factories import ResourceFactory


def test_the_schema_names_every_period_by_the_one_rule(tmp_path, db):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    query_names = {
        parameter["name"]
        for operations in schema["paths"].values()
        for method, operation in operations.items()
        if method != "parameters"
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    }
    property_names = {
        name for component in schema["components"]["schemas"].values() for name in component.get("properties", {})
    }
    # Filters over a period are from/to; a single day is date.
    assert {"from", "to", "date"} <= query_names
    assert not query_names & {"start", "end", "day", "valid_from", "valid_till"}
    # Objects' periods are start/end.
    assert not property_names & {"valid_from", "valid_till", "slot_start", "slot_end"}


def test_bookings_are_listed_by_local_dates_from_to(clinic, api_client):
    first = book(api_client, clinic, "10:00", "10:30", days_ahead=2)
    book(api_client, clinic, "10:00", "10:30", days_ahead=4)
    day = clinic.at("10:00", days_ahead=2).date().isoformat()
    listed = api_client.get(clinic.url(), {"from": day, "to": day})
    assert listed.status_code == 200, listed.content
    assert [b["id"] for b in listed.json()["results"]] == [first["id"]]
    later = (clinic.at("10:00", days_ahead=4).date() + dt.timedelta(days=92)).isoformat()
    too_long = api_client.get(clinic.url(), {"from": day, "to": later})
    assert too_long.status_code == 400 and "to" in too_long.json()["fields"]
    backwards = api_client.get(clinic.url(), {"from": later, "to": day})
    assert backwards.status_code == 400 and "to" in backwards.json()["fields"]
    for name, far in (("from", "0001-01-01"), ("to", "9999-12-31"), ("to", "2026-02-30")):
        refused = api_client.get(clinic.url(), {name: far})
        assert refused.status_code == 400 and list(refused.json()["fields"]) == [name]


def test_exceptions_are_listed_by_local_dates_from_to(clinic, api_client):
    day = clinic.at("10:00", days_ahead=3).date()
    created = api_client.post(
        clinic.url("exceptions/"),
        {
            "resource": clinic.chair.pk,
            "start": clinic.at("13:00", days_ahead=3).isoformat(),
            "end": clinic.at("14:00", days_ahead=3).isoformat(),
            "reason": "Staff meeting",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    same_day = api_client.get(clinic.url("exceptions/"), {"from": day.isoformat(), "to": day.isoformat()})
    assert [e["id"] for e in same_day.json()["results"]] == [created.json()["id"]]
    next_day = (day + dt.timedelta(days=1)).isoformat()
    assert api_client.get(clinic.url("exceptions/"), {"from": next_day, "to": next_day}).json()["results"] == []


def test_a_schedule_runs_from_start_to_end(clinic, api_client):
    room = ResourceFactory(facility=clinic.facility, kind=ResourceKind.ROOM, name="Room 4")
    body = {"resource": room.pk, "start": "2030-01-01T00:00:00Z", "end": "2030-06-01T00:00:00Z"}
    created = api_client.post(clinic.url("schedules/"), body, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["start"], created.json()["end"]) == ("2030-01-01T00:00:00Z", "2030-06-01T00:00:00Z")
    closed = api_client.post(
        clinic.url(f"schedules/{created.json()['id']}/close/"), {"end": "2030-03-01T00:00:00Z"}, format="json"
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["end"] == "2030-03-01T00:00:00Z"
    refused = api_client.post(
        clinic.url(f"schedules/{created.json()['id']}/close/"), {"end": "2029-01-01T00:00:00Z"}, format="json"
    )
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["end"]


def test_queues_of_a_day_are_asked_for_by_date(clinic, api_client):
    response = api_client.get(clinic.url("queues/"), {"date": "2026-02-30"})
    assert response.status_code == 400 and "date" in response.json()["fields"]
