"""A clinician books a theatre case as a person would: the type's team appears as one select per
role, the picker offers only the times when all four are free, and the day board shows the case
on each of the four rows. And a long chemotherapy is offered only chairs and long-enough slots.
All names are invented."""

import re

import pytest
from playwright.sync_api import expect

from booking.models import Booking
from scheduling.models import ResourceKind, Role
from tests.availability.factories import make_schedule, window
from tests.booking.conftest import EVERY_DAY, TEAM, build_clinic
from tests.browser.a11y import assert_accessible
from tests.factories import AppointmentTypeFactory, FacilityFactory, MembershipFactory, ResourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic():
    facility = FacilityFactory(name="Larkspur Surgical Centre", slug="larkspur")
    admin = UserFactory(username="admin-larkspur")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    MembershipFactory(facility=facility, user=UserFactory(username="dr-fennimore"), role=Role.CLINICIAN)
    clinic = build_clinic(facility, admin)
    patient = clinic.patients[1]
    patient.name, patient.mrn = "Corin Mossfield", "LSC-000207"
    patient.save()
    clinic.surgeon = ResourceFactory(facility=facility, kind=ResourceKind.PRACTITIONER, name="Dr Saoirse Oakhart")
    clinic.anaesthetist = ResourceFactory(facility=facility, kind=ResourceKind.PRACTITIONER, name="Dr Ulric Greyling")
    clinic.nurse = ResourceFactory(facility=facility, kind=ResourceKind.NURSE, name="Nurse Perrin Underhill")
    # The surgeon operates from 13:00: on the theatre's two-hour slots from 08:00, the first time
    # all four are free is 14:00-16:00.
    make_schedule(facility, clinic.surgeon, admin, window(EVERY_DAY, "13:00", "19:00", type="open"))
    for person in (clinic.anaesthetist, clinic.nurse):
        make_schedule(facility, person, admin, window(EVERY_DAY, "08:00", "19:00", type="open"))
    clinic.case = AppointmentTypeFactory(
        facility=facility, code="theatre-case", name="Theatre case", default_minutes=120, resource_needs=TEAM
    )
    clinic.chemo = AppointmentTypeFactory(
        facility=facility,
        code="chemo-long",
        name="Chemotherapy, long",
        default_minutes=300,
        resource_needs=[{"role": "Chair", "kinds": ["chair"]}],
    )
    return clinic


def test_a_clinician_books_a_theatre_case_with_its_team(clinic, log_in):
    page = log_in("dr-fennimore")
    day = clinic.at("10:00").date()
    patient = clinic.patients[1]
    # Opened from the patient's page: the patient is already chosen.
    page.goto(f"/f/larkspur/bookings/new/?patient={patient.pk}&date={day.isoformat()}")
    expect(page.locator("#patient-picker .picked")).to_contain_text("Corin Mossfield")
    expect(page.get_by_label("Priority")).to_have_value("routine")  # a clinician may set it

    # Choosing the type brings one select per role of its team.
    with page.expect_response(lambda r: "/bookings/team/" in r.url):
        page.get_by_label("Appointment type").select_option(str(clinic.case.pk))
    for role in ("Theatre", "Surgeon", "Anaesthetist", "Scrub nurse"):
        expect(page.get_by_role("combobox", name=role, exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="Theatre", exact=True).locator("option")).to_have_text(
        ["Choose the theatre…", "Theatre 1 (Theatre)"]
    )
    expect(page.get_by_role("combobox", name="Scrub nurse", exact=True).locator("option")).to_have_text(
        ["Choose the scrub nurse…", "Nurse Perrin Underhill (Nurse)"]
    )
    expect(page.locator("#slot-picker")).to_contain_text("Choose the theatre, surgeon, anaesthetist, scrub nurse")

    page.get_by_role("combobox", name="Theatre", exact=True).select_option(str(clinic.theatre.pk))
    page.get_by_role("combobox", name="Surgeon", exact=True).select_option(str(clinic.surgeon.pk))
    page.get_by_role("combobox", name="Anaesthetist", exact=True).select_option(str(clinic.anaesthetist.pk))
    with page.expect_response(lambda r: "/bookings/slots/" in r.url and "resource_3=" in r.url):
        page.get_by_role("combobox", name="Scrub nurse", exact=True).select_option(str(clinic.nurse.pk))

    # Only times when all four are free, each the case's two hours.
    first = page.locator("#slot-picker .slot-option").first
    expect(first).to_have_text(re.compile("14:00–16:00"))
    expect(page.locator("#slot-picker")).to_contain_text("are all free for 120 minutes")
    expect(page.locator("#slot-picker .slot-option", has_text="12:00–14:00")).to_have_count(0)
    assert_accessible(page, context="the booking form with a team")
    first.click()
    page.get_by_role("button", name="Book", exact=True).click()

    booking = Booking.objects.get()
    expect(page).to_have_url(re.compile(rf"/f/larkspur/bookings/{booking.pk}/$"))
    expect(page.get_by_role("status").first).to_contain_text("Booked Corin Mossfield")
    team = [clinic.theatre, clinic.surgeon, clinic.anaesthetist, clinic.nurse]
    assert {row.resource_id for row in booking.resources.all()} == {r.pk for r in team}
    assert (booking.start, booking.end) == (clinic.at("14:00"), clinic.at("16:00"))

    # The day board shows the case on each of the four rows, and on no other.
    page.goto(f"/f/larkspur/bookings/?date={day.isoformat()}")
    for resource in team:
        row = page.locator("table.day-board tbody tr", has=page.locator("th", has_text=resource.name))
        expect(row.locator("a.chip-booked", has_text="Corin Mossfield")).to_have_count(1)
    for other in (clinic.chair, clinic.doctor):
        row = page.locator("table.day-board tbody tr", has=page.locator("th", has_text=other.name))
        expect(row.locator("a.chip-booked")).to_have_count(0)
    assert not page.console_errors


