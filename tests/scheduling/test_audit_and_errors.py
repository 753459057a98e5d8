"""Audit trail, the error shape, and bad input: a careless or malicious client gets a 400 that
names the field, and nothing is written."""

import pytest

from scheduling.models import Patient, Role, SchedulableResource
from tests.factories import DepartmentFactory, PatientFactory, ResourceFactory, UserFactory
from tests.scheduling.endpoints import base

GOOD_PATIENT = {"mrn": "P-100", "name": "Quilla Rushmere", "date_of_birth": "1961-07-30", "phone": "+00 5550 1"}


def test_api_write_records_history_with_actor_and_request_id(api_client, user, facility):
    created = api_client.post(f"{base(facility)}/patients/", GOOD_PATIENT, format="json", HTTP_X_REQUEST_ID="req-42")
    assert created.status_code == 201
    patient_id = created.json()["id"]
    changed = api_client.patch(f"{base(facility)}/patients/{patient_id}/", {"phone": "+00 5550 2"}, format="json")
    assert changed.status_code == 200
    assert changed["X-Request-ID"]

    records = Patient.history.filter(id=patient_id).order_by("history_date")
    assert [r.history_type for r in records] == ["+", "~"]
    assert all(r.history_user == user for r in records)
    assert records[0].history_request_id == "req-42"

    history = api_client.get(f"{base(facility)}/patients/{patient_id}/history/").json()["results"]
    assert history[0]["history_type"] == "changed"
    assert history[0]["history_user"] == user.username
    assert history[0]["changes"] == [{"field": "phone", "old": "+00 5550 1", "new": "+00 5550 2"}]
    assert history[1]["history_type"] == "created"


def test_page_write_records_history_with_actor(client, facility, make_member):
    scheduler = make_member(facility, Role.SCHEDULER)
    client.force_login(scheduler)
    client.post(f"/f/{facility.slug}/patients/new/", {"mrn": "W-1", "name": "Walk Up", "date_of_birth": "2001-01-01"})
    patient = Patient.objects.get(facility=facility, mrn="W-1")
    assert patient.history.get().history_user == scheduler


def test_comments_are_kept_with_author_and_audited(api_client, user, facility):
    patient = PatientFactory(facility=facility)
    url = f"{base(facility)}/patients/{patient.pk}/comments/"
    assert api_client.post(url, {"text": "  Prefers morning slots.  "}, format="json").status_code == 201
    comments = api_client.get(url).json()["results"]
    assert [(c["author"], c["text"]) for c in comments] == [(user.username, "Prefers morning slots.")]
    blank = api_client.post(url, {"text": "   "}, format="json")
    assert blank.status_code == 400
    assert "text" in blank.json()["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD_PATIENT, "is_vip": True}, "is_vip"),  # unknown field
        ({**GOOD_PATIENT, "facility": 999}, "facility"),  # cannot move a row to another tenant
        ({**GOOD_PATIENT, "date_of_birth": "yesterday"}, "date_of_birth"),  # wrong type
        ({**GOOD_PATIENT, "date_of_birth": 19610730}, "date_of_birth"),
        ({**GOOD_PATIENT, "name": "x" * 201}, "name"),  # over-long
        ({**GOOD_PATIENT, "mrn": "P 100; DROP TABLE"}, "mrn"),
        ({**GOOD_PATIENT, "name": ""}, "name"),
        ({k: v for k, v in GOOD_PATIENT.items() if k != "mrn"}, "mrn"),  # missing
        ({**GOOD_PATIENT, "name": None}, "name"),
    ],
)
def test_bad_patient_input_is_400_naming_the_field_and_writes_nothing(api_client, facility, body, field):
    response = api_client.post(f"{base(facility)}/patients/", body, format="json")
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["code"] == "invalid"
    assert field in payload["fields"]
    assert field in payload["detail"]
    assert not Patient.objects.exists()
    assert not Patient.history.exists()


