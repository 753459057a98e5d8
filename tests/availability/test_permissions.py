"""Who manages whose availability: a clinician their own, managers and admins anyone's in their
facility, a named delegate of a clinician until revoked; schedulers and analysts read."""

import pytest

from availability.models import Schedule
from conftest import token_client
from scheduling.models import ResourceKind, Role
from tests.availability.factories import make_schedule, window
from tests.factories import ResourceFactory


def base(facility):
    return f"/api/v1/facilities/{facility.slug}"


WINDOW = {"weekdays": [4], "start_time": "14:00", "end_time": "15:00", "type": "open"}


@pytest.fixture
def doctor_schedule(facility, user, doctor):
    return make_schedule(facility, doctor, user, window(weekdays=[0]))


def add_window(client, facility, schedule):
    return client.post(f"{base(facility)}/schedules/{schedule.pk}/availabilities/", WINDOW, format="json")


def test_a_clinician_manages_their_own_availability(facility, clinician, doctor_schedule):
    response = add_window(token_client(clinician), facility, doctor_schedule)
    assert response.status_code == 201, response.json()


def test_a_clinician_cannot_touch_a_colleagues(facility, user, make_member, doctor_schedule):
    colleague = make_member(facility, Role.CLINICIAN)
    response = add_window(token_client(colleague), facility, doctor_schedule)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Schedule.objects.count() == 1


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_and_admins_manage_anyones(facility, make_member, doctor_schedule, role):
    assert add_window(token_client(make_member(facility, role)), facility, doctor_schedule).status_code == 201


@pytest.mark.parametrize("role", [Role.SCHEDULER, Role.ANALYST])
def test_schedulers_and_analysts_read_only(facility, make_member, doctor_schedule, doctor, role):
    client = token_client(make_member(facility, role))
    assert client.get(f"{base(facility)}/schedules/{doctor_schedule.pk}/").status_code == 200
    assert (
        client.get(
            f"{base(facility)}/resources/{doctor.pk}/slots/", {"from": "2030-01-01", "to": "2030-01-07"}
        ).status_code
        == 200
    )
    assert add_window(client, facility, doctor_schedule).status_code == 403
    assert Schedule.objects.count() == 1


def test_a_manager_of_another_facility_gets_404(facility, other_facility, make_member, doctor_schedule):
    outsider = token_client(make_member(other_facility, Role.MANAGER))
    assert add_window(outsider, facility, doctor_schedule).status_code == 404


def test_delegation_grants_and_revocation_withdraws(facility, clinician, make_member, doctor_schedule):
    front_desk = make_member(facility, Role.SCHEDULER, username="front-desk")
    desk_client, doctor_client = token_client(front_desk), token_client(clinician)
    assert add_window(desk_client, facility, doctor_schedule).status_code == 403
    granted = doctor_client.post(
        f"{base(facility)}/delegations/",
        {"resource": doctor_schedule.resource_id, "delegate": "front-desk"},
        format="json",
    )
    assert granted.status_code == 201, granted.json()
    added = add_window(desk_client, facility, doctor_schedule)
    assert added.status_code == 201
    # The delegate manages this one resource only.
    other = ResourceFactory(facility=facility, kind=ResourceKind.ROOM)
    other_schedule = make_schedule(facility, other, make_member(facility, Role.ADMIN), window())
    assert add_window(desk_client, facility, other_schedule).status_code == 403
    # ... and cannot pass it on.
    assert (
        desk_client.post(
            f"{base(facility)}/delegations/",
            {"resource": doctor_schedule.resource_id, "delegate": "front-desk"},
            format="json",
        ).status_code
        == 403
    )
    revoked = doctor_client.post(f"{base(facility)}/delegations/{granted.json()['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    latest = added.json()["schedule"]["id"]
    assert (
        desk_client.post(
            f"{base(facility)}/schedules/{latest}/availabilities/", {**WINDOW, "weekdays": [5]}, format="json"
        ).status_code
        == 403
    )


def test_delegation_rules(facility, clinician, make_member, doctor, other_facility):
    client = token_client(clinician)
    url = f"{base(facility)}/delegations/"
    analyst = make_member(facility, Role.ANALYST, username="numbers")
    make_member(other_facility, Role.SCHEDULER, username="stranger")
    assert client.post(url, {"resource": doctor.pk, "delegate": "numbers"}, format="json").status_code == 400
    assert client.post(url, {"resource": doctor.pk, "delegate": "stranger"}, format="json").json()["fields"] == {
        "delegate": ["No member of this facility has this username."]
    }
    colleague = make_member(facility, Role.CLINICIAN, username="colleague")
    assert client.post(url, {"resource": doctor.pk, "delegate": "colleague"}, format="json").status_code == 201
    assert client.post(url, {"resource": doctor.pk, "delegate": "colleague"}, format="json").status_code == 409
    # A colleague cannot delegate someone else's resource.
    assert (
        token_client(colleague).post(url, {"resource": doctor.pk, "delegate": "colleague"}, format="json").status_code
        == 403
    )
    assert analyst


def test_slot_durations_are_for_managers_only(facility, clinician, make_member):
    body = {"department": None, "appointment_type": None, "minutes": 30}
    assert token_client(clinician).post(f"{base(facility)}/slot-durations/", body, format="json").status_code == 403
