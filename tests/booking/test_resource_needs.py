"""An appointment type names the resources a booking of it holds (its team): the API takes and
shows the needs, and a booking, a reschedule and a walk-in hold exactly what the needs ask for."""

import datetime as dt

import pytest

from booking import services
from booking.models import Booking
from scheduling.errors import ApplicationError
from scheduling.models import ResourceKind, Role
from tests.availability.factories import make_schedule, window
from tests.booking.conftest import EVERY_DAY, TEAM, theatre_team
from tests.factories import AppointmentTypeFactory, ResourceFactory


@pytest.fixture
def team(clinic):
    return theatre_team(clinic)


def _team_order(clinic, team):
    return [clinic.theatre, team["surgeon"], team["anaesthetist"], team["nurse"]]


def _create(clinic, team, resources, start="10:00", end="12:00", role=Role.CLINICIAN):
    return services.booking_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=role,
        request=services.BookingRequest(
            patient_id=clinic.patients[0].pk,
            appointment_type_id=team["case"].pk,
            start=clinic.at(start),
            end=clinic.at(end),
            resources=tuple(services.ResourceRequest(r.pk) for r in resources),
        ),
    )


# --- the appointment type API ---------------------------------------------------------------


def test_the_api_takes_and_shows_an_appointment_types_needs(clinic, api_client):
    url = clinic.url("appointment-types/")
    response = api_client.post(
        url, {"code": "case", "name": "Theatre case", "default_minutes": 120, "resource_needs": TEAM}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["resource_needs"] == TEAM
    created = response.json()["id"]
    assert api_client.get(f"{url}{created}/").json()["resource_needs"] == TEAM
    changed = api_client.patch(f"{url}{created}/", {"resource_needs": TEAM[:2]}, format="json")
    assert changed.status_code == 200 and changed.json()["resource_needs"] == TEAM[:2]
    # Without needs: one resource of any kind, as before.
    plain = api_client.post(url, {"code": "plain", "name": "Plain", "default_minutes": 10}, format="json")
    assert plain.json()["resource_needs"] == []


@pytest.mark.parametrize(
    "needs",
    [
        [{"role": "Surgeon", "kinds": ["wizard"]}],
        [{"role": "Surgeon", "kinds": []}],
        [{"role": "", "kinds": ["nurse"]}],
        [{"role": "Surgeon"}],
        [{"role": "Surgeon", "kinds": ["nurse"], "extra": 1}],
        [{"role": f"Role {n}", "kinds": ["nurse"]} for n in range(7)],
        "theatre",
    ],
)
def test_malformed_needs_are_400_naming_the_field(clinic, api_client, needs):
    response = api_client.post(
        clinic.url("appointment-types/"),
        {"code": "case", "name": "Theatre case", "default_minutes": 120, "resource_needs": needs},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "resource_needs" in response.json()["fields"]


# --- booking --------------------------------------------------------------------------------


def test_a_theatre_case_books_its_whole_team_at_once(clinic, team):
    booking = _create(clinic, team, _team_order(clinic, team))
    assert {row.resource for row in booking.resources.all()} == set(_team_order(clinic, team))
    assert all((row.start, row.end) == (booking.start, booking.end) for row in booking.resources.all())


def test_a_team_booking_through_the_api(clinic, team, api_client):
    body = clinic.body("10:00", "12:00", resources=_team_order(clinic, team), appointment_type=team["case"].pk)
    response = api_client.post(clinic.url(), body, format="json")
    assert response.status_code == 201, response.content
    assert len(response.json()["resources"]) == 4


def test_a_resource_of_the_wrong_kind_is_refused_naming_the_role(clinic, team, api_client):
    wrong = [clinic.theatre, team["nurse"], team["anaesthetist"], team["surgeon"]]
    body = clinic.body("10:00", "12:00", resources=wrong, appointment_type=team["case"].pk)
    response = api_client.post(clinic.url(), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "wrong_resource_kind"
    assert response.json()["fields"] == {
        "resources[1]": ["Surgeon must be a practitioner."],
        "resources[3]": ["Scrub nurse must be a nurse."],
    }
    assert not Booking.objects.exists()


def test_a_team_missing_a_member_is_refused(clinic, team, api_client):
    body = clinic.body("10:00", "12:00", resources=_team_order(clinic, team)[:3], appointment_type=team["case"].pk)
    response = api_client.post(clinic.url(), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "Theatre, Surgeon, Anaesthetist, Scrub nurse" in response.json()["fields"]["resources"][0]
    assert not Booking.objects.exists()


def test_a_single_need_takes_only_its_kinds(clinic):
    chemo = AppointmentTypeFactory(
        facility=clinic.facility, name="Chemotherapy, long", resource_needs=[{"role": "Chair", "kinds": ["chair"]}]
    )
    with pytest.raises(ApplicationError) as refused:
        services.booking_create(
            facility=clinic.facility,
            actor=clinic.admin,
            actor_role=Role.ADMIN,
            request=services.BookingRequest(
                patient_id=clinic.patients[0].pk,
                appointment_type_id=chemo.pk,
                start=clinic.at("09:00"),
                end=clinic.at("09:15"),
                resources=(services.ResourceRequest(clinic.doctor.pk),),
            ),
        )
    assert refused.value.code == "wrong_resource_kind"
    assert refused.value.fields == {"resources[0]": ["Chair must be a chair."]}


def test_a_type_without_needs_books_any_resource_as_before(clinic, api_client):
    for resource, start in ((clinic.chair, "10:00"), (clinic.theatre, "11:00")):
        response = api_client.post(clinic.url(), clinic.body(start, resources=[resource]), format="json")
        assert response.status_code == 201, response.content


def test_reschedule_keeps_the_team(clinic, team, api_client):
    # A theatre made after the people: the booking's rows, read back by resource id, are then not
    # in the needs' order, and the reschedule still fits each to its role.
    theatre = ResourceFactory(facility=clinic.facility, kind=ResourceKind.THEATRE, name="Theatre 9")
    make_schedule(clinic.facility, theatre, clinic.admin, window(EVERY_DAY, "08:00", "20:00", type="open"))
    members = [theatre, team["surgeon"], team["anaesthetist"], team["nurse"]]
    booking = _create(clinic, team, members)
    response = api_client.post(
        clinic.url(f"bookings/{booking.pk}/reschedule/"), {"start": clinic.at("14:00").isoformat()}, format="json"
    )
    assert response.status_code == 201, response.content
    moved = Booking.objects.get(pk=response.json()["id"])
    assert {row.resource for row in moved.resources.all()} == set(members)
    assert (moved.start, moved.end) == (clinic.at("14:00"), clinic.at("16:00"))


def test_each_member_keeps_the_role_booked_for_through_a_reschedule(clinic, team, api_client, client):
    # Booked with the newer practitioner (higher id) as surgeon: an order read back by id, or
    # guessed from kinds alone, would swap the two.
    swapped = [clinic.theatre, team["anaesthetist"], team["surgeon"], team["nurse"]]
    booking = _create(clinic, team, swapped)
    roles = {row.resource_id: row.role for row in booking.resources.all()}
    assert roles[team["anaesthetist"].pk] == "Surgeon" and roles[team["surgeon"].pk] == "Anaesthetist"
    response = api_client.post(
        clinic.url(f"bookings/{booking.pk}/reschedule/"), {"start": clinic.at("14:00").isoformat()}, format="json"
    )
    assert response.status_code == 201, response.content
    shown = {item["name"]: item["role"] for item in response.json()["resources"]}
    assert shown == {
        "Theatre 1": "Theatre",
        "Dr Bram Yarrow": "Surgeon",
        "Dr Orla Vale": "Anaesthetist",
        "Nurse Ilse Quarry": "Scrub nurse",
    }
    client.force_login(clinic.admin)
    page = client.get(f"/f/{clinic.facility.slug}/bookings/{response.json()['id']}/").content.decode()
    assert page.index("Surgeon: Dr Bram Yarrow") < page.index("Anaesthetist: Dr Orla Vale")


def test_reschedule_onto_a_wrong_team_is_refused(clinic, team, api_client):
    booking = _create(clinic, team, _team_order(clinic, team))
    wrong = [team["surgeon"], clinic.theatre, team["anaesthetist"], team["nurse"]]
    response = api_client.post(
        clinic.url(f"bookings/{booking.pk}/reschedule/"),
        {"start": clinic.at("14:00").isoformat(), "resources": [{"resource": r.pk} for r in wrong]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "wrong_resource_kind"
    assert Booking.objects.get(pk=booking.pk).status == "scheduled"


# --- walk-ins -------------------------------------------------------------------------------


def _walk_in(clinic, appointment_type, resource, now):
    return services.walk_in_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        patient_id=clinic.patients[0].pk,
        resource_id=resource.pk,
        appointment_type_id=appointment_type.pk,
        now=now,
    )


def test_a_walk_in_of_a_team_type_is_refused_clearly(clinic, team):
    with pytest.raises(ApplicationError) as refused:
        _walk_in(clinic, team["case"], clinic.theatre, now=clinic.at("10:05", days_ahead=0))
    assert refused.value.code == "invalid"
    assert "needs a team" in refused.value.fields["appointment_type"][0]
    assert not Booking.objects.exists()


def test_a_walk_in_must_fit_the_types_one_need(clinic):
    chair_only = AppointmentTypeFactory(
        facility=clinic.facility, default_minutes=30, resource_needs=[{"role": "Chair", "kinds": ["chair"]}]
    )
    now = clinic.at("10:05", days_ahead=0)
    with pytest.raises(ApplicationError) as refused:
        _walk_in(clinic, chair_only, clinic.theatre, now=now)
    assert refused.value.code == "wrong_resource_kind"
    booking = _walk_in(clinic, chair_only, clinic.chair, now=now)
    assert booking.resources.get().resource == clinic.chair
    assert booking.start <= now + dt.timedelta(minutes=30)