def test_non_object_body_is_400(api_client, facility):
    for body in (["a", "list"], "a string", 42):
        response = api_client.post(f"{base(facility)}/patients/", body, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
    response = api_client.post(f"{base(facility)}/patients/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not Patient.objects.exists()


def test_another_facilitys_ids_in_the_body_are_400_naming_the_field(api_client, facility, other_facility):
    foreign_department = DepartmentFactory(facility=other_facility)
    outsider = UserFactory()
    url = f"{base(facility)}/resources/"
    response = api_client.post(url, {"kind": "room", "name": "R1", "department": foreign_department.pk}, format="json")
    assert response.status_code == 400
    assert "department" in response.json()["fields"]
    response = api_client.post(url, {"kind": "nurse", "name": "N1", "user": outsider.pk}, format="json")
    assert response.status_code == 400
    assert "user" in response.json()["fields"]
    assert not SchedulableResource.objects.filter(facility=facility).exists()


def test_update_with_bad_input_changes_nothing(api_client, facility, other_facility):
    resource = ResourceFactory(facility=facility)
    foreign_department = DepartmentFactory(facility=other_facility)
    before = (resource.name, resource.department_id, resource.active)
    for body in (
        {"department": foreign_department.pk},
        {"kind": "spaceship"},
        {"name": "y" * 500},
        {"active": "sometimes"},
        {"facility": other_facility.pk},
    ):
        response = api_client.patch(f"{base(facility)}/resources/{resource.pk}/", body, format="json")
        assert response.status_code == 400, body
        assert set(response.json()["fields"]) == set(body)
    resource.refresh_from_db()
    assert (resource.name, resource.department_id, resource.active) == before
    assert resource.history.count() == 1


def test_duplicate_mrn_is_409_naming_the_field(api_client, facility, other_facility):
    PatientFactory(facility=facility, mrn="DUP-1")
    PatientFactory(facility=other_facility, mrn="DUP-2")
    response = api_client.post(f"{base(facility)}/patients/", {**GOOD_PATIENT, "mrn": "DUP-1"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"
    assert "mrn" in response.json()["fields"]
    # MRNs are unique per facility, not across tenants.
    assert (
        api_client.post(f"{base(facility)}/patients/", {**GOOD_PATIENT, "mrn": "DUP-2"}, format="json").status_code
        == 201
    )


def test_bad_time_zone_is_400(api_client, facility):
    response = api_client.patch(f"{base(facility)}/", {"time_zone": "Mars/Olympus_Mons"}, format="json")
    assert response.status_code == 400
    assert "time_zone" in response.json()["fields"]
    facility.refresh_from_db()
    assert facility.time_zone == "Europe/London"


def test_the_last_administrator_cannot_be_demoted(api_client, user, facility):
    membership = user.memberships.get(facility=facility)
    response = api_client.patch(f"{base(facility)}/memberships/{membership.pk}/", {"role": "analyst"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_adding_an_administrator_grants_the_admin_site(api_client, facility):
    newcomer = UserFactory(username="new-admin")
    response = api_client.post(
        f"{base(facility)}/memberships/", {"username": "new-admin", "role": "admin"}, format="json"
    )
    assert response.status_code == 201
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    unknown = api_client.post(f"{base(facility)}/memberships/", {"username": "nobody", "role": "admin"}, format="json")
    assert unknown.status_code == 400
    assert "username" in unknown.json()["fields"]


def test_token_endpoint_and_csrf_for_session_clients(client, user, facility):
    from rest_framework.test import APIClient

    token = client.post("/api/v1/auth/token/", {"username": user.username, "password": "pw-for-tests-1"})
    assert token.status_code == 200
    key = token.json()["token"]
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/facilities/").status_code == 200
    wrong = client.post("/api/v1/auth/token/", {"username": user.username, "password": "nope"})
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalid_credentials"

    session_client = APIClient(enforce_csrf_checks=True)
    session_client.force_login(user)
    response = session_client.post(f"{base(facility)}/patients/", GOOD_PATIENT, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Patient.objects.exists()
