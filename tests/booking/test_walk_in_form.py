"""The walk-in form follows the chosen appointment type: its resource select lists only what fits
the type's one need (re-rendered through htmx when the type changes), and a type that needs a
team says it cannot be a walk-in before anything is submitted."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from booking.models import Booking, Kind
from scheduling.models import ResourceKind, Role
from tests.booking.test_resource_needs import TEAM
from tests.factories import AppointmentTypeFactory, ResourceFactory


def page_url(clinic, tail: str = "") -> str:
    return f"/f/{clinic.facility.slug}/bookings/{tail}"


@pytest.fixture
def desk(clinic, scheduler):
    client = Client()
    client.force_login(scheduler)
    return client


@pytest.fixture
def clinician(clinic, make_member):
    client = Client()
    client.force_login(make_member(clinic.facility, Role.CLINICIAN, username="dr-quill"))
    return client


@pytest.fixture
def chemo(clinic):
    return AppointmentTypeFactory(
        facility=clinic.facility,
        code="chemo",
        name="Chemotherapy",
        default_minutes=30,
        resource_needs=[{"role": "Chair", "kinds": ["chair"]}],
    )


@pytest.fixture
def theatre_case(clinic):
    return AppointmentTypeFactory(
        facility=clinic.facility, code="theatre-case", name="Theatre case", default_minutes=120, resource_needs=TEAM
    )


def _options(html: str) -> list[str]:
    select = re.search(r'<select name="resource".*?</select>', html, re.S)
    assert select, "no resource select"
    return re.findall(r'<option value="(\d+)"', select.group(0))


def test_the_resource_select_follows_the_types_need(clinic, chemo, desk):
    html = desk.get(page_url(clinic, "walk-in/resource/"), {"appointment_type": chemo.pk}).content.decode()
    assert _options(html) == [str(clinic.chair.pk)]
    assert "Choose the chair…" in html and re.search(r"<label[^>]*>Chair\b", html)
    # Without a type, any resource the role may book (the desk: no theatre).
    html = desk.get(page_url(clinic, "walk-in/resource/")).content.decode()
    assert set(_options(html)) == {str(clinic.chair.pk), str(clinic.doctor.pk)}


def test_a_picked_resource_stays_picked_only_while_it_fits(clinic, chemo, desk):
    query = {"appointment_type": chemo.pk, "resource": clinic.chair.pk}
    html = desk.get(page_url(clinic, "walk-in/resource/"), query).content.decode()
    assert f'<option value="{clinic.chair.pk}" selected>' in html
    query["resource"] = clinic.doctor.pk
    html = desk.get(page_url(clinic, "walk-in/resource/"), query).content.decode()
    assert "selected>" not in html.split('name="resource"')[1].split("</select>")[0]


def test_the_page_re_renders_the_select_when_the_type_changes(clinic, chemo, desk):
    html = desk.get(page_url(clinic, "walk-in/"), {"appointment_type": chemo.pk}).content.decode()
    container = re.search(r'<div id="walk-in-resource"[^>]*>', html, re.S).group(0)
    assert f'hx-get="{page_url(clinic, "walk-in/resource/")}"' in container
    assert 'hx-trigger="change from:#id_appointment_type"' in container
    assert "#id_appointment_type" in re.search(r'hx-include="([^"]+)"', container).group(1)
    assert _options(html) == [str(clinic.chair.pk)]  # opened for the type, it already fits it


def test_a_team_type_says_it_cannot_be_a_walk_in_before_submitting(clinic, theatre_case, clinician):
    patient = clinic.patients[0]
    html = clinician.get(
        page_url(clinic, "walk-in/resource/"), {"appointment_type": theatre_case.pk, "patient": patient.pk}
    ).content.decode()
    assert "Theatre case needs a team (Theatre, Surgeon, Anaesthetist, Scrub nurse)" in html
    assert 'name="resource"' not in html
    link = page_url(clinic, f"new/?appointment_type={theatre_case.pk}&amp;patient={patient.pk}")
    assert f'href="{link}"' in html
    assert Booking.objects.count() == 0


def test_a_resource_that_does_not_fit_the_type_is_refused_by_its_select(clinic, chemo, desk):
    body = {"patient": clinic.patients[0].pk, "resource": clinic.doctor.pk, "appointment_type": chemo.pk, "note": ""}
    response = desk.post(page_url(clinic, "walk-in/"), body)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_team_type_posted_anyway_is_refused_on_the_type(clinic, theatre_case, clinician):
    body = {"patient": clinic.patients[0].pk, "appointment_type": theatre_case.pk, "note": ""}
    response = clinician.post(page_url(clinic, "walk-in/"), body)
    assert response.status_code == 400
    html = response.content.decode()
    assert "A type that needs a team cannot be a walk-in." in html and "needs a team (Theatre" in html
    assert not Booking.objects.exists()


def test_a_walk_in_on_a_fitting_resource_is_booked(clinic, chemo, desk, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: clinic.at("10:10", days_ahead=1))
    body = {"patient": clinic.patients[0].pk, "resource": clinic.chair.pk, "appointment_type": chemo.pk, "note": ""}
    response = desk.post(page_url(clinic, "walk-in/"), body)
    assert response.status_code == 302, response.content.decode()
    booking = Booking.objects.get()
    assert booking.kind == Kind.WALK_IN
    assert [row.resource_id for row in booking.resources.all()] == [clinic.chair.pk]


def test_a_location_need_is_explained_to_a_role_that_may_not_book_it(clinic, desk):
    operating_room = AppointmentTypeFactory(
        facility=clinic.facility,
        code="minor-op",
        name="Minor operation",
        default_minutes=30,
        resource_needs=[{"role": "Theatre", "kinds": [ResourceKind.THEATRE]}],
    )
    ResourceFactory(facility=clinic.facility, kind=ResourceKind.THEATRE, name="Theatre 2")
    html = desk.get(page_url(clinic, "walk-in/resource/"), {"appointment_type": operating_room.pk}).content.decode()
    assert _options(html) == []
    assert "Your role may not book theatres or rooms." in html
