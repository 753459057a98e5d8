"""Registering a patient: a date of birth in the future is refused on the field (page) and by
the service (API, 400 naming ``date_of_birth``); the phone field says which format it wants,
and its error says the same."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduling.models import Patient, Role
from tests.factories import PatientFactory

PHONE_HELP = "Digits, spaces, + ( ) -; up to 30 characters, e.g. +44 20 7946 0000."
GOOD = {"mrn": "REG-1", "name": "Testperson Registered", "date_of_birth": "1975-03-04", "phone": "+44 20 7946 0000"}


def form_url(facility) -> str:
    return reverse("scheduling:patient_create", kwargs={"facility_slug": facility.slug})


def a_day_to_come() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date() + dt.timedelta(days=2)


@pytest.fixture
def desk(facility, signed_in):
    return signed_in(Role.SCHEDULER)


def test_the_form_says_which_phone_format_it_wants(facility, desk):
    html = desk.get(form_url(facility)).content.decode()
    assert html.count("<h1") == 1
    assert f'id="id_phone_helptext">{PHONE_HELP}</small>' in html
    assert 'aria-describedby="id_phone_helptext"' in html
    assert 'max="' in html  # the date picker stops at today


def test_a_bad_phone_is_refused_with_the_format(facility, desk):
    response = desk.post(form_url(facility), {**GOOD, "phone": "call me on 0123"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_phone_error" role="alert">Enter the phone as digits, spaces, + ( ) -; up to 30 characters' in html
    assert not Patient.objects.exists()


def test_a_date_of_birth_in_the_future_is_refused_on_the_field(facility, desk):
    response = desk.post(form_url(facility), {**GOOD, "date_of_birth": a_day_to_come().isoformat()})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_date_of_birth_error" role="alert">The date of birth cannot be in the future.</small>' in html
    assert not Patient.objects.exists()


def test_a_good_patient_is_registered(facility, desk):
    response = desk.post(form_url(facility), GOOD)
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert patient.phone == "+44 20 7946 0000"
    # The desk lands on the new patient's page, where booking them is the next step.
    assert response["Location"] == reverse(
        "frontdesk:patient", kwargs={"facility_slug": facility.slug, "patient_id": patient.pk}
    )
    page = desk.get(response["Location"]).content.decode()
    assert "Registered Testperson Registered (REG-1)." in page and "Book this patient" in page


def test_the_api_refuses_a_future_date_of_birth_naming_the_field(facility, api_client):
    body = {**GOOD, "date_of_birth": a_day_to_come().isoformat()}
    response = api_client.post(f"/api/v1/facilities/{facility.slug}/patients/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["date_of_birth"] == ["The date of birth cannot be in the future."]
    assert not Patient.objects.exists()


def test_an_api_update_cannot_move_the_birth_into_the_future(facility, api_client):
    patient = PatientFactory(facility=facility)
    response = api_client.patch(
        f"/api/v1/facilities/{facility.slug}/patients/{patient.pk}/",
        {"date_of_birth": a_day_to_come().isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["date_of_birth"] == ["The date of birth cannot be in the future."]
    patient.refresh_from_db()
    assert patient.date_of_birth == dt.date(1980, 5, 17)


def test_the_patient_list_links_each_name_to_the_patient_page(facility, desk):
    patient = PatientFactory(facility=facility, name="Peregrine Ashvale")
    html = desk.get(reverse("scheduling:patients", kwargs={"facility_slug": facility.slug})).content.decode()
    assert html.count("<h1") == 1
    link = reverse("frontdesk:patient", kwargs={"facility_slug": facility.slug, "patient_id": patient.pk})
    assert f'<a href="{link}">Peregrine Ashvale</a>' in html


def test_the_api_names_the_phone_format_it_wants(facility, api_client):
    url = f"/api/v1/facilities/{facility.slug}/patients/"
    response = api_client.post(url, {**GOOD, "phone": "call me on 0123"}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["phone"] == [f"Enter the phone as d{PHONE_HELP[1:]}"]
    assert not Patient.objects.filter(mrn="REG-1").exists()
