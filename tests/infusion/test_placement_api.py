"""The placement API: place (201), explain (200, nothing written), list and read; 400 naming the
field, 403 for a role that may not place, 404 for another facility's."""

import datetime as dt
import re

import pytest

from booking.models import Booking
from conftest import token_client
from infusion.models import Placement
from scheduling.models import Role
from tests.infusion.factories import next_monday
from tests.infusion.test_placement_service import previous

pytestmark = pytest.mark.django_db

OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def url(facility, tail: str = "") -> str:
    return f"/api/v1/facilities/{facility.slug}/infusion/placements/{tail}"


def test_place_the_next_cycle_books_a_chair_and_explains(center, api_client):
    treatment = previous(center, next_monday(1), "completed", code="CMO-SHORT")
    patient = center.patients[0]
    response = api_client.post(
        url(center.facility),
        {"patient": patient.pk, "route": "next_cycle", "previous_booking": treatment.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    placement = Placement.objects.get(pk=body["id"])
    assert body["status"] == "placed" and body["dry_run"] is False
    assert body["booking"] == placement.booking_id and Booking.objects.filter(pk=body["booking"]).exists()
    assert body["patient"] == {"id": patient.pk, "name": patient.name, "mrn": patient.mrn}
    assert body["patient_type"] == "CMO-SHORT" and body["route"] == "next_cycle" and body["policy"] == "levelled"
    assert body["target_date"] == (next_monday(1) + dt.timedelta(days=30)).isoformat()
    assert OFFSET.search(body["chosen_start"])
    assert body["chair"]["id"] == placement.chair_id
    assert body["attempts"][-1]["verdict"] == "chosen"
    assert set(body["attempts"][-1]) == {"day", "start", "verdict", "reason"}
    assert body["explanation"].startswith("Target ")
    assert body["previous_booking"] == treatment.pk

    listed = api_client.get(url(center.facility), {"patient": patient.pk}).json()
    assert [row["id"] for row in listed["results"]] == [placement.pk]
    assert api_client.get(url(center.facility), {"patient": center.patients[1].pk}).json()["results"] == []
    assert api_client.get(url(center.facility, f"{placement.pk}/")).json()["booking"] == placement.booking_id
    history = api_client.get(url(center.facility, f"{placement.pk}/history/")).json()["results"]
    assert [(entry["history_type"], entry["history_user"]) for entry in history] == [("created", "alice-admin")]


def test_a_dry_run_answers_200_and_writes_nothing(center, api_client):
    body = {"patient": center.patients[0].pk, "route": "new", "patient_type": "INF", "dry_run": True}
    response = api_client.post(url(center.facility), body, format="json")
    assert response.status_code == 200
    assert response.json()["id"] is None and response.json()["dry_run"] is True
    assert response.json()["booking"] is None and response.json()["chosen_start"]
    assert not Placement.objects.exists() and not Booking.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"route": "later"}, "route"),
        ({"patient": "abc"}, "patient"),
        ({"patient": 999999}, "patient"),
        ({"patient_type": "NOPE"}, "patient_type"),
        ({"route": "no_show"}, "previous_booking"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_400_naming_the_field(center, api_client, body, field):
    base = {"patient": center.patients[0].pk, "route": "new", "patient_type": "INF"}
    response = api_client.post(url(center.facility), {**base, **body}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not Placement.objects.exists()


def test_a_role_that_may_not_place_is_403(center, make_member):
    analyst = token_client(make_member(center.facility, Role.ANALYST, username="ana"))
    body = {"patient": center.patients[0].pk, "route": "new", "patient_type": "INF"}
    assert analyst.post(url(center.facility), body, format="json").status_code == 403
    assert analyst.get(url(center.facility)).status_code == 403


def test_only_a_manager_chooses_the_studys_policy(center, scheduler, manager):
    body = {"patient": center.patients[0].pk, "route": "new", "patient_type": "INF", "policy": "study"}
    assert token_client(scheduler).post(url(center.facility), body, format="json").status_code == 403
    response = token_client(manager).post(url(center.facility), body, format="json")
    assert response.status_code == 201 and response.json()["policy"] == "study"


def test_another_facility_is_404(center, api_client, other_facility, make_member):
    body = {"patient": center.patients[0].pk, "route": "new", "patient_type": "INF"}
    assert api_client.post(url(other_facility), body, format="json").status_code == 404
    placement = api_client.post(url(center.facility), body, format="json").json()
    outsider = token_client(make_member(other_facility, Role.ADMIN, username="other-admin"))
    assert outsider.get(url(other_facility, f"{placement['id']}/")).status_code == 404
    assert outsider.get(url(center.facility, f"{placement['id']}/")).status_code == 404
