"""A patient's date of birth is a real one (from 1900 to today) and an MRN is unique in the
facility whatever its case: the API, the registration page and the service agree."""

import datetime as dt

import pytest
from django.db import IntegrityError

from scheduling import services
from scheduling.errors import ApplicationError
from scheduling.models import Patient
from tests.factories import PatientFactory
from tests.hardening.conftest import api

TOMORROW = dt.date.today() + dt.timedelta(days=2)
BAD_BIRTHS = [TOMORROW.isoformat(), "1899-12-31", "0001-01-01", "9999-12-31"]


@pytest.mark.parametrize("born", BAD_BIRTHS)
def test_the_api_refuses_an_impossible_date_of_birth(facility, api_client, born):
    body = {"mrn": "DOB-1", "name": "Testperson Born", "date_of_birth": born}
    response = api_client.post(api_for(facility, "patients/"), body, format="json")
    assert response.status_code == 400
    assert "date_of_birth" in response.json()["fields"]
    assert not Patient.objects.exists()


@pytest.mark.parametrize("born", BAD_BIRTHS)
def test_an_update_cannot_move_the_birth_out_of_range(facility, api_client, born):
    patient = PatientFactory(facility=facility)
    response = api_client.patch(api_for(facility, f"patients/{patient.pk}/"), {"date_of_birth": born}, format="json")
    assert response.status_code == 400
    assert "date_of_birth" in response.json()["fields"]
    patient.refresh_from_db()
    assert patient.date_of_birth == dt.date(1980, 5, 17)


@pytest.mark.parametrize("born", [TOMORROW.isoformat(), "1899-12-31"])
def test_the_registration_page_refuses_an_impossible_date_of_birth(facility, browser, born):
    response = browser.post(
        f"/f/{facility.slug}/patients/new/", {"mrn": "DOB-2", "name": "Testperson Paged", "date_of_birth": born}
    )
    assert response.status_code == 400
    assert "date of birth" in response.content.decode().lower()
    assert not Patient.objects.exists()


def test_the_service_refuses_an_impossible_date_of_birth(facility, user):
    with pytest.raises(ApplicationError) as refused:
        services.patient_create(facility=facility, actor=user, mrn="X-1", name="Someone", date_of_birth=TOMORROW)
    assert "date_of_birth" in refused.value.fields
    born_today = services.patient_create(
        facility=facility, actor=user, mrn="X-2", name="Newborn", date_of_birth=dt.date.today()
    )
    assert born_today.pk


def test_an_mrn_differing_only_in_case_is_a_duplicate(facility, api_client):
    PatientFactory(facility=facility, mrn="abc-123")
    body = {"mrn": "ABC-123", "name": "Testperson Twin", "date_of_birth": "1990-01-02"}
    response = api_client.post(api_for(facility, "patients/"), body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"
    assert "mrn" in response.json()["fields"]
    assert Patient.objects.count() == 1


def test_an_update_to_an_mrn_differing_only_in_case_is_a_duplicate(facility, api_client):
    PatientFactory(facility=facility, mrn="abc-123")
    other = PatientFactory(facility=facility, mrn="xyz-9")
    response = api_client.patch(api_for(facility, f"patients/{other.pk}/"), {"mrn": "ABC-123"}, format="json")
    assert response.status_code == 409
    assert "mrn" in response.json()["fields"]


def test_the_database_holds_mrns_unique_whatever_their_case(facility, other_facility):
    PatientFactory(facility=facility, mrn="abc-123")
    PatientFactory(facility=other_facility, mrn="ABC-123")  # another facility may use it
    with pytest.raises(IntegrityError):
        Patient.objects.create(facility=facility, mrn="ABC-123", name="Raw Insert", date_of_birth=dt.date(1990, 1, 1))


def api_for(facility, tail: str) -> str:
    return f"/api/v1/facilities/{facility.slug}/{tail}"


def test_api_helper_matches_the_clinic_one(clinic):
    assert api(clinic, "x/") == api_for(clinic.facility, "x/")