def test_a_long_chemotherapy_is_offered_only_chairs_and_slots_long_enough(clinic, log_in):
    page = log_in("dr-fennimore")
    day = clinic.at("10:00").date()
    # Opened from the doctor's free token slot on the day board.
    page.goto(f"/f/larkspur/bookings/new/?resource={clinic.doctor.pk}&date={day.isoformat()}")
    expect(page.get_by_role("combobox", name="Resource", exact=True)).to_have_value(str(clinic.doctor.pk))
    with page.expect_response(lambda r: "/bookings/slots/" in r.url and f"appointment_type={clinic.chemo.pk}" in r.url):
        page.get_by_label("Appointment type").select_option(str(clinic.chemo.pk))
    chair = page.get_by_role("combobox", name="Chair", exact=True)
    expect(chair.locator("option")).to_have_text(["Choose the chair…", "Chair 01 (Chair)"])  # no doctor
    expect(page.locator("#slot-picker")).to_contain_text("Choose the chair")
    with page.expect_response(lambda r: "/bookings/slots/" in r.url and f"resource={clinic.chair.pk}" in r.url):
        chair.select_option(str(clinic.chair.pk))
    expect(page.locator("#slot-picker .slot-option").first).to_have_text(re.compile("08:00–13:00"))
    assert page.locator("#slot-picker .slot-option", has_text="09:00–09:15").count() == 0

    # A type that names no needs may go to the doctor, but not into a 15-minute token.
    long_any = AppointmentTypeFactory(facility=clinic.facility, name="Long review", default_minutes=300)
    page.goto(f"/f/larkspur/bookings/new/?resource={clinic.doctor.pk}&date={day.isoformat()}")
    with page.expect_response(lambda r: "/bookings/slots/" in r.url and f"appointment_type={long_any.pk}" in r.url):
        page.get_by_label("Appointment type").select_option(str(long_any.pk))
    expect(page.locator("#slot-picker")).to_contain_text("long enough for Long review")
    expect(page.locator("#slot-picker .slot-option")).to_have_count(0)


def test_the_team_form_fits_a_phone(clinic, log_in):
    page = log_in("dr-fennimore")
    page.set_viewport_size({"width": 390, "height": 844})
    day = clinic.at("10:00").date()
    page.goto(f"/f/larkspur/bookings/new/?appointment_type={clinic.case.pk}&date={day.isoformat()}")
    expect(page.get_by_role("combobox", name="Scrub nurse", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
