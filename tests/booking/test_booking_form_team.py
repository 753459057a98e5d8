"""The booking form offers what fits the chosen appointment type: one resource select per need
of its team, labelled by role and listing only the kinds it allows; slots long enough for it;
for a team, the times when all of them are free. Priority only for roles allowed it."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from booking import services
from booking.forms import BookingForm
from booking.models import Booking, Kind, Priority
from scheduling.errors import ApplicationError
from scheduling.models import Role
from tests.booking.conftest import theatre_team
from tests.factories import AppointmentTypeFactory


def page_url(clinic, tail: str = "") -> str:
    return f"/f/{clinic.facility.slug}/bookings/{tail}"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def team(clinic):
    return theatre_team(clinic, surgeon_from="10:00")  # the others are there from 08:00


@pytest.fixture
def chemo_long(clinic):
    return AppointmentTypeFactory(
        facility=clinic.facility,
        code="chemo-long",
        name="Chemotherapy, long",
        default_minutes=300,
        resource_needs=[{"role": "Chair", "kinds": ["chair"]}],
    )


@pytest.fixture
def clinician(clinic, make_member):
    return client_for(make_member(clinic.facility, Role.CLINICIAN, username="dr-quill"))


@pytest.fixture
def desk(clinic, scheduler):
    return client_for(scheduler)


@pytest.fixture
def frozen_now(monkeypatch):
    """Pins django.utils.timezone.now, which the services and selectors all read."""

    def freeze(instant):
        monkeypatch.setattr(timezone, "now", lambda: instant)
        return instant

    return freeze


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, f"no select {name}"
    return re.findall(r'<option value="(\d+)"', select.group(0))


def _team_order(clinic, team):
    return [clinic.theatre, team["surgeon"], team["anaesthetist"], team["nurse"]]


def _team_query(clinic, team, **extra) -> dict:
    names = ["resource", "resource_1", "resource_2", "resource_3"]
    return {
        "appointment_type": team["case"].pk,
        **{name: r.pk for name, r in zip(names, _team_order(clinic, team), strict=True)},
        **extra,
    }


# --- the resource selects -------------------------------------------------------------------


def test_a_team_type_gets_one_select_per_role_with_only_its_kinds(clinic, team, clinician):
    html = clinician.get(page_url(clinic, "team/"), {"appointment_type": team["case"].pk}).content.decode()
    for role in ("Theatre", "Surgeon", "Anaesthetist", "Scrub nurse"):
        assert f">{role}" in html
    assert _options(html, "resource") == [str(clinic.theatre.pk)]
    practitioners = {str(r.pk) for r in (clinic.doctor, team["surgeon"], team["anaesthetist"])}
    assert set(_options(html, "resource_1")) == practitioners == set(_options(html, "resource_2"))
    assert _options(html, "resource_3") == [str(team["nurse"].pk)]
    # The whole form opened for the type shows the same selects.
    page = clinician.get(page_url(clinic, "new/"), {"appointment_type": team["case"].pk}).content.decode()
    assert _options(page, "resource_3") == [str(team["nurse"].pk)]


def test_chemotherapy_long_is_not_offered_a_doctor(clinic, chemo_long, desk):
    html = desk.get(
        page_url(clinic, "team/"), {"appointment_type": chemo_long.pk, "resource": clinic.doctor.pk}
    ).content.decode()
    assert _options(html, "resource") == [str(clinic.chair.pk)]
    assert ">Chair" in html and "selected" not in html  # the doctor picked before does not fit


def test_without_a_type_any_resource_is_offered_but_locations_only_to_those_allowed(clinic, desk, clinician):
    mine = set(_options(desk.get(page_url(clinic, "team/")).content.decode(), "resource"))
    assert mine == {str(clinic.chair.pk), str(clinic.doctor.pk)}  # the desk may not book the theatre
    theirs = set(_options(clinician.get(page_url(clinic, "team/")).content.decode(), "resource"))
    assert theirs == {str(clinic.chair.pk), str(clinic.doctor.pk), str(clinic.theatre.pk)}


def test_a_picked_resource_that_still_fits_stays_picked(clinic, team, clinician):
    html = clinician.get(
        page_url(clinic, "team/"), {"appointment_type": team["case"].pk, "resource_1": team["surgeon"].pk}
    ).content.decode()
    assert f'<option value="{team["surgeon"].pk}" selected>' in html


# --- the slot picker ----------------------------------------------------------------------------


def test_a_slot_shorter_than_the_type_is_not_offered(clinic, desk):
    long_visit = AppointmentTypeFactory(facility=clinic.facility, name="Chemotherapy, long", default_minutes=300)
    day = clinic.at("10:00").date().isoformat()
    html = desk.get(
        page_url(clinic, "slots/"), {"resource": clinic.doctor.pk, "date": day, "appointment_type": long_visit.pk}
    ).content.decode()
    assert 'type="radio"' not in html and "long enough for Chemotherapy, long" in html
    # The same doctor's tokens are offered to a type that fits them.
    short = AppointmentTypeFactory(facility=clinic.facility, default_minutes=15)
    html = desk.get(
        page_url(clinic, "slots/"), {"resource": clinic.doctor.pk, "date": day, "appointment_type": short.pk}
    ).content.decode()
    assert f'value="{clinic.slot("09:00", "09:15")}"' in html


def test_the_team_picker_lists_times_when_all_are_free(clinic, team, clinician):
    # The anaesthetist is busy 14:00-15:00.
    services.booking_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        request=services.BookingRequest(
            patient_id=clinic.patients[2].pk,
            appointment_type_id=clinic.visit.pk,
            start=clinic.at("14:00"),
            end=clinic.at("15:00"),
            resources=(services.ResourceRequest(team["anaesthetist"].pk),),
        ),
    )
    day = clinic.at("10:00").date().isoformat()
    html = clinician.get(page_url(clinic, "slots/"), _team_query(clinic, team, date=day)).content.decode()
    offered = re.findall(r'type="radio" name="slot" value="([^"]+)"', html)
    assert offered == [
        clinic.slot("10:00", "12:00"),  # not 08:00: the surgeon starts at 10
        clinic.slot("12:00", "14:00"),
        clinic.slot("16:00", "18:00"),  # not 14:00: the anaesthetist is busy
        clinic.slot("18:00", "20:00"),
    ]
    assert "are all free for 120 minutes" in html


def test_the_team_picker_says_so_when_one_person_fills_two_roles(clinic, team, clinician):
    query = _team_query(clinic, team, date=clinic.at("10:00").date().isoformat())
    query["resource_2"] = query["resource_1"]  # the surgeon chosen as anaesthetist too
    html = clinician.get(page_url(clinic, "slots/"), query).content.decode()
    assert 'type="radio"' not in html
    assert "One person is chosen for two roles" in html


def test_the_team_picker_waits_for_every_member(clinic, team, clinician):
    query = _team_query(clinic, team, date=clinic.at("10:00").date().isoformat())
    del query["resource_2"]
    html = clinician.get(page_url(clinic, "slots/"), query).content.decode()
    assert 'type="radio"' not in html and "Choose the theatre, surgeon, anaesthetist, scrub nurse" in html


# --- booking through the form ---------------------------------------------------------------------


def _form_body(clinic, team, slot: str, **extra) -> dict:
    return {
        "patient": clinic.patients[0].pk,
        **_team_query(clinic, team),
        "date": clinic.at("10:00").date().isoformat(),
        "slot": slot,
        "note": "",
        **extra,
    }


def test_a_team_is_booked_through_the_form(clinic, team, clinician):
    response = clinician.post(page_url(clinic, "new/"), _form_body(clinic, team, clinic.slot("10:00", "12:00")))
    assert response.status_code == 302, response.content.decode()
    booking = Booking.objects.get()
    assert {row.resource for row in booking.resources.all()} == set(_team_order(clinic, team))
    assert (booking.start, booking.end, booking.priority) == (clinic.at("10:00"), clinic.at("12:00"), "routine")


def test_the_same_person_in_two_roles_is_refused(clinic, team, clinician):
    body = _form_body(clinic, team, clinic.slot("10:00", "12:00"), resource_2=team["surgeon"].pk)
    response = clinician.post(page_url(clinic, "new/"), body)
    assert response.status_code == 400
    assert "each role needs its own" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_forged_resource_of_the_wrong_kind_is_refused_by_its_select(clinic, team, clinician):
    body = _form_body(clinic, team, clinic.slot("10:00", "12:00"), resource_3=team["anaesthetist"].pk)
    response = clinician.post(page_url(clinic, "new/"), body)
    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_a_service_error_about_one_resource_lands_on_its_roles_select(clinic, team):
    form = BookingForm(_form_body(clinic, team, clinic.slot("10:00", "12:00")), facility=clinic.facility)
    assert form.is_valid(), form.errors
    form.add_service_error(
        ApplicationError("wrong_resource_kind", "x", fields={"resources[2]": ["Anaesthetist must be a practitioner."]})
    )
    assert form.errors["resource_2"] == ["Anaesthetist must be a practitioner."]


def test_the_form_opens_for_a_patient(clinic, desk):
    patient = clinic.patients[1]
    html = desk.get(page_url(clinic, "new/"), {"patient": patient.pk}).content.decode()
    assert f'name="patient" value="{patient.pk}"' in html and patient.name in html
    # Another facility's or an unknown patient leaves the search.
    html = desk.get(page_url(clinic, "new/"), {"patient": "999999"}).content.decode()
    assert 'id="patient-search"' in html


# --- priority only for roles allowed it --------------------------------------------------------------


def test_priority_is_shown_only_to_roles_allowed_emergencies(clinic, desk, clinician):
    for tail in ("new/", "walk-in/"):
        assert 'name="priority"' in clinician.get(page_url(clinic, tail)).content.decode()
        assert 'name="priority"' not in desk.get(page_url(clinic, tail)).content.decode()


def _chair_body(clinic, **extra) -> dict:
    return {
        "patient": clinic.patients[0].pk,
        "appointment_type": clinic.visit.pk,
        "resource": clinic.chair.pk,
        "date": clinic.at("10:00").date().isoformat(),
        "slot": clinic.slot("10:00", "10:30"),
        "note": "",
        **extra,
    }


def test_a_forged_priority_from_the_desk_is_ignored(clinic, desk):
    response = desk.post(page_url(clinic, "new/"), _chair_body(clinic, priority="emergency"))
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.priority, booking.kind) == (Priority.ROUTINE, Kind.SCHEDULED)


@pytest.mark.parametrize(("priority", "kind"), [("urgent", Kind.SCHEDULED), ("emergency", Kind.EMERGENCY)])
def test_a_clinician_sets_the_priority(clinic, clinician, priority, kind):
    response = clinician.post(page_url(clinic, "new/"), _chair_body(clinic, priority=priority))
    assert response.status_code == 302, response.content.decode()
    booking = Booking.objects.get()
    assert (booking.priority, booking.kind) == (priority, kind)


def test_walk_in_priority_is_the_clinicians_and_ignored_from_the_desk(clinic, desk, clinician, frozen_now):
    frozen_now(clinic.at("10:05", days_ahead=1))
    body = {
        "patient": clinic.patients[0].pk,
        "resource": clinic.chair.pk,
        "appointment_type": clinic.visit.pk,
        "priority": "emergency",
        "note": "",
    }
    assert desk.post(page_url(clinic, "walk-in/"), body).status_code == 302
    assert Booking.objects.get().priority == Priority.ROUTINE
    body["patient"] = clinic.patients[1].pk
    assert clinician.post(page_url(clinic, "walk-in/"), body).status_code == 302
    assert Booking.objects.get(patient=clinic.patients[1]).priority == Priority.EMERGENCY


def test_a_team_type_as_a_walk_in_is_refused_on_the_page(clinic, team, clinician, frozen_now):
    frozen_now(clinic.at("10:05", days_ahead=1))
    body = {
        "patient": clinic.patients[0].pk,
        "resource": clinic.theatre.pk,
        "appointment_type": team["case"].pk,
        "note": "",
    }
    response = clinician.post(page_url(clinic, "walk-in/"), body)
    assert response.status_code == 400
    assert "needs a team" in response.content.decode()
    assert not Booking.objects.exists()


def _book_chair(clinic, patient, start="10:00", end="10:30"):
    return services.booking_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        request=services.BookingRequest(
            patient_id=patient.pk,
            appointment_type_id=clinic.visit.pk,
            start=clinic.at(start),
            end=clinic.at(end),
            resources=(services.ResourceRequest(clinic.chair.pk),),
        ),
    )


def test_an_emergency_is_offered_booked_time_and_moves_what_was_there(clinic, clinician, desk):
    routine = _book_chair(clinic, clinic.patients[2])
    query = {
        "resource": clinic.chair.pk,
        "appointment_type": clinic.visit.pk,
        "date": clinic.at("10:00").date().isoformat(),
        "priority": "emergency",
    }
    taken = f'value="{clinic.slot("10:00", "10:30")}"'
    html = clinician.get(page_url(clinic, "slots/"), query).content.decode()
    assert taken in html and "booked: moved to reschedule" in html
    # The desk may not book emergencies: the same question lists free slots only.
    assert taken not in desk.get(page_url(clinic, "slots/"), query).content.decode()

    response = clinician.post(page_url(clinic, "new/"), _chair_body(clinic, priority="emergency"))
    assert response.status_code == 302, response.content.decode()
    emergency = Booking.objects.get(kind=Kind.EMERGENCY)
    assert (emergency.priority, emergency.start) == (Priority.EMERGENCY, clinic.at("10:00"))
    routine.refresh_from_db()
    assert routine.status == "needs_reschedule"
